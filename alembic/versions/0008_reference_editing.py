"""reference editing (issue 13, part 5): categories can be deactivated and carry a version;
routing rules are kept as versions (added_at, removed_at) instead of being deleted

Revision ID: 0008_reference_editing
Revises: 0007_administration
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import domain.db

revision: str = '0008_reference_editing'
down_revision: str | Sequence[str] | None = '0007_administration'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
    with op.batch_alter_table('routing_rule', schema=None) as batch_op:
        batch_op.add_column(sa.Column('added_at', domain.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('removed_at', domain.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('routing_rule', schema=None) as batch_op:
        batch_op.drop_column('removed_at')
        batch_op.drop_column('added_at')
    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.drop_column('version')
        batch_op.drop_column('active')
