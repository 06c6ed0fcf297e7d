// Search logic that does not need the DOM: snippets with marked matches, the
// keyboard shortcut, and a debouncer for searching as one types.

export interface SnippetSegment {
  text: string;
  /** Part of what was searched for: shown in a <mark>. */
  match: boolean;
}

/**
 * Splits a search snippet into plain and matching text. The client core marks
 * matches with `[` and `]`. An unclosed `[` or a stray `]` stays as text, so
 * nothing a person wrote is lost. The segments are rendered as text nodes,
 * never as HTML.
 */
export function snippetSegments(snippet: string): SnippetSegment[] {
  const segments: SnippetSegment[] = [];
  const push = (text: string, match: boolean) => {
    if (text === "") return;
    const last = segments[segments.length - 1];
    if (last && last.match === match) last.text += text;
    else segments.push({ text, match });
  };
  let rest = snippet;
  for (;;) {
    const open = rest.indexOf("[");
    if (open < 0) break;
    const close = rest.indexOf("]", open + 1);
    if (close < 0) break;
    push(rest.slice(0, open), false);
    push(rest.slice(open + 1, close), true);
    rest = rest.slice(close + 1);
  }
  push(rest, false);
  return segments;
}

/** The plain text of a snippet, without its match marks (for labels). */
export function snippetText(snippet: string): string {
  return snippetSegments(snippet)
    .map((segment) => segment.text)
    .join("");
}

export interface ShortcutEvent {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  /** Whether the key went to a text field (where `/` is just a character). */
  inTextField: boolean;
}

/** Ctrl+K (Cmd+K) anywhere, or `/` outside text fields, focuses the search box. */
export function isSearchShortcut(event: ShortcutEvent): boolean {
  if (event.altKey) return false;
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k") return true;
  return event.key === "/" && !event.ctrlKey && !event.metaKey && !event.inTextField;
}

/** True for elements where typing inserts text. */
export function isTextField(target: EventTarget | null): boolean {
  if (typeof HTMLElement === "undefined" || !(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) {
    return !["checkbox", "radio", "button", "submit", "reset", "range", "color", "file"].includes(target.type);
  }
  return false;
}

/** The shortest query worth sending (one letter matches nearly everything). */
export const MIN_QUERY_CHARS = 2;
export const SEARCH_DEBOUNCE_MS = 200;

/** What to search for, or null when the query is too short to search. */
export function searchableQuery(query: string): string | null {
  const trimmed = query.trim().replace(/\s+/g, " ");
  return Array.from(trimmed).length >= MIN_QUERY_CHARS ? trimmed : null;
}

/**
 * Calls `run` once typing pauses for `delayMs`, with the latest value only.
 * Answers to superseded calls are recognisable by their generation.
 */
export class Debouncer<T> {
  #timer: ReturnType<typeof setTimeout> | null = null;
  #generation = 0;
  readonly #delayMs: number;
  readonly #run: (value: T, generation: number) => void;

  constructor(delayMs: number, run: (value: T, generation: number) => void) {
    this.#delayMs = delayMs;
    this.#run = run;
  }

  schedule(value: T): void {
    this.cancel();
    const generation = this.#generation;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#run(value, generation);
    }, this.#delayMs);
  }

  /** Drops the scheduled call; answers to earlier calls become stale. */
  cancel(): void {
    this.#generation++;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Whether an answer to the call of `generation` is still wanted. */
  isCurrent(generation: number): boolean {
    return generation === this.#generation;
  }
}
