"""a volunteer's list reads the cases shared in their sub-district in the order of an index of its
own, and their own cases in an index that holds the page's whole order (issue 11): the newest of a
volunteer's own cases and the newest of those shared with them are each read in their index's
order, instead of every case of both sorted at each page (domain/cases/repository.py `_cases_page`)

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


def upgrade() -> None:
    op.create_index('ix_case_file_shared_received', 'case_file', ['subdistrict_code', 'received_at', 'id'],
                    postgresql_where=sa.text('shared_with_volunteers'),
                    sqlite_where=sa.text('shared_with_volunteers = 1'))
    # the page's order whole (received_at, then id): no sort of a volunteer's cases filed at one instant
    op.drop_index('ix_case_file_filed_by_received', table_name='case_file')
    op.create_index('ix_case_file_filed_by_received', 'case_file', ['filed_by_id', 'received_at', 'id'])


def downgrade() -> None:
    op.drop_index('ix_case_file_filed_by_received', table_name='case_file')
    op.create_index('ix_case_file_filed_by_received', 'case_file', ['filed_by_id', 'received_at'])
    op.drop_index('ix_case_file_shared_received', table_name='case_file')
