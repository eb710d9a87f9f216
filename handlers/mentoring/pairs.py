"""Mentors' «Мои пары», mentees' «Мой наставник», a link's card and its session history."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Raw, Translator
from bot.services.clock import Clock
from bot.services.errors import DomainError
from bot.services import short_names
from bot.services.mentoring import links as link_service
from bot.services.mentoring import notices
from bot.services.mentoring import sessions as session_service
from bot.services.mentoring.access import link_for, load_link, mention
from bot.viewer import Viewer
from db.models import LinkKind, LinkStatus, Side, User
from handlers.common import show
from handlers.mentoring.common import Event, explain, fmt_date, link_card, link_title, need_person, session_text
from keyboards.callbacks import MenuCb
from keyboards.mentoring import CoordCb, MentorCb, home, markup

router = Router(name="mentoring.pairs")


# --- «Мои пары» --------------------------------------------------------------------------------------------

@router.callback_query(MenuCb.filter(F.action == "ml_pairs"))
async def pairs_menu(query: CallbackQuery, session: AsyncSession, viewer: Viewer, t: Translator) -> None:
    await pairs_page(query, session, viewer, t, 0)


@router.callback_query(MentorCb.filter(F.a == "pairs"))
async def pairs_paged(query: CallbackQuery, callback_data: MentorCb, session: AsyncSession, viewer: Viewer,
                      t: Translator) -> None:
    await pairs_page(query, session, viewer, t, callback_data.v)


async def pairs_page(event: Event, session: AsyncSession, viewer: Viewer, t: Translator, page: int) -> None:
    me = await need_person(event, viewer, t)
    if me is None:
        return
    user, network_id = me
    links = await link_service.my_links(session, user.id, network_id, page, side=Side.MENTOR)
    if links.total == 0:
        await show(event, t("mentoring.pairs.none"), markup([], back=home(t)))
        return
    counts = await link_service.session_counts(session, [link.id for link in links.items])
    lines = [t("mentoring.pairs.title", count=links.total)]
    for link in links.items:
        last = fmt_date(link.last_session_on, t) if link.last_session_on else t("mentoring.card.never")
        lines.append(t("mentoring.pairs.line", title=notices.other_side(link, "mentor", t),
                       status=t(f"mentoring.status.{link.status}"), sessions=counts.get(link.id, 0), last=last))
    # The mentor's own name is the same on every pair: the buttons name the other side.
    rows = [[(notices.other_side(link, "mentor", t, fit=short_names.ROW), MentorCb(a="link", id=link.id))]
            for link in links.items]
    rows.append([(t("mentoring.pairs.log"), MentorCb(a="log"))])
    await show(event, "\n".join(lines), markup(rows, page=links, t=t, back=home(t),
                                               page_cb=lambda p: MentorCb(a="pairs", v=p)))


# --- a link's card (every role) ---------------------------------------------------------------------------

@router.callback_query(MentorCb.filter(F.a == "link"))
async def link_open(query: CallbackQuery, callback_data: MentorCb, session: AsyncSession, viewer: Viewer,
                    t: Translator) -> None:
    await show_link(query, session, viewer, t, callback_data.id)


async def show_link(event: Event, session: AsyncSession, viewer: Viewer, t: Translator, link_id: int) -> None:
    me = await need_person(event, viewer, t)
    if me is None:
        return
    user, _ = me
    try:
        link, role = await link_for(session, link_id, user.id)
    except DomainError as error:
        await explain(event, t, error)
        return
    counts = await link_service.session_counts(session, [link.id])
    parent = await load_link(session, link.parent_id) if link.parent_id else None
    text = link_card(link, t, sessions=counts.get(link.id, 0), parent=parent)
    rows: list[list] = []
    open_link = link.status not in (LinkStatus.CLOSED.value, LinkStatus.COMPLETED.value)
    if role == "mentor" and open_link:
        rows.append([(t("mentoring.pairs.log"), MentorCb(a="log", id=link.id))])
    rows.append([(t("mentoring.pairs.history"), MentorCb(a="hist", id=link.id)),
                 (t("mentoring.pairs.plan"), MentorCb(a="plan", id=link.id))])
    if role == "mentee" and open_link:
        rows.append([(t("mentoring.ask.to_mentor"), MentorCb(a="askm", id=link.id))])
    if role == "coordinator":
        rows.append([(t("mentoring.coord.manage_link"), CoordCb(a="lc", id=link.id))])
    if link.kind == LinkKind.SCHOOL_SCHOOL.value:
        kids = await link_service.children(session, link.id)
        for child in kids[:8]:
            rows.append([(notices.link_button(child, t), MentorCb(a="link", id=child.id))])
        if len(kids) > 8:
            text += "\n" + t("mentoring.card.more_children", count=len(kids) - 8)
    if parent is not None:
        rows.append([(t("mentoring.card.open_parent"), MentorCb(a="link", id=parent.id))])
    back = (t("mentoring.pairs.back"), MentorCb(a="pairs")) if role == "mentor" else (
        (t("mentoring.mine.back"), MentorCb(a="mine")) if role == "mentee" else (t("mentoring.coord.links"),
                                                                                  CoordCb(a="lnk")))
    await show(event, text, markup(rows, back=back))


# --- history ----------------------------------------------------------------------------------------------

@router.callback_query(MentorCb.filter(F.a == "hist"))
async def history(query: CallbackQuery, callback_data: MentorCb, session: AsyncSession, viewer: Viewer,
                  t: Translator) -> None:
    me = await need_person(query, viewer, t)
    if me is None:
        return
    user, _ = me
    try:
        link, _role = await link_for(session, callback_data.id, user.id)
    except DomainError as error:
        await explain(query, t, error)
        return
    page = await session_service.history(session, link.id, callback_data.v)
    if page.total == 0:
        await show(query, t("mentoring.history.empty", title=link_title(link, t)),
                   markup([], back=(t("mentoring.history.back"), MentorCb(a="link", id=link.id))))
        return
    lines = [t("mentoring.history.title", title=link_title(link, t), count=page.total)]
    rows = []
    for record in page.items:
        mark = "✅" if record.confirmed_at else "⏳"
        lines.append(f"{mark} " + t("mentoring.common.session_line", date=fmt_date(record.held_on, t),
                                    format=t(f"mentoring.format.{record.format}"), minutes=record.duration_min,
                                    topic=record.topic))
        rows.append([(f"{mark} {fmt_date(record.held_on, t)} · {record.topic}", MentorCb(a="ses", id=record.id))])
    await show(query, "\n".join(lines), markup(rows, page=page, t=t, page_cb=lambda p: MentorCb(
        a="hist", id=link.id, v=p), back=(t("mentoring.history.back"), MentorCb(a="link", id=link.id))))


@router.callback_query(MentorCb.filter(F.a == "ses"))
async def session_open(query: CallbackQuery, callback_data: MentorCb, session: AsyncSession, viewer: Viewer,
                       t: Translator, clock: Clock) -> None:
    await show_session(query, session, viewer, t, clock, callback_data.id)


async def show_session(event: Event, session: AsyncSession, viewer: Viewer, t: Translator, clock: Clock,
                       session_id: int) -> None:
    me = await need_person(event, viewer, t)
    if me is None:
        return
    user, _ = me
    try:
        record, link, role = await session_service.session_for(session, session_id, user.id)
    except DomainError as error:
        await explain(event, t, error)
        return
    author = await session.get(User, record.author_id) if record.author_id else None
    rows: list[list] = []
    files = session_service.attachments_of(record)
    if files:
        rows.append([(t("mentoring.session.show_attachment", count=len(files)), MentorCb(a="att", id=record.id))])
    if role == "mentor" and record.author_id == user.id and session_service.editable(record, clock):
        rows.append([(t("mentoring.session.edit"), MentorCb(a="ed", id=record.id))])
    if role == "mentee":
        answer = []
        if record.confirmed_at is None:
            answer.append((t("mentoring.confirm.ok"), MentorCb(a="cf", id=record.id)))
        if record.disputed_at is None:
            answer.append((t("mentoring.confirm.not_held"), MentorCb(a="nh", id=record.id)))
        rows.append(answer)
        if record.disputed_at is None:
            rows.append([(f"{r}⭐", MentorCb(a="cf", id=record.id, v=r)) for r in range(1, 6)])
        rows.append([(t("mentoring.confirm.comment"), MentorCb(a="cm", id=record.id))])
    await show(event, session_text(record, t, author=author),
               markup(rows, back=(t("mentoring.history.back_to_list"), MentorCb(a="hist", id=link.id))))


@router.callback_query(MentorCb.filter(F.a == "att"))
async def attachment(query: CallbackQuery, callback_data: MentorCb, session: AsyncSession, viewer: Viewer,
                     t: Translator) -> None:
    me = await need_person(query, viewer, t)
    if me is None or not isinstance(query.message, Message):
        return
    try:
        record, _, _ = await session_service.session_for(session, callback_data.id, me[0].id)
    except DomainError as error:
        await explain(query, t, error)
        return
    files = session_service.attachments_of(record)
    if not files:
        await explain(query, t, DomainError("errors.stale_button"))
        return
    await query.answer()
    for item in files:  # one by one: an album can't mix photos, files and voices
        send = {"photo": query.message.answer_photo, "voice": query.message.answer_voice}.get(
            item.get("kind") or "", query.message.answer_document)
        await send(item["file_id"])


# --- «Мой наставник» ----------------------------------------------------------------------------------------

@router.callback_query(MenuCb.filter(F.action == "ml_mine"))
async def mine_menu(query: CallbackQuery, session: AsyncSession, viewer: Viewer, t: Translator) -> None:
    await mine_page(query, session, viewer, t, 0)


@router.callback_query(MentorCb.filter(F.a == "mine"))
async def mine_paged(query: CallbackQuery, callback_data: MentorCb, session: AsyncSession, viewer: Viewer,
                     t: Translator) -> None:
    await mine_page(query, session, viewer, t, callback_data.v)


async def mine_page(event: Event, session: AsyncSession, viewer: Viewer, t: Translator, page: int) -> None:
    me = await need_person(event, viewer, t)
    if me is None:
        return
    user, network_id = me
    links = await link_service.my_links(session, user.id, network_id, page, side=Side.MENTEE, size=3)
    ask = [(t("mentoring.ask.button"), MentorCb(a="ask"))]
    if links.total == 0:
        await show(event, t("mentoring.mine.none"), markup([ask], back=home(t)))
        return
    blocks = [t("mentoring.mine.title")]
    rows = []
    for link in links.items:
        mentors = link.people(Side.MENTOR)
        contacts = [t("mentoring.mine.contact", person=mention(u), position=u.position or "—",
                      phone=t("mentoring.mine.phone", phone=u.phone) if u.phone else "") for u in mentors]
        # The contact lines are HTML already (the mention is a link): not escaped a second time.
        blocks.append(t("mentoring.mine.block", title=link_title(link, t),
                        status=t(f"mentoring.status.{link.status}"),
                        contacts=Raw("\n".join(contacts)) if contacts else t("mentoring.mine.no_mentor_yet"),
                        goals=notices.clip(link.goals, 400) or t("mentoring.mine.no_goals")))
        rows.append([(notices.other_side(link, "mentee", t, fit=short_names.ROW), MentorCb(a="link", id=link.id))])
        rows.append([(t("mentoring.pairs.history"), MentorCb(a="hist", id=link.id)),
                     (t("mentoring.pairs.plan"), MentorCb(a="plan", id=link.id))])
    rows.append(ask)
    await show(event, "\n\n".join(blocks), markup(rows, page=links, t=t, back=home(t),
                                                  page_cb=lambda p: MentorCb(a="mine", v=p)))
