import { describe, expect, it } from "vitest";
import type { PollView } from "./bindings";
import { canAnnounce, isAnnounced, myChoices, pollOptionsToSend, pollProblem, share, voteAfterClick } from "./poll";

function poll(mine: number[], multiple: boolean): PollView {
  return {
    options: ["Tea", "Coffee", "Water"].map((text, i) => ({ text, count: mine.includes(i) ? 1 : 0, mine: mine.includes(i) })),
    multiple,
    closed: false,
    voters: mine.length > 0 ? 1 : 0,
  };
}

describe("voting by clicking", () => {
  it("picks one option in a single-choice poll, replacing my earlier one", () => {
    expect(voteAfterClick(poll([], false), 1)).toEqual([1]);
    expect(voteAfterClick(poll([0], false), 2)).toEqual([2]);
  });

  it("withdraws when I click my own choice again", () => {
    expect(voteAfterClick(poll([1], false), 1)).toEqual([]);
    expect(voteAfterClick(poll([1], true), 1)).toEqual([]);
  });

  it("toggles one option among mine in a multiple-choice poll", () => {
    expect(voteAfterClick(poll([2], true), 0)).toEqual([0, 2]);
    expect(voteAfterClick(poll([0, 2], true), 2)).toEqual([0]);
  });

  it("reads my choices", () => {
    expect(myChoices(poll([0, 2], true))).toEqual([0, 2]);
  });
});

describe("shares", () => {
  it("rounds to whole percent and is 0 without voters", () => {
    expect(share(1, 3)).toBe(33);
    expect(share(2, 3)).toBe(67);
    expect(share(0, 0)).toBe(0);
  });
});

describe("composing a poll", () => {
  it("sends trimmed options without the blank ones", () => {
    expect(pollOptionsToSend([" Tea ", "", "  ", "Coffee"])).toEqual(["Tea", "Coffee"]);
  });

  it("needs two distinct options", () => {
    expect(pollProblem(["Tea", " "])).toBe("tooFew");
    expect(pollProblem(["Tea", " Tea"])).toBe("duplicate");
    expect(pollProblem(["Tea", "Coffee"])).toBeNull();
  });
});

describe("announcements", () => {
  it("only admins and moderators announce", () => {
    expect(canAnnounce("admin")).toBe(true);
    expect(canAnnounce("moderator")).toBe(true);
    expect(canAnnounce("member")).toBe(false);
    expect(canAnnounce(null)).toBe(false);
  });

  it("shows as one until its end", () => {
    expect(isAnnounced(2000, 1000)).toBe(true);
    expect(isAnnounced(1000, 2000)).toBe(false);
    expect(isAnnounced(null, 0)).toBe(false);
  });
});
