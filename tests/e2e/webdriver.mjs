// A minimal W3C WebDriver client over fetch: just what the desktop e2e test
// needs (tauri-driver speaks plain W3C WebDriver).

const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";
/** No single WebDriver call may hang a test run (a new session starts the app: allow for that). */
const CALL_TIMEOUT_MS = 60_000;

export class WebDriverError extends Error {
  constructor(method, path, status, value) {
    super(`${method} ${path} -> ${status}: ${value?.error ?? "error"}: ${value?.message ?? JSON.stringify(value)}`);
    this.name = "WebDriverError";
    this.code = value?.error;
  }
}

async function call(base, method, path, body) {
  const response = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
  });
  const text = await response.text();
  let value;
  try {
    value = JSON.parse(text).value;
  } catch {
    value = { message: text };
  }
  if (!response.ok) throw new WebDriverError(method, path, response.status, value);
  return value;
}

/** Polls `probe` until it returns a truthy value (returned) or `timeoutMs` passes (throws). */
export async function waitFor(probe, { timeoutMs = 30_000, intervalMs = 250, what = "condition" } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError ? ` (last error: ${lastError.message})` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  static async create(base, capabilities) {
    const value = await call(base, "POST", "/session", { capabilities });
    return new Session(base, value.sessionId);
  }

  #call(method, path, body) {
    return call(this.base, method, `/session/${this.id}${path}`, body);
  }

  async find(css) {
    const value = await this.#call("POST", "/element", { using: "css selector", value: css });
    return value[ELEMENT];
  }

  /** Every element matching `css`, in document order. */
  async findAll(css) {
    const value = await this.#call("POST", "/elements", { using: "css selector", value: css });
    return value.map((element) => element[ELEMENT]);
  }

  /** Waits until an element matching `css` exists, and returns it. */
  waitForElement(css, timeoutMs = 30_000) {
    return waitFor(() => this.find(css), { timeoutMs, what: `element ${css}` });
  }

  click(element) {
    return this.#call("POST", `/element/${element}/click`, {});
  }

  /**
   * Clicks the element `css` names once it exists, scrolled into the middle of
   * its scrolling column first: WebKitWebDriver does not scroll nested columns.
   */
  async clickInView(css) {
    const element = await this.waitForElement(css);
    await this.execute(`document.querySelector(arguments[0])?.scrollIntoView({ block: "center" }); return true;`, [css]);
    return this.click(element);
  }

  type(element, text) {
    return this.#call("POST", `/element/${element}/value`, { text });
  }

  clear(element) {
    return this.#call("POST", `/element/${element}/clear`, {});
  }

  property(element, name) {
    return this.#call("GET", `/element/${element}/property/${name}`);
  }

  /** Runs `script` (a function body) in the page and returns its result. */
  execute(script, args = []) {
    return this.#call("POST", "/execute/sync", { script, args });
  }

  /** The window's size and position: `{ x, y, width, height }`. */
  rect() {
    return this.#call("GET", "/window/rect");
  }

  setRect(rect) {
    return this.#call("POST", "/window/rect", rect);
  }

  /** The window as a PNG. */
  async screenshot() {
    return Buffer.from(await this.#call("GET", "/screenshot"), "base64");
  }

  delete() {
    return this.#call("DELETE", "");
  }
}

export async function driverReady(base) {
  const value = await call(base, "GET", "/status");
  return value?.ready !== false;
}
