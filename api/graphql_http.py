"""GraphQL over HTTP as the current spec says (graphql.github.io/graphql-over-http), on top
of strawberry's ASGI view.

The answer's media type follows the request's `Accept` header:

- `application/graphql-response+json` (named explicitly, and preferred over
  `application/json` at the same quality): a request that fails before execution (the
  document does not parse or validate, a variable does not coerce, the request itself is
  malformed) is a 400 whose body has `errors` and no `data`; once execution ran the answer
  is a 200, field errors or not. Refusals are JSON too: `{"errors": [...]}`.
- `application/json`, `application/*`, `*/*` or no `Accept` at all (the spec's legacy
  clients, our web client among them): as before, every GraphQL answer is a 200 with
  `data` (null when nothing ran) and refusals are plain text.
- nothing we produce: 406.

Whatever it accepts: methods other than POST are 405 with `Allow: POST` (GET serves only
GraphiQL, in development: no operation runs over GET, so a mutation never does), and a
body that is not `application/json` (UTF-8) is 415.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from cross_web import HTTPException, StarletteRequestAdapter
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.unset import UNSET

from api.context import Context
from api.schema import EXPECTED_CODES
from domain.errors import AccessDenied

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
ALLOW = "POST"
UTF_8 = {"utf-8", "utf8"}
# The media ranges that name what we produce, the exact ones first: wildcards stand for
# application/json only.
SPECIFICITY = {GRAPHQL_RESPONSE: 2, JSON: 2, "application/*": 1, "*/*": 0}
# What production says instead of a bug's message (api/schema.py masks it).
MASKED = "Unexpected error."
CODES = {400: "BAD_REQUEST", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 406: "NOT_ACCEPTABLE",
         415: "UNSUPPORTED_MEDIA_TYPE"}
NOT_ACCEPTABLE = (f"The Accept header names nothing this server produces: ask for {GRAPHQL_RESPONSE} "
                  f"or {JSON}.")
POST_ONLY = ("Send GraphQL requests by POST, as a JSON body: no operation is run over GET "
             "(or any other method).")
UNSUPPORTED_MEDIA_TYPE = f"The request body must be {JSON} (UTF-8)."
BAD_OPERATION_NAME = "The GraphQL operation's `operationName` must be a string or null, if provided."


def media_type(header: str) -> tuple[str, dict[str, str]]:
    """`type/subtype` and the parameters of a media type or range, names lowercased."""
    kind, *params = header.split(";")
    named = (param.split("=", 1) for param in params if "=" in param)
    return kind.strip().lower(), {name.strip().lower(): value.strip().strip('"') for name, value in named}


def _utf_8(params: dict[str, str]) -> bool:
    return params.get("charset", "utf-8").lower() in UTF_8


def negotiate(accept: str | None) -> str | None:
    """The media type of the answer to a request with this `Accept` header, or None when it
    accepts nothing we produce.

    No header (or an empty one) means `application/json`. Wildcards stand for
    `application/json` only, as the spec asks while legacy clients remain: only a client
    that names `application/graphql-response+json` gets it. At equal quality the exact
    media range beats a wildcard, and `application/graphql-response+json` beats
    `application/json`.
    """
    if accept is None or not accept.strip():
        return JSON
    best: dict[str, tuple[float, int]] = {}  # media type: (quality, specificity)
    for media_range in accept.split(","):
        kind, params = media_type(media_range)
        try:
            quality = float(params.get("q", "1"))
        except ValueError:
            continue
        if not 0 <= quality <= 1 or not _utf_8(params) or kind not in SPECIFICITY:
            continue  # a malformed range, another charset, or a type we do not produce
        media = GRAPHQL_RESPONSE if kind == GRAPHQL_RESPONSE else JSON
        # The most specific range that matches a type sets its quality (RFC 9110 §12.5.1).
        if media not in best or SPECIFICITY[kind] > best[media][1]:
            best[media] = (quality, SPECIFICITY[kind])
    acceptable = [(quality, specificity, media == GRAPHQL_RESPONSE, media)
                  for media, (quality, specificity) in best.items() if quality > 0]
    return max(acceptable)[3] if acceptable else None


def failure_status(result: ExecutionResult) -> int | None:
    """None when the operation was executed (its answer carries `data`, even null); else
    400 when the request was at fault (parse, validation, variable coercion, a limit), 500
    when the server failed before executing it."""
    if not result.errors:
        return None
    if not isinstance(result, PreExecutionError) and (
            result.data is not None or any(error.path for error in result.errors)):
        return None  # field errors: execution ran
    return 500 if any(_server_fault(error) for error in result.errors) else 400


def _server_fault(error: GraphQLError) -> bool:
    original = error.original_error
    if original is None:
        return error.message == MASKED
    code = (error.extensions or {}).get("code")
    return code not in EXPECTED_CODES and not isinstance(original, AccessDenied)


@dataclass
class Exchange:
    """What this request's answer is: its media type, and (once made) strawberry's
    sub-response, whose status the answer takes."""

    media: str
    sub_response: Response | None = None


class _Request(StarletteRequestAdapter):
    """The request as strawberry reads it: its Content-Type, checked before, lowercased
    (`Application/JSON` is JSON too; strawberry looks for the lowercase text)."""

    @property
    def content_type(self) -> str | None:
        value = super().content_type
        return value.lower() if value is not None else None


class GraphQLOverHTTP(GraphQL[Context, None]):
    """Strawberry's view with the spec's media types, status codes and refusals."""

    request_adapter_class = _Request

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        media = negotiate(request.headers.get("accept"))
        if request.method != "POST":
            if request.method == "GET" and self.graphql_ide and self.should_render_graphql_ide(
                    self.request_adapter_class(request)):
                return await self.render_graphql_ide(request)
            return self.refusal(media, 405, POST_ONLY, allow=ALLOW)
        if media is None:
            return self.refusal(None, 406, NOT_ACCEPTABLE)
        kind, params = media_type(request.headers.get("content-type", ""))
        if kind != JSON or not _utf_8(params):
            return self.refusal(media, 415, UNSUPPORTED_MEDIA_TYPE)
        request.state.graphql_http = Exchange(media)
        try:
            return await super().run(request, context, root_value)
        except HTTPException as error:
            return self.refusal(media, error.status_code, error.reason)

    def encode_json(self, data: object) -> bytes | str:
        """The answer in UTF-8 as it is (orjson): Thai text is 3 bytes a letter, where
        strawberry's `json.dumps` escaped each as 6 (`\\u0e2a`; the web client's list of 20
        cases: 20.5 → 16.3 KB), written in an eighteenth of the time (180 → 10 µs). What orjson
        refuses (a lone surrogate in a string, an integer beyond 64 bits) is written by
        `json.dumps` as before."""
        try:
            return orjson.dumps(data)
        except orjson.JSONEncodeError:
            return super().encode_json(data)

    def refusal(self, media: str | None, status: int, reason: str, allow: str | None = None) -> Response:
        """A request refused before any operation ran: a GraphQL response with `errors` only
        for clients of the spec's media type (and 406s), plain text for legacy clients."""
        headers = {"allow": allow} if allow else None
        if media == JSON:
            return PlainTextResponse(reason, status_code=status, headers=headers)
        error = {"message": reason, "extensions": {"code": CODES.get(status, "BAD_REQUEST")}}
        return Response(self.encode_json({"errors": [error]}), status_code=status, headers=headers,
                        media_type=media or JSON)

    async def parse_http_body(self, request: Any) -> GraphQLRequestData | list[GraphQLRequestData]:
        data = await super().parse_http_body(request)
        if isinstance(data, GraphQLRequestData) and not isinstance(data.operation_name, (str, type(None))):
            raise HTTPException(400, BAD_OPERATION_NAME)
        return data

    async def get_sub_response(self, request: Request) -> Response:
        sub_response = await super().get_sub_response(request)
        exchange: Exchange = request.state.graphql_http
        exchange.sub_response, sub_response.media_type = sub_response, exchange.media
        return sub_response

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        answer = await super().process_result(request, result)
        exchange: Exchange = request.state.graphql_http
        if exchange.media == GRAPHQL_RESPONSE:
            status = failure_status(result)
            if status is not None:
                answer.pop("data", None)
                assert exchange.sub_response is not None
                exchange.sub_response.status_code = status
        return answer

    def create_response(self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
                        sub_response: Response) -> Response:
        response = super().create_response(response_data, sub_response)
        response.headers["content-type"] = sub_response.media_type or JSON
        return response
