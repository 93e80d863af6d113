"""The console: renders neutral messages as plain text, for the demo and the terminal chat."""
