"""Bulk import of schools, participants, school pairs and teacher pairs — idempotent, with a dry run for the preview.

`run_import(dry_run=True)` walks the same code as the real import against an in-memory index of the network
(its schools, people and open links), so the preview's counts and problems are exactly what the import will
do. Running the import twice changes nothing the second time: schools are matched by name, people by
Telegram id, username or ФИО (+ school), links by their schools or their mentor and mentee.

People imported without a Telegram id get a personal invite (`Invite.target_user_id`): their `/start` with
it attaches them to the record made here (see `registration.record_consent`).
"""
from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.services import invites as invite_service
from bot.services import people
from bot.services.people import TELEGRAM
from bot.services.clock import Clock
from bot.services.errors import DomainError
from bot.services.mentoring import vocabulary as vocab
from bot.services.mentoring.access import require_coordinator
from bot.services.mentoring.sessions import DATE_RE, ISO_RE
from bot.services.mentoring.sheets import PEOPLE, SCHOOL_PAIRS, SCHOOLS, TEACHER_PAIRS, Sheet
from bot.services.registration import normalize_full_name
from bot.services.uploads.limits import quote_cell
from db.models import (Invite, LinkForm, LinkKind, LinkMember, LinkStatus, Membership, MentoringLink, Network, Role,
                       School, SchoolStatus, Side, User)
from db.models.core import search_key
from db.models.mentoring import OPEN_LINK_STATUSES

Progress = Callable[[int, int], Awaitable[None]]
PROGRESS_EVERY = 50
INVITE_DAYS = 60
POSITION_LIMIT = 255  # users.position
SUBJECT_LIMIT = 120  # mentoring_links.subject

_QUOTES = re.compile(r"[«»\"'“”„`]")
_ORG_FORM = re.compile(r"^(?:(?:мб|мк|ма|гб|гк|гa|ч|н|м|ф)?(?:оу|оо|ову|у)|мбоу до|моу|маоу)\s+")
_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
_TG_LINK = re.compile(r"^(?:https?://)?(?:t\.me|telegram\.me)/([A-Za-z0-9_]+)/?$")


def school_key(name: str | None) -> str:
    """«МБОУ «СШ № 7»» and «СШ №7» compare equal."""
    key = search_key(_QUOTES.sub(" ", name or "")) or ""
    key = re.sub(r"№\s*", "№", key)
    key = re.sub(r"\s*-\s*", "-", key)
    key = " ".join(key.split())
    return _ORG_FORM.sub("", key).strip()


def parse_telegram(value: str) -> tuple[int | None, str | None]:
    """«@ivanova_mp», «ivanova_mp», «https://t.me/ivanova_mp», «123456789» → (id, username)."""
    raw = (value or "").strip()
    if not raw:
        return None, None
    link = _TG_LINK.match(raw)
    if link:
        raw = link.group(1)
    raw = raw.lstrip("@")
    if re.fullmatch(r"\d{5,15}", raw):
        return int(raw), None
    if _USERNAME.match(raw):
        return None, raw
    raise DomainError("mentoring.import.problem.bad_telegram", value=value)


def parse_phone(value: str) -> str | None:
    """«8 (911) 123-45-67» → «+79111234567»; empty or a dash → None; anything else («тел. не знаю») is a problem."""
    if not re.sub(r"[\s\-–—.]", "", value or ""):
        return None
    digits = re.sub(r"\D", "", value)
    if len(digits) == 11 and digits[0] in "78":
        return "+7" + digits[1:]
    if len(digits) == 10:
        return "+7" + digits
    raise DomainError("mentoring.import.problem.bad_phone", value=value)


def parse_roles(value: str) -> tuple[set[str], bool]:
    """Role words → {"participant", "mentor", "coordinator"}; the flag says whether anything was unknown."""
    roles: set[str] = set()
    unknown = False
    for part in re.split(r"[,;/]| и ", search_key(value) or ""):
        part = part.strip()
        if not part:
            continue
        if part.startswith(("наставляем", "подопеч", "mentee", "участник", "participant", "педагог")):
            roles.add("participant")
        elif part.startswith(("наставник", "mentor", "куратор", "тьютор")):
            roles.add("mentor")
        elif part.startswith(("координатор", "coordinator", "методист")):
            roles.add("coordinator")
        else:
            unknown = True
    return roles or {"participant"}, unknown


def parse_level(value: str) -> int | None:
    match = re.search(r"[123]", value or "")
    if not (value or "").strip():
        return None
    if match is None:
        raise DomainError("mentoring.import.problem.bad_level", value=value)
    return int(match.group(0))


@dataclass
class Problem:
    sheet: str
    row: int
    key: str
    values: dict[str, Any] = field(default_factory=dict)
    skipped: bool = False  # the row was not imported (else: imported with this caveat)

    def __post_init__(self) -> None:
        self.sheet = quote_cell(self.sheet)
        self.values = {name: quote_cell(value) for name, value in self.values.items()}


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0


@dataclass
class InviteNote:
    user_id: int
    full_name: str
    code: str | None  # None in a dry run


@dataclass
class ImportResult:
    dry_run: bool
    sheets: list[tuple[str, str, int]] = field(default_factory=list)  # (name, kind, data rows)
    schools: Counts = field(default_factory=Counts)
    people: Counts = field(default_factory=Counts)
    links: Counts = field(default_factory=Counts)
    problems: list[Problem] = field(default_factory=list)
    invites: list[InviteNote] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(count for _, _, count in self.sheets)

    @property
    def skipped_rows(self) -> int:
        return len({(p.sheet, p.row) for p in self.problems if p.skipped})


class _RowError(Exception):
    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key, self.values = key, values


@dataclass
class _Person:
    user: User
    membership: Membership | None


class _Importer:
    def __init__(self, session: AsyncSession, network: Network, clock: Clock, dry_run: bool,
                 actor_id: int | None) -> None:
        self.session, self.network, self.clock, self.dry_run, self.actor_id = session, network, clock, dry_run, actor_id
        self.result = ImportResult(dry_run=dry_run)
        self.schools: dict[str, School] = {}
        self.by_tg: dict[int, _Person] = {}
        self.foreign: dict[int, _Person] = {}  # ids the bot knows from elsewhere → this network's own record
        self.by_username: dict[str, _Person] = {}
        self.by_name: dict[str, list[_Person]] = {}
        self.school_links: dict[tuple[int, int], MentoringLink] = {}
        self.people_links: dict[tuple[int, int], MentoringLink] = {}
        self.group_links: dict[int, MentoringLink] = {}
        self.seen_schools: set[int] = set()
        self.seen_people: set[int] = set()
        self.seen_links: set[int] = set()
        self.need_invite: dict[int, _Person] = {}
        self._fake = 0
        self.today = vocab.local_today(network, clock.now())

    # --- the index -------------------------------------------------------------------------------------

    def _id(self, obj: Any) -> int:
        if obj.id is None:  # dry run: a stand-in id, never written
            self._fake -= 1
            obj.id = self._fake
        return int(obj.id)

    async def load(self) -> None:
        for school in (await self.session.scalars(select(School).where(School.network_id == self.network.id))).all():
            self._index_school(school)
        rows = (await self.session.execute(select(User, Membership).join(
            Membership, Membership.user_id == User.id).where(Membership.network_id == self.network.id,
                                                             User.forgotten_at.is_(None)))).all()
        for user, membership in rows:
            self._index_person(_Person(user, membership))
        links = (await self.session.scalars(select(MentoringLink).where(
            MentoringLink.network_id == self.network.id, MentoringLink.status.in_(OPEN_LINK_STATUSES))
            .options(selectinload(MentoringLink.members)))).all()
        for link in links:
            self._index_link(link)

    def _index_school(self, school: School) -> None:
        for name in (school.name, school.short_name):
            key = school_key(name)
            if key:
                self.schools.setdefault(key, school)

    def _index_person(self, person: _Person) -> None:
        user = person.user
        if user.messenger_id and user.platform == TELEGRAM:  # the sheet's column holds Telegram ids
            self.by_tg[int(user.messenger_id)] = person
        if user.username:
            self.by_username[user.username.lower()] = person
        if user.name_key:
            bucket = self.by_name.setdefault(user.name_key, [])
            if all(p.user is not user for p in bucket):
                bucket.append(person)

    def _index_link(self, link: MentoringLink) -> None:
        mentors = [m.user_id for m in link.members if m.side == Side.MENTOR.value]
        mentees = [m.user_id for m in link.members if m.side == Side.MENTEE.value]
        if link.kind == LinkKind.SCHOOL_SCHOOL.value and link.mentor_school_id and link.mentee_school_id:
            self.school_links.setdefault((link.mentor_school_id, link.mentee_school_id), link)
        elif link.kind == LinkKind.GROUP.value:
            for mentor in mentors:
                self.group_links.setdefault(mentor, link)
        for mentor in mentors:
            for mentee in mentees:
                self.people_links.setdefault((mentor, mentee), link)

    def find_school(self, name: str) -> School | None:
        key = school_key(name)
        if not key:
            return None
        if key in self.schools:
            return self.schools[key]
        pattern = re.compile(rf"(?:^| ){re.escape(key)}(?![\w№])")
        found = {id(s): s for k, s in self.schools.items() if pattern.search(k)}
        return next(iter(found.values())) if len(found) == 1 else None

    # --- writes ----------------------------------------------------------------------------------------

    def _add(self, obj: Any) -> None:
        if not self.dry_run:
            self.session.add(obj)

    async def _flush(self) -> None:
        if not self.dry_run:
            await self.session.flush()

    def _count(self, counts: Counts, seen: set[int], obj_id: int, outcome: str) -> None:
        if obj_id in seen:
            return  # the same school or person on several rows counts once
        seen.add(obj_id)
        setattr(counts, outcome, getattr(counts, outcome) + 1)

    async def school(self, name: str, *, status: str | None = None, short_name: str | None = None,
                     level: int | None = None, municipality: str | None = None, create: bool = True,
                     promote: str | None = None) -> School | None:
        """Finds or creates a school. `status` overwrites; `promote` only replaces «regular»."""
        school = self.find_school(name)
        if school is None:
            if not create:
                return None
            clean = " ".join(name.split())
            if len(clean) < 3:
                raise _RowError("mentoring.import.problem.bad_school", value=name)
            school = School(network_id=self.network.id, name=clean[:500], short_name=short_name,
                            status=status or promote or SchoolStatus.REGULAR.value, level=level,
                            municipality=municipality)
            self._add(school)
            await self._flush()
            self._id(school)
            self._index_school(school)
            self._count(self.result.schools, self.seen_schools, school.id, "created")
            return school
        changed = False
        for attr, value in (("status", status), ("short_name", short_name), ("level", level),
                            ("municipality", municipality)):
            if value is not None and getattr(school, attr) != value:
                if not self.dry_run:
                    setattr(school, attr, value)
                changed = True
        if promote and school.status == SchoolStatus.REGULAR.value:
            if not self.dry_run:
                school.status = promote
            changed = True
        self._count(self.result.schools, self.seen_schools, self._id(school), "updated" if changed else "unchanged")
        return school

    async def _known_elsewhere(self, messenger_id: int) -> bool:
        """The id belongs to someone the bot knows who is not in this network. Whose it is stays unsaid: their
        data is not read, shown or changed — the import makes a record of its own and a personal invite."""
        if messenger_id in self.foreign:
            return True
        if messenger_id in self.by_tg:
            return False
        return await self.session.scalar(select(User.id).where(people.account(TELEGRAM, messenger_id))) is not None

    def _by_name(self, full_name: str, school: School | None) -> _Person | None:
        """A namesake at another school is another person; two at the same school can't be told apart."""
        bucket = self.by_name.get(search_key(full_name) or "", [])
        if school is not None:
            same = [p for p in bucket if p.membership is not None and p.membership.school_id == school.id]
            if len(same) == 1:
                return same[0]
            if len(same) > 1:
                raise _RowError("mentoring.import.problem.ambiguous_person", name=full_name)
            bucket = [p for p in bucket if p.membership is None or p.membership.school_id is None]
        if len(bucket) == 1:
            return bucket[0]
        if len(bucket) > 1:
            raise _RowError("mentoring.import.problem.ambiguous_person", name=full_name)
        return None

    def find_person(self, full_name: str, school: School | None) -> _Person | None:
        """A member of this network (or a person this file added) by ФИО, or None."""
        try:
            return self._by_name(normalize_full_name(full_name), school)
        except DomainError:
            return None

    async def person(self, full_name: str, *, school: School | None, position: str | None = None,
                     roles: set[str] | None = None, subjects: list[str] | None = None, messenger_id: int | None = None,
                     username: str | None = None, phone: str | None = None, directions: list[str] | None = None,
                     mentor_type: str | None = None, capacity: int | None = None) -> _Person:
        """Finds the person among this network's members (by Telegram id, username, ФИО) or makes a record.

        Nobody outside the network is matched or changed: a Telegram id the bot knows from elsewhere gets a
        record of this network without that id, and the personal invite lets its owner take it (or not).
        """
        try:
            full_name = normalize_full_name(full_name)
        except DomainError:
            raise _RowError("mentoring.import.problem.bad_name", value=full_name) from None
        roles = roles or {"participant"}
        person = None
        if messenger_id is not None:
            person = self.by_tg.get(messenger_id) or self.foreign.get(messenger_id)
        if person is None and username:
            person = self.by_username.get(username.lower())
        if person is None:
            person = self._by_name(full_name, school)
            if (person is not None and messenger_id is not None and person.user.platform == TELEGRAM
                    and person.user.messenger_id not in (None, messenger_id)):
                raise _RowError("mentoring.import.problem.telegram_mismatch", name=full_name)
        if person is not None and person.membership is not None and not person.membership.is_active:
            raise _RowError("mentoring.import.problem.inactive_person", name=full_name)  # back only by hand
        elsewhere = messenger_id is not None and await self._known_elsewhere(messenger_id)
        own_id = None if elsewhere else messenger_id  # someone else's account is never tied to a record here
        created = person is None
        if person is None:
            user = User(full_name=full_name, platform=TELEGRAM, messenger_id=own_id, username=username,
                        position=position,
                        subjects=list(subjects or []), phone=phone, language="ru", notification_prefs={},
                        created_at=self.clock.now())
            self._add(user)
            await self._flush()
            self._id(user)
            person = _Person(user, None)
        user = person.user
        changed = False
        if not created and user.consent_at is None:  # this network's imported record: the sheet is the source
            for attr, value in (("position", position), ("phone", phone), ("username", username),
                                ("messenger_id", own_id)):
                if value is not None and getattr(user, attr) != value:
                    if not self.dry_run:
                        setattr(user, attr, value)
                    changed = True
            if elsewhere and user.messenger_id is None:
                changed = True  # looks the same as an id taken up: nothing tells whose the id is
            if subjects and list(user.subjects or []) != list(subjects):
                if not self.dry_run:
                    user.subjects = list(subjects)
                changed = True
        if person.membership is None:
            membership = Membership(user_id=user.id, network_id=self.network.id,
                                    school_id=school.id if school else None,
                                    is_participant=True, is_mentor=False, is_coordinator=False, directions=[],
                                    is_active=True, joined_at=self.clock.now())
            self._add(membership)
            person.membership = membership
            changed = True
        membership = person.membership
        wanted: dict[str, Any] = {}
        if school is not None and membership.school_id != school.id:
            wanted["school_id"] = school.id
        for role in roles:
            if not getattr(membership, f"is_{role}"):
                wanted[f"is_{role}"] = True
        if directions:
            merged = vocab.direction_codes(list(vocab.direction_codes(membership.directions or [])) + directions)
            if merged != list(membership.directions or []):
                wanted["directions"] = merged
        if mentor_type and membership.mentor_type != mentor_type:
            wanted["mentor_type"] = mentor_type
        if capacity is not None and membership.capacity != capacity:
            wanted["capacity"] = capacity
        if "is_mentor" in wanted and membership.capacity is None and capacity is None:
            wanted["capacity"] = 3
        if wanted:
            changed = True
            if not self.dry_run or membership.id is None:
                for attr, value in wanted.items():
                    setattr(membership, attr, value)
        await self._flush()
        self._index_person(person)
        if elsewhere:
            self.foreign[messenger_id] = person  # type: ignore[index]  # the same id again in this file: this record
        self._count(self.result.people, self.seen_people, self._id(user),
                    "created" if created else ("updated" if changed else "unchanged"))
        if user.consent_at is None:  # not in the bot yet (whatever id the sheet gave): a personal link
            self.need_invite[user.id] = person
        return person

    async def link(self, *, kind: str, form: str, mentor: _Person | None, mentee: _Person | None,
                   mentor_school: School | None, mentee_school: School | None, goals: str | None = None,
                   deficits: list[str] | None = None, subject: str | None = None, starts_on: date | None = None,
                   ends_on: date | None = None) -> MentoringLink:
        existing: MentoringLink | None = None
        if kind == LinkKind.SCHOOL_SCHOOL.value:
            assert mentor_school is not None and mentee_school is not None
            existing = self.school_links.get((mentor_school.id, mentee_school.id))
        elif mentor is not None and mentee is not None:
            existing = self.people_links.get((mentor.user.id, mentee.user.id))
            if existing is None and kind == LinkKind.GROUP.value:
                existing = self.group_links.get(mentor.user.id)
        if existing is not None:
            changed = False
            for person, side in ((mentor, Side.MENTOR), (mentee, Side.MENTEE)):
                if person is not None and all(m.user_id != person.user.id for m in existing.members):
                    if not self.dry_run or existing.id is None or existing.id < 0:
                        existing.members.append(LinkMember(user_id=person.user.id, side=side.value,
                                                           added_at=self.clock.now()))
                    changed = True
            if goals and not existing.goals:
                if not self.dry_run:
                    existing.goals = goals
                changed = True
            await self._flush()
            self._index_link(existing)
            self._count(self.result.links, self.seen_links, self._id(existing), "updated" if changed else "unchanged")
            return existing
        members = []
        if mentor is not None:
            members.append(LinkMember(user_id=mentor.user.id, side=Side.MENTOR.value, added_at=self.clock.now()))
        if mentee is not None:
            members.append(LinkMember(user_id=mentee.user.id, side=Side.MENTEE.value, added_at=self.clock.now()))
        parent = None
        if kind != LinkKind.SCHOOL_SCHOOL.value and mentor_school is not None and mentee_school is not None:
            parent = self.school_links.get((mentor_school.id, mentee_school.id))
        link = MentoringLink(network_id=self.network.id, kind=kind, form=form, status=LinkStatus.ACTIVE.value,
                             mentor_school_id=mentor_school.id if mentor_school else None,
                             mentee_school_id=mentee_school.id if mentee_school else None,
                             parent_id=parent.id if parent is not None and (parent.id or 0) > 0 else None,
                             goals=goals, deficits=deficits or [],
                             directions=[d for d in (deficits or []) if d in vocab.DIRECTIONS],
                             subject=subject, starts_on=starts_on or self.today, ends_on=ends_on,
                             created_by_id=self.actor_id, created_at=self.clock.now())
        link.members = members
        self._add(link)
        await self._flush()
        self._id(link)
        self._index_link(link)
        self._count(self.result.links, self.seen_links, link.id, "created")
        return link

    # --- rows ------------------------------------------------------------------------------------------

    async def school_row(self, values: dict[str, str]) -> None:
        name = values.get("name", "")
        if not name.strip():
            raise _RowError("mentoring.import.problem.missing_school")
        status = vocab.school_status_code(values.get("status")) if values.get("status") else None
        if values.get("status") and status is None:
            self.warn("mentoring.import.problem.bad_status", value=values["status"])
        try:
            level = parse_level(values.get("level", ""))
        except DomainError as error:
            self.warn(error.key, **error.values)
            level = None
        await self.school(name, status=status, short_name=values.get("short_name") or None, level=level,
                          municipality=values.get("municipality") or None)

    async def _school_or_warn(self, name: str) -> School | None:
        if not (name or "").strip():
            return None
        school = self.find_school(name)
        if school is None:
            self.warn("mentoring.import.problem.unknown_school", school=name)
        else:
            self._count(self.result.schools, self.seen_schools, self._id(school), "unchanged")
        return school

    async def people_row(self, values: dict[str, str]) -> None:
        if not values.get("full_name", "").strip():
            raise _RowError("mentoring.import.problem.missing_name")
        school = await self._school_or_warn(values.get("school", ""))
        messenger_id = username = phone = None
        try:
            messenger_id, username = parse_telegram(values.get("telegram", ""))
        except DomainError as error:
            self.warn(error.key, **error.values)
        try:
            phone = parse_phone(values.get("phone", ""))
        except DomainError as error:
            self.warn(error.key, **error.values)
        roles, unknown = parse_roles(values.get("role", ""))
        if unknown:
            self.warn("mentoring.import.problem.unknown_role", value=values.get("role", ""))
        subjects = [vocab.subject_label(code) if (code := vocab.subject_code(s)) else s
                    for s in _split(values.get("subjects", ""))]
        capacity = None
        if values.get("capacity", "").strip():
            digits = re.sub(r"\D", "", values["capacity"])
            if digits and 0 <= int(digits) <= 50:
                capacity = int(digits)
            else:
                self.warn("mentoring.import.problem.bad_capacity", value=values["capacity"])
        directions = vocab.direction_codes(values.get("directions", ""))
        mentor_type = vocab.mentor_type_code(values.get("mentor_type")) if values.get("mentor_type") else None
        if directions or mentor_type:
            roles.add("mentor")
        await self.person(values["full_name"], school=school, position=self._text(values, "position", POSITION_LIMIT),
                          roles=roles,
                          subjects=list(dict.fromkeys(subjects)), messenger_id=messenger_id, username=username,
                          phone=phone, directions=directions, mentor_type=mentor_type, capacity=capacity)

    async def school_pair_row(self, values: dict[str, str]) -> None:
        mentee_name, mentor_name = values.get("mentee_school", ""), values.get("mentor_school", "")
        if not mentee_name.strip() or not mentor_name.strip():
            raise _RowError("mentoring.import.problem.missing_school")
        mentee_school = await self.school(mentee_name, promote=SchoolStatus.SHNOR.value)
        mentor_school = await self.school(mentor_name, promote=SchoolStatus.LEADER.value)
        assert mentee_school is not None and mentor_school is not None
        if mentee_school.id == mentor_school.id:
            raise _RowError("mentoring.import.problem.same_school", school=mentor_name)
        responsible = None
        name, position = values.get("responsible", "").strip(), self._text(values, "position", POSITION_LIMIT)
        if name:
            if position or self.find_person(name, mentor_school) is not None:
                responsible = await self.person(name, school=mentor_school, position=position, roles={"mentor"})
            else:
                self.warn("mentoring.import.problem.unknown_responsible", name=name)
        await self.link(kind=LinkKind.SCHOOL_SCHOOL.value, form=LinkForm.PARTNER.value, mentor=responsible,
                        mentee=None, mentor_school=mentor_school, mentee_school=mentee_school)

    def _pair_person(self, name: str, school: School | None, position: str | None) -> str:
        """Someone a pair row names: in the file or the network already, or new — only with a school and a
        position, what a new person needs. Otherwise the row is a problem shown in the preview."""
        try:
            full_name = normalize_full_name(name)
        except DomainError:
            raise _RowError("mentoring.import.problem.bad_name", value=name) from None
        if self._by_name(full_name, school) is None and (school is None or not position):
            raise _RowError("mentoring.import.problem.unknown_person", name=full_name)
        return full_name

    async def teacher_pair_row(self, values: dict[str, str]) -> None:
        if not values.get("mentor", "").strip() or not values.get("mentee", "").strip():
            raise _RowError("mentoring.import.problem.missing_person")
        mentor_school = await self._school_or_warn(values.get("mentor_school", ""))
        mentee_school = await self._school_or_warn(values.get("mentee_school", ""))
        mentor_position = self._text(values, "mentor_position", POSITION_LIMIT)
        mentee_position = self._text(values, "mentee_position", POSITION_LIMIT)
        # Both checked before either is written: a row with a problem changes nothing.
        mentor_name = self._pair_person(values["mentor"], mentor_school, mentor_position)
        mentee_name = self._pair_person(values["mentee"], mentee_school, mentee_position)
        if mentor_name == mentee_name and (None in (mentor_school, mentee_school) or mentor_school is mentee_school):
            raise _RowError("mentoring.import.problem.same_person", name=mentor_name)
        mentor = await self.person(mentor_name, school=mentor_school, position=mentor_position, roles={"mentor"})
        mentee = await self.person(mentee_name, school=mentee_school, position=mentee_position,
                                   roles={"participant"})
        if mentor.user.id == mentee.user.id:
            raise _RowError("mentoring.import.problem.same_person", name=values["mentor"])
        kind = vocab.kind_code(values.get("kind")) if values.get("kind") else None
        if kind is None or kind == LinkKind.SCHOOL_SCHOOL.value:
            positions = (mentor.user.position or "") + "|" + (mentee.user.position or "")
            kind = (LinkKind.LEADER_LEADER.value if positions.lower().count("директор") == 2
                    else LinkKind.TEACHER_TEACHER.value)
        form = vocab.form_code(values.get("form")) if values.get("form") else None
        if values.get("form") and form is None:
            self.warn("mentoring.import.problem.unknown_form", value=values["form"])
        starts_on = self._date(values.get("starts_on", ""))
        ends_on = self._date(values.get("ends_on", ""))
        subject = self._text(values, "subject", SUBJECT_LIMIT)
        if subject and (code := vocab.subject_code(subject)):
            subject = vocab.subject_label(code)
        await self.link(kind=kind, form=form or (LinkForm.GROUP.value if kind == LinkKind.GROUP.value
                                                 else LinkForm.TRADITIONAL.value),
                        mentor=mentor, mentee=mentee,
                        mentor_school=mentor_school or _school_of(self, mentor),
                        mentee_school=mentee_school or _school_of(self, mentee),
                        goals=(values.get("goals") or "").strip()[:2000] or None,
                        deficits=vocab.direction_codes(values.get("deficits", "")), subject=subject,
                        starts_on=starts_on, ends_on=ends_on)

    def _text(self, values: dict[str, str], name: str, limit: int) -> str | None:
        """A free-text cell as stored: trimmed, cut at the column's size with a note in the preview."""
        text = " ".join((values.get(name) or "").split())
        if len(text) > limit:
            self.warn("mentoring.import.problem.too_long", value=text, limit=limit)
            text = text[:limit]
        return text or None

    def _date(self, value: str) -> date | None:
        raw = (value or "").strip()
        if not raw:
            return None
        iso, match = ISO_RE.match(raw), DATE_RE.match(raw)
        try:
            if iso:
                return date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
            if match and match.group(3):
                year = match.group(3)
                return date(int(year) + (2000 if len(year) == 2 else 0), int(match.group(2)), int(match.group(1)))
        except ValueError:
            pass
        self.warn("mentoring.import.problem.bad_date", value=value)
        return None

    # --- problems ----------------------------------------------------------------------------------------

    current: tuple[str, int] = ("", 0)

    def warn(self, key: str, **values: Any) -> None:
        sheet, row = self.current
        self.result.problems.append(Problem(sheet, row, key, values, skipped=False))

    async def invites(self) -> None:
        for person in self.need_invite.values():
            user, membership = person.user, person.membership
            code = None
            if not self.dry_run:
                invite = await self.session.scalar(select(Invite).where(
                    Invite.target_user_id == user.id, Invite.network_id == self.network.id,
                    Invite.revoked.is_(False)).order_by(Invite.id.desc()).limit(1))
                valid = (invite is not None and (invite.uses_left is None or invite.uses_left > 0)
                         and (invite.expires_at is None or invite.expires_at > self.clock.now()))
                if not valid:
                    role = (Role.COORDINATOR if membership and membership.is_coordinator else
                            Role.MENTOR if membership and membership.is_mentor else Role.PARTICIPANT)
                    invite = await invite_service.create_invite(
                        self.session, network=self.network, role=role, clock=self.clock, uses=1,
                        expires_days=INVITE_DAYS, created_by_id=self.actor_id, target_user_id=user.id,
                        school_id=membership.school_id if membership else None)
                assert invite is not None
                code = invite.code
            self.result.invites.append(InviteNote(user.id, user.full_name or "", code))


def _split(cell: str) -> list[str]:
    for separator in (";", "\n", "|"):
        cell = (cell or "").replace(separator, ",")
    return [part.strip() for part in cell.split(",") if part.strip()]


def _school_of(importer: _Importer, person: _Person) -> School | None:
    school_id = person.membership.school_id if person.membership else None
    if school_id is None:
        return None
    return next((s for s in importer.schools.values() if s.id == school_id), None)


ORDER = {SCHOOLS: 0, SCHOOL_PAIRS: 1, PEOPLE: 2, TEACHER_PAIRS: 3}


async def run_import(session: AsyncSession, *, network_id: int, sheets: list[Sheet], clock: Clock,
                     actor_id: int | None = None, dry_run: bool = False, check_actor: bool = True,
                     progress: Progress | None = None) -> ImportResult:
    """Imports the recognised sheets (schools first, then school pairs, people, teacher pairs).

    `dry_run`: nothing is written; the result says what the import would do (the preview). A row with a
    problem marked `skipped` is not imported; other problems are caveats on imported rows.
    """
    if check_actor:
        if actor_id is None:
            raise DomainError("errors.forbidden")
        await require_coordinator(session, actor_id, network_id)
    network = await session.get(Network, network_id)
    if network is None:
        raise DomainError("errors.forbidden")
    importer = _Importer(session, network, clock, dry_run, actor_id)
    await importer.load()
    ordered = sorted(sheets, key=lambda s: ORDER[s.kind])
    total = sum(len(sheet.rows) for sheet in ordered)
    done = 0
    handlers = {SCHOOLS: importer.school_row, PEOPLE: importer.people_row, SCHOOL_PAIRS: importer.school_pair_row,
                TEACHER_PAIRS: importer.teacher_pair_row}
    for sheet in ordered:
        importer.result.sheets.append((sheet.name, sheet.kind, len(sheet.rows)))
        seen_rows: set[tuple[str, ...]] = set()
        for number, values in sheet.rows:
            importer.current = (sheet.name, number)
            fingerprint = tuple(search_key(values.get(k, "")) or "" for k in sorted(values))
            if fingerprint in seen_rows:
                importer.result.problems.append(Problem(sheet.name, number, "mentoring.import.problem.duplicate_row",
                                                        {}, skipped=True))
            else:
                seen_rows.add(fingerprint)
                try:
                    await handlers[sheet.kind](values)
                except _RowError as error:
                    importer.result.problems.append(Problem(sheet.name, number, error.key, error.values, skipped=True))
            done += 1
            if progress is not None and done % PROGRESS_EVERY == 0:
                await progress(done, total)
    await importer.invites()
    if not dry_run:
        await session.flush()
    if progress is not None:
        await progress(total, total)
    return importer.result
