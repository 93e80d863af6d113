"""The domain: organisations, people, meetings, trips, nudges and outcomes as frozen dataclasses."""
