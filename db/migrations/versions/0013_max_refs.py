"""max_refs: MAX message and file ids in aiogram's shape, kept across restarts

Revision ID: 0013
Revises: 0005
Create Date: 2026-11-24
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.base


revision = '0013'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('max_message_refs',
    sa.Column('chat_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('message_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('mid', sa.String(length=128), nullable=False),
    sa.Column('created_at', db.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('chat_id', 'message_id', name=op.f('pk_max_message_refs'))
    )
    op.create_table('max_file_refs',
    sa.Column('file_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('token', sa.Text(), nullable=True),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('file_name', sa.String(length=255), nullable=True),
    sa.Column('size', sa.BigInteger(), nullable=True),
    sa.Column('created_at', db.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('file_id', name=op.f('pk_max_file_refs'))
    )


def downgrade() -> None:
    op.drop_table('max_file_refs')
    op.drop_table('max_message_refs')
