"""login throttle: failed sign-ins per username and per client address; merges the heads

Revision ID: 0004_login_throttle
Revises: 0002_workers, 0003_dashboards
Create Date: 2026-11-21 06:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import domain.db


revision: str = '0004_login_throttle'
down_revision: str | Sequence[str] | None = ('0002_workers', '0003_dashboards')
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('login_throttle',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_started_at', domain.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('locked_until', domain.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key')
    )


def downgrade() -> None:
    op.drop_table('login_throttle')
