"""cases: the amount of baht the citizen claims, as the volunteer took it down (issue 12)

Revision ID: 0006_amount_claimed
Revises: 0005_privacy
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006_amount_claimed'
down_revision: str | Sequence[str] | None = '0005_privacy'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('amount_claimed_thb', sa.Numeric(precision=14, scale=2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.drop_column('amount_claimed_thb')
