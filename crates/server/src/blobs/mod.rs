//! Attachment files: a content-addressed blob store behind [`AttachmentStore`]
//! (a local folder, [`LocalStore`], or S3-compatible object storage shared
//! by several nodes, [`S3Store`]), plus content
//! sniffing and thumbnails. Rows describing attachments live in the database
//! (`db::attachments`); the store knows only hashes and bytes.

mod local;
mod media;
mod s3;

use std::io;

use axum::body::Bytes;
use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;

pub use local::LocalStore;
pub use media::{sniff, thumbnail, Thumbnail, THUMBNAIL_CONTENT_TYPE, THUMBNAIL_MAX_SIDE};
pub use s3::{S3Config, S3Store};

/// What [`AttachmentStore::put`] stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    /// Hex SHA-256 of the content: the blob's name.
    pub sha256: String,
    pub size: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the file is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("reading the upload failed: {0}")]
    Body(String),
    #[error("attachment storage failed: {0}")]
    Io(#[from] io::Error),
}

/// A stream of chunks, as uploads arrive and downloads leave.
pub type ByteStream = BoxStream<'static, Result<Bytes, io::Error>>;

/// Content-addressed storage: the same bytes are stored once.
pub trait AttachmentStore: Send + Sync + 'static {
    /// Stores the stream, refusing (and keeping nothing of) more than `limit`
    /// bytes. Upload errors come as `io::ErrorKind::Other` items of the stream.
    fn put(&self, body: ByteStream, limit: u64) -> BoxFuture<'_, Result<Stored, StoreError>>;

    /// The blob's content, or `None` if there is no such blob.
    fn open(&self, sha256: &str) -> BoxFuture<'_, io::Result<Option<ByteStream>>>;

    /// Removes the blob; removing a missing blob is not an error.
    fn delete(&self, sha256: &str) -> BoxFuture<'_, io::Result<()>>;
}

/// Reads a whole blob into memory (at most `limit` bytes; `None` if missing or larger).
pub async fn read_all(
    store: &dyn AttachmentStore,
    sha256: &str,
    limit: u64,
) -> io::Result<Option<Vec<u8>>> {
    use futures_util::StreamExt;
    let Some(mut stream) = store.open(sha256).await? else {
        return Ok(None);
    };
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        bytes.extend_from_slice(&chunk?);
        if bytes.len() as u64 > limit {
            return Ok(None);
        }
    }
    Ok(Some(bytes))
}

/// True if `text` looks like a blob name (64 lowercase hex digits), so it is
/// safe to turn into a path.
pub fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}
