"""How indicators read — one set of words for the chat card, the chart's caption and the «Показатели»
sheet, so a number never reads one way in the chat and another in the workbook."""
from __future__ import annotations

from collections.abc import Mapping

from bot.i18n import Translator
from bot.services.monitoring.indicators import Card, Indicator
from bot.services.monitoring.periods import Period
from bot.services.monitoring.personal import Personal
from bot.services.monitoring.targets import ORDER


def mark(indicator: Indicator, t: Translator) -> str:
    return t(f"monitoring.marks.{indicator.status}")


def name(indicator: Indicator, t: Translator) -> str:
    return t(f"monitoring.indicators.{indicator.key}")


def value_text(indicator: Indicator, t: Translator) -> str:
    if indicator.is_share:
        percent = indicator.percent
        return t("monitoring.value.no_data") if percent is None else t("monitoring.value.share", percent=percent)
    return t("monitoring.value.count", value=indicator.value)


def of_text(indicator: Indicator, t: Translator) -> str:
    return t("monitoring.value.of", value=indicator.value, total=indicator.total or 0)


def target_text(indicator: Indicator, t: Translator) -> str:
    if indicator.target is None:
        return t("monitoring.target.none")
    if indicator.is_share:
        return t("monitoring.target.share", target=indicator.target)
    if indicator.derived:
        return t("monitoring.target.derived", target=indicator.target)
    return t("monitoring.target.count", target=indicator.target)


def status_text(indicator: Indicator, t: Translator) -> str:
    if indicator.status == "pending" and indicator.deadline is not None:
        return t("monitoring.status.pending", date=indicator.deadline.strftime("%d.%m.%Y"))
    if indicator.status == "none" and indicator.target is None:
        return t("monitoring.status.no_target")
    return t(f"monitoring.status.{indicator.status}")


def month_text(period: Period, t: Translator) -> str:
    return f"{t(f'monitoring.months.m{period.today.month}')} {period.today.year}"


def period_text(indicator: Indicator, period: Period, t: Translator) -> str:
    """What the number covers: the month, the school year, or the moment (links are a state)."""
    if indicator.key == "sessions_month":
        return t("monitoring.export.indicators.month", month=month_text(period, t))
    if indicator.key in ("active_links", "shnor_covered"):
        return t("monitoring.export.indicators.as_of", date=period.today.strftime("%d.%m.%Y"))
    return t("monitoring.export.indicators.year", year=period.label)


def line(indicator: Indicator, t: Translator) -> str:
    values = {"mark": mark(indicator, t), "name": name(indicator, t), "target": target_text(indicator, t)}
    if indicator.is_share:
        if indicator.percent is None:
            return t("monitoring.card.line_share_empty", **values)
        return t("monitoring.card.line_share", value=value_text(indicator, t), of=of_text(indicator, t), **values)
    if indicator.target is None:
        return t("monitoring.card.line_count_free", mark=values["mark"], name=values["name"],
                 value=value_text(indicator, t))
    return t("monitoring.card.line_count", value=value_text(indicator, t), **values)


def school_status(status: str | None, t: Translator) -> str:
    key = f"monitoring.school_status.{status}"
    return t(key) if status and t.has(key) else t("monitoring.school_status.regular")


def card_text(card: Card, t: Translator) -> str:
    """The compact card: a line per indicator (value, target, mark) and what needs attention."""
    p = card.period
    if card.school_id is None:
        head = [t("monitoring.card.title", network=card.network_name)]
    else:
        head = [t("monitoring.card.school_title", school=card.school_name or "", network=card.network_name,
                  status=school_status(card.school_status, t))]
    head.append(t("monitoring.card.subtitle", date=p.today.strftime("%d.%m.%Y"), year=p.label,
                  month=month_text(p, t)))
    lines = [line(i, t) for i in card.indicators]
    notes: list[str] = []
    if card.school_id is None:
        notes.append(links_line(card.extras, t))
        notes.append(measures_line(card.extras, p, t))
        if card.extras.get("measures_due"):
            notes.append(t("monitoring.card.measures_due", done=card.extras.get("measures_due_done", 0),
                           due=card.extras["measures_due"]))
    else:
        notes.append(t("monitoring.card.school_note"))
    behind = card.behind
    notes.append(t("monitoring.card.behind", count=behind) if behind else t("monitoring.card.all_good"))
    notes.append(t("monitoring.card.legend"))
    return "\n".join(head) + "\n\n" + "\n".join(lines) + "\n\n" + "\n".join(notes)


LINK_ORDER = ("proposed", "paused", "completed", "closed")


def links_line(counts: Mapping[str, int], t: Translator) -> str:
    """«Пары и группы: активных 22 из 25 (предложено: 1, приостановлено: 1, завершено: 1)» — the same line on
    the /stats card and the mentoring home, from `counting.link_counts`."""
    rest = [t(f"monitoring.links.{status}", count=counts.get(f"links_{status}", 0)) for status in LINK_ORDER
            if counts.get(f"links_{status}", 0)]
    return t("monitoring.links.line", active=counts.get("links_active", 0), total=counts.get("links_total", 0),
             rest=f" ({', '.join(rest)})" if rest else "")


def measures_line(counts: Mapping[str, int], period: Period, t: Translator) -> str:
    """The roadmap's measures as the indicators count them: this school year's, done, and the rest of the
    roadmap — the same line on the /stats card and the roadmap panel, from `counting.measure_counts`."""
    rest = []
    if counts.get("measures_other_years"):
        rest.append(t("monitoring.measures.other_years", count=counts["measures_other_years"]))
    if counts.get("measures_undated"):
        rest.append(t("monitoring.measures.undated", count=counts["measures_undated"]))
    return t("monitoring.measures.line", year=period.label, count=counts.get("measures_year", 0),
             done=counts.get("measures_year_done", 0), all=counts.get("measures_all", 0),
             rest=f" ({', '.join(rest)})" if rest else "")


DEFINED = (*ORDER, "links", "measures")


def definition_lines(t: Translator) -> list[tuple[str, str]]:
    """(what, how it is counted) for every number the coordinator sees; the chat, the workbook and the
    справка all show these words."""
    names = {key: t(f"monitoring.indicators.{key}") for key in ORDER}
    names.update(links=t("monitoring.definitions.links_name"), measures=t("monitoring.definitions.measures_name"))
    return [(names[key], t(f"monitoring.definitions.{key}")) for key in DEFINED]


def definitions_text(t: Translator) -> str:
    lines = [t("monitoring.definitions.title"), ""]
    lines += [t("monitoring.definitions.line", name=what, text=how) for what, how in definition_lines(t)]
    return "\n".join(lines)


def personal_text(summary: Personal, person_name: str, t: Translator) -> str:
    p = summary.period
    lines = [t("monitoring.personal.title", name=person_name, date=p.today.strftime("%d.%m.%Y"), year=p.label), ""]
    lines.append(t("monitoring.personal.links", mentor=summary.links_as_mentor, mentee=summary.links_as_mentee))
    lines.append(t("monitoring.personal.sessions", year=summary.sessions_year, month=summary.sessions_month))
    if summary.logged_by_me or summary.links_as_mentor:
        lines.append(t("monitoring.personal.logged", count=summary.logged_by_me))
    if summary.to_confirm:
        lines.append(t("monitoring.personal.to_confirm", count=summary.to_confirm))
    lines.append(t("monitoring.personal.events", attended=summary.events_attended, going=summary.events_going))
    lines.append(t("monitoring.personal.forms", submitted=summary.forms_submitted, pending=summary.forms_pending))
    if summary.forms_overdue:
        lines.append(t("monitoring.personal.forms_overdue", count=summary.forms_overdue))
    if summary.goals_total:
        lines.append(t("monitoring.personal.goals", done=summary.goals_done, total=summary.goals_total,
                       percent=summary.goals_percent or 0))
    else:
        lines.append(t("monitoring.personal.goals_none"))
    if summary.goals_overdue:
        lines.append(t("monitoring.personal.goals_overdue", count=summary.goals_overdue))
    return "\n".join(lines)


__all__ = ["card_text", "definition_lines", "definitions_text", "line", "links_line", "mark", "measures_line",
           "month_text", "name", "of_text", "period_text", "personal_text", "school_status", "status_text",
           "target_text", "value_text"]
