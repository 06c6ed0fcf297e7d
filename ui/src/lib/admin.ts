// The admin area's logic: which actions the audit log filter offers, how
// an entry's details read, retention days and rows, the erasure confirmation.
// Pure functions, unit-tested.
import type { AuditAction, AuditEntryView, ErasureSummary, GroupView, PersonAccount, RetentionPolicyView } from "./bindings";

/** Every audit action, in the order the filter lists them. */
export const AUDIT_ACTIONS: AuditAction[] = [
  "login",
  "login_failed",
  "logout",
  "sessions_revoked",
  "user_created",
  "user_deactivated",
  "user_reactivated",
  "user_role_changed",
  "password_set",
  "user_erased",
  "group_privacy_changed",
  "group_role_changed",
  "member_removed",
  "post_removed",
  "comment_removed",
  "export",
  "import",
  "retention_run",
  "retention_policy_changed",
  "settings_changed",
];

/** Detail keys that only repeat what the entry already names. */
const REDUNDANT = new Set(["group_id", "author_id", "post_id"]);

/** An entry's details as `key: value` pairs for display (values as text). */
export function detailPairs(entry: Pick<AuditEntryView, "details">): [string, string][] {
  let details: unknown;
  try {
    details = JSON.parse(entry.details);
  } catch {
    return entry.details.trim() ? [["details", entry.details]] : [];
  }
  if (details === null || typeof details !== "object" || Array.isArray(details)) return [];
  return Object.entries(details as Record<string, unknown>)
    .filter(([key, value]) => !REDUNDANT.has(key) && value !== null && value !== "")
    .map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]);
}

/** What the entry acted on, as people read it: a name when known, else the id. */
export function targetLabel(entry: Pick<AuditEntryView, "target_name" | "target_id">): string {
  return entry.target_name ?? entry.target_id ?? "";
}

/** A first password an admin can hand over: long enough, unambiguous letters and digits. */
export function suggestPassword(random: (n: number) => number = (n) => Math.floor(Math.random() * n)): string {
  const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
  let out = "";
  for (let i = 0; i < 16; i++) {
    if (i > 0 && i % 4 === 0) out += "-";
    out += alphabet[random(alphabet.length)];
  }
  return out;
}

/** The longest retention a policy may name (the server's `MAX_RETENTION_DAYS`). */
export const MAX_RETENTION_DAYS = 36500;

/** Days typed in a retention field: a whole number from 1 to 36500, else null (nothing sent). */
export function parseRetentionDays(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return null;
  const days = Number(trimmed);
  return days >= 1 && days <= MAX_RETENTION_DAYS ? days : null;
}

/** One group's line on the retention tab: its own policy, and what applies to it. */
export type GroupRetention = {
  id: string;
  name: string;
  /** The group's own policy, if it has one. */
  own: number | null;
  /** What deletes its posts: its own policy, else the organisation's, else nothing (null). */
  effective: number | null;
};

/**
 * The organisation's policy and each group's, for the groups of the sidebar
 * (by name) and any other group a policy names (the server's name for it).
 */
export function retentionRows(
  groups: Pick<GroupView, "id" | "name">[],
  policies: RetentionPolicyView[],
): { organisation: number | null; groups: GroupRetention[] } {
  const organisation = policies.find((p) => p.group_id === null)?.max_age_days ?? null;
  const own = new Map(policies.filter((p) => p.group_id !== null).map((p) => [p.group_id as string, p]));
  const named = new Map(groups.map((g) => [g.id, g.name]));
  for (const [id, policy] of own) if (!named.has(id)) named.set(id, policy.group_name || id);
  const rows = [...named].map(([id, name]) => {
    const days = own.get(id)?.max_age_days ?? null;
    return { id, name, own: days, effective: days ?? organisation };
  });
  rows.sort((a, b) => a.name.localeCompare(b.name));
  return { organisation, groups: rows };
}

/** Whether what the admin typed is the person's name (surrounding and repeated spaces aside). */
export function erasureConfirmed(typed: string, name: string): boolean {
  const normal = (text: string) => text.normalize("NFC").trim().replace(/\s+/g, " ");
  return normal(name) !== "" && normal(typed) === normal(name);
}

/** What an erasure removed, in the order the report lists it. */
export const ERASURE_COUNTS = [
  "posts",
  "comments",
  "reactions",
  "votes",
  "memberships",
  "notifications",
  "attachments",
  "sessions",
] as const satisfies readonly (keyof ErasureSummary)[];

/** An account erased already (its e-mail is the server's `erased-<id>@erased.invalid`). */
export function isErased(account: Pick<PersonAccount, "email">): boolean {
  return account.email.endsWith("@erased.invalid");
}

/** The counts of an erasure report that are not zero, in report order. */
export function erasedCounts(report: ErasureSummary): [(typeof ERASURE_COUNTS)[number], number][] {
  return ERASURE_COUNTS.map((key) => [key, Number(report[key])] as [(typeof ERASURE_COUNTS)[number], number]).filter(
    ([, n]) => n > 0,
  );
}
