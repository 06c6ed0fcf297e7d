//! Blobs as files: `<root>/ab/cd/<sha256>`. Uploads are written to
//! `<root>/tmp/` (same file system) while hashing, then renamed into place;
//! if the blob already exists the temporary file is dropped.

use std::io;
use std::path::{Path, PathBuf};

use futures_util::future::BoxFuture;
use futures_util::{stream, FutureExt, StreamExt};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{is_sha256_hex, AttachmentStore, ByteStream, StoreError, Stored};

const READ_CHUNK: usize = 64 * 1024;

#[derive(Clone, Debug)]
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    /// `root` is created on first use.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        LocalStore { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the blob lives; `None` for a name that is not a SHA-256.
    pub fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        is_sha256_hex(sha256).then(|| {
            self.root
                .join(&sha256[0..2])
                .join(&sha256[2..4])
                .join(sha256)
        })
    }

    async fn put_inner(&self, mut body: ByteStream, limit: u64) -> Result<Stored, StoreError> {
        let tmp_dir = self.root.join("tmp");
        tokio::fs::create_dir_all(&tmp_dir).await?;
        let tmp = TempFile(tmp_dir.join(format!("upload-{}", uuid::Uuid::new_v4().simple())));
        let mut file = tokio::fs::File::create(&tmp.0).await?;
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| StoreError::Body(e.to_string()))?;
            size += chunk.len() as u64;
            if size > limit {
                return Err(StoreError::TooLarge { limit });
            }
            hasher.update(&chunk);
            file.write_all(&chunk).await?;
        }
        file.flush().await?;
        file.sync_all().await?;
        drop(file);
        let sha256 = hex(&hasher.finalize());
        let path = self.path_of(&sha256).expect("a hex digest");
        if tokio::fs::try_exists(&path).await? {
            return Ok(Stored { sha256, size });
        }
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        tokio::fs::rename(&tmp.0, &path).await?;
        tmp.disarm();
        Ok(Stored { sha256, size })
    }
}

/// Removes the temporary file on every early return (limit, error, a
/// dropped request).
struct TempFile(PathBuf);

impl TempFile {
    fn disarm(self) {
        std::mem::forget(self);
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl AttachmentStore for LocalStore {
    fn put(&self, body: ByteStream, limit: u64) -> BoxFuture<'_, Result<Stored, StoreError>> {
        self.put_inner(body, limit).boxed()
    }

    fn open(&self, sha256: &str) -> BoxFuture<'_, io::Result<Option<ByteStream>>> {
        let path = self.path_of(sha256);
        async move {
            let Some(path) = path else {
                return Ok(None);
            };
            let file = match tokio::fs::File::open(&path).await {
                Ok(file) => file,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(e),
            };
            let chunks = stream::try_unfold(file, |mut file| async move {
                let mut buffer = vec![0u8; READ_CHUNK];
                let n = file.read(&mut buffer).await?;
                if n == 0 {
                    return Ok(None);
                }
                buffer.truncate(n);
                Ok(Some((axum::body::Bytes::from(buffer), file)))
            });
            Ok(Some(chunks.boxed()))
        }
        .boxed()
    }

    fn delete(&self, sha256: &str) -> BoxFuture<'_, io::Result<()>> {
        let path = self.path_of(sha256);
        async move {
            let Some(path) = path else {
                return Ok(());
            };
            match tokio::fs::remove_file(&path).await {
                Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            }
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(n: usize, size: usize) -> ByteStream {
        let items: Vec<io::Result<axum::body::Bytes>> = (0..n)
            .map(|i| Ok(axum::body::Bytes::from(vec![i as u8; size])))
            .collect();
        stream::iter(items).boxed()
    }

    fn files_under(dir: &Path) -> usize {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| {
                        if e.path().is_dir() {
                            files_under(&e.path())
                        } else {
                            1
                        }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }

    #[tokio::test]
    async fn the_limit_holds_while_streaming_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path());
        let refused = store.put(chunks(10, 1000), 9_999).await;
        assert!(matches!(
            refused,
            Err(StoreError::TooLarge { limit: 9_999 })
        ));
        assert_eq!(files_under(dir.path()), 0);

        let stored = store.put(chunks(10, 1000), 10_000).await.unwrap();
        assert_eq!(stored.size, 10_000);
        let again = store.put(chunks(10, 1000), 10_000).await.unwrap();
        assert_eq!(again, stored);
        assert_eq!(files_under(dir.path()), 1, "stored once");
        let path = store.path_of(&stored.sha256).unwrap();
        assert!(path.starts_with(
            dir.path()
                .join(&stored.sha256[0..2])
                .join(&stored.sha256[2..4])
        ));
        let back = super::super::read_all(&store, &stored.sha256, u64::MAX)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(back.len(), 10_000);

        store.delete(&stored.sha256).await.unwrap();
        assert_eq!(files_under(dir.path()), 0);
        assert!(store.open(&stored.sha256).await.unwrap().is_none());
        assert!(store.open("../../etc/passwd").await.unwrap().is_none());
    }
}
