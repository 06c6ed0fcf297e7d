import { describe, expect, it } from "vitest";
import type { ExportSummary } from "./bindings";
import { exportRows, fileSize } from "./exports";

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

describe("export counts", () => {
  const summary: ExportSummary = {
    path: "/tmp/x.tar.gz",
    bytes: 10,
    scope: "personal",
    counts: [{ name: "posts", rows: 3 }],
    files: 1,
  };
  it("are the manifest's rows, 0 when a file is absent", () => {
    expect(exportRows(summary, "posts")).toBe(3);
    expect(exportRows(summary, "comments")).toBe(0);
  });
});
