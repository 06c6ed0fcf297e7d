import { describe, expect, it } from "vitest";
import { accountShortcut, shortcutFor, SHORTCUTS } from "./shortcuts";
import { t } from "./i18n.svelte";

const key = (k: string, mods: Partial<KeyboardEvent> = {}) => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  ...mods,
});

describe("shortcutFor", () => {
  it("maps single keys when not typing", () => {
    expect(shortcutFor(key("?"), false)).toBe("help");
    expect(shortcutFor(key("n"), false)).toBe("notifications");
    expect(shortcutFor(key("p"), false)).toBe("people");
    expect(shortcutFor(key("h"), false)).toBe("home");
    expect(shortcutFor(key("x"), false)).toBeNull();
  });

  it("leaves keys alone while typing or with a modifier", () => {
    expect(shortcutFor(key("?"), true)).toBeNull();
    expect(shortcutFor(key("n", { ctrlKey: true }), false)).toBeNull();
  });

  it("quits with Ctrl+Q (or Cmd+Q) even while typing, not with Alt", () => {
    expect(shortcutFor(key("q", { ctrlKey: true }), true)).toBe("quit");
    expect(shortcutFor(key("Q", { metaKey: true }), false)).toBe("quit");
    expect(shortcutFor(key("q", { ctrlKey: true, altKey: true }), false)).toBeNull();
    expect(shortcutFor(key("q"), false)).toBeNull();
  });

  it("describes every shortcut in the help overlay", () => {
    for (const shortcut of SHORTCUTS) expect(t(`shortcut.${shortcut.action}`)).not.toMatch(/^shortcut\./);
  });
});

describe("accountShortcut", () => {
  it("names switcher positions 1 to 9 with Ctrl or Cmd", () => {
    expect(accountShortcut(key("1", { ctrlKey: true }))).toBe(1);
    expect(accountShortcut(key("9", { metaKey: true }))).toBe(9);
    expect(accountShortcut(key("0", { ctrlKey: true }))).toBeNull();
    expect(accountShortcut(key("2"))).toBeNull();
    expect(accountShortcut(key("2", { ctrlKey: true, altKey: true }))).toBeNull();
    expect(accountShortcut(key("k", { ctrlKey: true }))).toBeNull();
  });
});
