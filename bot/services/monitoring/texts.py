"""How indicators read — one set of words for the chat card, the chart's caption and the «Показатели»
sheet, so a number never reads one way in the chat and another in the workbook."""
from __future__ import annotations

from bot.i18n import Translator
from bot.services.monitoring.indicators import Card, Indicator
from bot.services.monitoring.periods import Period
from bot.services.monitoring.personal import Personal


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
        if card.extras.get("measures_due"):
            notes.append(t("monitoring.card.measures_due", done=card.extras.get("measures_due_done", 0),
                           due=card.extras["measures_due"]))
        if card.extras.get("measures_undated"):
            notes.append(t("monitoring.card.measures_undated", count=card.extras["measures_undated"]))
    else:
        notes.append(t("monitoring.card.school_note"))
    behind = card.behind
    notes.append(t("monitoring.card.behind", count=behind) if behind else t("monitoring.card.all_good"))
    notes.append(t("monitoring.card.legend"))
    return "\n".join(head) + "\n\n" + "\n".join(lines) + "\n\n" + "\n".join(notes)


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


__all__ = ["card_text", "line", "mark", "month_text", "name", "of_text", "period_text", "personal_text",
           "school_status", "status_text", "target_text", "value_text"]
