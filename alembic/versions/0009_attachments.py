"""attachments (issue 14): sealed photos and documents on cases, and unfinished uploads;
the access log's action grows to name VIEW_ATTACHMENT

Revision ID: 0009_attachments
Revises: 0008_reference_editing
Create Date: 2026-12-02 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import domain.db

revision: str = '0009_attachments'
down_revision: str | Sequence[str] | None = '0008_reference_editing'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'attachment',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('case_id', sa.Uuid(), nullable=False),
        sa.Column('referral_id', sa.Uuid(), nullable=True),
        sa.Column('client_id', sa.Uuid(), nullable=False),
        sa.Column('uploaded_by_id', sa.Uuid(), nullable=True),
        sa.Column('created_at', domain.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('size_bytes', sa.Integer(), nullable=False),
        sa.Column('width', sa.Integer(), nullable=True),
        sa.Column('height', sa.Integer(), nullable=True),
        sa.Column('thumbnail_bytes', sa.Integer(), nullable=True),
        sa.Column('name_sealed', sa.LargeBinary(), nullable=True),
        sa.Column('key_id', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('wrapped_key', sa.LargeBinary(), nullable=False),
        sa.Column('blob_key', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['case_file.id']),
        sa.ForeignKeyConstraint(['referral_id'], ['referral.id']),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['app_user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('case_id', 'client_id', name='uq_attachment_case_client'),
    )
    op.create_index('ix_attachment_case_id', 'attachment', ['case_id', 'created_at'])
    op.create_table(
        'upload',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('user_id', sa.Uuid(), nullable=False),
        sa.Column('case_id', sa.Uuid(), nullable=False),
        sa.Column('referral_id', sa.Uuid(), nullable=True),
        sa.Column('client_id', sa.Uuid(), nullable=False),
        sa.Column('length', sa.Integer(), nullable=False),
        sa.Column('offset', sa.Integer(), nullable=False),
        sa.Column('created_at', domain.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', domain.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('name_sealed', sa.LargeBinary(), nullable=True),
        sa.Column('key_id', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column('attachment_id', sa.Uuid(), nullable=True),
        sa.Column('lease_token', sa.Uuid(), nullable=True),
        sa.Column('lease_until', domain.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id']),
        sa.ForeignKeyConstraint(['case_id'], ['case_file.id']),
        sa.ForeignKeyConstraint(['referral_id'], ['referral.id']),
        sa.ForeignKeyConstraint(['attachment_id'], ['attachment.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_upload_expires_at', 'upload', ['expires_at'])
    op.create_index('ix_upload_case_id', 'upload', ['case_id'])
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.alter_column('action', existing_type=sqlmodel.sql.sqltypes.AutoString(length=12),
                              type_=sqlmodel.sql.sqltypes.AutoString(length=20), existing_nullable=False)


def downgrade() -> None:
    op.execute("DELETE FROM access_log WHERE action = 'VIEW_ATTACHMENT'")
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.alter_column('action', existing_type=sqlmodel.sql.sqltypes.AutoString(length=20),
                              type_=sqlmodel.sql.sqltypes.AutoString(length=12), existing_nullable=False)
    op.drop_index('ix_upload_case_id', table_name='upload')
    op.drop_index('ix_upload_expires_at', table_name='upload')
    op.drop_table('upload')
    op.drop_index('ix_attachment_case_id', table_name='attachment')
    op.drop_table('attachment')
