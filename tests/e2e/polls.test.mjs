// End-to-end: polls and announcements through the real window, against a
// real server with the demo organisation: ada (an admin of Engineering)
// posts a poll announced for a day from the composer, votes by clicking an
// option (checked on the server), sees the announcement badge, and sees
// grace's "seen" arrive. Run like desktop.test.mjs (see README.md).

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import {
  DEMO_PASSWORD,
  WAIT_MS,
  createDemo,
  logIn,
  openApp,
  requireDesktopSession,
  rest as restAt,
  saveScreenshot,
  startServer,
  stopAll,
} from "./harness.mjs";
import { waitFor } from "./webdriver.mjs";

let tmp;
let serverUrl;
let window;
let ada;
let grace;
let groups;

const rest = (method, route, options) => restAt(serverUrl, method, route, options);
const loginAs = async (email) =>
  (await rest("POST", "/auth/login", { body: { email, password: DEMO_PASSWORD } })).token;
const click = async (css) => window.click(await window.waitForElement(css));
const until = (probe, what) => waitFor(probe, { timeoutMs: WAIT_MS, what });

async function typeInto(element, value) {
  await window.clear(element);
  await window.type(element, value);
}

/** Picks an option of a `<select>` as a person would (a change event). */
async function choose(css, value) {
  await window.waitForElement(css);
  await window.execute(
    `const s = document.querySelector(arguments[0]); s.value = arguments[1];
     s.dispatchEvent(new Event("change", { bubbles: true })); return true;`,
    [css, value],
  );
}

/** The post with this text as the window shows it: its poll and announcement. */
const readPost = (body) =>
  window.execute(
    `
    const post = [...document.querySelectorAll('[data-testid="post"]')]
      .find((p) => p.querySelector('[data-testid="post-body"]')?.textContent.trim() === arguments[0]);
    if (!post) return null;
    return {
      id: post.dataset.postId,
      pending: post.dataset.pending,
      options: [...post.querySelectorAll('[data-testid="poll-option"]')].map((o) => ({
        text: o.textContent.trim(),
        mine: o.dataset.mine,
        count: o.querySelector('[data-testid="poll-count"]').textContent.trim(),
        input: o.querySelector("input").type,
      })),
      announcement: post.querySelector('[data-testid="post-announcement"]')?.textContent.trim() ?? null,
      markSeen: post.querySelector('[data-testid="post-mark-seen"]') !== null,
      seenBy: post.querySelector('[data-testid="post-seen-by"]')?.textContent.trim() ?? null,
    };
  `,
    [body],
  );

before(async () => {
  requireDesktopSession();
  tmp = await mkdtemp(path.join(os.tmpdir(), "commons-e2e-polls-"));
  const dataDir = path.join(tmp, "server");
  createDemo(dataDir);
  ({ url: serverUrl } = await startServer(dataDir));
  ada = await loginAs("ada@example.org");
  grace = await loginAs("grace@example.org");
  groups = await rest("GET", "/groups", { token: ada });
  window = await openApp({ COMMONS_PROFILE: path.join(tmp, "profile"), COMMONS_SERVER_URL: serverUrl });

  await logIn(window, "ada@example.org");
});

after(async () => {
  if (window) await window.delete().catch(() => {});
  await stopAll();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

test("a poll announced from the composer: a vote reaches the server, the badge and who saw it show", async () => {
  const engineering = groups.find((item) => item.group.name === "Engineering").group;
  const body = "Where should the offsite be?";

  await choose('[data-testid="composer-group"]', engineering.id);
  await typeInto(await window.waitForElement('[data-testid="composer-body"]'), body);
  await click('[data-testid="composer-add-poll"]');
  await click('[data-testid="composer-poll-add-option"]');
  const fields = await window.findAll('[data-testid="composer-poll-option"]');
  assert.equal(fields.length, 3, "two option fields, then a third one added");
  for (const [field, option] of fields.map((f, i) => [f, ["Lisbon", "Oslo", "Kyoto"][i]])) {
    await typeInto(field, option);
  }
  await choose('[data-testid="composer-announce"]', "1");
  await click('[data-testid="composer-submit"]');

  const sent = await until(async () => {
    const post = await readPost(body);
    return post?.pending === "false" ? post : null;
  }, "the poll post, sent");
  assert.deepEqual(
    sent.options.map((o) => [o.input, o.mine, o.count]),
    [
      ["radio", "false", "0 votes"],
      ["radio", "false", "0 votes"],
      ["radio", "false", "0 votes"],
    ],
  );
  assert.match(sent.announcement, /^Announcement · until /);
  assert.equal(sent.seenBy, "Seen by 0");

  // Vote for Oslo by clicking it.
  const oslo = (await window.findAll(`[data-post-id="${sent.id}"] [data-testid="poll-option"] input`))[1];
  await window.click(oslo);
  await until(async () => {
    const post = await readPost(body);
    return post.options[1].mine === "true" && post.options[1].count === "1 vote";
  }, "Oslo marked mine with one vote");
  const results = await until(async () => {
    const poll = await rest("GET", `/posts/${sent.id}/poll`, { token: grace });
    return poll.voters === 1 ? poll : null;
  }, "ada's vote on the server");
  assert.deepEqual(
    results.options.map((o) => [o.text, o.count]),
    [
      ["Lisbon", 0],
      ["Oslo", 1],
      ["Kyoto", 0],
    ],
  );
  const onServer = await rest("GET", `/posts/${sent.id}`, { token: grace });
  assert.ok(JSON.stringify(onServer).includes('"announced_until":'), "the post is announced on the server");
  await saveScreenshot(window, "poll.png");

  // Grace sees it: ada's post then says so, and lists her.
  await rest("POST", `/posts/${sent.id}/seen`, { token: grace, body: { mutation_id: randomUUID() } });
  await until(async () => (await readPost(body)).seenBy === "Seen by 1", "Seen by 1 on ada's post");
  await click(`[data-post-id="${sent.id}"] [data-testid="post-seen-by"]`);
  await until(
    async () =>
      (await window.execute(
        `return document.querySelector('[data-testid="seen-list"]')?.textContent.includes("Grace Hopper") ?? false;`,
      )) || null,
    "grace in the list of who saw it",
  );

  // Ada marks it seen herself: the button goes, and the server counts her.
  assert.equal((await readPost(body)).markSeen, true);
  await click(`[data-post-id="${sent.id}"] [data-testid="post-mark-seen"]`);
  await until(async () => !(await readPost(body)).markSeen || null, "Mark as seen gone once clicked");
  await until(async () => {
    const seen = await rest("GET", `/posts/${sent.id}/seen`, { token: ada });
    return seen.count === 2 || null;
  }, "ada's seen mark on the server");
});
