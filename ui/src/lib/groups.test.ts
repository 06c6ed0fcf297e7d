import { describe, expect, it } from "vitest";
import type { GroupView, User } from "./bindings";
import {
  canAddMembers,
  groupDescriptionProblem,
  groupNameProblem,
  memberCountLabel,
  membershipOffer,
  PRIVACY_OPTIONS,
  privacyInfo,
  privacyLabel,
} from "./groups";

function group(extra: Partial<GroupView> = {}): GroupView {
  return {
    id: "g1",
    name: "Book club",
    description: "",
    privacy: "open",
    is_default: false,
    my_role: null,
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

const me: User = {
  id: "u1",
  email: "ada@example.org",
  name: "Ada Lovelace",
  handle: "ada",
  is_admin: false,
  created_at: 0,
};

describe("privacy", () => {
  it("offers open, closed and secret, each with a one-line explanation", () => {
    expect(PRIVACY_OPTIONS.map((o) => o.value)).toEqual(["open", "closed", "secret"]);
    for (const option of PRIVACY_OPTIONS) {
      expect(option.explanation).toMatch(/^[A-Z].*\.$/);
      expect(option.explanation).not.toContain("\n");
    }
  });

  it("says who sees what", () => {
    expect(privacyInfo("open").explanation).toContain("join");
    expect(privacyInfo("closed").explanation).toContain("only members see its posts");
    expect(privacyInfo("secret").explanation).toContain("Only members can find");
  });

  it("labels and icons", () => {
    expect(privacyLabel("closed")).toBe("Closed group");
    expect(privacyInfo("open").icon).toBe("globe");
    expect(privacyInfo("closed").icon).toBe("lock");
    expect(privacyInfo("secret").icon).toBe("secret");
  });
});

describe("memberCountLabel", () => {
  it("counts in English", () => {
    expect(memberCountLabel(1)).toBe("1 member");
    expect(memberCountLabel(0)).toBe("0 members");
    expect(memberCountLabel(12)).toBe("12 members");
  });
});

describe("membershipOffer", () => {
  it("offers joining an open group, and only a note for a closed one", () => {
    expect(membershipOffer(group({ privacy: "open" }))).toBe("join");
    expect(membershipOffer(group({ privacy: "closed" }))).toBe("members_only");
  });

  it("offers nothing to members", () => {
    expect(membershipOffer(group({ my_role: "member" }))).toBe("member");
    expect(membershipOffer(group({ my_role: "admin", privacy: "secret" }))).toBe("member");
  });

  it("offers nothing for a group the server has not confirmed", () => {
    expect(membershipOffer(group({ pending: true }))).toBe("unavailable");
    expect(membershipOffer(group({ failed: "name taken" }))).toBe("unavailable");
    expect(membershipOffer(group({ pending: true, my_role: "admin" }))).toBe("member");
  });
});

describe("canAddMembers", () => {
  it("lets group admins and organisation admins add members", () => {
    expect(canAddMembers(group({ my_role: "admin" }), me)).toBe(true);
    expect(canAddMembers(group({ my_role: "member" }), me)).toBe(false);
    expect(canAddMembers(group({ my_role: null }), { ...me, is_admin: true })).toBe(true);
  });

  it("not to a group the server refused", () => {
    expect(canAddMembers(group({ my_role: "admin", failed: "name taken" }), me)).toBe(false);
  });
});

describe("groupNameProblem", () => {
  it("wants a name of at most 100 characters", () => {
    expect(groupNameProblem("  ")).toBe("Give the group a name.");
    expect(groupNameProblem("Book club")).toBeNull();
    expect(groupNameProblem("é".repeat(100))).toBeNull();
    expect(groupNameProblem("é".repeat(101))).toContain("at most 100");
  });
});

describe("groupDescriptionProblem", () => {
  it("allows none, and at most 2000 characters after trimming", () => {
    expect(groupDescriptionProblem("")).toBeNull();
    expect(groupDescriptionProblem("  Novels and tea  ")).toBeNull();
    expect(groupDescriptionProblem(` ${"é".repeat(2000)} `)).toBeNull();
    expect(groupDescriptionProblem("é".repeat(2001))).toContain("at most 2000");
  });
});
