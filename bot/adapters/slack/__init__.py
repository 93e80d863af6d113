"""Slack: bolt's AsyncApp on our aiohttp server (one Request URL), the App Home, installs, and the
outbox's messenger. The only place that imports slack_bolt and slack_sdk."""
