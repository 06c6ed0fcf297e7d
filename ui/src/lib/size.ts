// File sizes as people read them, in the window's language.
import { i18n, t } from "./i18n.svelte";

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

/** A size in words and the locale's digits: "1.2 MB", "1,2 Mo". */
export function sizeLabel(bytes: number): string {
  const { value, unit } = fileSize(bytes);
  return t(`size.${unit}`, { value: new Intl.NumberFormat(i18n.locale).format(value) });
}
