// End-to-end: files in posts through the real window, against a real server
// with the demo organisation. ada attaches an image and a PDF with the
// composer's file picker (WebDriver hands the paths to its file input, as the
// system's file dialog would); the post shows pending, then is sent with both
// files (checked on the server, byte for byte); the image shows as a
// thumbnail (through the app's `attachment:` protocol) and opens full size;
// "Download" saves the PDF into the download folder; Settings shows the space
// used and takes a lower limit for downloaded files. Run like
// desktop.test.mjs (see README.md).

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import {
  DEMO_PASSWORD,
  ROOT,
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
let downloads;

const rest = (method, route, options) => restAt(serverUrl, method, route, options);
const until = (probe, what) => waitFor(probe, { timeoutMs: WAIT_MS, what });
const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");
const click = (css) => window.clickInView(css);

async function typeInto(element, value) {
  await window.clear(element);
  await window.type(element, value);
}

/** The post with this text as the window shows it, with its files. */
const readPost = (body) =>
  window.execute(
    `
    const post = [...document.querySelectorAll('[data-testid="post"]')]
      .find((p) => p.querySelector('[data-testid="post-body"]')?.textContent.trim() === arguments[0]);
    if (!post) return null;
    return {
      id: post.dataset.postId,
      pending: post.dataset.pending,
      images: [...post.querySelectorAll('[data-testid="post-image"]')].map((b) => {
        const img = b.querySelector("img");
        return { loaded: !!img && img.complete && img.naturalWidth > 0, alt: img?.alt ?? null };
      }),
      files: [...post.querySelectorAll('[data-testid="post-file-name"]')].map((f) => f.textContent.trim()),
    };
  `,
    [body],
  );

before(async () => {
  requireDesktopSession();
  tmp = await mkdtemp(path.join(os.tmpdir(), "commons-e2e-files-"));
  downloads = path.join(tmp, "downloads");
  await mkdir(downloads);
  const dataDir = path.join(tmp, "server");
  createDemo(dataDir);
  ({ url: serverUrl } = await startServer(dataDir));
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

test("a post with an image and a PDF: sent with both, the image shown, the PDF saved", async () => {
  const png = await readFile(path.join(ROOT, "icons/128x128.png"));
  const pdf = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
  const pngPath = path.join(tmp, "team-photo.png");
  const pdfPath = path.join(tmp, "release-plan.pdf");
  await writeFile(pngPath, png);
  await writeFile(pdfPath, pdf);

  const input = await window.waitForElement('[data-testid="composer-file-input"]');
  await window.type(input, pngPath);
  await window.type(input, pdfPath);
  await until(
    async () => (await window.findAll('[data-testid="composer-file"]')).length === 2,
    "both files listed in the composer",
  );
  const body = "The plan and a photo of the team";
  await typeInto(await window.waitForElement('[data-testid="composer-body"]'), body);
  await click('[data-testid="composer-submit"]');

  const sent = await until(async () => {
    const post = await readPost(body);
    return post?.pending === "false" ? post : null;
  }, "the post sent to the server");
  assert.equal((await window.findAll('[data-testid="composer-file"]')).length, 0, "the composer is empty again");

  const token = (await rest("POST", "/auth/login", { body: { email: "ada@example.org", password: DEMO_PASSWORD } })).token;
  const onServer = (await rest("GET", `/posts/${sent.id}`, { token })).post;
  const byName = Object.fromEntries(onServer.attachments.map((a) => [a.name, a]));
  assert.deepEqual(Object.keys(byName).sort(), ["release-plan.pdf", "team-photo.png"]);
  assert.equal(byName["team-photo.png"].content_type, "image/png");
  assert.equal(byName["release-plan.pdf"].content_type, "application/pdf");
  assert.equal(byName["team-photo.png"].sha256, sha256(png), "the image reached the server unchanged");
  assert.equal(byName["release-plan.pdf"].sha256, sha256(pdf), "the PDF reached the server unchanged");

  const shown = await until(async () => {
    const post = await readPost(body);
    return post?.images.length === 1 && post.images[0].loaded ? post : null;
  }, "the image's thumbnail loaded in the post");
  assert.equal(shown.images[0].alt, "team-photo.png");
  assert.deepEqual(shown.files, ["release-plan.pdf"], "the PDF is listed as a file, not shown inline");
  await saveScreenshot(window, "post-files.png");

  await click(`[data-post-id="${sent.id}"] [data-testid="post-image"]`);
  await until(
    () =>
      window.execute(`
        const img = document.querySelector('[data-testid="image-viewer-image"]');
        return !!img && img.complete && img.naturalWidth === 128;
      `),
    "the full image (128 px wide) in the viewer",
  );
  await click('[data-testid="image-viewer-close"]');
  await until(
    () => window.execute(`return document.querySelector('[data-testid="image-viewer"]') === null;`),
    "the viewer closed",
  );

  await click(`[data-post-id="${sent.id}"] [data-testid="post-file-save"]`);
  await window.waitForElement(`[data-post-id="${sent.id}"] [data-testid="post-file-saved"]`);
  assert.deepEqual(await readdir(downloads), ["release-plan.pdf"]);
  assert.equal(sha256(await readFile(path.join(downloads, "release-plan.pdf"))), sha256(pdf), "the saved copy is the file");
  await rest("POST", "/auth/logout", { token });
});

test("Settings shows the space used on this computer, and a lower file limit applies", async () => {
  await click('[data-testid="settings-link"]');
  const files = await until(
    () => window.execute(`return document.querySelector('[data-testid="storage-files"]')?.textContent.trim() || null;`),
    "the storage block in Settings",
  );
  // The image (thumbnail and full size) and the PDF were downloaded: some kB of 512 MB.
  assert.match(files, /^\d+(\.\d)? kB of 536\.9 MB$/, files);
  const database = await window.execute(`return document.querySelector('[data-testid="storage-database"]').textContent.trim();`);
  assert.match(database, /^\d+(\.\d)? (kB|MB)$/, database);

  await window.execute(
    `const s = document.querySelector('[data-testid="storage-limit"]'); s.value = "128";
     s.dispatchEvent(new Event("change", { bubbles: true })); return true;`,
  );
  await until(
    () => window.execute(`return document.querySelector('[data-testid="storage-files"]').textContent.includes("of 134.2 MB") || null;`),
    "the new limit (128 MiB) shown",
  );
});
