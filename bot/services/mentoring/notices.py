"""Proactive mentoring messages, composed in each recipient's language and queued in the outbox.

Buttons are plain Bot API dictionaries; their callback data has the shape of `keyboards.mentoring.MentorCb`
("mt:<action>:<id>:<value>") — a test keeps the two in step. Nothing here imports aiogram.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Raw, Translator
from bot.services import outbox, short_names
from bot.services.clock import Clock
from bot.services.untrusted_text import unlink
from bot.services.mentoring.access import mention
from db.models import LinkKind, Membership, MentoringLink, MentoringSession, Network, PlanGoal, Question, Side, User

MENTOR_CB = "mt"
COORD_CB = "mc"


def cb(action: str, id: int = 0, v: int = 0) -> str:
    """Callback data of `keyboards.mentoring.MentorCb(a=action, id=id, v=v)`."""
    return f"{MENTOR_CB}:{action}:{id}:{v}"


def ccb(action: str, id: int = 0, v: int = 0) -> str:
    """Callback data of `keyboards.mentoring.CoordCb(a=action, id=id, v=v)`."""
    return f"{COORD_CB}:{action}:{id}:{v}"


def button(text: str, data: str) -> dict[str, str]:
    return {"text": text, "callback_data": data}


def reachable(user: User | None) -> bool:
    """Only people who started the bot and agreed get messages (an imported record is not one yet)."""
    return (user is not None and user.messenger_id is not None and user.consent_at is not None
            and user.forgotten_at is None)


async def _active_in(session: AsyncSession, user_id: int, network_id: int) -> bool:
    return bool(await session.scalar(select(Membership.id).where(
        Membership.user_id == user_id, Membership.network_id == network_id, Membership.is_active.is_(True))))


async def send(session: AsyncSession, user: User, text: str, *, key: str, clock: Clock, network_id: int | None,
               rows: Sequence[Sequence[dict[str, str]]] = (), kind: str = "notification",
               not_before: datetime | None = None, topic: str | None = None, about: User | None = None) -> bool:
    """`about`: the person the text names (a contact, a question, a comment) — their erasure cancels it."""
    if not reachable(user):
        return False
    if network_id is not None and not await _active_in(session, user.id, network_id):
        return False  # deactivated means off: no nudge, reminder or notice until a coordinator restores them
    payload: dict[str, Any] = {"type": "text", "text": text, "parse_mode": "HTML", "disable_web_page_preview": True}
    if rows:
        payload["reply_markup"] = {"inline_keyboard": [list(row) for row in rows]}
    row = await outbox.enqueue(session, chat_id=int(user.messenger_id or 0), user_id=user.id, network_id=network_id,
                               payload=payload, kind=kind, dedupe_key=key[:255], clock=clock, not_before=not_before,
                               topic=topic, about_user_id=about.id if about is not None else None)
    return row is not None


def clip(text: str | None, limit: int) -> str:
    """Keeps a message under Telegram's 4096 characters when it quotes long texts."""
    value = text or ""
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def fmt_date(value: date | None, t: Translator) -> str:
    return value.strftime("%d.%m.%Y") if value else t("mentoring.common.no_date")


def names(t: Translator, codes: Iterable[str], group: str) -> str:
    return ", ".join(t(f"mentoring.{group}.{code}") for code in codes if t.has(f"mentoring.{group}.{code}"))


def people_line(users: Iterable[User]) -> Raw:
    return Raw(", ".join(str(mention(user)) for user in users) or "—")


def link_title(link: MentoringLink, t: Translator) -> str:
    """«Учитель – учителю: Иванова М. П. → Петрова А. С.» — plain text (escaped by the translator)."""
    mentors = [u.full_name or "—" for u in link.people(Side.MENTOR)]
    mentees = [u.full_name or "—" for u in link.people(Side.MENTEE)]
    if link.kind == LinkKind.SCHOOL_SCHOOL.value:
        left = link.mentor_school.display_name if link.mentor_school else "—"
        right = link.mentee_school.display_name if link.mentee_school else "—"
    else:
        left = ", ".join(mentors[:2]) + ("…" if len(mentors) > 2 else "") or "—"
        right = ", ".join(mentees[:2]) + (f" +{len(mentees) - 2}" if len(mentees) > 2 else "") or "—"
    return t("mentoring.common.link_title", kind=t(f"mentoring.kind.{link.kind}"), left=left, right=right)


def initials(full_name: str | None) -> str:
    """«Петрова Анна Сергеевна» → «Петрова А. С.»: short enough for a button, still a person."""
    return short_names.initials(full_name)


def link_button(link: MentoringLink, t: Translator, prefix: str = "") -> str:
    """A link on a phone-sized button: «🟢 Учитель: Иванова М. П. → Петрова А. С.»; schools by their short (or
    abbreviated) names. When it does not fit, the kind goes first, then the longer side is cut — the mentee is
    never cut off by a long mentor."""
    if link.kind == LinkKind.SCHOOL_SCHOOL.value:
        sides = [short_names.school(s.name, s.short_name, 10_000) if s else "—"
                 for s in (link.mentor_school, link.mentee_school)]
    else:
        sides = []
        for side in (Side.MENTOR, Side.MENTEE):
            people = [short_names.initials(u.full_name) for u in link.people(side)]
            sides.append(", ".join(people[:1]) + (f" +{len(people) - 1}" if len(people) > 1 else "")
                         if people else "—")
    left, right = sides
    for head in (f"{prefix}{t(f'mentoring.kind_short.{link.kind}')}: ", prefix):
        label = f"{head}{left} → {right}"
        if len(label) <= short_names.ROW:
            return label
    room = short_names.ROW - len(prefix) - 3
    left = short_names.cut(left, max(room - len(right), room // 2, 12) if len(left) > room // 2 else len(left))
    right = short_names.cut(right, room - len(left))
    return f"{prefix}{left} → {right}"


def other_side(link: MentoringLink, side: str, t: Translator, *, fit: int | None = None) -> str:
    """How a member tells their links apart: the people on the other side, then their school —
    «Петрова Анна Сергеевна · Важинский ОЦ», «Группа: Петрова А. С., Смирнова О. Н. и ещё 2 · Важинский ОЦ».
    `fit`: for a button — the school abbreviated and a long name as initials, within `fit` characters."""
    theirs = Side.MENTEE if side == Side.MENTOR.value else Side.MENTOR
    school = link.mentee_school if theirs == Side.MENTEE else link.mentor_school
    where = school.display_name if school is not None else ""
    if fit and school is not None:
        where = short_names.school(school.name, school.short_name, max(12, fit // 2))
    if link.kind == LinkKind.SCHOOL_SCHOOL.value:
        text = t("mentoring.common.side_school", school=where or "—")
        return short_names.cut(text, fit) if fit else text
    people = [u.full_name or "—" for u in link.people(theirs)]
    if not people:
        who = t(f"mentoring.common.side_nobody_{theirs.value}")
    elif len(people) == 1:
        who = people[0]
    else:
        who = ", ".join(initials(name) for name in people[:2])
        if len(people) > 2:
            who = t("mentoring.common.side_more", people=who, more=len(people) - 2)
    # For a button that the whole does not fit: a person by surname and initials, a group by its first member.
    shorter = (initials(people[0]) if len(people) == 1
               else t("mentoring.common.side_more", people=initials(people[0]), more=len(people) - 1)
               if people else who)
    for attempt in (who, shorter):
        shown = attempt
        if link.kind != LinkKind.TEACHER_TEACHER.value:
            shown = t("mentoring.common.side_kind", kind=t(f"mentoring.kind_short.{link.kind}"), people=shown)
        text = t("mentoring.common.side_where", who=Raw(shown), where=where) if where else shown
        if not fit or len(text) <= fit:
            break
    return short_names.cut(text, fit) if fit else text


def goals_block(link: MentoringLink, t: Translator) -> Raw:
    goals = t("mentoring.common.goals", goals=clip(link.goals, 1500)) if link.goals else t(
        "mentoring.common.no_goals")
    deficits = names(t, link.deficits or [], "deficit")
    if deficits:
        goals += "\n" + t("mentoring.common.deficits", deficits=deficits)
    return Raw(goals)


async def link_created(session: AsyncSession, link: MentoringLink, *, clock: Clock) -> int:
    """Both sides hear about the new link: each other's contact and the goals."""
    sent = 0
    mentors, mentees = link.people(Side.MENTOR), link.people(Side.MENTEE)
    for user in mentors:
        t = Translator(user.language)
        text = t("mentoring.notice.new_link_mentor", title=link_title(link, t),
                 form=t(f"mentoring.form.{link.form}"), people=people_line(mentees) if mentees else Raw(
                     t("mentoring.notice.no_mentee_contact")), goals=goals_block(link, t))
        rows = [[button(t("mentoring.pairs.log"), cb("log", link.id))],
                [button(t("mentoring.pairs.plan"), cb("plan", link.id))]]
        sent += await send(session, user, text, key=f"mentoring:link:{link.id}:new:{user.id}", clock=clock,
                           network_id=link.network_id, rows=rows, about=mentees[0] if len(mentees) == 1 else None)
    for user in mentees:
        t = Translator(user.language)
        text = t("mentoring.notice.new_link_mentee", title=link_title(link, t),
                 form=t(f"mentoring.form.{link.form}"), people=people_line(mentors), goals=goals_block(link, t))
        rows = [[button(t("mentoring.mine.open"), cb("mine"))]]
        sent += await send(session, user, text, key=f"mentoring:link:{link.id}:new:{user.id}", clock=clock,
                           network_id=link.network_id, rows=rows, about=mentors[0] if len(mentors) == 1 else None)
    return sent


async def link_status_changed(session: AsyncSession, link: MentoringLink, *, clock: Clock) -> int:
    sent = 0
    for member in link.members:
        t = Translator(member.user.language)
        text = t("mentoring.notice.status_changed", title=link_title(link, t),
                 status=t(f"mentoring.status.{link.status}"))
        if link.summary and link.status in ("completed", "closed"):
            text += "\n" + t("mentoring.common.summary", summary=link.summary)
        sent += await send(session, member.user, text, clock=clock, network_id=link.network_id,
                           key=f"mentoring:link:{link.id}:status:{link.status}:{member.user_id}")
    return sent


def session_line(record: MentoringSession, t: Translator) -> str:
    return t("mentoring.common.session_line", date=fmt_date(record.held_on, t),
             format=t(f"mentoring.format.{record.format}"), minutes=record.duration_min, topic=record.topic)


def confirm_rows(record: MentoringSession, t: Translator) -> list[list[dict[str, str]]]:
    return [[button(t("mentoring.confirm.ok"), cb("cf", record.id, 0)),
             button(t("mentoring.confirm.not_held"), cb("nh", record.id))],
            [button(f"{r}⭐", cb("cf", record.id, r)) for r in range(1, 6)],
            [button(t("mentoring.confirm.comment"), cb("cm", record.id))]]


async def session_logged(session: AsyncSession, record: MentoringSession, link: MentoringLink, author: User, *,
                         clock: Clock, changed: bool = False) -> int:
    """Each mentee gets a confirmation request with an optional 1–5 rating and a comment — again, with
    `changed`, when the mentor changed what they confirm (the date, format, duration or topic)."""
    sent = 0
    stamp = f":changed:{(record.updated_at or clock.now()).isoformat()}" if changed else ""
    for user in link.people(Side.MENTEE):
        t = Translator(user.language)
        text = t("mentoring.confirm.changed" if changed else "mentoring.confirm.request", mentor=mention(author),
                 line=session_line(record, t))
        sent += await send(session, user, text, key=f"mentoring:session:{record.id}{stamp}:confirm:{user.id}",
                           clock=clock, network_id=link.network_id, rows=confirm_rows(record, t), about=author)
    return sent


async def session_disputed(session: AsyncSession, record: MentoringSession, mentee: User, *, clock: Clock) -> bool:
    """The author hears that the mentee says the session did not happen."""
    author = await session.get(User, record.author_id) if record.author_id else None
    if author is None:
        return False
    t = Translator(author.language)
    return await send(session, author, t("mentoring.notice.session_disputed", mentee=mention(mentee),
                                         line=session_line(record, t)),
                      key=f"mentoring:session:{record.id}:disputed:{mentee.id}:{clock.now().isoformat()}",
                      clock=clock, network_id=record.network_id, rows=[[button(t("mentoring.session.edit"),
                                                                              cb("ses", record.id))]])


async def session_confirmed(session: AsyncSession, record: MentoringSession, mentee: User, *, clock: Clock,
                            what: str = "confirmed") -> bool:
    """The author hears that the mentee confirmed (what="confirmed") or commented (what="comment")."""
    author = await session.get(User, record.author_id) if record.author_id else None
    if author is None:
        return False
    t = Translator(author.language)
    if what == "comment":
        text = t("mentoring.notice.session_comment", mentee=mention(mentee), line=session_line(record, t),
                 comment=clip(unlink(record.comment), 1500))
    else:
        rating = t("mentoring.notice.rating", rating=record.rating) if record.rating else ""
        text = t("mentoring.notice.session_confirmed", mentee=mention(mentee), line=session_line(record, t),
                 rating=rating)
    return await send(session, author, text, key=f"mentoring:session:{record.id}:{what}:{mentee.id}", clock=clock,
                      network_id=record.network_id, about=mentee)


async def quiet_nudge(session: AsyncSession, link: MentoringLink, user: User, since: date, weeks: int, *,
                      clock: Clock, not_before: datetime) -> bool:
    t = Translator(user.language)
    text = t("mentoring.notice.quiet_nudge", title=link_title(link, t), weeks=weeks, since=fmt_date(since, t))
    return await send(session, user, text, key=f"mentoring:quiet:{link.id}:{since.isoformat()}:{user.id}",
                      clock=clock, network_id=link.network_id, kind="nudge", not_before=not_before,
                      topic="mentoring_nudges", rows=[[button(t("mentoring.pairs.log"), cb("log", link.id))]])


async def quiet_digest(session: AsyncSession, network: Network, coordinator: User, links: list[MentoringLink],
                       weeks: int, *, clock: Clock, not_before: datetime) -> bool:
    t = Translator(coordinator.language)
    shown = links[:20]
    lines = [t("mentoring.notice.quiet_flag_line", title=link_title(link, t),
               since=fmt_date(link.last_session_on or link.starts_on, t)) for link in shown]
    more = t("mentoring.notice.quiet_flag_more", count=len(links) - len(shown)) if len(links) > len(shown) else ""
    text = t("mentoring.notice.quiet_flag", count=len(links), weeks=weeks, lines=Raw("\n".join(lines)),
             more=more)
    digest = hashlib.sha1(",".join(str(link.id) for link in links).encode()).hexdigest()[:16]
    return await send(session, coordinator, text, key=f"mentoring:quiet-flag:{network.id}:{coordinator.id}:{digest}",
                      clock=clock, network_id=network.id, kind="nudge", not_before=not_before,
                      rows=[[button(t("mentoring.coord.links"), ccb("lnk"))]])


async def goal_due(session: AsyncSession, goal: PlanGoal, link: MentoringLink, user: User, *, clock: Clock,
                   not_before: datetime) -> bool:
    t = Translator(user.language)
    text = t("mentoring.notice.goal_due", goal=goal.text, due=fmt_date(goal.due_on, t), title=link_title(link, t))
    return await send(session, user, text, clock=clock, network_id=link.network_id, kind="reminder",
                      key=f"mentoring:plan-due:{goal.id}:{goal.due_on}:{user.id}", not_before=not_before,
                      topic="plan_reminders",
                      rows=[[button(t("mentoring.pairs.plan"), cb("plan", link.id))]])


async def question_asked(session: AsyncSession, question: Question, asker: User, people: list[User], *,
                         clock: Clock) -> int:
    rows: list[dict[str, Any]] = []
    for user in people:
        if not reachable(user):
            continue
        t = Translator(user.language)
        scope = (t(f"mentoring.direction.{question.direction}") if question.direction
                 else t(f"mentoring.ask.scope_{question.scope}"))
        text = t("mentoring.notice.question", asker=mention(asker), scope=scope, text=unlink(question.text))
        rows.append({"chat_id": int(user.messenger_id or 0), "user_id": user.id, "about_user_id": asker.id,
                     "network_id": question.network_id,
                     "kind": "notification", "dedupe_key": f"mentoring:question:{question.id}:{user.id}",
                     "payload": {"type": "text", "text": text, "parse_mode": "HTML",
                                 "disable_web_page_preview": True,
                                 "reply_markup": {"inline_keyboard": [[button(t("mentoring.questions.take"),
                                                                             cb("qt", question.id))]]}}})
    return await outbox.enqueue_many(session, rows, clock=clock)


async def question_taken(session: AsyncSession, question: Question, asker: User, responder: User, *,
                         clock: Clock) -> bool:
    t = Translator(asker.language)
    return await send(session, asker, t("mentoring.notice.question_taken", responder=mention(responder),
                                        text=clip(question.text, 500)),
                      key=f"mentoring:question:{question.id}:taken", clock=clock, network_id=question.network_id,
                      about=responder)


async def question_answered(session: AsyncSession, question: Question, asker: User, responder: User, *,
                            clock: Clock) -> bool:
    t = Translator(asker.language)
    return await send(session, asker, t("mentoring.notice.question_answered", responder=mention(responder),
                                        text=clip(question.text, 500), answer=question.answer or ""),
                      key=f"mentoring:question:{question.id}:answered", clock=clock, network_id=question.network_id,
                      about=responder)
