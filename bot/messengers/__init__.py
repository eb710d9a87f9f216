"""Front ends other than Telegram, each under the same aiogram dispatcher and handlers (docs/messengers.md)."""

from typing import Any

TELEGRAM = "telegram"
MAX = "max"


def platform_of(bot: Any) -> str:
    """Which messenger a Bot serves: the MAX bot says so (`MaxBot.platform`); aiogram's own Bot is Telegram's."""
    return getattr(bot, "platform", TELEGRAM)
