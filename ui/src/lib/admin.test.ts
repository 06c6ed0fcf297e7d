import { describe, expect, it } from "vitest";
import { AUDIT_ACTIONS, detailPairs, suggestPassword, targetLabel } from "./admin";
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
