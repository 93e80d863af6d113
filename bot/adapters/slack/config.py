"""What the Slack adapter needs from Settings, checked once: the mode, the secrets and the API address."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from bot.i18n import Locale, normalise_locale
from bot.settings import Settings

# The bot scopes remm-bot asks for, and why (also in slack/manifest.yml and docs/slack.md).
BOT_SCOPES: Final = (
    "app_mentions:read",  # app_mention events
    "chat:write",  # replies, nudges, updates in place
    "commands",  # /remm
    "im:history",  # message.im events; finding a nudge sent just before a crash (message metadata)
    "im:write",  # opening the direct message a nudge goes to
    "users:read",  # users.info
    "users:read.email",  # matching a Slack user to a person of the organisation by email
)
SLASH_COMMAND: Final = "/remm"


@dataclass(frozen=True, slots=True)
class SlackConfig:
    signing_secret: str = field(repr=False)
    bot_token: str = field(default="", repr=False)
    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    api_url: str = "https://slack.com/api/"
    public_url: str = ""
    locale: Locale = "sv"

    @classmethod
    def from_settings(cls, settings: Settings) -> SlackConfig:
        api_url = settings.slack_api_url
        return cls(
            signing_secret=settings.slack_signing_secret.value,
            bot_token=settings.slack_bot_token.value,
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret.value,
            # slack_sdk joins method names onto the base URL: it must end with "/".
            api_url=api_url if api_url.endswith("/") else api_url + "/",
            public_url=settings.public_url.rstrip("/"),
            locale=normalise_locale(settings.default_locale),
        )

    @property
    def oauth(self) -> bool:
        """Multi-workspace: installations through OAuth. Otherwise one workspace on SLACK_BOT_TOKEN."""
        return bool(self.client_id and self.client_secret)

    @property
    def installations_key(self) -> str:
        """The client id installations are stored under; "" in single-workspace mode."""
        return self.client_id if self.oauth else ""
