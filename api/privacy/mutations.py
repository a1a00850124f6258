"""Reveal a citizen's identity (audited) and the PDPA requests (admins)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from api.cases.types import Case, Citizen
from api.context import Info
from api.errors import NotFoundError, TooManyLookupsError, ValidationError
from api.ids import id_or_nil
from api.permissions import IsAuthenticated, roles
from api.privacy.types import AnonymiseCitizenSuccess, AnonymiseSkipped
from domain.attachments import service as attachments
from domain.privacy import pdpa, service
from domain.users.models import Role

ADMINS = [IsAuthenticated, roles(Role.ADMIN)]
REVEALERS = [IsAuthenticated, roles(Role.VOLUNTEER, Role.OFFICER, Role.COORDINATOR, Role.ADMIN)]


@strawberry.type(description="The citizen's identity, whole; this was written to the access log.")
class RevealCitizenIdentitySuccess:
    citizen: Citizen = strawberry.field(description="Name, national ID and phone, unmasked.")
    case: Case = strawberry.field(description="The case.")


@strawberry.type(description="Everything held about one citizen (a data-subject access request).")
class CitizenDataExport:
    data: JSON = strawberry.field(description="Cases, referrals, history and accesses, as JSON.")


@strawberry.type(description="The legal hold of the case was set or lifted.")
class SetLegalHoldSuccess:
    case: Case = strawberry.field(description="The case.")
    legal_hold: bool = strawberry.field(description="True when the case is on legal hold now.")


RevealCitizenIdentityResult = Annotated[RevealCitizenIdentitySuccess | NotFoundError | ValidationError,
                                        strawberry.union("RevealCitizenIdentityResult")]
ExportCitizenDataResult = Annotated[CitizenDataExport | TooManyLookupsError | ValidationError,
                                    strawberry.union("ExportCitizenDataResult")]
AnonymiseCitizenResult = Annotated[AnonymiseCitizenSuccess | ValidationError,
                                   strawberry.union("AnonymiseCitizenResult")]
SetLegalHoldResult = Annotated[SetLegalHoldSuccess | NotFoundError | ValidationError,
                               strawberry.union("SetLegalHoldResult")]


@strawberry.type
class PrivacyMutations:
    @strawberry.mutation(description="Show a citizen's national ID and phone whole, for a reason "
                                     "(logged with you, the time and the reason).",
                         permission_classes=REVEALERS)
    async def reveal_citizen_identity(self, info: Info, case_id: strawberry.ID,
                                      reason: str) -> RevealCitizenIdentityResult:
        ctx = info.context
        async with ctx.uow() as uow:
            row, who = await service.reveal(uow, ctx.user, ctx.settings.vault, id_or_nil(case_id),
                                            reason, ctx.now())
        return RevealCitizenIdentitySuccess(citizen=Citizen.shown(row, who, True, revealed=True),
                                            case=Case.of(row))

    @strawberry.mutation(description="Everything held about the citizen with this national ID, "
                                     "as JSON (PDPA access request; admins; logged).",
                         permission_classes=ADMINS)
    async def export_citizen_data(
        self, info: Info, national_id: str,
        include_files: Annotated[bool, strawberry.argument(
            description="Also the files themselves, base64 in `contentBase64` (each one logged)."
        )] = False,
    ) -> ExportCitizenDataResult:
        ctx = info.context
        async with ctx.uow() as uow:
            data = await attachments.export_citizen_data(
                uow, ctx.user, ctx.settings.vault, ctx.store, national_id, ctx.now(),
                ctx.settings.lookup_quota_per_hour, include_files=include_files)
        return CitizenDataExport(data=data)

    @strawberry.mutation(description="Irreversibly remove the personal data of the citizen's closed "
                                     "cases, keeping the statistics (PDPA erasure; admins; logged).",
                         permission_classes=ADMINS)
    async def anonymise_citizen(self, info: Info, national_id: str,
                                reason: str) -> AnonymiseCitizenResult:
        ctx = info.context
        async with ctx.uow() as uow:
            done = await pdpa.anonymise_citizen(uow, ctx.user, ctx.settings.vault, national_id,
                                                reason, ctx.now())
        return AnonymiseCitizenSuccess(
            anonymised=list(done.references),
            skipped=[AnonymiseSkipped(reference=s.reference, why=s.why) for s in done.skipped])

    @strawberry.mutation(description="Put a case on legal hold (never anonymised) or lift the hold.",
                         permission_classes=ADMINS)
    async def set_legal_hold(self, info: Info, case_id: strawberry.ID, hold: bool,
                             reason: str) -> SetLegalHoldResult:
        ctx = info.context
        async with ctx.uow() as uow:
            row = await pdpa.set_legal_hold(uow, ctx.user, id_or_nil(case_id), hold, reason, ctx.now())
        return SetLegalHoldSuccess(case=Case.of(row), legal_hold=row.legal_hold)
