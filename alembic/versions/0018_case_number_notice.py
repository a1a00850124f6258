"""a filed case's number is told to the filer as its transaction commits (issue 11): the deferred
trigger of migration 0016 also raises a NOTICE `khortor:numbered:<case id> <reference>` after it
numbers a case, which reaches the committing connection with the COMMIT's answer, so the API
process need not read the reference back after the commit (domain/uow.py `UnitOfWork.told`,
domain/cases/filing.py); a process that hears nothing (an older one, or notices switched off for
the client) reads it as before. NOTICE is below the server log's default threshold (WARNING):
nothing is logged per filing. SQLite numbers in the filing's transaction: nothing to do

Revision ID: 0018_case_number_notice
Revises: 0017_reference_version
Create Date: 2026-12-07 12:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0018_case_number_notice'
down_revision: str | Sequence[str] | None = '0017_reference_version'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTION = """
    CREATE OR REPLACE FUNCTION khortor_number_case() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        number integer;
        numbered_as text;
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
        numbered_as := NEW.province_code || '-' || NEW.fiscal_year || '-' || lpad(number::text, 6, '0');
        UPDATE case_file SET reference = numbered_as WHERE id = NEW.id;
        {tell}
        RETURN NULL;
    END $$"""
TELL = "RAISE NOTICE 'khortor:numbered:% %', NEW.id, numbered_as;  -- domain/uow.py UnitOfWork.told"


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(FUNCTION.replace("{tell}", TELL))


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(FUNCTION.replace("{tell}", ""))  # migration 0016's function
