"""The ministry's reference data as SPEC.md gives it (areas come from `geothai`)."""

from __future__ import annotations

from typing import NamedTuple


class AgencyData(NamedTuple):
    code: str
    name_th: str
    name_en: str
    office_name_th: str
    office_name_en: str


class CategoryData(NamedTuple):
    code: str
    name_th: str
    name_en: str
    agency_code: str
    priority: str
    accept_business_days: int  # 0 = the same day
    resolve_business_days: int
    legal_days: int | None = None  # a legal clock that never pauses (issue 3)


AGENCIES = (
    AgencyData("OPS", "สำนักงานปลัดกระทรวงแรงงาน", "Office of the Permanent Secretary",
               "สำนักงานแรงงานจังหวัด", "Provincial Labour Office"),
    AgencyData("DOE", "กรมการจัดหางาน", "Department of Employment",
               "สำนักงานจัดหางานจังหวัด", "Provincial Employment Office"),
    AgencyData("DSD", "กรมพัฒนาฝีมือแรงงาน", "Department of Skill Development",
               "สำนักงานพัฒนาฝีมือแรงงาน", "Skill Development Office"),
    AgencyData("DLPW", "กรมสวัสดิการและคุ้มครองแรงงาน",
               "Department of Labour Protection and Welfare",
               "สำนักงานสวัสดิการและคุ้มครองแรงงานจังหวัด",
               "Provincial Labour Protection and Welfare Office"),
    AgencyData("SSO", "สำนักงานประกันสังคม", "Social Security Office",
               "สำนักงานประกันสังคมจังหวัด", "Provincial Social Security Office"),
)

CATEGORIES = (
    CategoryData("UNPAID_WAGES", "ค่าจ้างค้างจ่าย", "Unpaid wages", "DLPW", "NORMAL", 2, 30, 60),
    CategoryData("UNFAIR_DISMISSAL", "เลิกจ้างไม่เป็นธรรม / ค่าชดเชย",
                 "Unfair dismissal, severance", "DLPW", "NORMAL", 2, 60, 60),
    CategoryData("WORKPLACE_SAFETY", "ความปลอดภัยในการทำงาน", "Workplace safety",
                 "DLPW", "HIGH", 1, 15),
    CategoryData("CHILD_FORCED_LABOUR", "แรงงานเด็ก / แรงงานบังคับ", "Child or forced labour",
                 "DLPW", "URGENT", 0, 7),
    CategoryData("WORK_INJURY", "เงินทดแทน", "Work-injury compensation", "SSO", "HIGH", 1, 30),
    CategoryData("SOCIAL_SECURITY_BENEFITS", "สิทธิประกันสังคม", "Social-security benefits",
                 "SSO", "NORMAL", 2, 30),
    CategoryData("SECTION_40", "ประกันสังคมมาตรา 40", "Section 40 informal-worker insurance",
                 "SSO", "LOW", 3, 30),
    CategoryData("JOB_SEEKING", "หางานทำ", "Job seeking", "DOE", "LOW", 3, 30),
    CategoryData("OVERSEAS_WORK_FRAUD", "ไปทำงานต่างประเทศ / ถูกหลอกลวง",
                 "Overseas work, recruitment fraud", "DOE", "HIGH", 1, 30),
    CategoryData("MIGRANT_WORKER_PERMITS", "แรงงานต่างด้าว", "Migrant-worker permits",
                 "DOE", "NORMAL", 2, 30),
    CategoryData("VOCATIONAL_TRAINING", "ฝึกอาชีพ", "Vocational training", "DSD", "LOW", 3, 45),
    CategoryData("SKILL_STANDARD_TEST", "ทดสอบมาตรฐานฝีมือแรงงาน", "Skill-standard testing",
                 "DSD", "LOW", 3, 45),
    CategoryData("OTHER", "อื่น ๆ", "Other labour advice", "OPS", "NORMAL", 2, 30),
)
