import { afterEach, describe, expect, it } from "vitest";
import { en } from "./i18n/en";
import { fr } from "./i18n/fr";
import { interpolate } from "./i18n/translate";
import { i18n, plural, setLocale, t } from "./i18n.svelte";

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("the French dictionary", () => {
  it("has every English key, and no other", () => {
    expect(Object.keys(fr).sort()).toEqual(Object.keys(en).sort());
  });

  it("fills every key, with the same placeholders", () => {
    for (const [key, english] of Object.entries(en)) {
      const french = fr[key as keyof typeof en];
      expect(french.trim(), key).not.toBe("");
      expect(placeholders(french), key).toEqual(placeholders(english));
    }
  });

  it("translates the sentences (only names and short words may read the same)", () => {
    const same = Object.entries(en).filter(
      ([key, english]) => fr[key as keyof typeof en] === english && english.split(" ").length > 2,
    );
    expect(same).toEqual([]);
  });
});

describe("t", () => {
  afterEach(() => setLocale("en"));

  it("reads the current language and fills placeholders", () => {
    setLocale("en");
    expect(t("post.backTo", { name: "Design" })).toBe("Back to Design");
    setLocale("fr");
    expect(i18n.locale).toBe("fr");
    expect(t("post.backTo", { name: "Design" })).toBe("Retour à Design");
    expect(t("home.title")).toBe("Accueil");
  });

  it("chooses the singular or the plural", () => {
    expect(plural("group.members", 1)).toBe("1 member");
    expect(plural("group.members", 3)).toBe("3 members");
    setLocale("fr");
    expect(plural("group.members", 3)).toBe("3 membres");
  });

  it("leaves unknown placeholders as written", () => {
    expect(interpolate("{a} and {b}", { a: 1 })).toBe("1 and {b}");
  });
});

// Text a person reads, written straight into a component instead of through `t`.
function hardCodedStrings(source: string): string[] {
  const markup = source
    .replace(/<script[\s\S]*?<\/script>/g, "")
    .replace(/<style[\s\S]*?<\/style>/g, "")
    .replace(/<!--[\s\S]*?-->/g, "");
  const found: string[] = [];
  // Literal attribute values people read or hear.
  for (const m of markup.matchAll(/\s(placeholder|title|aria-label|alt|label)="([^"{]*)"/g)) {
    // An example address reads the same in every language.
    if (/[A-Za-z]{2,}/.test(m[2]) && !m[2].includes("://")) found.push(`${m[1]}="${m[2]}"`);
  }
  // Text between tags, once expressions `{...}` are taken out.
  const withoutExpressions = markup.replace(/\{[^{}]*(\{[^{}]*\}[^{}]*)*\}/g, " ");
  for (const m of withoutExpressions.matchAll(/>([^<>]+)</g)) {
    const text = m[1].trim();
    if (/[A-Za-z]{2,}/.test(text) && !KEY_NAMES.has(text)) found.push(text);
  }
  return found;
}

/** Key names on keyboards read the same in both languages. */
const KEY_NAMES = new Set(["Ctrl K"]);

describe("components", () => {
  // Every component's source, as text (Vite reads them for the test).
  const sources = import.meta.glob(["../components/*.svelte", "../App.svelte"], {
    query: "?raw",
    import: "default",
    eager: true,
  }) as Record<string, string>;

  it("are all checked", () => {
    expect(Object.keys(sources).length).toBeGreaterThan(15);
  });

  for (const [file, source] of Object.entries(sources)) {
    it(`${file.split("/").pop()} has no hard-coded user-visible text`, () => {
      expect(hardCodedStrings(source)).toEqual([]);
    });
  }

  it("the detector finds text and attributes written in English", () => {
    expect(hardCodedStrings('<p class="x">Hello there</p><input placeholder="Your name" />')).toEqual([
      'placeholder="Your name"',
      "Hello there",
    ]);
    expect(hardCodedStrings('<p>{t("home.title")}</p><b aria-label={t("x")}>{n}</b>')).toEqual([]);
  });
});
