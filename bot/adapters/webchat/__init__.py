"""The local web chat: a page served by the bot, so the whole product can be tried without Slack or Teams."""
