/** The administration screens' words (spread into the dictionaries of i18n.ts). */

export const adminTh = {
  administration: "ผู้ดูแลระบบ",
};

export const adminEn: typeof adminTh = {
  administration: "Administration",
};
