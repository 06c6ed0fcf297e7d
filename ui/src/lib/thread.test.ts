import { describe, expect, it } from "vitest";
import type { CommentView } from "./bindings";
import { canDelete, canEdit, nextReaction, REACTION_KINDS, threads, totalReactions } from "./thread";

function comment(id: string, parent: string | null = null, author = "ada"): CommentView {
  return {
    id,
    post_id: "p1",
    author_id: author,
    author_name: author,
    body: id,
    body_html: `<p>${id}</p>`,
    created_at: 0,
    pending: false,
    failed: null,
    mutation_id: null,
    parent_id: parent,
    edited: false,
    deleted: false,
    reactions: [],
    my_reaction: null,
    attachments: [],
  };
}

describe("threads", () => {
  it("puts replies under their comment, in order", () => {
    const list = [comment("c1"), comment("r1", "c1"), comment("c2"), comment("r2", "c1"), comment("r3", "c2")];
    const result = threads(list);
    expect(result.map((t) => t.comment.id)).toEqual(["c1", "c2"]);
    expect(result[0].replies.map((r) => r.id)).toEqual(["r1", "r2"]);
    expect(result[1].replies.map((r) => r.id)).toEqual(["r3"]);
  });

  it("shows a reply whose comment is missing at the top level", () => {
    expect(threads([comment("r1", "gone")]).map((t) => t.comment.id)).toEqual(["r1"]);
  });
});

describe("who may edit and delete", () => {
  it("lets only the author edit", () => {
    expect(canEdit(comment("c", null, "ada"), "ada")).toBe(true);
    expect(canEdit(comment("c", null, "bob"), "ada")).toBe(false);
    expect(canEdit({ ...comment("c"), deleted: true }, "ada")).toBe(false);
  });

  it("lets the author, moderators and admins delete", () => {
    const theirs = comment("c", null, "bob");
    expect(canDelete(theirs, "ada", null)).toBe(false);
    expect(canDelete(theirs, "ada", "member")).toBe(false);
    expect(canDelete(theirs, "ada", "moderator")).toBe(true);
    expect(canDelete(theirs, "ada", "admin")).toBe(true);
    expect(canDelete(comment("c", null, "ada"), "ada", "member")).toBe(true);
    expect(canDelete({ ...theirs, deleted: true }, "ada", "admin")).toBe(false);
  });
});

describe("reactions", () => {
  it("offers Workplace's seven", () => {
    expect(REACTION_KINDS).toEqual(["like", "love", "care", "haha", "wow", "sad", "angry"]);
  });

  it("takes a reaction back when the same one is chosen again", () => {
    expect(nextReaction(null, "love")).toBe("love");
    expect(nextReaction("like", "love")).toBe("love");
    expect(nextReaction("love", "love")).toBeNull();
  });

  it("counts everyone who reacted", () => {
    expect(totalReactions([{ count: 2 }, { count: 3 }])).toBe(5);
    expect(totalReactions([])).toBe(0);
  });
});
