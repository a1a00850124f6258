"""Trusted documents: the web client's GraphQL documents, registered at build time by hash.

`npm run build` writes `trusted-documents.json` beside the client: every document the client
sends, keyed `sha256:<hex of its UTF-8 text>`. The client sends `{"documentId": ...}` instead
of the text; the API looks the text up. With `KHORTOR_TRUSTED_DOCUMENTS=only` (for
production) the API runs nothing else: a request naming an unknown id, or sending a text
that is not registered, is refused with 400 before anything parses it. Otherwise (the
default, for development and for other clients) any document is accepted, and ids as well.

The registered documents are parsed and validated once, at start-up; `KnownDocuments`
then hands the parsed document to each request that sends one and skips its validation.
Other documents go through the usual caches: parsed once per text, validated once per text.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from graphql import DocumentNode, GraphQLError, GraphQLSchema, parse, specified_rules, validate
from strawberry.extensions import SchemaExtension

MANIFEST = "trusted-documents.json"
DOCUMENT_ID = re.compile(r"sha256:[0-9a-f]{64}")
CACHE_SIZE = 256
# Registered documents parsed and validated, by text, once per process: every schema this
# process builds (production or not, one per app) has the same types.
_PREPARED: dict[str, DocumentNode] = {}


def document_id(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


class UnknownDocument(Exception):
    """A request names a document that is not registered (or, in `only` mode, sends one)."""


class TrustedDocuments:
    """The registered documents by id, and whether only they may run."""

    def __init__(self, documents: dict[str, str], only: bool = False) -> None:
        for key, text in documents.items():
            if document_id(text) != key:
                raise ValueError(f"{MANIFEST}: {key} is not the hash of its document")
        self.by_id = dict(documents)
        self.only = only
        self.parsed: dict[str, DocumentNode] = {}

    @classmethod
    def load(cls, directory: Path, only: bool) -> TrustedDocuments:
        """The manifest the client build wrote; none is an error only in `only` mode."""
        path = directory / MANIFEST
        if not path.is_file():
            if only:
                raise SystemExit(f"KHORTOR_TRUSTED_DOCUMENTS=only but {path} is missing: "
                                 "build the web client (npm run build in web/).")
            return cls({}, only)
        return cls(json.loads(path.read_text(encoding="utf-8")), only)

    def prepare(self, schema: GraphQLSchema, rules: Sequence[Any]) -> None:
        """Parse and validate every registered document once; a document that does not
        validate against this schema is a build that does not match the API: refuse it."""
        for key, text in self.by_id.items():
            if text not in _PREPARED:
                document = parse(text)
                errors = validate(schema, document, [*specified_rules, *rules])
                if errors:
                    raise SystemExit(f"{MANIFEST}: {key} does not validate: {errors[0].message}")
                _PREPARED[text] = document
            self.parsed[text] = _PREPARED[text]

    def resolve(self, data: dict[str, Any]) -> None:
        """Put the text of the request's `documentId` in its `query`; in `only` mode refuse
        a text that is not registered. Raises `UnknownDocument`."""
        key = data.get("documentId")
        if key is not None:
            if not isinstance(key, str) or not DOCUMENT_ID.fullmatch(key) or key not in self.by_id:
                raise UnknownDocument("Unknown documentId: the client is older or newer than "
                                      "the server; send the document's text.")
            data["query"] = self.by_id[key]
            return
        query = data.get("query")
        if self.only and (not isinstance(query, str) or document_id(query) not in self.by_id):
            raise UnknownDocument("This server runs only the web client's registered documents.")


class KnownDocuments(SchemaExtension):
    """Parsing and validation, each done once per document text.

    A registered document comes parsed and validated from start-up; any other is parsed and
    validated once and remembered (the last `CACHE_SIZE` texts). Keyed by the text, not the
    parsed tree: hashing a tree costs as much as parsing it.
    """

    _parsed: OrderedDict[str, DocumentNode] = OrderedDict()
    _valid: OrderedDict[tuple[int, str], list[GraphQLError]] = OrderedDict()

    def __init__(self, trusted: TrustedDocuments) -> None:
        super().__init__()
        self.trusted = trusted

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        query = context.query
        if query is not None and context.graphql_document is None:
            document = self.trusted.parsed.get(query) or _remembered(self._parsed, query)
            if document is None:
                document = parse(query, **context.parse_options)
                _remember(self._parsed, query, document)
            context.graphql_document = document
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        query = context.query
        if query is not None and context.pre_execution_errors is None:
            if query in self.trusted.parsed:
                context.pre_execution_errors = []
            else:
                key = (id(context.schema), query)
                errors = _remembered(self._valid, key)
                if errors is None:
                    assert context.graphql_document is not None
                    errors = validate(context.schema._schema, context.graphql_document,
                                      context.validation_rules)
                    _remember(self._valid, key, errors)
                context.pre_execution_errors = errors
        yield


def _remembered(cache: OrderedDict[Any, Any], key: Any) -> Any:
    found = cache.get(key)
    if found is not None:
        cache.move_to_end(key)
    return found


def _remember(cache: OrderedDict[Any, Any], key: Any, value: Any) -> None:
    cache[key] = value
    while len(cache) > CACHE_SIZE:
        cache.popitem(last=False)
