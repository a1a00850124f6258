"""reference data's version on SQLite (issue 11): one row that a trigger on each reference table
sets to a new random value at every change, so that a filing knows in its own transaction whether
the reference data its process keeps is still the database's (domain/cases/filing.py) and reads no
reference row when it is. Random, not counted: a count reached again after a rollback (or a
restored file) would match a copy made of other data in between. PostgreSQL's processes hear of
changes instead (migration 0013): the row exists there and stays at 0.

A later migration that rebuilds one of these tables on SQLite (alembic's batch mode copies the
table and drops its triggers) must create its triggers again: tests/test_migrations.py checks
them by name at the head.

Revision ID: 0017_reference_version
Revises: 0016_case_number_at_commit
Create Date: 2026-12-07 11:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0017_reference_version'
down_revision: str | Sequence[str] | None = '0016_case_number_at_commit'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ('area', 'agency', 'org_unit', 'category', 'sla_policy', 'routing_rule')
CHANGES = ('INSERT', 'UPDATE', 'DELETE')


def upgrade() -> None:
    op.create_table(
        'reference_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.CheckConstraint('id = 1', name='reference_version_one_row'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.execute("INSERT INTO reference_version (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name != 'sqlite':
        return
    for table in TABLES:
        for change in CHANGES:
            op.execute(f"CREATE TRIGGER {table}_{change.lower()}_version AFTER {change} ON {table} "
                       "BEGIN UPDATE reference_version SET version = random() WHERE id = 1; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for table in TABLES:
            for change in CHANGES:
                op.execute(f"DROP TRIGGER {table}_{change.lower()}_version")
    op.drop_table('reference_version')
