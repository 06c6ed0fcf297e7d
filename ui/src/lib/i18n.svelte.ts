// The UI's language: English or French, every string from a typed dictionary.
// `t("key")` reads the current locale, so components re-render when it changes.
import { en, type MessageKey } from "./i18n/en";
import { fr } from "./i18n/fr";
import { interpolate, type Params } from "./i18n/translate";

export type Locale = "en" | "fr";
export const LOCALES: Locale[] = ["en", "fr"];
export const DICTIONARIES: Record<Locale, Record<MessageKey, string>> = { en, fr };
const STORAGE_KEY = "commons.locale";

function initialLocale(): Locale {
  const stored = globalThis.localStorage?.getItem(STORAGE_KEY);
  if (stored === "en" || stored === "fr") return stored;
  return globalThis.navigator?.language?.startsWith("fr") ? "fr" : "en";
}

export const i18n = $state({ locale: initialLocale() });

export function setLocale(locale: Locale): void {
  i18n.locale = locale;
  globalThis.localStorage?.setItem(STORAGE_KEY, locale);
  if (globalThis.document) document.documentElement.lang = locale;
}

export function t(key: MessageKey, params?: Params): string {
  return interpolate(DICTIONARIES[i18n.locale][key], params);
}

/** A count with the singular or plural message (`key_one` / `key_other`). */
export function plural(key: string, count: number, params: Params = {}): string {
  const form = count === 1 ? "one" : "other";
  return t(`${key}_${form}` as MessageKey, { count, ...params });
}

export type { MessageKey };
