import { describe, expect, it } from "vitest";
import type { FeedPost, GroupView } from "./bindings";
import {
  avatarHue,
  composerGroupFor,
  connectionLabel,
  deliveryState,
  initials,
  nextPageCursor,
  resolvableWrite,
  sidebarSections,
  withoutWrite,
} from "./feed";

function group(name: string, extra: Partial<GroupView> = {}): GroupView {
  return {
    id: name.toLowerCase().replace(/\s+/g, "-"),
    name,
    description: "",
    privacy: "open",
    is_default: false,
    my_role: "member",
    member_count: 3,
    pending: false,
    failed: null,
    mutation_id: null,
    requested: false,
    notification_level: "highlights",
    cover_id: null,
    ...extra,
  };
}

const everyone = group("Everyone", { is_default: true });
const engineering = group("Engineering");
const falcon = group("Project Falcon", { privacy: "secret", my_role: "admin" });
const leadership = group("Leadership", { privacy: "closed", my_role: null });
const rejected = group("Bad Group", { pending: true, failed: "name taken" });

describe("sidebarSections", () => {
  it("puts the default group first, then my groups by name, then the others", () => {
    const { mine, others } = sidebarSections([falcon, leadership, engineering, everyone]);
    expect(mine.map((g) => g.name)).toEqual(["Everyone", "Engineering", "Project Falcon"]);
    expect(others.map((g) => g.name)).toEqual(["Leadership"]);
  });
});

describe("composerGroupFor", () => {
  const groups = [engineering, everyone, leadership, rejected];

  it("posts to the viewed group when I am a member", () => {
    expect(composerGroupFor(groups, "engineering")).toBe("engineering");
  });

  it("falls back to the default group on the home feed and in groups I am not in", () => {
    expect(composerGroupFor(groups, null)).toBe("everyone");
    expect(composerGroupFor(groups, "leadership")).toBe("everyone");
  });

  it("never offers a group the server refused to create", () => {
    expect(composerGroupFor(groups, "bad-group")).toBe("everyone");
  });

  it("has nothing to offer before the first sync", () => {
    expect(composerGroupFor([], null)).toBeNull();
  });
});

describe("nextPageCursor", () => {
  const post = (id: string, created_at: number) => ({ id, created_at }) as FeedPost;

  it("continues after the last post of a full page only", () => {
    const page = [post("b", 20), post("a", 10)];
    expect(nextPageCursor(page, 2)).toEqual({ created_at: 10, id: "a" });
    expect(nextPageCursor(page, 3)).toBeNull();
  });
});

describe("avatars", () => {
  it("uses first and last initials", () => {
    expect(initials("Ada Lovelace")).toBe("AL");
    expect(initials("  grace  brewster murray hopper ")).toBe("GH");
    expect(initials("Linus")).toBe("L");
    expect(initials("")).toBe("?");
  });

  it("keeps one colour per person", () => {
    expect(avatarHue("user-1")).toBe(avatarHue("user-1"));
    expect(avatarHue("user-1")).not.toBe(avatarHue("user-2"));
    expect(avatarHue("x")).toBeGreaterThanOrEqual(0);
    expect(avatarHue("x")).toBeLessThan(360);
  });
});

describe("deliveryState", () => {
  it("reports failure over pending", () => {
    expect(deliveryState({ pending: true, failed: "forbidden" })).toBe("failed");
    expect(deliveryState({ pending: true, failed: null })).toBe("pending");
    expect(deliveryState({ pending: false, failed: null })).toBe("sent");
  });
});

describe("retry and discard", () => {
  const comment = (id: string, mutation_id: string | null) =>
    ({ id, mutation_id, pending: mutation_id !== null, failed: null }) as FeedPost["comments"][number];
  const post = (id: string, mutation_id: string | null, comments: FeedPost["comments"] = []) =>
    ({ id, mutation_id, comments }) as unknown as FeedPost;

  it("offers them only for a failed write that is still queued", () => {
    expect(resolvableWrite({ failed: "forbidden", mutation_id: "m1" })).toBe("m1");
    expect(resolvableWrite({ failed: null, mutation_id: "m1" })).toBeNull();
    expect(resolvableWrite({ failed: "forbidden", mutation_id: null })).toBeNull();
  });

  it("drops a discarded post with its comments, or a discarded comment alone", () => {
    const feed = [
      post("p1", null, [comment("c1", null), comment("c2", "m2")]),
      post("p2", "m3", [comment("c3", "m4")]),
    ];
    expect(withoutWrite(feed, "m3").map((p) => p.id)).toEqual(["p1"]);
    const left = withoutWrite(feed, "m2");
    expect(left.map((p) => p.id)).toEqual(["p1", "p2"]);
    expect(left[0].comments.map((c) => c.id)).toEqual(["c1"]);
    expect(left[1]).toBe(feed[1]);
    expect(withoutWrite(feed, "unknown")).toEqual(feed);
  });
});

describe("connectionLabel", () => {
  it("counts down to the next attempt", () => {
    const offline = { state: "offline", retry_in_ms: 4000 } as const;
    expect(connectionLabel(offline, 10_000, 6_000)).toBe("Offline · retrying in 4 s");
    expect(connectionLabel(offline, 10_000, 8_900)).toBe("Offline · retrying in 1 s");
    expect(connectionLabel(offline, 10_000, 10_200)).toBe("Offline");
    expect(connectionLabel({ state: "offline", retry_in_ms: null })).toBe("Offline");
  });

  it("names the other states", () => {
    expect(connectionLabel({ state: "syncing" })).toBe("Syncing…");
    expect(connectionLabel({ state: "online" })).toBe("Online");
    expect(connectionLabel({ state: "connecting" })).toBe("Connecting…");
  });
});
