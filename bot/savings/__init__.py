"""The savings engine: where places are, what a trip costs in SEK, hours and kg CO2e, and why."""
