"""remm-bot: helps organisations replace business travel with digital meetings (the REMM method)."""
