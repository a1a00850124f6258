"""Every table, imported in one place for Alembic and the test fixtures."""

from sqlmodel import SQLModel

from domain.areas.models import Area
from domain.cases.models import Case, CaseEvent, CaseSequence, Referral
from domain.categories.models import Category, RoutingRuleRow, SlaPolicy
from domain.org_units.models import Agency, OrgUnit
from domain.stats.models import StatsCalendarDay, StatsExport
from domain.users.models import User

metadata = SQLModel.metadata

__all__ = [
    "Agency",
    "Area",
    "Case",
    "CaseEvent",
    "CaseSequence",
    "Category",
    "OrgUnit",
    "Referral",
    "RoutingRuleRow",
    "SlaPolicy",
    "StatsCalendarDay",
    "StatsExport",
    "User",
    "metadata",
]
