"""Ingestion: calendar events and travel requests from outside, converted into the domain (design 4.6)."""
