// The account switcher's pure parts: which account a shortcut names and how
// an account reads to a screen reader (unit-tested; the shell owns the list).
import type { AccountSummary } from "./bindings";
import type { MessageKey } from "./i18n/en";

type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

/** The account at `position` (1-based, as Ctrl+1..9), or null when there is none. */
export function accountAt(accounts: AccountSummary[], position: number): AccountSummary | null {
  return accounts[position - 1] ?? null;
}

/** Another account to show instead of the shown one (signed-in first), or null. */
export function otherAccount(accounts: AccountSummary[]): AccountSummary | null {
  const others = accounts.filter((a) => !a.active);
  return others.find((a) => a.signed_in) ?? null;
}

/** "Ada Lovelace on commons.example.org, 3 unread notifications". */
export function accountLabel(account: AccountSummary, t: Translate): string {
  const who = t("accounts.on", { name: account.name || account.email, host: account.server_host });
  if (!account.signed_in) return `${who}, ${t("accounts.signedOut")}`;
  if (account.unread === 0) return who;
  const unread = t(account.unread === 1 ? "accounts.unread_one" : "accounts.unread_other", { count: account.unread });
  return `${who}, ${unread}`;
}
