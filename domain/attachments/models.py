"""An attachment: a photo or a document on a case (issue 14), sealed at rest.

The row holds what may be shown without the file (kind, size, when, by whom) and the
sealed name; the bytes live in the blob store (domain/attachments/storage.py), sealed with a
per-file key that is itself wrapped by the data key (`key_id`, for rotation)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field

from domain.db import UTCDateTime
from domain.table import Table


class AttachmentKind(StrEnum):
    PHOTO = "PHOTO"        # JPEG, PNG, WebP (HEIC decoded), re-encoded without metadata
    DOCUMENT = "DOCUMENT"  # PDF, checked and kept as it came


class Attachment(Table, table=True):
    __tablename__ = "attachment"
    __table_args__ = (
        UniqueConstraint("case_id", "client_id", name="uq_attachment_case_client"),
        Index("ix_attachment_case_id", "case_id", "created_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="case_file.id")
    referral_id: uuid.UUID | None = Field(default=None, foreign_key="referral.id")
    # Chosen by the client before it goes online: the same file sent twice is one attachment.
    client_id: uuid.UUID
    uploaded_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    kind: str = Field(max_length=12)
    content_type: str = Field(max_length=40)
    size_bytes: int  # of the stored (re-encoded) file, before sealing
    width: int | None = None
    height: int | None = None
    thumbnail_bytes: int | None = None  # None: no thumbnail (documents)
    # The file's name as the user gave it, sealed like the citizen's data (it may name them).
    name_sealed: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    # The per-file key, wrapped (AES-GCM) by the data key `key_id`.
    key_id: str = Field(max_length=16)
    wrapped_key: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    blob_key: str = Field(max_length=120)
