/** Baht on screen: "18,000.50" (thousands separators, two decimals when there are satang),
 * from the API's plain decimal string; done on the string so no float rounding creeps in. */
export function formatBaht(value: string): string {
  const [whole = "0", fraction = ""] = value.trim().replace(/^\+/, "").split(".");
  const negative = whole.startsWith("-");
  const digits = (negative ? whole.slice(1) : whole).replace(/^0+(?=\d)/, "");
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const satang = (fraction + "00").slice(0, 2);
  return (negative ? "-" : "") + grouped + (/^0*$/.test(fraction) ? "" : "." + satang);
}
