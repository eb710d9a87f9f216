"""Front ends other than Telegram, each under the same aiogram dispatcher and handlers (docs/messengers.md)."""

from typing import Any

TELEGRAM = "telegram"
MAX = "max"
PLATFORMS = (TELEGRAM, MAX)
# MaxBot's synthetic aiogram bot id starts here (bot/messengers/max/bot.py); Telegram's bot ids are far below.
MAX_BOT_ID_BASE = 9_000_000_000_000


def platform_of(bot: Any) -> str:
    """Which messenger a Bot serves: the MAX bot says so (`MaxBot.platform`); aiogram's own Bot is Telegram's."""
    return getattr(bot, "platform", TELEGRAM)


def platform_of_bot_id(bot_id: int) -> str:
    """Which messenger a bot id (as in dialog-state keys) belongs to."""
    return MAX if bot_id >= MAX_BOT_ID_BASE else TELEGRAM
