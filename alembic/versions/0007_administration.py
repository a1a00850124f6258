"""administration (issue 13): the admin audit log; users' phone, last sign-in, deactivation,
one-time reset codes

Revision ID: 0007_administration
Revises: 0006_amount_claimed
Create Date: 2026-12-02 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import domain.db

revision: str = '0007_administration'
down_revision: str | Sequence[str] | None = '0006_amount_claimed'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'admin_audit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', domain.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('actor_id', sa.Uuid(), nullable=True),
        sa.Column('request_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('target_type', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('target_id', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column('before', sa.JSON(), nullable=True),
        sa.Column('after', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['actor_id'], ['app_user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_admin_audit_at', 'admin_audit', ['at'])
    op.create_index('ix_admin_audit_target', 'admin_audit', ['target_type', 'target_id', 'id'])
    op.create_index('ix_admin_audit_actor', 'admin_audit', ['actor_id', 'id'])
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
        batch_op.add_column(sa.Column('last_sign_in_at', domain.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('deactivated_at', domain.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reset_code_hash', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column('reset_code_expires_at', domain.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        for column in ('must_change_password', 'reset_code_expires_at', 'reset_code_hash',
                       'deactivated_at', 'last_sign_in_at', 'phone'):
            batch_op.drop_column(column)
    op.drop_index('ix_admin_audit_actor', table_name='admin_audit')
    op.drop_index('ix_admin_audit_target', table_name='admin_audit')
    op.drop_index('ix_admin_audit_at', table_name='admin_audit')
    op.drop_table('admin_audit')
