"""reference data tells its listeners when it changes (issue 11): on PostgreSQL a statement-level
trigger on each reference table sends `NOTIFY khortor_reference` (delivered at commit), so every
API process drops its cache of reference data at once (domain/watch.py); SQLite has
one serving process, which drops its cache itself

Revision ID: 0013_reference_notify
Revises: 0012_deadlines_mark
Create Date: 2026-12-05 02:15:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0013_reference_notify'
down_revision: str | Sequence[str] | None = '0012_deadlines_mark'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ('area', 'agency', 'org_unit', 'category', 'sla_policy', 'routing_rule')


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("""
        CREATE FUNCTION khortor_reference_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('khortor_reference', TG_TABLE_NAME);
            RETURN NULL;
        END $$""")
    for table in TABLES:
        op.execute(f"CREATE TRIGGER {table}_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION khortor_reference_changed()")


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_changed ON {table}")
    op.execute("DROP FUNCTION khortor_reference_changed()")
