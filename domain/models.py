"""Every table, imported in one place for Alembic and the test fixtures."""

from sqlmodel import SQLModel

from domain.areas.models import Area
from domain.attachments.models import Attachment
from domain.audit.models import AdminAuditEntry
from domain.calendar.models import CalendarDay
from domain.cases.models import Case, CaseEvent, CaseSequence, Escalation, Referral
from domain.categories.models import Category, RoutingRuleRow, SlaPolicy
from domain.escalations.models import DeadlineExtension
from domain.notifications.models import Delivery, Notification
from domain.org_units.models import Agency, OrgUnit
from domain.outbox.models import OutboxJob
from domain.outreach.models import (AreaNeed, EventOffer, EventVolunteer, OutreachEvent, OutreachService,
                                    ServiceAttendance)
from domain.privacy.models import AccessLogEntry
from domain.reference.models import ReferenceVersion
from domain.stats.cell_models import (StatsCaseCell, StatsCoverage, StatsDurationBin, StatsLastActivity,
                                      StatsOpenDay, StatsOpenReferral, StatsReferralCell, StatsRollupState,
                                      StatsVolunteerCell)
from domain.stats.models import StatsCalendarDay, StatsExport
from domain.uploads.models import Upload
from domain.users.models import LoginThrottle, User

metadata = SQLModel.metadata

__all__ = [
    "AccessLogEntry",
    "AdminAuditEntry",
    "AreaNeed",
    "Attachment",
    "Agency",
    "Area",
    "CalendarDay",
    "Case",
    "CaseEvent",
    "CaseSequence",
    "Category",
    "DeadlineExtension",
    "Delivery",
    "Escalation",
    "EventOffer",
    "EventVolunteer",
    "LoginThrottle",
    "Notification",
    "OrgUnit",
    "OutboxJob",
    "OutreachEvent",
    "OutreachService",
    "ReferenceVersion",
    "Referral",
    "RoutingRuleRow",
    "ServiceAttendance",
    "SlaPolicy",
    "StatsCalendarDay",
    "StatsCaseCell",
    "StatsCoverage",
    "StatsDurationBin",
    "StatsExport",
    "StatsLastActivity",
    "StatsOpenDay",
    "StatsOpenReferral",
    "StatsReferralCell",
    "StatsRollupState",
    "StatsVolunteerCell",
    "Upload",
    "User",
    "metadata",
]
