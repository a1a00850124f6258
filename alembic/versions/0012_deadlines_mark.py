"""deadlines mark (issue 15): the referral cells count the running deadlines passed by a mark
in time (`stats_rollup_state` row `deadlines`), moved by the workers, instead of every open
referral that could count (answers then read only the deadlines passed since the mark)

Revision ID: 0012_deadlines_mark
Revises: 0011_outreach
Create Date: 2026-12-12 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012_deadlines_mark'
down_revision: str | Sequence[str] | None = '0011_outreach'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = ('pending', 'open', 'current_due')
NEW = ('pending_passed', 'open_passed', 'current_passed')


def upgrade() -> None:
    with op.batch_alter_table('stats_referral_cell', schema=None) as batch_op:
        for name in OLD:
            batch_op.drop_column(name)
        for name in NEW:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default='0'))
    # No deadline passed before 1970: the cells' zeros are right for that mark. The workers'
    # `stats.pass_deadlines` sweep (or `khortor rebuild-stats`) moves it to now.
    op.execute("INSERT INTO stats_rollup_state (name, built_at) VALUES ('deadlines', '1970-01-01 00:00:00+00:00')"
               if op.get_bind().dialect.name == 'postgresql' else
               "INSERT INTO stats_rollup_state (name, built_at) VALUES ('deadlines', '1970-01-01 00:00:00.000000')")


def downgrade() -> None:
    # The old columns cannot be made from the new ones: the cells are answered live until
    # `khortor rebuild-stats` builds them again.
    op.execute("DELETE FROM stats_rollup_state WHERE name IN ('deadlines', 'cells')")
    with op.batch_alter_table('stats_referral_cell', schema=None) as batch_op:
        for name in NEW:
            batch_op.drop_column(name)
        for name in OLD:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default='0'))
