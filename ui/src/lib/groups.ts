// View logic of groups that does not need the DOM: privacy words and icons,
// what the group page offers me (join, members only, add member).
import type { GroupView, Privacy, User } from "./bindings";
import { plural, t } from "./i18n.svelte";

export interface PrivacyInfo {
  value: Privacy;
  label: string;
  icon: "globe" | "lock" | "secret";
  /** One line: who can find the group and who can see its posts. */
  explanation: string;
}

/** In the order the create-group dialog offers them. */
export const PRIVACY_OPTIONS: readonly PrivacyInfo[] = [
  {
    value: "open",
    get label() {
      return t("privacy.open");
    },
    icon: "globe",
    get explanation() {
      return t("privacy.open.explanation");
    },
  },
  {
    value: "closed",
    get label() {
      return t("privacy.closed");
    },
    icon: "lock",
    get explanation() {
      return t("privacy.closed.explanation");
    },
  },
  {
    value: "secret",
    get label() {
      return t("privacy.secret");
    },
    icon: "secret",
    get explanation() {
      return t("privacy.secret.explanation");
    },
  },
];

export function privacyInfo(privacy: Privacy): PrivacyInfo {
  return PRIVACY_OPTIONS.find((option) => option.value === privacy) ?? PRIVACY_OPTIONS[0];
}

/** "Open group", "Closed group", "Secret group". */
export function privacyLabel(privacy: Privacy): string {
  return t(`privacy.${privacy}.group`);
}

export function memberCountLabel(count: number): string {
  return plural("group.members", count);
}

/** What a group page offers someone who is not a member. */
export type MembershipOffer =
  /** I am a member: nothing to offer. */
  | "member"
  /** An open group: "Join group". */
  | "join"
  /** Closed: ask to join; an admin approves. */
  | "request"
  /** Closed, and I asked: waiting for an admin. */
  | "requested"
  /** Secret: only an admin can add me. */
  | "members_only"
  /** Not created on the server (yet, or ever): no membership changes. */
  | "unavailable";

export function membershipOffer(group: GroupView): MembershipOffer {
  if (group.pending || group.failed !== null) return group.my_role !== null ? "member" : "unavailable";
  if (group.my_role !== null) return "member";
  // A secret group I can see is one I am in; treat a stray one like a closed group.
  if (group.privacy === "open") return "join";
  if (group.privacy === "closed") return group.requested ? "requested" : "request";
  return "members_only";
}

/** Group admins (and organisation admins) may add members, once the group exists on the server. */
export function canAddMembers(group: GroupView, me: User): boolean {
  if (group.failed !== null) return false;
  return group.my_role === "admin" || me.is_admin;
}

export const MAX_GROUP_NAME_CHARS = 100;

/** Why the create-group form cannot be sent yet, or null when it can. */
export function groupNameProblem(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed.length === 0) return t("createGroup.nameMissing");
  if (Array.from(trimmed).length > MAX_GROUP_NAME_CHARS)
    return t("createGroup.nameTooLong", { max: MAX_GROUP_NAME_CHARS });
  return null;
}

/** Same limit as the client core and the server (characters, after trimming). */
export const MAX_GROUP_DESCRIPTION_CHARS = 2000;

/** Why the optional description cannot be sent, or null when it can (empty is fine). */
export function groupDescriptionProblem(description: string): string | null {
  if (Array.from(description.trim()).length > MAX_GROUP_DESCRIPTION_CHARS)
    return t("createGroup.descriptionTooLong", { max: MAX_GROUP_DESCRIPTION_CHARS });
  return null;
}
