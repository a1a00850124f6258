"""Structured logs: one JSON object per line, personal data redacted (issue 6).

`configure_logging()` routes every stdlib `logging` record (uvicorn's, Celery's, our own
`logging.getLogger(...)` calls) and every structlog call through one
`structlog.stdlib.ProcessorFormatter`, so each line carries `timestamp` (UTC, ISO 8601),
`level`, `logger`, `event` and, while a request is served, its `request_id`.

Before rendering, `redact` removes personal data from the whole event dict: values under keys
whose name suggests personal data or a secret, and — in any string anywhere — Thai national
IDs (13 digits, with or without dashes or spaces), Thai phone numbers and bearer tokens /
JWTs. Thai text is otherwise written as it is (`ensure_ascii=False`).
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any, TextIO

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from domain.requests import current_request_id

REDACTED = "[redacted]"

# A key is sensitive when its name, lower-cased without `_`/`-`, contains one of these.
SENSITIVE_KEY_PARTS = (
    "nationalid", "citizen", "idcard", "phone", "mobile", "fullname", "firstname", "lastname",
    "surname", "displayname", "email", "birth", "address", "password", "passwd", "secret",
    "token", "authorization", "cookie", "apikey", "description",
)
# Keys we write ourselves and whose values are never personal data by name.
SAFE_KEYS = frozenset({"event", "timestamp", "level", "logger", "request_id"})

# Digits are only matched as whole tokens: never inside a hex id or a word. `\d` is any
# Unicode digit, so Thai digits (๐–๙) are matched as well as ASCII ones.
_EDGE_BEFORE = r"(?<![0-9A-Za-z๐-๙])"
_EDGE_AFTER = r"(?![0-9A-Za-z๐-๙])"
# 13 digits, a dash, dot or space allowed between any two: 1101700230705, 1-1017-00230-70-5.
NATIONAL_ID = re.compile(_EDGE_BEFORE + r"\d(?:[ .-]?\d){12}" + _EDGE_AFTER)
# Thai numbers: 0 + 8 or 9 digits (02-123-4567, 081.234.5678, (02) 123 4567, ๐๘๑๒๓๔๕๖๗๘)
# or +66 / 66 without the 0.
PHONE = re.compile(r"(?<![0-9A-Za-z๐-๙+(])(?:\+66[ .-]?|66[ .-]?|\(?[0๐])\d(?:\)?[ .-]?\d){7,8}"
                   + _EDGE_AFTER)
BEARER = re.compile(r"\bbearer\s+[A-Za-z0-9._~+/=-]+", re.IGNORECASE)
JWT = re.compile(r"\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
PATTERNS = (BEARER, JWT, NATIONAL_ID, PHONE)

_HANDLER_MARK = "_khortor_handler"


def is_sensitive_key(key: object) -> bool:
    if not isinstance(key, str) or key in SAFE_KEYS:
        return False
    folded = key.lower().replace("_", "").replace("-", "")
    return any(part in folded for part in SENSITIVE_KEY_PARTS)


def redact_text(text: str) -> str:
    """`text` with every national ID, phone number, bearer token and JWT replaced."""
    for pattern in PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


def redact_value(value: Any) -> Any:
    """A copy of `value` with personal data removed, recursively through dicts and lists."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return value
    if isinstance(value, int):
        return REDACTED if redact_text(str(value)) != str(value) else value
    if isinstance(value, Mapping):
        return {k: REDACTED if is_sensitive_key(k) else redact_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [redact_value(v) for v in value]
    return REDACTED if isinstance(value, (bytes, bytearray)) else redact_text(str(value))


def redact(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """structlog processor: the event dict without personal data (keys and values)."""
    return {k: REDACTED if is_sensitive_key(k) else redact_value(v) for k, v in event_dict.items()}


def add_request_id(_logger: WrappedLogger, _method: str,
                   event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """The request being served, from `domain.requests` (also set outside structlog)."""
    if "request_id" not in event_dict:
        request_id = current_request_id()
        if request_id is not None:
            event_dict["request_id"] = request_id
    return event_dict


def drop_color_message(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """uvicorn passes a coloured copy of its message as an extra; the event says it all."""
    event_dict.pop("color_message", None)
    return event_dict


def _shared_processors() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        add_request_id,  # type: ignore[list-item]
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.stdlib.PositionalArgumentsFormatter(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def formatter(json: bool = True) -> structlog.stdlib.ProcessorFormatter:
    renderer: Processor = (structlog.processors.JSONRenderer(ensure_ascii=False) if json
                           else structlog.dev.ConsoleRenderer(colors=False))
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_shared_processors(), structlog.stdlib.ExtraAdder()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,  # the traceback text is redacted too
            drop_color_message,
            redact,
            renderer,
        ],
    )


def configure_logging(json: bool = True, level: int | str = "INFO",
                      stream: TextIO | None = None) -> logging.Handler:
    """One handler on the root logger writing `stream` (stderr by default); returns it.

    Calling it again replaces the handler it installed before and leaves others alone.
    uvicorn and Celery loggers lose their own handlers and propagate to the root.
    """
    structlog.configure(
        processors=[*_shared_processors(), structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter(json))
    setattr(handler, _HANDLER_MARK, True)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "celery", "celery.task",
                 "celery.redirected"):
        named = logging.getLogger(name)
        named.handlers.clear()
        named.propagate = True
    return handler
