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
from bot.services import short_names
from bot.services.mentoring import links as link_service
from bot.services.mentoring import notices
from bot.services.mentoring import sessions as session_service
from bot.services.mentoring import vocabulary as vocab
from bot.services.mentoring.access import link_for
from bot.viewer import Viewer
from db.models import MentoringLink, MentoringSession, Side
from handlers.common import show, show_menu
from handlers.mentoring.common import Event, explain, fmt_date, need_person, tell
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
        await ask_when(event, state, t, link.id, notices.other_side(link, "mentor", t))
        return
    links = await link_service.loggable_links(session, user.id, network_id)
    if not links:
        await show(event, t("mentoring.log.no_pairs"), markup([], back=home(t)))
        return
    if len(links) == 1:
        await ask_when(event, state, t, links[0].id, notices.other_side(links[0], "mentor", t))
        return
    await state.clear()
    await state.set_state(LogSession.pick)
    size = 8
    page = max(0, min(page, (len(links) - 1) // size))
    rows = [[(notices.other_side(link, "mentor", t, fit=short_names.ROW), MentorCb(a="lp", id=link.id))]
            for link in links[page * size:(page + 1) * size]]
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
    today = await _today(session, state, clock)
    try:
        held_on = session_service.parse_date(message.text or "", today)
    except DomainError as error:
        await explain(message, t, error)
        return
    await state.update_data(log_date=held_on.isoformat())
    if session_service.year_was_guessed(message.text or "", held_on, today):
        await show(message, t("mentoring.log.year_check", date=fmt_date(held_on, t)),
                   markup(_year_rows(held_on, t, "ldy")))
        return
    await _ask_format(message, state, t, held_on)


def _year_rows(held_on: date, t: Translator, action: str, record_id: int = 0) -> list[list]:
    return [[(t("mentoring.log.year_yes", date=fmt_date(held_on, t)), MentorCb(a=action, id=record_id))],
            [(t("mentoring.log.year_no"), MentorCb(a="ld", id=-1) if action == "ldy"
              else MentorCb(a="ef", id=record_id, v=1))],
            [(t("mentoring.log.cancel"), MentorCb(a="lx") if action == "ldy"
              else MentorCb(a="ses", id=record_id))]]


async def _ask_format(event: Event, state: FSMContext, t: Translator, held_on: date) -> None:
    await state.set_state(LogSession.fmt)
    rows = [[(t("mentoring.format.offline"), MentorCb(a="lf", v=1)), (t("mentoring.format.online"),
                                                                     MentorCb(a="lf", v=2))],
            [(t("mentoring.log.cancel"), MentorCb(a="lx"))]]
    await show(event, t("mentoring.log.ask_format", date=fmt_date(held_on, t)), markup(rows))


@router.callback_query(LogSession.when, MentorCb.filter(F.a == "ldy"))
async def year_confirmed(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    data = await state.get_data()
    if not data.get("log_date"):
        await tell(query, t, "errors.stale_button")
        return
    await _ask_format(query, state, t, date.fromisoformat(data["log_date"]))


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
    await show(event, t("mentoring.log.saved", line=notices.session_line(record, t),
                        title=notices.other_side(link, "mentor", t), asked=_asked(link, t)), markup(rows))


def _asked(link: MentoringLink, t: Translator) -> str:
    """Who is asked to confirm, in words that fit one person, a group, or nobody yet."""
    mentees = [u for u in link.people(Side.MENTEE) if notices.reachable(u)]
    if not mentees:
        return t("mentoring.log.asked_none")
    if len(mentees) == 1:
        return t("mentoring.log.asked_one", name=mentees[0].full_name or "—")
    return t("mentoring.log.asked_many", count=len(mentees))


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
    """Each message adds to the session — text to the note, a photo, file or voice to the attachments — and the
    step stays open for more until «Готово» (or half an hour of quiet)."""
    data = await _fresh(state, clock)
    if data is None:
        await _lapsed(message, state, viewer, t)
        return
    await state.update_data(log_saved_at=clock.now().isoformat())
    await _add(message, state, session, viewer, t, clock, int(data["log_session"]), MentorCb(a="ldone"))


async def _add(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
               clock: Clock, session_id: int, done: MentorCb) -> None:
    me = await need_person(message, viewer, t)
    if me is None:
        return
    file_id, kind = _attachment(message)
    try:
        record = await session_service.add_to_session(session, session_id, author_id=me[0].id, clock=clock,
                                                      text=message.text or message.caption, file_id=file_id,
                                                      kind=kind)
    except DomainError as error:
        await explain(message, t, error)
        return
    if message.media_group_id:  # an album arrives as several messages: one answer for all of them
        if (await state.get_data()).get("log_album") == message.media_group_id:
            return
        await state.update_data(log_album=message.media_group_id)
    text = (t("mentoring.log.attachment_added", count=len(session_service.attachments_of(record))) if file_id
            else t("mentoring.log.note_added"))
    await message.answer(text, reply_markup=markup([[(t("mentoring.log.done"), done)]]))


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


@router.callback_query(MentorCb.filter(F.a == "adone"))
async def attach_done(query: CallbackQuery, callback_data: MentorCb, state: FSMContext, session: AsyncSession,
                      viewer: Viewer, t: Translator, clock: Clock) -> None:
    if await state.get_state() == LogSession.edit.state:
        await state.clear()
    await show_session(query, session, viewer, t, clock, callback_data.id)


# --- editing within 48 hours ---------------------------------------------------------------------------------------

EDIT_FIELDS = {1: "date", 2: "format", 3: "duration", 4: "topic", 5: "note", 6: "attach"}


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
    if field == "attach":
        back = (t("mentoring.log.done"), MentorCb(a="adone", id=record.id))
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
    before = session_service.facts(record)
    await session_service.edit_session(session, record.id, author_id=record.author_id, clock=clock, **values)
    await state.clear()
    changed = await _reconfirm(session, viewer, clock, record, before)
    await query.answer(t("mentoring.edit.reconfirm" if changed else "mentoring.edit.saved"), show_alert=changed)
    await show_session(query, session, viewer, t, clock, record.id)


async def _reconfirm(session: AsyncSession, viewer: Viewer, clock: Clock, record: MentoringSession,
                     before: tuple[object, ...]) -> bool:
    """What the mentee confirmed has changed: the confirmation is withdrawn and they are asked again."""
    if session_service.facts(record) == before or viewer.user is None:
        return False
    link, _ = await link_for(session, record.link_id, viewer.user.id, roles=("mentor",))
    await notices.session_logged(session, record, link, viewer.user, clock=clock, changed=True)
    return True


@router.message(LogSession.edit, F.text | F.photo | F.document | F.voice)
async def edit_typed(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
                     clock: Clock) -> None:
    data = await state.get_data()
    record = await _editable(message, session, viewer, t, clock, int(data.get("edit_id") or 0))
    if record is None:
        await state.clear()
        return
    field = data.get("edit_field")
    file_id, _ = _attachment(message)
    if field == "attach" or (field == "note" and file_id):
        # Files are always added, never put in place of the note or of another file.
        await _add(message, state, session, viewer, t, clock, record.id, MentorCb(a="adone", id=record.id))
        return
    values: dict[str, Any] = {}
    before = session_service.facts(record)
    try:
        if not message.text:
            await message.answer(t("common.send_text"))
            return
        if field == "note":
            values["note"] = message.text
        elif field == "date":
            today = await session_service.today_for(session, record.network_id, clock)
            values["held_on"] = session_service.parse_date(message.text, today)
            if session_service.year_was_guessed(message.text, values["held_on"], today):
                await state.update_data(edit_date=values["held_on"].isoformat())
                await show(message, t("mentoring.log.year_check", date=fmt_date(values["held_on"], t)),
                           markup(_year_rows(values["held_on"], t, "edy", record.id)))
                return
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
    changed = await _reconfirm(session, viewer, clock, record, before)
    await message.answer(t("mentoring.edit.reconfirm" if changed else "mentoring.edit.saved"))
    await show_session(message, session, viewer, t, clock, record.id)


@router.callback_query(LogSession.edit, MentorCb.filter(F.a == "edy"))
async def edit_year_confirmed(query: CallbackQuery, callback_data: MentorCb, state: FSMContext,
                              session: AsyncSession, viewer: Viewer, t: Translator, clock: Clock) -> None:
    data = await state.get_data()
    record = await _editable(query, session, viewer, t, clock, callback_data.id)
    if record is None or not data.get("edit_date") or int(data.get("edit_id") or 0) != record.id:
        if record is not None:
            await tell(query, t, "errors.stale_button")
        return
    before = session_service.facts(record)
    await session_service.edit_session(session, record.id, author_id=record.author_id, clock=clock,
                                       held_on=date.fromisoformat(data["edit_date"]))
    await state.clear()
    changed = await _reconfirm(session, viewer, clock, record, before)
    await query.answer(t("mentoring.edit.reconfirm" if changed else "mentoring.edit.saved"), show_alert=changed)
    await show_session(query, session, viewer, t, clock, record.id)


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


@router.callback_query(MentorCb.filter(F.a == "nh"))
async def not_held(query: CallbackQuery, callback_data: MentorCb, session: AsyncSession, viewer: Viewer,
                   t: Translator, clock: Clock) -> None:
    """«Встречи не было»: the session is marked, the confirmation withdrawn, the mentor told."""
    me = await need_person(query, viewer, t)
    if me is None:
        return
    try:
        record, fresh = await session_service.dispute_session(session, callback_data.id, user_id=me[0].id,
                                                              clock=clock)
    except DomainError as error:
        await explain(query, t, error)
        return
    if fresh:
        await notices.session_disputed(session, record, me[0], clock=clock)
    await query.answer(t("mentoring.confirm.not_held_saved"))
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
