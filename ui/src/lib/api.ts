// Thin, throwing wrappers over the generated bindings: a failed command
// rejects with a `CommandError` carrying the shell's typed `AppError`.
import {
  commands,
  type AppError,
  type AuditAction,
  type FeedCursor,
  type GroupRole,
  type LoginTarget,
  type NotificationLevel,
  type Privacy,
  type ProfileEdit,
  type ReactionKind,
  type TrayLabels,
} from "./bindings";

export class CommandError extends Error {
  readonly appError: AppError;
  constructor(appError: AppError) {
    super(appError.message);
    this.name = "CommandError";
    this.appError = appError;
  }
}

type Outcome<T> = { status: "ok"; data: T } | { status: "error"; error: AppError };

async function unwrap<T>(call: Promise<Outcome<T>>): Promise<T> {
  const outcome = await call;
  if (outcome.status === "error") throw new CommandError(outcome.error);
  return outcome.data;
}

export const api = {
  loginDefaults: () => commands.loginDefaults(),
  /** The post a `commons://` link or a notification click asked to show, once. */
  takeOpenRequest: () => unwrap(commands.takeOpenRequest()),
  setTrayLabels: (labels: TrayLabels) => unwrap(commands.setTrayLabels(labels)),
  quit: () => commands.quit(),
  account: () => unwrap(commands.account()),
  login: (serverUrl: string, email: string, password: string, target: LoginTarget) =>
    unwrap(commands.login(serverUrl, email, password, target)),
  ssoInfo: (serverUrl: string) => unwrap(commands.ssoInfo(serverUrl)),
  loginSso: (serverUrl: string, target: LoginTarget) => unwrap(commands.loginSso(serverUrl, target)),
  logout: () => unwrap(commands.logout()),
  /** The accounts of the switcher, in order, the shown one marked. */
  myAccounts: () => unwrap(commands.myAccounts()),
  switchAccount: (id: string) => unwrap(commands.switchAccount(id)),
  connection: () => commands.connection(),
  feed: (groupId: string | null, limit: number, before: FeedCursor | null = null) =>
    unwrap(commands.feed(groupId, limit, before)),
  post: (postId: string) => unwrap(commands.post(postId)),
  search: (query: string, limit: number) => unwrap(commands.search(query, limit)),
  groups: () => unwrap(commands.groups()),
  /** A post with staged files, a poll (no options: none) and/or announced for some days (null: not). */
  createPostWith: (
    groupId: string | null,
    body: string,
    files: string[],
    pollOptions: string[],
    multiple: boolean,
    announceDays: number | null,
  ) => unwrap(commands.createPostWith(groupId, body, files, pollOptions, multiple, announceDays)),
  /** Keeps a picked, dropped or pasted file for the next post (bytes in base64). */
  stageFile: (name: string, dataBase64: string) => unwrap(commands.stageFile(name, dataBase64)),
  cacheUsage: () => unwrap(commands.cacheUsage()),
  /** Keeps at most this many MiB of downloaded files; resolves with the new usage. */
  setFilesLimit: (mebibytes: number) => unwrap(commands.setFilesLimit(mebibytes)),
  /** Saves a copy of an attachment in the download folder; resolves with its path. */
  saveAttachment: (attachmentId: string) => unwrap(commands.saveAttachment(attachmentId)),
  /** Option indexes; empty withdraws my vote. */
  vote: (postId: string, options: number[]) => unwrap(commands.vote(postId, options)),
  announce: (postId: string, days: number | null) => unwrap(commands.announce(postId, days)),
  markSeen: (postId: string) => unwrap(commands.markSeen(postId)),
  seenBy: (postId: string) => unwrap(commands.seenBy(postId)),
  createComment: (postId: string, body: string) => unwrap(commands.createComment(postId, body)),
  createGroup: (name: string, description: string, privacy: Privacy) =>
    unwrap(commands.createGroup(name, description, privacy)),
  joinGroup: (groupId: string) => unwrap(commands.joinGroup(groupId)),
  addMember: (groupId: string, email: string) => unwrap(commands.addMember(groupId, email)),
  retryWrite: (mutationId: string) => unwrap(commands.retryWrite(mutationId)),
  discardWrite: (mutationId: string) => unwrap(commands.discardWrite(mutationId)),
  syncNow: () => unwrap(commands.syncNow()),
  createReply: (commentId: string, body: string) => unwrap(commands.createReply(commentId, body)),
  editItem: (id: string, body: string) => unwrap(commands.editItem(id, body)),
  deleteItem: (id: string) => unwrap(commands.deleteItem(id)),
  react: (id: string, kind: ReactionKind | null) => unwrap(commands.react(id, kind)),
  reactors: (targetId: string) => unwrap(commands.reactors(targetId)),
  /** Asks the server: rejects with an `offline` error when it cannot be reached. */
  postHistory: (postId: string) => unwrap(commands.postHistory(postId)),
  notifications: (unreadOnly: boolean, limit: number, before: FeedCursor | null = null) =>
    unwrap(commands.notifications(unreadOnly, limit, before)),
  markNotificationRead: (id: string) => unwrap(commands.markNotificationRead(id)),
  markAllNotificationsRead: () => unwrap(commands.markAllNotificationsRead()),
  people: (query: string | null, limit: number) => unwrap(commands.people(query, limit)),
  profile: (handleOrId: string) => unwrap(commands.profile(handleOrId)),
  updateProfile: (edit: ProfileEdit) => unwrap(commands.updateProfile(edit)),
  members: (groupId: string) => unwrap(commands.members(groupId)),
  joinRequests: () => unwrap(commands.joinRequests()),
  answerJoinRequest: (groupId: string, userId: string, approve: boolean) =>
    unwrap(commands.answerJoinRequest(groupId, userId, approve)),
  removeMember: (groupId: string, userId: string) => unwrap(commands.removeMember(groupId, userId)),
  setMemberRole: (groupId: string, userId: string, role: GroupRole) =>
    unwrap(commands.setMemberRole(groupId, userId, role)),
  setGroupPrivacy: (groupId: string, privacy: Privacy) => unwrap(commands.setGroupPrivacy(groupId, privacy)),
  leaveGroup: (groupId: string) => unwrap(commands.leaveGroup(groupId)),
  setNotificationLevel: (groupId: string, level: NotificationLevel) =>
    unwrap(commands.setNotificationLevel(groupId, level)),
  /** Markdown as posts show it (safe HTML from the client core), for the composer's preview. */
  renderMarkdown: (text: string) => commands.renderMarkdown(text),
  /** Organisation admins: asks the server (rejects `offline` when it cannot be reached). */
  auditLog: (action: AuditAction | null, before: number | null, limit: number) =>
    unwrap(commands.auditLog(action, before, limit)),
  /** Every account, deactivated ones too, from the cache. */
  accounts: (query: string | null, limit: number) => unwrap(commands.accounts(query, limit)),
  invitePerson: (email: string, name: string, password: string, isAdmin: boolean) =>
    unwrap(commands.invitePerson(email, name, password, isAdmin)),
  setAccountActive: (userId: string, active: boolean) => unwrap(commands.setAccountActive(userId, active)),
  setOrgAdmin: (userId: string, isAdmin: boolean) => unwrap(commands.setOrgAdmin(userId, isAdmin)),
  /** The organisation's retention policy first, then each group's (asks the server). */
  retentionPolicies: () => unwrap(commands.retentionPolicies()),
  /** `groupId` null: the organisation's policy. Days 1 to 36500. Answers every policy after. */
  setRetention: (groupId: string | null, maxAgeDays: number) => unwrap(commands.setRetention(groupId, maxAgeDays)),
  clearRetention: (groupId: string | null) => unwrap(commands.clearRetention(groupId)),
  /** Erases a person for good (right to erasure); answers what was removed. */
  erasePerson: (userId: string) => unwrap(commands.erasePerson(userId)),
  /** Organisation admins: saves the organisation's export into the download folder (a dated name, never over a file). */
  exportOrganisation: () => unwrap(commands.exportOrganisation()),
  /** Saves the signed-in person's own data into the download folder. */
  exportMine: () => unwrap(commands.exportMine()),
  /** Opens a link of a post in the system browser (http, https and mailto only). */
  openLink: (url: string) => unwrap(commands.openLink(url)),
};
