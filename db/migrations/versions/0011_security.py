"""security: the person an outbox message is about, so erasure cancels messages naming them

Revision ID: 0011
Revises: 0005
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0011'
down_revision = '0005'
branch_labels = None
depends_on = '0002'  # the outbox


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('about_user_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_about_user_id'), ['about_user_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outbox_about_user_id_users'), 'users', ['about_user_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_about_user_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_about_user_id'))
        batch_op.drop_column('about_user_id')
