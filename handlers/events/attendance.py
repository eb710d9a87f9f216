"""Attendance: the coordinator ticks people on the sign-up list, or shows a code and a QR at the event that
participants scan (`/start ci_<code>`) or type (`/checkin <code>`)."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.messengers.links import BotNames, link_lines
from bot.services.clock import Clock
from bot.services.errors import DomainError
from bot.services.events import signups
from bot.services.qr import qr_png
from bot.viewer import Viewer
from handlers.common import show
from handlers.events.common import event_for, explain
from keyboards import events as kb
from keyboards.events import EvAttCb, EvCb

router = Router(name="events.attendance")
router.message.filter(F.chat.type == ChatType.PRIVATE)

# Registered before the /start router, so its deep links don't take `ci_` codes for invites.
checkin_router = Router(name="events.checkin")
checkin_router.message.filter(F.chat.type == ChatType.PRIVATE)

CHECKIN_PREFIX = "ci_"


async def _signups(query: CallbackQuery, session: AsyncSession, viewer: Viewer, t: Translator, clock: Clock,
                   event_id: int, page: int) -> None:
    found = await event_for(query, session, viewer, t, event_id, clock.now(), manage=True)
    if found is None:
        return
    event = found[0]
    listed = await signups.signup_page(session, event, page)
    going = await signups.going_count(session, event.id)
    came = len(await signups.attendees(session, event.id))
    lines = [t("events.signups.title", title=event.title[:200], going=going, came=came)]
    if not listed.total:
        lines.append(t("events.signups.none"))
    rows = []
    for row in listed.items:
        mark = "☑️" if row.attended else "⬜"
        status = t(f"events.signups.status.{row.status}") if row.status else t("events.signups.status.walk_in")
        rows.append([kb.button(f"{mark} {row.full_name} · {status}", EvAttCb(e=event.id, u=row.user_id, p=listed.page))])
    rows.append(kb.nav(listed, lambda p: EvCb(a="signups", id=event.id, p=p), t))
    rows.append([kb.button(t("events.manage.code"), EvCb(a="code", id=event.id))])
    rows.append([kb.button(t("events.list.back_card"), EvCb(a="open", id=event.id))])
    lines.append(t("events.signups.hint"))
    await show(query, "\n\n".join(lines), kb.markup(rows))


@router.callback_query(EvCb.filter(F.a == "signups"))
async def signup_list(query: CallbackQuery, callback_data: EvCb, session: AsyncSession, viewer: Viewer,
                      t: Translator, clock: Clock) -> None:
    await _signups(query, session, viewer, t, clock, callback_data.id, callback_data.p)


@router.callback_query(EvAttCb.filter())
async def toggle(query: CallbackQuery, callback_data: EvAttCb, session: AsyncSession, viewer: Viewer,
                 t: Translator, clock: Clock) -> None:
    found = await event_for(query, session, viewer, t, callback_data.e, clock.now(), manage=True)
    if found is None or viewer.user is None:
        return
    try:
        present = await signups.toggle_attendance(session, found[0], callback_data.u, viewer.user, clock)
    except DomainError as error:
        await explain(query, t, error)
        return
    await query.answer(t("events.signups.marked" if present else "events.signups.unmarked"))
    await _signups(query, session, viewer, t, clock, callback_data.e, callback_data.p)


@router.callback_query(EvCb.filter(F.a == "code"))
async def show_code(query: CallbackQuery, callback_data: EvCb, session: AsyncSession, viewer: Viewer,
                    t: Translator, clock: Clock, bot_names: BotNames) -> None:
    found = await event_for(query, session, viewer, t, callback_data.id, clock.now(), manage=True)
    if found is None or not isinstance(query.message, Message):
        return
    try:
        code = await signups.ensure_code(session, found[0])
    except DomainError as error:
        await explain(query, t, error)
        return
    links = await bot_names.links(f"{CHECKIN_PREFIX}{code}", query.message.bot)
    title = found[0].title[:300]
    if len(links) < 2:
        link = links[0].url if links else ""
        caption = t("events.checkin.poster", title=title, code=code, link=link)
        await query.message.answer_photo(BufferedInputFile(qr_png(link), filename=f"checkin-{code}.png"),
                                         caption=caption)
        return
    # Both messengers: one QR per poster (p=0 Telegram's, p=1 MAX's), both links in the text, the other QR a tap away.
    shown, other = (links[1], links[0]) if callback_data.p == 1 else (links[0], links[1])
    caption = t("events.checkin.poster_both", title=title, code=code, links=link_lines(t, links),
                messenger=t(f"invite.messenger.{shown.platform}"))
    button = InlineKeyboardButton(text=t("invite.qr_button", messenger=t(f"invite.messenger.{other.platform}")),
                                  callback_data=EvCb(a="code", id=callback_data.id,
                                                     p=0 if callback_data.p == 1 else 1).pack())
    await query.message.answer_photo(BufferedInputFile(qr_png(shown.url), filename=f"checkin-{code}.png"),
                                     caption=caption, reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button]]))


async def _check_in(message: Message, code: str, session: AsyncSession, viewer: Viewer, t: Translator,
                    clock: Clock) -> None:
    if not viewer.registered or viewer.user is None:
        await message.answer(t("events.checkin.register_first"))
        return
    try:
        result = await signups.check_in(session, code, viewer.user, clock)
    except DomainError as error:
        await explain(message, t, error)
        return
    key = "events.checkin.again" if result.already else "events.checkin.done"
    await message.answer(t(key, title=result.event.title[:300]))


@checkin_router.message(CommandStart(deep_link=True, magic=F.args.startswith(CHECKIN_PREFIX)))
async def checkin_link(message: Message, command: CommandObject, session: AsyncSession, viewer: Viewer,
                       t: Translator, clock: Clock) -> None:
    await _check_in(message, (command.args or "")[len(CHECKIN_PREFIX):], session, viewer, t, clock)


@checkin_router.message(Command("checkin"))
async def checkin_typed(message: Message, command: CommandObject, session: AsyncSession, viewer: Viewer,
                        t: Translator, clock: Clock) -> None:
    if not command.args:
        await message.answer(t("events.checkin.how"))
        return
    await _check_in(message, command.args, session, viewer, t, clock)
