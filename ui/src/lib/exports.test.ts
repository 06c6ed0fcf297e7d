import { describe, expect, it } from "vitest";
import type { ExportSummary } from "./bindings";
import { exportRows } from "./exports";

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
