// The UI half of `commons-bench-desktop`'s measurements (src-tauri/src/bench.rs):
// inert unless the app was started with COMMONS_BENCH_STARTUP. Marks "feed" when
// the first feed page is painted, and for a scroll plan loads older pages as a
// user scrolling to the bottom would, then marks "scrolled".
import { commands } from "./bindings";
import type { Session } from "./session.svelte";

const POST = '[data-testid="post"]';
/** Longest wait for the feed, or for one older page, before the run is given up. */
const PATIENCE_MS = 60_000;

/** What the scroll loop does next, given the posts rendered and whether the feed has older ones. */
export function scrollStep(rendered: number, target: number, hasOlder: boolean): "done" | "older" | "end" {
  if (rendered >= target) return "done";
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

  const scroller = () => document.querySelector("main");
  for (;;) {
    const rendered = renderedPosts();
    const step = scrollStep(rendered, plan.scroll_posts, session.hasOlder);
    if (step === "done") break;
    if (step === "end") {
      await commands.benchMark(`failed: the feed ended at ${rendered} posts`);
      return;
    }
    // At the bottom of the feed, where the next page is asked for.
    const main = scroller();
    main?.scrollTo({ top: main.scrollHeight });
    await session.loadOlder();
    if (!(await until(() => renderedPosts() > rendered))) {
      await commands.benchMark(`failed: stuck at ${rendered} posts`);
      return;
    }
    await painted();
  }
  const main = scroller();
  main?.scrollTo({ top: main.scrollHeight });
  await painted();
  await commands.benchMark("scrolled");
}
