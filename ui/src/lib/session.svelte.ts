// The window's state: the accounts in the switcher, who is shown, the
// connection, the groups and the feed being shown. Everything comes from the
// shell (the client core's cache); this only decides what to ask for and when.
import { api } from "./api";
import { accountAt, otherAccount } from "./accounts";
import type {
  Account,
  AccountSummary,
  Connection,
  FeedPost,
  GroupRole,
  GroupView,
  Privacy,
  ReactionKind,
} from "./bindings";
import { events } from "./bindings";
import { describeError, endsSession, type Problem } from "./errors";
import { nextPageCursor, withoutWrite } from "./feed";
import { NO_EXTRAS, type PostExtras } from "./poll";

export const PAGE_SIZE = 30;

/** What the main column shows besides a feed or a post. */
export type Screen =
  | { kind: "feed" }
  | { kind: "people" }
  | { kind: "person"; handleOrId: string }
  | { kind: "members"; groupId: string }
  | { kind: "settings" }
  | { kind: "admin" };

export class Session {
  /** Until the first `account()` answer: neither the login form nor the feed. */
  starting = $state(true);
  account = $state<Account | null>(null);
  /** Shown on the login form: why we are there (session ended, keychain...). */
  loginProblem = $state<Problem | null>(null);
  lastServerUrl = $state("");
  connection = $state<Connection>({ state: "signed_out" });
  /** When offline: when live mode tries again (Unix ms), for the countdown. */
  retryAt = $state<number | null>(null);
  // Raw: lists are replaced, never changed in place, and deep proxies over
  // every post's comments and reactions would double the feed's memory.
  groups = $state.raw<GroupView[]>([]);
  viewedGroupId = $state<string | null>(null);
  /** One post shown alone (opened from search), in its group `viewedGroupId`. */
  viewedPostId = $state<string | null>(null);
  /** A comment to scroll to in the post view. */
  highlightId = $state<string | null>(null);
  posts = $state.raw<FeedPost[]>([]);
  hasOlder = $state(false);
  /** An older page is being read (infinite scroll asks for one at a time). */
  loadingOlder = $state(false);
  loadingFeed = $state(false);
  feedProblem = $state<Problem | null>(null);
  screen = $state<Screen>({ kind: "feed" });
  /** Bumped whenever the cache may have changed: screens that read it themselves re-read. */
  revision = $state(0);

  /** The switcher's lines, in order (the shell decides which exist and which is shown). */
  accounts = $state<AccountSummary[]>([]);
  /** "Add account": the login form over the shown account, which stays live meanwhile. */
  addingAccount = $state(false);

  /** Answers that arrive after the view changed are dropped. */
  #feedGeneration = 0;
  /** The account whose data is on screen. */
  #shownId: string | null = null;
  /** Re-reads of the switcher, one after another (a notification's post opens after its account). */
  #accountsRead: Promise<void> = Promise.resolve();

  async start(): Promise<void> {
    await Promise.all([
      events.cacheChanged.listen(() => void this.refresh()),
      events.connectionChanged.listen((e) => this.#setConnection(e.payload.connection)),
      events.signedOut.listen((e) => this.#toLogin({ title: "Your session has ended", detail: e.payload.reason })),
      events.accountsChanged.listen(() => void this.#readAccounts()),
      events.openRequested.listen(() => void this.openRequested()),
    ]);
    try {
      const defaults = await api.loginDefaults();
      this.lastServerUrl = defaults.server_url ?? "";
      await this.#readAccounts();
      await this.openRequested();
    } catch (error) {
      this.loginProblem = describeError(error);
    } finally {
      this.starting = false;
    }
  }

  async login(serverUrl: string, email: string, password: string): Promise<void> {
    await api.login(serverUrl, email, password, this.addingAccount ? "new" : "shown");
    await this.#loggedIn();
  }

  /** Single sign-on: the system browser opens; resolves once it came back. */
  async loginSso(serverUrl: string): Promise<void> {
    await api.loginSso(serverUrl, this.addingAccount ? "new" : "shown");
    await this.#loggedIn();
  }

  async #loggedIn(): Promise<void> {
    this.loginProblem = null;
    this.addingAccount = false;
    // Shown afresh, even when the same account logged in again.
    this.#shownId = null;
    await this.#readAccounts();
    await this.openRequested();
  }

  /** Shows another account of the switcher (a click, or Ctrl+1..9 with `position`). */
  async switchAccount(id: string): Promise<void> {
    this.addingAccount = false;
    await this.#guard(() => api.switchAccount(id));
    await this.#readAccounts();
  }

  async switchToPosition(position: number): Promise<void> {
    const account = accountAt(this.accounts, position);
    if (account && !account.active) await this.switchAccount(account.id);
  }

  /** Whether the login form can go back to an account that is logged in. */
  get canCancelLogin(): boolean {
    return this.addingAccount || otherAccount(this.accounts) !== null;
  }

  /** The login form's Cancel: back to the account shown before, or to another one. */
  async cancelLogin(): Promise<void> {
    if (this.addingAccount) {
      this.addingAccount = false;
      return;
    }
    const other = otherAccount(this.accounts);
    if (other) await this.switchAccount(other.id);
  }

  /**
   * Re-reads the switcher; when another account is shown than the one on
   * screen, re-reads everything. Serialised, so reads never interleave.
   */
  #readAccounts(): Promise<void> {
    const read = this.#accountsRead.then(async () => {
      const accounts = await this.#guard(() => api.myAccounts());
      if (!accounts) return;
      this.accounts = accounts;
      const shown = accounts.find((a) => a.active)?.id ?? null;
      if (shown !== this.#shownId) {
        this.#shownId = shown;
        await this.#showAccount();
      }
    });
    // A failed read must not stop the ones after it.
    this.#accountsRead = read.catch(() => {});
    return read;
  }

  /** Everything on screen read afresh for the account the shell shows now. */
  async #showAccount(): Promise<void> {
    this.screen = { kind: "feed" };
    this.viewedGroupId = null;
    this.viewedPostId = null;
    this.highlightId = null;
    this.posts = [];
    this.groups = [];
    this.feedProblem = null;
    try {
      this.account = await api.account();
    } catch (error) {
      this.account = null;
      this.loginProblem = describeError(error);
    }
    if (this.account) {
      this.lastServerUrl = this.account.server_url;
      this.#setConnection(await api.connection());
      // Whatever the cache already has; live mode's sync follows.
      await this.refresh();
    } else {
      this.#setConnection({ state: "signed_out" });
    }
  }

  /**
   * Shows the post a `commons://post/ID` link or a notification click asked for.
   * Logged out, the request waits for the login.
   */
  async openRequested(): Promise<void> {
    // A notification of another account switched to it first.
    await this.#accountsRead;
    if (!this.account) return;
    const request = await this.#guard(() => api.takeOpenRequest());
    if (request) await this.showPost(request.post_id, request.group_id, request.post_id);
  }

  /** Logs the shown account out; another one of the switcher is shown, if any. */
  async logout(): Promise<void> {
    try {
      await api.logout();
    } finally {
      this.#toLogin(null);
      this.#shownId = null;
      await this.#readAccounts();
    }
  }

  async showGroup(groupId: string | null): Promise<void> {
    this.screen = { kind: "feed" };
    this.viewedPostId = null;
    this.highlightId = null;
    this.viewedGroupId = groupId;
    this.posts = [];
    this.hasOlder = false;
    await this.#loadFeed(PAGE_SIZE);
  }

  /** Shows one post with its comments (from search); `highlightId` is the post or a comment of it. */
  async showPost(postId: string, groupId: string | null, highlightId: string): Promise<void> {
    this.screen = { kind: "feed" };
    this.viewedGroupId = groupId;
    this.viewedPostId = postId;
    this.highlightId = highlightId;
    this.posts = [];
    this.hasOlder = false;
    await this.#loadFeed(PAGE_SIZE);
  }

  /** Re-reads groups and the visible feed (as many posts as are shown). */
  async refresh(): Promise<void> {
    if (!this.account) return;
    this.revision++;
    await Promise.all([
      this.#loadGroups(),
      this.#loadFeed(Math.max(PAGE_SIZE, this.posts.length)),
      // The shown account's unread count in the switcher.
      this.#guard(() => api.myAccounts()).then((accounts) => accounts && (this.accounts = accounts)),
    ]);
  }

  async loadOlder(): Promise<void> {
    const cursor = nextPageCursor(this.posts, 1);
    if (!cursor || this.loadingOlder) return;
    const generation = this.#feedGeneration;
    this.loadingOlder = true;
    try {
      const page = await this.#guard(() => api.feed(this.viewedGroupId, PAGE_SIZE, cursor));
      if (page && generation === this.#feedGeneration) {
        this.posts = [...this.posts, ...page];
        this.hasOlder = page.length === PAGE_SIZE;
      }
    } finally {
      this.loadingOlder = false;
    }
  }

  /** Rejects with the shell's error so the composer can show it. */
  async post(groupId: string | null, body: string, extras: PostExtras = NO_EXTRAS): Promise<void> {
    await api.createPostWith(groupId, body, extras.files, extras.pollOptions, extras.multiple, extras.announceDays);
    await this.#loadFeed(Math.max(PAGE_SIZE, this.posts.length + 1));
  }

  async comment(postId: string, body: string): Promise<void> {
    await api.createComment(postId, body);
    await this.#loadFeed(Math.max(PAGE_SIZE, this.posts.length));
  }

  async reply(commentId: string, body: string): Promise<void> {
    await api.createReply(commentId, body);
    await this.#reloadShown();
  }

  async react(id: string, kind: ReactionKind | null): Promise<void> {
    await api.react(id, kind);
    await this.#reloadShown();
  }

  async vote(postId: string, options: number[]): Promise<void> {
    await api.vote(postId, options);
    await this.#reloadShown();
  }

  async markSeen(postId: string): Promise<void> {
    await api.markSeen(postId);
    await this.#reloadShown();
  }

  async edit(id: string, body: string): Promise<void> {
    await api.editItem(id, body);
    await this.#reloadShown();
  }

  async delete(id: string): Promise<void> {
    await api.deleteItem(id);
    await this.#reloadShown();
  }

  /** Approves or declines a request to join; the lists re-read the cache. */
  async answerJoinRequest(groupId: string, userId: string, approve: boolean): Promise<void> {
    await api.answerJoinRequest(groupId, userId, approve);
    await this.refresh();
  }

  async removeMember(groupId: string, userId: string): Promise<void> {
    await api.removeMember(groupId, userId);
    await this.refresh();
  }

  async setMemberRole(groupId: string, userId: string, role: GroupRole): Promise<void> {
    await api.setMemberRole(groupId, userId, role);
    await this.refresh();
  }

  async setGroupPrivacy(groupId: string, privacy: Privacy): Promise<void> {
    await api.setGroupPrivacy(groupId, privacy);
    await this.refresh();
  }

  /** Leaves a group: its posts leave the feed, so Home is shown. */
  async leaveGroup(groupId: string): Promise<void> {
    await api.leaveGroup(groupId);
    await this.#loadGroups();
    await this.showGroup(null);
  }

  show(screen: Screen): void {
    this.screen = screen;
  }

  async #reloadShown(): Promise<void> {
    await this.#loadFeed(Math.max(PAGE_SIZE, this.posts.length));
  }

  /** Creates a group (pending until the server confirms) and shows it. Rejects with the shell's error. */
  async createGroup(name: string, description: string, privacy: Privacy): Promise<GroupView> {
    const group = await api.createGroup(name, description, privacy);
    await this.#loadGroups();
    if (!this.groups.some((g) => g.id === group.id)) this.groups = [...this.groups, group];
    await this.showGroup(group.id);
    return group;
  }

  /** Rejects with the shell's error so the group page can show it. */
  async joinGroup(groupId: string): Promise<void> {
    await api.joinGroup(groupId);
    await this.refresh();
  }

  async addMember(groupId: string, email: string): Promise<void> {
    await api.addMember(groupId, email);
    await this.#loadGroups();
  }

  /** Sends a rejected write again (pending at once). Rejects with the shell's error. */
  async retryWrite(mutationId: string): Promise<void> {
    await api.retryWrite(mutationId);
    await this.refresh();
  }

  /** Drops a rejected write: its post or comment leaves the feed. Rejects with the shell's error. */
  async discardWrite(mutationId: string): Promise<void> {
    await api.discardWrite(mutationId);
    this.posts = withoutWrite(this.posts, mutationId);
    await this.refresh();
  }

  retrySync(): void {
    void this.#guard(() => api.syncNow());
  }

  #setConnection(connection: Connection): void {
    this.connection = connection;
    this.retryAt =
      connection.state === "offline" && connection.retry_in_ms !== null ? Date.now() + connection.retry_in_ms : null;
  }

  get viewedGroup(): GroupView | null {
    return this.groups.find((g) => g.id === this.viewedGroupId) ?? null;
  }

  async #loadGroups(): Promise<void> {
    const groups = await this.#guard(() => api.groups());
    if (groups) this.groups = groups;
  }

  async #loadFeed(limit: number): Promise<void> {
    const generation = ++this.#feedGeneration;
    this.loadingFeed = true;
    const postId = this.viewedPostId;
    const posts = await this.#guard(async () =>
      postId === null ? api.feed(this.viewedGroupId, limit) : [await api.post(postId)].filter((p) => p !== null),
    );
    if (generation !== this.#feedGeneration) return;
    this.loadingFeed = false;
    if (posts) {
      this.posts = posts;
      this.hasOlder = postId === null && posts.length === limit;
      this.feedProblem = null;
    }
  }

  /** Runs a read; an ended session leads to the login form, other failures show above the feed. */
  async #guard<T>(read: () => Promise<T>): Promise<T | null> {
    try {
      return await read();
    } catch (error) {
      if (endsSession(error)) this.#toLogin(describeError(error));
      else this.feedProblem = describeError(error);
      return null;
    }
  }

  #toLogin(problem: Problem | null): void {
    if (!this.account) return;
    this.addingAccount = false;
    this.account = null;
    this.loginProblem = problem;
    this.#setConnection({ state: "signed_out" });
    this.groups = [];
    this.posts = [];
    this.viewedGroupId = null;
    this.viewedPostId = null;
  }
}
