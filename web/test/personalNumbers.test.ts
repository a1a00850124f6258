import { describe, expect, it } from "vitest";
import { hasPersonalNumbers } from "../src/lib/personalNumbers";

describe("personal numbers in free text", () => {
  it.each([
    "โทร 0812345678", "081-234-5678", "081.234.5678", "(02) 123 4567", "+66 81 234 5678",
    "โทร ๐๘๑-๒๓๔-๕๖๗๘", "เลขบัตร 1101700230705", "1-1017-00230-70-5", "๑๑๐๑๗๐๐๒๓๐๗๐๕",
  ])("finds %s", (text) => {
    expect(hasPersonalNumbers(text)).toBe(true);
  });

  it.each([
    "นายจ้างค้างจ่ายค่าจ้าง 2 เดือน รวมประมาณ 18,000 บาท", "ค่าจ้าง ๑๘,๐๐๐ บาท ปี ๒๕๖๙",
    "เรื่องเลขที่ 43-2570-000001", "ทำงาน 12 ชั่วโมงต่อวัน ตั้งแต่ 1 ม.ค. 2569", "",
  ])("leaves %s alone", (text) => {
    expect(hasPersonalNumbers(text)).toBe(false);
  });
});
