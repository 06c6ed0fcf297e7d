// The windowing math of the virtualized feed (VirtualFeed.svelte), free of the
// DOM: where each post starts given the heights measured so far (an estimate for
// the others), which posts are near the viewport, and the scroll position that
// keeps the post at the top of the viewport in place when heights above it change.

/** Height assumed for a post never rendered while nothing has been measured yet (px). */
export const DEFAULT_HEIGHT = 320;

/** The average measured height, the best guess for the posts not rendered yet. */
export function estimateHeight(measured: Iterable<number>, fallback = DEFAULT_HEIGHT): number {
  let sum = 0;
  let count = 0;
  for (const height of measured) {
    sum += height;
    count++;
  }
  return count === 0 ? fallback : sum / count;
}

/**
 * The top of every item in the list, and the list's total height last:
 * `offsets[i]` is where item i starts, `offsets[ids.length]` the whole height.
 */
export function offsetsOf(ids: readonly string[], heights: ReadonlyMap<string, number>, estimate: number): number[] {
  const offsets = new Array<number>(ids.length + 1);
  offsets[0] = 0;
  for (let i = 0; i < ids.length; i++) offsets[i + 1] = offsets[i] + (heights.get(ids[i]) ?? estimate);
  return offsets;
}

/** The item under `y` (clamped to the list): the last one starting at or before it. */
export function indexAt(offsets: readonly number[], y: number): number {
  const count = offsets.length - 1;
  if (count <= 0) return 0;
  let low = 0;
  let high = count - 1;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (offsets[middle] <= y) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** The items to render, `start` included and `end` excluded. */
export interface Range {
  start: number;
  end: number;
}

/**
 * The items that overlap the viewport `[top, top + height)` (list coordinates)
 * widened by `overscan` pixels on each side, so a short scroll shows posts
 * already laid out.
 */
export function visibleRange(offsets: readonly number[], top: number, height: number, overscan: number): Range {
  const count = offsets.length - 1;
  if (count <= 0) return { start: 0, end: 0 };
  const from = top - overscan;
  const to = top + height + overscan;
  if (to <= 0) return { start: 0, end: Math.min(count, 1) };
  const start = indexAt(offsets, Math.max(0, from));
  let end = indexAt(offsets, to) + 1;
  if (offsets[end - 1] >= to && end - 1 > start) end--;
  return { start, end: Math.min(count, end) };
}

/** The post at the top of the viewport and how far into it the viewport starts. */
export interface Anchor {
  id: string;
  within: number;
}

/** The anchor of a viewport starting at `top`; null above the list (nothing to keep in place). */
export function anchorAt(ids: readonly string[], offsets: readonly number[], top: number): Anchor | null {
  if (ids.length === 0 || top <= 0) return null;
  const index = indexAt(offsets, top);
  return { id: ids[index], within: top - offsets[index] };
}

/** Where the viewport must start for `anchor` to stay where it was; null when its post left the list. */
export function anchoredTop(anchor: Anchor, ids: readonly string[], offsets: readonly number[]): number | null {
  const index = ids.indexOf(anchor.id);
  return index < 0 ? null : offsets[index] + anchor.within;
}

/** Whether the viewport is within `margin` pixels of the list's end: time for the next older page. */
export function nearEnd(offsets: readonly number[], top: number, height: number, margin: number): boolean {
  return top + height + margin >= offsets[offsets.length - 1];
}
