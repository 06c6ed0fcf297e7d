// End-to-end: what the login form says when logging in cannot work: a wrong
// password, an unreachable server, and (in a second app on a session bus
// without a Secret Service) a missing keychain.

import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import {
  DEMO_PASSWORD,
  WAIT_MS,
  createDemo,
  freePort,
  openApp,
  requireDesktopSession,
  saveScreenshot,
  startBareSessionBus,
  startServer,
  stopAll,
} from "./harness.mjs";
import { waitFor } from "./webdriver.mjs";

let tmp;
let serverUrl;
let window;

before(async () => {
  requireDesktopSession();
  tmp = await mkdtemp(path.join(os.tmpdir(), "commons-e2e-login-"));
  const dataDir = path.join(tmp, "server");
  createDemo(dataDir);
  ({ url: serverUrl } = await startServer(dataDir));
  window = await openApp({ COMMONS_PROFILE: path.join(tmp, "profile"), COMMONS_SERVER_URL: serverUrl });
});

after(async () => {
  if (window) await window.delete().catch(() => {});
  await stopAll();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function submitLogin({ server, email, password }) {
  const fields = { "login-server": server, "login-email": email, "login-password": password };
  for (const [testId, value] of Object.entries(fields)) {
    const field = await window.waitForElement(`[data-testid="${testId}"]`);
    await window.clear(field);
    await window.type(field, value);
  }
  await window.click(await window.find('[data-testid="login-submit"]'));
}

/** The error box's text once it appears (it is removed while a login runs). */
const loginError = (expected) =>
  waitFor(
    async () => {
      const text = await window.execute(
        `return document.querySelector('[data-testid="login-error"]')?.textContent ?? "";`,
      );
      return text.includes(expected) && text;
    },
    { timeoutMs: WAIT_MS, what: `the login form to say "${expected}"` },
  );

test("a wrong password is reported as such", async () => {
  await submitLogin({ server: serverUrl, email: "ada@example.org", password: "not-the-password" });
  await loginError("Wrong e-mail or password");
  const focused = await window.execute(`return document.activeElement?.dataset.testid ?? null;`);
  assert.equal(focused, "login-password", "focus returns to the password field, emptied for a new try");
  await saveScreenshot(window, "login-error.png");
});

test("an unreachable server is reported with its address", async () => {
  const nobody = `http://127.0.0.1:${await freePort()}`;
  await submitLogin({ server: nobody, email: "ada@example.org", password: DEMO_PASSWORD });
  const text = await loginError("Can't reach the server");
  assert.ok(text.includes(nobody), `the message names ${nobody}: ${text}`);
});

test("a missing keychain is explained, and the app stays on the login form", async () => {
  await window.delete();
  await stopAll();
  ({ url: serverUrl } = await startServer(path.join(tmp, "server")));
  window = await openApp({
    COMMONS_PROFILE: path.join(tmp, "profile-without-keychain"),
    COMMONS_SERVER_URL: serverUrl,
    DBUS_SESSION_BUS_ADDRESS: await startBareSessionBus(tmp),
  });
  await submitLogin({ server: serverUrl, email: "ada@example.org", password: DEMO_PASSWORD });
  await loginError("Your system keychain is unavailable");
  // No screenshot here: WebKitWebDriver's screenshot hangs on a bus without the usual services.
  const stillOnLogin = await window.execute(`return !!document.querySelector('[data-testid="login-form"]');`);
  assert.equal(stillOnLogin, true, "the app does not go on without a stored session");
});
