// The keyboard shortcuts of the main window (listed in the help overlay).

export type ShortcutAction = "search" | "help" | "home" | "notifications" | "people" | "settings" | "close" | "quit";

export const SHORTCUTS: { keys: string; action: ShortcutAction }[] = [
  { keys: "Ctrl K", action: "search" },
  { keys: "?", action: "help" },
  { keys: "h", action: "home" },
  { keys: "n", action: "notifications" },
  { keys: "p", action: "people" },
  { keys: ",", action: "settings" },
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

/** Whether focus is in something that takes text. */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}
