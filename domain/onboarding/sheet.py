"""Reading and writing the spreadsheets of bulk onboarding (issue 13, part 4).

An upload is refused before anything is parsed when it is larger than `MAX_BYTES`; an
.xlsx is read with python-calamine (fast: 20,000 rows in well under a second) after its zip
directory is checked (no zip bomb) and its worksheets are scanned for formulas (refused,
with the cell named); a .csv is UTF-8 (with or without BOM) or Windows Thai (cp874), as
Excel saves it, with ',' ';' or tab between cells. Files are written with openpyxl (.xlsx)
or as UTF-8 CSV with a BOM so that Excel shows Thai."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from python_calamine import CalamineError, CalamineWorkbook

from domain.errors import ValidationFailed

MAX_BYTES = 5 * 1024 * 1024  # 20,000 volunteers are about 1 MB as .xlsx, 2 MB as .csv
MAX_ROWS = 25_000
MAX_UNZIPPED = 100 * 1024 * 1024
MAX_ZIP_ENTRIES = 2_000
MAX_COLUMNS = 40
MAX_CELL = 500
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3}[0-9]{1,7})"')
_SHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$")


def refused(field: str, english: str, thai: str, code: str) -> ValidationFailed:
    return ValidationFailed(field, english, thai, code=code)


def too_large(size: int) -> ValidationFailed:
    return refused("file", f"The file is {size / 1048576:.1f} MB; at most {MAX_BYTES // 1048576} MB is "
                   "accepted. Split it into several files.",
                   f"ไฟล์มีขนาด {size / 1048576:.1f} MB รับได้ไม่เกิน {MAX_BYTES // 1048576} MB "
                   "กรุณาแบ่งเป็นหลายไฟล์", "FILE_TOO_LARGE")


def not_a_spreadsheet() -> ValidationFailed:
    return refused("file", "This is not a spreadsheet: upload an .xlsx (Excel) or .csv file.",
                   "ไฟล์นี้ไม่ใช่ตารางข้อมูล กรุณาอัปโหลดไฟล์ .xlsx (Excel) หรือ .csv", "NOT_A_SPREADSHEET")


def formula(cell: str) -> ValidationFailed:
    return refused(cell, f"Cell {cell} holds a formula. Copy the column and paste it as values only, "
                   "then upload again.",
                   f"เซลล์ {cell} มีสูตรคำนวณ กรุณาคัดลอกแล้ววางแบบค่าเท่านั้น (Paste Values) แล้วอัปโหลดใหม่",
                   "FORMULA")


def read_table(data: bytes) -> list[list[str]]:
    """The first worksheet (or the CSV) as rows of text; refused with a reason otherwise."""
    if len(data) > MAX_BYTES:
        raise too_large(len(data))
    if not data.strip():
        raise refused("file", "The file is empty.", "ไฟล์ว่างเปล่า", "EMPTY_FILE")
    if data.startswith(b"PK\x03\x04"):
        rows = _xlsx(data)
    elif data.startswith(b"\xd0\xcf\x11\xe0"):
        raise refused("file", "This is an old Excel file (.xls): save it as .xlsx and upload again.",
                      "ไฟล์นี้เป็น Excel แบบเก่า (.xls) กรุณาบันทึกเป็น .xlsx แล้วอัปโหลดใหม่", "OLD_EXCEL")
    else:
        rows = _csv(data)
    rows = [row[:MAX_COLUMNS] for row in rows]
    if len(rows) > MAX_ROWS + 1:
        raise refused("file", f"The file has more than {MAX_ROWS:,} rows; split it into several files.",
                      f"ไฟล์มีเกิน {MAX_ROWS:,} แถว กรุณาแบ่งเป็นหลายไฟล์", "TOO_MANY_ROWS")
    return rows


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value).replace("\x00", "").strip()[:MAX_CELL]


def _xlsx(data: bytes) -> list[list[str]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise not_a_spreadsheet() from None
    names = {e.filename for e in entries}
    if "xl/workbook.xml" not in names:
        raise not_a_spreadsheet()  # a zip, a .docx or an .ods: not an Excel workbook
    if len(entries) > MAX_ZIP_ENTRIES or sum(e.file_size for e in entries) > MAX_UNZIPPED:
        raise refused("file", "The workbook unpacks to more than 100 MB; it is not a list of volunteers.",
                      "ไฟล์นี้เมื่อแตกออกมีขนาดเกิน 100 MB ไม่ใช่รายชื่ออาสาสมัคร", "FILE_TOO_LARGE")
    try:
        for entry in sorted(e.filename for e in entries if _SHEET.match(e.filename)):
            xml = archive.read(entry)
            found = _FORMULA.search(xml)
            if found:
                refs = _CELL_REF.findall(xml, 0, found.start())
                raise formula(refs[-1].decode() if refs else "?")
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not book.sheet_names:
            raise not_a_spreadsheet()
        sheet = book.get_sheet_by_index(0)
        return [[_text(v) for v in row] for row in sheet.iter_rows()]
    except (CalamineError, zipfile.BadZipFile, KeyError, ValueError, OSError, RuntimeError):
        raise not_a_spreadsheet() from None


def _csv(data: bytes) -> list[list[str]]:
    if b"\x00" in data[:8192]:
        raise not_a_spreadsheet()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp874")  # Excel's "CSV" on a Thai Windows
        except UnicodeDecodeError:
            raise not_a_spreadsheet() from None
    first = text[:4096].splitlines()[0] if text.strip() else ""
    delimiter = max((",", ";", "\t"), key=first.count)
    if first.count(delimiter) == 0 and len(text.splitlines()) > 1 and not first.strip():
        raise not_a_spreadsheet()
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter, strict=False))
    except csv.Error:
        raise not_a_spreadsheet() from None
    for r, row in enumerate(rows, start=1):
        for c, cell in enumerate(row):
            if cell.lstrip().startswith("="):
                raise formula(f"{column_letter(c)}{r}")
    return [[_text(cell) for cell in row] for row in rows]


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _safe(value: object) -> object:
    """A cell that a spreadsheet would run as a formula is written as text ('=1+1 → '=1+1)."""
    if isinstance(value, str) and value[:1] in ("=", "@", "+", "-") and not re.fullmatch(r"\+?\d+", value):
        return "'" + value
    return value


def write_xlsx(header: Sequence[str], rows: Sequence[Sequence[object]], title: str) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(list(header))
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=_safe(value))
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[_safe("" if v is None else v) for v in row] for row in rows])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
