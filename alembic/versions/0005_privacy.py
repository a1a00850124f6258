"""privacy: citizen data sealed at rest with a lookup hash, legal hold, the access log

Existing citizens are sealed with the keys of this process's settings (KHORTOR_DATA_KEYS,
KHORTOR_LOOKUP_KEY, or in development the secret key) before the plain columns go.

Revision ID: 0005_privacy
Revises: 0004_login_throttle
Create Date: 2026-11-21 08:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import domain.db
from domain.settings import Settings


revision: str = '0005_privacy'
down_revision: str | Sequence[str] | None = '0004_login_throttle'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RETENTION_WHERE = "anonymised_at IS NULL AND closed_at IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('citizen_name_sealed', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('citizen_national_id_sealed', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('citizen_phone_sealed', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('citizen_key_id', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch_op.add_column(sa.Column('citizen_national_id_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('legal_hold', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('anonymised_at', domain.db.UTCDateTime(timezone=True), nullable=True))
    _seal_existing()
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.alter_column('legal_hold', server_default=None)
        batch_op.drop_column('citizen_full_name')
        batch_op.drop_column('citizen_national_id')
        batch_op.drop_column('citizen_phone')
        batch_op.create_index('ix_case_file_citizen_hash', ['citizen_national_id_hash', 'received_at'], unique=False)
        batch_op.create_index('ix_case_file_retention', ['closed_at'], unique=False,
                              postgresql_where=sa.text(RETENTION_WHERE), sqlite_where=sa.text(RETENTION_WHERE))

    op.create_table('access_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', domain.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=True),
    sa.Column('request_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=True),
    sa.Column('subject_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.create_index('ix_access_log_at', ['at'], unique=False)
        batch_op.create_index('ix_access_log_case', ['case_id', 'id'], unique=False)
        batch_op.create_index('ix_access_log_user_action_at', ['user_id', 'action', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.drop_index('ix_access_log_user_action_at')
        batch_op.drop_index('ix_access_log_case')
        batch_op.drop_index('ix_access_log_at')
    op.drop_table('access_log')
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.drop_index('ix_case_file_retention', postgresql_where=sa.text(RETENTION_WHERE),
                            sqlite_where=sa.text(RETENTION_WHERE))
        batch_op.drop_index('ix_case_file_citizen_hash')
        batch_op.add_column(sa.Column('citizen_full_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('citizen_national_id', sqlmodel.sql.sqltypes.AutoString(length=13), nullable=True))
        batch_op.add_column(sa.Column('citizen_phone', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
    _open_existing()
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.alter_column('citizen_full_name', server_default=None)
        batch_op.drop_column('anonymised_at')
        batch_op.drop_column('legal_hold')
        batch_op.drop_column('citizen_national_id_hash')
        batch_op.drop_column('citizen_key_id')
        batch_op.drop_column('citizen_phone_sealed')
        batch_op.drop_column('citizen_national_id_sealed')
        batch_op.drop_column('citizen_name_sealed')


_case = sa.table('case_file', sa.column('id', sa.Uuid()),
                 sa.column('citizen_full_name', sa.String()), sa.column('citizen_national_id', sa.String()),
                 sa.column('citizen_phone', sa.String()), sa.column('citizen_name_sealed', sa.LargeBinary()),
                 sa.column('citizen_national_id_sealed', sa.LargeBinary()),
                 sa.column('citizen_phone_sealed', sa.LargeBinary()), sa.column('citizen_key_id', sa.String()),
                 sa.column('citizen_national_id_hash', sa.String()))


def _seal_existing() -> None:
    vault = Settings.from_env().vault
    bind = op.get_bind()
    rows = bind.execute(sa.select(_case.c.id, _case.c.citizen_full_name, _case.c.citizen_national_id,
                                  _case.c.citizen_phone)).all()
    for row_id, name, national_id, phone in rows:
        bind.execute(_case.update().where(_case.c.id == row_id).values(
            citizen_name_sealed=vault.seal(name, row_id, 'name'),
            citizen_national_id_sealed=vault.seal(national_id, row_id, 'national_id'),
            citizen_phone_sealed=vault.seal(phone, row_id, 'phone'),
            citizen_national_id_hash=vault.lookup_hash(national_id) if national_id else None,
            citizen_key_id=vault.current_key_id))


def _open_existing() -> None:
    vault = Settings.from_env().vault
    bind = op.get_bind()
    rows = bind.execute(sa.select(_case.c.id, _case.c.citizen_key_id, _case.c.citizen_name_sealed,
                                  _case.c.citizen_national_id_sealed, _case.c.citizen_phone_sealed)).all()
    for row_id, key_id, name, national_id, phone in rows:
        bind.execute(_case.update().where(_case.c.id == row_id).values(
            citizen_full_name=vault.open(name, key_id, row_id, 'name') or '',
            citizen_national_id=vault.open(national_id, key_id, row_id, 'national_id'),
            citizen_phone=vault.open(phone, key_id, row_id, 'phone')))
