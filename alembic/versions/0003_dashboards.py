"""dashboards: business-day table, CSV export jobs, indexes for activity and redirects

Revision ID: 0003_dashboards
Revises: 0001
Create Date: 2026-11-21 05:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import domain.db


revision: str = '0003_dashboards'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('stats_calendar_day',
    sa.Column('calendar_key', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('day_number', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('business_days_before', sa.Integer(), nullable=False),
    sa.Column('is_business', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('calendar_key', 'day_number')
    )
    op.create_table('stats_export',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('requested_by_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=True),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', domain.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', domain.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', domain.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['requested_by_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('stats_export', schema=None) as batch_op:
        batch_op.create_index('ix_stats_export_requested_by_created', ['requested_by_id', 'created_at'], unique=False)

    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.create_index('ix_case_event_actor_at', ['actor_id', 'at'], unique=False)

    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.create_index('ix_referral_predecessor_id', ['predecessor_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_index('ix_referral_predecessor_id')

    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.drop_index('ix_case_event_actor_at')

    with op.batch_alter_table('stats_export', schema=None) as batch_op:
        batch_op.drop_index('ix_stats_export_requested_by_created')

    op.drop_table('stats_export')
    op.drop_table('stats_calendar_day')
