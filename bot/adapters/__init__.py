"""Adapters: translate platform payloads to and from ``bot.messages``, one folder per platform."""
