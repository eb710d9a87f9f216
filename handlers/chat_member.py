"""my_chat_member: a person blocked or unblocked the bot — keep their reachability true."""
from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.types import ChatMemberUpdated
from sqlalchemy.ext.asyncio import AsyncSession

from bot.messengers import platform_of
from bot.services import outbox
from bot.services.clock import Clock

router = Router(name="chat_member")

GONE = {"kicked", "left"}


@router.my_chat_member(F.chat.type == ChatType.PRIVATE)
async def membership_changed(update: ChatMemberUpdated, session: AsyncSession, clock: Clock, bot: Bot) -> None:
    status = update.new_chat_member.status
    await outbox.mark_reachable(session, platform_of(bot), update.chat.id, clock=clock, reachable=status not in GONE,
                                reason=f"bot {status}" if status in GONE else None)
