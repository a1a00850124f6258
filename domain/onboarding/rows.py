"""The columns of a province's volunteer list and the checks on one row, pure (issue 13,
part 4). Headers are matched in Thai or English, in any order; other columns are ignored."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from domain.errors import ValidationFailed
from domain.onboarding.sheet import column_letter
from domain.users.directory import EMAIL, PHONE, USERNAME, plain_phone

HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("ชื่อ-นามสกุล", "ชื่อ - นามสกุล", "ชื่อนามสกุล", "ชื่อ นามสกุล", "ชื่อ", "name", "full name",
             "display name"),
    "subdistrict": ("ตำบล", "ตำบล/แขวง", "แขวง", "รหัสตำบล", "subdistrict", "sub-district", "sub district",
                    "area code", "subdistrict code"),
    "district": ("อำเภอ", "อำเภอ/เขต", "เขต", "district"),
    "phone": ("โทรศัพท์", "เบอร์โทร", "เบอร์โทรศัพท์", "หมายเลขโทรศัพท์", "phone", "telephone", "mobile"),
    "mentor": ("พี่เลี้ยง", "พี่เลี้ยงอาสาสมัครแรงงาน", "mentor"),
    "username": ("ชื่อผู้ใช้", "username", "user name"),
    "email": ("อีเมล", "อีเมล์", "e-mail", "email"),
}
REQUIRED = ("name", "subdistrict", "phone")
# The column names written by the sample, the export and the dry run's table.
TITLES = {"name": "ชื่อ-นามสกุล", "subdistrict": "ตำบล", "district": "อำเภอ", "phone": "โทรศัพท์",
          "mentor": "พี่เลี้ยง", "username": "ชื่อผู้ใช้", "email": "อีเมล"}
_PREFIX = re.compile(r"^(ตำบล|ต\.|แขวง|อำเภอ|อ\.|เขต|กิ่งอำเภอ)\s*")


def _key(header: str) -> str:
    return " ".join(header.replace("\ufeff", "").strip().lower().split()).rstrip(" *:")


_LOOKUP = {_key(title): name for name, titles in HEADERS.items() for title in titles}


@dataclass(frozen=True)
class Problem:
    field: str
    code: str
    message: str
    message_th: str


@dataclass
class Row:
    """One data row: its number in the spreadsheet (the header is row 1 or later) and cells."""

    number: int
    cells: dict[str, str]
    problems: list[Problem] = field(default_factory=list)

    def add(self, field_name: str, code: str, english: str, thai: str) -> None:
        self.problems.append(Problem(field_name, code, english, thai))


def parse(table: list[list[str]]) -> list[Row]:
    """Rows under the header (the first row with anything in it); blank rows skipped."""
    start = next((i for i, row in enumerate(table) if any(row)), None)
    if start is None:
        raise ValidationFailed("file", "The file has no rows.", "ไฟล์ไม่มีข้อมูล", code="EMPTY_FILE")
    columns: dict[str, int] = {}
    for index, header in enumerate(table[start]):
        name = _LOOKUP.get(_key(header))
        if name is not None and name not in columns:
            columns[name] = index
    for name in REQUIRED:
        if name not in columns:
            raise ValidationFailed(
                name, f"Row {start + 1} has no column '{TITLES[name]}' ({name}). The columns are: "
                + ", ".join(f"{TITLES[n]} ({n})" for n in HEADERS) + ".",
                f"แถวหัวตาราง (แถว {start + 1}) ไม่มีคอลัมน์ '{TITLES[name]}' คอลัมน์ที่ใช้ได้คือ "
                + ", ".join(TITLES[n] for n in HEADERS), code="MISSING_COLUMN")
    rows = []
    for offset, cells in enumerate(table[start + 1:], start=start + 2):
        if not any(cells):
            continue
        values = {name: (cells[i] if i < len(cells) else "").strip() for name, i in columns.items()}
        rows.append(Row(offset, values))
    if not rows:
        raise ValidationFailed("file", "The file has a header but no volunteers under it.",
                               "ไฟล์มีแต่หัวตาราง ไม่มีรายชื่ออาสาสมัคร", code="EMPTY_FILE")
    return rows


def cell_of(columns: dict[str, int], name: str, row: int) -> str:
    return f"{column_letter(columns[name])}{row}"


def name(row: Row) -> str | None:
    text = " ".join(row.cells.get("name", "").split())
    if not 2 <= len(text) <= 200:
        row.add("name", "REQUIRED", "Give the volunteer's full name (2 to 200 characters).",
                "กรุณาระบุชื่อ-นามสกุล (2–200 ตัวอักษร)")
        return None
    return text


def phone(row: Row) -> str | None:
    raw = row.cells.get("phone", "")
    plain = plain_phone(raw)
    if re.fullmatch(r"[689]\d{8}", plain):
        plain = "0" + plain  # Excel drops the leading 0 of a number: 812345678 is 0812345678
    if not plain:
        row.add("phone", "PHONE_REQUIRED", "Give the volunteer's phone number.",
                "กรุณาระบุหมายเลขโทรศัพท์ของอาสาสมัคร")
        return None
    if not PHONE.match(plain):
        row.add("phone", "BAD_PHONE", "Not a Thai phone number: 0 and 9 or 10 digits, or +66.",
                "หมายเลขโทรศัพท์ไม่ถูกต้อง (0 ตามด้วย 8–9 หลัก หรือ +66)")
        return None
    return plain


def email(row: Row) -> str | None:
    text = row.cells.get("email", "").strip()
    if text and not EMAIL.match(text):
        row.add("email", "BAD_EMAIL", "Not an e-mail address.", "อีเมลไม่ถูกต้อง")
        return None
    return text or None


def username(row: Row) -> str | None:
    text = row.cells.get("username", "").strip().lower()
    if text and not USERNAME.match(text):
        row.add("username", "BAD_USERNAME", "A username is 3–80 of a–z, 0–9, '.', '_' or '-'.",
                "ชื่อผู้ใช้ใช้ได้ a–z 0–9 . _ - ยาว 3–80 ตัว")
        return None
    return text or None


def place_name(text: str) -> str:
    """'ต. ในเมือง' and 'ตำบลในเมือง' are 'ในเมือง'."""
    return " ".join(_PREFIX.sub("", text.strip()).split()).lower()


def generated_username(subdistrict_code: str, number: int) -> str:
    """A new volunteer's username when the file gives none: `vol.<sub-district>.<n>`."""
    return f"vol.{subdistrict_code}.{number}"


GENERATED = re.compile(r"^vol\.(\d{6})\.(\d{1,6})$")
