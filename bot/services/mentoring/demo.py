"""Demo mentoring: links of every kind and form, sessions over the past months and a few plans (ИППР),
so a newcomer opening the demo network sees a living one. Idempotent: a network that has links is left alone."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.services.clock import Clock
from bot.services.mentoring import vocabulary as vocab
from db.models import (LinkForm, LinkKind, LinkMember, LinkStatus, Membership, MentoringLink, MentoringSession,
                       Network, PlanGoal, School, SchoolStatus, Side)

TOPICS = (
    "Анализ результатов ВПР по математике", "Подготовка к ОГЭ: задания второй части", "Формирующее оценивание на уроке",
    "Приёмы работы со слабоуспевающими", "Функциональная грамотность: читательская", "Разбор открытого урока",
    "Дифференцированные задания", "Работа с детьми с ОВЗ на уроке", "Олимпиадные задачи: с чего начать",
    "Учебная мотивация в 7 классе", "Рабочая программа и КТП", "Управление рисками в школе",
    "Внутренняя система оценки качества", "Взаимодействие с родителями",
)
GOALS = (
    "Повысить долю выполнения заданий ВПР по математике до 60%",
    "Освоить приёмы формирующего оценивания и применять их на каждом уроке",
    "Подготовить и провести открытый урок по функциональной грамотности",
    "Снизить число обучающихся с неудовлетворительными результатами ОГЭ",
    "Разработать программу работы со слабоуспевающими",
)
PLAN_GOALS = ("Посетить 3 урока наставника", "Провести открытый урок с разбором", "Составить банк заданий ВПР",
              "Пройти курс по формирующему оцениванию", "Разработать индивидуальный маршрут для ученика с ОВЗ")


@dataclass
class MentoringDemo:
    links: dict[str, int] = field(default_factory=dict)
    sessions: int = 0
    goals: int = 0


async def create_mentoring_demo(session: AsyncSession, network: Network, *, clock: Clock,
                                seed: int = 2022) -> MentoringDemo:
    summary = MentoringDemo()
    if await session.scalar(select(func.count()).select_from(MentoringLink)
                            .where(MentoringLink.network_id == network.id)):
        return summary
    rng = random.Random(seed)
    now = clock.now()
    today = vocab.local_today(network, now)
    members = list((await session.scalars(select(Membership).where(
        Membership.network_id == network.id, Membership.is_active.is_(True), Membership.is_coordinator.is_(False))
        .options(selectinload(Membership.user), selectinload(Membership.school)).order_by(Membership.id))).all())
    schools = list((await session.scalars(select(School).where(School.network_id == network.id)
                                          .order_by(School.id))).all())
    strong = [s for s in schools if s.status in (SchoolStatus.LEADER.value, SchoolStatus.CURATOR.value)]
    weak = [s for s in schools if s.status in (SchoolStatus.SHNOR.value, SchoolStatus.SHNSU.value)]
    mentors = [m for m in members if m.is_mentor]
    mentees = [m for m in members if not m.is_mentor]
    used_mentees: set[int] = set()
    links: list[MentoringLink] = []

    def pick_mentee(school_id: int | None = None) -> Membership | None:
        pool = [m for m in mentees if m.user_id not in used_mentees and (school_id is None or m.school_id == school_id)]
        if not pool:
            return None
        chosen = rng.choice(pool)
        used_mentees.add(chosen.user_id)
        return chosen

    def add(kind: LinkKind, form: LinkForm, mentor_list: list[Membership], mentee_list: list[Membership], *,
            mentor_school_id: int | None = None, mentee_school_id: int | None = None,
            parent: MentoringLink | None = None,
            status: LinkStatus = LinkStatus.ACTIVE, goals: str | None = None, months: int = 5) -> MentoringLink:
        start = today - timedelta(days=30 * months + rng.randint(0, 20))
        deficits = rng.sample(vocab.DEFICITS[:8], k=2)
        link = MentoringLink(
            network_id=network.id, kind=kind.value, form=form.value, status=status.value,
            mentor_school_id=mentor_school_id or (mentor_list[0].school_id if mentor_list else None),
            mentee_school_id=mentee_school_id or (mentee_list[0].school_id if mentee_list else None),
            parent=parent, goals=goals or rng.choice(GOALS), deficits=deficits,
            directions=[d for d in deficits if d in vocab.DIRECTIONS], starts_on=start,
            ends_on=vocab.school_year_end(today), created_at=now)
        link.members = ([LinkMember(user_id=m.user_id, side=Side.MENTOR.value, added_at=now) for m in mentor_list]
                        + [LinkMember(user_id=m.user_id, side=Side.MENTEE.value, added_at=now) for m in mentee_list])
        if status in (LinkStatus.COMPLETED, LinkStatus.CLOSED):
            link.summary = "Цели достигнуты: проведено 8 встреч и 2 открытых урока."
            link.closed_at = now - timedelta(days=10)
        session.add(link)
        links.append(link)
        summary.links[kind.value] = summary.links.get(kind.value, 0) + 1
        return link

    # «Школа – школе»: each weak school gets a strong one; a director link and teacher links hang under it.
    school_links: list[MentoringLink] = []
    for index, weak_school in enumerate(weak):
        if not strong:
            break
        strong_school = strong[index % len(strong)]
        head = next((m for m in mentors if m.school_id == strong_school.id), None)
        school_links.append(add(LinkKind.SCHOOL_SCHOOL, LinkForm.PARTNER, [head] if head else [], [],
                                mentor_school_id=strong_school.id, mentee_school_id=weak_school.id))
    for school_link in school_links[:3]:
        mentor = next((m for m in mentors if m.school_id == school_link.mentor_school_id), None)
        mentee = pick_mentee(school_link.mentee_school_id)
        if mentor and mentee:
            add(LinkKind.LEADER_LEADER, LinkForm.TRADITIONAL, [mentor], [mentee], parent=school_link)
    forms = [LinkForm.TRADITIONAL] * 5 + [LinkForm.PARTNER, LinkForm.VIRTUAL, LinkForm.FLASH, LinkForm.REVERSE,
                                          LinkForm.SITUATIONAL]
    statuses = [LinkStatus.ACTIVE] * 8 + [LinkStatus.PAUSED, LinkStatus.PROPOSED, LinkStatus.COMPLETED]
    for index, mentor in enumerate(mentors[: max(0, len(mentors) - 2)]):
        mentee = pick_mentee()
        if mentee is None:
            break
        parent = next((s for s in school_links if s.mentor_school_id == mentor.school_id
                       and s.mentee_school_id == mentee.school_id), None)
        add(LinkKind.TEACHER_TEACHER, forms[index % len(forms)], [mentor], [mentee], parent=parent,
            status=statuses[index % len(statuses)])
    if len(mentors) >= 2:
        group = [m for m in (pick_mentee() for _ in range(4)) if m is not None]
        if group:
            add(LinkKind.GROUP, LinkForm.GROUP, [mentors[-2]], group)
        add(LinkKind.STUDENT_STUDENT, LinkForm.PARTNER, [mentors[-1]], [],
            goals="Ученики 10-х классов помогают девятиклассникам готовиться к ОГЭ по математике")
    await session.flush()

    # Sessions every one to three weeks; the last link went quiet five weeks ago (it will be nudged).
    sessions: list[MentoringSession] = []
    for position, link in enumerate(links):
        if link.status == LinkStatus.PROPOSED.value or link.kind == LinkKind.SCHOOL_SCHOOL.value and position % 2:
            continue
        author = next((m.user_id for m in link.members if m.side == Side.MENTOR.value), None)
        if author is None:
            continue
        day = link.starts_on or today - timedelta(days=120)
        end = today - timedelta(days=35) if position == len(links) - 3 else today
        while True:
            day += timedelta(days=rng.randint(7, 21))
            if day > end:
                break
            held = rng.random()
            sessions.append(MentoringSession(
                network_id=network.id, link_id=link.id, author_id=author, held_on=day,
                format="offline" if held < 0.6 else "online", duration_min=rng.choice(vocab.DURATIONS[:4]),
                topic=rng.choice(TOPICS), created_at=now - timedelta(days=(today - day).days),
                confirmed_at=now - timedelta(days=(today - day).days) if rng.random() < 0.75 else None,
                rating=rng.choice((4, 5, 5)) if rng.random() < 0.6 else None))
            link.last_session_on = day
    session.add_all(sessions)
    summary.sessions = len(sessions)

    goals: list[PlanGoal] = []
    for link in [lk for lk in links if lk.kind != LinkKind.SCHOOL_SCHOOL.value][:5]:
        for number, text in enumerate(rng.sample(PLAN_GOALS, k=3)):
            due = today + timedelta(days=30 * (number - 1) + rng.randint(0, 10))
            done = due < today
            goals.append(PlanGoal(link_id=link.id, text=text, due_on=due, done=done,
                                  done_at=now if done else None, created_at=now))
    session.add_all(goals)
    summary.goals = len(goals)
    await session.flush()
    return summary
