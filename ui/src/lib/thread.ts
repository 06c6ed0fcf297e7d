// Pure helpers for the post detail: comment threads and who may do what.
import type { CommentView, GroupRole, ReactionKind } from "./bindings";

/** Workplace's seven reactions, in its order. */
export const REACTION_KINDS: ReactionKind[] = ["like", "love", "care", "haha", "wow", "sad", "angry"];

export const REACTION_EMOJI: Record<ReactionKind, string> = {
  like: "👍",
  love: "❤️",
  care: "🤗",
  haha: "😆",
  wow: "😮",
  sad: "😢",
  angry: "😠",
};

export type Thread = { comment: CommentView; replies: CommentView[] };

/**
 * Top-level comments, oldest first, each with its replies (one level).
 * A reply whose comment is not in the list is shown as a top-level comment.
 */
export function threads(comments: CommentView[]): Thread[] {
  const tops = comments.filter((c) => c.parent_id === null || !comments.some((p) => p.id === c.parent_id));
  return tops.map((comment) => ({
    comment,
    replies: comments.filter((c) => c.parent_id === comment.id && c !== comment),
  }));
}

/** Only the author edits a text. Tombstones have nothing to edit. */
export function canEdit(item: { author_id: string; deleted: boolean }, meId: string): boolean {
  return !item.deleted && item.author_id === meId;
}

/** The author, or a group admin or moderator, deletes. */
export function canDelete(item: { author_id: string; deleted: boolean }, meId: string, role: GroupRole | null): boolean {
  if (item.deleted) return false;
  return item.author_id === meId || role === "admin" || role === "moderator";
}

/** What clicking a reaction does: the same kind again takes it back. */
export function nextReaction(mine: ReactionKind | null, clicked: ReactionKind): ReactionKind | null {
  return mine === clicked ? null : clicked;
}

export function totalReactions(reactions: { count: number }[]): number {
  return reactions.reduce((sum, r) => sum + r.count, 0);
}

/** What a post card can ask for; each rejects with the shell's error. */
export type PostActions = {
  comment: (postId: string, body: string) => Promise<void>;
  reply: (commentId: string, body: string) => Promise<void>;
  react: (id: string, kind: ReactionKind | null) => Promise<void>;
  vote: (postId: string, options: number[]) => Promise<void>;
  markSeen: (postId: string) => Promise<void>;
  edit: (id: string, body: string) => Promise<void>;
  delete: (id: string) => Promise<void>;
  retry: (mutationId: string) => Promise<void>;
  discard: (mutationId: string) => Promise<void>;
  openGroup: (groupId: string) => void;
  openPost: (postId: string) => void;
};
