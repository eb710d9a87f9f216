"""Monitoring: indicators against targets for a network and its schools, a person's own summary, and the
chart (see docs/monitoring.md). No aiogram here: the chat, the CLI and the export all call these.

    network_card(session, network, clock)              # every indicator of the network, judged
    school_cards / school_card / school_page(...)      # the same for schools (drill-down, export)
    personal_summary(session, user_id, network, clock) # a mentor's or participant's own numbers
    render_chart(card, t) -> PNG bytes                 # bars against target lines (matplotlib, Agg)
    targets_of(network), set_target(network, key, text)
"""
from __future__ import annotations

from bot.services.monitoring.indicators import (Card, Indicator, network_card, school_card, school_cards,
                                                school_page)
from bot.services.monitoring.periods import Period
from bot.services.monitoring.personal import Personal, personal_summary
from bot.services.monitoring.targets import DEFAULTS, ORDER, SHARES, is_custom, parse_target, set_target, targets_of

__all__ = [
    "Card", "DEFAULTS", "Indicator", "ORDER", "Period", "Personal", "SHARES", "is_custom", "network_card",
    "parse_target", "personal_summary", "school_card", "school_cards", "school_page", "set_target", "targets_of",
]


def render_chart(*args, **kwargs):  # type: ignore[no-untyped-def]
    """Imported lazily: matplotlib costs a moment to load and only the chart needs it."""
    from bot.services.monitoring.chart import render_chart as render

    return render(*args, **kwargs)
