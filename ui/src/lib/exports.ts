// Pure helpers of the export screens (admin area's Exports tab, Settings' "Download my data").
import type { ExportSummary } from "./bindings";

export type SizeUnit = "bytes" | "kB" | "MB" | "GB" | "TB";

/** A file size in decimal units, as file managers show it: 1234567 -> 1.2 MB. */
export function fileSize(bytes: number): { value: number; unit: SizeUnit } {
  const units: SizeUnit[] = ["kB", "MB", "GB", "TB"];
  if (bytes < 1000) return { value: bytes, unit: "bytes" };
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 999.95 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return { value: Math.round(value * 10) / 10, unit: units[unit] };
}

/** The rows of one JSON Lines file of the export (`people`, `posts`, ...), 0 when absent. */
export function exportRows(summary: ExportSummary, name: string): number {
  return summary.counts.find((count) => count.name === name)?.rows ?? 0;
}
