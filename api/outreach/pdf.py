"""An event's report as one A4 page in Thai (issue 16), made with fpdf2.

The font is Sarabun, the web client's own, as TrueType from the `fontpkg-sarabun` package
(the same glyphs as the client's `@fontsource/sarabun`). Thai needs text shaping (tone marks
and vowels above and below their consonant): fpdf2 does it with HarfBuzz (`uharfbuzz`) once
`set_text_shaping(True)` is on. Everything is fitted to one page: long lists are cut with a
line saying how many more there are; the screen and the CSV carry every row."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import fontpkg_sarabun
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from domain.clock.business import BANGKOK
from domain.clock.thai import thai_date, thai_datetime
from domain.labels import LABELS
from domain.outreach.models import EventKind, EventStatus
from domain.outreach.notices import KIND_TH
from domain.outreach.rules import STATUS_LABELS
from domain.outreach.sheet import ReportSheet

FONTS = Path(fontpkg_sarabun.ROOT) / "files"
FAMILY = "Sarabun"
PAGE_BOTTOM = 282.0  # mm: below it the footer; nothing else goes there
MAX_SERVED_ROWS = 10
MAX_CASE_ROWS = 10


def _number(value: int) -> str:
    return f"{value:,}"


def _when(sheet: ReportSheet) -> str:
    event = sheet.report.event
    start, end = event.starts_at.astimezone(BANGKOK), event.ends_at.astimezone(BANGKOK)
    if start.date() == end.date():
        return f"{thai_date(start.date())} เวลา {start:%H:%M}–{end:%H:%M} น."
    return f"{thai_datetime(start)} น. ถึง {thai_datetime(end)} น."


class _Sheet(FPDF):
    def __init__(self, made_at: datetime) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.made_at = made_at
        self.add_font(FAMILY, "", str(FONTS / "Sarabun-Regular.ttf"))
        self.add_font(FAMILY, "B", str(FONTS / "Sarabun-Bold.ttf"))
        self.set_text_shaping(True)
        self.set_margins(15, 14, 15)
        self.set_auto_page_break(False)
        self.set_creator("Khortor")
        self.set_lang("th")

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FAMILY, "", 8.5)
        self.set_text_color(110)
        self.cell(0, 5, f"จัดทำโดยระบบข้อต่อ เมื่อ {thai_datetime(self.made_at)} น.  ·  "
                        "ข้อมูลไม่มีข้อมูลส่วนบุคคลของผู้รับบริการ", align="C")

    def heading(self, text: str) -> None:
        self.ln(2.5)
        self.set_font(FAMILY, "B", 11.5)
        self.set_text_color(20, 50, 90)
        self.cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(20, 50, 90)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1)
        self.set_text_color(0)

    def pair(self, label: str, value: str) -> None:
        self.set_font(FAMILY, "B", 10)
        self.cell(32, 6, label)
        self.set_font(FAMILY, "", 10)
        self.multi_cell(0, 6, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def table(self, widths: list[float], header: list[str], rows: list[list[str]],
              aligns: str) -> None:
        self.set_font(FAMILY, "B", 9)
        self.set_fill_color(230, 236, 245)
        for w, text, align in zip(widths, header, aligns, strict=True):
            self.cell(w, 6.5, text, border=1, fill=True, align="C" if align == "R" else "L")
        self.ln()
        self.set_font(FAMILY, "", 9)
        for row in rows:
            for w, text, align in zip(widths, row, aligns, strict=True):
                self.cell(w, 6, self._fit(text, w - 2), border=1, align=align)
            self.ln()

    def _fit(self, text: str, width: float) -> str:
        if self.get_string_width(text) <= width:
            return text
        while text and self.get_string_width(text + "…") > width:
            text = text[:-1]
        return text + "…"


def render(sheet: ReportSheet, made_at: datetime) -> bytes:
    """The report of `sheet` as a one-page A4 PDF."""
    report, event = sheet.report, sheet.report.event
    pdf = _Sheet(made_at)
    pdf.set_title(f"รายงานผลกิจกรรม {event.title}")
    pdf.add_page()

    pdf.set_font(FAMILY, "", 10)
    pdf.set_text_color(20, 50, 90)
    pdf.cell(0, 5, f"รายงานผลกิจกรรม · {KIND_TH[EventKind(event.kind)]}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "B", 16)
    pdf.set_text_color(0)
    pdf.multi_cell(0, 8.5, event.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)
    pdf.pair("วันที่", _when(sheet))
    pdf.pair("สถานที่", f"{event.venue} {sheet.area_th}".strip())
    pdf.pair("สถานะ", STATUS_LABELS[EventStatus(event.status)][1]
             + (f" เมื่อ {thai_datetime(event.reported_at)} น." if event.reported_at else ""))
    if event.capacity:
        pdf.pair("รองรับได้", f"{_number(event.capacity)} คน")

    pdf.heading("สรุปผล")
    satisfaction = ("ยังไม่มีการประเมิน" if report.satisfaction_average is None else
                    f"{_decimal(report.satisfaction_average)} จาก 5 ({report.satisfaction_count} เรื่อง)")
    boxes = [("ผู้รับบริการ", f"{_number(report.people_served)} คน"),
             ("เรื่องที่รับจากกิจกรรม", f"{_number(len(report.cases))} เรื่อง"),
             ("ความพึงพอใจเฉลี่ย", satisfaction),
             ("อาสาสมัครแรงงาน", f"{report.volunteers_assigned} คน · เตรียมงาน {report.volunteers_prepared}"
                                 f" · มาร่วม {report.volunteers_attended}"),
             ("ประชาชนที่ได้รับเชิญ", f"{_number(report.people_invited)} คน")]
    width = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    for i, (label, value) in enumerate(boxes):
        if i % 2 == 0 and i:
            pdf.ln(6)
        pdf.set_font(FAMILY, "B", 10)
        pdf.cell(40, 6, label)
        pdf.set_font(FAMILY, "", 10)
        pdf.cell(width - 40, 6, value)
    pdf.ln(7)

    pdf.heading("ผู้รับบริการ แยกตามหน่วยงานและบริการ")
    served = sorted(report.served, key=lambda r: (r.org_unit_code, r.service_code))
    rows = [[sheet.offices.get(r.org_unit_code, r.org_unit_code), sheet.services.get(r.service_code, r.service_code),
             _number(r.people_served), _number(r.men), _number(r.women), _number(r.age_under_25),
             _number(r.age_25_to_59), _number(r.age_60_plus)] for r in served[:MAX_SERVED_ROWS]]
    if not rows:
        rows = [["ยังไม่มีการบันทึกผู้รับบริการ", "", "", "", "", "", "", ""]]
    pdf.table([52, 52, 20, 11, 11, 11, 12, 11],
              ["หน่วยงาน", "บริการ", "ผู้รับบริการ", "ชาย", "หญิง", "<25", "25–59", "60+"], rows, "LLRRRRRR")
    if len(served) > MAX_SERVED_ROWS:
        pdf.set_font(FAMILY, "", 9)
        pdf.cell(0, 5, f"และอีก {len(served) - MAX_SERVED_ROWS} รายการ (ดูทั้งหมดในไฟล์ CSV)",
                 new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    pdf.heading("เรื่องที่รับจากกิจกรรม และสถานะปัจจุบัน")
    if report.cases_by_status:
        pdf.set_font(FAMILY, "", 9.5)
        pdf.multi_cell(0, 5.5, "  ·  ".join(f"{LABELS.get(s, (s,))[0]} {n}" for s, n in
                                              sorted(report.cases_by_status.items())),
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)
    case_rows = [[c.reference, sheet.categories.get(c.category_code, c.category_code),
                  LABELS.get(c.status, (c.status,))[0], "–" if c.satisfaction is None else f"{c.satisfaction} / 5"]
                 for c in report.cases[:MAX_CASE_ROWS]]
    if not case_rows:
        case_rows = [["ไม่มีเรื่องที่รับจากกิจกรรมนี้", "", "", ""]]
    pdf.table([45, 70, 40, 25], ["เลขที่เรื่อง", "ประเภทปัญหา", "สถานะ", "ความพึงพอใจ"], case_rows, "LLLR")
    if len(report.cases) > MAX_CASE_ROWS:
        pdf.set_font(FAMILY, "", 9)
        pdf.cell(0, 5, f"และอีก {len(report.cases) - MAX_CASE_ROWS} เรื่อง (ดูทั้งหมดในไฟล์ CSV)",
                 new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    if event.report_note or event.cancel_reason:
        pdf.heading("หมายเหตุ" if event.report_note else "เหตุผลที่ยกเลิก")
        pdf.set_font(FAMILY, "", 10)
        lines = pdf.multi_cell(0, 5.5, event.report_note or event.cancel_reason or "", dry_run=True,
                               output="LINES")
        room = max(1, int((PAGE_BOTTOM - pdf.get_y()) // 5.5))
        shown = lines[:room] if len(lines) <= room else [*lines[:room - 1], lines[room - 1].rstrip() + "…"]
        pdf.multi_cell(0, 5.5, "\n".join(shown), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def _decimal(value: Decimal) -> str:
    return f"{value:.2f}"
