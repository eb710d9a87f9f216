"""sessions hold several attachments, the mentee may say a session did not happen; a stopped broadcast resumes

Revision ID: 0010
Revises: 0005
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.base


revision = '0010'
down_revision = '0005'
branch_labels = None
depends_on = ('0002', '0004')  # broadcasts and mentoring_sessions are made there


def upgrade() -> None:
    with op.batch_alter_table('mentoring_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attachments', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('disputed_at', db.base.UTCDateTime(), nullable=True))
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resumed', sa.Integer(), server_default='0', nullable=False))
    # The one attachment a session could hold so far becomes the first of its list.
    sessions = sa.table('mentoring_sessions', sa.column('id', sa.Integer()), sa.column('attachments', sa.JSON()),
                        sa.column('attachment_file_id', sa.String()), sa.column('attachment_type', sa.String()))
    connection = op.get_bind()
    rows = connection.execute(sa.select(sessions.c.id, sessions.c.attachment_file_id, sessions.c.attachment_type)
                              .where(sessions.c.attachment_file_id.is_not(None))).all()
    for session_id, file_id, kind in rows:
        connection.execute(sessions.update().where(sessions.c.id == session_id)
                           .values(attachments=[{"kind": kind or "document", "file_id": file_id}]))


def downgrade() -> None:
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.drop_column('resumed')
    with op.batch_alter_table('mentoring_sessions', schema=None) as batch_op:
        batch_op.drop_column('disputed_at')
        batch_op.drop_column('attachments')
