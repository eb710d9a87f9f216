"""«Записать встречу» in at most five taps and one optional text, editing for 48 hours, and the mentee's
confirmation with a rating and a comment.

    menu «Записать встречу» (pair preselected when there is one; else one more tap for the pair)
    → «Сегодня · очно» (date and format in one tap; «Другая дата» or a typed «20.11» also work)
    → «60 мин» (or typed minutes)
    → a recent topic (or the topic typed) — the session is saved here
    → optional: a note, photo, file or voice message, sent as the next message.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.services.clock import Clock
from bot.services.errors import DomainError
from bot.services.mentoring import links as link_service
from bot.services.mentoring import notices
from bot.services.mentoring import sessions as session_service
from bot.services.mentoring import vocabulary as vocab
from bot.services.mentoring.access import link_for
from bot.viewer import Viewer
from db.models import MentoringLink, MentoringSession
from handlers.common import show, show_menu
from handlers.mentoring.common import Event, explain, fmt_date, link_title, need_person, tell
from handlers.mentoring.pairs import show_session
from keyboards.callbacks import MenuCb
from keyboards.mentoring import MentorCb, home, markup

router = Router(name="mentoring.log")
FORMATS = {1: "offline", 2: "online"}
NOTE_WINDOW = timedelta(minutes=30)  # the "add a note" step lapses if the mentor walks away


class LogSession(StatesGroup):
    pick = State()
    when = State()
    fmt = State()
    duration = State()
    topic = State()
    note = State()
    edit = State()


class Comment(StatesGroup):
    text = State()


# --- entry ------------------------------------------------------------------------------------------------

@router.callback_query(MenuCb.filter(F.action == "ml_log"))
async def log_menu(query: CallbackQuery, state: FSMContext, session: AsyncSession, viewer: Viewer,
                   t: Translator) -> None:
    await start(query, state, session, viewer, t, 0)


@router.callback_query(MentorCb.filter(F.a == "log"))
async def log_for_link(query: CallbackQuery, callback_data: MentorCb, state: FSMContext, session: AsyncSession,
                       viewer: Viewer, t: Translator) -> None:
    await start(query, state, session, viewer, t, callback_data.id)


async def start(event: Event, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
                link_id: int, page: int = 0) -> None:
    me = await need_person(event, viewer, t)
    if me is None:
        return
    user, network_id = me
    if link_id:
        try:
            link, _ = await link_for(session, link_id, user.id, roles=("mentor",))
        except DomainError as error:
            await explain(event, t, error)
            return
        await ask_when(event, state, t, link.id, link_title(link, t))
        return
    links = await link_service.loggable_links(session, user.id, network_id)
    if not links:
        await show(event, t("mentoring.log.no_pairs"), markup([], back=home(t)))
        return
    if len(links) == 1:
        await ask_when(event, state, t, links[0].id, link_title(links[0], t))
        return
    await state.clear()
    await state.set_state(LogSession.pick)
    size = 8
    page = max(0, min(page, (len(links) - 1) // size))
    rows = [[(link_title(link, t), MentorCb(a="lp", id=link.id))] for link in links[page * size:(page + 1) * size]]
    nav = []
    if page > 0:
        nav.append(("◀️", MentorCb(a="lpp", v=page - 1)))
    if (page + 1) * size < len(links):
        nav.append(("▶️", MentorCb(a="lpp", v=page + 1)))
    if nav:
        rows.append(nav)
    rows.append([(t("mentoring.log.cancel"), MentorCb(a="lx"))])
    await show(event, t("mentoring.log.pick_pair"), markup(rows))


@router.callback_query(LogSession.pick, MentorCb.filter(F.a == "lpp"))
async def pick_page(query: CallbackQuery, callback_data: MentorCb, state: FSMContext, session: AsyncSession,
                    viewer: Viewer, t: Translator) -> None:
    await start(query, state, session, viewer, t, 0, callback_data.v)


@router.callback_query(LogSession.pick, MentorCb.filter(F.a == "lp"))
async def pair_picked(query: CallbackQuery, callback_data: MentorCb, state: FSMContext, session: AsyncSession,
                      viewer: Viewer, t: Translator) -> None:
    await start(query, state, session, viewer, t, callback_data.id)


@router.message(LogSession.pick)
async def pick_expected(message: Message, t: Translator) -> None:
    await message.answer(t("mentoring.log.use_buttons"))


@router.callback_query(MentorCb.filter(F.a == "lx"))
async def cancel(query: CallbackQuery, state: FSMContext, viewer: Viewer, t: Translator) -> None:
    await state.clear()
    await show(query, t("common.cancelled"))
    await show_menu(query.message if isinstance(query.message, Message) else query, viewer, t)


# --- date and format ----------------------------------------------------------------------------------------

async def ask_when(event: Event, state: FSMContext, t: Translator, link_id: int, title: str) -> None:
    await state.clear()
    await state.set_state(LogSession.when)
    await state.update_data(log_link=link_id, log_title=title)
    rows = [
        [(t("mentoring.log.today_offline"), MentorCb(a="ld", id=0, v=1)),
         (t("mentoring.log.today_online"), MentorCb(a="ld", id=0, v=2))],
        [(t("mentoring.log.yesterday_offline"), MentorCb(a="ld", id=1, v=1)),
         (t("mentoring.log.yesterday_online"), MentorCb(a="ld", id=1, v=2))],
        [(t("mentoring.log.other_date"), MentorCb(a="ld", id=-1))],
        [(t("mentoring.log.cancel"), MentorCb(a="lx"))],
    ]
    await show(event, t("mentoring.log.ask_when", title=title), markup(rows))


async def _today(session: AsyncSession, state: FSMContext, clock: Clock) -> date:
    data = await state.get_data()
    link = await session.get(MentoringLink, data.get("log_link") or 0)
    return await session_service.today_for(session, link.network_id, clock) if link else clock.now().date()


@router.callback_query(LogSession.when, MentorCb.filter(F.a == "ld"))
async def when_chosen(query: CallbackQuery, callback_data: MentorCb, state: FSMContext, session: AsyncSession,
                      t: Translator, clock: Clock) -> None:
    if callback_data.id == -1:
        await show(query, t("mentoring.log.ask_date"), markup([[(t("mentoring.log.cancel"), MentorCb(a="lx"))]]))
        return
    if callback_data.id not in (0, 1) or callback_data.v not in FORMATS:
        await tell(query, t, "errors.stale_button")
        return
    held_on = (await _today(session, state, clock)) - timedelta(days=callback_data.id)
    await state.update_data(log_date=held_on.isoformat(), log_format=FORMATS[callback_data.v])
    await ask_duration(query, state, t)


@router.message(LogSession.when, F.text)
async def date_typed(message: Message, state: FSMContext, session: AsyncSession, t: Translator,
                     clock: Clock) -> None:
    try:
        held_on = session_service.parse_date(message.text or "", await _today(session, state, clock))
    except DomainError as error:
        await explain(message, t, error)
        return
    await state.update_data(log_date=held_on.isoformat())
    await state.set_state(LogSession.fmt)
    rows = [[(t("mentoring.format.offline"), MentorCb(a="lf", v=1)), (t("mentoring.format.online"),
                                                                     MentorCb(a="lf", v=2))]]
    await show(message, t("mentoring.log.ask_format", date=fmt_date(held_on, t)), markup(rows))


@router.message(LogSession.when)
async def when_expected(message: Message, t: Translator) -> None:
    await message.answer(t("mentoring.log.when_hint"))


@router.callback_query(LogSession.fmt, MentorCb.filter(F.a == "lf"))
async def format_chosen(query: CallbackQuery, callback_data: MentorCb, state: FSMContext, t: Translator) -> None:
    if callback_data.v not in FORMATS:
        await tell(query, t, "errors.stale_button")
        return
    await state.update_data(log_format=FORMATS[callback_data.v])
    await ask_duration(query, state, t)


@router.message(LogSession.fmt)
async def format_expected(message: Message, t: Translator) -> None:
    await message.answer(t("mentoring.log.use_buttons"))


# --- duration -------------------------------------------------------------------------------------------------

async def ask_duration(event: Event, state: FSMContext, t: Translator) -> None:
    await state.set_state(LogSession.duration)
    rows = [[(t("mentoring.log.minutes", minutes=m), MentorCb(a="lu", v=m)) for m in vocab.DURATIONS[:3]],
            [(t("mentoring.log.minutes", minutes=m), MentorCb(a="lu", v=m)) for m in vocab.DURATIONS[3:]],
            [(t("mentoring.log.cancel"), MentorCb(a="lx"))]]
    await show(event, t("mentoring.log.ask_duration"), markup(rows))


@router.callback_query(LogSession.duration, MentorCb.filter(F.a == "lu"))
async def duration_chosen(query: CallbackQuery, callback_data: MentorCb, state: FSMContext, session: AsyncSession,
                          viewer: Viewer, t: Translator) -> None:
    if callback_data.v not in vocab.DURATIONS:
        await tell(query, t, "errors.stale_button")
        return
    await state.update_data(log_duration=callback_data.v)
    await ask_topic(query, state, session, viewer, t)


@router.message(LogSession.duration, F.text)
async def duration_typed(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer,
                         t: Translator) -> None:
    try:
        minutes = session_service.parse_duration(message.text or "")
    except DomainError as error:
        await explain(message, t, error)
        return
    await state.update_data(log_duration=minutes)
    await ask_topic(message, state, session, viewer, t)


@router.message(LogSession.duration)
async def duration_expected(message: Message, t: Translator) -> None:
    await message.answer(t("mentoring.log.duration_hint"))


# --- topic → saved ----------------------------------------------------------------------------------------------

async def ask_topic(event: Event, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator) -> None:
    await state.set_state(LogSession.topic)
    topics = await session_service.recent_topics(session, viewer.user.id) if viewer.user else []
    await state.update_data(log_topics=topics)
    rows = [[(topic, MentorCb(a="lt", id=index))] for index, topic in enumerate(topics)]
    rows.append([(t("mentoring.log.cancel"), MentorCb(a="lx"))])
    key = "mentoring.log.ask_topic_recent" if topics else "mentoring.log.ask_topic"
    await show(event, t(key), markup(rows))


@router.callback_query(LogSession.topic, MentorCb.filter(F.a == "lt"))
async def topic_chosen(query: CallbackQuery, callback_data: MentorCb, state: FSMContext, session: AsyncSession,
                       viewer: Viewer, t: Translator, clock: Clock) -> None:
    topics: list[str] = (await state.get_data()).get("log_topics") or []
    if not 0 <= callback_data.id < len(topics):
        await tell(query, t, "errors.stale_button")
        return
    await save(query, state, session, viewer, t, clock, topics[callback_data.id])


@router.message(LogSession.topic, F.text)
async def topic_typed(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
                      clock: Clock) -> None:
    try:
        topic = session_service.clean_topic(message.text)
    except DomainError as error:
        await explain(message, t, error)
        return
    await save(message, state, session, viewer, t, clock, topic)


@router.message(LogSession.topic)
async def topic_expected(message: Message, t: Translator) -> None:
    await message.answer(t("mentoring.log.topic_hint"))


async def save(event: Event, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator, clock: Clock,
               topic: str) -> None:
    data = await state.get_data()
    me = await need_person(event, viewer, t)
    if me is None:
        return
    user, _ = me
    if not all(data.get(k) for k in ("log_link", "log_date", "log_format", "log_duration")):
        await state.clear()
        await tell(event, t, "errors.stale_button")
        return
    try:
        record = await session_service.log_session(
            session, link_id=data["log_link"], author_id=user.id, clock=clock,
            data=session_service.SessionInput(held_on=date.fromisoformat(data["log_date"]), format=data["log_format"],
                                              duration_min=int(data["log_duration"]), topic=topic))
        link, _ = await link_for(session, record.link_id, user.id, roles=("mentor",))
    except DomainError as error:
        await explain(event, t, error)
        return
    await notices.session_logged(session, record, link, user, clock=clock)
    await state.clear()
    await state.set_state(LogSession.note)
    await state.update_data(log_session=record.id, log_saved_at=clock.now().isoformat())
    rows = [[(t("mentoring.log.done"), MentorCb(a="ldone")),
             (t("mentoring.session.edit"), MentorCb(a="ed", id=record.id))]]
    await show(event, t("mentoring.log.saved", line=notices.session_line(record, t), title=link_title(link, t)),
               markup(rows))


# --- the optional note, photo, file or voice ---------------------------------------------------------------------

def _attachment(message: Message) -> tuple[str | None, str | None]:
    if message.photo:
        return message.photo[-1].file_id, "photo"
    if message.document:
        return message.document.file_id, "document"
    if message.voice:
        return message.voice.file_id, "voice"
    return None, None


async def _fresh(state: FSMContext, clock: Clock) -> dict[str, Any] | None:
    data = await state.get_data()
    saved = data.get("log_saved_at")
    if not saved or clock.now() - datetime.fromisoformat(saved) > NOTE_WINDOW:
        return None
    return data


async def _lapsed(message: Message, state: FSMContext, viewer: Viewer, t: Translator) -> None:
    """The mentor walked away or moved on (a command): the message is not a note; show the menu."""
    await state.clear()
    await message.answer(t("mentoring.log.note_lapsed"))
    await show_menu(message, viewer, t)


@router.message(LogSession.note, F.text | F.photo | F.document | F.voice)
async def note_given(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
                     clock: Clock) -> None:
    data = await _fresh(state, clock)
    if data is None or (message.text or "").startswith("/"):
        await _lapsed(message, state, viewer, t)
        return
    me = await need_person(message, viewer, t)
    if me is None:
        return
    file_id, kind = _attachment(message)
    try:
        record = await session_service.edit_session(
            session, data["log_session"], author_id=me[0].id, clock=clock,
            note=message.text or message.caption or None, attachment_file_id=file_id, attachment_type=kind)
    except DomainError as error:
        await explain(message, t, error)
        return
    await state.clear()
    await message.answer(t("mentoring.log.note_added" if record.note else "mentoring.log.attachment_added"))
    await show_menu(message, viewer, t)


@router.message(LogSession.note)
async def note_expected(message: Message, state: FSMContext, viewer: Viewer, t: Translator, clock: Clock) -> None:
    if await _fresh(state, clock) is None:
        await _lapsed(message, state, viewer, t)
        return
    await message.answer(t("mentoring.log.note_hint"))


@router.callback_query(MentorCb.filter(F.a == "ldone"))
async def done(query: CallbackQuery, state: FSMContext, viewer: Viewer, t: Translator) -> None:
    if await state.get_state() == LogSession.note.state:
        await state.clear()
    await show_menu(query, viewer, t)


# --- editing within 48 hours ---------------------------------------------------------------------------------------

EDIT_FIELDS = {1: "date", 2: "format", 3: "duration", 4: "topic", 5: "note"}


async def _editable(event: Event, session: AsyncSession, viewer: Viewer, t: Translator, clock: Clock,
                    session_id: int) -> Any:
    me = await need_person(event, viewer, t)
    if me is None:
        return None
    record = await session.get(MentoringSession, session_id)
    if record is None or record.author_id != me[0].id:
        await tell(event, t, "errors.forbidden")
        return None
    if not session_service.editable(record, clock):
        await tell(event, t, "mentoring.errors.edit_window_over")
        return None
    return record


@router.callback_query(MentorCb.filter(F.a == "ed"))
async def edit_menu(query: CallbackQuery, callback_data: MentorCb, state: FSMContext, session: AsyncSession,
                    viewer: Viewer, t: Translator, clock: Clock) -> None:
    record = await _editable(query, session, viewer, t, clock, callback_data.id)
    if record is None:
        return
    await state.clear()
    rows = [[(t(f"mentoring.edit.{name}"), MentorCb(a="ef", id=record.id, v=code))]
            for code, name in EDIT_FIELDS.items()]
    await show(query, t("mentoring.edit.title", line=notices.session_line(record, t)),
               markup(rows, back=(t("mentoring.history.back_to_session"), MentorCb(a="ses", id=record.id))))


@router.callback_query(MentorCb.filter(F.a == "ef"))
async def edit_field(query: CallbackQuery, callback_data: MentorCb, state: FSMContext, session: AsyncSession,
                     viewer: Viewer, t: Translator, clock: Clock) -> None:
    record = await _editable(query, session, viewer, t, clock, callback_data.id)
    field = EDIT_FIELDS.get(callback_data.v)
    if record is None:
        return
    if field is None:
        await tell(query, t, "errors.stale_button")
        return
    back = (t("mentoring.history.back_to_session"), MentorCb(a="ses", id=record.id))
    if field == "format":
        rows = [[(t(f"mentoring.format.{code}"), MentorCb(a="eset", id=record.id, v=v)) for v, code in FORMATS.items()]]
        await show(query, t("mentoring.edit.ask_format"), markup(rows, back=back))
        return
    await state.set_state(LogSession.edit)
    await state.update_data(edit_id=record.id, edit_field=field)
    rows = []
    if field == "duration":
        rows = [[(t("mentoring.log.minutes", minutes=m), MentorCb(a="eset", id=record.id, v=100 + m))
                 for m in vocab.DURATIONS]]
    await show(query, t(f"mentoring.edit.ask_{field}"), markup(rows, back=back))


@router.callback_query(MentorCb.filter(F.a == "eset"))
async def edit_button(query: CallbackQuery, callback_data: MentorCb, state: FSMContext, session: AsyncSession,
                      viewer: Viewer, t: Translator, clock: Clock) -> None:
    record = await _editable(query, session, viewer, t, clock, callback_data.id)
    if record is None:
        return
    values: dict[str, Any] = {}
    if callback_data.v in FORMATS:
        values["format"] = FORMATS[callback_data.v]
    elif callback_data.v - 100 in vocab.DURATIONS:
        values["duration_min"] = callback_data.v - 100
    else:
        await tell(query, t, "errors.stale_button")
        return
    await session_service.edit_session(session, record.id, author_id=record.author_id, clock=clock, **values)
    await state.clear()
    await query.answer(t("mentoring.edit.saved"))
    await show_session(query, session, viewer, t, clock, record.id)


@router.message(LogSession.edit, F.text | F.photo | F.document | F.voice)
async def edit_typed(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
                     clock: Clock) -> None:
    data = await state.get_data()
    record = await _editable(message, session, viewer, t, clock, int(data.get("edit_id") or 0))
    if record is None:
        await state.clear()
        return
    field = data.get("edit_field")
    values: dict[str, Any] = {}
    try:
        if field == "note":
            file_id, kind = _attachment(message)
            values = {"note": message.text or message.caption or None, "attachment_file_id": file_id,
                      "attachment_type": kind}
        elif not message.text:
            await message.answer(t("common.send_text"))
            return
        elif field == "date":
            today = await session_service.today_for(session, record.network_id, clock)
            values["held_on"] = session_service.parse_date(message.text, today)
        elif field == "duration":
            values["duration_min"] = session_service.parse_duration(message.text)
        elif field == "topic":
            values["topic"] = session_service.clean_topic(message.text)
        else:
            await state.clear()
            return
        await session_service.edit_session(session, record.id, author_id=record.author_id, clock=clock, **values)
    except DomainError as error:
        await explain(message, t, error)
        return
    await state.clear()
    await message.answer(t("mentoring.edit.saved"))
    await show_session(message, session, viewer, t, clock, record.id)


@router.message(LogSession.edit)
async def edit_expected(message: Message, t: Translator) -> None:
    await message.answer(t("common.send_text"))


# --- the mentee confirms, rates and comments ------------------------------------------------------------------------

@router.callback_query(MentorCb.filter(F.a == "cf"))
async def confirm(query: CallbackQuery, callback_data: MentorCb, session: AsyncSession, viewer: Viewer,
                  t: Translator, clock: Clock) -> None:
    me = await need_person(query, viewer, t)
    if me is None:
        return
    user, _ = me
    rating = callback_data.v or None
    try:
        record, fresh = await session_service.confirm_session(session, callback_data.id, user_id=user.id, clock=clock,
                                                              rating=rating)
    except DomainError as error:
        await explain(query, t, error)
        return
    if fresh:
        await notices.session_confirmed(session, record, user, clock=clock)
    thanks = t("mentoring.confirm.thanks_rating", rating=record.rating) if record.rating else t(
        "mentoring.confirm.thanks")
    await query.answer(thanks)
    await show_session(query, session, viewer, t, clock, record.id)


@router.callback_query(MentorCb.filter(F.a == "cm"))
async def comment_start(query: CallbackQuery, callback_data: MentorCb, state: FSMContext, session: AsyncSession,
                        viewer: Viewer, t: Translator) -> None:
    me = await need_person(query, viewer, t)
    if me is None:
        return
    try:
        _, _, role = await session_service.session_for(session, callback_data.id, me[0].id)
    except DomainError as error:
        await explain(query, t, error)
        return
    if role != "mentee":
        await tell(query, t, "errors.forbidden")
        return
    await state.set_state(Comment.text)
    await state.update_data(comment_session=callback_data.id)
    await show(query, t("mentoring.confirm.ask_comment"),
               markup([[(t("mentoring.log.cancel"), MentorCb(a="lx"))]]))


@router.message(Comment.text, F.text)
async def comment_typed(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
                        clock: Clock) -> None:
    me = await need_person(message, viewer, t)
    if me is None:
        return
    data = await state.get_data()
    try:
        record = await session_service.comment_session(session, int(data.get("comment_session") or 0),
                                                       user_id=me[0].id, text=message.text or "", clock=clock)
    except DomainError as error:
        await explain(message, t, error)
        return
    await notices.session_confirmed(session, record, me[0], clock=clock, what="comment")
    await state.clear()
    await message.answer(t("mentoring.confirm.comment_saved"))
    await show_menu(message, viewer, t)


@router.message(Comment.text)
async def comment_expected(message: Message, t: Translator) -> None:
    await message.answer(t("common.send_text"))
