"""What the answers to a form request add up to: per question, how many answered, the average of marks and
numbers, the distribution of choices and yes/no, and the texts — for the status board in the chat and the
«Аналитическая справка». Sent answers only (a draft is not an answer yet). One pass over the responses.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.services.forms.definitions import Question
from bot.services.pagination import Page
from bot.services.forms.library import definition_of
from db.models.forms import Form, FormRequest, FormResponse

TEXTS_KEPT = 200  # texts kept per question (the chat shows a page of them; the справка a few)


@dataclass
class QuestionResult:
    question: Question
    answered: int = 0
    total: float = 0.0  # sum of marks or numbers
    counts: dict[str, int] = field(default_factory=dict)  # option (or mark, or да/нет) → answers
    texts: list[str] = field(default_factory=list)

    @property
    def average(self) -> float | None:
        if self.question.type not in ("scale", "number") or not self.answered:
            return None
        return self.total / self.answered

    def distribution(self) -> list[tuple[str, int]]:
        """Every option (every mark of a scale) in its order, with its count — zeros included."""
        q = self.question
        if q.type in ("single", "multi"):
            known = [(o, self.counts.get(o, 0)) for o in q.options]
            extra = [(o, n) for o, n in self.counts.items() if o not in q.options]
            return known + extra
        if q.type == "scale":
            return [(str(mark), self.counts.get(str(mark), 0)) for mark in q.scale_range]
        if q.type == "yesno":
            return [("yes", self.counts.get("yes", 0)), ("no", self.counts.get("no", 0))]
        return []


@dataclass
class RequestResults:
    request: FormRequest
    asked: int
    submitted: int
    questions: list[QuestionResult]

    @property
    def percent(self) -> int:
        return round(100 * self.submitted / self.asked) if self.asked else 0


def _add(result: QuestionResult, value: Any) -> None:
    q = result.question
    if value is None or value == "" or value == []:
        return
    result.answered += 1
    if q.type in ("scale", "number") and isinstance(value, (int, float)) and not isinstance(value, bool):
        result.total += float(value)
        if q.type == "scale":
            result.counts[str(int(value))] = result.counts.get(str(int(value)), 0) + 1
    elif q.type == "single":
        result.counts[str(value)] = result.counts.get(str(value), 0) + 1
    elif q.type == "multi":
        for option in value if isinstance(value, list) else [value]:
            result.counts[str(option)] = result.counts.get(str(option), 0) + 1
    elif q.type == "yesno":
        key = "yes" if value else "no"
        result.counts[key] = result.counts.get(key, 0) + 1
    elif len(result.texts) < TEXTS_KEPT:
        result.texts.append(str(value))


async def request_results(session: AsyncSession, request: FormRequest) -> RequestResults:
    form = await session.get(Form, request.form_id)
    questions = [QuestionResult(q) for q in (definition_of(form).questions if form is not None else ())]
    by_id = {r.question.id: r for r in questions}
    asked = submitted = 0
    stream = await session.stream(select(FormResponse.submitted_at, FormResponse.answers)
                                  .where(FormResponse.request_id == request.id)
                                  .order_by(FormResponse.submitted_at, FormResponse.id)
                                  .execution_options(yield_per=1000))
    async for partition in stream.partitions(1000):  # one await per batch, not per row
        for submitted_at, answers in partition:
            asked += 1
            if submitted_at is None:
                continue
            submitted += 1
            for key, value in (answers or {}).items():
                if key in by_id:
                    _add(by_id[key], value)
    return RequestResults(request=request, asked=asked, submitted=submitted, questions=questions)


QUESTIONS_PER_PAGE = 4
TEXTS_PER_QUESTION = 8
BAR_WIDTH = 10


def _bar(count: int, most: int) -> str:
    filled = round(BAR_WIDTH * count / most) if most else 0
    return "▇" * filled + "▁" * (BAR_WIDTH - filled)


def results_page(results: RequestResults, page: int) -> Page[QuestionResult]:
    total = len(results.questions)
    pages = max(1, -(-total // QUESTIONS_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    items = results.questions[page * QUESTIONS_PER_PAGE:(page + 1) * QUESTIONS_PER_PAGE]
    return Page(items=items, page=page, pages=pages, total=total)


def results_lines(results: RequestResults, page: Page[QuestionResult], t: Translator) -> list[str]:
    """The answers in short: averages, a bar per option or mark, and the texts (HTML, values escaped)."""
    lines = [t("forms.results.title", title=results.request.title),
             t("forms.results.answered", done=results.submitted, total=results.asked, percent=results.percent)]
    if not results.submitted:
        return [*lines, "", t("forms.results.none")]
    first = page.page * QUESTIONS_PER_PAGE
    for number, r in enumerate(page.items, start=first + 1):
        lines += ["", t("forms.results.question", number=number, text=r.question.text, count=r.answered)]
        if r.average is not None:
            lines.append(t("forms.results.average", value=f"{r.average:.2f}".replace(".", ",")))
        distribution = r.distribution()
        most = max((n for _, n in distribution), default=0)
        for option, count in distribution:
            label = t("forms.yes") if option == "yes" and r.question.type == "yesno" else \
                t("forms.no") if option == "no" and r.question.type == "yesno" else option
            percent = round(100 * count / r.answered) if r.answered else 0
            lines.append(t("forms.results.option", bar=_bar(count, most), option=label, count=count, percent=percent))
        for text in r.texts[:TEXTS_PER_QUESTION]:
            lines.append(t("forms.results.text", text=text[:300]))
        if len(r.texts) > TEXTS_PER_QUESTION:
            lines.append(t("forms.results.more_texts", count=len(r.texts) - TEXTS_PER_QUESTION))
    return lines
