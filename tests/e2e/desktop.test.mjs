// End-to-end: the real desktop window (through tauri-driver) against a real
// server with the demo organisation, a real keychain and a real notification
// daemon. Run inside `dbus-run-session` with gnome-keyring unlocked, dunst and
// Xvfb (DISPLAY set); see tests/e2e/README.md.

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import {
  DEMO_PASSWORD,
  WAIT_MS,
  createDemo,
  openApp,
  requireDesktopSession,
  rest as restAt,
  saveScreenshot as screenshotOf,
  startServer,
  shutDown,
  watchNotifications,
} from "./harness.mjs";
import { waitFor } from "./webdriver.mjs";

let tmp;
let dataDir;
let server;
let serverUrl;
let notifications;
let window;

const appEnv = () => ({ COMMONS_PROFILE: path.join(tmp, "profile"), COMMONS_SERVER_URL: serverUrl });
const statusOf = () =>
  window.execute(`return document.querySelector('[data-testid="status"]')?.dataset.state ?? null;`);
const rest = (method, route, options) => restAt(serverUrl, method, route, options);
const saveScreenshot = (name) => screenshotOf(window, name);
const loginAs = async (email) =>
  (await rest("POST", "/auth/login", { body: { email, password: DEMO_PASSWORD } })).token;

/** What the window shows, read from the DOM. */
const readFeed = () =>
  window.execute(`
    return [...document.querySelectorAll('[data-testid="post"]')].map((post) => ({
      id: post.dataset.postId,
      pending: post.dataset.pending,
      author: post.querySelector('[data-testid="post-author"]')?.textContent.trim(),
      body: post.querySelector('[data-testid="post-body"]')?.textContent,
      // The elements of the rendered Markdown (body_html), in document order.
      markup: [...post.querySelectorAll('[data-testid="post-body"] *')].map((element) => element.localName),
      marks: [...post.querySelectorAll('[data-testid="pending-mark"], [data-testid="failed-mark"]')]
        .map((mark) => mark.textContent.trim()),
      comments: [...post.querySelectorAll('[data-testid="comment"]')].map((comment) => ({
        author: comment.querySelector('[data-testid="comment-author"]')?.textContent.trim(),
        body: comment.querySelector('[data-testid="comment-body"]')?.textContent,
      })),
    }));
  `);

/** Waits for a post matching `predicate`; on timeout, says what the feed showed instead. */
async function waitForPost(predicate, what) {
  try {
    return await waitFor(async () => (await readFeed()).find(predicate), { timeoutMs: WAIT_MS, what });
  } catch (error) {
    await saveScreenshot("failure.png").catch(() => {});
    const shown = await readFeed().catch((e) => `unreadable: ${e.message}`);
    error.message += `\nthe window showed: ${JSON.stringify(shown, null, 1).slice(0, 3000)}`;
    throw error;
  }
}

before(async () => {
  requireDesktopSession();
  tmp = await mkdtemp(path.join(os.tmpdir(), "commons-e2e-"));
  dataDir = path.join(tmp, "server");
  createDemo(dataDir);
  ({ server, url: serverUrl } = await startServer(dataDir));

  notifications = await watchNotifications();

  window = await openApp(appEnv());
});

after(() => shutDown(window, tmp));

test("logs in through the form, with the server address prefilled", async () => {
  const serverField = await window.waitForElement('[data-testid="login-server"]');
  assert.equal(await window.property(serverField, "value"), serverUrl);

  await window.type(await window.find('[data-testid="login-email"]'), "ada@example.org");
  await window.type(await window.find('[data-testid="login-password"]'), DEMO_PASSWORD);
  await saveScreenshot("login.png");
  await window.click(await window.find('[data-testid="login-submit"]'));

  let user;
  try {
    user = await window.waitForElement('[data-testid="current-user"]');
  } catch (error) {
    // Say why: a locked keyring or an unreachable server shows on the form.
    const shown = await window.execute(
      `return document.querySelector('[data-testid="login-error"]')?.textContent ?? "no error shown";`,
    );
    error.message += `\nthe login form says: ${shown}`;
    throw error;
  }
  assert.equal(await window.property(user, "textContent"), "Ada Lovelace");
});

test("shows the seeded feed and ada's groups after the first sync", async () => {
  const token = await loginAs("ada@example.org");
  const groups = await rest("GET", "/groups", { token });
  const everyone = groups.find((item) => item.group.is_default);
  assert.ok(everyone, "the demo organisation has a default group");
  const [newest] = (await rest("GET", `/groups/${everyone.group.id}/posts`, { token })).posts;
  assert.ok(newest, "the demo organisation has posts in its default group");

  await waitFor(async () => (await readFeed()).some((post) => post.body === newest.post.body), {
    timeoutMs: WAIT_MS,
    what: `the demo post "${newest.post.body.slice(0, 40)}…" in the window`,
  });

  const sidebarGroups = await window.execute(`
    return [...document.querySelectorAll('[data-testid="group-link"]')].map((link) => link.dataset.groupName);
  `);
  for (const { group, my_role } of groups) {
    if (my_role !== null) assert.ok(sidebarGroups.includes(group.name), `sidebar lists ${group.name}`);
  }
  await rest("POST", "/auth/logout", { token });
});

test("clicking a group shows that group's feed", async () => {
  const token = await loginAs("ada@example.org");
  const groups = await rest("GET", "/groups", { token });
  const engineering = groups.find((item) => item.group.name === "Engineering");
  assert.ok(engineering, "the demo organisation has an Engineering group");
  const posts = (await rest("GET", `/groups/${engineering.group.id}/posts?limit=100`, { token })).posts;
  await rest("POST", "/auth/logout", { token });

  await window.click(await window.find(`[data-testid="group-link"][data-group-id="${engineering.group.id}"]`));
  await waitFor(
    async () => {
      const shown = await readFeed();
      return (
        shown.length === posts.length && shown.every((post, i) => post.id === posts[i].post.id)
      );
    },
    { timeoutMs: WAIT_MS, what: "exactly the Engineering posts, newest first" },
  );
  const title = await window.execute(`return document.getElementById("feed-title").textContent;`);
  assert.equal(title, "Engineering");

  await window.click(await window.find('[data-testid="home-link"]'));
  await window.waitForElement('[data-testid="composer-body"]');
});

/** GET as `token`; resolves with the HTTP status (the harness's `rest` throws on errors). */
async function statusAs(token, route) {
  const response = await fetch(`${serverUrl}/api/v1${route}`, { headers: { authorization: `Bearer ${token}` } });
  await response.body?.cancel();
  return response.status;
}

test("creates a secret group through the dialog; grace cannot see it, a member added on its page can", async () => {
  const name = `Secret plans ${randomUUID().slice(0, 8)}`;
  await window.click(await window.find('[data-testid="create-group"]'));
  await window.waitForElement('[data-testid="create-group-dialog"][open]');
  const focused = await window.execute(`return document.activeElement?.dataset.testid ?? null;`);
  assert.equal(focused, "create-group-name", "the dialog opens with the name field focused");
  await window.type(await window.find('[data-testid="create-group-name"]'), name);
  await window.click(await window.find('[data-testid="create-group-privacy-secret"]'));
  await saveScreenshot("create-group.png");
  await window.click(await window.find('[data-testid="create-group-submit"]'));

  // Shown at once (offline-first) in the sidebar and as the group page.
  const link = `[data-testid="group-link"][data-group-name="${name}"]`;
  await window.waitForElement(link);
  const groupId = await window.execute(`return document.querySelector(arguments[0]).dataset.groupId;`, [link]);
  const dialogOpen = await window.execute(
    `return document.querySelector('[data-testid="create-group-dialog"]').open;`,
  );
  assert.equal(dialogOpen, false, "the dialog closes after creating");
  await waitFor(
    async () =>
      (await window.execute(`return document.getElementById("feed-title")?.textContent;`)) === name,
    { timeoutMs: WAIT_MS, what: "the new group's page" },
  );
  const privacy = await window.execute(
    `return document.querySelector('[data-testid="group-privacy"]').textContent.trim();`,
  );
  assert.equal(privacy, "Secret group");

  // Confirmed by the server: the pending mark goes away.
  await waitFor(
    () => window.execute(`return document.querySelector(arguments[0] + ' [data-testid="group-link-pending"]') === null;`, [link]),
    { timeoutMs: WAIT_MS, what: "the new group to lose its pending mark" },
  );

  const ada = await loginAs("ada@example.org");
  const onServer = await rest("GET", `/groups/${groupId}`, { token: ada });
  assert.equal(onServer.group.name, name);
  assert.equal(onServer.group.privacy, "secret");

  const grace = await loginAs("grace@example.org");
  assert.equal(await statusAs(grace, `/groups/${groupId}`), 404, "a secret group is a 404 to non-members");
  const graceGroups = await rest("GET", "/groups", { token: grace });
  assert.ok(!graceGroups.some((item) => item.group.id === groupId), "grace's group list does not show it");

  // Ada is its admin: the page offers "Add member".
  await window.type(await window.find('[data-testid="add-member-email"]'), "linus@example.org");
  await window.click(await window.find('[data-testid="add-member-submit"]'));
  await window.waitForElement('[data-testid="add-member-done"]');
  const linus = await loginAs("linus@example.org");
  await waitFor(async () => (await statusAs(linus, `/groups/${groupId}`)) === 200, {
    timeoutMs: WAIT_MS,
    what: "linus, added on the group page, to see the secret group",
  });
  await waitFor(
    async () =>
      (await window.execute(
        `return document.querySelector('[data-testid="group-member-count"]')?.textContent.trim();`,
      )) === "2 members",
    { timeoutMs: WAIT_MS, what: "the member count to say 2 members" },
  );
  assert.equal(await statusAs(grace, `/groups/${groupId}`), 404, "still a 404 to grace");

  for (const token of [ada, grace, linus]) await rest("POST", "/auth/logout", { token });
  await window.click(await window.find('[data-testid="home-link"]'));
  await window.waitForElement('[data-testid="composer-body"]');
});

test("searching as one types finds a demo post, with the match marked, and opens it", async () => {
  const token = await loginAs("ada@example.org");
  const engineering = (await rest("GET", "/groups", { token })).find((item) => item.group.name === "Engineering");
  const posts = (await rest("GET", `/groups/${engineering.group.id}/posts?limit=100`, { token })).posts;
  const nightly = posts.find((item) => item.post.body.includes("nightly build"));
  assert.ok(nightly, "the demo has the nightly build post");
  await rest("POST", "/auth/logout", { token });

  await window.type(await window.find('[data-testid="search-input"]'), "nightly");
  const hit = await waitFor(
    () =>
      window.execute(`
        const hit = [...document.querySelectorAll('[data-testid="search-hit"]')]
          .find((h) => h.dataset.kind === "post" && h.dataset.postId === arguments[0]);
        return hit ? { marks: [...hit.querySelectorAll("mark")].map((m) => m.textContent),
                       snippet: hit.querySelector('[data-testid="search-snippet"]').textContent } : null;`,
        [nightly.post.id],
      ),
    { timeoutMs: WAIT_MS, what: "the nightly build post among the search results" },
  );
  assert.deepEqual(hit.marks.map((m) => m.toLowerCase()), ["nightly"]);
  assert.ok(!hit.snippet.includes("["), "match marks are rendered, not shown as brackets");
  await saveScreenshot("search.png");

  await window.click(
    await window.find(`[data-testid="search-hit"][data-kind="post"][data-post-id="${nightly.post.id}"]`),
  );
  await window.waitForElement('[data-testid="post-view"]');
  const shown = await readFeed();
  assert.deepEqual(shown.map((post) => post.id), [nightly.post.id], "the post view shows that post");
  await window.click(await window.find('[data-testid="home-link"]'));
  await window.waitForElement('[data-testid="composer-body"]');
});

let ourPostId;
const ourPostText = `Ça y est: the desktop app ships today.\nSecond line, and <b>no markup</b> please. (${randomUUID().slice(0, 8)})`;
// WebDriver types a line break as the Enter key (which the composer keeps as a new line).
const typed = (text) => text.replaceAll("\n", "\uE007");

test("posts through the composer; the post is sent and loses its pending mark", async () => {
  await window.type(await window.find('[data-testid="composer-body"]'), typed(ourPostText));
  // The preview shows the text as the post will show it, rendered by the client core.
  await window.click(await window.find('[data-testid="composer-preview-toggle"]'));
  const preview = await waitFor(
    () =>
      window.execute(
        `return document.querySelector('[data-testid="composer-preview"] .markdown')?.innerHTML ?? null;`,
      ),
    { timeoutMs: WAIT_MS, what: "the composer's preview" },
  );
  assert.match(preview, /today\.<br>/, "the line break is kept");
  assert.ok(preview.includes("&lt;b&gt;no markup&lt;/b&gt;"), `raw HTML is shown as text: ${preview}`);
  await window.click(await window.find('[data-testid="composer-write"]'));
  await window.click(await window.find('[data-testid="composer-submit"]'));

  const sent = await waitForPost(
    (post) => post.body === ourPostText && post.pending === "false",
    "our post to be shown and confirmed by the server",
  );
  assert.equal(sent.author, "Ada Lovelace");
  assert.deepEqual(sent.marks, [], "a sent post has no pending or failed mark");
  assert.deepEqual(sent.markup, ["p", "br"], "Markdown: one paragraph, its line break kept, no <b>");
  ourPostId = sent.id;

  const token = await loginAs("ada@example.org");
  const onServer = await rest("GET", `/posts/${ourPostId}`, { token });
  assert.equal(onServer.post.body, ourPostText, "the server stored the text exactly, markup included");
  await rest("POST", "/auth/logout", { token });
});

test("a comment by grace appears live and raises a system notification", async () => {
  assert.ok(ourPostId, "the previous test created a post");
  const commentText = `Congratulations, this looks great! (${randomUUID().slice(0, 8)})`;
  const token = await loginAs("grace@example.org");
  await rest("POST", `/posts/${ourPostId}/comments`, {
    token,
    body: { mutation_id: randomUUID(), id: randomUUID(), body: commentText },
  });

  await waitForPost(
    (p) => p.id === ourPostId && p.comments.some((c) => c.body === commentText && c.author === "Grace Hopper"),
    "grace's comment in the window, without any reload",
  );

  await waitFor(() => notifications.output.includes(commentText), {
    timeoutMs: WAIT_MS,
    what: "a Notify call on D-Bus carrying the comment",
  });
  const call = notifications.output.slice(notifications.output.lastIndexOf("member=Notify"));
  assert.match(call, /string "Commons"/, "the app name is Commons");
  assert.match(call, /Grace Hopper/, "the notification names the commenter");
  await saveScreenshot("feed.png");
  await rest("POST", "/auth/logout", { token });
});

test("posting offline shows the post as pending, and it is sent when the server is back", async () => {
  const address = new URL(serverUrl).host;
  await server.stop();
  await waitFor(async () => (await statusOf()) === "offline", {
    timeoutMs: WAIT_MS,
    what: "the status indicator to say offline",
  });

  const offlineText = `Written on the train, no network. (${randomUUID().slice(0, 8)})`;
  await window.type(await window.find('[data-testid="composer-body"]'), offlineText);
  await window.click(await window.find('[data-testid="composer-submit"]'));
  const pending = await waitForPost((post) => post.body === offlineText, "the offline post in the feed");
  assert.equal(pending.pending, "true");
  assert.deepEqual(pending.marks, ["Waiting for connection"]);
  await saveScreenshot("offline.png");

  // Same data and address: the app reconnects on its own (backoff), then pushes its outbox.
  ({ server } = await startServer(dataDir, address));
  const sent = await waitForPost(
    (post) => post.body === offlineText && post.pending === "false",
    "the offline post to be sent after reconnecting",
  );
  assert.deepEqual(sent.marks, []);
  const token = await loginAs("ada@example.org");
  assert.equal((await rest("GET", `/posts/${sent.id}`, { token })).post.body, offlineText);
  await rest("POST", "/auth/logout", { token });
});

test("reopened while the server is down, the app shows the cached feed at once", async () => {
  await window.delete();
  const address = new URL(serverUrl).host;
  await server.stop();
  window = await openApp(appEnv());

  const user = await window.waitForElement('[data-testid="current-user"]');
  assert.equal(await window.property(user, "textContent"), "Ada Lovelace", "still logged in, no login form");
  await waitForPost((post) => post.body === ourPostText && post.pending === "false", "our post, from the cache");
  await waitFor(async () => (await statusOf()) === "offline", {
    timeoutMs: WAIT_MS,
    what: "the status indicator to say offline",
  });

  ({ server } = await startServer(dataDir, address));
  await waitFor(async () => (await statusOf()) === "online", {
    timeoutMs: WAIT_MS,
    what: "the app to reconnect on its own",
  });
});

test("logs out back to the login form", async () => {
  await window.click(await window.find('[data-testid="logout"]'));
  const serverField = await window.waitForElement('[data-testid="login-server"]');
  assert.equal(await window.property(serverField, "value"), serverUrl);
});
