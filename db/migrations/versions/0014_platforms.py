"""platforms: a person is an account on one messenger (platform + id); outbox rows carry their messenger

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('platform', sa.String(length=16), server_default='telegram', nullable=False))
        batch_op.alter_column('telegram_id', new_column_name='messenger_id', existing_type=sa.BigInteger(),
                              existing_nullable=True)
        batch_op.drop_constraint('uq_users_telegram_id', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_users_platform'), ['platform', 'messenger_id'])
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('platform', sa.String(length=16), server_default='telegram', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('platform')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_platform'), type_='unique')
        batch_op.alter_column('messenger_id', new_column_name='telegram_id', existing_type=sa.BigInteger(),
                              existing_nullable=True)
        batch_op.create_unique_constraint('uq_users_telegram_id', ['telegram_id'])
        batch_op.drop_column('platform')
