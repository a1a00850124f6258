"""Errors the domain raises.

`DomainError` subclasses are *expected* failures: the API returns them as schema data
(a member of the mutation's result union, with a Thai and an English message).
`AccessDenied` is not: it becomes a top-level GraphQL error (convention 5).
Messages never carry personal data (a national ID, a phone number, a name).
"""

from __future__ import annotations

from domain.labels import english, thai


class DomainError(Exception):
    """An expected failure a user can act on."""

    code: str = "INVALID_INPUT"

    def __init__(self, message: str, message_th: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.message_th = message_th
        if code is not None:
            self.code = code


class ValidationFailed(DomainError):
    """One input field is wrong; `field` names it as the API spells it (camelCase)."""

    code = "INVALID_INPUT"

    def __init__(self, field: str, message: str, message_th: str, *, code: str | None = None) -> None:
        super().__init__(message, message_th, code=code)
        self.field = field


class NotFound(DomainError):
    """The object does not exist *for this user* (out of scope looks the same as missing)."""

    code = "NOT_FOUND"

    def __init__(self, what: str = "object", what_th: str = "ข้อมูล") -> None:
        super().__init__(f"The {what} was not found.", f"ไม่พบ{what_th}")


class IllegalTransition(DomainError):
    """An action that is not on the state graph for the current status."""

    code = "ILLEGAL_TRANSITION"

    def __init__(self, subject: str, status: str, action: str) -> None:
        super().__init__(
            f"You cannot {english(action)} a {english(subject)} that is {english(status)} "
            f"({status}, {action}).",
            f"ไม่สามารถ{thai(action)}ได้ เนื่องจาก{thai(subject)}อยู่ในสถานะ \"{thai(status)}\"",
        )
        self.subject = subject
        self.status = status
        self.action = action


class StaleVersion(DomainError):
    """The client edited an older version than the one stored."""

    code = "STALE_VERSION"

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(
            f"Someone else changed this in the meantime (you had version {expected}, "
            f"it is now {actual}). Reload and try again.",
            f"มีผู้อื่นแก้ไขข้อมูลนี้ไปแล้ว (ฉบับที่ท่านเห็นคือ {expected} ปัจจุบันคือ {actual}) "
            "กรุณาโหลดใหม่แล้วลองอีกครั้ง",
        )
        self.expected = expected
        self.actual = actual


class InvalidCredentials(DomainError):
    code = "INVALID_CREDENTIALS"

    def __init__(self) -> None:
        super().__init__(
            "The username or password is wrong.", "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง"
        )


class AccessDenied(Exception):
    """The signed-in user may not do this at all. A top-level error, not schema data."""

    def __init__(self, message: str = "You are not allowed to do this.") -> None:
        super().__init__(message)


class TooManyAttempts(DomainError):
    """Sign-in is locked for a while; says nothing about whether the username exists."""

    code = "TOO_MANY_ATTEMPTS"

    def __init__(self, retry_after_seconds: int) -> None:
        minutes = max(1, -(-retry_after_seconds // 60))
        super().__init__(
            f"Too many failed sign-in attempts. Try again in {minutes} minute(s).",
            f"มีการพยายามเข้าสู่ระบบไม่สำเร็จหลายครั้งเกินไป กรุณาลองใหม่อีกครั้งในอีก {minutes} นาที",
        )
        self.retry_after_seconds = retry_after_seconds


class DuplicateCase(DomainError):
    """The citizen already has an open case of this problem type, received recently.

    `case` is that case when the volunteer may see it (else None: only its reference is
    told, so the volunteer can ask the province's coordinator to link the two)."""

    code = "DUPLICATE_CASE"

    def __init__(self, reference: str, case: object | None) -> None:
        super().__init__(
            f"This citizen already has an open case of this type ({reference}). Add to that "
            "case instead, or file anyway if this is a different problem.",
            f"ผู้ขอรับบริการรายนี้มีเรื่องประเภทเดียวกันที่ยังไม่ปิดอยู่แล้ว ({reference}) "
            "กรุณาเพิ่มข้อมูลในเรื่องเดิม หรือยืนยันการยื่นเรื่องใหม่หากเป็นปัญหาอื่น",
        )
        self.reference = reference
        self.case = case


class QuotaExceeded(DomainError):
    """Too many lookups by national ID in the last hour."""

    code = "LOOKUP_QUOTA_EXCEEDED"

    def __init__(self, retry_after_seconds: int) -> None:
        minutes = max(1, -(-retry_after_seconds // 60))
        super().__init__(
            f"You have looked up too many citizens in the last hour. Try again in {minutes} "
            "minute(s).",
            f"ท่านค้นหาข้อมูลผู้ขอรับบริการเกินจำนวนที่กำหนดในหนึ่งชั่วโมง กรุณาลองใหม่ในอีก {minutes} นาที",
        )
        self.retry_after_seconds = retry_after_seconds
