import { describe, expect, it } from "vitest";
import { setLocale } from "./i18n.svelte";
import { fileSize, sizeLabel } from "./size";

describe("file sizes", () => {
  it("read in decimal units with one decimal", () => {
    expect(fileSize(0)).toEqual({ value: 0, unit: "bytes" });
    expect(fileSize(999)).toEqual({ value: 999, unit: "bytes" });
    expect(fileSize(1234)).toEqual({ value: 1.2, unit: "kB" });
    expect(fileSize(5_600_000)).toEqual({ value: 5.6, unit: "MB" });
    expect(fileSize(999_990)).toEqual({ value: 1, unit: "MB" });
    expect(fileSize(3_000_000_000)).toEqual({ value: 3, unit: "GB" });
  });
});

describe("size labels", () => {
  it("use the locale's words and digits", () => {
    setLocale("en");
    expect(sizeLabel(1234)).toBe("1.2 kB");
    setLocale("fr");
    expect(sizeLabel(1234)).toMatch(/^1,2 /);
    setLocale("en");
  });
});
