/**
 * The dashboard as a CSV file, made in the browser from the figures on screen: UTF-8 with a
 * byte-order mark (so Excel reads the Thai), CRLF line ends, one section after another.
 * Cells that a spreadsheet would run as a formula (=, +, -, @ first) are quoted with a
 * leading apostrophe; numbers are written plainly (no thousands separators).
 */

export type Cell = string | number | null | undefined;

export function csvCell(value: Cell): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return String(value);
  let text = value;
  if (/^[=+\-@\t\r]/.test(text)) text = "'" + text;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(rows: Cell[][]): string {
  return "\uFEFF" + rows.map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

/** Offer `text` as a file to save (an <a download> on a Blob URL: no server round trip). */
export function download(text: string, filename: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
