//! `Client` calls about files: attachments to download, and posts with files
//! to upload (see `crate::attachments` and `crate::uploads`).

use super::*;
use crate::CacheUsage;

impl Client {
    /// The files attached to a post, from the cache.
    pub async fn attachments(&self, post_id: &str) -> Result<Vec<AttachmentView>, ClientError> {
        let mut conn = self.inner.cache.read().await?;
        cache::post_attachments(&mut conn, post_id).await
    }

    /// One attachment's metadata from the cache (of a post of mine to see).
    pub async fn attachment(
        &self,
        attachment_id: &str,
    ) -> Result<Option<AttachmentView>, ClientError> {
        let mut conn = self.inner.cache.read().await?;
        cache::attachment(&mut conn, attachment_id).await
    }

    /// The local file of an attachment, downloaded from the server on first
    /// use (and checked against its SHA-256), from the cache after. With
    /// `thumbnail`, an image's thumbnail (the full file when it has none).
    /// Downloading may evict the least recently viewed files to stay within
    /// the limit (`set_attachment_cache_limit`).
    pub async fn attachment_file(
        &self,
        attachment_id: &str,
        thumbnail: bool,
    ) -> Result<PathBuf, ClientError> {
        let limit = self.attachment_cache_limit().await?;
        let (account, token) = self.session().await?;
        let session = self.server_session(&account, &token);
        let result = attachments::file(
            &self.inner.cache,
            &session,
            &self.inner.profile_dir,
            attachment_id,
            thumbnail,
            limit,
        )
        .await;
        self.after_server_call(&account, result).await
    }

    /// How many bytes of downloaded attachments this profile keeps at most.
    pub async fn attachment_cache_limit(&self) -> Result<u64, ClientError> {
        let mut conn = self.inner.cache.read().await?;
        Ok(cache::attachment_cache_limit(&mut conn)
            .await?
            .unwrap_or(crate::DEFAULT_ATTACHMENT_CACHE_LIMIT))
    }

    /// Sets the limit. A lower one takes effect at once: the least recently
    /// viewed files go (never the only copy of a file not sent yet).
    pub async fn set_attachment_cache_limit(&self, bytes: u64) -> Result<(), ClientError> {
        let mut tx = self.inner.cache.write().await?;
        cache::set_attachment_cache_limit(&mut tx, bytes).await?;
        let limit = i64::try_from(bytes).unwrap_or(i64::MAX);
        cache::evict_files(&mut tx, limit, ("", "")).await?;
        tx.commit().await?;
        attachments::sweep(&self.inner.cache, &self.inner.profile_dir).await
    }

    /// What this profile keeps on disk: the cache database (with its
    /// write-ahead log) and the downloaded files, with the files' limit.
    pub async fn cache_usage(&self) -> Result<CacheUsage, ClientError> {
        let files_bytes = {
            let mut conn = self.inner.cache.read().await?;
            cache::files_size(&mut conn).await?
        };
        let mut database_bytes = 0;
        for suffix in ["", "-wal", "-shm"] {
            let path = self
                .inner
                .profile_dir
                .join(format!("{}{suffix}", cache::CACHE_FILE));
            if let Ok(meta) = tokio::fs::metadata(&path).await {
                database_bytes += meta.len();
            }
        }
        Ok(CacheUsage {
            database_bytes,
            files_bytes: u64::try_from(files_bytes).unwrap_or(0),
            files_limit: self.attachment_cache_limit().await?,
        })
    }

    /// A post with files attached (and perhaps a poll, see [`PostExtras`]),
    /// written offline like any post: the files are copied beside the cache
    /// and queued as uploads before the post, so the next push sends each
    /// file once, then the post naming them.
    pub async fn post_with_files(
        &self,
        group_id: Option<&str>,
        body: &str,
        files: &[PathBuf],
        extras: &PostExtras,
    ) -> Result<FeedPost, ClientError> {
        let me = self.me().await?;
        let mut local = Vec::new();
        for file in files {
            local.push(uploads::prepare(&self.inner.profile_dir, file).await?);
        }
        let mut tx = self.inner.cache.write().await?;
        let post_id = writes::new_id();
        let ids = uploads::enqueue(&mut tx, &post_id, &local).await?;
        writes::post_with(
            &mut tx,
            &me,
            group_id,
            body,
            post_id.clone(),
            ids.clone(),
            extras,
        )
        .await?;
        uploads::show_locally(&mut tx, &post_id, &ids, &local).await?;
        tx.commit().await?;
        self.inner.local_write.notify_one();
        let mut conn = self.inner.cache.read().await?;
        cache::feed_post(&mut conn, &me.id, &post_id)
            .await?
            .ok_or_else(|| ClientError::CorruptCache(format!("post {post_id} vanished")))
    }
}
