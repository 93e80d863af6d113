"""The command line's commands, one module per group; ``bot/cli.py`` registers them."""
