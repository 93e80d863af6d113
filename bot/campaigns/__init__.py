"""Information campaigns (REMM step 9): a coordinator's message to an audience, sent through the outbox
inside each recipient's working hours, with the figures of what came back."""
