"""workers: outbox, notifications, escalations, extensions, calendar changes, deadline clocks

Revision ID: 0002_workers
Revises: 0001
Create Date: 2026-11-21 05:15:56.795183
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import domain.db


revision: str = '0002_workers'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('outbox_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('ids', sa.JSON(), nullable=False),
    sa.Column('created_at', domain.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', domain.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('done_at', domain.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('outbox_job', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_job_due', ['next_attempt_at'], unique=False, postgresql_where=sa.text('done_at IS NULL'), sqlite_where=sa.text('done_at IS NULL'))

    op.create_table('calendar_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('is_holiday', sa.Boolean(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('changed_by_id', sa.Uuid(), nullable=True),
    sa.Column('changed_at', domain.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('day')
    )
    op.create_table('notification',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=True),
    sa.Column('referral_id', sa.Uuid(), nullable=True),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('body_th', sa.Text(), nullable=False),
    sa.Column('body_en', sa.Text(), nullable=False),
    sa.Column('created_at', domain.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', domain.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'key', name='uq_notification_user_key')
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_user_created', ['user_id', 'created_at'], unique=False)

    op.create_table('notification_delivery',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('notification_id', sa.Uuid(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('not_before', domain.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('sent_at', domain.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.ForeignKeyConstraint(['notification_id'], ['notification.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('notification_id', 'channel', name='uq_delivery_notification_channel')
    )
    with op.batch_alter_table('notification_delivery', schema=None) as batch_op:
        batch_op.create_index('ix_delivery_pending', ['not_before'], unique=False, postgresql_where=sa.text("status = 'PENDING'"), sqlite_where=sa.text("status = 'PENDING'"))

    op.create_table('deadline_extension',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Uuid(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('requested_by_id', sa.Uuid(), nullable=False),
    sa.Column('requested_at', domain.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Uuid(), nullable=True),
    sa.Column('decided_at', domain.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], ),
    sa.ForeignKeyConstraint(['requested_by_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('referral_id')
    )
    op.create_table('escalation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('deadline', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('due_at', domain.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('at', domain.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], ),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('referral_id', 'deadline', 'level', name='uq_escalation_referral_deadline_level')
    )
    with op.batch_alter_table('escalation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_escalation_case_id'), ['case_id'], unique=False)

    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_unit_head', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('is_extension_approver', sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('satisfaction_asked_at', domain.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_case_file_resolved', ['resolved_at'], unique=False, postgresql_where=sa.text("status = 'RESOLVED'"), sqlite_where=sa.text("status = 'RESOLVED'"))

    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_escalation_at', domain.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('held_at', domain.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('held_days', sa.Float(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('hold_reminded', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('legal_from', domain.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('legal_due_at', domain.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_referral_escalation_due', ['next_escalation_at'], unique=False, postgresql_include=['id'], postgresql_where=sa.text('next_escalation_at IS NOT NULL'), sqlite_where=sa.text('next_escalation_at IS NOT NULL'))
        batch_op.create_index('ix_referral_held', ['held_at'], unique=False, postgresql_where=sa.text("status = 'ON_HOLD'"), sqlite_where=sa.text("status = 'ON_HOLD'"))



def downgrade() -> None:
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_index('ix_referral_held', postgresql_where=sa.text("status = 'ON_HOLD'"), sqlite_where=sa.text("status = 'ON_HOLD'"))
        batch_op.drop_index('ix_referral_escalation_due', postgresql_where=sa.text('next_escalation_at IS NOT NULL'), sqlite_where=sa.text('next_escalation_at IS NOT NULL'))
        batch_op.drop_column('legal_due_at')
        batch_op.drop_column('legal_from')
        batch_op.drop_column('hold_reminded')
        batch_op.drop_column('held_days')
        batch_op.drop_column('held_at')
        batch_op.drop_column('next_escalation_at')

    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.drop_index('ix_case_file_resolved', postgresql_where=sa.text("status = 'RESOLVED'"), sqlite_where=sa.text("status = 'RESOLVED'"))
        batch_op.drop_column('satisfaction_asked_at')

    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('is_extension_approver')
        batch_op.drop_column('is_unit_head')

    with op.batch_alter_table('escalation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_escalation_case_id'))

    op.drop_table('escalation')
    op.drop_table('deadline_extension')
    with op.batch_alter_table('notification_delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_pending', postgresql_where=sa.text("status = 'PENDING'"), sqlite_where=sa.text("status = 'PENDING'"))

    op.drop_table('notification_delivery')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_user_created')

    op.drop_table('notification')
    op.drop_table('calendar_day')
    with op.batch_alter_table('outbox_job', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_job_due', postgresql_where=sa.text('done_at IS NULL'), sqlite_where=sa.text('done_at IS NULL'))

    op.drop_table('outbox_job')
