"""The words of SPEC.md section 4, as people read them on screen (Thai, English)."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    # subjects
    "case": ("เรื่อง", "case"),
    "referral": ("การส่งต่อ", "referral"),
    # case statuses
    "NEW": ("เรื่องใหม่", "new"),
    "ROUTED": ("ส่งต่อแล้ว", "routed"),
    "IN_PROGRESS": ("อยู่ระหว่างดำเนินการ", "in progress"),
    "RESOLVED": ("แก้ไขแล้ว", "resolved"),
    "CLOSED": ("ปิดเรื่อง", "closed"),
    # referral statuses
    "PENDING": ("รอรับเรื่อง", "awaiting acceptance"),
    "ACCEPTED": ("รับเรื่องแล้ว", "accepted"),
    "ON_HOLD": ("รอข้อมูล", "on hold"),
    "COMPLETED": ("เสร็จสิ้น", "completed"),
    "REJECTED": ("ไม่รับเรื่อง", "declined"),
    "REDIRECTED": ("ส่งต่อหน่วยงานอื่น", "redirected"),
    # actions
    "ACCEPT": ("รับเรื่อง", "accept"),
    "HOLD": ("พักเรื่อง", "put on hold"),
    "RESUME": ("ดำเนินการต่อ", "resume"),
    "COMPLETE": ("ดำเนินการเสร็จสิ้น", "complete"),
    "REJECT": ("ไม่รับเรื่อง", "decline"),
    "REDIRECT": ("ส่งต่อ", "redirect"),
    "ASSIGN": ("มอบหมายผู้รับผิดชอบ", "assign"),
    "REOPEN": ("เปิดเรื่องอีกครั้ง", "reopen"),
    "CLOSE": ("ปิดเรื่อง", "close"),
    "ROUTE": ("ส่งต่อ", "route"),
    "RECORD_SATISFACTION": ("บันทึกความพึงพอใจ", "record satisfaction"),
    "REQUEST_EXTENSION": ("ขอขยายกำหนดเวลา", "request an extension of"),
    "REQUEST_EXTENSION_AGAIN": ("ขอขยายกำหนดเวลาอีกครั้ง", "request a second extension of"),
    "DECIDE": ("พิจารณา", "decide"),
    "extension": ("การขอขยายกำหนดเวลา", "deadline extension"),
    "REQUESTED": ("รอพิจารณา", "awaiting a decision"),
    "APPROVED": ("อนุมัติแล้ว", "approved"),
}


def thai(word: object) -> str:
    return LABELS.get(str(word), (str(word), str(word)))[0]


def english(word: object) -> str:
    return LABELS.get(str(word), (str(word), str(word)))[1]
