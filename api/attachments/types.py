"""Attachments in the schema: what a file is, and whether the viewer may open it."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.context import Info
from api.users.types import User
from domain.attachments import service as attachments
from domain.attachments.models import Attachment as AttachmentRow
from domain.attachments.models import AttachmentKind

AttachmentKindEnum = strawberry.enum(AttachmentKind, name="AttachmentKind",
                                     description="A photo (re-encoded, metadata removed) or a PDF document.")


@strawberry.type(description="A photo or document on a case, sealed at rest. Everyone who may see "
                             "the case sees that it exists, its kind and size; its name, thumbnail "
                             "and bytes only those who may see the citizen whole (`mayOpen`), from "
                             "`GET /attachments/<id>` and `GET /attachments/<id>/thumbnail` with the "
                             "bearer token (each opening is logged).")
class Attachment:
    id: strawberry.ID = strawberry.field(description="Stable id.")
    kind: AttachmentKind = strawberry.field(description="Photo or document.")
    content_type: str = strawberry.field(description="The stored file's media type.")
    size_bytes: int = strawberry.field(description="The stored file's size in bytes.")
    attached_at: datetime = strawberry.field(description="When it was attached.")
    referral_id: strawberry.ID | None = strawberry.field(
        description="The referral it was attached for (an office's document), if any.")
    may_open: bool = strawberry.field(description="True when you may see its name, thumbnail and bytes.")
    has_thumbnail: bool = strawberry.field(description="True when a thumbnail can be fetched (photos, "
                                                       "for those who may open it).")
    width: int | None = strawberry.field(description="A photo's width in pixels.")
    height: int | None = strawberry.field(description="A photo's height in pixels.")
    name: str | None = strawberry.field(description="The file's name as given; null when you may not open it.")
    row: strawberry.Private[AttachmentRow]

    @classmethod
    def of(cls, row: AttachmentRow, may_open: bool, name: str | None) -> Attachment:
        return cls(id=strawberry.ID(str(row.id)), kind=AttachmentKind(row.kind),
                   content_type=row.content_type, size_bytes=row.size_bytes,
                   attached_at=row.created_at,
                   referral_id=strawberry.ID(str(row.referral_id)) if row.referral_id else None,
                   may_open=may_open, has_thumbnail=may_open and row.thumbnail_bytes is not None,
                   width=row.width, height=row.height, name=name if may_open else None, row=row)

    @strawberry.field(description="Who attached it.")
    async def attached_by(self, info: Info) -> User | None:
        if self.row.uploaded_by_id is None:
            return None
        found = await info.context.loaders.user.load(self.row.uploaded_by_id)
        return User.of(found) if found else None


@strawberry.type(description="How much more a case can take, and whether you may add to it.")
class AttachmentRoom:
    may_attach: bool = strawberry.field(description="True when you may attach files to this case now.")
    files_left: int = strawberry.field(description="How many more files the case can hold.")
    bytes_left: int = strawberry.field(description="How many more bytes the case can hold.")
    max_file_bytes: int = strawberry.field(description="The largest file accepted, in bytes.")


def limits_of(info: Info) -> attachments.Limits:
    s = info.context.settings
    return attachments.Limits(file_bytes=s.attachment_max_bytes, files=s.attachment_max_files,
                              case_bytes=s.attachment_max_case_bytes)


