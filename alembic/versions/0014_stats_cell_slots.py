"""the cells every change touches are spread over slots (issue 11): `stats_case_cell`,
`stats_open_day`, `stats_referral_cell` and `stats_duration_bin` gain `slot` in their primary
key, so concurrent transactions on PostgreSQL add to different rows of one cell instead of
queueing for one row's lock until each commits (domain/stats/cell_models.py); the rows kept so
far become slot 0

Revision ID: 0014_stats_cell_slots
Revises: 0013_reference_notify
Create Date: 2026-12-06 01:10:00
"""

import warnings
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.exc import SAWarning

revision: str = '0014_stats_cell_slots'
down_revision: str | Sequence[str] | None = '0013_reference_notify'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = {  # table → (the cell's key, its figures)
    'stats_case_cell': (('grain', 'period', 'area', 'category_code', 'status'),
                        ('n', 'satang', 'satisfaction_count', 'satisfaction_sum', 'escalated_open')),
    'stats_open_day': (('grain', 'area', 'status', 'day'), ('n',)),
    'stats_referral_cell': (('grain', 'period', 'area', 'category_code', 'org_unit_code'),
                            ('n', 'accepted', 'accepted_on_time', 'completed', 'resolved_on_time',
                             'pending_passed', 'open_passed', 'current_passed')),
    'stats_duration_bin': (('grain', 'period', 'area', 'measure', 'width', 'bin'), ('n',)),
}


def _primary_key(table: str, key: Sequence[str]) -> None:
    """The table's primary key made `key` (PostgreSQL names it `<table>_pkey`; SQLite's table is
    copied with the new key)."""
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {table}_pkey, ADD PRIMARY KEY ({', '.join(key)})")
        return
    with warnings.catch_warnings():  # the copy says it takes the new key, which is the point
        warnings.filterwarnings('ignore', message=r"Table '_alembic_tmp_\w+' specifies columns", category=SAWarning)
        with op.batch_alter_table(table, recreate='always') as batch:
            batch.create_primary_key(f'pk_{table}', list(key))


def upgrade() -> None:
    for table, (key, _figures) in TABLES.items():
        op.add_column(table, sa.Column('slot', sa.Integer(), server_default=sa.text('0'), nullable=False,
                                       autoincrement=False))
        _primary_key(table, (*key, 'slot'))


def downgrade() -> None:
    for table, (key, figures) in TABLES.items():  # every cell summed into slot 0 first
        cols = ', '.join(key)
        op.execute(f"INSERT INTO {table} ({cols}, slot, {', '.join(figures)}) "
                   f"SELECT {cols}, 0, {', '.join(f'sum({f})' for f in figures)} FROM {table} WHERE slot <> 0 "
                   f"GROUP BY {cols} ON CONFLICT ({cols}, slot) DO UPDATE SET "
                   + ', '.join(f'{f} = {table}.{f} + excluded.{f}' for f in figures))
        op.execute(f"DELETE FROM {table} WHERE slot <> 0")
        _primary_key(table, key)
        with op.batch_alter_table(table) as batch:
            batch.drop_column('slot')
