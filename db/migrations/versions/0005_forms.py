"""forms: questionnaires, requests with deadlines, and per-person responses

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-24
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.base


revision = '0005'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('forms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('is_archived', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', db.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_forms_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['network_id'], ['networks.id'], name=op.f('fk_forms_network_id_networks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forms')),
    sa.UniqueConstraint('network_id', 'code', 'version', name=op.f('uq_forms_network_id'))
    )
    with op.batch_alter_table('forms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forms_network_id'), ['network_id'], unique=False)

    op.create_table('form_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('audience', sa.JSON(), nullable=False),
    sa.Column('deadline', db.base.UTCDateTime(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('link_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.Column('created_at', db.base.UTCDateTime(), nullable=False),
    sa.Column('closed_at', db.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_form_requests_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['form_id'], ['forms.id'], name=op.f('fk_form_requests_form_id_forms'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['network_id'], ['networks.id'], name=op.f('fk_form_requests_network_id_networks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_requests'))
    )
    with op.batch_alter_table('form_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_requests_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_form_requests_form_id'), ['form_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_form_requests_link_id'), ['link_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_form_requests_network_id'), ['network_id'], unique=False)

    op.create_table('form_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('reviewing', sa.Boolean(), nullable=False),
    sa.Column('submitted_at', db.base.UTCDateTime(), nullable=True),
    sa.Column('created_at', db.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', db.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['form_requests.id'], name=op.f('fk_form_responses_request_id_form_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_form_responses_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_responses')),
    sa.UniqueConstraint('request_id', 'user_id', name=op.f('uq_form_responses_request_id'))
    )
    with op.batch_alter_table('form_responses', schema=None) as batch_op:
        batch_op.create_index('ix_form_responses_request_submitted', ['request_id', 'submitted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_form_responses_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('form_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_responses_user_id'))
        batch_op.drop_index('ix_form_responses_request_submitted')
    op.drop_table('form_responses')

    with op.batch_alter_table('form_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_requests_network_id'))
        batch_op.drop_index(batch_op.f('ix_form_requests_link_id'))
        batch_op.drop_index(batch_op.f('ix_form_requests_form_id'))
        batch_op.drop_index(batch_op.f('ix_form_requests_event_id'))
    op.drop_table('form_requests')

    with op.batch_alter_table('forms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forms_network_id'))
    op.drop_table('forms')
