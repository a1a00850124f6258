"""a filed case takes its reference number as its transaction commits (issue 11): on PostgreSQL a
deferred constraint trigger on case_file raises the province's counter and sets the reference of
a case inserted unnumbered (a reference starting with `~`, domain/cases/filing.py) when the
transaction commits, so the counter row is locked only while the database commits, never across
a round trip to the API process; a year whose six-digit numbers are used up is refused with
SQLSTATE KH001 and the whole transaction rolls back. A case numbered before the commit (by an
API process older than this migration, during a rolling deploy) keeps its number. The counter
is waited for at most 2 s (another transaction holding it that long is stuck): the commit fails
with lock_not_available (55P03), answered 503 and sent again, instead of every filing of the
province holding a pooled connection meanwhile. SQLite numbers in the filing's transaction,
whose writer holds the database's write lock anyway (domain/cases/repository.py `next_number`)

Revision ID: 0016_case_number_at_commit
Revises: 0015_users_notify
Create Date: 2026-12-06 11:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0016_case_number_at_commit'
down_revision: str | Sequence[str] | None = '0015_users_notify'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("""
        CREATE FUNCTION khortor_number_case() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            number integer;
        BEGIN
            PERFORM 1 FROM case_file WHERE id = NEW.id AND reference LIKE '~%';
            IF NOT FOUND THEN
                RETURN NULL;  -- numbered already in its transaction, or deleted in it
            END IF;
            PERFORM set_config('lock_timeout', '2s', true);
            INSERT INTO case_sequence (province_code, fiscal_year, last_value)
                VALUES (NEW.province_code, NEW.fiscal_year, 1)
                ON CONFLICT (province_code, fiscal_year)
                DO UPDATE SET last_value = case_sequence.last_value + 1
                RETURNING last_value INTO number;
            IF number > 999999 THEN  -- domain/cases/reference.py MAX_SEQUENCE
                RAISE EXCEPTION 'the case numbers of this province and fiscal year are used up'
                    USING ERRCODE = 'KH001';
            END IF;
            UPDATE case_file
                SET reference = NEW.province_code || '-' || NEW.fiscal_year || '-' || lpad(number::text, 6, '0')
                WHERE id = NEW.id;
            RETURN NULL;
        END $$""")
    op.execute("CREATE CONSTRAINT TRIGGER case_file_numbered AFTER INSERT ON case_file "
               "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.reference LIKE '~%') "
               "EXECUTE FUNCTION khortor_number_case()")


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("DROP TRIGGER case_file_numbered ON case_file")
    op.execute("DROP FUNCTION khortor_number_case()")
