import { describe, expect, it } from "vitest";
import type { AccountSummary } from "./bindings";
import { accountAt, accountLabel, otherAccount } from "./accounts";
import { en } from "./i18n/en";
import { interpolate } from "./i18n/translate";

const t = (key: keyof typeof en, params?: Record<string, string | number>) => interpolate(en[key], params ?? {});

function account(id: string, changes: Partial<AccountSummary> = {}): AccountSummary {
  return {
    id,
    user_id: `user-${id}`,
    name: `Person ${id}`,
    email: `${id}@example.org`,
    server_host: "commons.example.org",
    signed_in: true,
    unread: 0,
    active: false,
    ...changes,
  };
}

describe("accountAt", () => {
  it("counts from 1, as the shortcuts do", () => {
    const list = [account("main"), account("account-2")];
    expect(accountAt(list, 1)?.id).toBe("main");
    expect(accountAt(list, 2)?.id).toBe("account-2");
    expect(accountAt(list, 3)).toBeNull();
    expect(accountAt(list, 0)).toBeNull();
  });
});

describe("otherAccount", () => {
  it("is a signed-in account that is not shown", () => {
    const list = [account("main", { active: true }), account("a", { signed_in: false }), account("b")];
    expect(otherAccount(list)?.id).toBe("b");
    expect(otherAccount([account("main", { active: true }), account("a", { signed_in: false })])).toBeNull();
    expect(otherAccount([account("main", { active: true })])).toBeNull();
  });
});

describe("accountLabel", () => {
  it("says who, where, and what is unread or signed out", () => {
    expect(accountLabel(account("a"), t)).toBe("Person a on commons.example.org");
    expect(accountLabel(account("a", { unread: 1 }), t)).toBe(
      "Person a on commons.example.org, 1 unread notification",
    );
    expect(accountLabel(account("a", { unread: 4 }), t)).toBe(
      "Person a on commons.example.org, 4 unread notifications",
    );
    expect(accountLabel(account("a", { signed_in: false, unread: 4 }), t)).toBe(
      "Person a on commons.example.org, signed out",
    );
    expect(accountLabel(account("a", { name: "" }), t)).toBe("a@example.org on commons.example.org");
  });
});
