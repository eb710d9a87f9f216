"""Which messengers this process serves, and the deep links into each (invites, personal links).

`run()` (and MaxFrontEnd) register their bots in the dispatcher's `bot_names`; a handler asks for the links of a
code and gets one per messenger served — Telegram's first. The username of each bot is asked once (aiogram keeps
`bot.me()`); for MAX, `MAX_BOT_USERNAME` wins over `GET /me` (the public name the operator wants in links).
"""
from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError

from bot.i18n import Raw, Translator
from bot.messengers import platform_of
from bot.services.invites import MAX, PLATFORMS, Link, links

log = logging.getLogger(__name__)


class BotNames:
    def __init__(self, settings: Any = None) -> None:
        self.settings = settings
        self.bots: dict[str, Bot] = {}

    def add(self, bot: Bot) -> None:
        self.bots[platform_of(bot)] = bot

    async def usernames(self, current: Bot | None = None) -> dict[str, str]:
        """platform → the bot's username, for every messenger served (the one a person writes from included)."""
        bots = dict(self.bots)
        if current is not None:
            bots.setdefault(platform_of(current), current)
        names: dict[str, str] = {}
        for platform in PLATFORMS:
            configured = getattr(self.settings, "max_bot_username", None) if platform == MAX else None
            bot = bots.get(platform)
            if configured and bot is not None:
                names[platform] = configured
                continue
            if bot is None:
                continue
            try:
                username = (await bot.me()).username
            except TelegramAPIError as error:  # a link to the other messenger is a convenience, not a must
                log.warning("%s bot's name unknown: %s", platform, error)
                continue
            if username:
                names[platform] = username
        return names

    async def links(self, code: str, current: Bot | None = None) -> list[Link]:
        return links(await self.usernames(current), code)


def link_lines(t: Translator, links: list[Link]) -> Raw:
    """«Telegram: https://t.me/…» and «MAX: https://max.ru/…», a line each, for a text that lists both."""
    return Raw("\n".join(t("invite.link_line", messenger=t(f"invite.messenger.{link.platform}"), link=link.url)
                          for link in links))
