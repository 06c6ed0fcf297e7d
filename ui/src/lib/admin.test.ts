import { describe, expect, it } from "vitest";
import {
  AUDIT_ACTIONS,
  ERASURE_COUNTS,
  MAX_RETENTION_DAYS,
  detailPairs,
  erasedCounts,
  erasureConfirmed,
  isErased,
  parseRetentionDays,
  retentionRows,
  suggestPassword,
  targetLabel,
} from "./admin";
import type { ErasureSummary } from "./bindings";
import { en } from "./i18n/en";

describe("the audit log filter", () => {
  it("offers every action once, each with a label", () => {
    expect(new Set(AUDIT_ACTIONS).size).toBe(AUDIT_ACTIONS.length);
    for (const action of AUDIT_ACTIONS) {
      expect(Object.keys(en)).toContain(`audit.action.${action}`);
    }
  });
});

describe("detailPairs", () => {
  it("lists what the entry does not already say, values as text", () => {
    const entry = {
      details: JSON.stringify({ reason: "wrong_password", email: "ada@example.org", group_id: "g", from: null, count: 3, to: { a: 1 } }),
    };
    expect(detailPairs(entry)).toEqual([
      ["reason", "wrong_password"],
      ["email", "ada@example.org"],
      ["count", "3"],
      ["to", '{"a":1}'],
    ]);
  });

  it("shows text that is not a JSON object as it is, and nothing for an empty object", () => {
    expect(detailPairs({ details: "not json" })).toEqual([["details", "not json"]]);
    expect(detailPairs({ details: "{}" })).toEqual([]);
    expect(detailPairs({ details: "[1]" })).toEqual([]);
  });
});

describe("targetLabel", () => {
  it("prefers the name, then the id", () => {
    expect(targetLabel({ target_name: "Grace", target_id: "u1" })).toBe("Grace");
    expect(targetLabel({ target_name: null, target_id: "u1" })).toBe("u1");
    expect(targetLabel({ target_name: null, target_id: null })).toBe("");
  });
});

describe("suggestPassword", () => {
  it("is 16 unambiguous characters in groups of four", () => {
    const password = suggestPassword();
    expect(password).toMatch(/^[a-zA-Z2-9]{4}(-[a-zA-Z2-9]{4}){3}$/);
    expect(password).not.toMatch(/[01lIoO]/);
    expect(suggestPassword(() => 0)).toBe("aaaa-aaaa-aaaa-aaaa");
  });
});

describe("parseRetentionDays", () => {
  it("takes whole days from 1 to 36500, and nothing else", () => {
    expect(parseRetentionDays("30")).toBe(30);
    expect(parseRetentionDays(" 1 ")).toBe(1);
    expect(parseRetentionDays("36500")).toBe(MAX_RETENTION_DAYS);
    for (const bad of ["", "0", "36501", "-3", "2.5", "1e3", "ten", "30 days"]) {
      expect(parseRetentionDays(bad)).toBeNull();
    }
  });
});

describe("retentionRows", () => {
  const policy = (group_id: string | null, max_age_days: number, group_name = "") => ({
    group_id,
    group_name,
    max_age_days,
    updated_at: 0,
  });

  it("gives each group its own policy, or the organisation's, by name", () => {
    const groups = [
      { id: "g2", name: "Engineering" },
      { id: "g1", name: "Announcements" },
    ];
    const { organisation, groups: rows } = retentionRows(groups, [policy(null, 365), policy("g2", 30, "Engineering")]);
    expect(organisation).toBe(365);
    expect(rows).toEqual([
      { id: "g1", name: "Announcements", own: null, effective: 365 },
      { id: "g2", name: "Engineering", own: 30, effective: 30 },
    ]);
  });

  it("keeps everything without a policy, and lists a policy's group missing from the sidebar", () => {
    const { organisation, groups: rows } = retentionRows([{ id: "g1", name: "Random" }], [policy("g9", 7, "Secret plans")]);
    expect(organisation).toBeNull();
    expect(rows).toEqual([
      { id: "g1", name: "Random", own: null, effective: null },
      { id: "g9", name: "Secret plans", own: 7, effective: 7 },
    ]);
  });
});

describe("erasureConfirmed", () => {
  it("needs the person's exact name, spaces aside", () => {
    expect(erasureConfirmed("Grace Hopper", "Grace Hopper")).toBe(true);
    expect(erasureConfirmed("  Grace   Hopper ", "Grace Hopper")).toBe(true);
    expect(erasureConfirmed("grace hopper", "Grace Hopper")).toBe(false);
    expect(erasureConfirmed("Grace", "Grace Hopper")).toBe(false);
    expect(erasureConfirmed("", "")).toBe(false);
  });
});

describe("the erasure report", () => {
  it("lists the counts that are not zero, in order", () => {
    const user = { id: "u", name: "Former member" } as ErasureSummary["user"];
    const zero = { user, posts: 0, comments: 0, reactions: 0, votes: 0, memberships: 0, notifications: 0, attachments: 0, sessions: 0 };
    expect(erasedCounts({ ...zero, sessions: 2, posts: 3 })).toEqual([
      ["posts", 3],
      ["sessions", 2],
    ]);
    expect(erasedCounts(zero)).toEqual([]);
  });

  it("labels every count it lists", () => {
    for (const count of ERASURE_COUNTS) {
      expect(Object.keys(en)).toContain(`erase.count.${count}_one`);
      expect(Object.keys(en)).toContain(`erase.count.${count}_other`);
    }
  });
});

describe("isErased", () => {
  it("recognises the address the server gives an erased person", () => {
    expect(isErased({ email: "erased-0190@erased.invalid" })).toBe(true);
    expect(isErased({ email: "grace@example.org" })).toBe(false);
  });
});
