// End-to-end: several accounts side by side, against two real servers, each
// with the demo organisation. Ada logs in on server A; "Add account" (with
// its Cancel) adds Grace on server B, whose feed is then shown, and refuses
// Ada a second time; the switcher and Ctrl+1/Ctrl+2 switch between them; a mention of the background account
// raises a system notification and an unread badge in the switcher, and a
// click on the notification shows that account and the post; after a restart
// both accounts are there with the last one shown; logging out of one leaves
// the other. Run like desktop.test.mjs (see README.md).

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { copyFile, mkdtemp } from "node:fs/promises";
import { spawnSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import {
  ARTIFACTS,
  DEMO_PASSWORD,
  ROOT,
  WAIT_MS,
  createDemo,
  logIn,
  openApp,
  requireDesktopSession,
  rest,
  saveScreenshot,
  startServer,
  shutDown,
  submitLogin,
  watchNotifications,
} from "./harness.mjs";
import { waitFor } from "./webdriver.mjs";

let tmp;
let profile;
let serverA;
let serverB;
let window;
let notifications;
/** A post only server A has, and one only server B has. */
let onlyOnA;
let onlyOnB;

const until = (probe, what) => waitFor(probe, { timeoutMs: WAIT_MS, what });
const hostOf = (url) => new URL(url).host;
const appEnv = () => ({ COMMONS_PROFILE: profile, COMMONS_SERVER_URL: serverA });

async function loginAt(serverUrl, email) {
  return (await rest(serverUrl, "POST", "/auth/login", { body: { email, password: DEMO_PASSWORD } })).token;
}

/** A post in the organisation's default group, through REST. */
async function postAt(serverUrl, email, body) {
  const token = await loginAt(serverUrl, email);
  const groups = await rest(serverUrl, "GET", "/groups", { token });
  const everyone = groups.find((item) => item.group.is_default).group;
  const id = randomUUID();
  await rest(serverUrl, "POST", "/posts", { token, body: { mutation_id: randomUUID(), id, group_id: everyone.id, body } });
  await rest(serverUrl, "POST", "/auth/logout", { token });
  return { id, body };
}

/** Who the top bar says is logged in (null on the login form). */
const currentUser = () =>
  window.execute(`return document.querySelector('[data-testid="current-user"]')?.textContent.trim() ?? null;`);

/** The switcher's lines as a person reads them. */
const switcher = () =>
  window.execute(`
    return [...document.querySelectorAll('[data-testid="account-switch"]')].map((line) => ({
      name: line.querySelector('[data-testid="account-name"]').textContent.trim(),
      label: line.getAttribute("aria-label"),
      current: line.getAttribute("aria-current") === "true",
      unread: line.querySelector('[data-testid="account-unread"]')?.textContent.trim() ?? null,
    }));
  `);

/** The switcher's lines once there are `count`. */
const untilLines = (count) =>
  until(async () => ((await switcher()).length === count ? switcher() : null), `${count} account(s) in the switcher`);

/** "Add account", with the server field set to `serverUrl`. */
async function addAccountOn(serverUrl) {
  await window.clickInView('[data-testid="add-account"]');
  const server = await window.waitForElement('[data-testid="login-server"]');
  await window.clear(server);
  await window.type(server, serverUrl);
}

const feedText = () =>
  window.execute(`return [...document.querySelectorAll('[data-testid="post-body"]')].map((p) => p.textContent).join("\\n");`);

/** Waits until `name` is shown, with the post only its server has in the feed and not the other's. */
async function untilShown(name, mine, theirs) {
  await until(async () => (await currentUser()) === name || null, `${name} in the top bar`);
  await until(async () => {
    const text = await feedText();
    return (text.includes(mine.body) && !text.includes(theirs.body)) || null;
  }, `${name}'s feed, with the post only their server has`);
}

/** Ctrl+digit, typed into the search field (the shortcut works while typing). */
async function pressCtrl(digit) {
  const search = await window.waitForElement('[data-testid="search-input"]');
  await window.type(search, `\uE009${digit}\uE000`);
}

/** Quits with Ctrl+Q and opens the app again on the same profile. */
async function restart() {
  const search = await window.waitForElement('[data-testid="search-input"]');
  await window.type(search, "\uE009q\uE000").catch(() => {});
  await window.delete().catch(() => {});
  window = await openApp(appEnv());
}

before(async () => {
  requireDesktopSession();
  tmp = await mkdtemp(path.join(os.tmpdir(), "commons-e2e-accounts-"));
  profile = path.join(tmp, "profile");
  createDemo(path.join(tmp, "server-a"));
  createDemo(path.join(tmp, "server-b"));
  ({ url: serverA } = await startServer(path.join(tmp, "server-a")));
  ({ url: serverB } = await startServer(path.join(tmp, "server-b")));
  onlyOnA = await postAt(serverA, "ada@example.org", `Only on server A (${randomUUID().slice(0, 8)})`);
  onlyOnB = await postAt(serverB, "alan@example.org", `Only on server B (${randomUUID().slice(0, 8)})`);

  notifications = await watchNotifications();

  window = await openApp(appEnv());
  await logIn(window, "ada@example.org");
});

after(() => shutDown(window, tmp));

test("one account is listed; Add account opens the login form, and Cancel goes back", async () => {
  const lines = await untilLines(1);
  assert.equal(lines[0].name, "Ada Lovelace");
  assert.ok(lines[0].label.startsWith(`Ada Lovelace on ${hostOf(serverA)}`), lines[0].label);
  assert.equal(lines[0].current, true);

  await window.clickInView('[data-testid="add-account"]');
  const intro = await window.waitForElement('[data-testid="login-intro"]');
  assert.match(await window.property(intro, "textContent"), /another account/);
  await window.clickInView('[data-testid="login-cancel"]');
  await untilShown("Ada Lovelace", onlyOnA, onlyOnB);
});

test("an account on a second server is added beside the first and its feed is shown", async () => {
  await addAccountOn(serverB);
  await logIn(window, "grace@example.org");
  await untilShown("Grace Hopper", onlyOnB, onlyOnA);

  const lines = await untilLines(2);
  assert.deepEqual(
    lines.map(({ name, current }) => [name, current]),
    [
      ["Ada Lovelace", false],
      ["Grace Hopper", true],
    ],
  );
  assert.ok(lines[1].label.startsWith(`Grace Hopper on ${hostOf(serverB)}`), lines[1].label);
  await saveScreenshot(window, "accounts.png");
  // The README shows the switcher (when the screenshot was saved).
  await copyFile(path.join(ARTIFACTS, "accounts.png"), path.join(ROOT, "docs/screenshots/accounts.png")).catch(() => {});
});

test("adding an account the window already has is refused, and Cancel goes back", async () => {
  await addAccountOn(serverA);
  await submitLogin(window, "ada@example.org");
  const error = await window.waitForElement('[data-testid="login-error"]');
  assert.match(await window.property(error, "textContent"), /already in the window/);
  await window.clickInView('[data-testid="login-cancel"]');
  await untilShown("Grace Hopper", onlyOnB, onlyOnA);
  assert.equal((await switcher()).length, 2, "still the same two accounts");
});

test("the switcher and Ctrl+1 / Ctrl+2 switch between the accounts", async () => {
  await window.clickInView('[data-testid="account-switch"][data-account-id="main"]');
  await untilShown("Ada Lovelace", onlyOnA, onlyOnB);
  await pressCtrl("2");
  await untilShown("Grace Hopper", onlyOnB, onlyOnA);
  await pressCtrl("1");
  await untilShown("Ada Lovelace", onlyOnA, onlyOnB);
});

test("a mention of the background account is notified, badged, and a click shows it", async () => {
  const unreadOfGrace = async () => {
    const grace = (await switcher()).find((line) => line.name === "Grace Hopper");
    return Number(grace?.unread ?? 0);
  };
  // The demo leaves Grace some unread notifications already.
  const unreadBefore = await unreadOfGrace();
  spawnSync("dunstctl", ["close-all"]);
  const mention = await postAt(serverB, "alan@example.org", `@grace can you review this? (${randomUUID().slice(0, 8)})`);
  await until(() => notifications.output.includes(mention.body.slice(7)), "a Notify call on D-Bus for Grace's mention");
  // Two accounts in the window: the title says which one the mention is for.
  assert.ok(
    notifications.output.includes(`(grace@example.org on ${hostOf(serverB)})`),
    "the notification names Grace's account",
  );
  await until(
    async () => (await unreadOfGrace()) > unreadBefore || null,
    "one more unread notification on Grace's account in the switcher",
  );
  const grace = (await switcher()).find((line) => line.name === "Grace Hopper");
  assert.match(grace.label, new RegExp(`, ${unreadBefore + 1} unread notifications$`));
  assert.equal(await currentUser(), "Ada Lovelace", "the shown account stays shown");

  // `dunstctl action 0` invokes the default action of the notification on top, as a click does.
  await until(async () => {
    spawnSync("dunstctl", ["action", "0"]);
    const shown = await window.execute(`
      if (!document.querySelector('[data-testid="post-view"]')) return null;
      return [...document.querySelectorAll('[data-testid="post"]')].map((p) => p.dataset.postId);
    `);
    return shown?.length ? shown : null;
  }, "the mentioned post, shown after the click").then((ids) => assert.deepEqual(ids, [mention.id]));
  assert.equal(await currentUser(), "Grace Hopper", "the click showed the notification's account");
});

test("after a restart both accounts are there and the last one shown is shown", async () => {
  await restart();
  await until(async () => (await currentUser()) === "Grace Hopper" || null, "Grace Hopper shown after the restart");
  const lines = await untilLines(2);
  assert.deepEqual(
    lines.map(({ name, current }) => [name, current]),
    [
      ["Ada Lovelace", false],
      ["Grace Hopper", true],
    ],
  );
});

test("logging out of one account leaves the other, which is then shown", async () => {
  await window.clickInView('[data-testid="logout"]');
  await untilShown("Ada Lovelace", onlyOnA, onlyOnB);
  const lines = await untilLines(1);
  assert.equal(lines[0].name, "Ada Lovelace");
  assert.equal(lines[0].current, true);

  await restart();
  await untilShown("Ada Lovelace", onlyOnA, onlyOnB);
  assert.equal((await switcher()).length, 1, "the account logged out stays out after a restart");
});
