// The UI half of `commons-bench-desktop`'s measurements (src-tauri/src/bench.rs):
// inert unless the app was started with COMMONS_BENCH_STARTUP. Marks "feed" when
// the first feed page is painted, and for a scroll plan scrolls the feed down a
// screen per frame, as a user would: the virtual window renders along the way and
// the feed loads older pages by itself, until enough are loaded; then "scrolled".
import { commands } from "./bindings";
import type { Session } from "./session.svelte";

const POST = '[data-testid="post"]';
/** Longest wait for the feed, or for one older page, before the run is given up. */
const PATIENCE_MS = 60_000;

/** What the scroll loop does next, given the posts loaded and whether the feed has older ones. */
export function scrollStep(loaded: number, target: number, hasOlder: boolean): "done" | "older" | "end" {
  if (loaded >= target) return "done";
  return hasOlder ? "older" : "end";
}

const frame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));

/** Two frames: the DOM has been laid out and painted at least once. */
async function painted(): Promise<void> {
  await frame();
  await frame();
}

const renderedPosts = () => document.querySelectorAll(POST).length;

/** Waits (frame by frame) until `ready()` holds; false after PATIENCE_MS. */
async function until(ready: () => boolean): Promise<boolean> {
  const deadline = performance.now() + PATIENCE_MS;
  while (!ready()) {
    if (performance.now() > deadline) return false;
    await frame();
  }
  return true;
}

/** Runs the plan the shell gives; returns at once outside a bench run. */
export async function runBench(session: Session): Promise<void> {
  const plan = await commands.benchMark("ui");
  if (!plan) return;
  if (!(await until(() => renderedPosts() > 0))) {
    await commands.benchMark("failed: no post rendered");
    return;
  }
  await painted();
  await commands.benchMark("feed");
  if (plan.scroll_posts === 0) return;

  const main = document.querySelector("main");
  if (!main) {
    await commands.benchMark("failed: no scrolling feed");
    return;
  }
  for (;;) {
    const loaded = session.posts.length;
    const step = scrollStep(loaded, plan.scroll_posts, session.hasOlder || session.loadingOlder);
    if (step === "done") break;
    if (step === "end") {
      await commands.benchMark(`failed: the feed ended at ${loaded} posts`);
      return;
    }
    // A screen further down per frame, until the feed asked for and got the next page.
    const grew = await until(() => {
      main.scrollBy({ top: main.clientHeight });
      return session.posts.length > loaded;
    });
    if (!grew) {
      await commands.benchMark(`failed: stuck at ${loaded} posts`);
      return;
    }
    await painted();
  }
  main.scrollTo({ top: main.scrollHeight });
  await painted();
  await commands.benchMark("scrolled");
}
