// Light, dark or the system's choice; kept in the browser storage of the window.
export type Theme = "light" | "dark" | "system";
export const THEMES: Theme[] = ["light", "dark", "system"];
const STORAGE_KEY = "commons.theme";

export function storedTheme(storage: Pick<Storage, "getItem"> | undefined = globalThis.localStorage): Theme {
  const value = storage?.getItem(STORAGE_KEY);
  return value === "light" || value === "dark" ? value : "system";
}

/** The theme actually shown: "system" follows the OS preference. */
export function effectiveTheme(theme: Theme, systemPrefersDark: boolean): "light" | "dark" {
  if (theme === "system") return systemPrefersDark ? "dark" : "light";
  return theme;
}

export function applyTheme(theme: Theme): void {
  globalThis.localStorage?.setItem(STORAGE_KEY, theme);
  const dark = globalThis.matchMedia?.("(prefers-color-scheme: dark)").matches ?? false;
  document.documentElement.dataset.theme = effectiveTheme(theme, dark);
}
