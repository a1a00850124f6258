"""Outreach refusals, each with the reason in English and Thai (domain/errors.py)."""

from __future__ import annotations

from domain.errors import NotFound, ValidationFailed


def event_not_found() -> NotFound:
    return NotFound("event", "กิจกรรม")


def unknown_subdistrict(field: str = "subdistrictCode") -> ValidationFailed:
    return ValidationFailed(field, "Unknown sub-district code.", "ไม่พบรหัสตำบลนี้",
                            code="UNKNOWN_SUBDISTRICT")


def outside_area(field: str = "subdistrictCode") -> ValidationFailed:
    return ValidationFailed(field, "This sub-district is outside your area.",
                            "ตำบลนี้อยู่นอกพื้นที่ของท่าน", code="OUTSIDE_AREA")


def unknown_service(field: str = "serviceCode") -> ValidationFailed:
    return ValidationFailed(field, "Unknown service.", "ไม่พบบริการนี้", code="UNKNOWN_SERVICE")


def unknown_office(field: str = "orgUnitCode") -> ValidationFailed:
    return ValidationFailed(field, "Unknown office.", "ไม่พบหน่วยงานนี้", code="UNKNOWN_ORG_UNIT")


def not_offered(field: str = "serviceCode") -> ValidationFailed:
    return ValidationFailed(field, "This office does not offer this service at the event.",
                            "หน่วยงานนี้ไม่ได้ให้บริการนี้ในกิจกรรม", code="NOT_OFFERED")


def not_assigned(field: str = "eventId") -> ValidationFailed:
    return ValidationFailed(field, "You are not assigned to this event.",
                            "ท่านไม่ได้รับมอบหมายให้ร่วมกิจกรรมนี้", code="NOT_ASSIGNED")


def attendance_closed() -> ValidationFailed:
    return ValidationFailed("eventId", "Attendance is recorded only at a held event, or at an "
                                       "announced one on its day.",
                            "บันทึกผู้รับบริการได้เฉพาะกิจกรรมที่จัดแล้ว หรือกิจกรรมที่ประกาศแล้วในวันจัดกิจกรรม",
                            code="EVENT_NOT_OPEN")


def wrong_kind(kind_en: str, kind_th: str) -> ValidationFailed:
    return ValidationFailed("eventId", f"This is recorded only for {kind_en}.",
                            f"บันทึกข้อมูลนี้ได้เฉพาะ{kind_th}", code="WRONG_EVENT_KIND")


def event_not_filing() -> ValidationFailed:
    return ValidationFailed("eventId", "Cases are filed at an event only while it is announced or held.",
                            "ยื่นเรื่องจากกิจกรรมได้เฉพาะกิจกรรมที่ประกาศแล้วหรือจัดแล้ว",
                            code="EVENT_NOT_OPEN")


def event_other_province() -> ValidationFailed:
    return ValidationFailed("eventId", "The event is in another province than the case.",
                            "กิจกรรมนี้อยู่ต่างจังหวัดกับเรื่องที่ยื่น", code="EVENT_OUTSIDE_PROVINCE")


def client_id_conflict() -> ValidationFailed:
    return ValidationFailed("clientId", "This client id is already in use.",
                            "รหัสอ้างอิงจากเครื่องนี้ถูกใช้แล้ว", code="CLIENT_ID_CONFLICT")


def captured_in_future() -> ValidationFailed:
    return ValidationFailed("capturedAt", "The capture time must be a past time with a time zone.",
                            "เวลาที่บันทึกต้องเป็นเวลาที่ผ่านมาแล้วและระบุเขตเวลา")


def event_not_found_field() -> ValidationFailed:
    """An unknown event named in an input (openCase's `eventId`): a field error."""
    return ValidationFailed("eventId", "Unknown event.", "ไม่พบกิจกรรมนี้", code="UNKNOWN_EVENT")
