// Polls and announcements: what a click sends, what the composer may send.
import type { GroupRole, PollView } from "./bindings";

/** The bounds the server enforces (crates/protocol). */
export const MIN_POLL_OPTIONS = 2;
export const MAX_POLL_OPTIONS = 20;
export const MAX_POLL_OPTION_CHARS = 100;
export const MAX_ANNOUNCE_DAYS = 7;

/** My choices (option indexes) in a poll. */
export function myChoices(poll: PollView): number[] {
  return poll.options.flatMap((option, index) => (option.mine ? [index] : []));
}

/**
 * The vote a click on option `index` sends: in a single-choice poll that
 * option alone (or nothing, withdrawing, when it was already mine); in a
 * multiple-choice poll my choices with that option toggled.
 */
export function voteAfterClick(poll: PollView, index: number): number[] {
  const mine = myChoices(poll);
  if (!poll.multiple) return mine.includes(index) ? [] : [index];
  return mine.includes(index) ? mine.filter((i) => i !== index) : [...mine, index].sort((a, b) => a - b);
}

/** An option's share of the voters, in whole percent (0 with no voters). */
export function share(count: number, voters: number): number {
  return voters > 0 ? Math.round((count * 100) / voters) : 0;
}

/** The options a composer sends: trimmed, blanks left out. */
export function pollOptionsToSend(drafts: string[]): string[] {
  return drafts.map((d) => d.trim()).filter((d) => d !== "");
}

/** Why these poll options cannot be sent, or null when they can. */
export function pollProblem(drafts: string[]): "tooFew" | "duplicate" | null {
  const options = pollOptionsToSend(drafts);
  if (options.length < MIN_POLL_OPTIONS) return "tooFew";
  if (new Set(options).size !== options.length) return "duplicate";
  return null;
}

/** Group admins and moderators announce posts. */
export function canAnnounce(role: GroupRole | null): boolean {
  return role === "admin" || role === "moderator";
}

/** An announcement still shows as one until its end. */
export function isAnnounced(announcedUntil: number | null, now: number): boolean {
  return announcedUntil !== null && announcedUntil > now;
}

/** What a new post carries besides its text. */
/** What a post carries besides its text; `files` are tokens of files the shell staged. */
export type PostExtras = { files: string[]; pollOptions: string[]; multiple: boolean; announceDays: number | null };

export const NO_EXTRAS: PostExtras = { files: [], pollOptions: [], multiple: false, announceDays: null };
