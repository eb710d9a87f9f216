"""roadmap uploads: the file and the coordinator's choices while a roadmap import is in the chat

Revision ID: 0009
Revises: 0005
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.base


revision = '0009'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('roadmap_uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('shift_years', sa.Integer(), nullable=False),
    sa.Column('fixes', sa.JSON(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('created_at', db.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['network_id'], ['networks.id'], name=op.f('fk_roadmap_uploads_network_id_networks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_roadmap_uploads_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roadmap_uploads'))
    )
    with op.batch_alter_table('roadmap_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roadmap_uploads_network_id'), ['network_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_roadmap_uploads_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('roadmap_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roadmap_uploads_user_id'))
        batch_op.drop_index(batch_op.f('ix_roadmap_uploads_network_id'))
    op.drop_table('roadmap_uploads')
