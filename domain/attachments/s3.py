"""S3-compatible blob store (placeholder until the s3 helper writes it)."""

from __future__ import annotations

from typing import Any


class S3Store:
    @classmethod
    def configured(cls, settings: Any) -> S3Store:
        raise NotImplementedError("the S3 store is being written")
