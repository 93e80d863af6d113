"""The nudge engine: notice a trip at the moment of decision and offer the digital alternative."""
