"""mentoring: links, their members, sessions, personal plans (ИППР) and questions

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-24
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.base


revision = '0004'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('mentoring_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('form', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('mentor_school_id', sa.Integer(), nullable=True),
    sa.Column('mentee_school_id', sa.Integer(), nullable=True),
    sa.Column('goals', sa.Text(), nullable=True),
    sa.Column('deficits', sa.JSON(), nullable=False),
    sa.Column('directions', sa.JSON(), nullable=False),
    sa.Column('subject', sa.String(length=120), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('last_session_on', sa.Date(), nullable=True),
    sa.Column('quiet_flagged_since', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', db.base.UTCDateTime(), nullable=False),
    sa.Column('closed_at', db.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_mentoring_links_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['mentee_school_id'], ['schools.id'], name=op.f('fk_mentoring_links_mentee_school_id_schools'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['mentor_school_id'], ['schools.id'], name=op.f('fk_mentoring_links_mentor_school_id_schools'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['network_id'], ['networks.id'], name=op.f('fk_mentoring_links_network_id_networks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parent_id'], ['mentoring_links.id'], name=op.f('fk_mentoring_links_parent_id_mentoring_links'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentoring_links'))
    )

    with op.batch_alter_table('mentoring_links', schema=None) as batch_op:
        batch_op.create_index('ix_mentoring_links_network_kind', ['network_id', 'kind'], unique=False)
        batch_op.create_index('ix_mentoring_links_network_status', ['network_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_mentoring_links_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index('ix_mentoring_links_schools', ['mentee_school_id', 'mentor_school_id'], unique=False)

    op.create_table('link_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('side', sa.String(length=8), nullable=False),
    sa.Column('added_at', db.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['link_id'], ['mentoring_links.id'], name=op.f('fk_link_members_link_id_mentoring_links'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_link_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_members')),
    sa.UniqueConstraint('link_id', 'user_id', name=op.f('uq_link_members_link_id'))
    )

    with op.batch_alter_table('link_members', schema=None) as batch_op:
        batch_op.create_index('ix_link_members_user_side', ['user_id', 'side'], unique=False)

    op.create_table('mentoring_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('asker_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=8), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=True),
    sa.Column('direction', sa.String(length=32), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('taken_by_id', sa.Integer(), nullable=True),
    sa.Column('taken_at', db.base.UTCDateTime(), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_at', db.base.UTCDateTime(), nullable=True),
    sa.Column('created_at', db.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['asker_id'], ['users.id'], name=op.f('fk_mentoring_questions_asker_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['link_id'], ['mentoring_links.id'], name=op.f('fk_mentoring_questions_link_id_mentoring_links'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['network_id'], ['networks.id'], name=op.f('fk_mentoring_questions_network_id_networks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['taken_by_id'], ['users.id'], name=op.f('fk_mentoring_questions_taken_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentoring_questions'))
    )

    with op.batch_alter_table('mentoring_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentoring_questions_asker_id'), ['asker_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mentoring_questions_link_id'), ['link_id'], unique=False)
        batch_op.create_index('ix_mentoring_questions_network_status', ['network_id', 'status', 'direction'], unique=False)
        batch_op.create_index(batch_op.f('ix_mentoring_questions_taken_by_id'), ['taken_by_id'], unique=False)

    op.create_table('mentoring_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('format', sa.String(length=8), nullable=False),
    sa.Column('duration_min', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('attachment_file_id', sa.String(length=255), nullable=True),
    sa.Column('attachment_type', sa.String(length=16), nullable=True),
    sa.Column('created_at', db.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', db.base.UTCDateTime(), nullable=True),
    sa.Column('confirmed_at', db.base.UTCDateTime(), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('rating', sa.SmallInteger(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_mentoring_sessions_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], name=op.f('fk_mentoring_sessions_confirmed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['link_id'], ['mentoring_links.id'], name=op.f('fk_mentoring_sessions_link_id_mentoring_links'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['network_id'], ['networks.id'], name=op.f('fk_mentoring_sessions_network_id_networks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentoring_sessions'))
    )

    with op.batch_alter_table('mentoring_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_mentoring_sessions_author_created', ['author_id', 'created_at'], unique=False)
        batch_op.create_index('ix_mentoring_sessions_link_held', ['link_id', 'held_on'], unique=False)
        batch_op.create_index('ix_mentoring_sessions_network_held', ['network_id', 'held_on'], unique=False)

    op.create_table('plan_goals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.Column('done_at', db.base.UTCDateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', db.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_plan_goals_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['link_id'], ['mentoring_links.id'], name=op.f('fk_plan_goals_link_id_mentoring_links'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_goals'))
    )

    with op.batch_alter_table('plan_goals', schema=None) as batch_op:
        batch_op.create_index('ix_plan_goals_due', ['due_on', 'done'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_goals_link_id'), ['link_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('plan_goals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_goals_link_id'))
        batch_op.drop_index('ix_plan_goals_due')

    op.drop_table('plan_goals')

    with op.batch_alter_table('mentoring_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_mentoring_sessions_network_held')
        batch_op.drop_index('ix_mentoring_sessions_link_held')
        batch_op.drop_index('ix_mentoring_sessions_author_created')

    op.drop_table('mentoring_sessions')

    with op.batch_alter_table('mentoring_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mentoring_questions_taken_by_id'))
        batch_op.drop_index('ix_mentoring_questions_network_status')
        batch_op.drop_index(batch_op.f('ix_mentoring_questions_link_id'))
        batch_op.drop_index(batch_op.f('ix_mentoring_questions_asker_id'))

    op.drop_table('mentoring_questions')

    with op.batch_alter_table('link_members', schema=None) as batch_op:
        batch_op.drop_index('ix_link_members_user_side')

    op.drop_table('link_members')

    with op.batch_alter_table('mentoring_links', schema=None) as batch_op:
        batch_op.drop_index('ix_mentoring_links_schools')
        batch_op.drop_index(batch_op.f('ix_mentoring_links_parent_id'))
        batch_op.drop_index('ix_mentoring_links_network_status')
        batch_op.drop_index('ix_mentoring_links_network_kind')

    op.drop_table('mentoring_links')
