import { describe, expect, it } from "vitest";
import { effectiveTheme, storedTheme } from "./theme";

describe("theme", () => {
  it("follows the system only when asked to", () => {
    expect(effectiveTheme("system", true)).toBe("dark");
    expect(effectiveTheme("system", false)).toBe("light");
    expect(effectiveTheme("light", true)).toBe("light");
    expect(effectiveTheme("dark", false)).toBe("dark");
  });

  it("reads the stored choice, system by default", () => {
    expect(storedTheme({ getItem: () => "dark" })).toBe("dark");
    expect(storedTheme({ getItem: () => null })).toBe("system");
    expect(storedTheme({ getItem: () => "purple" })).toBe("system");
  });
});
