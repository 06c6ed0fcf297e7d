// Processes the desktop e2e tests start: the server with the demo
// organisation, tauri-driver (which starts the app), and their cleanup.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Session, driverReady, waitFor } from "./webdriver.mjs";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const SERVER_BIN = process.env.COMMONS_SERVER_BIN || path.join(ROOT, "target/debug/commons-server");
export const DESKTOP_BIN = process.env.COMMONS_DESKTOP_BIN || path.join(ROOT, "target/debug/commons-desktop");
export const DRIVER_BIN = process.env.TAURI_DRIVER_BIN || path.join(os.homedir(), ".cargo/bin/tauri-driver");
export const ARTIFACTS = path.join(ROOT, "tests/artifacts");
export const DEMO_PASSWORD = "commons-demo";
export const WAIT_MS = 30_000;

const children = [];
// Last resort if the test process ends without running its `after` hook
// (an uncaught error, or a timeout killing the run).
const killAll = () => children.forEach((c) => c.exit || c.signal("SIGKILL"));
process.on("exit", killAll);
for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]]) {
  process.once(signal, () => {
    killAll();
    process.exit(code);
  });
}

/** A child process in its own process group, with its output kept. */
export class Child {
  constructor(name, command, args, options = {}) {
    this.name = name;
    this.output = "";
    this.child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], detached: true, ...options });
    this.child.stdout.on("data", (chunk) => (this.output += chunk));
    this.child.stderr.on("data", (chunk) => (this.output += chunk));
    this.exit = null;
    this.exited = new Promise((resolve) => {
      this.child.on("exit", (code, signal) => resolve((this.exit = { code, signal })));
      this.child.on("error", (error) => resolve((this.exit = { error: error.message })));
    });
    children.push(this);
  }

  /** Throws with the output when the process has already ended. */
  assertRunning() {
    if (this.exit) throw new Error(`${this.name} exited (${JSON.stringify(this.exit)}):\n${this.output}`);
  }

  signal(name) {
    try {
      process.kill(-this.child.pid, name);
    } catch {
      // Already gone.
    }
  }

  /** SIGTERM to the whole group, SIGKILL if it lingers. */
  async stop() {
    if (this.exit) return;
    this.signal("SIGTERM");
    const timeout = new Promise((resolve) => setTimeout(resolve, 5_000, "timeout"));
    if ((await Promise.race([this.exited, timeout])) === "timeout") {
      this.signal("SIGKILL");
      await this.exited;
    }
  }
}

/** Stops every process started here, newest first. */
export async function stopAll() {
  for (const child of [...children].reverse()) await child.stop();
}

/** Ends the WebDriver session, every process started here, and removes `tmp` (an `after` hook). */
export async function shutDown(window, tmp) {
  if (window) await window.delete().catch(() => {});
  await stopAll();
  if (tmp) await rm(tmp, { recursive: true, force: true });
}

/**
 * Starts dbus-monitor on the system notifications' `Notify` calls; resolves
 * once it listens. Its `output` holds every call, the notification's text included.
 */
export async function watchNotifications() {
  const monitor = new Child("dbus-monitor", "dbus-monitor", ["interface=org.freedesktop.Notifications,member=Notify"]);
  // dbus-monitor prints the bus's greeting once it is listening.
  await waitFor(
    () => {
      monitor.assertRunning();
      return monitor.output.includes("NameAcquired");
    },
    { timeoutMs: WAIT_MS, what: "dbus-monitor to start" },
  );
  return monitor;
}

export function requireDesktopSession() {
  for (const variable of ["DISPLAY", "DBUS_SESSION_BUS_ADDRESS"]) {
    assert.ok(
      process.env[variable],
      `${variable} is not set: run the desktop tests inside dbus-run-session with Xvfb (see tests/e2e/README.md)`,
    );
  }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Fills `dataDir` with the demo organisation. */
export function createDemo(dataDir) {
  const demo = spawnSync(SERVER_BIN, ["demo", "--data-dir", dataDir], { encoding: "utf8" });
  assert.equal(demo.status, 0, `commons-server demo failed:\n${demo.stdout}\n${demo.stderr}`);
}

/** Serves `dataDir` on `listen` (port 0: any free port); resolves with the process and its URL. */
export async function startServer(dataDir, listen = "127.0.0.1:0") {
  const server = new Child("commons-server", SERVER_BIN, ["serve", "--data-dir", dataDir, "--listen", listen]);
  const url = await waitFor(
    () => {
      server.assertRunning();
      return server.output.match(/listening on (http:\/\/\S+)/)?.[1];
    },
    { timeoutMs: WAIT_MS, what: "the server's `listening on` line" },
  );
  return { server, url };
}

/**
 * Starts tauri-driver and opens the app in a WebDriver session. tauri-driver
 * hands its own environment to the app, so `env` is how the app is configured.
 */
export async function openApp(env) {
  const port = await freePort();
  const nativePort = await freePort();
  const driver = new Child("tauri-driver", DRIVER_BIN, ["--port", String(port), "--native-port", String(nativePort)], {
    env: { ...process.env, WEBKIT_DISABLE_DMABUF_RENDERER: "1", ...env },
  });
  const driverUrl = `http://127.0.0.1:${port}`;
  await waitFor(
    () => {
      driver.assertRunning();
      return driverReady(driverUrl);
    },
    { timeoutMs: WAIT_MS, what: "tauri-driver to answer" },
  );
  return Session.create(driverUrl, { alwaysMatch: { "tauri:options": { application: DESKTOP_BIN } } });
}

/**
 * A private D-Bus session bus that activates nothing: no Secret Service (no
 * keychain) and no notification daemon, like a desktop without a keyring.
 * Resolves with its address.
 */
export async function startBareSessionBus(dir) {
  const config = path.join(dir, "bare-bus.conf");
  await writeFile(
    config,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=${dir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`,
  );
  const bus = new Child("dbus-daemon", "dbus-daemon", ["--config-file", config, "--nofork", "--print-address"]);
  return waitFor(
    () => {
      bus.assertRunning();
      return bus.output.match(/^(unix:\S+)$/m)?.[1];
    },
    { timeoutMs: WAIT_MS, what: "the bare D-Bus session bus to print its address" },
  );
}

/** Types `email` (a demo account) and the demo password into the login form, and submits it. */
export async function submitLogin(window, email) {
  for (const [testId, value] of [["login-email", email], ["login-password", DEMO_PASSWORD]]) {
    const field = await window.waitForElement(`[data-testid="${testId}"]`);
    await window.clear(field);
    await window.type(field, value);
  }
  await window.clickInView('[data-testid="login-submit"]');
}

/**
 * Logs the window in through the login form as `email` (a demo account) and
 * waits for the demo feed (at least four posts).
 */
export async function logIn(window, email) {
  await submitLogin(window, email);
  await window.waitForElement('[data-testid="current-user"]');
  await waitFor(
    async () => (await window.execute(`return document.querySelectorAll('[data-testid="post-body"]').length;`)) >= 4,
    { timeoutMs: WAIT_MS, what: "the demo feed" },
  );
}

/** Calls the server's REST API. */
export async function rest(serverUrl, method, route, { token, body } = {}) {
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${serverUrl}/api/v1${route}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${route} -> ${response.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

/**
 * Saves a screenshot as a test artifact. Best effort: WebKitWebDriver's screenshot
 * sometimes waits for a repaint that an idle headless window never makes; an
 * artifact must not fail the run (assertions check what the user sees), so a
 * screenshot that does not come within 20 s is reported and skipped.
 */
export async function saveScreenshot(window, name) {
  await mkdir(ARTIFACTS, { recursive: true });
  const giveUp = new Promise((_, reject) =>
    setTimeout(() => reject(new Error("no answer within 20 s")), 20_000).unref(),
  );
  try {
    await writeFile(path.join(ARTIFACTS, name), await Promise.race([window.screenshot(), giveUp]));
  } catch (error) {
    console.warn(`screenshot ${name} not saved: ${error.message}`);
  }
}
