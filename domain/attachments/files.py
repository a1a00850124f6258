"""What a received file is, decided by its content, and the safe copy that is kept (issue 14).

Images (JPEG, PNG, WebP, HEIC) are decoded and encoded again with Pillow: the orientation
is applied, and EXIF (GPS included), XMP and anything hidden after the image are gone. A
picture that declares more pixels than `MAX_PIXELS` is refused before it is decoded (a
decompression bomb). PDFs are parsed (pypdf) and kept as they came when they are whole,
not encrypted, and not also a ZIP archive. The name or the claimed type never decide."""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass
from pathlib import Path

import pillow_heif
import pypdf
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf.errors import PyPdfError

from domain.attachments.models import AttachmentKind
from domain.errors import DomainError

MAX_PIXELS = 40_000_000   # a 40-megapixel photo; phones send far less once shrunk
THUMBNAIL_SIDE = 320
JPEG_QUALITY = 85
ZIP_END = b"PK\x05\x06"   # a ZIP's end-of-directory record: a reader looks for it at the end
ZIP_TAIL = 65_557         # how far from the end a ZIP reader looks for it

pillow_heif.register_heif_opener()
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


class FileRefused(DomainError):
    """A file that cannot be kept; the message says why, in English and Thai."""

    code = "FILE_REFUSED"


@dataclass(frozen=True)
class Prepared:
    kind: AttachmentKind
    content_type: str
    path: Path | None            # a PDF kept as it came: streamed from here
    data: bytes | None           # an image encoded again
    width: int | None = None
    height: int | None = None
    thumbnail: bytes | None = None

    @property
    def size(self) -> int:
        return len(self.data) if self.data is not None else self.path.stat().st_size  # type: ignore[union-attr]


def too_large(limit: int) -> FileRefused:
    mb = limit / (1024 * 1024)
    return FileRefused(f"The file is larger than {mb:g} MB.", f"ไฟล์มีขนาดเกิน {mb:g} MB",
                       code="FILE_TOO_LARGE")


def unsupported() -> FileRefused:
    return FileRefused("Only photos (JPEG, PNG, WebP, HEIC) and PDF documents can be attached; "
                       "the content of this file is neither.",
                       "แนบได้เฉพาะรูปภาพ (JPEG, PNG, WebP, HEIC) และเอกสาร PDF เท่านั้น "
                       "เนื้อหาของไฟล์นี้ไม่ใช่ไฟล์ประเภทดังกล่าว", code="UNSUPPORTED_FILE_TYPE")


def _damaged(what_en: str, what_th: str) -> FileRefused:
    return FileRefused(f"The {what_en} is damaged or incomplete and cannot be opened.",
                       f"{what_th}เสียหายหรือไม่สมบูรณ์ ไม่สามารถเปิดได้", code="DAMAGED_FILE")


def _hidden_content() -> FileRefused:
    return FileRefused("The file carries hidden content (another file joined to it) and was "
                       "refused for safety. Save it again as a plain photo or PDF.",
                       "ไฟล์นี้มีข้อมูลอื่นแฝงอยู่ (มีไฟล์อื่นต่อท้าย) จึงไม่รับไว้เพื่อความปลอดภัย "
                       "กรุณาบันทึกใหม่เป็นรูปภาพหรือ PDF ธรรมดา", code="FILE_NOT_SAFE")


def sniff(head: bytes) -> str | None:
    """The file's type from its first bytes: a MIME type, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"heim", b"heis", b"mif1",
                                               b"msf1", b"hevc", b"hevx"):
        return "image/heic"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def prepare(path: Path, max_bytes: int) -> Prepared:
    """Check the received file and make the copy to keep, or raise FileRefused."""
    size = path.stat().st_size
    if size > max_bytes:
        raise too_large(max_bytes)
    with path.open("rb") as handle:
        head = handle.read(32)
    kind = sniff(head)
    if kind is None:
        raise unsupported()
    if kind == "application/pdf":
        return _pdf(path)
    return _image(path, kind)


def _tail(path: Path, n: int) -> bytes:
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - n))
        return handle.read()


def _pdf(path: Path) -> Prepared:
    if ZIP_END in _tail(path, ZIP_TAIL):
        raise _hidden_content()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pypdf warns about small repairs it makes
            reader = pypdf.PdfReader(path)
            if reader.is_encrypted:
                raise FileRefused("The PDF is protected with a password or encrypted; attach a "
                                  "copy without protection.",
                                  "ไฟล์ PDF นี้มีการตั้งรหัสผ่านหรือเข้ารหัสไว้ กรุณาแนบฉบับที่ไม่มีการป้องกัน",
                                  code="ENCRYPTED_PDF")
            pages = len(reader.pages)
            for page in reader.pages[:3]:  # parse the first pages for real
                page.get_contents()
    except FileRefused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, OSError, AssertionError):
        raise _damaged("PDF", "ไฟล์ PDF") from None
    if pages < 1:
        raise _damaged("PDF", "ไฟล์ PDF")
    return Prepared(kind=AttachmentKind.DOCUMENT, content_type="application/pdf", path=path,
                    data=None)


def _trailing_bytes(path: Path, kind: str) -> bool:
    """Bytes hidden after the end of the picture (a script or an archive glued to it)."""
    tail = _tail(path, 4096).rstrip(b"\x00\r\n\t ")
    if kind == "image/jpeg":
        return not tail.endswith(b"\xff\xd9")
    if kind == "image/png":
        return not tail.endswith(b"IEND\xaeB`\x82")
    if kind == "image/webp":
        with path.open("rb") as handle:
            riff = handle.read(8)
        declared = int.from_bytes(riff[4:8], "little") + 8
        return path.stat().st_size > declared + 1
    return False


def _image(path: Path, kind: str) -> Prepared:
    if _trailing_bytes(path, kind) or ZIP_END in _tail(path, ZIP_TAIL):
        raise _hidden_content()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as source:
                width, height = source.size
                if width * height > MAX_PIXELS:
                    raise _bomb()
                source.load()
                picture = ImageOps.exif_transpose(source)
    except FileRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _bomb() from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError, IndexError,
            struct.error, MemoryError):
        raise _damaged("picture", "รูปภาพ") from None
    keep_alpha = picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
    out = io.BytesIO()
    if keep_alpha:
        clean = picture.convert("RGBA")
        clean.save(out, format="PNG", optimize=True)
        content_type = "image/png"
    else:
        clean = picture.convert("RGB")
        clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
        content_type = "image/jpeg"
    thumb = clean.convert("RGB")
    thumb.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    small = io.BytesIO()
    thumb.save(small, format="JPEG", quality=75)
    return Prepared(kind=AttachmentKind.PHOTO, content_type=content_type, path=None,
                    data=out.getvalue(), width=clean.width, height=clean.height,
                    thumbnail=small.getvalue())


def _bomb() -> FileRefused:
    return FileRefused(f"The picture declares too many pixels (more than {MAX_PIXELS // 1_000_000} "
                       "megapixels); it may be a file made to exhaust the server.",
                       f"รูปภาพนี้ระบุจำนวนพิกเซลมากเกินไป (เกิน {MAX_PIXELS // 1_000_000} ล้านพิกเซล) "
                       "อาจเป็นไฟล์ที่ทำขึ้นเพื่อให้เครื่องแม่ข่ายทำงานหนักเกิน", code="IMAGE_TOO_LARGE")

