"""Forms in the chat: answering one question at a time, «Мои анкеты», and the coordinator's side —
sending a form to an audience with a deadline, the status board, uploading a form of their own."""
from __future__ import annotations

from datetime import datetime
from functools import partial
from io import BytesIO
from typing import Any

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.i18n import Raw, Translator
from bot.services import networks as network_service
from bot.services.clock import Clock
from bot.services.errors import DomainError
from bot.services.forms import answering, board, hooks, library, requests, results, upload
from bot.services.forms.export import answers_sheet
from bot.services.forms.definitions import AnswerError, DefinitionError, Definition, Question, is_answered
from bot.services.forms.messages import local_date
from bot.services.uploads.sandbox import run_untrusted
from bot.services.xlsx import table_xlsx
from bot.viewer import Viewer
from db.models import Form, FormRequest, FormRequestStatus, Network, School
from handlers.common import show, show_menu
from handlers.uploads import fetch
from keyboards import forms as kb
from keyboards.callbacks import MenuCb
from keyboards.forms import FormBoardCb, FormCoordCb, FormMineCb, FormOpenCb, FormStepCb

router = Router(name="forms")
router.message.filter(F.chat.type == ChatType.PRIVATE)

MESSAGE_BUDGET = 3900  # under Telegram's 4096, with room for markup entities
MAX_ISSUES_SHOWN = 15


class FormFill(StatesGroup):
    answering = State()  # data: form_response (id); the row itself holds the step


class FormSend(StatesGroup):
    choosing = State()  # data: fs_form, fs_schools, fs_audience, fs_deadline
    deadline = State()


class FormUpload(StatesGroup):
    file = State()


# --- shared helpers --------------------------------------------------------------------------------

def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _fit(lines: list[str], tail: list[str] | None = None) -> str:
    """Join lines, dropping the ones that don't fit one message (with a «…» line instead)."""
    tail = tail or []
    budget = MESSAGE_BUDGET - sum(len(line) + 1 for line in tail)
    kept: list[str] = []
    for line in lines:
        if sum(len(k) + 1 for k in kept) + len(line) + 1 > budget:
            kept.append("…")
            break
        kept.append(line)
    return "\n".join(kept + tail)


async def _alert(event: Message | CallbackQuery, text: str) -> None:
    if isinstance(event, CallbackQuery):
        await event.answer(text, show_alert=True)
    else:
        await event.answer(text)


def _user_id(viewer: Viewer) -> int | None:
    return viewer.user.id if viewer.user is not None and viewer.registered else None


def _coordinated_network(viewer: Viewer) -> int | None:
    """The network the viewer coordinates right now (the one in use), re-derived on every update."""
    membership = viewer.membership
    if not viewer.registered or membership is None or not membership.is_coordinator:
        return None
    return membership.network_id


def format_answer(q: Question, value: Any, t: Translator) -> str:
    if q.type == "multi":
        return "; ".join(str(v) for v in value or [])
    if q.type == "yesno":
        return t("forms.yes") if value else t("forms.no")
    if q.type == "date" and isinstance(value, str):
        try:
            return datetime.strptime(value, "%Y-%m-%d").strftime("%d.%m.%Y")
        except ValueError:
            return value
    if q.type == "number" and isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value)


def _how(q: Question, t: Translator) -> str:
    if q.type == "number":
        if q.min is not None and q.max is not None:
            return t("forms.fill.how_number_between", min=q.min, max=q.max)
        if q.min is not None:
            return t("forms.fill.how_number_at_least", min=q.min)
        if q.max is not None:
            return t("forms.fill.how_number_at_most", max=q.max)
        return t("forms.fill.how_number")
    if q.type == "scale":
        values = q.scale_range
        return t("forms.fill.how_scale", min=values.start, max=values.stop - 1)
    return t(f"forms.fill.how_{q.type}")


# --- answering -------------------------------------------------------------------------------------

def _question_text(f: answering.Filling, t: Translator) -> str:
    q = f.question
    assert q is not None
    parts = [t("forms.fill.header", title=f.request.title)]
    if f.step == 0 and not f.response.reviewing and f.definition.intro:
        parts.append(t("forms.fill.intro", text=f.definition.intro))
    title = t("forms.fill.question", text=q.text)
    parts.append(t("forms.fill.counter", n=f.step + 1, total=f.total) + "\n" + title
                 + ("" if q.required else " " + t("forms.fill.optional")))
    if q.hint:
        parts.append(t("forms.fill.hint", text=q.hint))
    if q.type in ("single", "multi"):
        parts.append("\n".join(t("forms.fill.option", n=i + 1, text=o) for i, o in enumerate(q.options)))
    parts.append(_how(q, t))
    current = f.answer(q)
    if q.type != "multi" and is_answered(q, current):
        parts.append(t("forms.fill.current", value=_cut(format_answer(q, current, t), 300)))
    if f.overdue and not f.submitted:
        parts.append(t("forms.fill.late"))
    return "\n\n".join(parts)


def _review_text(f: answering.Filling, t: Translator, *, thanks: bool = False) -> str:
    head = [t("forms.fill.thanks")] if thanks else []
    head += [t("forms.fill.header", title=f.request.title), "",
             t("forms.fill.answers_title") if f.submitted or not f.editable else t("forms.fill.review_title")]
    lines = []
    for index, question, value in f.answered():
        answer = format_answer(question, value, t) if is_answered(question, value) else t("forms.fill.no_answer")
        lines.append(t("forms.fill.review_line", n=index + 1, question=_cut(question.text, 90),
                       answer=_cut(answer, 200)))
    tail: list[str] = [""]
    deadline = local_date(f.request.deadline, f.tz)
    if f.submitted:
        tail.append(t("forms.fill.submitted_note", date=local_date(f.response.submitted_at, f.tz)))
        tail.append(t("forms.fill.editable_until", deadline=deadline) if f.editable else t("forms.fill.locked_note"))
    elif not f.is_open:
        tail.append(t("forms.fill.closed_note"))
    else:
        tail.append(t("forms.fill.review_hint", deadline=deadline))
    return _fit(head + lines, tail)


async def _render(event: Message | CallbackQuery, f: answering.Filling, t: Translator, state: FSMContext, *,
                  thanks: bool = False) -> None:
    """The current step of a response: its question, or the review (also whenever it can't be changed)."""
    if f.at_review or not f.editable:
        if f.editable:
            await state.set_state(FormFill.answering)
            await state.update_data(form_response=f.response.id)
        else:
            await state.clear()
        await show(event, _review_text(f, t, thanks=thanks), kb.review_markup(f, t))
        return
    await state.set_state(FormFill.answering)
    await state.update_data(form_response=f.response.id)
    await show(event, _question_text(f, t), kb.question_markup(f, t))


@router.callback_query(FormOpenCb.filter())
async def open_form(query: CallbackQuery, callback_data: FormOpenCb, state: FSMContext, session: AsyncSession,
                    viewer: Viewer, t: Translator, clock: Clock) -> None:
    try:
        f = await answering.open_request(session, callback_data.r, _user_id(viewer), clock)
    except DomainError as error:
        await query.answer(t(error.key, **error.values), show_alert=True)
        return
    await _render(query, f, t, state)


@router.callback_query(FormStepCb.filter())
async def step_pressed(query: CallbackQuery, callback_data: FormStepCb, state: FSMContext, session: AsyncSession,
                       viewer: Viewer, t: Translator, clock: Clock) -> None:
    data = callback_data
    try:
        f = await answering.load(session, data.s, _user_id(viewer), clock)
    except DomainError as error:
        await query.answer(t(error.key, **error.values), show_alert=True)
        return
    if data.a == "lt":
        await state.clear()
        await show(query, t("forms.fill.paused", title=f.request.title), kb.later_markup(t))
        return
    actions = {
        "v": lambda: answering.answer_button(session, f, data.q, data.v),
        "t": lambda: answering.toggle(session, f, data.q, data.v),
        "ok": lambda: answering.finish_choice(session, f, data.q),
        "sk": lambda: answering.skip(session, f, data.q),
        "bk": lambda: answering.back(session, f, data.q),
        "ed": lambda: answering.edit(session, f, data.q, data.v),
        "sub": lambda: answering.submit(session, f, data.q, clock),
    }
    action = actions.get(data.a)
    if action is None:
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    try:
        await action()
    except AnswerError as error:
        await query.answer(t(error.key, **error.values), show_alert=True)
        if error.key == "forms.answer.missing":
            await _render(query, f, t, state)
        return
    except DomainError as error:
        if error.key == "forms.stale_step":
            await query.answer(t(error.key))
            await _render(query, f, t, state)
            return
        await query.answer(t(error.key, **error.values), show_alert=True)
        return
    if data.a == "sub":
        await state.clear()
        await _render(query, f, t, state, thanks=True)
        await state.clear()
        return
    await _render(query, f, t, state)


@router.message(FormFill.answering, F.text)
async def typed_answer(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer,
                       t: Translator, clock: Clock) -> None:
    response_id = (await state.get_data()).get("form_response")
    try:
        f = await answering.load(session, int(response_id or 0), _user_id(viewer), clock)
    except DomainError as error:
        await state.clear()
        await message.answer(t(error.key, **error.values))
        return
    if f.at_review or not f.editable:
        await message.answer(t("forms.fill.use_review"))
        await _render(message, f, t, state)
        return
    try:
        await answering.answer_typed(session, f, message.text or "")
    except AnswerError as error:
        await message.answer(t(error.key, **error.values))
        return
    except DomainError as error:
        await state.clear()
        await message.answer(t(error.key, **error.values))
        return
    await _render(message, f, t, state)


@router.message(FormFill.answering)
async def non_text_answer(message: Message, t: Translator) -> None:
    await message.answer(t("forms.fill.text_expected"))


# --- «Мои анкеты» -----------------------------------------------------------------------------------

async def _mine(event: CallbackQuery, session: AsyncSession, viewer: Viewer, t: Translator, clock: Clock,
                page: int) -> None:
    user_id = _user_id(viewer)
    if user_id is None:
        await _alert(event, t("menu.not_registered"))
        return
    forms_page = await board.my_forms(session, user_id, page)
    dates: dict[int, str] = {}
    for item in forms_page.items:
        network = await session.get(Network, item.request.network_id)
        dates[item.request.id] = local_date(item.request.deadline, requests.network_tz(network))
    if forms_page.total == 0:
        text = t("forms.mine.empty")
    else:
        text = t("forms.mine.title", count=forms_page.total)
    await show(event, text, kb.mine_markup(forms_page, t, clock.now(), dates))


@router.callback_query(MenuCb.filter(F.action == "forms_mine"))
async def mine_menu(query: CallbackQuery, state: FSMContext, session: AsyncSession, viewer: Viewer,
                    t: Translator, clock: Clock) -> None:
    await _mine(query, session, viewer, t, clock, 0)


@router.callback_query(FormMineCb.filter())
async def mine_page(query: CallbackQuery, callback_data: FormMineCb, state: FSMContext, session: AsyncSession,
                    viewer: Viewer, t: Translator, clock: Clock) -> None:
    if await state.get_state() == FormFill.answering.state:
        await state.clear()
    await _mine(query, session, viewer, t, clock, callback_data.p)


# --- coordinator: home, forms, preview ----------------------------------------------------------------

async def _coord_home(event: CallbackQuery | Message, session: AsyncSession, network_id: int, t: Translator) -> None:
    open_count = await session.scalar(select(func.count()).select_from(FormRequest).where(
        FormRequest.network_id == network_id, FormRequest.status == FormRequestStatus.OPEN.value)) or 0
    await show(event, t("forms.coord.title", open=open_count), kb.coord_home_markup(t))


@router.callback_query(MenuCb.filter(F.action == "forms_coord"))
async def coord_menu(query: CallbackQuery, state: FSMContext, session: AsyncSession, viewer: Viewer,
                     t: Translator) -> None:
    network_id = _coordinated_network(viewer)
    if network_id is None:
        await _alert(query, t("errors.forbidden"))
        return
    await _coord_home(query, session, network_id, t)


def _type_label(q: Question, t: Translator) -> str:
    if q.type == "scale":
        values = q.scale_range
        return t("forms.types.scale", min=values.start, max=values.stop - 1)
    if q.type in ("single", "multi"):
        return t(f"forms.types.{q.type}", count=len(q.options))
    return t(f"forms.types.{q.type}")


def _preview_text(form: Form, definition: Definition, t: Translator, *, head: str | None = None) -> str:
    lines = [head] if head else []
    lines.append(t("forms.coord.preview_title", title=form.title, kind=t(f"forms.kinds.{form.kind}"),
                   count=len(definition.questions)))
    for number, question in enumerate(definition.questions, start=1):
        lines.append(t("forms.coord.preview_line", n=number, text=_cut(question.text, 150),
                       type=_type_label(question, t))
                     + ("" if question.required else " " + t("forms.fill.optional")))
    return _fit(lines)


@router.callback_query(FormCoordCb.filter())
async def coord_action(query: CallbackQuery, callback_data: FormCoordCb, state: FSMContext, session: AsyncSession,
                       viewer: Viewer, t: Translator, clock: Clock) -> None:
    network_id = _coordinated_network(viewer)
    if network_id is None:
        await _alert(query, t("errors.forbidden"))
        return
    data = callback_data
    try:
        await _COORD_ACTIONS.get(data.a, _stale)(query, data, state, session, viewer, t, clock, network_id)
    except DomainError as error:
        await query.answer(t(error.key, **error.values), show_alert=True)


async def _stale(query: CallbackQuery, data: FormCoordCb, state: FSMContext, session: AsyncSession,
                 viewer: Viewer, t: Translator, clock: Clock, network_id: int) -> None:
    await query.answer(t("errors.stale_button"), show_alert=True)


async def _home(query: CallbackQuery, data: FormCoordCb, state: FSMContext, session: AsyncSession, viewer: Viewer,
                t: Translator, clock: Clock, network_id: int) -> None:
    if await state.get_state() in (FormSend.choosing.state, FormSend.deadline.state, FormUpload.file.state):
        await state.clear()
    await _coord_home(query, session, network_id, t)


async def _forms(query: CallbackQuery, data: FormCoordCb, state: FSMContext, session: AsyncSession, viewer: Viewer,
                 t: Translator, clock: Clock, network_id: int) -> None:
    page = await library.list_forms(session, network_id, data.p)
    await show(query, t("forms.coord.pick_form", count=page.total), kb.forms_markup(page, t))


async def _form(query: CallbackQuery, data: FormCoordCb, state: FSMContext, session: AsyncSession, viewer: Viewer,
                t: Translator, clock: Clock, network_id: int) -> None:
    form = await library.form_for_network(session, data.id, network_id)
    await show(query, _preview_text(form, library.definition_of(form), t), kb.preview_markup(form.id, t))


# --- coordinator: sending ------------------------------------------------------------------------------

async def _send(query: CallbackQuery, data: FormCoordCb, state: FSMContext, session: AsyncSession, viewer: Viewer,
                t: Translator, clock: Clock, network_id: int) -> None:
    form = await library.form_for_network(session, data.id, network_id)
    await state.set_state(FormSend.choosing)
    await state.set_data({"fs_form": form.id, "fs_network": network_id, "fs_schools": []})
    await _pick_audience(query, form, t)


async def _pick_audience(query: CallbackQuery, form: Any, t: Translator) -> None:
    meant = requests.meant_for(form.code)
    text = t("forms.coord.pick_audience", title=form.title)
    if meant:
        text += "\n" + t("forms.coord.meant_hint")
    await show(query, text, kb.audience_markup(requests.available_audiences(form.code), t, meant))


async def _audience_back(query: CallbackQuery, data: FormCoordCb, state: FSMContext, session: AsyncSession,
                         viewer: Viewer, t: Translator, clock: Clock, network_id: int) -> None:
    flow = await _flow(state, network_id)
    if flow is None:
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    await _pick_audience(query, await library.form_for_network(session, flow["fs_form"], network_id), t)


async def _flow(state: FSMContext, network_id: int) -> dict[str, Any] | None:
    """The sending flow's data, if the flow is alive and for this network."""
    if await state.get_state() not in (FormSend.choosing.state, FormSend.deadline.state):
        return None
    data = await state.get_data()
    return data if data.get("fs_network") == network_id and data.get("fs_form") else None


async def _audience(query: CallbackQuery, data: FormCoordCb, state: FSMContext, session: AsyncSession,
                    viewer: Viewer, t: Translator, clock: Clock, network_id: int) -> None:
    flow = await _flow(state, network_id)
    kinds = requests.available_audiences()
    kind = kb.AUDIENCE_CODES[data.id] if 0 <= data.id < len(kb.AUDIENCE_CODES) else None
    if flow is None or kind not in kinds:
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    if kind == "schools":
        await _school_page(query, state, session, t, network_id, 0)
        return
    if kind in requests.EVENT_AUDIENCES:  # about one event: which one
        await state.update_data(fs_event_kind=kind)
        await _event_page(query, session, t, clock, network_id, 0)
        return
    await state.update_data(fs_audience=requests.audience_spec(kind), fs_audience_label=kind)
    await _ask_deadline(query, state, t)


async def _event_page(query: CallbackQuery, session: AsyncSession, t: Translator, clock: Clock, network_id: int,
                      page: int) -> None:
    found = await hooks.event_choices(session, network_id, page, clock.now())
    if not found or not found.total:
        await query.answer(t("forms.coord.no_events"), show_alert=True)
        return
    await show(query, t("forms.coord.pick_event"), kb.events_markup(found, t))


async def _event_paging(query: CallbackQuery, data: FormCoordCb, state: FSMContext, session: AsyncSession,
                        viewer: Viewer, t: Translator, clock: Clock, network_id: int) -> None:
    if await _flow(state, network_id) is None:
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    await _event_page(query, session, t, clock, network_id, data.p)


async def _event_chosen(query: CallbackQuery, data: FormCoordCb, state: FSMContext, session: AsyncSession,
                        viewer: Viewer, t: Translator, clock: Clock, network_id: int) -> None:
    flow = await _flow(state, network_id)
    found = await hooks.event_choices(session, network_id, data.p, clock.now()) if flow else None
    picked = next((c for c in (found.items if found else []) if c.id == data.id), None)
    kind = (flow or {}).get("fs_event_kind")
    if picked is None or kind not in requests.EVENT_AUDIENCES:  # only what the network may pick
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    await state.update_data(fs_audience=requests.audience_spec(kind, event_id=picked.id), fs_audience_label=kind,
                            fs_event_label=picked.label)
    await _ask_deadline(query, state, t)


async def _school_page(query: CallbackQuery, state: FSMContext, session: AsyncSession, t: Translator,
                       network_id: int, page: int) -> None:
    schools = await network_service.search_schools(session, network_id, None, page)
    chosen = (await state.get_data()).get("fs_schools", [])
    await show(query, t("forms.coord.pick_schools", count=schools.total), kb.schools_markup(schools, chosen, t))


async def _school_toggle(query: CallbackQuery, data: FormCoordCb, state: FSMContext, session: AsyncSession,
                         viewer: Viewer, t: Translator, clock: Clock, network_id: int) -> None:
    flow = await _flow(state, network_id)
    school = await session.get(School, data.id)
    if flow is None or school is None or school.network_id != network_id:
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    chosen = list(flow.get("fs_schools", []))
    chosen.remove(school.id) if school.id in chosen else chosen.append(school.id)
    await state.update_data(fs_schools=chosen)
    await _school_page(query, state, session, t, network_id, data.p)


async def _school_paging(query: CallbackQuery, data: FormCoordCb, state: FSMContext, session: AsyncSession,
                         viewer: Viewer, t: Translator, clock: Clock, network_id: int) -> None:
    if await _flow(state, network_id) is None:
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    await _school_page(query, state, session, t, network_id, data.p)


async def _schools_done(query: CallbackQuery, data: FormCoordCb, state: FSMContext, session: AsyncSession,
                        viewer: Viewer, t: Translator, clock: Clock, network_id: int) -> None:
    flow = await _flow(state, network_id)
    if flow is None:
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    if not flow.get("fs_schools"):
        await query.answer(t("forms.coord.no_schools"), show_alert=True)
        return
    await state.update_data(fs_audience=requests.audience_spec("schools", school_ids=flow["fs_schools"]),
                            fs_audience_label="schools")
    await _ask_deadline(query, state, t)


async def _ask_deadline(event: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await state.set_state(FormSend.deadline)
    await show(event, t("forms.coord.ask_deadline"), kb.deadline_markup(t))


async def _deadline_days(query: CallbackQuery, data: FormCoordCb, state: FSMContext, session: AsyncSession,
                         viewer: Viewer, t: Translator, clock: Clock, network_id: int) -> None:
    flow = await _flow(state, network_id)
    if flow is None or data.id not in kb.DEADLINE_DAYS or not flow.get("fs_audience"):
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    network = await session.get(Network, network_id)
    deadline = requests.deadline_in_days(data.id, clock, requests.network_tz(network))
    await _confirm(query, state, session, t, network_id, deadline)


@router.message(FormSend.deadline, F.text & ~F.text.startswith("/"))
async def deadline_typed(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer,
                         t: Translator, clock: Clock) -> None:
    network_id = _coordinated_network(viewer)
    flow = await _flow(state, network_id) if network_id is not None else None
    if network_id is None or flow is None or not flow.get("fs_audience"):
        await state.clear()
        await message.answer(t("errors.forbidden"))
        return
    network = await session.get(Network, network_id)
    try:
        deadline = requests.parse_deadline(message.text or "", clock, requests.network_tz(network))
    except DomainError as error:
        await message.answer(t(error.key, **error.values))
        return
    await _confirm(message, state, session, t, network_id, deadline)


async def _audience_label(session: AsyncSession, flow: dict[str, Any], t: Translator) -> str:
    kind = flow.get("fs_audience_label", "everyone")
    label = t(f"forms.audiences.{kind}")
    if kind == "schools":
        ids = flow.get("fs_schools", [])
        names = [s.display_name for s in (await session.scalars(select(School).where(School.id.in_(ids))
                                                                .order_by(School.name))).all()]
        shown = ", ".join(_cut(n, 40) for n in names[:5])
        label = t("forms.coord.schools_label", names=shown, more=len(names) - 5) if len(names) > 5 else shown
    if kind in requests.EVENT_AUDIENCES:
        label = t(f"forms.coord.event_label_{kind}", event=flow.get("fs_event_label") or "")
    return label


async def _confirm(event: Message | CallbackQuery, state: FSMContext, session: AsyncSession, t: Translator,
                   network_id: int, deadline: datetime) -> None:
    await state.set_state(FormSend.choosing)
    await state.update_data(fs_deadline=deadline.isoformat())
    flow = await state.get_data()
    form = await library.form_for_network(session, flow["fs_form"], network_id)
    size = await requests.preview(session, network_id, flow["fs_audience"])
    network = await session.get(Network, network_id)
    text = t("forms.coord.confirm_text", title=form.title, audience=await _audience_label(session, flow, t),
             count=size.reachable, deadline=local_date(deadline, requests.network_tz(network)))
    if size.unreachable:
        text += "\n" + t("forms.coord.unreachable", count=size.unreachable)
    if size.reachable + size.unreachable == 0:
        text += "\n\n" + t("forms.audience.empty")
    await show(event, text, kb.confirm_markup(t))


async def _go(query: CallbackQuery, data: FormCoordCb, state: FSMContext, session: AsyncSession, viewer: Viewer,
              t: Translator, clock: Clock, network_id: int) -> None:
    flow = await _flow(state, network_id)
    if flow is None or not flow.get("fs_audience") or not flow.get("fs_deadline"):
        await query.answer(t("errors.stale_button"), show_alert=True)
        return
    form = await library.form_for_network(session, flow["fs_form"], network_id)
    network = await session.get(Network, network_id)
    assert network is not None
    request = await requests.create_request(session, network=network, form=form, audience=flow["fs_audience"],
                                            deadline=datetime.fromisoformat(flow["fs_deadline"]), clock=clock,
                                            created_by=viewer.user)
    await state.clear()
    await query.answer(t("forms.coord.sent", count=request.total - request.skipped))
    await _board(query, session, t, clock, request, 0)


# --- coordinator: requests and the board -----------------------------------------------------------------

async def _requests(query: CallbackQuery, data: FormCoordCb, state: FSMContext, session: AsyncSession,
                    viewer: Viewer, t: Translator, clock: Clock, network_id: int) -> None:
    page = await board.list_requests(session, network_id, data.p)
    text = t("forms.requests.title", count=page.total) if page.total else t("forms.requests.empty")
    await show(query, text, kb.requests_markup(page, t))


async def _board(event: CallbackQuery, session: AsyncSession, t: Translator, clock: Clock, request: FormRequest,
                 page: int) -> None:
    counts = await board.request_counts(session, request.id)
    schools = await board.school_rows(session, request, page)
    network = await session.get(Network, request.network_id)
    lines = [t("forms.board.title", title=request.title),
             t("forms.board.deadline", date=local_date(request.deadline, requests.network_tz(network)))
             + (" " + t("forms.board.overdue") if clock.now() > request.deadline else ""),
             t("forms.board.counts", done=counts.submitted, total=counts.total, percent=counts.percent),
             t("forms.board.details", started=counts.started, not_started=counts.not_started, late=counts.late)]
    if request.skipped:
        lines.append(t("forms.board.unreachable", count=request.skipped))
    if request.status != FormRequestStatus.OPEN.value:
        lines.append(t("forms.board.closed_note"))
    lines.append("")
    lines.append(t("forms.board.by_school"))
    await show(event, "\n".join(lines),
               kb.board_markup(request.id, schools, t, is_open=request.status == FormRequestStatus.OPEN.value))


@router.callback_query(FormBoardCb.filter())
async def board_view(query: CallbackQuery, callback_data: FormBoardCb, session: AsyncSession, viewer: Viewer,
                     t: Translator, clock: Clock) -> None:
    network_id = _coordinated_network(viewer)
    if network_id is None:
        await _alert(query, t("errors.forbidden"))
        return
    try:
        request = await requests.request_for_network(session, callback_data.r, network_id)
    except DomainError as error:
        await query.answer(t(error.key, **error.values), show_alert=True)
        return
    if callback_data.s == kb.RESULTS:
        found = await results.request_results(session, request)
        page = results.results_page(found, callback_data.p)
        await show(query, _fit(results.results_lines(found, page, t)), kb.results_markup(request.id, page, t))
        return
    if callback_data.s == kb.REMIND:
        try:
            queued, waiting = await requests.remind_unanswered(session, request, clock)
        except DomainError as error:
            await query.answer(t(error.key, **error.values), show_alert=True)
            return
        key = "forms.results.reminded" if queued else (
            "forms.results.already_reminded" if waiting else "forms.results.all_answered")
        await query.answer(t(key, count=queued), show_alert=True)
        await _board(query, session, t, clock, request, 0)
        return
    if callback_data.s == kb.ANSWERS_FILE:
        await _answers_file(query, session, request, t)
        return
    if callback_data.s < 0:
        await _board(query, session, t, clock, request, callback_data.p)
        return
    school_name = t("forms.board.no_school")
    if callback_data.s != board.NO_SCHOOL:
        school = await session.get(School, callback_data.s)
        if school is None or school.network_id != network_id:
            await query.answer(t("errors.stale_button"), show_alert=True)
            return
        school_name = school.display_name
    people = await board.people(session, request, callback_data.s, callback_data.p)
    network = await session.get(Network, network_id)
    tz = requests.network_tz(network)
    lines = [t("forms.board.people_title", school=school_name, title=request.title, count=people.total), ""]
    for person in people.items:
        name = person.name or t("forms.board.no_name")
        when = local_date(person.submitted_at, tz) if person.submitted_at else ""
        line = t(f"forms.board.person_{person.state}", name=name, date=when)
        if not person.reachable and person.state in ("started", "not_started"):
            line += " " + t("forms.board.person_unreachable")
        lines.append(line)
    await show(query, _fit(lines), kb.people_markup(request.id, callback_data.s, people, t))


async def _answers_file(query: CallbackQuery, session: AsyncSession, request: FormRequest, t: Translator) -> None:
    """This request's sent answers as a workbook (the one XLSX writer: dates are dates, texts stay texts)."""
    sheet = await answers_sheet(session, request.network_id, request_id=request.id)
    rows = [row async for row in sheet.rows()]
    network = await session.get(Network, request.network_id)
    buffer = BytesIO()
    table_xlsx(buffer, t("forms.results.sheet"), sheet.headers, rows, caption=request.title,
               tz=requests.network_tz(network))
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer_document(
            BufferedInputFile(buffer.getvalue(), filename=f"answers-{request.id}.xlsx"),
            caption=t("forms.results.file_caption", title=request.title, count=len(rows)))


async def _close(query: CallbackQuery, data: FormCoordCb, state: FSMContext, session: AsyncSession,
                 viewer: Viewer, t: Translator, clock: Clock, network_id: int) -> None:
    request = await requests.request_for_network(session, data.id, network_id)
    await show(query, t("forms.board.close_confirm", title=request.title), kb.close_markup(request.id, t))


async def _close_confirmed(query: CallbackQuery, data: FormCoordCb, state: FSMContext, session: AsyncSession,
                           viewer: Viewer, t: Translator, clock: Clock, network_id: int) -> None:
    request = await requests.request_for_network(session, data.id, network_id)
    await requests.close_request(session, request, clock)
    await query.answer(t("forms.board.closed"))
    await _board(query, session, t, clock, request, 0)


# --- coordinator: uploading a form -------------------------------------------------------------------------

async def _upload(query: CallbackQuery, data: FormCoordCb, state: FSMContext, session: AsyncSession,
                  viewer: Viewer, t: Translator, clock: Clock, network_id: int) -> None:
    await state.set_state(FormUpload.file)
    await state.set_data({"fu_network": network_id})
    await show(query, t("forms.upload.prompt"), kb.cancel_markup(t))


def _issues_text(error: DefinitionError, t: Translator) -> str:
    lines = [t("forms.upload.invalid", count=len(error.issues))]
    for issue in error.issues[:MAX_ISSUES_SHOWN]:
        where = [t(issue.where[0], **issue.where[1])] if issue.where else []
        if issue.field:
            where.append(t(f"forms.field.{issue.field}"))
        problem = t(issue.key, **issue.values)
        if where:
            lines.append(t("forms.upload.issue_at", where=Raw(", ".join(where)), problem=Raw(problem)))
        else:
            lines.append(t("forms.upload.issue", problem=Raw(problem)))
    if len(error.issues) > MAX_ISSUES_SHOWN:
        lines.append(t("forms.upload.more", count=len(error.issues) - MAX_ISSUES_SHOWN))
    return _fit(lines, ["", t("forms.upload.fix_and_resend")])


async def _take_draft(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
                      parse: Any) -> None:
    network_id = _coordinated_network(viewer)
    data = await state.get_data()
    if network_id is None or data.get("fu_network") != network_id:
        await state.clear()
        await message.answer(t("errors.forbidden"))
        return
    try:
        draft = await parse()
    except DefinitionError as error:
        await message.answer(_issues_text(error, t))
        return
    except DomainError as error:
        await message.answer(t(error.key, **error.values) + "\n\n" + t("forms.upload.fix_and_resend"))
        return
    form = await library.save_custom_form(session, network_id=network_id, title=draft.title,
                                          definition=draft.definition, created_by=viewer.user, kind=draft.kind)
    await state.clear()
    head = t("forms.upload.saved", title=form.title)
    await message.answer(_preview_text(form, draft.definition, t, head=head),
                         reply_markup=kb.uploaded_markup(form.id, t))


@router.message(FormUpload.file, F.document)
async def upload_file(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer,
                      t: Translator, settings: Settings) -> None:
    document = message.document
    assert document is not None
    limits = upload.form_limits(settings.file_limits())

    async def parse() -> upload.Draft:
        if document.file_size and document.file_size > limits.max_bytes:
            raise DomainError("forms.upload.too_big", limit=limits.max_bytes // 1000)
        content = await fetch(message.bot, document.file_id, limits)  # type: ignore[arg-type]
        # Read in a capped worker process: a billion-laughs YAML or a sheet bomb can't stop the bot.
        read = partial(upload.parse_upload, caption=message.caption, limits=limits)
        return await run_untrusted(read, content, document.file_name or "", limits=limits)

    await _take_draft(message, state, session, viewer, t, parse)


@router.message(FormUpload.file, F.text & ~F.text.startswith("/"))
async def upload_text(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer,
                      t: Translator, settings: Settings) -> None:
    limits = upload.form_limits(settings.file_limits())

    async def parse() -> upload.Draft:
        return await run_untrusted(partial(upload.parse_text, limits=limits), message.text or "", limits=limits)

    await _take_draft(message, state, session, viewer, t, parse)


@router.message(FormUpload.file)
async def upload_expected(message: Message, t: Translator) -> None:
    await message.answer(t("forms.upload.file_expected"))


_COORD_ACTIONS = {
    "home": _home, "forms": _forms, "form": _form, "send": _send, "aud": _audience, "audb": _audience_back,
    "ev": _event_chosen, "evp": _event_paging, "sch": _school_toggle,
    "schp": _school_paging, "schok": _schools_done, "dl": _deadline_days, "go": _go, "reqs": _requests,
    "up": _upload, "close": _close, "closeok": _close_confirmed,
}
