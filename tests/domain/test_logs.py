"""Redaction of personal data from log lines (domain/logs.py): pure functions, table-driven,
then through real stdlib and structlog loggers into JSON lines."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from domain.logs import REDACTED, configure_logging, is_sensitive_key, redact, redact_text
from domain.requests import request_id

# (text, what it must become)
REDACTED_TEXT = [
    ("1101700230705", REDACTED),
    ("1-1017-00230-70-5", REDACTED),
    ("1 1017 00230 70 5", REDACTED),
    ("เลขประจำตัวประชาชน 1101700230705 ของผู้ขอรับบริการ", f"เลขประจำตัวประชาชน {REDACTED} ของผู้ขอรับบริการ"),
    ("เลขบัตร1101700230705", f"เลขบัตร{REDACTED}"),
    ("/cases/1101700230705", f"/cases/{REDACTED}"),
    ("0812345678", REDACTED),
    ("081-234-5678", REDACTED),
    ("081 234 5678", REDACTED),
    ("+66812345678", REDACTED),
    ("+66 81 234 5678", REDACTED),
    ("02-123-4567", REDACTED),
    ("โทร 0812345678 ครับ", f"โทร {REDACTED} ครับ"),
    ("Authorization: Bearer abc.DEF-123_x", f"Authorization: {REDACTED}"),
    ("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", f"token {REDACTED}"),
    ("username=1101700230705&phone=0812345678", f"username={REDACTED}&phone={REDACTED}"),
    # Thai digits, dots and brackets (issue 11)
    ("๑๑๐๑๗๐๐๒๓๐๗๐๕", REDACTED),
    ("1.1017.00230.70.5", REDACTED),
    ("โทร ๐๘๑๒๓๔๕๖๗๘ ครับ", f"โทร {REDACTED} ครับ"),
    ("๐๘๑-๒๓๔-๕๖๗๘", REDACTED),
    ("081.234.5678", REDACTED),
    ("(02) 123 4567", REDACTED),
    ("(081)234-5678", REDACTED),
    ("โทร(081) 234 5678", f"โทร{REDACTED}"),
    ("+66.81.234.5678", REDACTED),
]

# Text that must come out exactly as it went in.
KEPT_TEXT = [
    "นายจ้างค้างจ่ายค่าจ้างสองเดือน ยังไม่ได้รับค่าชดเชย",
    "2026-11-23T02:00:00.123456Z",
    "07a77eedc5e3413da11515875bf754cd",            # a request id (uuid4 hex)
    "ca719528-ee10-46c7-9e3d-251f283b05dc",        # a uuid
    "NKI-2569-000123",                             # a case reference
    "POST /graphql 200 12.5 ms",
    "3600 seconds, 25000 cost, 430101 sub-district, 10.0.0.1",
    "Task outbox.relay[ca719528-ee10-46c7-9e3d-251f283b05dc] succeeded in 0.01s: None",
    "ค่าจ้าง ๑๘,๐๐๐ บาท ปี ๒๕๖๙",                     # Thai-digit amounts and years
    "version 3.12.7, 12.5 ms, 192.168.10.1",
]


@pytest.mark.parametrize(("text", "expected"), REDACTED_TEXT)
def test_personal_data_in_text_is_redacted(text: str, expected: str) -> None:
    assert redact_text(text) == expected


@pytest.mark.parametrize("text", KEPT_TEXT)
def test_other_text_is_kept_as_it_is(text: str) -> None:
    assert redact_text(text) == text


@pytest.mark.parametrize(("key", "sensitive"), [
    ("national_id", True), ("nationalId", True), ("citizen", True), ("citizen_name", True),
    ("phone", True), ("phoneNumber", True), ("full_name", True), ("fullName", True),
    ("password", True), ("token", True), ("Authorization", True), ("secret_key", True),
    ("email", True), ("description", True),
    ("event", False), ("request_id", False), ("status", False), ("path", False),
    ("method", False), ("duration_ms", False), ("case_id", False), ("level", False),
])
def test_keys_that_suggest_personal_data(key: str, sensitive: bool) -> None:
    assert is_sensitive_key(key) is sensitive


def test_the_event_dict_is_redacted_by_key_and_by_value_recursively() -> None:
    event = {"event": "filed for 1101700230705", "national_id": "1101700230705",
             "citizen": {"fullName": "สมชาย ใจดี", "note": "โทร 081-234-5678"},
             "phones": ["0812345678"], "ids": [1101700230705, 42], "ok": True, "ms": 1.5,
             "request_id": "abc", "category": "ค่าจ้างค้างจ่าย"}
    assert redact(None, "info", event) == {
        "event": f"filed for {REDACTED}", "national_id": REDACTED, "citizen": REDACTED,
        "phones": REDACTED, "ids": [REDACTED, 42], "ok": True, "ms": 1.5,
        "request_id": "abc", "category": "ค่าจ้างค้างจ่าย"}
    assert redact(None, "info", {"data": {"fullName": "x", "nested": [{"phone": "1"}]}}) == {
        "data": {"fullName": REDACTED, "nested": [{"phone": REDACTED}]}}


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """configure_logging() writing to a buffer; the root logger and structlog restored after."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    configure_logging(json=True, level="INFO", stream=stream)
    try:
        yield stream
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        structlog.reset_defaults()


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_stdlib_and_structlog_lines_are_json_with_the_request_id_and_nothing_personal(
        log_output: io.StringIO) -> None:
    token = request_id.set("req-1")
    try:
        logging.getLogger("khortor.test").warning("ผู้ขอรับบริการ %s โทร %s", "1-1017-00230-70-5",
                                                  "+66812345678", extra={"phone": "0812345678"})
        structlog.get_logger("khortor.test").info("filed", national_id="1101700230705",
                                                  note="นายจ้าง 081-234-5678")
        try:
            raise ValueError("bad national ID 1101700230705")
        except ValueError:
            logging.getLogger("khortor.test").exception("failed for 0812345678")
    finally:
        request_id.reset(token)
    logging.getLogger("khortor.test").info("outside a request")
    text = log_output.getvalue()
    for secret in ("1101700230705", "1-1017-00230-70-5", "66812345678", "0812345678", "081-234-5678"):
        assert secret not in text
    first, second, third, fourth = _lines(log_output)
    assert first["event"] == f"ผู้ขอรับบริการ {REDACTED} โทร {REDACTED}"
    assert first["phone"] == REDACTED
    assert (first["level"], first["logger"], first["request_id"]) == ("warning", "khortor.test", "req-1")
    assert str(first["timestamp"]).endswith("Z")
    assert second == {**second, "event": "filed", "national_id": REDACTED, "note": f"นายจ้าง {REDACTED}",
                      "request_id": "req-1", "level": "info"}
    assert "ValueError: bad national ID [redacted]" in str(third["exception"])
    assert "request_id" not in fourth and fourth["event"] == "outside a request"
