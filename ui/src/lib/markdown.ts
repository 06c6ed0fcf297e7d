// Rendered Markdown in the UI. The HTML always comes from the Rust side (the
// views' `body_html`, or the `render_markdown` command for the composer's
// preview), already made safe: the UI never parses Markdown. What is left
// here: clicks on links go to the system browser, and the preview shows the
// answer to the latest request only.

/** What `clickedLink` needs of an event target: `Element.closest`. */
interface Closest {
  closest(selectors: string): { getAttribute(name: string): string | null } | null;
}

/**
 * The `href` of the link a click landed on inside `container` (the click may
 * land on something inside the link, such as a mention or emphasis), or null
 * when the click was not on a link of that container.
 */
export function clickedLink(target: EventTarget | null, container: { contains(other: unknown): boolean }): string | null {
  if (target === null || typeof (target as Partial<Closest>).closest !== "function") return null;
  const link = (target as unknown as Closest).closest("a[href]");
  if (link === null || !container.contains(link)) return null;
  return link.getAttribute("href");
}

/**
 * Renders previews through `render` and drops answers that arrive after a
 * newer request or a cancel, so a slow answer never replaces a newer one.
 */
export class PreviewRenderer {
  #generation = 0;
  readonly #render: (text: string) => Promise<string>;

  constructor(render: (text: string) => Promise<string>) {
    this.#render = render;
  }

  /** The HTML of `text` ("" for blank text), or null when the answer is no longer wanted. */
  async show(text: string): Promise<string | null> {
    const generation = ++this.#generation;
    if (text.trim() === "") return "";
    const html = await this.#render(text);
    return generation === this.#generation ? html : null;
  }

  /** Answers to earlier requests are dropped. */
  cancel(): void {
    this.#generation++;
  }
}
