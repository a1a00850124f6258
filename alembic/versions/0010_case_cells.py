"""case cells (issue 15): the dashboards' case figures summed ahead at three area grains,
filled here from the cases already filed (domain/stats/cells.py keeps them up to date)

Revision ID: 0010_case_cells
Revises: 0009_attachments
Create Date: 2026-12-02 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = '0010_case_cells'
down_revision: str | Sequence[str] | None = '0009_attachments'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "('NEW', 'ROUTED', 'IN_PROGRESS')"
LOCAL = {"postgresql": ("to_char(timezone('Asia/Bangkok', received_at), 'YYYY-MM')",
                        "to_char(timezone('Asia/Bangkok', received_at), 'YYYY-MM-DD')"),
         "sqlite": ("strftime('%Y-%m', received_at, '+7 hours')",
                    "strftime('%Y-%m-%d', received_at, '+7 hours')")}


def upgrade() -> None:
    op.create_table(
        'stats_case_cell',
        sa.Column('grain', sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
        sa.Column('area_code', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column('category_code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column('escalation_level', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('fiscal_year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('month', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column('day', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('case_count', sa.Integer(), nullable=False),
        sa.Column('recovered_satang', sa.BigInteger(), nullable=False),
        sa.Column('satisfaction_count', sa.Integer(), nullable=False),
        sa.Column('satisfaction_sum', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('grain', 'area_code', 'category_code', 'status', 'escalation_level',
                                'fiscal_year', 'month', 'day'),
    )
    month, day = LOCAL["postgresql" if op.get_bind().dialect.name == "postgresql" else "sqlite"]
    for grain, area in (("P", "province_code"), ("D", "district_code"), ("S", "subdistrict_code")):
        op.execute(
            "INSERT INTO stats_case_cell (grain, area_code, category_code, status, escalation_level, "
            "fiscal_year, month, day, case_count, recovered_satang, satisfaction_count, satisfaction_sum) "
            f"SELECT '{grain}', {area}, category_code, status, escalation_level, fiscal_year, {month}, "
            f"CASE WHEN status IN {OPEN} THEN {day} ELSE '' END, count(*), "
            "coalesce(sum(CAST(round(amount_recovered_thb * 100) AS BIGINT)), 0), count(satisfaction), "
            f"coalesce(sum(satisfaction), 0) FROM case_file GROUP BY {area}, category_code, status, "
            f"escalation_level, fiscal_year, {month}, CASE WHEN status IN {OPEN} THEN {day} ELSE '' END")


def downgrade() -> None:
    op.drop_table('stats_case_cell')
