"""Situational mentoring in chat: ask your mentor or a pool of mentors of a direction (a level-3 school may ask
the level-1 school); mentors see the questions they can take; the first to take one answers it."""
from __future__ import annotations

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
from bot.services.mentoring import questions as question_service
from bot.services.mentoring import vocabulary as vocab
from bot.services.mentoring.access import mention
from bot.viewer import Viewer
from db.models import Question, QuestionScope, QuestionStatus, Side
from handlers.common import show, show_menu
from handlers.mentoring.common import Event, explain, need_person, tell
from keyboards.callbacks import MenuCb
from keyboards.mentoring import MentorCb, home, markup

router = Router(name="mentoring.questions")


class AskStates(StatesGroup):
    text = State()


class AnswerStates(StatesGroup):
    text = State()


# --- asking -----------------------------------------------------------------------------------------------------

@router.callback_query(MenuCb.filter(F.action == "ml_ask"))
async def ask_menu(query: CallbackQuery, state: FSMContext, session: AsyncSession, viewer: Viewer,
                   t: Translator) -> None:
    await choose_target(query, state, session, viewer, t)


@router.callback_query(MentorCb.filter(F.a == "ask"))
async def ask_button(query: CallbackQuery, state: FSMContext, session: AsyncSession, viewer: Viewer,
                     t: Translator) -> None:
    await choose_target(query, state, session, viewer, t)


async def choose_target(event: Event, state: FSMContext, session: AsyncSession, viewer: Viewer,
                        t: Translator) -> None:
    me = await need_person(event, viewer, t)
    if me is None:
        return
    user, network_id = me
    await state.clear()
    mine = await link_service.my_links(session, user.id, network_id, 0, side=Side.MENTEE, open_only=True, size=5)
    rows = []
    for link in mine.items:
        names = ", ".join(u.full_name or "—" for u in link.people(Side.MENTOR)) or "—"
        rows.append([(t("mentoring.ask.to_my_mentor", names=names), MentorCb(a="askm", id=link.id))])
    rows += [[(t(f"mentoring.direction.{code}"), MentorCb(a="askd", v=index))]
             for index, code in enumerate(vocab.DIRECTIONS)]
    if await question_service.can_escalate(session, user.id, network_id):
        rows.append([(t("mentoring.ask.to_level1"), MentorCb(a="askl"))])
    rows.append([(t("mentoring.questions.mine"), MentorCb(a="myq"))])
    await show(event, t("mentoring.ask.choose"), markup(rows, back=home(t)))


async def _ask_text(event: Event, state: FSMContext, t: Translator, **data: object) -> None:
    await state.set_state(AskStates.text)
    await state.update_data(**data)
    await show(event, t("mentoring.ask.ask_text"), markup([[(t("mentoring.log.cancel"), MentorCb(a="lx"))]]))


@router.callback_query(MentorCb.filter(F.a == "askm"))
async def ask_mentor(query: CallbackQuery, callback_data: MentorCb, state: FSMContext, t: Translator) -> None:
    await _ask_text(query, state, t, ask_scope=QuestionScope.MENTOR.value, ask_link=callback_data.id)


@router.callback_query(MentorCb.filter(F.a == "askd"))
async def ask_pool(query: CallbackQuery, callback_data: MentorCb, state: FSMContext, t: Translator) -> None:
    if not 0 <= callback_data.v < len(vocab.DIRECTIONS):
        await tell(query, t, "errors.stale_button")
        return
    await _ask_text(query, state, t, ask_scope=QuestionScope.POOL.value,
                    ask_direction=vocab.DIRECTIONS[callback_data.v])


@router.callback_query(MentorCb.filter(F.a == "askl"))
async def ask_level1(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await _ask_text(query, state, t, ask_scope=QuestionScope.LEVEL1.value)


@router.message(AskStates.text, F.text)
async def question_typed(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
                         clock: Clock) -> None:
    me = await need_person(message, viewer, t)
    if me is None:
        return
    user, network_id = me
    data = await state.get_data()
    try:
        question, people = await question_service.ask(
            session, asker_id=user.id, network_id=network_id, text=message.text or "",
            scope=str(data.get("ask_scope")), link_id=data.get("ask_link"), direction=data.get("ask_direction"),
            clock=clock)
    except DomainError as error:
        await explain(message, t, error)
        if error.key in ("errors.forbidden", "mentoring.errors.no_responders", "mentoring.errors.no_escalation"):
            await state.clear()
        return
    sent = await notices.question_asked(session, question, user, people, clock=clock)
    await state.clear()
    await message.answer(t("mentoring.ask.sent", count=sent))
    await show_menu(message, viewer, t)


@router.message(AskStates.text)
async def question_expected(message: Message, t: Translator) -> None:
    await message.answer(t("common.send_text"))


# --- mentors' side ------------------------------------------------------------------------------------------------

@router.callback_query(MenuCb.filter(F.action == "ml_questions"))
async def questions_menu(query: CallbackQuery, session: AsyncSession, viewer: Viewer, t: Translator) -> None:
    await questions_page(query, session, viewer, t, 0)


@router.callback_query(MentorCb.filter(F.a == "qlist"))
async def questions_paged(query: CallbackQuery, callback_data: MentorCb, session: AsyncSession, viewer: Viewer,
                          t: Translator) -> None:
    await questions_page(query, session, viewer, t, callback_data.v)


async def questions_page(event: Event, session: AsyncSession, viewer: Viewer, t: Translator, page: int) -> None:
    me = await need_person(event, viewer, t)
    if me is None:
        return
    user, network_id = me
    try:
        questions = await question_service.for_mentor(session, user_id=user.id, network_id=network_id, page=page)
    except DomainError as error:
        await explain(event, t, error)
        return
    if questions.total == 0:
        await show(event, t("mentoring.questions.none"), markup([], back=home(t)))
        return
    rows = [[(("✍️ " if q.taken_by_id == user.id else "❓ ") + q.text[:50], MentorCb(a="qv", id=q.id))]
            for q in questions.items]
    await show(event, t("mentoring.questions.title", count=questions.total),
               markup(rows, page=questions, t=t, back=home(t), page_cb=lambda p: MentorCb(a="qlist", v=p)))


@router.callback_query(MentorCb.filter(F.a == "myq"))
async def my_questions(query: CallbackQuery, callback_data: MentorCb, session: AsyncSession, viewer: Viewer,
                       t: Translator) -> None:
    me = await need_person(query, viewer, t)
    if me is None:
        return
    user, network_id = me
    questions = await question_service.asked_by(session, user_id=user.id, network_id=network_id, page=callback_data.v)
    if questions.total == 0:
        await show(query, t("mentoring.questions.mine_none"), markup([], back=home(t)))
        return
    rows = [[(t(f"mentoring.questions.status_{q.status}") + " " + q.text[:45], MentorCb(a="qv", id=q.id))]
            for q in questions.items]
    await show(query, t("mentoring.questions.mine_title", count=questions.total),
               markup(rows, page=questions, t=t, back=home(t), page_cb=lambda p: MentorCb(a="myq", v=p)))


def _question_text(question: Question, t: Translator, viewer_id: int) -> str:
    scope = (t(f"mentoring.direction.{question.direction}") if question.direction
             else t(f"mentoring.ask.scope_{question.scope}"))
    lines = [t("mentoring.questions.card", asker=mention(question.asker), scope=scope,
               text=notices.clip(question.text, 1500),
               status=t(f"mentoring.questions.status_{question.status}"))]
    if question.taken_by is not None and (viewer_id in (question.asker_id, question.taken_by_id)):
        lines.append(t("mentoring.questions.responder", responder=mention(question.taken_by)))
    if question.answer:
        lines.append(t("mentoring.questions.answer", answer=question.answer))
    return "\n".join(lines)


async def show_question(event: Event, session: AsyncSession, viewer: Viewer, t: Translator, question_id: int) -> None:
    me = await need_person(event, viewer, t)
    if me is None:
        return
    user, _ = me
    try:
        question = await question_service.question_for(session, question_id, user.id)
    except DomainError as error:
        await explain(event, t, error)
        return
    rows = []
    if question.asker_id != user.id:
        if question.taken_by_id is None:
            rows.append([(t("mentoring.questions.take"), MentorCb(a="qt", id=question.id))])
        elif question.taken_by_id == user.id and question.status != QuestionStatus.ANSWERED.value:
            rows.append([(t("mentoring.questions.answer_button"), MentorCb(a="qa", id=question.id))])
    back = (t("mentoring.questions.back"), MentorCb(a="myq" if question.asker_id == user.id else "qlist"))
    await show(event, _question_text(question, t, user.id), markup(rows, back=back))


@router.callback_query(MentorCb.filter(F.a == "qv"))
async def question_open(query: CallbackQuery, callback_data: MentorCb, session: AsyncSession, viewer: Viewer,
                        t: Translator) -> None:
    await show_question(query, session, viewer, t, callback_data.id)


@router.callback_query(MentorCb.filter(F.a == "qt"))
async def take(query: CallbackQuery, callback_data: MentorCb, session: AsyncSession, viewer: Viewer, t: Translator,
               clock: Clock) -> None:
    me = await need_person(query, viewer, t)
    if me is None:
        return
    try:
        question = await question_service.take(session, callback_data.id, user_id=me[0].id, clock=clock)
    except DomainError as error:
        await explain(query, t, error)
        return
    await notices.question_taken(session, question, question.asker, me[0], clock=clock)
    await query.answer(t("mentoring.questions.taken"))
    await show_question(query, session, viewer, t, question.id)


@router.callback_query(MentorCb.filter(F.a == "qa"))
async def answer_start(query: CallbackQuery, callback_data: MentorCb, state: FSMContext, session: AsyncSession,
                       viewer: Viewer, t: Translator) -> None:
    me = await need_person(query, viewer, t)
    if me is None:
        return
    try:
        question = await question_service.question_for(session, callback_data.id, me[0].id)
    except DomainError as error:
        await explain(query, t, error)
        return
    if question.taken_by_id != me[0].id:
        await tell(query, t, "mentoring.errors.take_first")
        return
    await state.set_state(AnswerStates.text)
    await state.update_data(answer_question=question.id)
    await show(query, t("mentoring.questions.ask_answer", text=notices.clip(question.text, 1500)),
               markup([[(t("mentoring.log.cancel"), MentorCb(a="lx"))]]))


@router.message(AnswerStates.text, F.text)
async def answer_typed(message: Message, state: FSMContext, session: AsyncSession, viewer: Viewer, t: Translator,
                       clock: Clock) -> None:
    me = await need_person(message, viewer, t)
    if me is None:
        return
    data = await state.get_data()
    try:
        question = await question_service.answer(session, int(data.get("answer_question") or 0), user_id=me[0].id,
                                                 text=message.text or "", clock=clock)
    except DomainError as error:
        await explain(message, t, error)
        return
    await notices.question_answered(session, question, question.asker, me[0], clock=clock)
    await state.clear()
    await message.answer(t("mentoring.questions.answered"))
    await show_menu(message, viewer, t)


@router.message(AnswerStates.text)
async def answer_expected(message: Message, t: Translator) -> None:
    await message.answer(t("common.send_text"))
