// End-to-end: a long home feed is virtualized and scrolls infinitely. Grace
// writes 120 posts through REST before ada's window starts; ada's feed keeps only
// the posts near the viewport in the DOM, and scrolling down (no click) loads the
// older pages by itself until the oldest post shows. Run inside a desktop session
// (see tests/e2e/README.md).

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
  logIn,
  openApp,
  requireDesktopSession,
  rest as restAt,
  saveScreenshot,
  shutDown,
  startServer,
} from "./harness.mjs";
import { waitFor } from "./webdriver.mjs";

const SEEDED = 120;
const PAGE_SIZE = 30;

let tmp;
let serverUrl;
let window;

const rest = (method, route, options) => restAt(serverUrl, method, route, options);

/** How many posts the feed has loaded, how many are in the DOM, and their bodies and places. */
const readFeed = () =>
  window.execute(`
    const list = document.querySelector('[data-testid="feed-list"]');
    const posts = [...document.querySelectorAll('[data-testid="post"]')];
    return {
      loaded: Number(list?.dataset.loaded ?? 0),
      rendered: posts.length,
      bodies: posts.map((post) => post.querySelector('[data-testid="post-body"]')?.textContent.trim()),
      places: posts.map((post) => Number(post.getAttribute("aria-posinset"))),
      scrollTop: document.querySelector("main").scrollTop,
    };
  `);

before(async () => {
  requireDesktopSession();
  tmp = await mkdtemp(path.join(os.tmpdir(), "commons-e2e-scroll-"));
  const dataDir = path.join(tmp, "server");
  createDemo(dataDir);
  ({ url: serverUrl } = await startServer(dataDir));

  const { token } = await rest("POST", "/auth/login", { body: { email: "grace@example.org", password: DEMO_PASSWORD } });
  const everyone = (await rest("GET", "/groups", { token })).find((item) => item.group.is_default).group;
  for (let i = 1; i <= SEEDED; i++) {
    await rest("POST", "/posts", {
      token,
      body: { mutation_id: randomUUID(), id: randomUUID(), group_id: everyone.id, body: `Long feed post ${i}` },
    });
  }
  window = await openApp({ COMMONS_PROFILE: path.join(tmp, "profile"), COMMONS_SERVER_URL: serverUrl });
  await window.waitForElement('[data-testid="login-email"]');
  await logIn(window, "ada@example.org");
});

after(() => shutDown(window, tmp));

test("a long feed keeps only the posts near the viewport in the DOM", async () => {
  const first = await waitFor(
    async () => {
      const feed = await readFeed();
      return feed.bodies[0] === `Long feed post ${SEEDED}` && feed.loaded >= PAGE_SIZE ? feed : null;
    },
    { timeoutMs: WAIT_MS, what: "the newest seeded post at the top of ada's feed" },
  );
  assert.equal(first.loaded, PAGE_SIZE, "one page loaded before any scrolling");
  assert.ok(first.rendered < first.loaded, `${first.rendered} of ${first.loaded} posts in the DOM`);
  assert.deepEqual(first.places, first.places.map((_, i) => i + 1), "aria-posinset counts from the top");
});

test("scrolling down loads older pages by itself, and the window follows", async () => {
  let deepest = null;
  let mostRendered = 0;
  const oldest = `Long feed post 1`;
  await waitFor(
    async () => {
      await window.execute(`const main = document.querySelector("main"); main.scrollBy({ top: main.clientHeight }); return true;`);
      const feed = await readFeed();
      mostRendered = Math.max(mostRendered, feed.rendered);
      deepest = feed;
      return feed.bodies.includes(oldest);
    },
    { timeoutMs: 3 * WAIT_MS, what: "the oldest seeded post after scrolling down" },
  );
  assert.ok(deepest.loaded >= SEEDED, `${deepest.loaded} posts loaded without a click`);
  assert.ok(mostRendered < deepest.loaded / 2, `at most ${mostRendered} of ${deepest.loaded} posts in the DOM while scrolling`);
  assert.ok(deepest.places[0] > PAGE_SIZE, "the first posts left the DOM");
  await saveScreenshot(window, "long-feed.png");

  // Back at the top, the newest post is rendered again.
  await window.execute(`document.querySelector("main").scrollTo({ top: 0 }); return true;`);
  await waitFor(async () => (await readFeed()).bodies[0] === `Long feed post ${SEEDED}`, {
    timeoutMs: WAIT_MS,
    what: "the newest post rendered again at the top",
  });
});
