import { describe, expect, it } from "vitest";
import {
  anchorAt,
  anchoredTop,
  DEFAULT_HEIGHT,
  estimateHeight,
  indexAt,
  nearEnd,
  offsetsOf,
  visibleRange,
} from "./virtual";

const ids = ["a", "b", "c", "d", "e"];

describe("estimateHeight", () => {
  it("averages the measured heights", () => {
    expect(estimateHeight([100, 300])).toBe(200);
  });

  it("falls back before anything was measured", () => {
    expect(estimateHeight([])).toBe(DEFAULT_HEIGHT);
    expect(estimateHeight(new Map<string, number>().values(), 50)).toBe(50);
  });
});

describe("offsetsOf", () => {
  it("adds measured heights and estimates the others", () => {
    const heights = new Map([
      ["a", 100],
      ["c", 50],
    ]);
    expect(offsetsOf(ids, heights, 200)).toEqual([0, 100, 300, 350, 550, 750]);
  });

  it("is a single zero for an empty list", () => {
    expect(offsetsOf([], new Map(), 200)).toEqual([0]);
  });
});

describe("indexAt", () => {
  const offsets = [0, 100, 300, 350, 550, 750];

  it("finds the item under a position", () => {
    expect(indexAt(offsets, 0)).toBe(0);
    expect(indexAt(offsets, 99)).toBe(0);
    expect(indexAt(offsets, 100)).toBe(1);
    expect(indexAt(offsets, 349)).toBe(2);
    expect(indexAt(offsets, 700)).toBe(4);
  });

  it("clamps to the list", () => {
    expect(indexAt(offsets, -50)).toBe(0);
    expect(indexAt(offsets, 10_000)).toBe(4);
    expect(indexAt([0], 10)).toBe(0);
  });
});

describe("visibleRange", () => {
  const offsets = [0, 100, 300, 350, 550, 750];

  it("covers the items overlapping the viewport", () => {
    expect(visibleRange(offsets, 150, 150, 0)).toEqual({ start: 1, end: 2 });
    expect(visibleRange(offsets, 150, 250, 0)).toEqual({ start: 1, end: 4 });
  });

  it("widens by the overscan", () => {
    expect(visibleRange(offsets, 150, 150, 100)).toEqual({ start: 0, end: 4 });
  });

  it("renders the first item while the list is below the viewport", () => {
    expect(visibleRange(offsets, -500, 200, 0)).toEqual({ start: 0, end: 1 });
    expect(visibleRange(offsets, -100, 200, 0)).toEqual({ start: 0, end: 1 });
  });

  it("stays inside the list past its end and for an empty one", () => {
    expect(visibleRange(offsets, 5_000, 200, 100)).toEqual({ start: 4, end: 5 });
    expect(visibleRange([0], 0, 500, 100)).toEqual({ start: 0, end: 0 });
  });
});

describe("anchoring", () => {
  it("keeps the post at the top of the viewport in place when a post above grows", () => {
    const before = offsetsOf(ids, new Map(), 100);
    const anchor = anchorAt(ids, before, 330);
    expect(anchor).toEqual({ id: "d", within: 30 });
    // "b" measured 150 px taller than estimated: the viewport follows "d" down.
    const after = offsetsOf(ids, new Map([["b", 250]]), 100);
    expect(anchoredTop(anchor!, ids, after)).toBe(480);
  });

  it("follows the anchor when newer posts arrive above it", () => {
    const before = offsetsOf(ids, new Map(), 100);
    const anchor = anchorAt(ids, before, 120)!;
    const newer = ["z", ...ids];
    expect(anchoredTop(anchor, newer, offsetsOf(newer, new Map(), 100))).toBe(220);
  });

  it("has nothing to keep at the top of the list or once the post left", () => {
    const offsets = offsetsOf(ids, new Map(), 100);
    expect(anchorAt(ids, offsets, 0)).toBeNull();
    expect(anchorAt([], [0], 50)).toBeNull();
    expect(anchoredTop({ id: "gone", within: 0 }, ids, offsets)).toBeNull();
  });
});

describe("nearEnd", () => {
  const offsets = [0, 1000, 2000];

  it("says when the viewport approaches the end of the list", () => {
    expect(nearEnd(offsets, 0, 500, 800)).toBe(false);
    expect(nearEnd(offsets, 800, 500, 800)).toBe(true);
    expect(nearEnd([0], 0, 500, 0)).toBe(true);
  });
});
