"""a volunteer's list reads the cases shared in their sub-district in the order of an index of its
own, and their own cases in an index that holds the page's whole order (issue 11): the newest of a
volunteer's own cases and the newest of those shared with them are each read in their index's
order, instead of every case of both sorted at each page (domain/cases/repository.py `_cases_page`).

On PostgreSQL both indexes are built CONCURRENTLY, outside the migration's transaction: case_file
is the table every filing writes, and a plain CREATE INDEX would hold its filings for as long as
the build takes. The own cases' index replaces `ix_case_file_filed_by_received` under a new name
(built before the old one is dropped, so a list never goes without one).

Revision ID: 0019_shared_cases_index
Revises: 0018_case_number_notice
Create Date: 2026-12-07 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0019_shared_cases_index'
down_revision: str | Sequence[str] | None = '0018_case_number_notice'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHARED = dict(postgresql_where=sa.text('shared_with_volunteers'), sqlite_where=sa.text('shared_with_volunteers = 1'))


def _indexes(create: list[tuple[str, list[str], dict]], drop: list[str]) -> None:
    """Create, then drop (CONCURRENTLY and outside the transaction on PostgreSQL)."""
    if op.get_bind().dialect.name != 'postgresql':
        for name, columns, options in create:
            op.create_index(name, 'case_file', columns, **options)
        for name in drop:
            op.drop_index(name, table_name='case_file')
        return
    with op.get_context().autocommit_block():
        for name, columns, options in create:
            op.create_index(name, 'case_file', columns, postgresql_concurrently=True, if_not_exists=True,
                            **options)
        for name in drop:
            op.drop_index(name, table_name='case_file', postgresql_concurrently=True, if_exists=True)


def upgrade() -> None:
    _indexes([('ix_case_file_shared_received', ['subdistrict_code', 'received_at', 'id'], SHARED),
              ('ix_case_file_filed_by_newest', ['filed_by_id', 'received_at', 'id'], {})],
             ['ix_case_file_filed_by_received'])


def downgrade() -> None:
    _indexes([('ix_case_file_filed_by_received', ['filed_by_id', 'received_at'], {})],
             ['ix_case_file_filed_by_newest', 'ix_case_file_shared_received'])
