"""stats rollups (issue 15): the dashboards' figures summed ahead in cells (cases, open cases
by day, referrals, duration histograms) at nation, province and district grains and by month
(not districts), fiscal year and all time; open referrals by deadline; volunteers' cases and everyone's last activity; active volunteers per sub-district; an index on
open cases by receipt

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
        'stats_open_referral',
        sa.Column('referral_id', sa.Uuid(), nullable=False),
        sa.Column('province_code', _S(length=2), nullable=False),
        sa.Column('district_code', _S(length=4), nullable=False),
        sa.Column('category_code', _S(length=40), nullable=False),
        sa.Column('org_unit_code', _S(length=20), nullable=False),
        sa.Column('fiscal_year', sa.Integer(), nullable=False),
        sa.Column('received_at', domain.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('pending_due', domain.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('open_due', domain.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('current_due', domain.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('referral_id'),
    )
    with op.batch_alter_table('stats_open_referral', schema=None) as batch_op:
        for name in ('pending_due', 'open_due', 'current_due'):
            batch_op.create_index(f'ix_stats_open_referral_{name}', [name], unique=False,
                                  postgresql_where=sa.text(f'{name} IS NOT NULL'),
                                  sqlite_where=sa.text(f'{name} IS NOT NULL'))
    op.create_table(
        'stats_volunteer_cell',
        sa.Column('filed_by_id', sa.Uuid(), nullable=False),
        sa.Column('province_code', _S(length=2), nullable=False),
        sa.Column('period', _S(length=8), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False)
          for name in ('n', 'open', 'satisfaction_count', 'satisfaction_sum')],
        sa.PrimaryKeyConstraint('filed_by_id', 'province_code', 'period'),
    )
    op.create_table(
        'stats_last_activity',
        sa.Column('actor_id', sa.Uuid(), nullable=False),
        sa.Column('at', domain.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('actor_id'),
    )
    op.create_table(
        'stats_coverage',
        sa.Column('subdistrict_code', _S(length=6), nullable=False),
        sa.Column('volunteers', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('subdistrict_code'),
    )
    op.create_table(
        'stats_rollup_state',
        sa.Column('name', _S(length=20), nullable=False),
        sa.Column('calendar_key', _S(length=16), nullable=True),
        sa.Column('built_at', domain.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('name'),
    )
    open_case = "status IN ('NEW', 'ROUTED', 'IN_PROGRESS')"
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.create_index('ix_case_file_open_received', ['received_at'], unique=False,
                              postgresql_where=sa.text(open_case), sqlite_where=sa.text(open_case))
    # Empty cells are right for a database without cases: say they are built. A database with
    # cases is answered live until `khortor rebuild-stats` builds them (the README says so).
    # The duration bins are built by the workers' `stats.check_rollups` sweep, for the
    # calendar in force.
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT count(*) FROM case_file")).scalar() == 0:
        if bind.execute(sa.text("SELECT count(*) FROM app_user WHERE role = 'VOLUNTEER'")).scalar() == 0:
            op.execute("INSERT INTO stats_rollup_state (name) VALUES ('cells')")


def downgrade() -> None:
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.drop_index('ix_case_file_open_received')
    for table in ('stats_rollup_state', 'stats_coverage', 'stats_last_activity', 'stats_volunteer_cell', 'stats_open_referral', 'stats_duration_bin', 'stats_referral_cell', 'stats_open_day',
                  'stats_case_cell'):
        op.drop_table(table)
