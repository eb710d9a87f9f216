"""Mentoring: schools and participants, links of every kind and form, sessions, plans (ИППР), situational
questions, matching, the bulk import, planners and export rows. No aiogram here; see docs/mentoring.md.

access      rights re-derived from the database; Telegram mentions
vocabulary  codes (kinds, forms, statuses, directions, deficits) and the words people type for them
schools, participants, links, sessions, plans, questions, matching — the domain
sheets, importer, template — reading XLSX/CSV, the idempotent import with a dry run, the template
notices     outbox messages; reminders — the planners the scheduler wakes up
exports     rows for «Школы», «Участники», «Пары и группы», «Встречи»; demo — demo links and sessions
"""
