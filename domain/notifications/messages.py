"""What each notification says: Thai first, with one English line (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from domain.clock.business import BANGKOK
from domain.clock.thai import thai_date, thai_datetime

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
                 f"{due.astimezone(BANGKOK):%Y-%m-%d %H:%M} (Bangkok), {en_state}."),
    )


def new_referral(reference: str, org_unit: str, accept_due: datetime) -> Message:
    return Message(
        subject=f"[Khortor] {reference}: เรื่องใหม่ / new referral",
        body_th=f"มีเรื่องใหม่เลขที่ {reference} ส่งต่อมายัง {org_unit} กรุณารับเรื่องภายใน {thai_datetime(accept_due)}",
        body_en=f"New referral {reference} for {org_unit}; please accept it by "
                f"{accept_due.astimezone(BANGKOK):%Y-%m-%d %H:%M} (Bangkok).",
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
