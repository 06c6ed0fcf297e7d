// The admin area's logic: which actions the audit log filter offers, and how
// an entry's details read. Pure functions, unit-tested.
import type { AuditAction, AuditEntryView } from "./bindings";

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
