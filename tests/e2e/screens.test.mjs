// End-to-end: the screens around the feed, through the real window, against a
// real server with the demo organisation: the post detail (reactions, replies,
// edit, delete), notifications, people and profiles, group members and join
// requests, settings (notification level, theme, language) and the help
// overlay, and the whole window in French. Run like desktop.test.mjs (see README.md).

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
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
  rest as restAt,
  saveScreenshot as screenshotOf,
  startServer,
  stopAll,
} from "./harness.mjs";
import { waitFor } from "./webdriver.mjs";

let tmp;
let serverUrl;
let window;
let ada;
let grace;
let linus;
let groups;
/** Where the app saves exports (`COMMONS_DOWNLOAD_DIR`). */
let downloads;

const rest = (method, route, options) => restAt(serverUrl, method, route, options);
/** Best effort (see harness.mjs); a style change first, so an idle window paints a new frame. */
const saveScreenshot = async (name) => {
  await window
    .execute(`document.body.style.opacity = document.body.style.opacity ? "" : "0.999"; return true;`)
    .catch(() => {});
  return screenshotOf(window, name);
};
const loginAs = async (email) =>
  (await rest("POST", "/auth/login", { body: { email, password: DEMO_PASSWORD } })).token;
const groupNamed = (name) => groups.find((item) => item.group.name === name).group;

const click = (css) => window.clickInView(css);
const text = (css) =>
  window.execute(`return document.querySelector(arguments[0])?.textContent.trim() ?? null;`, [css]);
const texts = (css) =>
  window.execute(`return [...document.querySelectorAll(arguments[0])].map((e) => e.textContent.trim());`, [css]);
const until = (probe, what) => waitFor(probe, { timeoutMs: WAIT_MS, what });
const pressKey = (key) =>
  window.execute(`window.dispatchEvent(new KeyboardEvent("keydown", { key: arguments[0], bubbles: true })); return true;`, [
    key,
  ]);

/** Picks an option of a `<select>` as a person would (a change event). */
async function choose(css, value) {
  await window.waitForElement(css);
  await window.execute(
    `const s = document.querySelector(arguments[0]); s.value = arguments[1];
     s.dispatchEvent(new Event("change", { bubbles: true })); return true;`,
    [css, value],
  );
}

async function typeInto(css, value) {
  const field = await window.waitForElement(css);
  await window.clear(field);
  await window.type(field, value);
}

/** The post shown alone (post detail), as the window shows it. */
const readDetail = () =>
  window.execute(`
    const post = document.querySelector('[data-testid="post-view"] ~ [data-testid="feed"] [data-testid="post"]');
    if (!post) return null;
    return {
      id: post.dataset.postId,
      reactions: [...post.querySelectorAll(':scope > [data-testid="reactions"] .chip')].map((chip) => ({
        kind: chip.dataset.kind,
        count: chip.querySelector('[data-testid="reaction-count"]').textContent.trim(),
      })),
      who: [...post.querySelectorAll(':scope > [data-testid="reactions"] [data-testid="reactor"]')].map((e) => e.textContent.trim()),
      comments: [...post.querySelectorAll('[data-testid="comment"]')].map((comment) => ({
        id: comment.dataset.commentId,
        pending: comment.dataset.pending,
        reply: comment.parentElement.dataset.testid === "replies",
        body: comment.querySelector('[data-testid="comment-body"]')?.textContent.trim() ?? null,
        edited: comment.querySelector('[data-testid="comment-edited"]') !== null,
      })),
    };
  `);

/** Grace (or anyone) posts through the REST API. */
const postAs = (token, groupId, body) =>
  rest("POST", "/posts", { token, body: { mutation_id: randomUUID(), id: randomUUID(), group_id: groupId, body } });

before(async () => {
  requireDesktopSession();
  tmp = await mkdtemp(path.join(os.tmpdir(), "commons-e2e-screens-"));
  const dataDir = path.join(tmp, "server");
  createDemo(dataDir);
  ({ url: serverUrl } = await startServer(dataDir));
  [ada, grace, linus] = await Promise.all(
    ["ada@example.org", "grace@example.org", "linus@example.org"].map(loginAs),
  );
  groups = await rest("GET", "/groups", { token: ada });
  downloads = path.join(tmp, "downloads");
  window = await openApp({
    COMMONS_PROFILE: path.join(tmp, "profile"),
    COMMONS_SERVER_URL: serverUrl,
    COMMONS_DOWNLOAD_DIR: downloads,
  });

  await logIn(window, "ada@example.org");
});

after(async () => {
  if (window) await window.delete().catch(() => {});
  await stopAll();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

test("the post detail: reactions, a reply, an edit and a deletion reach the server", async () => {
  const engineering = groupNamed("Engineering");
  const { posts } = await rest("GET", `/groups/${engineering.id}/posts`, { token: ada });
  const review = posts.find((item) => item.post.body.startsWith("Draft review guideline")).post;

  await click(`[data-post-id="${review.id}"] [data-testid="post-open"]`);
  await until(async () => (await readDetail())?.id === review.id, "the review post shown alone");

  // React with "love" through the picker of seven.
  await click(`[data-post-id="${review.id}"] [data-testid="react-more"]`);
  assert.equal((await texts('[data-testid^="react-"][aria-label]')).length >= 7, true);
  await click('[data-testid="react-love"]');
  await until(
    async () => (await readDetail()).reactions.some((r) => r.kind === "love" && r.count === "1"),
    "one love reaction on the post",
  );
  await until(async () => {
    const reactions = await rest("GET", `/posts/${review.id}/reactions`, { token: grace });
    return reactions.some((r) => r.kind === "love");
  }, "ada's love reaction on the server");

  // Reply to ada's own comment, then edit that reply and delete it.
  const detail = await readDetail();
  const adasComment = detail.comments.find((c) => c.body.startsWith("Agreed."));
  await click(`[data-comment-id="${adasComment.id}"] [data-testid="reply"]`);
  await typeInto(`[data-testid="reply-input"]`, "I will draft the handbook page.");
  await click('[data-testid="reply-submit"]');
  const reply = await until(async () => {
    const found = (await readDetail()).comments.find((c) => c.body === "I will draft the handbook page.");
    return found?.reply && found.pending === "false" ? found : null;
  }, "the reply under ada's comment, sent");
  await saveScreenshot("post-detail.png");

  await click(`[data-comment-id="${reply.id}"] [data-testid="edit"]`);
  await typeInto(`[data-comment-id="${reply.id}"] [data-testid="edit-body"]`, "I will write the handbook page.");
  await click(`[data-comment-id="${reply.id}"] [data-testid="edit-save"]`);
  await until(async () => {
    const found = (await readDetail()).comments.find((c) => c.id === reply.id);
    return found?.body === "I will write the handbook page." && found.edited && found.pending === "false";
  }, "the edited reply, marked edited and sent");
  const onServer = await rest("GET", `/posts/${review.id}`, { token: grace });
  assert.ok(
    JSON.stringify(onServer).includes("I will write the handbook page."),
    "grace reads the edited reply from the server",
  );

  await click(`[data-comment-id="${reply.id}"] [data-testid="delete"]`);
  await click(`[data-comment-id="${reply.id}"] [data-testid="delete-confirm"]`);
  await until(
    async () => !(await readDetail()).comments.some((c) => c.id === reply.id),
    "the deleted reply gone from the post",
  );
  if (!existsSync(path.join(ARTIFACTS, "post-detail.png"))) await saveScreenshot("post-detail.png");
  // Grace's post: ada, an admin of the group, may delete it but not edit it.
  assert.equal(await text(`[data-post-id="${review.id}"] > header [data-testid="edit"]`), null);
  assert.equal(await text(`[data-post-id="${review.id}"] > header [data-testid="delete"]`), "Delete");
});

test("notifications: the unread badge, opening one shows its post, mark all read", async () => {
  // Grace mentions ada: a new unread notification.
  const everyone = groups.find((item) => item.group.is_default).group;
  await postAs(grace, everyone.id, "@ada can you review the notifications panel?");
  await click('[data-testid="notifications-toggle"]');
  await window.waitForElement('[data-testid="notifications-panel"]');
  const readPanel = () =>
    window.execute(`
      return [...document.querySelectorAll('[data-testid="notification"]')].map((n) => ({ id: n.dataset.notificationId, read: n.dataset.read, text: n.textContent }));
    `);
  const mention = await until(
    async () =>
      (await readPanel()).find(
        (item) => item.text.includes("Grace Hopper mentioned you") && item.text.includes("notifications panel"),
      ),
    "grace's mention in the panel",
  );
  assert.equal(mention.read, "false");
  const badge = Number(await text('[data-testid="notifications-badge"]'));
  assert.equal(badge, (await readPanel()).filter((item) => item.read === "false").length, "the badge counts the unread");
  await saveScreenshot("notifications.png");
  await click(`[data-notification-id="${mention.id}"]`);
  await until(
    async () => (await texts('[data-testid="post-body"]')).some((body) => body.includes("review the notifications panel")),
    "the mentioned post shown",
  );
  await until(async () => {
    const shown = Number((await text('[data-testid="notifications-badge"]')) ?? 0);
    return shown === badge - 1 || null;
  }, "one unread fewer");

  await click('[data-testid="notifications-toggle"]');
  await click('[data-testid="notifications-read-all"]');
  await until(async () => (await text('[data-testid="notifications-badge"]')) === null, "no unread badge");
  await until(async () => {
    const { notifications, unread_count } = await rest("GET", "/notifications", { token: ada });
    return notifications.length > 0 && unread_count === 0;
  }, "every notification read on the server");
  await pressKey("Escape");
});

test("people: the directory searches, a profile links to the manager, my own profile is edited", async () => {
  await click('[data-testid="people-link"]');
  await until(async () => (await texts('[data-testid="person"] strong')).length === 4, "four people");
  await typeInto('[data-testid="people-search"]', "manch");
  await until(
    async () => JSON.stringify(await texts('[data-testid="person"] strong')) === JSON.stringify(["Alan Turing"]),
    "only Alan, who works in Manchester",
  );
  await saveScreenshot("people.png");
  await click('[data-testid="person"]');
  await until(async () => (await text('[data-testid="profile-name"]')) === "Alan Turing", "Alan's profile");
  assert.equal(await text('[data-testid="profile-title"]'), "Staff Engineer");
  assert.equal(await text('[data-testid="profile-location"]'), "Manchester");
  assert.match(await text('[data-testid="profile-about"]'), /Build pipeline/);
  await click('[data-testid="profile-manager"]');
  await until(async () => (await text('[data-testid="profile-name"]')) === "Grace Hopper", "Grace's profile");
  await saveScreenshot("profile.png");

  // Ada edits her own profile; Grace reads the new location from the server.
  await click('[data-testid="my-profile"]');
  await until(async () => (await text('[data-testid="profile-name"]')) === "Ada Lovelace", "Ada's own profile");
  await click('[data-testid="profile-edit"]');
  await typeInto('[data-testid="profile-location-input"]', "Cambridge");
  await click('[data-testid="profile-save"]');
  await until(async () => (await text('[data-testid="profile-location"]')) === "Cambridge", "the new location shown");
  const adaUser = (await rest("GET", "/me", { token: ada })).id;
  await until(async () => {
    const seen = await rest("GET", `/users/${adaUser}`, { token: grace });
    return JSON.stringify(seen).includes('"location":"Cambridge"');
  }, "Ada's new location on the server");
});

test("group management: members with roles, approving a join request, a new role, a removal, secret privacy, the notification level", async () => {
  const leadership = groupNamed("Leadership");
  await rest("POST", `/groups/${leadership.id}/join`, { token: linus, body: { mutation_id: randomUUID() } });

  await click(`[data-testid="group-link"][data-group-name="Leadership"]`);
  await window.waitForElement('[data-testid="group-header"]');
  await saveScreenshot("group.png");
  await click('[data-testid="group-members"]');
  await until(async () => (await texts('[data-testid="member"]')).length === 2, "Leadership's two members");
  const roles = await window.execute(`
    return Object.fromEntries([...document.querySelectorAll('[data-testid="member"]')].map((m) => [m.dataset.handle, m.dataset.role]));
  `);
  assert.equal(Object.values(roles).filter((role) => role === "admin").length, 1);
  await until(
    async () => (await texts('[data-testid="join-request"]')).some((t) => t.includes("Linus Torvalds")),
    "Linus's request to join",
  );
  await saveScreenshot("members.png");
  await click('[data-testid="join-request"] [data-testid="approve-request"]');
  await until(async () => (await texts('[data-testid="join-request"]')).length === 0, "no request left");
  await until(async () => (await texts('[data-testid="member"]')).some((t) => t.includes("Linus Torvalds")), "Linus a member");
  await until(async () => {
    const { posts } = await rest("GET", `/groups/${leadership.id}/posts`, { token: linus }).catch(() => ({ posts: [] }));
    return posts.some((item) => item.post.body.startsWith("Budget planning"));
  }, "Linus reading Leadership on the server");

  // Ada, the group's admin, makes Linus a moderator, then removes him; the server agrees each time.
  const roleOnServer = async () => {
    const { members } = await rest("GET", `/groups/${leadership.id}/members`, { token: ada });
    return members.find((m) => m.user.name === "Linus Torvalds")?.role ?? null;
  };
  const linusHandle = await window.execute(
    `return [...document.querySelectorAll('[data-testid="member"]')].find((m) => m.textContent.includes("Linus Torvalds"))?.dataset.handle;`,
  );
  const linusRow = `[data-testid="member"][data-handle="${linusHandle}"]`;
  await until(async () => (await text(linusRow)) !== null && (await roleOnServer()) === "member", "Linus a member on the server");
  await choose(`${linusRow} [data-testid="member-role-select"]`, "moderator");
  await until(async () => (await roleOnServer()) === "moderator", "Linus a moderator on the server");
  await click(`${linusRow} [data-testid="remove-member"]`);
  await click(`${linusRow} [data-testid="remove-confirm"]`);
  await until(async () => (await text(linusRow)) === null, "Linus gone from the members");
  await until(async () => (await roleOnServer()) === null, "Linus removed on the server");

  // Leadership becomes secret: Linus, no longer a member, cannot even find it on the server.
  await click('[data-testid="members-back"]');
  await choose('[data-testid="group-privacy-select"]', "secret");
  await until(async () => (await text('[data-testid="group-privacy"]'))?.includes("Secret group"), "the header says secret");
  await until(
    async () => rest("GET", `/groups/${leadership.id}`, { token: linus }).then(() => false, (e) => /-> 404/.test(e.message)),
    "Leadership hidden from Linus on the server",
  );

  // Settings: every post of Engineering notifies me.
  const engineering = groupNamed("Engineering");
  await click('[data-testid="settings-link"]');
  await choose(`[data-testid="notification-level"][data-group-id="${engineering.id}"]`, "all");
  // The setting's effect on the server: a new post in Engineering now notifies ada. It is
  // sent in the background, so grace posts until one arrives after the setting did.
  let attempt = 0;
  await until(async () => {
    await postAs(grace, engineering.id, `Engineering news #${++attempt}`);
    const { notifications } = await rest("GET", "/notifications", { token: ada });
    return notifications.some((n) => n.kind === "group_post" && n.group_id === engineering.id);
  }, "a group_post notification for ada from Engineering");
});

test("the admin area: a person added, deactivated and reactivated, and the audit log of it", async () => {
  await click('[data-testid="admin-link"]');
  await until(async () => (await text("#feed-title")) === "Administration", "the admin area");
  await typeInto('[data-testid="admin-add-email"]', "katherine@example.org");
  await typeInto('[data-testid="admin-add-name"]', "Katherine Johnson");
  await click('[data-testid="admin-suggest-password"]');
  const password = await window.execute(`return document.querySelector('[data-testid="admin-add-password"]').value;`);
  assert.match(password, /^[a-zA-Z2-9]{4}(-[a-zA-Z2-9]{4}){3}$/);
  await click('[data-testid="admin-add-submit"]');
  await until(async () => (await text('[data-testid="admin-add-done"]'))?.includes("Katherine Johnson"), "the person added");
  // She logs in with the first password the admin handed over.
  const katherine = (await rest("POST", "/auth/login", { body: { email: "katherine@example.org", password } })).token;
  assert.equal((await rest("GET", "/me", { token: katherine })).name, "Katherine Johnson");

  const row = '[data-testid="admin-account"][data-email="katherine@example.org"]';
  await window.waitForElement(row);
  await click(`${row} [data-testid="admin-deactivate"]`);
  await click(`${row} [data-testid="admin-deactivate-confirm"]`);
  await until(
    async () => window.execute(`return document.querySelector(arguments[0])?.dataset.deactivated === "true";`, [row]),
    "katherine marked deactivated",
  );
  await assert.rejects(rest("GET", "/me", { token: katherine }), /401/, "her session ended");
  await saveScreenshot("admin-people.png");
  await click(`${row} [data-testid="admin-reactivate"]`);
  await until(
    async () => window.execute(`return document.querySelector(arguments[0])?.dataset.deactivated === "false";`, [row]),
    "katherine active again",
  );

  await click('[data-testid="admin-tab-audit"]');
  const entries = () =>
    window.execute(`return [...document.querySelectorAll('[data-testid="audit-entry"]')].map((e) => ({ action: e.dataset.action, text: e.textContent }));`);
  await until(async () => {
    const shown = await entries();
    return (
      shown.some((e) => e.action === "user_created" && e.text.includes("Katherine Johnson") && e.text.includes("Ada Lovelace")) &&
      shown.some((e) => e.action === "user_deactivated" && e.text.includes("Katherine Johnson"))
    );
  }, "the creation and the deactivation in the audit log, with names");
  await choose('[data-testid="audit-action"]', "user_reactivated");
  await until(async () => {
    const shown = await entries();
    return shown.length > 0 && shown.every((e) => e.action === "user_reactivated");
  }, "only reactivations once filtered");
  await choose('[data-testid="audit-action"]', "");
  await saveScreenshot("admin-audit.png");
});

test("the admin area: retention policies set and cleared, a person erased after a typed confirmation", async () => {
  await click('[data-testid="admin-link"]');
  await click('[data-testid="admin-tab-retention"]');
  const org = '[data-testid="retention-org"]';
  await until(async () => (await text(`${org} [data-testid="retention-state"]`)) === "No policy: posts are kept.", "no policy yet");
  assert.ok((await text('[data-testid="admin-panel"], #admin-panel')).includes("Pinned posts and announcements still running are kept"));
  const policies = async () => (await rest("GET", "/admin/retention", { token: ada })).policies;

  // Days are checked before anything is sent.
  await typeInto(`${org} [data-testid="retention-days"]`, "0");
  await click(`${org} [data-testid="retention-set"]`);
  await until(async () => (await text(`${org} [data-testid="retention-invalid"]`)) !== null, "the invalid days explained");
  assert.deepEqual(await policies(), [], "nothing was sent");
  await typeInto(`${org} [data-testid="retention-days"]`, "365");
  await click(`${org} [data-testid="retention-set"]`);
  await until(
    async () => (await text(`${org} [data-testid="retention-state"]`)) === "Posts older than 365 days are deleted.",
    "the organisation's policy shown",
  );
  const engineering = groupNamed("Engineering");
  const row = `[data-testid="retention-group"][data-group-id="${engineering.id}"]`;
  assert.equal(await text(`${row} [data-testid="retention-state"]`), "Follows the organisation: posts older than 365 days are deleted.");
  await typeInto(`${row} [data-testid="retention-days"]`, "30");
  await click(`${row} [data-testid="retention-set"]`);
  await until(
    async () => (await text(`${row} [data-testid="retention-state"]`)) === "Own policy: posts older than 30 days are deleted.",
    "Engineering's own policy shown",
  );
  assert.deepEqual(
    (await policies()).map((p) => [p.group_id, p.max_age_days]),
    [
      [null, 365],
      [engineering.id, 30],
    ],
    "both policies on the server",
  );
  await saveScreenshot("admin-retention.png");
  await click(`${row} [data-testid="retention-clear"]`);
  await until(
    async () => (await text(`${row} [data-testid="retention-state"]`))?.startsWith("Follows the organisation"),
    "Engineering follows the organisation again",
  );
  assert.deepEqual((await policies()).map((p) => [p.group_id, p.max_age_days]), [[null, 365]]);
  await click(`${org} [data-testid="retention-clear"]`);
  await until(async () => (await policies()).length === 0, "the organisation's policy removed on the server");

  // Someone added for this test posts; the admin erases them.
  const password = "dorothy-first-password";
  const dorothy = await rest("POST", "/admin/users", {
    token: ada,
    body: { mutation_id: randomUUID(), email: "dorothy@example.org", name: "Dorothy Vaughan", password, is_admin: false },
  });
  const dorothyToken = (await rest("POST", "/auth/login", { body: { email: "dorothy@example.org", password } })).token;
  const everyone = groups.find((item) => item.group.is_default).group;
  const marker = `Dorothy's words ${randomUUID().slice(0, 8)}`;
  await postAs(dorothyToken, everyone.id, marker);
  await click('[data-testid="home-link"]');
  await until(async () => (await texts('[data-testid="post-body"]')).includes(marker), "Dorothy's post in the feed");

  await click('[data-testid="admin-link"]');
  const person = `[data-testid="admin-account"][data-user-id="${dorothy.id}"]`;
  await click(`${person} [data-testid="admin-erase"]`);
  await until(async () => window.execute(`return document.querySelector('[data-testid="erase-dialog"]').open;`), "the erasure dialog");
  const dialogText = await text('[data-testid="erase-dialog"]');
  assert.ok(dialogText.includes("Erase Dorothy Vaughan?"), dialogText);
  assert.ok(dialogText.includes("This cannot be undone."), dialogText);
  const confirmDisabled = () => window.execute(`return document.querySelector('[data-testid="erase-confirm"]').disabled;`);
  assert.equal(await confirmDisabled(), true, "nothing typed yet");
  await typeInto('[data-testid="erase-name"]', "Dorothy");
  assert.equal(await confirmDisabled(), true, "not her whole name");
  await typeInto('[data-testid="erase-name"]', "Dorothy Vaughan");
  assert.equal(await confirmDisabled(), false, "her name typed");
  await saveScreenshot("admin-erase.png");
  await click('[data-testid="erase-confirm"]');
  await until(async () => (await text('[data-testid="erase-report"]'))?.startsWith("Dorothy Vaughan was erased."), "the report");
  const report = await text('[data-testid="erase-report"]');
  assert.ok(report.includes("1 post,"), report);
  assert.equal(await window.execute(`return document.querySelector('[data-testid="erase-dialog"]').open;`), false);
  await until(
    async () => (await text(`${person} .who strong`)) === "Former member",
    "the erased person reads Former member in the list",
  );
  await saveScreenshot("admin-erased.png");

  // On the server: "Former member", the account closed; the feed forgot the post.
  assert.equal((await rest("GET", `/users/${dorothy.id}`, { token: ada })).name, "Former member");
  await assert.rejects(rest("POST", "/auth/login", { body: { email: "dorothy@example.org", password } }), /40[13]/);
  await click('[data-testid="home-link"]');
  await until(async () => {
    const shown = await texts('[data-testid="post-body"]');
    return shown.length >= 4 && !shown.includes(marker);
  }, "the feed without the erased post");
});

/** The files of a `.tar.gz` (ustar): name -> text. */
function tarGzFiles(bytes) {
  assert.deepEqual([...bytes.subarray(0, 2)], [0x1f, 0x8b], "a gzip file");
  const tar = gunzipSync(bytes);
  const files = new Map();
  for (let at = 0; at + 512 <= tar.length; ) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const field = (from, to) => header.subarray(from, to).toString("latin1").replace(/\0.*$/s, "").trim();
    const size = parseInt(field(124, 136), 8);
    const name = [field(345, 500), field(0, 100)].filter(Boolean).join("/");
    files.set(name, tar.subarray(at + 512, at + 512 + size).toString("utf8"));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

test("exports: the admin downloads the organisation's export, and my data from Settings", async () => {
  const today = new Date().toISOString().slice(0, 10);
  await click('[data-testid="admin-link"]');
  await click('[data-testid="admin-tab-exports"]');
  const panelText = await text("#admin-panel");
  assert.ok(panelText.includes("including secret groups"), panelText);
  const org = '[data-testid="export-organisation"]';
  await click(`${org} [data-testid="export-download"]`);
  await until(async () => (await text(`${org} [data-testid="export-saved"]`)) !== null, "the export saved");
  const saved = await window.execute(
    `const e = document.querySelector(arguments[0]); return { path: e.dataset.path, bytes: Number(e.dataset.bytes), text: e.textContent };`,
    [`${org} [data-testid="export-saved"]`],
  );
  assert.equal(saved.path, path.join(downloads, `commons-export-${today}.tar.gz`));
  assert.ok(saved.text.includes(`Saved to ${saved.path} (`), saved.text);
  assert.match(saved.text, /Posts: \d+/);
  const archive = await readFile(saved.path);
  assert.equal(archive.length, saved.bytes);
  const files = tarGzFiles(archive);
  assert.ok(files.has("manifest.json") && files.has("posts.jsonl"), [...files.keys()].join(", "));
  assert.equal(JSON.parse(files.get("manifest.json")).scope, "organisation");
  assert.ok(files.get("posts.jsonl").includes("Kick-off for Project Falcon"), "the secret group's post");

  // A second download never replaces the first.
  await click(`${org} [data-testid="export-download"]`);
  await until(
    async () =>
      window.execute(`return document.querySelector(arguments[0])?.dataset.path ?? null;`, [`${org} [data-testid="export-saved"]`]).then(
        (shown) => shown === path.join(downloads, `commons-export-${today}-2.tar.gz`),
      ),
    "the second export under a -2 name",
  );
  await window.execute(`document.querySelector(arguments[0]).scrollIntoView({ block: "center" }); return true;`, [org]);
  await saveScreenshot("admin-exports.png");

  await click('[data-testid="settings-link"]');
  const mine = '[data-testid="export-mine"]';
  await click(`${mine} [data-testid="export-download"]`);
  await until(async () => (await text(`${mine} [data-testid="export-saved"]`)) !== null, "my data saved");
  const minePath = path.join(downloads, `commons-my-data-${today}.tar.gz`);
  assert.ok((await text(`${mine} [data-testid="export-saved"]`)).includes(minePath));
  assert.match(await text(`${mine} [data-testid="export-counts"]`), /^Groups: \d+ · Posts: \d+ · Comments: \d+ · Reactions: \d+ · Files: \d+$/);
  const myFiles = tarGzFiles(await readFile(minePath));
  assert.ok(myFiles.has("manifest.json") && myFiles.has("posts.jsonl"), [...myFiles.keys()].join(", "));
  assert.equal(JSON.parse(myFiles.get("manifest.json")).scope, "personal");
  assert.ok(myFiles.get("posts.jsonl").includes("Welcome to Commons"), "Ada's own post");
  assert.ok(!myFiles.get("posts.jsonl").includes("all-hands"), "not Grace's post");
  await window.execute(`document.querySelector(arguments[0]).scrollIntoView({ block: "center" }); return true;`, [mine]);
  await saveScreenshot("settings-my-data.png");
  assert.deepEqual((await readdir(downloads)).sort(), [
    `commons-export-${today}-2.tar.gz`,
    `commons-export-${today}.tar.gz`,
    `commons-my-data-${today}.tar.gz`,
  ]);
});

test("settings: the dark theme, the help overlay from the keyboard", async () => {
  await click('[data-testid="settings-link"]');
  await click('[data-testid="theme-dark"]');
  assert.equal(await window.execute(`return document.documentElement.dataset.theme;`), "dark");
  await saveScreenshot("settings-dark.png");
  await click('[data-testid="theme-light"]');
  assert.equal(await window.execute(`return document.documentElement.dataset.theme;`), "light");

  await click('[data-testid="home-link"]');
  await pressKey("?");
  await until(async () => window.execute(`return document.querySelector('[data-testid="help"]').open;`), "the help overlay");
  assert.ok((await text('[data-testid="help"]')).includes("Ctrl K"));
  await saveScreenshot("help.png");
  await click('[data-testid="help-close"]');
  assert.equal(await window.execute(`return document.querySelector('[data-testid="help"]').open;`), false);
});

test("in French, no English string of the app remains on the main screens", async () => {
  await click('[data-testid="settings-link"]');
  await choose('[data-testid="settings-language"]', "fr");
  await until(async () => (await text("#feed-title")) === "Paramètres", "the settings title in French");

  // The app's own words (people's posts, names and group names stay as written).
  const phrases = await englishPhrases();
  assert.ok(phrases.length > 100, `the English phrases to look for: ${phrases.length}`);
  const shownText = () =>
    window.execute(`
      const page = document.body.cloneNode(true);
      page.querySelectorAll(arguments[0]).forEach((e) => e.remove());
      const attributes = [...page.querySelectorAll("[aria-label], [placeholder], [title]")].flatMap((e) =>
        ["aria-label", "placeholder", "title"].map((a) => e.getAttribute(a) ?? ""));
      return [page.innerText, ...attributes].join("\\n");
    `, [USER_CONTENT]);
  const escape = (phrase) => phrase.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  // Names of groups and people stay as written, also inside the app's sentences.
  const names = [...groups.map((item) => item.group.name), "Ada Lovelace", "Grace Hopper", "Alan Turing", "Linus Torvalds"];
  const englishLeft = async () => {
    let shown = await shownText();
    for (const name of names) shown = shown.replaceAll(name, " ");
    return phrases.filter((phrase) => new RegExp(`(^|[^\\p{L}])${escape(phrase)}($|[^\\p{L}])`, "u").test(shown));
  };

  const screens = [
    ["settings", '[data-testid="settings-link"]'],
    ["home", '[data-testid="home-link"]'],
    ["group", '[data-testid="group-link"][data-group-name="Engineering"]'],
    ["people", '[data-testid="people-link"]'],
    ["admin", '[data-testid="admin-link"]'],
    ["admin-exports", '[data-testid="admin-tab-exports"]'],
  ];
  for (const [name, link] of screens) {
    await click(link);
    await until(async () => (await text("#feed-title")) !== null, `the ${name} screen`);
    const left = await englishLeft();
    assert.deepEqual(left, [], `English on the ${name} screen in French`);
    await saveScreenshot(`fr-${name}.png`);
  }
  await click('[data-testid="notifications-toggle"]');
  await window.waitForElement('[data-testid="notifications-panel"]');
  assert.deepEqual(await englishLeft(), [], "English in the notifications panel in French");
  await pressKey("Escape");
  await click('[data-testid="notifications-toggle"]');
  assert.equal(await text('[data-testid="home-link"] .name'), "Accueil");

  // Back to English for whoever runs next in this profile.
  await click('[data-testid="settings-link"]');
  await choose('[data-testid="settings-language"]', "en");
  await until(async () => (await text("#feed-title")) === "Settings", "the settings title in English again");
  await publishScreenshots();
});

/** What people wrote or are called: it stays as written in any language. */
const USER_CONTENT = [
  '[data-testid="post-body"]',
  '[data-testid="comment-body"]',
  '[data-testid="post-author"]',
  '[data-testid="comment-author"]',
  '[data-testid="post-group"]',
  '[data-testid="group-link"]',
  '[data-testid="group-title"]',
  '[data-testid="group-description"]',
  '[data-testid="current-user"]',
  '[data-testid="person"]',
  '[data-testid="admin-account"] .who',
  '[data-testid="settings-language"]',
  'label[for^="level-"]',
  ".excerpt",
].join(", ");

/**
 * The English dictionary's phrases that the French one translates differently,
 * cut at placeholders; short fragments and those equal in French are left out.
 */
async function englishPhrases() {
  const source = await loadDictionary("en");
  const french = await loadDictionary("fr");
  const phrases = new Set();
  for (const [key, value] of Object.entries(source)) {
    if (value === french[key]) continue;
    for (const part of value.split(/\{\w+\}/)) {
      const phrase = part.trim().replace(/^[,.:;·]\s*|\s*[,.:;·]$/g, "");
      if (phrase.length >= 4 && /[A-Za-z]{3}/.test(phrase) && !Object.values(french).some((f) => f.includes(phrase)))
        phrases.add(phrase);
    }
  }
  return [...phrases];
}

/** Reads a dictionary file (TypeScript object literal of string pairs) without a TypeScript loader. */
async function loadDictionary(name) {
  const source = await readFile(path.join(ROOT, `ui/src/lib/i18n/${name}.ts`), "utf8");
  const entries = {};
  for (const m of source.matchAll(/^\s*"([^"]+)":\s*"((?:[^"\\]|\\.)*)",?$/gm)) entries[m[1]] = JSON.parse(`"${m[2]}"`);
  return entries;
}

/** The README shows a group and the notifications: copied from this run's artifacts when they were saved. */
async function publishScreenshots() {
  const docs = path.join(ROOT, "docs/screenshots");
  await mkdir(docs, { recursive: true });
  for (const name of ["notifications.png", "group.png"]) {
    await copyFile(path.join(ARTIFACTS, name), path.join(docs, name)).catch(() => {});
  }
}
