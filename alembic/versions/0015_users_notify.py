"""a user's row tells its listeners when it changes (issue 11): on PostgreSQL a row-level trigger
on app_user sends `NOTIFY khortor_users` with the user's id (delivered at commit), so every API
process drops that user's row from its cache of signed-in users at once (domain/users/cache.py,
domain/watch.py); SQLite serves from one process, which does not keep them

Revision ID: 0015_users_notify
Revises: 0014_stats_cell_slots
Create Date: 2026-12-06 06:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0015_users_notify'
down_revision: str | Sequence[str] | None = '0014_stats_cell_slots'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("""
        CREATE FUNCTION khortor_user_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_LEVEL = 'ROW' THEN
                PERFORM pg_notify('khortor_users', OLD.id::text);
            ELSE
                PERFORM pg_notify('khortor_users', '');  -- every user
            END IF;
            RETURN NULL;
        END $$""")
    op.execute("CREATE TRIGGER app_user_changed AFTER UPDATE OR DELETE ON app_user "
               "FOR EACH ROW EXECUTE FUNCTION khortor_user_changed()")
    op.execute("CREATE TRIGGER app_user_truncated AFTER TRUNCATE ON app_user "
               "FOR EACH STATEMENT EXECUTE FUNCTION khortor_user_changed()")


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("DROP TRIGGER app_user_truncated ON app_user")
    op.execute("DROP TRIGGER app_user_changed ON app_user")
    op.execute("DROP FUNCTION khortor_user_changed()")
