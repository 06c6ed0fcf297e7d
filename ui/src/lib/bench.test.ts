import { describe, expect, it } from "vitest";
import { scrollStep } from "./bench";

describe("scrollStep", () => {
  it("stops once enough posts are loaded", () => {
    expect(scrollStep(1000, 1000, true)).toBe("done");
    expect(scrollStep(1020, 1000, false)).toBe("done");
  });

  it("loads older pages until then", () => {
    expect(scrollStep(30, 1000, true)).toBe("older");
  });

  it("reports a feed that ends too early", () => {
    expect(scrollStep(30, 1000, false)).toBe("end");
  });
});
