"""«Аналитическая справка» — the document a coordinator hands to the municipality and the region (DOCX,
python-docx), or a school's own справка for its «самоанализ».

    result = await write_report(session, network, "справка.docx", clock, since=…, until=…, school_id=None,
                                progress=callback)

The numbers come from the same services as /stats and the workbook: the indicators are `network_card` /
`school_cards` as of the end of the period (the clock is set there), pairs and measures are counted by
bot/services/counting.py, forms by bot/services/forms/results.py. The period's own figures (sessions and
hours, events held, forms with a deadline in it, measures due in it) are counted over [since, until].

Layout follows the register of an official document (ГОСТ Р 7.0.97-2016 as schools use it): A4, margins
30/15/20/20 mm, Times New Roman 14 pt (12 pt in tables), a centred title, numbered sections, tables with
borders and a header row repeated on every page, page numbers at the top from the second page, the chart,
a conclusion built from the numbers, the signature line, and «Приложение» with a table per school and the
rules every number is counted by.
"""
from __future__ import annotations

import re

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import IO, Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.i18n import Translator
from bot.services.clock import Clock, FrozenClock
from bot.services.counting import ACTIVE, count_if, link_counts, measure_counts
from bot.services.errors import DomainError
from bot.services.export.events import event_state, turnout
from bot.services.forms.results import QuestionResult, request_results
from bot.services.mentoring import vocabulary as vocab
from bot.services.mentoring.reminders import quiet_since
from bot.services.monitoring import Card, network_card, school_card, school_cards
from bot.services.monitoring.periods import Period, local_midnight
from bot.services.monitoring.texts import definition_lines, school_status
from bot.services.xlsx import clean_text
from db.models import (Event, EventStatus, LinkMember, Membership, MentoringLink, MentoringSession, Network,
                       School, Side, User)
from db.models.forms import FormRequest, FormRequestStatus

FONT = "Times New Roman"
# The chat's colour emoji marks become plain signs in the document: LibreOffice and МойОфис print colour emoji
# blank, while these signs are in Word's Segoe UI Symbol and in the fonts LibreOffice falls back to (DejaVu Sans).
DOC_MARKS = {"✅": "✔", "⚠️": "⚠", "⚠": "⚠", "⏳": "○", "▫️": "–", "▫": "–"}
SYMBOL_FONT = "Segoe UI Symbol"
MARKS = "✔⚠○–"


_MARK_SPLIT = re.compile(f"([{MARKS}])")


def _symbol_font(run: Any) -> None:
    """A sign in a symbol font: left in the body font, LibreOffice falls back to a colour emoji font it prints blank."""
    run.font.name = SYMBOL_FONT
    fonts = run._r.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:cs", "w:eastAsia", "w:hAnsi"):
        fonts.set(qn(attribute), SYMBOL_FONT)


def doc_marks(text: str) -> str:
    for emoji, sign in DOC_MARKS.items():
        text = text.replace(emoji, sign)
    return text
BODY_PT, TABLE_PT = 14, 12
TEXTS_SHOWN = 5  # answers quoted per open question
QUIET_SHOWN = 50  # the quietest pairs listed; the count says how many there are, the workbook lists all
STEPS = ("numbers", "indicators", "chart", "roadmap", "forms", "schools", "document")

ProgressFn = Callable[[int, int, str], Awaitable[None]]


@dataclass
class ReportResult:
    network: str
    school: str | None
    since: date
    until: date
    card: Card
    seconds: float = 0.0
    sections: list[str] = field(default_factory=list)


def _p(t: Translator, key: str, /, **values: Any) -> str:
    """A translation as plain text (the document is not HTML)."""
    template = t.template(key)
    return doc_marks(template.format(**values) if values else template)


def _d(day: date | datetime | None) -> str:
    return day.strftime("%d.%m.%Y") if day is not None else "—"


def _pct(value: int, total: int) -> str:
    return f"{round(100 * value / total)}%" if total else "—"


# --- the document's bricks -----------------------------------------------------------------------------

class Doc:
    def __init__(self, t: Translator) -> None:
        self.t = t
        self.doc = Document()
        self.sections = 0
        self.subsections = 0
        section = self.doc.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.left_margin, section.right_margin = Cm(3), Cm(1.5)
        section.top_margin, section.bottom_margin = Cm(2), Cm(2)
        section.different_first_page_header_footer = True  # no number on the first page
        self._page_numbers(section)
        styles = self.doc.styles
        normal = styles["Normal"]
        normal.font.name, normal.font.size = FONT, Pt(BODY_PT)
        normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
        normal.paragraph_format.space_after = Pt(0)
        normal.paragraph_format.line_spacing = 1.15
        for name, size in (("Heading 1", BODY_PT), ("Heading 2", BODY_PT), ("Title", 16)):
            style = styles[name]
            style.font.name, style.font.size, style.font.bold = FONT, Pt(size), True
            style.font.color.rgb = None
            style.font.italic = False
            rpr = style.element.get_or_add_rPr()
            fonts = rpr.find(qn("w:rFonts"))
            if fonts is None:
                fonts = OxmlElement("w:rFonts")
                rpr.append(fonts)
            for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
                fonts.set(qn(attr), FONT)
            for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
                fonts.attrib.pop(qn(theme), None)
            style.paragraph_format.space_before = Pt(12)
            style.paragraph_format.space_after = Pt(6)
            style.paragraph_format.keep_with_next = True

    def _page_numbers(self, section: Any) -> None:
        paragraph = section.header.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run()
        for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
            if kind is not None:
                element = OxmlElement("w:fldChar")
                element.set(qn("w:fldCharType"), kind)
            else:
                element = OxmlElement("w:instrText")
                element.set(qn("xml:space"), "preserve")
                element.text = text
            run._r.append(element)
        run.font.name, run.font.size = FONT, Pt(12)

    def title(self, lines: Sequence[str]) -> None:
        for index, text in enumerate(lines):
            paragraph = self.doc.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = paragraph.add_run(clean_text(text))
            run.bold = index == 0
            run.font.size = Pt(16 if index == 0 else BODY_PT)
        self.doc.add_paragraph()

    def heading(self, text: str) -> None:
        self.sections += 1
        self.subsections = 0
        self.doc.add_heading(f"{self.sections}. {clean_text(text)}", level=1)

    def subheading(self, text: str) -> None:
        self.subsections += 1
        self.doc.add_heading(f"{self.sections}.{self.subsections}. {clean_text(text)}", level=2)

    def appendix(self, number: int, text: str) -> None:
        self.doc.add_page_break()
        paragraph = self.doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph.add_run(_p(self.t, "report.appendix", number=number))
        heading = self.doc.add_heading(clean_text(text), level=1)
        heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self.sections, self.subsections = 0, 0

    def text(self, text: str, *, indent: bool = True, bold: bool = False) -> None:
        paragraph = self.doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        if indent:
            paragraph.paragraph_format.first_line_indent = Cm(1.25)
        for part in _MARK_SPLIT.split(clean_text(text)):
            if part:
                run = paragraph.add_run(part)
                run.bold = bold
                if part in MARKS:
                    _symbol_font(run)

    def table(self, header: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[float]) -> None:
        """A bordered table, header row bold and repeated on every page; `widths` in centimetres."""
        table = self.doc.add_table(rows=1 + len(rows), cols=len(header))
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        layout = OxmlElement("w:tblLayout")
        layout.set(qn("w:type"), "fixed")  # the widths below, not a guess from the contents
        table._tbl.tblPr.append(layout)
        for column, width in zip(table.columns, widths):
            column.width = Cm(width)
        table_rows = list(table.rows)  # `table.rows[i]` walks every row: one pass instead of n²
        for index, row in enumerate(table_rows):
            properties = row._tr.get_or_add_trPr()
            keep = OxmlElement("w:cantSplit")  # a row never breaks across pages
            keep.set(qn("w:val"), "true")
            properties.append(keep)
            if index == 0:
                repeat = OxmlElement("w:tblHeader")  # the header row on every page
                repeat.set(qn("w:val"), "true")
                properties.append(repeat)
        for r, values in enumerate([header, *rows]):
            cells = table_rows[r].cells
            for c, value in enumerate(values):
                cell = cells[c]
                cell.width = Cm(widths[c])
                paragraph = cell.paragraphs[0]
                paragraph.paragraph_format.line_spacing = 1.0
                paragraph.paragraph_format.first_line_indent = None
                if r == 0 or (isinstance(value, (int, float)) and not isinstance(value, bool)):
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
                text = doc_marks(clean_text("" if value is None else str(value)))
                if r and text[:1] in MARKS and text[1:2] == " ":  # the sign in a symbol font, the words after it
                    mark, text = text.split(" ", 1)
                    symbol = paragraph.add_run(mark + " ")
                    symbol.font.size = Pt(TABLE_PT)
                    _symbol_font(symbol)
                run = paragraph.add_run(text)
                run.font.size = Pt(TABLE_PT)
                run.bold = r == 0
        self.doc.add_paragraph()

    def picture(self, png: bytes, width_cm: float = 16.5, max_height_cm: float = 21.0) -> None:
        """The picture centred, as wide as the text, yet never taller than the page can hold."""
        from PIL import Image

        with Image.open(BytesIO(png)) as image:
            w, h = image.size
        self.doc.add_picture(BytesIO(png), width=Cm(min(width_cm, max_height_cm * w / h)))
        self.doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER

    def caption(self, text: str) -> None:
        paragraph = self.doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(clean_text(text))
        run.italic = True
        run.font.size = Pt(TABLE_PT)

    def signature(self, role: str, day: date) -> None:
        self.doc.add_paragraph()
        paragraph = self.doc.add_paragraph()
        paragraph.paragraph_format.keep_with_next = True
        paragraph.add_run(f"{role}\t____________\t/ ______________ /")
        stops = paragraph.paragraph_format.tab_stops
        stops.add_tab_stop(Cm(8))
        stops.add_tab_stop(Cm(11.5))
        self.doc.add_paragraph().add_run(_d(day))

    def save(self, out: str | Path | IO[bytes]) -> None:
        self.doc.core_properties.author = "Сетевой наставник"
        self.doc.save(out)


# --- what the period holds -------------------------------------------------------------------------------

@dataclass
class Window:
    since: date
    until: date
    tz: Any

    @property
    def start(self) -> datetime:
        return local_midnight(self.since, self.tz)

    @property
    def end(self) -> datetime:  # exclusive
        return local_midnight(self.until + timedelta(days=1), self.tz)


async def _numbers(session: AsyncSession, network: Network, w: Window, school_id: int | None,
                   t: Translator) -> list[tuple[str, str]]:
    nid = network.id
    rows: list[tuple[str, str]] = []
    if school_id is None:
        by_status = dict((await session.execute(select(School.status, func.count()).where(
            School.network_id == nid).group_by(School.status))).all())
        parts = ", ".join(_p(t, "report.numbers.of_status", status=school_status(status, t), count=n)
                          for status, n in sorted(by_status.items(), key=lambda kv: (-kv[1], kv[0])))
        rows.append((_p(t, "report.numbers.schools"), f"{sum(by_status.values())}" + (f" ({parts})" if parts else "")))
    m = Membership
    where = [m.network_id == nid, m.is_active.is_(True), User.forgotten_at.is_(None)]
    if school_id is not None:
        where.append(m.school_id == school_id)
    people, mentors, participants = (await session.execute(
        select(func.count(), count_if(m.is_mentor.is_(True)), count_if(m.is_participant.is_(True)))
        .select_from(m).join(User, User.id == m.user_id).where(*where))).one()
    rows.append((_p(t, "report.numbers.people"), _p(t, "report.numbers.people_value", total=people,
                                                    participants=participants, mentors=mentors)))
    if school_id is None:
        links = await link_counts(session, nid)
        by_kind = (await session.execute(select(MentoringLink.kind, func.count(), count_if(MentoringLink.status == ACTIVE))
                                         .where(MentoringLink.network_id == nid).group_by(MentoringLink.kind))).all()
        rows.append((_p(t, "report.numbers.links"), _p(t, "report.numbers.links_value", active=links.active,
                                                       total=links.total)))
        for kind, total, active in sorted(by_kind, key=lambda r: -r[1]):
            rows.append((_p(t, "report.numbers.kind", kind=t(f"mentoring.kind.{kind}")),
                         _p(t, "report.numbers.links_value", active=active, total=total)))
    s = MentoringSession
    in_window = [s.network_id == nid, s.held_on >= w.since, s.held_on <= w.until]
    if school_id is not None:
        in_window.append(s.link_id.in_(select(MentoringLink.id).where(
            MentoringLink.network_id == nid,
            (MentoringLink.mentor_school_id == school_id) | (MentoringLink.mentee_school_id == school_id)
            | MentoringLink.id.in_(select(LinkMember.link_id).join(
                Membership, and_(Membership.user_id == LinkMember.user_id, Membership.network_id == nid))
                .where(Membership.school_id == school_id)))))
    sessions, minutes = (await session.execute(select(func.count(), func.coalesce(func.sum(s.duration_min), 0))
                                               .where(*in_window))).one()
    rows.append((_p(t, "report.numbers.sessions"), _p(t, "report.numbers.sessions_value", count=sessions,
                                                      hours=f"{(minutes or 0) / 60:.1f}".replace(".", ","))))
    return rows


def _indicator_rows(card: Card, t: Translator) -> list[tuple[Any, ...]]:
    from bot.services.monitoring.texts import mark, name, status_text, target_text, value_text

    rows = []
    for number, i in enumerate(card.indicators, start=1):
        value = value_text(i, t)
        if i.is_share and i.total:
            value += f" ({i.value} из {i.total})" if t.language == "ru" else f" ({i.value} of {i.total})"
        rows.append((number, name(i, t), value, target_text(i, t), f"{mark(i, t)} {status_text(i, t)}"))
    return rows


async def _measures(session: AsyncSession, network: Network, w: Window) -> tuple[list[Event], list[Event]]:
    stmt = (select(Event).where(Event.network_id == network.id, Event.is_task.is_(True),
                                Event.status != EventStatus.CANCELLED.value, Event.ends_at >= w.start,
                                Event.ends_at < w.end)
            .order_by(Event.ends_at, Event.id))
    measures = list((await session.scalars(stmt)).all())
    return [m for m in measures if m.done_at is not None], [m for m in measures if m.done_at is None]


async def _events(session: AsyncSession, network: Network, w: Window, now: datetime,
                  t: Translator) -> list[tuple[Any, ...]]:
    events = list((await session.scalars(
        select(Event).where(Event.network_id == network.id, Event.is_task.is_(False),
                            Event.status != EventStatus.CANCELLED.value, Event.ends_at >= w.start,
                            Event.ends_at < w.end, Event.ends_at <= now)
        .order_by(Event.starts_at, Event.id))).all())
    held = [e for e in events if event_state(e, now) == "held"]
    if not held:
        return []
    going, came = await turnout(session, [e.id for e in held])
    rows = []
    for number, e in enumerate(held, start=1):
        start = (e.starts_at or e.ends_at).astimezone(w.tz)
        signed, present = int(going.get(e.id, 0)), int(came.get(e.id, 0))
        rows.append((number, (f"{e.number} " if e.number else "") + e.title, _d(start),
                     t(f"events.kinds.{e.kind}") if t.has(f"events.kinds.{e.kind}") else e.kind, signed,
                     present if present else "—", _pct(present, max(signed, present)) if present else "—"))
    return rows


async def _quiet(session: AsyncSession, network: Network, today: date,
                 school_id: int | None) -> list[tuple[Any, ...]]:
    weeks = vocab.quiet_weeks(network)
    before = today - timedelta(weeks=weeks)
    stmt = (select(MentoringLink).where(MentoringLink.network_id == network.id, MentoringLink.status == ACTIVE)
            .options(selectinload(MentoringLink.members).selectinload(LinkMember.user))
            .order_by(MentoringLink.id))
    rows = []
    names = {sid: short or name for sid, name, short in (await session.execute(
        select(School.id, School.name, School.short_name).where(School.network_id == network.id))).all()}
    schools = dict((await session.execute(select(Membership.user_id, Membership.school_id).where(
        Membership.network_id == network.id))).all()) if school_id is not None else {}
    for link in (await session.scalars(stmt)).all():
        since = quiet_since(link)
        if since > before:
            continue
        if school_id is not None and school_id not in (link.mentor_school_id, link.mentee_school_id) and not any(
                schools.get(member.user_id) == school_id for member in link.members):
            continue
        # People if the link has them, else its schools (a «Школа – школе» link joins schools).
        mentors = "; ".join(u.full_name or "—" for u in link.people(Side.MENTOR)) or names.get(
            link.mentor_school_id, "—")
        mentees = "; ".join(u.full_name or "—" for u in link.people(Side.MENTEE)) or names.get(
            link.mentee_school_id, "—")
        rows.append((link.id, mentors, mentees, _d(link.last_session_on), (today - since).days // 7))
    return rows


async def _forms(session: AsyncSession, network: Network, w: Window) -> list[Any]:
    """Requests (not cancelled) with a deadline in the period, and those still open whose deadline is later."""
    requests = list((await session.scalars(
        select(FormRequest).where(FormRequest.network_id == network.id,
                                  FormRequest.status != FormRequestStatus.CANCELLED.value,
                                  FormRequest.deadline >= w.start,
                                  (FormRequest.deadline < w.end)
                                  | (FormRequest.status == FormRequestStatus.OPEN.value))
        .order_by(FormRequest.deadline, FormRequest.id))).all())
    return [await request_results(session, r) for r in requests]


def _question_rows(results: Sequence[QuestionResult], t: Translator) -> list[tuple[Any, ...]]:
    rows = []
    for number, r in enumerate(results, start=1):
        q = r.question
        if q.type in ("scale", "number"):
            summary = _p(t, "report.forms.average", value=f"{r.average:.2f}".replace(".", ",")) \
                if r.average is not None else "—"
            if q.type == "scale":
                summary += "; " + ", ".join(f"{mark} — {n}" for mark, n in r.distribution())
        elif q.type in ("single", "multi", "yesno"):
            summary = "; ".join(f"{t('forms.yes') if o == 'yes' else t('forms.no') if o == 'no' else o} — {n}"
                                f" ({_pct(n, r.answered)})" for o, n in r.distribution()) or "—"
        else:
            shown = [f"«{text[:300]}»" for text in r.texts[:TEXTS_SHOWN]]
            summary = "; ".join(shown) or "—"
            if len(r.texts) > TEXTS_SHOWN:
                summary += " " + _p(t, "report.forms.more_texts", count=len(r.texts) - TEXTS_SHOWN)
        rows.append((number, q.text, r.answered, summary))
    return rows


def _conclusion(card: Card, events: list[tuple[Any, ...]], quiet: list[tuple[Any, ...]], t: Translator,
                done: int, due: int) -> list[str]:
    from bot.services.monitoring.texts import name, target_text, value_text

    judged = [i for i in card.indicators if i.status in ("ok", "behind", "pending")]
    ok = [i for i in judged if i.status == "ok"]
    behind = [i for i in judged if i.status == "behind"]
    pending = [i for i in judged if i.status == "pending"]
    if ok:
        lines = [_p(t, "report.conclusion.reached", ok=len(ok), total=len(judged),
                    names=", ".join(f"«{name(i, t)}» ({value_text(i, t)})" for i in ok))]
    else:
        lines = [_p(t, "report.conclusion.none_reached", total=len(judged))]
    for i in behind:
        lines.append(_p(t, "report.conclusion.behind", name=name(i, t), value=value_text(i, t),
                        target=target_text(i, t), advice=_p(t, f"report.advice.{i.key}")))
    if pending:
        lines.append(_p(t, "report.conclusion.pending",
                        names=", ".join(f"«{name(i, t)}» ({value_text(i, t)})" for i in pending)))
    if events:
        present = sum(r[5] for r in events if isinstance(r[5], int))
        signed = sum(max(r[4], r[5] if isinstance(r[5], int) else 0) for r in events if isinstance(r[5], int))
        lines.append(_p(t, "report.conclusion.events", count=len(events),
                        attendance=_pct(present, signed) if signed else _p(t, "report.conclusion.not_marked")))
    if due:
        lines.append(_p(t, "report.conclusion.measures", done=done, total=due))
    if quiet:
        lines.append(_p(t, "report.conclusion.quiet", count=len(quiet)))
    if not behind and not quiet:
        lines.append(_p(t, "report.conclusion.all_good"))
    return lines


# --- the whole document ------------------------------------------------------------------------------

async def find_school(session: AsyncSession, network: Network, text: str) -> School:
    """A school of the network by its name or short name (exact, else the only one containing the text)."""
    wanted = text.strip().casefold()
    schools = list((await session.scalars(select(School).where(School.network_id == network.id))).all())
    exact = [s for s in schools if wanted in (s.name.casefold(), (s.short_name or "").casefold())]
    found = exact or [s for s in schools if wanted and (wanted in s.name.casefold()
                                                         or wanted in (s.short_name or "").casefold())]
    if len(found) != 1:
        raise DomainError("report.school_not_found" if not found else "report.school_ambiguous", name=text,
                          count=len(found))
    return found[0]


def default_window(network: Network, now: datetime) -> tuple[date, date]:
    p = Period.of(network, now)
    return p.year_start, p.today


async def write_report(session: AsyncSession, network: Network, out: str | Path | IO[bytes], clock: Clock, *,
                       since: date | None = None, until: date | None = None, school_id: int | None = None,
                       language: str = "ru", progress: ProgressFn | None = None) -> ReportResult:
    started = time.perf_counter()
    t = Translator(language)
    real_now = clock.now()
    first, last = default_window(network, real_now)
    since, until = since or first, until or last
    if until < since:
        raise DomainError("report.bad_period")
    period_now = Period.of(network, real_now)
    # The indicators as of the end of the period (or now, if it ends today or later).
    end_moment = min(real_now, local_midnight(until + timedelta(days=1), period_now.tz) - timedelta(seconds=1))
    as_of = FrozenClock(end_moment)
    w = Window(since, until, period_now.tz)
    school = await session.get(School, school_id) if school_id is not None else None
    if school_id is not None and (school is None or school.network_id != network.id):
        raise DomainError("monitoring.school_not_found")

    async def step(index: int) -> None:
        if progress is not None:
            await progress(index + 1, len(STEPS), STEPS[index])

    await step(0)
    numbers = await _numbers(session, network, w, school_id, t)
    await step(1)
    card = await (school_card(session, network, school_id, as_of) if school_id is not None
                  else network_card(session, network, as_of))
    result = ReportResult(network=network.name, school=school.display_name if school else None, since=since,
                          until=until, card=card)
    await step(2)
    from bot.services.monitoring import render_chart

    png = await asyncio.to_thread(render_chart, card, t)
    await step(3)
    done, open_ = await _measures(session, network, w) if school_id is None else ([], [])
    p_end = Period.of(network, end_moment)
    year_measures = await measure_counts(session, network.id, p_end)
    events = await _events(session, network, w, end_moment, t) if school_id is None else []
    quiet = await _quiet(session, network, p_end.today, school_id)
    await step(4)
    forms = await _forms(session, network, w) if school_id is None else []
    await step(5)
    per_school = list((await school_cards(session, network, as_of)).values()) if school_id is None else []
    await step(6)

    doc = Doc(t)
    title = [_p(t, "report.title")]
    if school is not None:
        title += [_p(t, "report.subtitle_school", school=school.name, network=network.name)]
    else:
        title += [_p(t, "report.subtitle", network=network.name)]
    title.append(_p(t, "report.period", since=_d(since), until=_d(until)))
    doc.title(title)

    doc.heading(_p(t, "report.sections.numbers"))
    doc.text(_p(t, "report.numbers.intro", date=_d(p_end.today), year=p_end.label))
    doc.table([_p(t, "report.columns.what"), _p(t, "report.columns.value")], numbers, [9, 7.5])
    result.sections.append("numbers")

    doc.heading(_p(t, "report.sections.indicators"))
    doc.text(_p(t, "report.indicators.intro", date=_d(p_end.today)))
    doc.table([_p(t, "report.columns.number"), _p(t, "report.columns.indicator"), _p(t, "report.columns.value"),
               _p(t, "report.columns.target"), _p(t, "report.columns.mark")],
              _indicator_rows(card, t), [1, 5.5, 3.5, 3, 3.5])
    doc.picture(png)
    doc.caption(_p(t, "report.indicators.chart", date=_d(p_end.today)))
    doc.text(_p(t, "report.indicators.rules"))
    result.sections.append("indicators")

    if school_id is None:
        doc.heading(_p(t, "report.sections.roadmap"))
        doc.text(_p(t, "report.roadmap.year", year=p_end.label, done=year_measures.done_end,
                    total=year_measures.year, all=year_measures.all, undated=year_measures.undated))
        doc.text(_p(t, "report.roadmap.period", done=len(done), total=len(done) + len(open_)))
        if done:
            doc.subheading(_p(t, "report.roadmap.done"))
            doc.table([_p(t, "report.columns.number"), _p(t, "report.columns.measure"),
                       _p(t, "report.columns.deadline"), _p(t, "report.columns.done_at")],
                      [(m.number or "—", m.title, _d((m.ends_at - timedelta(seconds=1)).astimezone(w.tz)),
                        _d(m.done_at.astimezone(w.tz))) for m in done], [1.5, 9, 3, 3])
        if open_:
            doc.subheading(_p(t, "report.roadmap.open"))
            doc.table([_p(t, "report.columns.number"), _p(t, "report.columns.measure"),
                       _p(t, "report.columns.deadline"), _p(t, "report.columns.responsible")],
                      [(m.number or "—", m.title, _d((m.ends_at - timedelta(seconds=1)).astimezone(w.tz)),
                        m.responsible or "—") for m in open_], [1.5, 8, 3, 4])
        result.sections.append("roadmap")

        doc.heading(_p(t, "report.sections.events"))
        if events:
            doc.table([_p(t, "report.columns.number"), _p(t, "report.columns.event"), _p(t, "report.columns.date"),
                       _p(t, "report.columns.kind"), _p(t, "report.columns.signed"),
                       _p(t, "report.columns.present"), _p(t, "report.columns.attendance")],
                      events, [1, 5.5, 2.5, 2.5, 1.8, 1.8, 1.9])
            doc.text(_p(t, "report.events.note"))
        else:
            doc.text(_p(t, "report.events.none"))
        result.sections.append("events")

        doc.heading(_p(t, "report.sections.forms"))
        if not forms:
            doc.text(_p(t, "report.forms.none"))
        for found in forms:
            r = found.request
            doc.subheading(_p(t, "report.forms.title", title=r.title, deadline=_d(r.deadline.astimezone(w.tz))))
            doc.text(_p(t, "report.forms.answered", submitted=found.submitted, asked=found.asked,
                        percent=found.percent))
            if found.questions and found.submitted:
                doc.table([_p(t, "report.columns.number"), _p(t, "report.columns.question"),
                           _p(t, "report.columns.answers"), _p(t, "report.columns.results")],
                          _question_rows(found.questions, t), [1, 5.5, 2, 8])
        result.sections.append("forms")

    doc.heading(_p(t, "report.sections.quiet", weeks=vocab.quiet_weeks(network)))
    if quiet:
        doc.text(_p(t, "report.quiet.count", count=len(quiet)))
        doc.table([_p(t, "report.columns.link"), _p(t, "report.columns.mentors"), _p(t, "report.columns.mentees"),
                   _p(t, "report.columns.last_session"), _p(t, "report.columns.weeks")],
                  sorted(quiet, key=lambda row: -row[4])[:QUIET_SHOWN], [1.8, 5, 5, 2.7, 2])
        if len(quiet) > QUIET_SHOWN:
            doc.text(_p(t, "report.quiet.more", shown=QUIET_SHOWN, count=len(quiet)))
    else:
        doc.text(_p(t, "report.quiet.none"))
    result.sections.append("quiet")

    doc.heading(_p(t, "report.sections.conclusion"))
    for number, line in enumerate(_conclusion(card, events, quiet, t, year_measures.due_done, year_measures.due),
                                  start=1):
        doc.text(f"{number}) {line}")
    result.sections.append("conclusion")
    doc.signature(_p(t, "report.signature_school" if school is not None else "report.signature"), p_end.today)

    appendix = 1
    if per_school:
        doc.appendix(appendix, _p(t, "report.appendix_schools"))
        for number, school_card_ in enumerate(per_school, start=1):
            heading = _p(t, "report.school_heading", number=number, school=school_card_.school_name or "",
                         status=school_status(school_card_.school_status, t))
            doc.doc.add_heading(clean_text(heading), level=2)
            doc.table([_p(t, "report.columns.indicator"), _p(t, "report.columns.value"),
                       _p(t, "report.columns.target"), _p(t, "report.columns.mark")],
                      [row[1:] for row in _indicator_rows(school_card_, t)], [6, 4, 3, 3.5])
        appendix += 1
        result.sections.append("schools")
    doc.appendix(appendix, _p(t, "report.appendix_rules"))
    for what, how in definition_lines(t):
        doc.text(f"{what}. {how}")
    await asyncio.to_thread(doc.save, out)
    result.seconds = time.perf_counter() - started
    return result


__all__ = ["ReportResult", "STEPS", "default_window", "find_school", "write_report"]
