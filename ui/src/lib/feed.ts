// View logic of the home screen that does not need the DOM: sidebar sections,
// where the composer posts to, avatars, the status indicator's words.
import type { Connection, FeedCursor, FeedPost, GroupView } from "./bindings";
import { t } from "./i18n.svelte";
import { retryIn } from "./time";

export interface SidebarSections {
  /** Groups I belong to; the default group ("Everyone") first, then by name. */
  mine: GroupView[];
  /** Groups I can see but am not in. */
  others: GroupView[];
}

const byName = (a: GroupView, b: GroupView) =>
  a.name.localeCompare(b.name, undefined, { sensitivity: "base" });

export function sidebarSections(groups: GroupView[]): SidebarSections {
  const mine = groups.filter((g) => g.my_role !== null);
  const others = groups.filter((g) => g.my_role === null);
  mine.sort((a, b) => Number(b.is_default) - Number(a.is_default) || byName(a, b));
  others.sort(byName);
  return { mine, others };
}

/** Groups the composer may post to, in sidebar order. */
export function postableGroups(groups: GroupView[]): GroupView[] {
  return sidebarSections(groups).mine.filter((g) => g.failed === null);
}

/** The composer's group: the group being viewed when I may post there, else the default group. */
export function composerGroupFor(groups: GroupView[], viewedGroupId: string | null): string | null {
  const postable = postableGroups(groups);
  const viewed = postable.find((g) => g.id === viewedGroupId);
  if (viewed) return viewed.id;
  return (postable.find((g) => g.is_default) ?? postable[0])?.id ?? null;
}

/** Where the next page of a feed starts, or null when the last page was not full. */
export function nextPageCursor(page: FeedPost[], pageSize: number): FeedCursor | null {
  if (page.length < pageSize) return null;
  const last = page[page.length - 1];
  return { created_at: last.created_at, id: last.id };
}

/** "Ada Lovelace" -> "AL"; one letter for one name; "?" for none. */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return "?";
  const first = Array.from(words[0])[0];
  const last = words.length > 1 ? Array.from(words[words.length - 1])[0] : "";
  return (first + last).toUpperCase();
}

/** A stable hue per person, so an avatar keeps its colour everywhere. */
export function avatarHue(id: string): number {
  let hash = 0;
  for (let i = 0; i < id.length; i++) hash = (hash * 31 + id.charCodeAt(i)) >>> 0;
  return hash % 360;
}

export type DeliveryState = "sent" | "pending" | "failed";

export function deliveryState(item: { pending: boolean; failed: string | null }): DeliveryState {
  if (item.failed !== null) return "failed";
  return item.pending ? "pending" : "sent";
}

/** A write the server rejected that the user can retry or discard: the outbox write's id, else null. */
export function resolvableWrite(item: { failed: string | null; mutation_id: string | null }): string | null {
  return item.failed !== null ? item.mutation_id : null;
}

/**
 * The feed once the write `mutationId` is discarded: its post goes, or its
 * comment, and with a post its comments (they depended on it).
 */
export function withoutWrite(posts: FeedPost[], mutationId: string): FeedPost[] {
  return posts
    .filter((p) => p.mutation_id !== mutationId)
    .map((p) =>
      p.comments.some((c) => c.mutation_id === mutationId)
        ? { ...p, comments: p.comments.filter((c) => c.mutation_id !== mutationId) }
        : p,
    );
}

/**
 * The status indicator's words. `retryAt` (Unix ms) is when the next attempt
 * was scheduled, so the countdown stays true as `now` advances.
 */
export function connectionLabel(connection: Connection, retryAt: number | null = null, now = Date.now()): string {
  switch (connection.state) {
    case "online":
      return t("status.online");
    case "syncing":
      return t("status.syncing");
    case "connecting":
      return t("status.connecting");
    case "signed_out":
      return t("status.signedOut");
    case "offline":
      if (retryAt === null || retryAt - now < 500) return t("status.offline");
      return t("status.offlineRetrying", { when: retryIn(retryAt - now) });
  }
}
