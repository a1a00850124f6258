"""Sealed blobs in an S3-compatible object store (AWS S3, MinIO, a government cloud's).

Used instead of the filesystem when `KHORTOR_S3_BUCKET` is set (domain/attachments/storage.py).
boto3 is synchronous: every call runs in a worker thread (`asyncio.to_thread`), so the event
loop never waits on the network. A blob never sits whole in memory: `put` sends parts of
`part_bytes` (at least S3's 5 MiB minimum) as a multipart upload once the blob outgrows one
part, and `get` streams the object's body in CHUNK_BYTES pieces.

The bucket belongs to the operators (its retention, versioning and encryption settings are
theirs): Khortor never creates it in production; `ensure_bucket` is for tests and the bench.
Keys hold ids only (`attachments/<case id>/<attachment id>`), never personal data, and
nothing here logs more than a key.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from domain.attachments.blobs import CHUNK_BYTES, BlobMissing, check_key, each
from domain.settings import Settings

MIN_PART_BYTES = 5 * 1024 * 1024  # S3's smallest part (all but the last)
PART_BYTES = 8 * 1024 * 1024
_MISSING = {"404", "NoSuchKey", "NotFound"}


def _missing(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code", "")) in _MISSING


class S3Store:
    """The BlobStore port over one bucket (and an optional key prefix)."""

    def __init__(self, bucket: str, *, endpoint_url: str | None = None, region: str | None = None,
                 access_key: str | None = None, secret_key: str | None = None, prefix: str = "",
                 part_bytes: int = PART_BYTES) -> None:
        if part_bytes < MIN_PART_BYTES:
            raise ValueError(f"S3 parts are at least {MIN_PART_BYTES} bytes")
        self.bucket = bucket
        self.prefix = check_key(prefix.strip("/")) + "/" if prefix.strip("/") else ""
        self.part_bytes = part_bytes
        self._options: dict[str, Any] = {
            "endpoint_url": endpoint_url, "region_name": region,
            "aws_access_key_id": access_key, "aws_secret_access_key": secret_key,
            "config": Config(
                signature_version="s3v4", connect_timeout=10, read_timeout=60,
                retries={"max_attempts": 4, "mode": "standard"},
                # botocore's default CRC trailers (aws-chunked uploads) are refused by many
                # S3-compatible stores; the blobs are AES-GCM sealed, so a corrupted byte is
                # caught when the blob is opened anyway.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
                # A custom endpoint (MinIO, a private cloud) rarely has per-bucket DNS names.
                s3={"addressing_style": "path" if endpoint_url else "auto"},
            ),
        }
        self._client_: Any = None
        self._lock = threading.Lock()

    @classmethod
    def configured(cls, settings: Settings) -> S3Store:
        """The store the KHORTOR_S3_* settings describe (credentials: boto3's default chain
        when no key is set, e.g. an instance role)."""
        if not settings.s3_bucket:
            raise ValueError("KHORTOR_S3_BUCKET is not set")
        return cls(settings.s3_bucket, endpoint_url=settings.s3_endpoint_url, region=settings.s3_region,
                   access_key=settings.s3_access_key, secret_key=settings.s3_secret_key,
                   prefix=settings.s3_prefix)

    def _client(self) -> Any:
        """The boto3 client, made once, in a worker thread (it reads its service model from
        disk); boto3 clients are safe to share between threads, sessions are not."""
        with self._lock:
            if self._client_ is None:
                self._client_ = boto3.session.Session().client("s3", **self._options)
            return self._client_

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    async def _call(self, method: str, **kwargs: Any) -> Any:
        return await asyncio.to_thread(lambda: getattr(self._client(), method)(**kwargs))

    async def put(self, key: str, chunks: AsyncIterator[bytes] | Iterable[bytes]) -> int:
        """Store the chunks under `key`, replacing what was there; the bytes written. A blob up
        to one part goes in one PUT; a larger one as a multipart upload, one part in memory at
        a time. Readers see the old blob or the new one, never half of one; a failure aborts
        the multipart upload (no orphan parts left to pay for)."""
        name = self._key(key)
        buffer = bytearray()
        written = 0
        upload_id: str | None = None
        parts: list[dict[str, Any]] = []
        try:
            async for chunk in each(chunks):
                buffer += chunk
                written += len(chunk)
                while len(buffer) >= self.part_bytes:
                    if upload_id is None:
                        started = await self._call("create_multipart_upload", Bucket=self.bucket, Key=name)
                        upload_id = started["UploadId"]
                    part = bytes(buffer[:self.part_bytes])
                    del buffer[:self.part_bytes]
                    parts.append(await self._part(name, upload_id, len(parts) + 1, part))
            if upload_id is None:
                await self._call("put_object", Bucket=self.bucket, Key=name, Body=bytes(buffer))
                return written
            if buffer:
                parts.append(await self._part(name, upload_id, len(parts) + 1, bytes(buffer)))
            await self._call("complete_multipart_upload", Bucket=self.bucket, Key=name, UploadId=upload_id,
                             MultipartUpload={"Parts": parts})
            upload_id = None
            return written
        finally:
            if upload_id is not None:
                await asyncio.shield(self._abort(name, upload_id))

    async def _part(self, name: str, upload_id: str, number: int, body: bytes) -> dict[str, Any]:
        answer = await self._call("upload_part", Bucket=self.bucket, Key=name, UploadId=upload_id,
                                  PartNumber=number, Body=body)
        return {"PartNumber": number, "ETag": answer["ETag"]}

    async def _abort(self, name: str, upload_id: str) -> None:
        try:
            await self._call("abort_multipart_upload", Bucket=self.bucket, Key=name, UploadId=upload_id)
        except ClientError:
            pass  # the bucket's lifecycle rule for incomplete uploads is the backstop

    async def get(self, key: str) -> AsyncIterator[bytes]:
        """The blob's bytes in CHUNK_BYTES pieces, read from the network in a worker thread;
        BlobMissing on the first step when there is no such blob."""
        try:
            answer = await self._call("get_object", Bucket=self.bucket, Key=self._key(key))
        except ClientError as error:
            if _missing(error):
                raise BlobMissing(key) from None
            raise
        body = answer["Body"]
        pieces: Iterator[bytes] = body.iter_chunks(CHUNK_BYTES)
        try:
            while chunk := await asyncio.to_thread(next, pieces, b""):
                yield chunk
        finally:
            body.close()

    async def delete(self, key: str) -> None:
        """Remove the blob; nothing happens when it is not there. On a versioned bucket the
        older versions and delete markers of the key go too (an erased file must not live on
        as a noncurrent version); without the permission to list versions, the plain delete
        is what is done (a lifecycle rule for noncurrent versions is then the operators')."""
        name = self._key(key)
        await self._call("delete_object", Bucket=self.bucket, Key=name)
        try:
            listed = await self._call("list_object_versions", Bucket=self.bucket, Prefix=name)
        except ClientError as error:
            if str(error.response.get("Error", {}).get("Code")) in ("AccessDenied", "NotImplemented"):
                return
            raise
        for entry in [*listed.get("Versions", []), *listed.get("DeleteMarkers", [])]:
            if entry["Key"] == name and entry.get("VersionId") not in (None, "null"):
                await self._call("delete_object", Bucket=self.bucket, Key=name, VersionId=entry["VersionId"])

    async def exists(self, key: str) -> bool:
        try:
            await self._call("head_object", Bucket=self.bucket, Key=self._key(key))
        except ClientError as error:
            if _missing(error):
                return False
            raise
        return True

    async def ensure_bucket(self) -> None:
        """Create the bucket when it is not there (tests and the bench; operators make the
        production bucket with their own policies)."""
        try:
            await self._call("head_bucket", Bucket=self.bucket)
            return
        except ClientError as error:
            if not _missing(error) and str(error.response.get("Error", {}).get("Code")) != "NoSuchBucket":
                raise
        region = self._options["region_name"]
        where = ({} if region in (None, "us-east-1")
                 else {"CreateBucketConfiguration": {"LocationConstraint": region}})
        try:
            await self._call("create_bucket", Bucket=self.bucket, **where)
        except ClientError as error:
            if str(error.response.get("Error", {}).get("Code")) != "BucketAlreadyOwnedByYou":
                raise

