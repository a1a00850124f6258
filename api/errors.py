"""Expected failures as schema data, mapped from domain errors in one place (convention 5)."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.types.field import StrawberryField
from strawberry.types.info import Info

from domain import errors


@strawberry.enum(description="What went wrong, as a stable code a client can act on.")
class ErrorCode(Enum):
    INVALID_INPUT = "INVALID_INPUT"
    REQUIRED = "REQUIRED"
    TOO_LONG = "TOO_LONG"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    INVALID_NATIONAL_ID = "INVALID_NATIONAL_ID"
    INVALID_JURISTIC_ID = "INVALID_JURISTIC_ID"
    INVALID_PHONE = "INVALID_PHONE"
    INVALID_AMOUNT = "INVALID_AMOUNT"
    UNKNOWN_CATEGORY = "UNKNOWN_CATEGORY"
    UNKNOWN_SUBDISTRICT = "UNKNOWN_SUBDISTRICT"
    UNKNOWN_ORG_UNIT = "UNKNOWN_ORG_UNIT"
    UNKNOWN_AREA = "UNKNOWN_AREA"
    CONSENT_REQUIRED = "CONSENT_REQUIRED"
    CLIENT_ID_CONFLICT = "CLIENT_ID_CONFLICT"
    ALREADY_REFERRED = "ALREADY_REFERRED"
    NOT_A_COLLEAGUE = "NOT_A_COLLEAGUE"
    NOT_FOUND = "NOT_FOUND"
    ILLEGAL_TRANSITION = "ILLEGAL_TRANSITION"
    STALE_VERSION = "STALE_VERSION"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
    DUPLICATE_CASE = "DUPLICATE_CASE"
    LOOKUP_QUOTA_EXCEEDED = "LOOKUP_QUOTA_EXCEEDED"
    DUPLICATE = "DUPLICATE"
    OFFICE_OUTSIDE_AREA = "OFFICE_OUTSIDE_AREA"
    CATEGORY_IN_USE = "CATEGORY_IN_USE"
    # issue 16: outreach
    OUTSIDE_AREA = "OUTSIDE_AREA"
    UNKNOWN_SERVICE = "UNKNOWN_SERVICE"
    UNKNOWN_EVENT = "UNKNOWN_EVENT"
    NOT_OFFERED = "NOT_OFFERED"
    NOT_ASSIGNED = "NOT_ASSIGNED"
    NOT_A_VOLUNTEER = "NOT_A_VOLUNTEER"
    EVENT_IN_PAST = "EVENT_IN_PAST"
    EVENT_NOT_STARTED = "EVENT_NOT_STARTED"
    EVENT_NOT_OPEN = "EVENT_NOT_OPEN"
    EVENT_OUTSIDE_PROVINCE = "EVENT_OUTSIDE_PROVINCE"
    WRONG_EVENT_KIND = "WRONG_EVENT_KIND"


BAD_USER_INPUT = "BAD_USER_INPUT"


def bad_input(message: str, message_th: str) -> GraphQLError:
    """A top-level error about the request's arguments (a cursor, a page size, a variable),
    not about the data: `extensions.code` BAD_USER_INPUT, the Thai in `extensions.messageTh`."""
    return GraphQLError(message, extensions={"code": BAD_USER_INPUT, "messageTh": message_th})


def _code(error: errors.DomainError) -> ErrorCode:
    try:
        return ErrorCode(error.code)
    except ValueError:
        return ErrorCode.INVALID_INPUT


@strawberry.interface(description="An expected failure the user can act on.")
class UserError:
    message: str = strawberry.field(description="What is wrong, in English.")
    message_th: str = strawberry.field(description="What is wrong, in Thai.")
    code: ErrorCode = strawberry.field(description="A stable code for the failure.")


@strawberry.type(description="One input value is wrong.")
class ValidationError(UserError):
    field: str = strawberry.field(description="The input field at fault, e.g. `citizen.nationalId`.")


@strawberry.type(description="The object does not exist, or you may not see it.")
class NotFoundError(UserError):
    pass


@strawberry.type(description="The action is not allowed in the object's current status.")
class IllegalTransitionError(UserError):
    status: str = strawberry.field(description="The status the object is in.")
    action: str = strawberry.field(description="The action that was refused.")


@strawberry.type(description="Someone else changed the object since you loaded it; nothing was changed.")
class StaleVersionError(UserError):
    current_version: int = strawberry.field(description="The version now stored (0 if unknown).")


@strawberry.type(description="The username or password is wrong.")
class InvalidCredentialsError(UserError):
    pass


@strawberry.type(description="Too many failed sign-ins for this username or from this address; "
                             "wait and try again. Says nothing about whether the username exists.")
class TooManyAttemptsError(UserError):
    retry_after_seconds: int = strawberry.field(description="Seconds until signing in is allowed again.")


class ValidationHandler(strawberry.ExceptionHandler[errors.ValidationFailed, ValidationError]):
    def handle(self, exception: errors.ValidationFailed, *, field: StrawberryField,
               info: Info[Any, Any]) -> ValidationError:
        return ValidationError(message=exception.message, message_th=exception.message_th,
                               code=_code(exception), field=exception.field)


class NotFoundHandler(strawberry.ExceptionHandler[errors.NotFound, NotFoundError]):
    def handle(self, exception: errors.NotFound, *, field: StrawberryField,
               info: Info[Any, Any]) -> NotFoundError:
        return NotFoundError(message=exception.message, message_th=exception.message_th,
                             code=ErrorCode.NOT_FOUND)


class IllegalTransitionHandler(
    strawberry.ExceptionHandler[errors.IllegalTransition, IllegalTransitionError]
):
    def handle(self, exception: errors.IllegalTransition, *, field: StrawberryField,
               info: Info[Any, Any]) -> IllegalTransitionError:
        return IllegalTransitionError(message=exception.message, message_th=exception.message_th,
                                      code=ErrorCode.ILLEGAL_TRANSITION,
                                      status=str(exception.status), action=str(exception.action))


class StaleVersionHandler(strawberry.ExceptionHandler[errors.StaleVersion, StaleVersionError]):
    def handle(self, exception: errors.StaleVersion, *, field: StrawberryField,
               info: Info[Any, Any]) -> StaleVersionError:
        return StaleVersionError(message=exception.message, message_th=exception.message_th,
                                 code=ErrorCode.STALE_VERSION, current_version=exception.actual)


class InvalidCredentialsHandler(
    strawberry.ExceptionHandler[errors.InvalidCredentials, InvalidCredentialsError]
):
    def handle(self, exception: errors.InvalidCredentials, *, field: StrawberryField,
               info: Info[Any, Any]) -> InvalidCredentialsError:
        return InvalidCredentialsError(message=exception.message, message_th=exception.message_th,
                                       code=ErrorCode.INVALID_CREDENTIALS)


class TooManyAttemptsHandler(strawberry.ExceptionHandler[errors.TooManyAttempts, TooManyAttemptsError]):
    def handle(self, exception: errors.TooManyAttempts, *, field: StrawberryField,
               info: Info[Any, Any]) -> TooManyAttemptsError:
        return TooManyAttemptsError(message=exception.message, message_th=exception.message_th,
                                    code=ErrorCode.TOO_MANY_ATTEMPTS,
                                    retry_after_seconds=exception.retry_after_seconds)


@strawberry.type(description="Too many lookups by national ID in the last hour; wait and try again.")
class TooManyLookupsError(UserError):
    retry_after_seconds: int = strawberry.field(description="Seconds until the next lookup is allowed.")


class QuotaExceededHandler(strawberry.ExceptionHandler[errors.QuotaExceeded, TooManyLookupsError]):
    def handle(self, exception: errors.QuotaExceeded, *, field: StrawberryField,
               info: Info[Any, Any]) -> TooManyLookupsError:
        return TooManyLookupsError(message=exception.message, message_th=exception.message_th,
                                   code=ErrorCode.LOOKUP_QUOTA_EXCEEDED,
                                   retry_after_seconds=exception.retry_after_seconds)


EXCEPTION_HANDLERS = (ValidationHandler(), NotFoundHandler(), IllegalTransitionHandler(),
                      StaleVersionHandler(), InvalidCredentialsHandler(), TooManyAttemptsHandler(),
                      QuotaExceededHandler())
