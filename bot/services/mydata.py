"""/mydata as a person reads it: a Word document in their language — the profile, networks, sessions, events and
form answers with the questions' own wording, codes turned into words. The JSON (`privacy.export_as_json`) is sent
beside it for programs."""
from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator, plain
from db.models import User
from db.models.forms import Form, FormRequest, FormResponse

FILE_NAME = "moi-dannye.docx"


_ZONE: ZoneInfo = ZoneInfo("Europe/Moscow")


def _local(value: Any, tz: ZoneInfo | None = None) -> str:
    """A date or moment as people write it, moments in the network's time."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return (value.astimezone(tz or _ZONE) if value.tzinfo else value).strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    return ""


def _word(t: Translator, key: str, fallback: Any = "") -> str:
    return plain(key, t.language) if t.has(key) else str(fallback or "")


def _answer(value: Any, t: Translator) -> str:
    if isinstance(value, bool):
        return plain("mydata.yes" if value else "mydata.no", t.language)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


async def _answers(session: AsyncSession, user: User) -> list[tuple[str, datetime | None, list[tuple[str, Any]]]]:
    """(form, submitted, [(question, answer)]) — the questions as the form asked them."""
    rows = (await session.execute(
        select(FormRequest.title, Form.title, Form.definition, FormResponse.answers, FormResponse.submitted_at)
        .join(FormRequest, FormRequest.id == FormResponse.request_id).join(Form, Form.id == FormRequest.form_id)
        .where(FormResponse.user_id == user.id).order_by(FormResponse.id))).all()
    found = []
    for request_title, form_title, definition, answers, submitted in rows:
        texts = {q.get("id"): q.get("text") or q.get("id") for q in (definition or {}).get("questions") or ()}
        pairs = [(str(texts.get(key, key)), value) for key, value in (answers or {}).items()]
        found.append((request_title or form_title, submitted, pairs))
    return found


TEXT_WIDTH_CM = 17.0  # A4 with 2 cm margins
TABLE_PT = 9  # table text: a session row has seven columns
CHAR_CM = 0.23  # a Cyrillic character at TABLE_PT (DejaVu Serif, LibreOffice's stand-in, is among the widest)
PAD_CM = 0.4  # the cell's margins


def column_widths(header: Sequence[str], rows: Sequence[Sequence[str]], total: float = TEXT_WIDTH_CM) -> list[float]:
    """Widths (cm) that keep every column's longest word whole (dates, «Олимпиадные», «Комментарий» were broken
    mid-word in equal columns) and give the rest of the line to the columns with more text."""
    columns = list(zip(header, *rows)) if rows else [(h,) for h in header]
    need, want = [], []
    for cells in columns:
        body = [word for cell in cells[1:] for word in str(cell).split()] or ["—"]
        head = max(len(word) for word in str(cells[0]).split() or ["—"]) * 1.15  # the header is bold
        need.append(max(6, head, *(len(word) for word in body)) * CHAR_CM + PAD_CM)
        lengths = [len(str(cell)) for cell in cells[1:]] or [len(str(cells[0]))]
        want.append(min(40, max(lengths)) * CHAR_CM + PAD_CM)
    if sum(need) >= total:
        return [width * total / sum(need) for width in need]
    spare, extra = total - sum(need), [max(0.0, w - n) for w, n in zip(want, need)]
    if not sum(extra):
        return [n + spare / len(need) for n in need]
    return [n + spare * e / sum(extra) for n, e in zip(need, extra)]


def _table(document: Any, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    from docx.shared import Cm, Pt

    rows = list(rows)
    table = document.add_table(rows=1 + len(rows), cols=len(header))
    table.style = "Table Grid"
    table.autofit = False
    widths = column_widths(header, rows)
    for column, width in zip(table.columns, widths):
        column.width = Cm(width)  # the grid LibreOffice reads…
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row, values in zip(table.rows[1:], rows):
        for cell, text in zip(row.cells, values):
            cell.text = text
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = Cm(width)  # …and the cell widths Word reads
            for run in (run for paragraph in cell.paragraphs for run in paragraph.runs):
                run.font.size = Pt(TABLE_PT)


async def document(session: AsyncSession, user: User, data: dict[str, Any], t: Translator, now: datetime,
                   tz: ZoneInfo | None = None) -> bytes:
    """The person's data (`privacy.export_user_data`) as a readable document; moments in `tz`."""
    import docx  # local: python-docx is loaded only when someone asks for their data

    def _day(value: Any) -> str:
        return _local(value, tz)

    def w(key: str, **values: Any) -> str:
        return plain(f"mydata.{key}", t.language, **values)

    doc = docx.Document()
    from docx.shared import Cm

    for section in doc.sections:  # A4 with 2 cm margins, as Russian documents are printed
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2)
    doc.add_heading(w("title"), level=0)
    doc.add_paragraph(w("made", date=_day(now)))

    profile = data.get("profile") or {}
    muted = [_word(t, f"settings.topics.{topic}", topic) for topic in (profile.get("notification_prefs") or {}).get(
        "mute") or []]
    doc.add_heading(w("profile"), level=1)
    _table(doc, [w("field"), w("value")], [
        (w("full_name"), profile.get("full_name") or ""),
        (w("position"), profile.get("position") or ""),
        (w("subjects"), ", ".join(profile.get("subjects") or [])),
        (w("phone"), profile.get("phone") or ""),
        (w("account", messenger=t(f"messengers.{profile.get('platform') or 'telegram'}")),
         f"@{profile['username']}" if profile.get("username") else str(profile.get("messenger_id") or "")),
        (w("language"), _word(t, f"mydata.languages.{profile.get('language')}", profile.get("language"))),
        (w("consent"), _day(profile.get("consent_at"))),
        (w("muted"), ", ".join(muted) or w("nothing_muted")),
    ])

    doc.add_heading(w("networks"), level=1)
    _table(doc, [w("network"), w("school"), w("roles"), w("state"), w("since")], [
        (m.get("network") or "", m.get("school") or "", ", ".join(_word(t, f"roles.{r}", r) for r in m.get("roles") or []),
         w("active") if m.get("active") else w("inactive"), _day(m.get("joined_at")))
        for m in data.get("memberships") or []])

    sessions = data.get("mentoring_sessions") or []
    doc.add_heading(w("sessions", count=len(sessions)), level=1)
    if sessions:
        _table(doc, [w("date"), w("topic"), w("format"), w("minutes"), w("note"), w("rating"), w("comment")], [
            (_day(s.get("date")), s.get("topic") or "", _word(t, f"mentoring.format.{s.get('format')}", s.get("format")),
             str(s.get("duration_min") or ""), s.get("note") or "", str(s.get("rating") or ""), s.get("comment") or "")
            for s in sessions])

    signups = data.get("event_signups") or []
    attended = data.get("attendance") or []
    doc.add_heading(w("events", count=len(signups)), level=1)
    if signups:
        _table(doc, [w("event"), w("answer"), w("when")], [
            (e.get("event") or "", _word(t, f"mydata.signup.{e.get('status')}", e.get("status")), _day(e.get("at")))
            for e in signups])
    if attended:
        doc.add_paragraph(w("attended", count=len(attended)))
        _table(doc, [w("event"), w("when")], [(e.get("event") or "", _day(e.get("at"))) for e in attended])

    forms = await _answers(session, user)
    doc.add_heading(w("forms", count=len(forms)), level=1)
    for title, submitted, pairs in forms:
        doc.add_heading(title, level=2)
        doc.add_paragraph(w("submitted", date=_day(submitted)) if submitted else w("not_submitted"))
        if pairs:
            _table(doc, [w("question"), w("your_answer")], [(q, _answer(a, t)) for q, a in pairs])

    requests = data.get("join_requests") or []
    if requests:
        doc.add_heading(w("requests"), level=1)
        _table(doc, [w("status"), w("when")], [
            (_word(t, f"mydata.request.{r.get('status')}", r.get("status")), _day(r.get("created_at")))
            for r in requests])

    doc.add_paragraph(w("footer"))
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
