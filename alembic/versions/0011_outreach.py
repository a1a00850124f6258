"""outreach (issue 16): services offered at events (seeded with the national list), needs of
the area, events with their offices' services and their volunteers, attendance; a case may
carry the event it was filed at

Revision ID: 0011_outreach
Revises: 0010_stats_rollups
Create Date: 2026-12-10 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import domain.db

revision: str = '0011_outreach'
down_revision: str | Sequence[str] | None = '0010_stats_rollups'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString
T = domain.db.UTCDateTime

# The national list of services (province_code NULL); a province adds its own as data.
SERVICES = [
    ("SECTION_40_ENROLMENT", "สมัครประกันสังคมมาตรา 40", "Section 40 social security enrolment", "SSO"),
    ("JOB_MATCHING", "จัดหางาน", "Job matching", "DOE"),
    ("SKILL_TRAINING", "ฝึกอาชีพ", "Skill training", "DSD"),
    ("SKILL_STANDARD_TEST", "ทดสอบมาตรฐานฝีมือแรงงาน", "Skill-standard testing", "DSD"),
    ("MIGRANT_WORKER_REGISTRATION", "ขึ้นทะเบียนแรงงานต่างด้าว", "Migrant-worker registration", "DOE"),
    ("LABOUR_RIGHTS_ADVICE", "ให้คำปรึกษาสิทธิแรงงาน", "Labour-rights advice", "DLPW"),
]


def upgrade() -> None:
    service = op.create_table(
        'outreach_service',
        sa.Column('code', S(length=40), nullable=False),
        sa.Column('province_code', S(length=2), nullable=True),
        sa.Column('name_th', S(length=200), nullable=False),
        sa.Column('name_en', S(length=200), nullable=False),
        sa.Column('agency_code', S(length=8), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('code'),
    )
    op.create_index('ix_outreach_service_province_code', 'outreach_service', ['province_code'])
    op.bulk_insert(service, [{"code": c, "province_code": None, "name_th": th, "name_en": en,
                              "agency_code": agency, "active": True} for c, th, en, agency in SERVICES])
    op.create_table(
        'area_need',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('subdistrict_code', S(length=6), nullable=False),
        sa.Column('district_code', S(length=4), nullable=False),
        sa.Column('province_code', S(length=2), nullable=False),
        sa.Column('service_code', S(length=40), nullable=False),
        sa.Column('people_count', sa.Integer(), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('recorded_by_id', sa.Uuid(), nullable=False),
        sa.Column('captured_at', T(timezone=True), nullable=False),
        sa.Column('recorded_at', T(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['app_user.id']),
        sa.ForeignKeyConstraint(['service_code'], ['outreach_service.code']),
        sa.ForeignKeyConstraint(['subdistrict_code'], ['area.code']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_area_need_province_recorded', 'area_need', ['province_code', 'recorded_at'])
    op.create_index('ix_area_need_subdistrict_code', 'area_need', ['subdistrict_code'])
    op.create_index('ix_area_need_district_code', 'area_need', ['district_code'])
    op.create_index('ix_area_need_recorded_by_id', 'area_need', ['recorded_by_id'])
    op.create_table(
        'outreach_event',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('kind', S(length=16), nullable=False),
        sa.Column('status', S(length=12), nullable=False),
        sa.Column('title', S(length=300), nullable=False),
        sa.Column('subdistrict_code', S(length=6), nullable=False),
        sa.Column('district_code', S(length=4), nullable=False),
        sa.Column('province_code', S(length=2), nullable=False),
        sa.Column('venue', S(length=300), nullable=False),
        sa.Column('starts_at', T(timezone=True), nullable=False),
        sa.Column('ends_at', T(timezone=True), nullable=False),
        sa.Column('fiscal_year', sa.Integer(), nullable=False),
        sa.Column('capacity', sa.Integer(), nullable=True),
        sa.Column('planned_by_id', sa.Uuid(), nullable=False),
        sa.Column('created_at', T(timezone=True), nullable=False),
        sa.Column('updated_at', T(timezone=True), nullable=False),
        sa.Column('announced_at', T(timezone=True), nullable=True),
        sa.Column('held_at', T(timezone=True), nullable=True),
        sa.Column('reported_at', T(timezone=True), nullable=True),
        sa.Column('cancelled_at', T(timezone=True), nullable=True),
        sa.Column('cancel_reason', S(length=1000), nullable=True),
        sa.Column('report_note', sa.Text(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['planned_by_id'], ['app_user.id']),
        sa.ForeignKeyConstraint(['subdistrict_code'], ['area.code']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_outreach_event_province_starts', 'outreach_event', ['province_code', 'starts_at'])
    op.create_index('ix_outreach_event_status_starts', 'outreach_event', ['status', 'starts_at'])
    op.create_index('ix_outreach_event_district_code', 'outreach_event', ['district_code'])
    op.create_table(
        'outreach_event_offer',
        sa.Column('event_id', sa.Uuid(), nullable=False),
        sa.Column('org_unit_code', S(length=20), nullable=False),
        sa.Column('service_code', S(length=40), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['outreach_event.id']),
        sa.ForeignKeyConstraint(['org_unit_code'], ['org_unit.code']),
        sa.ForeignKeyConstraint(['service_code'], ['outreach_service.code']),
        sa.PrimaryKeyConstraint('event_id', 'org_unit_code', 'service_code'),
    )
    op.create_index('ix_outreach_event_offer_org_unit_code', 'outreach_event_offer', ['org_unit_code'])
    op.create_table(
        'outreach_event_volunteer',
        sa.Column('event_id', sa.Uuid(), nullable=False),
        sa.Column('user_id', sa.Uuid(), nullable=False),
        sa.Column('venue_ready', sa.Boolean(), nullable=False),
        sa.Column('people_invited', sa.Integer(), nullable=True),
        sa.Column('checklist_at', T(timezone=True), nullable=True),
        sa.Column('attended_at', T(timezone=True), nullable=True),
        sa.Column('attendance_client_id', sa.Uuid(), nullable=True),
        sa.Column('topics', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['event_id'], ['outreach_event.id']),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id']),
        sa.PrimaryKeyConstraint('event_id', 'user_id'),
    )
    op.create_index('ix_outreach_event_volunteer_user_id', 'outreach_event_volunteer', ['user_id'])
    op.create_table(
        'outreach_attendance',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('event_id', sa.Uuid(), nullable=False),
        sa.Column('org_unit_code', S(length=20), nullable=False),
        sa.Column('service_code', S(length=40), nullable=False),
        sa.Column('people_served', sa.Integer(), nullable=False),
        sa.Column('men', sa.Integer(), nullable=True),
        sa.Column('women', sa.Integer(), nullable=True),
        sa.Column('other_gender', sa.Integer(), nullable=True),
        sa.Column('age_under_25', sa.Integer(), nullable=True),
        sa.Column('age_25_to_59', sa.Integer(), nullable=True),
        sa.Column('age_60_plus', sa.Integer(), nullable=True),
        sa.Column('recorded_by_id', sa.Uuid(), nullable=False),
        sa.Column('captured_at', T(timezone=True), nullable=False),
        sa.Column('recorded_at', T(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['outreach_event.id']),
        sa.ForeignKeyConstraint(['org_unit_code'], ['org_unit.code']),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['app_user.id']),
        sa.ForeignKeyConstraint(['service_code'], ['outreach_service.code']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_outreach_attendance_event_id', 'outreach_attendance', ['event_id'])
    with op.batch_alter_table('case_file') as batch:
        batch.add_column(sa.Column('event_id', sa.Uuid(), nullable=True))
        batch.create_index('ix_case_file_event_id', ['event_id'])
        batch.create_foreign_key('fk_case_file_event_id', 'outreach_event', ['event_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('case_file') as batch:
        batch.drop_constraint('fk_case_file_event_id', type_='foreignkey')
        batch.drop_index('ix_case_file_event_id')
        batch.drop_column('event_id')
    op.drop_table('outreach_attendance')
    op.drop_table('outreach_event_volunteer')
    op.drop_table('outreach_event_offer')
    op.drop_table('outreach_event')
    op.drop_table('area_need')
    op.drop_table('outreach_service')
