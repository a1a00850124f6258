"""stats rollups (issue 15): the dashboards' figures summed ahead in cells (cases, open cases
by day, referrals, duration histograms) at nation, province and district grains and by month
(not districts), fiscal year and all time; partial indexes for the live parts of a rollup answer

Revision ID: 0010_stats_rollups
Revises: 0009_attachments
Create Date: 2026-12-03 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import domain.db

revision: str = '0010_stats_rollups'
down_revision: str | Sequence[str] | None = '0009_attachments'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_S = sqlmodel.sql.sqltypes.AutoString


def _cell_keys(*extra: sa.Column) -> list[sa.Column]:
    return [sa.Column('grain', _S(length=1), nullable=False),
            sa.Column('period', _S(length=8), nullable=False),
            sa.Column('area', _S(length=6), nullable=False),
            sa.Column('category_code', _S(length=40), nullable=False), *extra]


def upgrade() -> None:
    op.create_table(
        'stats_case_cell',
        *_cell_keys(sa.Column('status', _S(length=12), nullable=False)),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.Column('satang', sa.BigInteger(), nullable=False),
        sa.Column('satisfaction_count', sa.Integer(), nullable=False),
        sa.Column('satisfaction_sum', sa.Integer(), nullable=False),
        sa.Column('escalated_open', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('grain', 'period', 'area', 'category_code', 'status'),
    )
    op.create_table(
        'stats_open_day',
        sa.Column('grain', _S(length=1), nullable=False),
        sa.Column('area', _S(length=6), nullable=False),
        sa.Column('status', _S(length=12), nullable=False),
        sa.Column('day', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('grain', 'area', 'status', 'day'),
    )
    op.create_table(
        'stats_referral_cell',
        *_cell_keys(sa.Column('org_unit_code', _S(length=20), nullable=False)),
        *[sa.Column(name, sa.Integer(), nullable=False)
          for name in ('n', 'accepted', 'accepted_on_time', 'completed', 'resolved_on_time', 'pending',
                       'open', 'current_due')],
        sa.PrimaryKeyConstraint('grain', 'period', 'area', 'category_code', 'org_unit_code'),
    )
    op.create_table(
        'stats_duration_bin',
        sa.Column('grain', _S(length=1), nullable=False),
        sa.Column('period', _S(length=8), nullable=False),
        sa.Column('area', _S(length=6), nullable=False),
        sa.Column('measure', _S(length=1), nullable=False),
        sa.Column('width', _S(length=1), nullable=False),
        sa.Column('bin', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('grain', 'period', 'area', 'measure', 'width', 'bin'),
    )
    op.create_table(
        'stats_rollup_state',
        sa.Column('name', _S(length=20), nullable=False),
        sa.Column('calendar_key', _S(length=16), nullable=True),
        sa.Column('built_at', domain.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('name'),
    )
    open_case = "status IN ('NEW', 'ROUTED', 'IN_PROGRESS')"
    open_referral = "status IN ('PENDING', 'ACCEPTED', 'ON_HOLD')"
    current = "is_current AND next_due_at IS NOT NULL"
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.create_index('ix_case_file_open_received', ['received_at'], unique=False,
                              postgresql_where=sa.text(open_case), sqlite_where=sa.text(open_case))
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.create_index('ix_referral_pending_accept_due', ['accept_due_at'], unique=False,
                              postgresql_where=sa.text("status = 'PENDING'"),
                              sqlite_where=sa.text("status = 'PENDING'"))
        batch_op.create_index('ix_referral_open_resolve_due', ['resolve_due_at'], unique=False,
                              postgresql_where=sa.text(open_referral), sqlite_where=sa.text(open_referral))
        batch_op.create_index('ix_referral_current_next_due', ['next_due_at'], unique=False,
                              postgresql_where=sa.text(current), sqlite_where=sa.text(current))
    # Empty cells are right for a database without cases: say they are built. A database with
    # cases is answered live until `khortor rebuild-stats` builds them (the README says so).
    # The duration bins are built by the workers' `stats.check_rollups` sweep, for the
    # calendar in force.
    if op.get_bind().execute(sa.text("SELECT count(*) FROM case_file")).scalar() == 0:
        op.execute("INSERT INTO stats_rollup_state (name) VALUES ('cells')")


def downgrade() -> None:
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_index('ix_referral_current_next_due')
        batch_op.drop_index('ix_referral_open_resolve_due')
        batch_op.drop_index('ix_referral_pending_accept_due')
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.drop_index('ix_case_file_open_received')
    for table in ('stats_rollup_state', 'stats_duration_bin', 'stats_referral_cell', 'stats_open_day',
                  'stats_case_cell'):
        op.drop_table(table)
