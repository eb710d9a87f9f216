"""The personal development plan (ИППР) of a link: both sides and the coordinator see it, tick goals off, add them."""
from __future__ import annotations

from datetime import date, timedelta

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.services.clock import Clock
from bot.services.errors import DomainError
from bot.services.mentoring import plans as plan_service
from bot.services.mentoring import sessions as session_service
from bot.services.mentoring import vocabulary as vocab
from bot.services.mentoring.access import link_for
from bot.viewer import Viewer
from db.models import MentoringLink
from handlers.common import show
from handlers.mentoring.common import Event, explain, fmt_date, link_title, need_person, tell
from keyboards.mentoring import MentorCb, markup

router = Router(name="mentoring.plans")


class PlanStates(StatesGroup):
    text = State()
    due = State()


@router.callback_query(MentorCb.filter(F.a == "plan"))
async def plan_open(query: CallbackQuery, callback_data: MentorCb, state: FSMContext, session: AsyncSession,
                    viewer: Viewer, t: Translator) -> None:
    if await state.get_state() in (PlanStates.text.state, PlanStates.due.state):
        await state.clear()
    await show_plan(query, session, viewer, t, callback_data.id, callback_data.v)


async def show_plan(event: Event, session: AsyncSession, viewer: Viewer, t: Translator, link_id: int,
                    page: int = 0) -> None:
    me = await need_person(event, viewer, t)
    if me is None:
        return
    try:
        link, role = await link_for(session, link_id, me[0].id)
    except DomainError as error:
        await explain(event, t, error)
        return
    goals = await plan_service.goals(session, link.id, page)
    lines = [t("mentoring.plan.title", title=link_title(link, t))]
    if goals.total == 0:
        lines.append(t("mentoring.plan.empty"))
    rows = []
    for goal in goals.items:
        mark = "☑️" if goal.done else "⬜"
        due = t("mentoring.plan.due", date=fmt_date(goal.due_on, t)) if goal.due_on else ""
        lines.append(t("mentoring.plan.line", mark=mark, text=goal.text, due=due))
        row = [(f"{mark} {goal.text}", MentorCb(a="gt", id=goal.id))]
        if role in ("mentor", "coordinator"):
            row.append(("🗑", MentorCb(a="gd", id=goal.id)))
        rows.append(row)
    rows.append([(t("mentoring.plan.add"), MentorCb(a="pg", id=link.id))])
    await show(event, "\n".join(lines), markup(rows, page=goals, t=t, page_cb=lambda p: MentorCb(
        a="plan", id=link.id, v=p), back=(t("mentoring.history.back"), MentorCb(a="link", id=link.id))))


@router.callback_query(MentorCb.filter(F.a == "gt"))
async def toggle(query: CallbackQuery, callback_data: MentorCb, session: AsyncSession, viewer: Viewer,
                 t: Translator, clock: Clock) -> None:
    me = await need_person(query, viewer, t)
    if me is None:
        return
    try:
        goal = await plan_service.toggle_goal(session, callback_data.id, user_id=me[0].id, clock=clock)
    except DomainError as error:
        await explain(query, t, error)
        return
    await query.answer(t("mentoring.plan.done" if goal.done else "mentoring.plan.undone"))
    await show_plan(query, session, viewer, t, goal.link_id)


@router.callback_query(MentorCb.filter(F.a == "gd"))
async def delete(query: CallbackQuery, callback_data: MentorCb, session: AsyncSession, viewer: Viewer,
                 t: Translator) -> None:
    me = await need_person(query, viewer, t)
    if me is None:
        return
    try:
        link_id = await plan_service.delete_goal(session, callback_data.id, user_id=me[0].id)
    except DomainError as error:
        await explain(query, t, error)
        return
    await query.answer(t("mentoring.plan.deleted"))
    await show_plan(query, session, viewer, t, link_id)


@router.callback_query(MentorCb.filter(F.a == "pg"))
async def add_start(query: CallbackQuery, callback_data: MentorCb, state: FSMContext, session: AsyncSession,
                    viewer: Viewer, t: Translator) -> None:
    me = await need_person(query, viewer, t)
    if me is None:
        return
    try:
        link, _ = await link_for(session, callback_data.id, me[0].id)
    except DomainError as error:
        await explain(query, t, error)
        return
    await state.clear()
    await state.set_state(PlanStates.text)
    await state.update_data(plan_link=link.id)
    await show(query, t("mentoring.plan.ask_text"),
               markup([], back=(t("mentoring.log.cancel"), MentorCb(a="plan", id=link.id))))


@router.message(PlanStates.text, F.text)
async def text_given(message: Message, state: FSMContext, t: Translator) -> None:
    try:
        text = plan_service.clean_goal(message.text)
    except DomainError as error:
        await explain(message, t, error)
        return
    data = await state.get_data()
    await state.set_state(PlanStates.due)
    await state.update_data(plan_text=text)
    link_id = int(data.get("plan_link") or 0)
    rows = [[(t("mentoring.plan.in_month"), MentorCb(a="gdd", id=link_id, v=30)),
             (t("mentoring.plan.in_quarter"), MentorCb(a="gdd", id=link_id, v=90))],
            [(t("mentoring.plan.year_end"), MentorCb(a="gdd", id=link_id, v=1)),
             (t("mentoring.plan.no_due"), MentorCb(a="gdd", id=link_id, v=0))]]
    await show(message, t("mentoring.plan.ask_due"),
               markup(rows, back=(t("mentoring.log.cancel"), MentorCb(a="plan", id=link_id))))


@router.message(PlanStates.text)
async def text_expected(message: Message, t: Translator) -> None:
    await message.answer(t("common.send_text"))


async def _save(event: Event, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator, clock: Clock,
                due: date | None) -> None:
    me = await need_person(event, viewer, t)
    if me is None:
        return
    data = await state.get_data()
    try:
        goal = await plan_service.add_goal(session, link_id=int(data.get("plan_link") or 0), user_id=me[0].id,
                                           text=data.get("plan_text") or "", due_on=due, clock=clock)
    except DomainError as error:
        await state.clear()
        await explain(event, t, error)
        return
    await state.clear()
    await event.answer(t("mentoring.plan.added"))
    await show_plan(event, session, viewer, t, goal.link_id)


@router.callback_query(PlanStates.due, MentorCb.filter(F.a == "gdd"))
async def due_chosen(query: CallbackQuery, callback_data: MentorCb, state: FSMContext, session: AsyncSession,
                     viewer: Viewer, t: Translator, clock: Clock) -> None:
    data = await state.get_data()
    if callback_data.id != data.get("plan_link") or callback_data.v not in (0, 1, 30, 90):
        await tell(query, t, "errors.stale_button")
        return
    link = await session.get(MentoringLink, callback_data.id)
    today = await session_service.today_for(session, link.network_id, clock) if link else clock.now().date()
    due = {0: None, 1: vocab.school_year_end(today)}.get(callback_data.v, today + timedelta(days=callback_data.v))
    await _save(query, state, session, viewer, t, clock, due)


@router.message(PlanStates.due, F.text)
async def due_typed(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
                    clock: Clock) -> None:
    data = await state.get_data()
    link = await session.get(MentoringLink, int(data.get("plan_link") or 0))
    today = await session_service.today_for(session, link.network_id, clock) if link else clock.now().date()
    try:
        due = plan_service.parse_due(message.text or "", today)
    except DomainError as error:
        await explain(message, t, error)
        return
    await _save(message, state, session, viewer, t, clock, due)


@router.message(PlanStates.due)
async def due_expected(message: Message, t: Translator) -> None:
    await message.answer(t("mentoring.plan.due_hint"))
