"""Use cases for chat: the router and one module per intent."""
