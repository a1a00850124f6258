"""The blob stores behind the attachments' storage port (issue 14): the same behaviour from
the filesystem store and from the S3 store, the latter against a real S3-compatible server
process on loopback (moto's standalone server, tests/s3server.py)."""

from __future__ import annotations

import os
import stat
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import boto3
import pytest

from domain.attachments.blobs import CHUNK_BYTES, BlobMissing
from domain.attachments.s3 import MIN_PART_BYTES, S3Store
from domain.attachments.storage import BlobStore, FileSystemStore, blob_store
from domain.settings import Settings
from tests.s3server import ACCESS_KEY, REGION, SECRET_KEY, new_store, s3_endpoint, s3_settings  # noqa: F401

KEY = "attachments/5f0c1e9a-0000-4000-8000-000000000001/9b2d7c44-0000-4000-8000-000000000002"
THREE_MB = os.urandom(3 * 1024 * 1024 + 12345)  # not a whole number of chunks


@pytest.fixture(params=["filesystem", "s3"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BlobStore]:
    if request.param == "filesystem":
        yield FileSystemStore(tmp_path / "blobs")
        return
    s3 = new_store(request.getfixturevalue("s3_endpoint"))
    await s3.ensure_bucket()
    yield s3


def _pieces(data: bytes, size: int = CHUNK_BYTES) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start:start + size]


async def _async_pieces(data: bytes, size: int = CHUNK_BYTES) -> AsyncIterator[bytes]:
    for piece in _pieces(data, size):
        yield piece


async def _read(store: BlobStore, key: str) -> bytes:
    return b"".join([chunk async for chunk in store.get(key)])


async def test_a_multi_chunk_blob_comes_back_whole_in_chunks(store: BlobStore) -> None:
    assert not await store.exists(KEY)
    assert await store.put(KEY, _async_pieces(THREE_MB, 100_000)) == len(THREE_MB)
    assert await store.exists(KEY)
    chunks = [chunk async for chunk in store.get(KEY)]
    assert b"".join(chunks) == THREE_MB
    assert len(chunks) > 1 and max(map(len, chunks)) <= CHUNK_BYTES


async def test_a_sync_iterable_and_an_empty_blob(store: BlobStore) -> None:
    assert await store.put(KEY, [b"sealed", b"", b" bytes"]) == 12
    assert await _read(store, KEY) == b"sealed bytes"
    assert await store.put(KEY + ".thumb", []) == 0
    assert await store.exists(KEY + ".thumb")
    assert await _read(store, KEY + ".thumb") == b""


async def test_put_replaces_the_blob(store: BlobStore) -> None:
    await store.put(KEY, _pieces(THREE_MB))
    await store.put(KEY, [b"shorter"])
    assert await _read(store, KEY) == b"shorter"


async def test_delete_is_idempotent_and_leaves_other_blobs(store: BlobStore) -> None:
    await store.put(KEY, [b"photo"])
    await store.put(KEY + ".thumb", [b"thumbnail"])
    await store.delete(KEY)
    await store.delete(KEY)  # again: nothing happens
    await store.delete("attachments/never/was")
    assert not await store.exists(KEY)
    assert await store.exists(KEY + ".thumb")
    with pytest.raises(BlobMissing):
        await _read(store, KEY)


async def test_get_of_a_missing_blob_raises_blob_missing(store: BlobStore) -> None:
    with pytest.raises(BlobMissing) as raised:
        await anext(store.get("attachments/nothing/here"))
    assert raised.value.args == ("attachments/nothing/here",)  # the key and nothing more


@pytest.mark.parametrize("key", ["", "/etc/passwd", "attachments/../../etc/passwd", "a b", "ชื่อ/ไฟล์",
                                 "a" * 201, "attachments/x?versionId=1", "attachments\\x"])
async def test_bad_keys_are_refused(store: BlobStore, key: str) -> None:
    with pytest.raises(ValueError, match="blob key"):
        await store.put(key, [b"x"])
    with pytest.raises(ValueError, match="blob key"):
        await anext(store.get(key))
    with pytest.raises(ValueError, match="blob key"):
        await store.delete(key)
    with pytest.raises(ValueError, match="blob key"):
        await store.exists(key)


async def test_a_failed_put_keeps_the_old_blob(store: BlobStore) -> None:
    await store.put(KEY, [b"old"])

    async def broken() -> AsyncIterator[bytes]:
        yield b"new and"
        raise OSError("the sealer failed")

    with pytest.raises(OSError, match="sealer"):
        await store.put(KEY, broken())
    assert await _read(store, KEY) == b"old"


# --- the filesystem store only ---------------------------------------------------------------

async def test_filesystem_blobs_are_private_files(tmp_path: Path) -> None:
    store = FileSystemStore(tmp_path / "blobs")
    await store.put(KEY, [b"sealed"])
    path = tmp_path / "blobs" / KEY
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no .part left


# --- the S3 store only -------------------------------------------------------------------------

def _raw_client(endpoint: str) -> object:
    return boto3.session.Session().client("s3", endpoint_url=endpoint, region_name=REGION,
                                          aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)


async def test_s3_store_is_configured_from_the_settings(s3_endpoint: str) -> None:  # noqa: F811
    settings = Settings.from_env({**s3_settings(s3_endpoint, "khortor-configured", prefix="/khortor/"),
                                  "KHORTOR_DATABASE_URL": "sqlite+aiosqlite:///:memory:"})
    store = blob_store(settings)
    assert isinstance(store, S3Store)
    assert (store.bucket, store.prefix) == ("khortor-configured", "khortor/")
    await store.ensure_bucket()
    await store.ensure_bucket()  # there already: nothing happens
    await store.put(KEY, [b"sealed"])
    client = _raw_client(s3_endpoint)
    names = [o["Key"] for o in client.list_objects_v2(Bucket="khortor-configured")["Contents"]]  # type: ignore[attr-defined]
    assert names == [f"khortor/{KEY}"]
    assert await _read(store, KEY) == b"sealed"


def test_without_a_bucket_the_filesystem_store_is_used(tmp_path: Path) -> None:
    settings = Settings.from_env({"KHORTOR_ATTACHMENTS_DIR": str(tmp_path),
                                  "KHORTOR_DATABASE_URL": "sqlite+aiosqlite:///:memory:"})
    store = blob_store(settings)
    assert isinstance(store, FileSystemStore) and store.root == tmp_path / "blobs"
    with pytest.raises(ValueError, match="KHORTOR_S3_BUCKET"):
        S3Store.configured(settings)


async def test_s3_put_streams_a_large_blob_in_parts(s3_endpoint: str) -> None:  # noqa: F811
    """A blob of 2.3 parts goes as a multipart upload, and the parts leave while the blob is
    still being produced: whenever the first chunk of a part is asked for, the server already
    holds every part before it (so at most one part is ever in memory)."""
    store = new_store(s3_endpoint, part_bytes=MIN_PART_BYTES)
    await store.ensure_bucket()
    client = _raw_client(s3_endpoint)
    data = os.urandom(MIN_PART_BYTES * 2 + MIN_PART_BYTES // 3)
    seen: list[int] = []

    def parts_on_server() -> int:
        uploads = client.list_multipart_uploads(Bucket=store.bucket).get("Uploads", [])  # type: ignore[attr-defined]
        return sum(len(client.list_parts(Bucket=store.bucket, Key=u["Key"],  # type: ignore[attr-defined]
                                         UploadId=u["UploadId"]).get("Parts", [])) for u in uploads)

    def produce() -> Iterator[bytes]:
        for start in range(0, len(data), CHUNK_BYTES):
            if start % MIN_PART_BYTES == 0:
                seen.append(parts_on_server())
            yield data[start:start + CHUNK_BYTES]

    assert await store.put(KEY, produce()) == len(data)
    assert seen == [0, 1, 2]  # each part left before the next one's first chunk was made
    head = client.head_object(Bucket=store.bucket, Key=KEY)  # type: ignore[attr-defined]
    assert head["ContentLength"] == len(data) and head["ETag"].endswith('-3"')  # three parts
    assert await _read(store, KEY) == data
    assert parts_on_server() == 0


async def test_s3_a_failed_multipart_put_leaves_no_parts(s3_endpoint: str) -> None:  # noqa: F811
    store = new_store(s3_endpoint, part_bytes=MIN_PART_BYTES)
    await store.ensure_bucket()

    def broken() -> Iterator[bytes]:
        yield from _pieces(os.urandom(MIN_PART_BYTES + 1000))
        raise OSError("the sealer failed")

    with pytest.raises(OSError, match="sealer"):
        await store.put(KEY, broken())
    client = _raw_client(s3_endpoint)
    assert client.list_multipart_uploads(Bucket=store.bucket).get("Uploads", []) == []  # type: ignore[attr-defined]
    assert not await store.exists(KEY)


def test_s3_parts_below_the_minimum_are_refused() -> None:
    with pytest.raises(ValueError, match="at least"):
        S3Store("bucket", part_bytes=MIN_PART_BYTES - 1)


async def test_s3_delete_on_a_versioned_bucket_leaves_no_old_version(s3_endpoint: str) -> None:  # noqa: F811
    """An erased file must not live on as a noncurrent version of the object."""
    store = new_store(s3_endpoint)
    await store.ensure_bucket()
    client = _raw_client(s3_endpoint)
    client.put_bucket_versioning(Bucket=store.bucket,  # type: ignore[attr-defined]
                                 VersioningConfiguration={"Status": "Enabled"})
    await store.put(KEY, [b"first"])
    await store.put(KEY, [b"second"])
    await store.put(KEY + ".thumb", [b"thumbnail"])
    await store.delete(KEY)
    await store.delete(KEY)
    listed = client.list_object_versions(Bucket=store.bucket)  # type: ignore[attr-defined]
    left = [(e["Key"]) for e in [*listed.get("Versions", []), *listed.get("DeleteMarkers", [])]]
    assert left == [KEY + ".thumb"]
    assert not await store.exists(KEY)
