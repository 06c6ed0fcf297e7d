//! `Client`: the public face of the client core. It ties the cache, the
//! outbox, the sync engine and the keychain to one profile directory.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use commons_protocol::{
    markdown, GroupRole, LoginRequest, LoginResponse, NotificationLevel, PostVersion, Privacy,
    ReactionKind, SsoInfo, SsoTokenRequest, User,
};
use tokio::sync::Mutex;

mod admin;
mod exports;
mod files;
mod paging;
mod retention;

use crate::api::Api;
use crate::cache::{self, Cache, CACHE_FILE};
use crate::keychain::{self, TokenKey};
use crate::outbox::{self, Session};
use crate::poll_writes;
use crate::{
    attachments, outbox_actions, pages, sso, sync, uploads, writes, Account, AttachmentView,
    ClientError, CommentView, FeedCursor, FeedPost, GroupView, JoinRequestView, MemberView,
    NotificationList, OlderPosts, OutboxItem, PersonSummary, PostExtras, PostVersionView, Profile,
    ProfileEdit, PushReport, Reactor, SearchHit, SeenView, SyncReport,
};

/// Largest feed page.
pub const MAX_FEED_PAGE: i64 = 200;

/// Largest page of the notification list and the people directory.
pub const MAX_LIST_PAGE: i64 = 500;

/// Most results one search returns.
pub const MAX_SEARCH_RESULTS: i64 = 100;

/// One profile's client. Cheap to clone; all clones share the cache and session.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    profile_dir: PathBuf,
    profile_id: String,
    cache: Cache,
    api: Api,
    /// The token, once read from the keychain (D-Bus round trips are slow).
    token: Mutex<Option<(TokenKey, String)>>,
    /// One push or pull at a time within this process.
    sync_lock: Mutex<()>,
    /// Signalled after each local write, so live mode sends it at once.
    local_write: tokio::sync::Notify,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("profile_dir", &self.inner.profile_dir)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Opens (creating if needed) the profile dir and its cache `cache.db`, runs cache migrations. No network.
    pub async fn open(profile_dir: &Path) -> Result<Client, ClientError> {
        create_private_dir(profile_dir)?;
        let cache = Cache::open(&profile_dir.join(CACHE_FILE)).await?;
        let profile_id = {
            let mut tx = cache.write().await?;
            let id = cache::profile_id(&mut tx).await?;
            tx.commit().await?;
            id
        };
        Ok(Client {
            inner: Arc::new(Inner {
                profile_dir: profile_dir.to_path_buf(),
                profile_id,
                cache,
                api: Api::new()?,
                token: Mutex::new(None),
                sync_lock: Mutex::new(()),
                local_write: tokio::sync::Notify::new(),
            }),
        })
    }

    pub fn profile_dir(&self) -> &Path {
        &self.inner.profile_dir
    }

    /// Closes the cache's connections (they also close when the last clone is dropped).
    pub async fn close(&self) {
        self.inner.cache.close().await;
    }

    /// The logged-in account of this profile, if any (server URL + user, from the cache; token presence checked in the keychain).
    pub async fn account(&self) -> Result<Option<Account>, ClientError> {
        let Some(account) = self.stored_account().await? else {
            return Ok(None);
        };
        Ok(self.token_for(&account).await?.map(|_| account))
    }

    /// The account whose data the cache holds, logged in or not. No keychain access.
    pub async fn stored_account(&self) -> Result<Option<Account>, ClientError> {
        let mut conn = self.inner.cache.read().await?;
        cache::stored_account(&mut conn).await
    }

    /// Logs in (POST /auth/login), stores the token in the keychain, records the account in the cache. Does not sync.
    ///
    /// Logging in to another account than the one the cache holds starts a fresh
    /// cache, unless the outbox still holds unsent writes of that account: then
    /// it refuses, so nothing typed offline is thrown away.
    pub async fn login(
        &self,
        server_url: &str,
        email: &str,
        password: &str,
    ) -> Result<Account, ClientError> {
        let server_url = normalize_server_url(server_url)?;
        let email = email.trim();
        if email.is_empty() || password.is_empty() {
            return Err(ClientError::InvalidInput(
                "e-mail and password are required".to_owned(),
            ));
        }
        // Fail before talking to the server when the token could not be kept anyway.
        keychain::check_available().await?;

        let request = LoginRequest {
            email: email.to_owned(),
            password: password.to_owned(),
            device_name: Some(device_name()),
        };
        let answer = self.inner.api.login(&server_url, &request).await?;
        self.adopt_login(&server_url, answer).await
    }

    /// Whether the server at `server_url` offers single sign-on, and requires it.
    pub async fn sso_info(&self, server_url: &str) -> Result<SsoInfo, ClientError> {
        let server_url = normalize_server_url(server_url)?;
        self.inner.api.sso_info(&server_url).await
    }

    /// Logs in through the organisation's identity provider: listens on a
    /// loopback port, hands the sign-in URL to `open_browser` (which opens
    /// the system browser; the URL is also worth printing), waits up to
    /// `patience` for the browser to come back, checks the state and trades
    /// the one-time code (with the PKCE verifier) for a session, stored like
    /// a password login's. Does not sync.
    pub async fn login_sso(
        &self,
        server_url: &str,
        patience: std::time::Duration,
        open_browser: impl FnOnce(&str),
    ) -> Result<Account, ClientError> {
        let server_url = normalize_server_url(server_url)?;
        keychain::check_available().await?;
        if !self.inner.api.sso_info(&server_url).await?.enabled {
            return Err(ClientError::InvalidInput(format!(
                "{server_url} does not offer single sign-on: log in with e-mail and password"
            )));
        }
        let flow = sso::LoopbackFlow::listen().await?;
        open_browser(&flow.start_url(&server_url)?);
        let code = flow.code(patience).await?;
        let request = SsoTokenRequest {
            code,
            code_verifier: flow.verifier.clone(),
            device_name: Some(device_name()),
        };
        let answer = self.inner.api.sso_token(&server_url, &request).await?;
        self.adopt_login(&server_url, answer).await
    }

    /// Keeps a new session: the token in the keychain, the account in the
    /// cache; the profile's earlier session of the same account is ended.
    async fn adopt_login(
        &self,
        server_url: &str,
        answer: LoginResponse,
    ) -> Result<Account, ClientError> {
        let server_url = server_url.to_owned();
        let account = Account {
            server_url: server_url.clone(),
            user: answer.user,
        };
        // The session this profile held for the same account, to end below.
        let previous_token = match self.stored_account().await? {
            Some(previous) if same_account(&previous, &account) => {
                self.token_for(&previous).await?
            }
            _ => None,
        };
        let result = self.adopt_session(&account, &answer.token).await;
        if result.is_err() {
            // Do not leave a live session behind that nobody holds the token of.
            let _ = self.inner.api.logout(&server_url, &answer.token).await;
        }
        if let (Ok(()), Some(previous)) = (&result, previous_token) {
            if previous != answer.token {
                self.revoke(&account, &previous).await;
            }
        }
        result.map(|()| account)
    }

    /// Ends a session on the server; offline or already ended is fine.
    async fn revoke(&self, account: &Account, token: &str) {
        match self.inner.api.logout(&account.server_url, token).await {
            Ok(()) | Err(ClientError::SessionExpired) => {}
            Err(e) => tracing::info!(error = %e, "server session not revoked"),
        }
    }

    async fn adopt_session(&self, account: &Account, token: &str) -> Result<(), ClientError> {
        let mut tx = self.inner.cache.write().await?;
        let previous = cache::stored_account(&mut tx).await?;
        let switching = previous.as_ref().is_some_and(|p| !same_account(p, account));
        if switching {
            let unsent = outbox::pending_count(&mut tx).await?;
            if unsent > 0 {
                let previous = previous.as_ref().map(describe).unwrap_or_default();
                return Err(ClientError::InvalidInput(format!(
                    "this profile holds {unsent} unsent change(s) of {previous}; log in as that \
                     account and sync first, or use another profile"
                )));
            }
            cache::reset_for_new_account(&mut tx).await?;
        }
        let key = self.key_for(account);
        keychain::store_token(&key, token).await?;
        cache::set_account(&mut tx, account).await?;
        tx.commit().await?;
        *self.inner.token.lock().await = Some((key, token.to_owned()));
        if switching {
            // The previous account's downloaded files.
            attachments::sweep(&self.inner.cache, &self.inner.profile_dir).await?;
        }
        Ok(())
    }

    /// Revokes the server session (best effort when offline), deletes the token from the keychain. Keeps the cache and unsent outbox.
    pub async fn logout(&self) -> Result<(), ClientError> {
        let Some(account) = self.stored_account().await? else {
            return Err(ClientError::NotLoggedIn);
        };
        if let Some(token) = self.token_for(&account).await? {
            self.revoke(&account, &token).await;
        }
        self.forget_token(&account).await
    }

    /// Logs out (as `logout`), then deletes this profile's cache: the
    /// database, its write-ahead log and downloaded files. Refused with
    /// `InvalidInput`, before anything is done, while unsent writes wait in
    /// the outbox (sync, or discard them, first). The client is closed after.
    pub async fn logout_and_delete_cache(&self) -> Result<(), ClientError> {
        let unsent = {
            let mut conn = self.inner.cache.read().await?;
            outbox::items(&mut conn).await?.len()
        };
        if unsent > 0 {
            return Err(ClientError::InvalidInput(format!(
                "this profile holds {unsent} unsent or failed change(s); sync them (or discard \
                 the failed ones) before deleting the cache"
            )));
        }
        match self.logout().await {
            Ok(()) | Err(ClientError::NotLoggedIn) => {}
            Err(e) => return Err(e),
        }
        self.inner.cache.close().await;
        crate::accounts::delete_cache_files(&self.inner.profile_dir)
    }

    async fn forget_token(&self, account: &Account) -> Result<(), ClientError> {
        *self.inner.token.lock().await = None;
        keychain::delete_token(&self.key_for(account)).await
    }

    async fn token_for(&self, account: &Account) -> Result<Option<String>, ClientError> {
        let key = self.key_for(account);
        let mut cached = self.inner.token.lock().await;
        if let Some((cached_key, token)) = cached.as_ref() {
            if *cached_key == key {
                return Ok(Some(token.clone()));
            }
        }
        let token = keychain::load_token(&key).await?;
        *cached = token.clone().map(|t| (key, t));
        Ok(token)
    }

    /// The account and token to talk to the server with.
    async fn session(&self) -> Result<(Account, String), ClientError> {
        let account = self
            .stored_account()
            .await?
            .ok_or(ClientError::NotLoggedIn)?;
        let token = self
            .token_for(&account)
            .await?
            .ok_or(ClientError::NotLoggedIn)?;
        Ok((account, token))
    }

    /// An ended session is forgotten, so `account()` reports the profile as logged out.
    async fn after_server_call<T>(
        &self,
        account: &Account,
        result: Result<T, ClientError>,
    ) -> Result<T, ClientError> {
        if let Err(ClientError::SessionExpired) = result {
            if let Err(e) = self.forget_token(account).await {
                tracing::warn!(error = %e, "could not delete the ended session's token");
            }
        }
        result
    }

    /// Sends the outbox in order (without pulling). Used to deliver a write at once.
    pub async fn push(&self) -> Result<PushReport, ClientError> {
        let _one_at_a_time = self.inner.sync_lock.lock().await;
        let (account, token) = self.session().await?;
        let session = self.server_session(&account, &token);
        let result = outbox::push(&self.inner.cache, &session).await;
        self.after_server_call(&account, result).await
    }

    /// Pushes the outbox in order, then pulls until `has_more` is false. Returns what happened, including the notifications to raise.
    pub async fn sync(&self) -> Result<SyncReport, ClientError> {
        let _one_at_a_time = self.inner.sync_lock.lock().await;
        let (account, token) = self.session().await?;
        let session = self.server_session(&account, &token);
        let result = async {
            let pushed = outbox::push(&self.inner.cache, &session).await?;
            pages::first_page(&self.inner.cache, &session, &account.user).await?;
            let pulled = sync::pull(&self.inner.cache, &session, &account.user).await?;
            self.evict_old_posts().await?;
            // Files of attachments purged, deleted, evicted or forgotten by the pull.
            attachments::sweep(&self.inner.cache, &self.inner.profile_dir).await?;
            Ok(SyncReport {
                pushed: pushed.pushed,
                failed: pushed.failed,
                pulled: pulled.changes,
                notifications: pulled.notifications,
            })
        }
        .await;
        self.after_server_call(&account, result).await
    }

    fn server_session<'a>(&'a self, account: &'a Account, token: &'a str) -> Session<'a> {
        Session {
            api: &self.inner.api,
            server_url: &account.server_url,
            token,
            profile_dir: &self.inner.profile_dir,
        }
    }

    /// The user whose cache this is; reads need no token.
    async fn me(&self) -> Result<User, ClientError> {
        Ok(self
            .stored_account()
            .await?
            .ok_or(ClientError::NotLoggedIn)?
            .user)
    }

    /// Home feed (group_id None: posts of all groups I am a member of) or one group's feed, newest first, with comments oldest first.
    /// Pending (unsent) items are included and marked. `before`: keyset pagination (created_at, id) of the last item of the previous page.
    pub async fn feed(
        &self,
        group_id: Option<&str>,
        limit: i64,
        before: Option<FeedCursor>,
    ) -> Result<Vec<FeedPost>, ClientError> {
        let me = self.me().await?;
        let limit = limit.clamp(1, MAX_FEED_PAGE);
        let mut conn = self.inner.cache.read().await?;
        cache::feed(&mut conn, &me.id, group_id, limit, before.as_ref()).await
    }

    /// One post with its comments, from the cache. A deleted post comes as a
    /// tombstone (`deleted`, no text), so a link to it can say so.
    pub async fn post_by_id(&self, post_id: &str) -> Result<Option<FeedPost>, ClientError> {
        // Readable without an account, as before (then nothing is "my" reaction).
        let me = self
            .stored_account()
            .await?
            .map(|account| account.user.id)
            .unwrap_or_default();
        let mut conn = self.inner.cache.read().await?;
        cache::feed_post(&mut conn, &me, post_id).await
    }

    /// Everyone who reacted to a post or comment (by id), by name, from the cache.
    pub async fn reactors(&self, target_id: &str) -> Result<Vec<Reactor>, ClientError> {
        let mut conn = self.inner.cache.read().await?;
        cache::reactors(&mut conn, target_id).await
    }

    /// The earlier texts of an edited post, oldest first. The cache keeps only
    /// the current text, so this asks the server: `Offline` when it cannot be
    /// reached; the server answers only to those who may read the post.
    pub async fn post_history(&self, post_id: &str) -> Result<Vec<PostVersionView>, ClientError> {
        let (account, token) = self.session().await?;
        let path = format!("/posts/{}/history", outbox::path_segment(post_id)?);
        let result: Result<Vec<PostVersion>, ClientError> = self
            .inner
            .api
            .get(&account.server_url, &token, &path, &[])
            .await;
        let versions = self.after_server_call(&account, result).await?;
        Ok(versions
            .into_iter()
            .map(|version| PostVersionView {
                body_html: markdown::to_safe_html(&version.body),
                body: version.body,
                written_at: version.written_at,
                replaced_at: version.replaced_at,
            })
            .collect())
    }

    /// My notifications from the cache, newest first (`before`: the last one of
    /// the previous page, as a `FeedCursor` of its `created_at` and `id`), only
    /// the unread ones if asked, with the number unread.
    pub async fn notifications(
        &self,
        unread_only: bool,
        limit: i64,
        before: Option<FeedCursor>,
    ) -> Result<NotificationList, ClientError> {
        let me = self.me().await?;
        let limit = limit.clamp(1, MAX_LIST_PAGE);
        let mut conn = self.inner.cache.read().await?;
        cache::notifications(&mut conn, &me.id, unread_only, limit, before.as_ref()).await
    }

    /// How many notifications are unread, without reading them.
    pub async fn unread_notification_count(&self) -> Result<i64, ClientError> {
        let me = self.me().await?;
        let mut conn = self.inner.cache.read().await?;
        cache::unread_notification_count(&mut conn, &me.id).await
    }

    /// The people directory, by name (deactivated accounts left out). `query`
    /// keeps those whose name, handle, e-mail, title, department or location
    /// has every word as a prefix.
    pub async fn people(
        &self,
        query: Option<&str>,
        limit: i64,
    ) -> Result<Vec<PersonSummary>, ClientError> {
        let limit = limit.clamp(1, MAX_LIST_PAGE);
        let mut conn = self.inner.cache.read().await?;
        cache::people(&mut conn, query, limit).await
    }

    /// A person's profile, by handle (`@ada` or `ada`) or user id.
    pub async fn profile(&self, handle_or_id: &str) -> Result<Option<Profile>, ClientError> {
        let mut conn = self.inner.cache.read().await?;
        cache::profile(&mut conn, handle_or_id).await
    }

    /// A group's members with their roles: admins, moderators, then members.
    pub async fn members(&self, group_id: &str) -> Result<Vec<MemberView>, ClientError> {
        let mut conn = self.inner.cache.read().await?;
        cache::members(&mut conn, group_id).await
    }

    /// Requests to join the groups I administer or moderate, oldest first.
    pub async fn join_requests(&self) -> Result<Vec<JoinRequestView>, ClientError> {
        let me = self.me().await?;
        let mut conn = self.inner.cache.read().await?;
        cache::join_requests(&mut conn, &me.id).await
    }

    /// Groups I can see, members' groups first, with my role.
    pub async fn groups(&self) -> Result<Vec<GroupView>, ClientError> {
        let me = self.me().await?;
        let mut conn = self.inner.cache.read().await?;
        cache::groups(&mut conn, &me.id, None).await
    }

    /// Full-text search of the cache, offline: posts and comments of my groups
    /// (pending ones included), people (name, handle, e-mail) and groups (name,
    /// description). Every word must match, as a prefix; best matches first.
    /// Any text is accepted (operators and quotes are searched as text); an
    /// empty query finds nothing. Only what the server let this account see is
    /// in the cache to be found.
    pub async fn search(&self, query: &str, limit: i64) -> Result<Vec<SearchHit>, ClientError> {
        let me = self.me().await?;
        let limit = limit.clamp(1, MAX_SEARCH_RESULTS);
        let mut conn = self.inner.cache.read().await?;
        cache::search(&mut conn, &me.id, query, limit).await
    }

    /// Queues a failed write again, at the end of the outbox, together with the
    /// failed writes that depend on it (comments on a post, posts in a group);
    /// the next push or sync sends them. `InvalidInput` for an unknown id, a
    /// write that has not failed, or one whose parent failed too (retry that).
    pub async fn retry(&self, mutation_id: &str) -> Result<(), ClientError> {
        {
            // Not while a push is deciding about the same rows.
            let _one_at_a_time = self.inner.sync_lock.lock().await;
            let mut tx = self.inner.cache.write().await?;
            outbox_actions::retry(&mut tx, mutation_id).await?;
            tx.commit().await?;
        }
        self.inner.local_write.notify_one();
        Ok(())
    }

    /// Drops a failed write and what it did locally (a discarded post leaves
    /// the feed), with the writes that depend on it. Only failed writes: a
    /// pending one may already have been applied by the server, so
    /// discarding it is refused with `InvalidInput`, as is an unknown id.
    pub async fn discard(&self, mutation_id: &str) -> Result<(), ClientError> {
        let _one_at_a_time = self.inner.sync_lock.lock().await;
        let mut tx = self.inner.cache.write().await?;
        outbox_actions::discard(&mut tx, mutation_id).await?;
        tx.commit().await?;
        attachments::sweep(&self.inner.cache, &self.inner.profile_dir).await
    }

    /// Writes: applied to the cache at once (marked pending) and queued in the outbox in ONE transaction; sent by the next sync.
    /// `group_id` None = the default group.
    pub async fn post(&self, group_id: Option<&str>, body: &str) -> Result<FeedPost, ClientError> {
        self.post_with(group_id, body, &PostExtras::default()).await
    }

    /// Posts with a poll or as an announcement (see [`PostExtras`]).
    pub async fn post_with(
        &self,
        group_id: Option<&str>,
        body: &str,
        extras: &PostExtras,
    ) -> Result<FeedPost, ClientError> {
        let me = self.me().await?;
        let mut tx = self.inner.cache.write().await?;
        let id = writes::post_with(
            &mut tx,
            &me,
            group_id,
            body,
            writes::new_id(),
            Vec::new(),
            extras,
        )
        .await?;
        tx.commit().await?;
        self.inner.local_write.notify_one();
        let mut conn = self.inner.cache.read().await?;
        cache::feed_post(&mut conn, &me.id, &id)
            .await?
            .ok_or_else(|| ClientError::CorruptCache(format!("post {id} vanished")))
    }

    pub async fn comment(&self, post_id: &str, body: &str) -> Result<CommentView, ClientError> {
        let me = self.me().await?;
        let mut tx = self.inner.cache.write().await?;
        let id = writes::comment(&mut tx, &me, post_id, body).await?;
        tx.commit().await?;
        self.written_comment(&me, &id).await
    }

    /// Replies to a comment (a reply to a reply answers its top-level comment).
    pub async fn reply(&self, comment_id: &str, body: &str) -> Result<CommentView, ClientError> {
        let me = self.me().await?;
        let mut tx = self.inner.cache.write().await?;
        let id = writes::reply(&mut tx, &me, comment_id, body).await?;
        tx.commit().await?;
        self.written_comment(&me, &id).await
    }

    async fn written_comment(&self, me: &User, id: &str) -> Result<CommentView, ClientError> {
        self.inner.local_write.notify_one();
        let mut conn = self.inner.cache.read().await?;
        cache::comment(&mut conn, &me.id, id)
            .await?
            .ok_or_else(|| ClientError::CorruptCache(format!("comment {id} vanished")))
    }

    /// Commits a local write and wakes live mode to send it. (A plain
    /// sequence rather than a helper taking an async closure: the futures of
    /// those are not `Send` for every lifetime, and the desktop's commands
    /// must be.)
    async fn commit_local(&self, tx: cache::WriteTx) -> Result<(), ClientError> {
        tx.commit().await?;
        self.inner.local_write.notify_one();
        Ok(())
    }

    /// Changes the text of my post or comment (by id): shown at once, marked
    /// pending; an unchanged text does nothing.
    pub async fn edit(&self, id: &str, body: &str) -> Result<(), ClientError> {
        let me = self.me().await?;
        let mut tx = self.inner.cache.write().await?;
        writes::edit(&mut tx, &me, id, body).await?;
        self.commit_local(tx).await
    }

    /// Deletes a post or comment (by id): mine, or any in a group I administer
    /// or moderate. It leaves the screens at once.
    pub async fn delete(&self, id: &str) -> Result<(), ClientError> {
        let me = self.me().await?;
        let mut tx = self.inner.cache.write().await?;
        writes::delete(&mut tx, &me, id).await?;
        self.commit_local(tx).await
    }

    /// Sets (`Some`) or removes (`None`) my reaction to a post or comment (by
    /// id). Returns false when it already was so: nothing is sent then.
    pub async fn react(&self, id: &str, kind: Option<ReactionKind>) -> Result<bool, ClientError> {
        let me = self.me().await?;
        let mut tx = self.inner.cache.write().await?;
        let result = writes::react(&mut tx, &me, id, kind).await?;
        self.commit_local(tx).await?;
        Ok(result)
    }

    /// Votes in a post's poll (option indexes; several if the poll allows),
    /// or withdraws my vote (`options` empty); false when it already was so.
    pub async fn vote(&self, post_id: &str, options: &[u32]) -> Result<bool, ClientError> {
        let me = self.me().await?;
        let mut tx = self.inner.cache.write().await?;
        let changed = poll_writes::vote(&mut tx, &me, post_id, options).await?;
        self.commit_local(tx).await?;
        Ok(changed)
    }

    /// Announces a post of a group I administer or moderate for `days` days
    /// (1 to 7), or unmarks it (`None`).
    pub async fn announce(&self, post_id: &str, days: Option<u32>) -> Result<(), ClientError> {
        let me = self.me().await?;
        let mut tx = self.inner.cache.write().await?;
        poll_writes::announce(&mut tx, &me, post_id, days).await?;
        self.commit_local(tx).await
    }

    /// Marks a post seen (an announcement leaves the top of my feeds); false
    /// when I already had.
    pub async fn mark_seen(&self, post_id: &str) -> Result<bool, ClientError> {
        let me = self.me().await?;
        let mut tx = self.inner.cache.write().await?;
        let changed = poll_writes::mark_seen(&mut tx, &me, post_id).await?;
        self.commit_local(tx).await?;
        Ok(changed)
    }

    /// Who saw a post and when, first seen first, as far as this cache knows:
    /// everyone on my own posts and those of groups I administer (what the
    /// server sends me), else only me.
    pub async fn seen_by(&self, post_id: &str) -> Result<Vec<SeenView>, ClientError> {
        let mut conn = self.inner.cache.read().await?;
        cache::seen_by(&mut conn, post_id).await
    }

    /// Leaves a group (not the default one). Its posts leave my feed at once.
    pub async fn leave_group(&self, group_id: &str) -> Result<(), ClientError> {
        let me = self.me().await?;
        let mut tx = self.inner.cache.write().await?;
        writes::leave_group(&mut tx, &me, group_id).await?;
        self.commit_local(tx).await
    }

    /// A group admin or moderator approves (`approve`) or declines someone's
    /// request to join; shown at once (an approved person is a pending member).
    pub async fn answer_join_request(
        &self,
        group_id: &str,
        user_id: &str,
        approve: bool,
    ) -> Result<(), ClientError> {
        let me = self.me().await?;
        let mut tx = self.inner.cache.write().await?;
        writes::answer_join_request(&mut tx, &me, group_id, user_id, approve).await?;
        self.commit_local(tx).await
    }

    /// A group admin removes a member (not from the default group).
    pub async fn remove_member(&self, group_id: &str, user_id: &str) -> Result<(), ClientError> {
        let me = self.me().await?;
        let mut tx = self.inner.cache.write().await?;
        writes::remove_member(&mut tx, &me, group_id, user_id).await?;
        self.commit_local(tx).await
    }

    /// A group admin changes a member's role; false when it already was so.
    pub async fn set_member_role(
        &self,
        group_id: &str,
        user_id: &str,
        role: GroupRole,
    ) -> Result<bool, ClientError> {
        let me = self.me().await?;
        let mut tx = self.inner.cache.write().await?;
        let changed = writes::set_member_role(&mut tx, &me, group_id, user_id, role).await?;
        self.commit_local(tx).await?;
        Ok(changed)
    }

    /// A group admin makes a group open, closed or secret (not the default
    /// group); false when it already was so.
    pub async fn set_group_privacy(
        &self,
        group_id: &str,
        privacy: Privacy,
    ) -> Result<bool, ClientError> {
        let me = self.me().await?;
        let mut tx = self.inner.cache.write().await?;
        let changed = writes::set_group_privacy(&mut tx, &me, group_id, privacy).await?;
        self.commit_local(tx).await?;
        Ok(changed)
    }

    /// Changes my title, department, location and about (shown at once);
    /// false when nothing changed.
    pub async fn update_profile(&self, edit: &ProfileEdit) -> Result<bool, ClientError> {
        let me = self.me().await?;
        let mut tx = self.inner.cache.write().await?;
        let changed = writes::update_profile(&mut tx, &me, edit).await?;
        self.commit_local(tx).await?;
        Ok(changed)
    }

    /// Marks one notification read; false when it already was.
    pub async fn mark_notification_read(&self, id: &str) -> Result<bool, ClientError> {
        let me = self.me().await?;
        let mut tx = self.inner.cache.write().await?;
        let result = writes::mark_notification_read(&mut tx, &me, id).await?;
        self.commit_local(tx).await?;
        Ok(result)
    }

    /// Marks all my notifications read; returns how many were unread here.
    pub async fn mark_all_notifications_read(&self) -> Result<usize, ClientError> {
        let me = self.me().await?;
        let mut tx = self.inner.cache.write().await?;
        let result = writes::mark_all_notifications_read(&mut tx, &me).await?;
        self.commit_local(tx).await?;
        Ok(result)
    }

    /// Sets how much of a group's activity notifies me; false when it already was so.
    pub async fn set_notification_level(
        &self,
        group_id: &str,
        level: NotificationLevel,
    ) -> Result<bool, ClientError> {
        let me = self.me().await?;
        let mut tx = self.inner.cache.write().await?;
        let result = writes::set_notification_level(&mut tx, &me, group_id, level).await?;
        self.commit_local(tx).await?;
        Ok(result)
    }

    /// Creates a group with its creator as admin, pending until the server confirms it.
    /// `description` is optional (empty is fine); both texts are trimmed, and too long
    /// a name or description is refused with `InvalidInput`.
    pub async fn create_group(
        &self,
        name: &str,
        description: &str,
        privacy: Privacy,
    ) -> Result<GroupView, ClientError> {
        let me = self.me().await?;
        let mut tx = self.inner.cache.write().await?;
        let id = writes::create_group(&mut tx, &me, name, description, privacy).await?;
        tx.commit().await?;
        self.inner.local_write.notify_one();
        let mut conn = self.inner.cache.read().await?;
        cache::groups(&mut conn, &me.id, Some(&id))
            .await?
            .pop()
            .ok_or_else(|| ClientError::CorruptCache(format!("group {id} vanished")))
    }

    /// Joins an open group at once (pending), or asks to join a closed one
    /// (`GroupView::requested` until an admin answers).
    pub async fn join_group(&self, group_id: &str) -> Result<(), ClientError> {
        let me = self.me().await?;
        let mut tx = self.inner.cache.write().await?;
        writes::join_group(&mut tx, &me, group_id).await?;
        tx.commit().await?;
        self.inner.local_write.notify_one();
        Ok(())
    }

    pub async fn add_member(&self, group_id: &str, email: &str) -> Result<(), ClientError> {
        let me = self.me().await?;
        let mut tx = self.inner.cache.write().await?;
        writes::add_member(&mut tx, &me, group_id, email).await?;
        tx.commit().await?;
        self.inner.local_write.notify_one();
        Ok(())
    }

    /// Everything not yet confirmed by the server, in sending order (failed writes included).
    pub async fn outbox(&self) -> Result<Vec<OutboxItem>, ClientError> {
        let mut conn = self.inner.cache.read().await?;
        outbox::items(&mut conn).await
    }

    /// Where this profile's session token is kept in the keychain, if an account is recorded.
    pub async fn token_key(&self) -> Result<Option<TokenKey>, ClientError> {
        Ok(self
            .stored_account()
            .await?
            .map(|account| self.key_for(&account)))
    }

    fn key_for(&self, account: &Account) -> TokenKey {
        TokenKey {
            server_url: account.server_url.clone(),
            user_id: account.user.id.clone(),
            profile_id: self.inner.profile_id.clone(),
        }
    }

    pub(crate) async fn sync_cursor(
        &self,
    ) -> Result<Option<commons_protocol::Cursor>, ClientError> {
        let mut conn = self.inner.cache.read().await?;
        cache::sync_cursor(&mut conn).await
    }

    pub(crate) async fn outbox_is_empty(&self) -> Result<bool, ClientError> {
        let mut conn = self.inner.cache.read().await?;
        Ok(outbox::pending_count(&mut conn).await? == 0)
    }

    /// Resolves after the next local write (at once if one happened since the last call).
    pub(crate) async fn local_write(&self) {
        self.inner.local_write.notified().await;
    }

    pub(crate) async fn live_session(&self) -> Result<(Account, String), ClientError> {
        self.session().await
    }

    /// The server refused the stream's token: forget it, as `after_server_call` does.
    pub(crate) async fn live_session_ended(&self, account: &Account) {
        if let Err(e) = self.forget_token(account).await {
            tracing::warn!(error = %e, "could not delete the ended session's token");
        }
    }
}

/// The name the server keeps with a session.
fn device_name() -> String {
    format!("commons-client {}", env!("CARGO_PKG_VERSION"))
}

fn same_account(a: &Account, b: &Account) -> bool {
    a.server_url == b.server_url && a.user.id == b.user.id
}

fn describe(account: &Account) -> String {
    format!("{} on {}", account.user.email, account.server_url)
}

/// `http(s)://host[:port][/prefix]` without a trailing slash.
pub fn normalize_server_url(url: &str) -> Result<String, ClientError> {
    let url = url.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(char::is_whitespace) => Ok(url.to_owned()),
        _ => Err(ClientError::InvalidInput(format!(
            "not a server address: {url:?} (expected http://host:port or https://host)"
        ))),
    }
}

/// The profile holds private posts: a directory created here is readable by
/// its owner only. An existing directory keeps the permissions it has.
fn create_private_dir(dir: &Path) -> Result<(), ClientError> {
    let error = |source| ClientError::Profile {
        path: dir.display().to_string(),
        source,
    };
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls_are_normalized_or_refused() {
        assert_eq!(
            normalize_server_url(" http://127.0.0.1:8080/ ").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            normalize_server_url("https://commons.example.org").unwrap(),
            "https://commons.example.org"
        );
        assert!(normalize_server_url("127.0.0.1:8080").is_err());
        assert!(normalize_server_url("http://").is_err());
        assert!(normalize_server_url("ftp://x").is_err());
    }
}
