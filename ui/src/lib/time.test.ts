import { describe, expect, it } from "vitest";
import { absoluteTime, relativeTime, retryIn } from "./time";

// Local times, so the tests hold in any time zone.
const at = (y: number, mo: number, d: number, h = 12, mi = 0, s = 0) =>
  new Date(y, mo - 1, d, h, mi, s).getTime();

describe("relativeTime", () => {
  const now = at(2026, 11, 25, 15, 30);

  it("says just now for the last minute, and for clocks slightly ahead", () => {
    expect(relativeTime(now - 59_000, now)).toBe("just now");
    expect(relativeTime(now + 30_000, now)).toBe("just now");
  });

  it("counts minutes, then hours within the same day", () => {
    expect(relativeTime(now - 60_000, now)).toBe("1 min");
    expect(relativeTime(now - 59 * 60_000, now)).toBe("59 min");
    expect(relativeTime(at(2026, 11, 25, 12, 10), now)).toBe("3 h");
  });

  it("names yesterday and the days of the last week with the time", () => {
    expect(relativeTime(at(2026, 11, 24, 23, 50), now)).toBe("Yesterday at 23:50");
    expect(relativeTime(at(2026, 11, 20, 9, 5), now)).toBe("Friday at 09:05");
  });

  it("uses a date beyond a week, with the year only when it differs", () => {
    expect(relativeTime(at(2026, 3, 2), now)).toBe("2 Mar");
    expect(relativeTime(at(2025, 12, 31), now)).toBe("31 Dec 2025");
  });

  it("counts a post from late last night as yesterday even under 24 hours", () => {
    const earlyMorning = at(2026, 11, 25, 0, 30);
    expect(relativeTime(at(2026, 11, 24, 22, 0), earlyMorning)).toBe("Yesterday at 22:00");
  });
});

describe("absoluteTime", () => {
  it("spells the full date", () => {
    expect(absoluteTime(at(2026, 1, 5, 8, 7))).toBe("Monday 5 Jan 2026 at 08:07");
  });
});

describe("retryIn", () => {
  it("rounds to seconds, then minutes, never zero", () => {
    expect(retryIn(200)).toBe("in 1 s");
    expect(retryIn(4_600)).toBe("in 5 s");
    expect(retryIn(90_000)).toBe("in 2 min");
  });
});
