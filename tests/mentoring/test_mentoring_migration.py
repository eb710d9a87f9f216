"""Migration 0004 creates exactly what db/models/mentoring.py describes (on SQLite and PostgreSQL)."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from db.models import Base

MINE = {"mentoring_links", "link_members", "mentoring_sessions", "plan_goals", "mentoring_questions"}


def _ours(diff: object) -> bool:
    text = repr(diff)
    return any(table in text for table in MINE)


async def test_migrated_schema_matches_the_models(engine) -> None:  # type: ignore[no-untyped-def]
    def compare(connection):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    async with engine.connect() as connection:
        diffs = await connection.run_sync(compare)
    assert [d for d in diffs if _ours(d)] == []


async def test_indexes_that_serve_the_screens_exist(engine) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import inspect

    async with engine.connect() as connection:
        names = await connection.run_sync(lambda c: {
            table: {ix["name"] for ix in inspect(c).get_indexes(table)} for table in MINE})
    assert "ix_link_members_user_side" in names["link_members"]  # a person's pairs
    assert "ix_mentoring_sessions_link_held" in names["mentoring_sessions"]  # a pair's history
    assert "ix_mentoring_sessions_author_created" in names["mentoring_sessions"]  # recent topics
    assert "ix_mentoring_links_network_status" in names["mentoring_links"]  # lists and quiet-link planning
    assert "ix_plan_goals_due" in names["plan_goals"]  # due-date reminders
