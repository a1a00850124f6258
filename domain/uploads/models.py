"""An unfinished upload (tus 1.0, issue 14): where it stands, whose it is, where it goes.

The bytes received so far wait in `<KHORTOR_ATTACHMENTS_DIR>/incoming/<id>`; when the last
byte arrives the file is checked, sealed and stored as an `Attachment`, and the incoming
bytes are removed. Unfinished uploads expire (`expires_at`) and a sweep removes them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, Index, LargeBinary
from sqlmodel import Field

from domain.db import UTCDateTime
from domain.table import Table


class Upload(Table, table=True):
    __tablename__ = "upload"
    __table_args__ = (Index("ix_upload_expires_at", "expires_at"),
                      Index("ix_upload_case_id", "case_id"))

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="app_user.id")
    case_id: uuid.UUID = Field(foreign_key="case_file.id")
    referral_id: uuid.UUID | None = Field(default=None, foreign_key="referral.id")
    client_id: uuid.UUID
    length: int
    offset: int = 0
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # The file's name from Upload-Metadata, sealed (vault, field "upload.name"), and its key id.
    name_sealed: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    key_id: str | None = Field(default=None, max_length=16)
    # Set when the last byte arrived and the file became this attachment.
    attachment_id: uuid.UUID | None = Field(default=None, foreign_key="attachment.id")
    # The PATCH that is appending bytes now (tus helper): one at a time per upload, in any API
    # process. Taken with a conditional UPDATE, released when the PATCH ends; a holder that
    # died loses it at `lease_until`.
    lease_token: uuid.UUID | None = None
    lease_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
