"""`python -m bot` is the `remm-bot` command."""

from bot.cli import main

if __name__ == "__main__":
    main()
