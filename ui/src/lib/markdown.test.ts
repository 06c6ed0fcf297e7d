import { describe, expect, it } from "vitest";
import { clickedLink, PreviewRenderer } from "./markdown";

/** A stand-in for DOM elements: a parent chain, an href for links. */
class FakeElement {
  readonly parent: FakeElement | null;
  readonly href: string | null;
  constructor(parent: FakeElement | null, href: string | null = null) {
    this.parent = parent;
    this.href = href;
  }
  closest(selectors: string): FakeElement | null {
    expect(selectors).toBe("a[href]");
    for (let element: FakeElement | null = this; element; element = element.parent) {
      if (element.href !== null) return element;
    }
    return null;
  }
  contains(other: unknown): boolean {
    for (let element = other as FakeElement | null; element; element = element.parent) {
      if (element === this) return true;
    }
    return false;
  }
  getAttribute(name: string): string | null {
    return name === "href" ? this.href : null;
  }
}

const target = (element: FakeElement) => element as unknown as EventTarget;

describe("clickedLink", () => {
  const page = new FakeElement(null, "https://outside.example/");
  const body = new FakeElement(page);
  const paragraph = new FakeElement(body);
  const link = new FakeElement(paragraph, "https://example.org/docs");
  const mention = new FakeElement(link);

  it("finds the link a click landed on, or the link around it", () => {
    expect(clickedLink(target(link), body)).toBe("https://example.org/docs");
    expect(clickedLink(target(mention), body)).toBe("https://example.org/docs");
  });

  it("ignores clicks beside links and links outside the rendered text", () => {
    expect(clickedLink(target(paragraph), new FakeElement(null))).toBeNull();
    expect(clickedLink(target(paragraph), body)).toBeNull();
    expect(clickedLink(null, body)).toBeNull();
    expect(clickedLink({} as EventTarget, body)).toBeNull();
  });
});

describe("PreviewRenderer", () => {
  function deferred() {
    let resolve!: (html: string) => void;
    const promise = new Promise<string>((r) => (resolve = r));
    return { promise, resolve };
  }

  it("renders through the given function, and blank text without it", async () => {
    const asked: string[] = [];
    const previews = new PreviewRenderer(async (text) => {
      asked.push(text);
      return `<p>${text}</p>`;
    });
    expect(await previews.show("*hi*")).toBe("<p>*hi*</p>");
    expect(await previews.show("  \n ")).toBe("");
    expect(asked).toEqual(["*hi*"]);
  });

  it("drops an answer that arrives after a newer request or a cancel", async () => {
    const answers = [deferred(), deferred(), deferred()];
    let call = 0;
    const previews = new PreviewRenderer(() => answers[call++].promise);

    const first = previews.show("first");
    const second = previews.show("second");
    answers[1].resolve("<p>second</p>");
    answers[0].resolve("<p>first</p>");
    expect(await first).toBeNull();
    expect(await second).toBe("<p>second</p>");

    const third = previews.show("third");
    previews.cancel();
    answers[2].resolve("<p>third</p>");
    expect(await third).toBeNull();
  });

  it("passes a failed render on", async () => {
    const previews = new PreviewRenderer(() => Promise.reject(new Error("no shell")));
    await expect(previews.show("x")).rejects.toThrow("no shell");
  });
});
