// End-to-end: the window as a citizen of the desktop, against a real server
// with the demo organisation, a real notification daemon (dunst) and the
// session bus. A click on a system notification (invoked through dunst, as a
// person's click would be) shows its post; a second launch with a
// `commons://post/ID` link hands it to the running window and exits; Ctrl+Q
// quits and the window's size comes back at the next start.
// Not covered here: the tray icon (no status-notifier host runs under Xvfb;
// its unread label and badge are unit-tested in src-tauri/src/tray.rs).
// Run like desktop.test.mjs (see README.md).

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import {
  DEMO_PASSWORD,
  DESKTOP_BIN,
  WAIT_MS,
  createDemo,
  logIn,
  openApp,
  requireDesktopSession,
  rest as restAt,
  saveScreenshot,
  startServer,
  shutDown,
  watchNotifications,
} from "./harness.mjs";
import { waitFor } from "./webdriver.mjs";

let tmp;
let profile;
let serverUrl;
let window;
let notifications;
let groups;

const rest = (method, route, options) => restAt(serverUrl, method, route, options);
const loginAs = async (email) =>
  (await rest("POST", "/auth/login", { body: { email, password: DEMO_PASSWORD } })).token;
const until = (probe, what) => waitFor(probe, { timeoutMs: WAIT_MS, what });
const appEnv = () => ({ COMMONS_PROFILE: profile, COMMONS_SERVER_URL: serverUrl });

/** The post the window shows alone (the post view), or null. */
const shownPost = () =>
  window.execute(`
    if (!document.querySelector('[data-testid="post-view"]')) return null;
    const posts = [...document.querySelectorAll('[data-testid="post"]')];
    const missing = document.querySelector('[data-testid="feed-empty"]');
    return { ids: posts.map((p) => p.dataset.postId), missing: missing?.textContent.trim() ?? null };
  `);

/** Leaves the post view for the people directory, so a later post view is new. */
async function showPeople() {
  await window.click(await window.waitForElement('[data-testid="people-link"]'));
  await until(async () => (await shownPost()) === null, "the people directory instead of a post");
}

/** A post of grace's in Engineering (ada is a member), through REST. */
async function postAsGrace(token, body) {
  const engineering = groups.find((item) => item.group.name === "Engineering").group;
  const id = randomUUID();
  await rest("POST", "/posts", {
    token,
    body: { mutation_id: randomUUID(), id, group_id: engineering.id, body },
  });
  return id;
}

before(async () => {
  requireDesktopSession();
  tmp = await mkdtemp(path.join(os.tmpdir(), "commons-e2e-integration-"));
  profile = path.join(tmp, "profile");
  const dataDir = path.join(tmp, "server");
  createDemo(dataDir);
  ({ url: serverUrl } = await startServer(dataDir));
  groups = await rest("GET", "/groups", { token: await loginAs("ada@example.org") });

  notifications = await watchNotifications();

  window = await openApp(appEnv());
  await logIn(window, "ada@example.org");
});

after(() => shutDown(window, tmp));

test("clicking a mention's system notification shows its post", async () => {
  const grace = await loginAs("grace@example.org");
  await showPeople();
  spawnSync("dunstctl", ["close-all"]);
  const text = `@ada could you review the release notes? (${randomUUID().slice(0, 8)})`;
  const postId = await postAsGrace(grace, text);
  await until(() => notifications.output.includes(text.slice(5)), "a Notify call on D-Bus for the mention");
  const call = notifications.output.slice(notifications.output.lastIndexOf("member=Notify"));
  assert.match(call, /string "default"/, "the notification offers its default (click) action");

  // `dunstctl action 0` invokes the default action of the notification on top, as a click does.
  const shown = await until(async () => {
    spawnSync("dunstctl", ["action", "0"]);
    const post = await shownPost();
    return post?.ids.length ? post : null;
  }, "the mentioned post in the window after the click");
  assert.deepEqual(shown.ids, [postId], "the window shows the post the notification was about, alone");
  await saveScreenshot(window, "notification-click.png");
  await rest("POST", "/auth/logout", { token: grace });
});

test("a commons://post link given to a second launch opens in the running window", async () => {
  const grace = await loginAs("grace@example.org");
  const postId = await postAsGrace(grace, `Link target (${randomUUID().slice(0, 8)})`);
  // The link names the post by id only: wait until it is in ada's cache (live, on the home feed).
  await window.click(await window.waitForElement('[data-testid="home-link"]'));
  await until(
    () => window.execute(`return document.querySelector('[data-post-id="${postId}"]') !== null || null;`),
    "grace's post in ada's home feed",
  );
  await showPeople();

  const second = await launchSecond(`commons://post/${postId}`);
  assert.equal(second.code, 0, `the second launch hands the link over and exits:\n${second.output}`);
  const shown = await until(async () => {
    const post = await shownPost();
    return post?.ids.length ? post : null;
  }, "the linked post in the running window");
  assert.deepEqual(shown.ids, [postId]);

  // A link to a post this person cannot see (or that does not exist) says so.
  await showPeople();
  const unknown = await launchSecond(`commons://post/${randomUUID()}`);
  assert.equal(unknown.code, 0, unknown.output);
  const missing = await until(async () => (await shownPost())?.missing ?? null, "the post view saying the post is not here");
  assert.match(missing, /not in this computer/, "the post view explains the post is not here");
  await rest("POST", "/auth/logout", { token: grace });
});

test("Ctrl+Q quits; the window comes back at the size it had", async () => {
  await window.setRect({ width: 900, height: 640 });
  await until(async () => {
    const rect = await window.rect();
    return rect.width === 900 && rect.height === 640;
  }, "the window resized to 900x640");
  const search = await window.waitForElement('[data-testid="search-input"]');
  // Control down, q, all keys up: a real key chord, delivered to the focused field.
  // The app quits while the command is answered, so the driver may report an error.
  await window.type(search, "\uE009q\uE000").catch(() => {});
  const saved = await until(
    () => readFile(path.join(profile, "window-state.json"), "utf8").then(JSON.parse).catch(() => null),
    "the window state saved when the app quit",
  );
  assert.equal(saved.main?.width, 900, JSON.stringify(saved));
  await window.delete().catch(() => {});

  window = await openApp(appEnv());
  await window.waitForElement('[data-testid="current-user"]');
  const rect = await window.rect();
  assert.deepEqual([rect.width, rect.height], [900, 640], "the size the window had when it quit");
});

/** Starts the app a second time on the same profile and waits for it to end. */
function launchSecond(link) {
  const child = spawn(DESKTOP_BIN, [link], {
    env: { ...process.env, WEBKIT_DISABLE_DMABUF_RENDERER: "1", ...appEnv() },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the second launch did not exit within ${WAIT_MS} ms:\n${output}`));
    }, WAIT_MS);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
