//! `Client` calls over the REST feed pages: the first page on a new login,
//! older pages on scroll, and bounding big groups (see `crate::pages`).

use super::*;

impl Client {
    /// On a new login, stores the group list and the first page of the home
    /// feed from the REST API, so `feed` shows the newest posts before the
    /// first `sync` (which pulls the whole change log) has finished. Returns
    /// the number of entities added: 0 when the cache was already filled.
    pub async fn first_page(&self) -> Result<usize, ClientError> {
        let _one_at_a_time = self.inner.sync_lock.lock().await;
        let (account, token) = self.session().await?;
        let session = self.server_session(&account, &token);
        let result = pages::first_page(&self.inner.cache, &session, &account.user).await;
        self.after_server_call(&account, result).await
    }

    /// When `feed` runs out of cached posts (the end of a scroll): fetches
    /// older pages of the home feed (`None`) or of a group from the server
    /// into the cache, where they stay; read `feed` again to show them.
    /// Successive calls go further back; `more` is false at the end.
    pub async fn load_older(
        &self,
        group_id: Option<&str>,
        limit: i64,
    ) -> Result<OlderPosts, ClientError> {
        let (account, token) = self.session().await?;
        let session = self.server_session(&account, &token);
        let limit = limit.clamp(1, MAX_FEED_PAGE);
        let result = pages::older(&self.inner.cache, &session, group_id, limit).await;
        self.after_server_call(&account, result).await
    }

    /// Bounds the cache of big groups: after each sync only the `keep`
    /// newest posts of each group stay (pinned posts, and posts with unsent
    /// or failed writes on them, stay too); older ones load again from the
    /// server with `load_older`. `None` (the default) keeps everything.
    pub async fn set_posts_per_group(&self, keep: Option<u32>) -> Result<(), ClientError> {
        let mut tx = self.inner.cache.write().await?;
        cache::set_posts_per_group(&mut tx, keep.map(i64::from)).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn evict_old_posts(&self) -> Result<(), ClientError> {
        let keep = {
            let mut conn = self.inner.cache.read().await?;
            cache::posts_per_group(&mut conn).await?
        };
        if let Some(keep) = keep {
            let mut tx = self.inner.cache.write().await?;
            cache::evict_old_posts(&mut tx, keep).await?;
            tx.commit().await?;
        }
        Ok(())
    }
}
