"""What each notification says: Thai first, with one English line (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from domain.clock.thai import english_datetime, thai_date, thai_datetime

LEVEL_TH = {0: "ใกล้ครบกำหนดเวลา", 1: "เกินกำหนด (ระดับ 1)", 2: "เกินกำหนด (ระดับ 2)",
            3: "เกินกำหนด (ระดับ 3)"}
LEVEL_EN = {0: "deadline approaching", 1: "overdue (level 1)", 2: "overdue (level 2)",
            3: "overdue (level 3)"}
DEADLINE_TH = {"ACCEPT": "รับเรื่อง", "RESOLVE": "ดำเนินการให้เสร็จ", "LEGAL": "ตามกฎหมาย"}
DEADLINE_EN = {"ACCEPT": "acceptance", "RESOLVE": "resolution", "LEGAL": "legal"}


@dataclass(frozen=True)
class Message:
    subject: str
    body_th: str
    body_en: str


def escalation(reference: str, org_unit: str, deadline: str, level: int, due: datetime) -> Message:
    th_state, en_state = LEVEL_TH[level], LEVEL_EN[level]
    return Message(
        subject=f"[Khortor] {reference}: {th_state} / {en_state}",
        body_th=(f"เรื่องเลขที่ {reference} ที่ส่งต่อไปยัง {org_unit} {th_state} "
                 f"กำหนดเวลา{DEADLINE_TH[deadline]} {thai_datetime(due)}"),
        body_en=(f"Case {reference} at {org_unit}: {DEADLINE_EN[deadline]} deadline "
                 f"{english_datetime(due)}, {en_state}."),
    )


def new_referral(reference: str, org_unit: str, accept_due: datetime) -> Message:
    return Message(
        subject=f"[Khortor] {reference}: เรื่องใหม่ / new referral",
        body_th=f"มีเรื่องใหม่เลขที่ {reference} ส่งต่อมายัง {org_unit} กรุณารับเรื่องภายใน {thai_datetime(accept_due)}",
        body_en=f"New referral {reference} for {org_unit}; please accept it by "
                f"{english_datetime(accept_due)}.",
    )


def on_hold_reminder(reference: str, reason: str | None) -> Message:
    return Message(
        subject=f"[Khortor] {reference}: รอข้อมูลจากผู้ขอรับบริการ / waiting for the citizen",
        body_th=f"เรื่องเลขที่ {reference} รอข้อมูลมาแล้ว 3 วันทำการ: {reason or '-'} กรุณาติดต่อผู้ขอรับบริการ",
        body_en=f"Case {reference} has been on hold for 3 business days; please contact the citizen.",
    )


def satisfaction_request(reference: str) -> Message:
    return Message(
        subject=f"[Khortor] {reference}: บันทึกความพึงพอใจ / record satisfaction",
        body_th=f"เรื่องเลขที่ {reference} แก้ไขแล้ว กรุณาสอบถามและบันทึกความพึงพอใจของผู้ขอรับบริการ",
        body_en=f"Case {reference} is resolved; please record the citizen's satisfaction.",
    )


def closed_by_system(reference: str) -> Message:
    return Message(
        subject=f"[Khortor] {reference}: ปิดเรื่อง / closed",
        body_th=f"เรื่องเลขที่ {reference} ปิดเรื่องโดยระบบ เนื่องจากแก้ไขแล้วครบ 14 วันโดยไม่มีการเปิดเรื่องอีกครั้ง",
        body_en=f"Case {reference} was closed by the system 14 days after resolution with no reopen.",
    )


def morning_digest(day: date, lines: list[str], overdue: int, due_today: int) -> Message:
    listing = "\n".join(lines)
    return Message(
        subject=f"[Khortor] สรุปงานประจำวัน {thai_date(day)} / morning digest",
        body_th=f"ครบกำหนดวันนี้ {due_today} เรื่อง เกินกำหนด {overdue} เรื่อง\n{listing}",
        body_en=f"Due today: {due_today}; overdue: {overdue}.",
    )


def extension_requested(reference: str, days: int, reason: str) -> Message:
    return Message(
        subject=f"[Khortor] {reference}: ขอขยายกำหนดเวลา / extension requested",
        body_th=f"ขอขยายกำหนดเวลาตามกฎหมายของเรื่องเลขที่ {reference} {days} วัน: {reason}",
        body_en=f"An extension of {days} days of the legal deadline of case {reference} awaits your decision.",
    )


def extension_decided(reference: str, approved: bool, days: int) -> Message:
    th = "อนุมัติ" if approved else "ไม่อนุมัติ"
    en = "approved" if approved else "refused"
    return Message(
        subject=f"[Khortor] {reference}: {th}การขยายกำหนดเวลา / extension {en}",
        body_th=f"การขอขยายกำหนดเวลาตามกฎหมาย {days} วันของเรื่องเลขที่ {reference}: {th}",
        body_en=f"The {days}-day extension of the legal deadline of case {reference} was {en}.",
    )


OUTCOME_TH = {"RESOLVED": "แก้ไขได้", "PARTIALLY_RESOLVED": "แก้ไขได้บางส่วน",
              "NOT_UPHELD": "ข้อร้องเรียนไม่มีมูล", "REFERRED_OUTSIDE": "ส่งต่อหน่วยงานภายนอก",
              "WITHDRAWN": "ผู้ขอรับบริการถอนเรื่อง"}
OUTCOME_EN = {"RESOLVED": "resolved", "PARTIALLY_RESOLVED": "partially resolved",
              "NOT_UPHELD": "not upheld", "REFERRED_OUTSIDE": "referred outside",
              "WITHDRAWN": "withdrawn by the citizen"}


@dataclass(frozen=True)
class CaseNews:
    """What happened to a volunteer's case, as the history says it (`domain/cases/notices.py`)."""

    reference: str
    office: str  # the office's Thai name and code, e.g. "สำนักงานสวัสดิการฯ (DLPW-43)"
    note: str | None = None  # the reason or note the officer wrote
    outcome: str | None = None
    amount_thb: Decimal | None = None
    to_office: str | None = None
    level: int | None = None


def _baht(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _news(subject_th: str, subject_en: str, news: CaseNews, body_th: str, body_en: str) -> Message:
    return Message(subject=f"[Khortor] {news.reference}: {subject_th} / {subject_en}",
                   body_th=f"เรื่องเลขที่ {news.reference}: {body_th}",
                   body_en=f"Case {news.reference}: {body_en}")


def referral_accepted(news: CaseNews) -> Message:
    return _news("รับเรื่องแล้ว", "accepted", news, f"{news.office} รับเรื่องแล้ว",
                 f"{news.office} accepted it.")


def referral_held(news: CaseNews) -> Message:
    return _news("รอข้อมูลจากผู้ขอรับบริการ", "on hold", news,
                 f"{news.office} พักเรื่องไว้: {news.note or '-'} กรุณาแจ้งผู้ขอรับบริการ",
                 f"{news.office} put it on hold; please tell the citizen the reason.")


def referral_resumed(news: CaseNews) -> Message:
    return _news("ดำเนินการต่อ", "resumed", news, f"{news.office} ดำเนินการต่อแล้ว",
                 f"{news.office} resumed work on it.")


def referral_completed(news: CaseNews) -> Message:
    outcome = news.outcome or ""
    th = f"{news.office} ดำเนินการเสร็จแล้ว ผล: {OUTCOME_TH.get(outcome, outcome)}"
    en = f"{news.office} completed it: {OUTCOME_EN.get(outcome, outcome)}"
    if news.amount_thb is not None:
        th += f" ได้รับเงินคืน {_baht(news.amount_thb)} บาท"
        en += f", THB {_baht(news.amount_thb)} recovered"
    if news.note:
        th += f" ({news.note})"
    return _news("ดำเนินการเสร็จแล้ว", "completed", news, th + " กรุณาแจ้งผู้ขอรับบริการ",
                 en + ". Please tell the citizen.")


def referral_declined(news: CaseNews) -> Message:
    return _news("หน่วยงานไม่รับเรื่อง", "declined", news,
                 f"{news.office} ไม่รับเรื่อง: {news.note or '-'}",
                 f"{news.office} declined it.")


def referral_redirected(news: CaseNews) -> Message:
    return _news("ส่งต่อหน่วยงานอื่น", "redirected", news,
                 f"{news.office} ส่งต่อเรื่องไปยัง {news.to_office}: {news.note or '-'}",
                 f"{news.office} redirected it to {news.to_office}.")


def case_escalated(news: CaseNews) -> Message:
    level = news.level or 2
    return _news(f"เกินกำหนด (ระดับ {level})", f"escalated (level {level})", news,
                 f"{news.office} ยังไม่ดำเนินการตามกำหนดเวลา เรื่องถูกยกระดับถึงระดับ {level}",
                 f"{news.office} is past its deadline; the case was escalated to level {level}.")


def case_reopened(news: CaseNews) -> Message:
    return _news("เปิดเรื่องอีกครั้ง", "reopened", news, f"เปิดเรื่องอีกครั้ง: {news.note or '-'}",
                 "it was reopened.")


def back_at_triage(news: CaseNews) -> Message:
    return _news("กลับมารอคัดกรอง", "back at triage", news,
                 f"ทุกหน่วยงานที่ส่งต่อไม่รับเรื่อง (ล่าสุด {news.office}) กรุณาคัดกรองและส่งต่อใหม่",
                 f"every office it was sent to declined it (last {news.office}); please triage it again.")


def referral_assigned(news: CaseNews) -> Message:
    return _news("มอบหมายให้คุณ", "assigned to you", news,
                 f"มอบหมายการส่งต่อที่ {news.office} ให้คุณรับผิดชอบ",
                 f"the referral at {news.office} was assigned to you.")


def cases_handed_over(count: int, leaving_name: str, references: list[str]) -> Message:
    listing = ", ".join(references[:10]) + (" …" if len(references) > 10 else "")
    return Message(
        subject=f"[Khortor] รับช่วงดูแล {count} เรื่อง / {count} case(s) handed over to you",
        body_th=f"คุณได้รับมอบให้ติดตามเรื่องที่ {leaving_name} ดูแลอยู่ {count} เรื่อง: {listing}",
        body_en=f"You now follow up {count} case(s) that {leaving_name} followed: {listing}.",
    )


def referrals_unassigned(count: int, leaving_name: str, org_unit: str) -> Message:
    return Message(
        subject=f"[Khortor] {org_unit}: มีเรื่องที่ไม่มีผู้รับผิดชอบ {count} เรื่อง / {count} referral(s) unassigned",
        body_th=f"{leaving_name} ไม่ได้อยู่ที่ {org_unit} แล้ว เรื่องที่รับผิดชอบอยู่ {count} เรื่องกลับไปรอมอบหมาย",
        body_en=f"{leaving_name} has left {org_unit}; {count} referral(s) they held wait to be assigned.",
    )
