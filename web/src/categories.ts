/**
 * Problem types. The server's `categories` query is the source of truth; this copy (the
 * table in SPEC.md) lets a volunteer file a case on a phone that has never been online
 * since installing the app. Icons are emoji: every phone has them, and they cost no bytes.
 */
export interface CategoryInfo {
  code: string;
  nameTh: string;
  nameEn: string;
  agencyCode: string;
}

export const ICONS: Record<string, string> = {
  UNPAID_WAGES: "💰",
  UNFAIR_DISMISSAL: "📄",
  WORKPLACE_SAFETY: "⛑️",
  CHILD_FORCED_LABOUR: "🧒",
  WORK_INJURY: "🩹",
  SOCIAL_SECURITY_BENEFITS: "🛡️",
  SECTION_40: "🤝",
  JOB_SEEKING: "🔍",
  OVERSEAS_WORK_FRAUD: "✈️",
  MIGRANT_WORKER_PERMITS: "🪪",
  VOCATIONAL_TRAINING: "🛠️",
  SKILL_STANDARD_TEST: "🎓",
  OTHER: "💬",
};

export const AGENCIES: Record<string, { nameTh: string; nameEn: string; color: string }> = {
  DLPW: { nameTh: "สวัสดิการและคุ้มครองแรงงาน", nameEn: "Labour Protection and Welfare", color: "#1f5fa8" },
  SSO: { nameTh: "ประกันสังคม", nameEn: "Social Security", color: "#2b7a3d" },
  DOE: { nameTh: "จัดหางาน", nameEn: "Employment", color: "#a4520d" },
  DSD: { nameTh: "พัฒนาฝีมือแรงงาน", nameEn: "Skill Development", color: "#6a3d9a" },
  OPS: { nameTh: "แรงงานจังหวัด", nameEn: "Provincial Labour Office", color: "#555e68" },
};

export const FALLBACK_CATEGORIES: CategoryInfo[] = [
  { code: "UNPAID_WAGES", nameTh: "ค่าจ้างค้างจ่าย", nameEn: "Unpaid wages", agencyCode: "DLPW" },
  { code: "UNFAIR_DISMISSAL", nameTh: "เลิกจ้างไม่เป็นธรรม / ค่าชดเชย", nameEn: "Unfair dismissal, severance", agencyCode: "DLPW" },
  { code: "WORKPLACE_SAFETY", nameTh: "ความปลอดภัยในการทำงาน", nameEn: "Workplace safety", agencyCode: "DLPW" },
  { code: "CHILD_FORCED_LABOUR", nameTh: "แรงงานเด็ก / แรงงานบังคับ", nameEn: "Child or forced labour", agencyCode: "DLPW" },
  { code: "WORK_INJURY", nameTh: "เงินทดแทน", nameEn: "Work-injury compensation", agencyCode: "SSO" },
  { code: "SOCIAL_SECURITY_BENEFITS", nameTh: "สิทธิประกันสังคม", nameEn: "Social-security benefits", agencyCode: "SSO" },
  { code: "SECTION_40", nameTh: "ประกันสังคมมาตรา 40", nameEn: "Section 40 insurance", agencyCode: "SSO" },
  { code: "JOB_SEEKING", nameTh: "หางานทำ", nameEn: "Job seeking", agencyCode: "DOE" },
  { code: "OVERSEAS_WORK_FRAUD", nameTh: "ไปทำงานต่างประเทศ / ถูกหลอกลวง", nameEn: "Overseas work, recruitment fraud", agencyCode: "DOE" },
  { code: "MIGRANT_WORKER_PERMITS", nameTh: "แรงงานต่างด้าว", nameEn: "Migrant-worker permits", agencyCode: "DOE" },
  { code: "VOCATIONAL_TRAINING", nameTh: "ฝึกอาชีพ", nameEn: "Vocational training", agencyCode: "DSD" },
  { code: "SKILL_STANDARD_TEST", nameTh: "ทดสอบมาตรฐานฝีมือแรงงาน", nameEn: "Skill-standard testing", agencyCode: "DSD" },
  { code: "OTHER", nameTh: "อื่น ๆ", nameEn: "Other labour advice", agencyCode: "OPS" },
];
