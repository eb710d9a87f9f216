"""The planners the scheduler wakes. Each takes (session, clock) and is safe to run any number of times."""
from __future__ import annotations

from scheduler import Job

JOBS: list[Job] = []

from scheduler.events import FINISH_EVERY, REMINDERS_EVERY, finish_events, plan_reminders  # noqa: E402

JOBS += [Job("events.reminders", plan_reminders, REMINDERS_EVERY), Job("events.finish", finish_events, FINISH_EVERY)]

from scheduler.mentoring import EVERY as MENTORING_EVERY, plan_goals, quiet_links  # noqa: E402

JOBS += [Job("mentoring.quiet_links", quiet_links, MENTORING_EVERY),
         Job("mentoring.plan_goals", plan_goals, MENTORING_EVERY)]
