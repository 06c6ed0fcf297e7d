// The keyboard shortcuts of the main window (listed in the help overlay).

export type ShortcutAction =
  | "search"
  | "help"
  | "home"
  | "notifications"
  | "people"
  | "settings"
  | "account"
  | "close"
  | "quit";

export const SHORTCUTS: { keys: string; action: ShortcutAction }[] = [
  { keys: "Ctrl K", action: "search" },
  { keys: "?", action: "help" },
  { keys: "h", action: "home" },
  { keys: "n", action: "notifications" },
  { keys: "p", action: "people" },
  { keys: ",", action: "settings" },
  { keys: "Ctrl 1…9", action: "account" },
  { keys: "Esc", action: "close" },
  { keys: "Ctrl Q", action: "quit" },
];

const SINGLE_KEYS: Record<string, ShortcutAction> = {
  "?": "help",
  h: "home",
  n: "notifications",
  p: "people",
  ",": "settings",
};

/** The action of a key press, or null; single keys only when not typing in a field. */
export function shortcutFor(
  event: Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "altKey">,
  typing: boolean,
): ShortcutAction | null {
  // Quitting works from anywhere, as in other desktop apps (Cmd+Q on macOS).
  if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "q") return "quit";
  if (typing || event.ctrlKey || event.metaKey || event.altKey) return null;
  return SINGLE_KEYS[event.key] ?? null;
}

/**
 * The switcher position (1 to 9) that Ctrl+digit (Cmd on macOS) names, or null.
 * It works while typing too, as in Slack: the combination types nothing.
 */
export function accountShortcut(event: Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "altKey">): number | null {
  if (!(event.ctrlKey || event.metaKey) || event.altKey) return null;
  return /^[1-9]$/.test(event.key) ? Number(event.key) : null;
}

/** Whether focus is in something that takes text. */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}
