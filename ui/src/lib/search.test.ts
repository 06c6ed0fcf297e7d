import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Debouncer, isSearchShortcut, searchableQuery, snippetSegments, snippetText } from "./search";

describe("snippetSegments", () => {
  it("marks the bracketed parts", () => {
    expect(snippetSegments("…the [desktop] app [ships] today")).toEqual([
      { text: "…the ", match: false },
      { text: "desktop", match: true },
      { text: " app ", match: false },
      { text: "ships", match: true },
      { text: " today", match: false },
    ]);
  });

  it("handles matches at the edges and no match at all", () => {
    expect(snippetSegments("[Hello] world")).toEqual([
      { text: "Hello", match: true },
      { text: " world", match: false },
    ]);
    expect(snippetSegments("plain")).toEqual([{ text: "plain", match: false }]);
    expect(snippetSegments("")).toEqual([]);
  });

  it("keeps stray brackets as text", () => {
    expect(snippetSegments("a ] b [c")).toEqual([{ text: "a ] b [c", match: false }]);
    expect(snippetSegments("x[]y")).toEqual([{ text: "xy", match: false }]);
  });

  it("merges adjacent matches", () => {
    expect(snippetSegments("[foo][bar] baz")).toEqual([
      { text: "foobar", match: true },
      { text: " baz", match: false },
    ]);
  });

  it("keeps markup as text: the segments are never HTML", () => {
    const segments = snippetSegments('<img src=x onerror="alert(1)"> [<b>bold</b>]');
    expect(segments).toEqual([
      { text: '<img src=x onerror="alert(1)"> ', match: false },
      { text: "<b>bold</b>", match: true },
    ]);
  });

  it("gives the plain text back", () => {
    expect(snippetText("the [desktop] app")).toBe("the desktop app");
  });
});

describe("isSearchShortcut", () => {
  const key = (k: string, extra: Partial<Parameters<typeof isSearchShortcut>[0]> = {}) => ({
    key: k,
    ctrlKey: false,
    metaKey: false,
    altKey: false,
    inTextField: false,
    ...extra,
  });

  it("Ctrl+K and Cmd+K work everywhere", () => {
    expect(isSearchShortcut(key("k", { ctrlKey: true }))).toBe(true);
    expect(isSearchShortcut(key("K", { ctrlKey: true, inTextField: true }))).toBe(true);
    expect(isSearchShortcut(key("k", { metaKey: true }))).toBe(true);
    expect(isSearchShortcut(key("k"))).toBe(false);
    expect(isSearchShortcut(key("k", { ctrlKey: true, altKey: true }))).toBe(false);
  });

  it("/ only outside text fields", () => {
    expect(isSearchShortcut(key("/"))).toBe(true);
    expect(isSearchShortcut(key("/", { inTextField: true }))).toBe(false);
    expect(isSearchShortcut(key("/", { ctrlKey: true }))).toBe(false);
  });
});

describe("searchableQuery", () => {
  it("trims, folds spaces and skips one-letter queries", () => {
    expect(searchableQuery("  desktop   app ")).toBe("desktop app");
    expect(searchableQuery(" a ")).toBeNull();
    expect(searchableQuery("")).toBeNull();
    expect(searchableQuery("ab")).toBe("ab");
  });
});

describe("Debouncer", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("runs once with the latest value after a pause", () => {
    const run = vi.fn();
    const debouncer = new Debouncer<string>(200, run);
    debouncer.schedule("d");
    vi.advanceTimersByTime(100);
    debouncer.schedule("de");
    vi.advanceTimersByTime(199);
    expect(run).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(run).toHaveBeenCalledTimes(1);
    expect(run.mock.calls[0][0]).toBe("de");
  });

  it("tells stale answers apart", () => {
    const run = vi.fn();
    const debouncer = new Debouncer<string>(10, run);
    debouncer.schedule("first");
    vi.advanceTimersByTime(10);
    const generation = run.mock.calls[0][1];
    expect(debouncer.isCurrent(generation)).toBe(true);
    debouncer.schedule("second");
    expect(debouncer.isCurrent(generation)).toBe(false);
    debouncer.cancel();
    vi.advanceTimersByTime(50);
    expect(run).toHaveBeenCalledTimes(1);
  });
});
