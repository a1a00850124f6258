"""Deactivating a person, or moving a volunteer to another area, decides what becomes of
their work in the same transaction: a volunteer's open cases go to another active volunteer
of the province (or to a coordinator of it), each with a history entry, and that person is
told; an officer's referrals go back to the office's queue and the unit head is told; a
mentor's mentees go to another mentor. Nothing is deleted; every case moves or none does."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from domain.audit import service as audit
from domain.cases import handover
from domain.clock.business import BusinessCalendar
from domain.errors import AccessDenied, ValidationFailed
from domain.notifications import messages
from domain.notifications.models import NotificationKind
from domain.notifications.service import notify
from domain.reference import repository as reference
from domain.uow import UnitOfWork
from domain.users import directory, repository
from domain.users.models import Role, User
from domain.users.principal import Principal


@dataclass
class Turnover:
    user: User
    cases_moved: int = 0
    referrals_unassigned: int = 0
    mentees_moved: int = 0
    to: User | None = None
    references: list[str] = field(default_factory=list)


def _refuse_target(reason_en: str, reason_th: str) -> ValidationFailed:
    return ValidationFailed("handoverTo", reason_en, reason_th, code="BAD_HANDOVER")


async def _target(uow: UnitOfWork, leaving: User, username: str | None, province: str, *,
                  mentor: bool) -> User:
    """The person who takes the work over: active, in the same province, of the right role."""
    if not username:
        raise _refuse_target("Choose who takes over their open cases." if not mentor
                             else "Choose the mentor who takes over their volunteers.",
                             "กรุณาเลือกผู้รับช่วงดูแลเรื่องที่ยังไม่เสร็จ" if not mentor
                             else "กรุณาเลือกพี่เลี้ยงที่รับดูแลอาสาสมัครต่อ")
    to = await repository.by_username(uow.session, username.strip())
    if to is None or to.id == leaving.id:
        raise _refuse_target("Unknown person to hand over to.", "ไม่พบผู้รับช่วงที่เลือก")
    if not to.is_active:
        raise _refuse_target("That person is not active.", "ผู้รับช่วงที่เลือกไม่ได้ใช้งานแล้ว")
    roles = (Role.MENTOR,) if mentor else (Role.VOLUNTEER, Role.COORDINATOR)
    if Role(to.role) not in roles or not (to.area_code or "").startswith(province):
        raise _refuse_target("Hand over to an active volunteer or coordinator of the same province."
                             if not mentor else "Hand over to an active mentor of the same province.",
                             "ผู้รับช่วงต้องเป็นอาสาสมัครแรงงานหรือผู้ประสานงานในจังหวัดเดียวกัน"
                             if not mentor else "ผู้รับช่วงต้องเป็นพี่เลี้ยงในจังหวัดเดียวกัน")
    return to


async def _hand_over(uow: UnitOfWork, principal: Principal, user: User, to_username: str | None,
                     now: datetime, calendar: BusinessCalendar, province: str) -> Turnover:
    done = Turnover(user=user)
    session = uow.session
    role = Role(user.role)
    if role in (Role.VOLUNTEER, Role.COORDINATOR):  # a coordinator may follow cases handed to them
        from_cases = await handover.open_case_count(uow, user)
        if from_cases:
            done.to = await _target(uow, user, to_username, province, mentor=False)
            moved = await handover.hand_over_cases(uow, principal, user, done.to, now)
            done.cases_moved, done.references = len(moved), [c.reference for c in moved]
            await notify(uow, [done.to], NotificationKind.CASES_HANDED_OVER,
                         f"handover:{user.id}:{now.isoformat()}",
                         messages.cases_handed_over(len(moved), user.display_name, done.references),
                         now, calendar, case_id=moved[0].id)
    if role is Role.MENTOR:
        mentees = await repository.mentees_of(session, user.id)
        if mentees:
            done.to = await _target(uow, user, to_username, province, mentor=True)
            for mentee in mentees:
                mentee.mentor_id = done.to.id
            done.mentees_moved = len(mentees)
    if role is Role.OFFICER and user.org_unit_code:
        freed = await handover.unassign_referrals(uow, principal, user, now)
        done.referrals_unassigned = len(freed)
        if freed:
            unit = await reference.org_unit(session, user.org_unit_code)
            heads = [head for head in await repository.unit_officers(session, user.org_unit_code, heads_only=True)
                     if head.id != user.id]
            await notify(uow, heads, NotificationKind.REFERRALS_UNASSIGNED,
                         f"unassigned:{user.id}:{now.isoformat()}",
                         messages.referrals_unassigned(len(freed), user.display_name,
                                                       unit.name_th if unit else user.org_unit_code),
                         now, calendar, referral_id=freed[0].id)
    return done


def _summary(done: Turnover) -> dict[str, object]:
    return {"casesMoved": done.cases_moved, "referralsUnassigned": done.referrals_unassigned,
            "menteesMoved": done.mentees_moved, "handedOverTo": done.to.username if done.to else None}


async def deactivate(uow: UnitOfWork, principal: Principal, username: str, handover_to: str | None,
                     now: datetime, calendar: BusinessCalendar) -> Turnover:
    """Deactivate a person (their tokens stop working at once) and hand their work over."""
    session = uow.session
    user = await directory.managed(session, principal, username)
    if user.id == principal.user_id:
        raise AccessDenied("You cannot deactivate yourself.")
    if not user.is_active:
        return Turnover(user=user)
    if user.role == Role.ADMIN and await repository.active_admin_count(session) <= 1:
        raise ValidationFailed("username", "This is the last active admin.",
                               "ผู้ดูแลระบบคนนี้เป็นคนสุดท้ายที่ยังใช้งานอยู่", code="LAST_ADMIN")
    province = (user.area_code or (user.org_unit_code or "").rpartition("-")[2])[:2]
    done = await _hand_over(uow, principal, user, handover_to, now, calendar, province)
    user.is_active, user.deactivated_at = False, now
    user.reset_code_hash = user.reset_code_expires_at = None
    audit.record(session, principal.user_id, "USER_DEACTIVATED", "USER", user.username, now,
                 before={"isActive": True}, after={"isActive": False, **_summary(done)}, only_changes=False)
    return done


async def move_volunteer(uow: UnitOfWork, principal: Principal, username: str, area_code: str,
                         handover_to: str | None, now: datetime, calendar: BusinessCalendar) -> Turnover:
    """A volunteer appointed to another sub-district: their open cases stay in the old area,
    with another volunteer (or a coordinator) of it."""
    session = uow.session
    user = await directory.managed(session, principal, username)
    if Role(user.role) not in (Role.VOLUNTEER, Role.MENTOR):
        raise ValidationFailed("areaCode", "Only volunteers and mentors move between areas here.",
                               "ย้ายพื้นที่ได้เฉพาะอาสาสมัครแรงงานและพี่เลี้ยง", code="NOT_MOVABLE")
    code = (area_code or "").strip()
    if await reference.area(session, code) is None:
        raise ValidationFailed("areaCode", "Unknown area code.", "ไม่พบรหัสพื้นที่นี้", code="UNKNOWN_AREA")
    if principal.role is Role.COORDINATOR and not code.startswith(principal.province_code or "--"):
        raise ValidationFailed("areaCode", "Outside your province.", "พื้นที่นี้อยู่นอกจังหวัดของคุณ",
                               code="OUT_OF_SCOPE")
    if code == user.area_code:
        return Turnover(user=user)
    before = {"areaCode": user.area_code}
    done = await _hand_over(uow, principal, user, handover_to, now, calendar, (user.area_code or "")[:2])
    user.area_code = code
    audit.record(session, principal.user_id, "USER_MOVED", "USER", user.username, now,
                 before=before, after={"areaCode": code, **_summary(done)}, only_changes=False)
    return done
