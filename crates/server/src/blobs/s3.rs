//! Attachments in S3-compatible object storage, so every node of a cluster
//! reaches the same files. Uploads are spooled through a local
//! [`LocalStore`] (which hashes and enforces the size limit while the bytes
//! arrive), then copied to the bucket under the same content address
//! (`attachments/ab/cd/<sha256>`) unless an equal object is already there.

use std::io;
use std::path::Path;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use futures_util::{FutureExt, StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::buffered::BufWriter;
use object_store::path::Path as ObjectPath;
use object_store::ObjectStore;
use tokio::io::AsyncWriteExt;

use super::{is_sha256_hex, AttachmentStore, ByteStream, LocalStore, StoreError, Stored};

/// Where the bucket is and how to sign in to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Config {
    /// `https://s3.eu-west-1.amazonaws.com`, or a MinIO/Garage/Ceph address.
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Allow `http://` endpoints (a store on the local network).
    pub allow_http: bool,
}

pub struct S3Store {
    bucket: Arc<dyn ObjectStore>,
    spool: LocalStore,
}

impl S3Store {
    /// `spool` is a local folder for uploads in progress.
    pub fn new(config: &S3Config, spool: &Path) -> Result<S3Store, StoreError> {
        let bucket = AmazonS3Builder::new()
            .with_endpoint(&config.endpoint)
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_access_key_id(&config.access_key_id)
            .with_secret_access_key(&config.secret_access_key)
            .with_allow_http(config.allow_http)
            // Path-style addressing: what self-hosted stores expect.
            .with_virtual_hosted_style_request(false)
            .build()
            .map_err(|e| StoreError::Io(io::Error::other(e)))?;
        Ok(S3Store {
            bucket: Arc::new(bucket),
            spool: LocalStore::new(spool),
        })
    }

    async fn put_inner(&self, body: ByteStream, limit: u64) -> Result<Stored, StoreError> {
        let stored = self.spool.put(body, limit).await?;
        let local = self
            .spool
            .path_of(&stored.sha256)
            .ok_or_else(|| StoreError::Io(io::Error::other("spooled file has no path")))?;
        let uploaded = self.upload(&local, &stored.sha256).await;
        // The spool is only a waiting room: the bucket holds the file now.
        let _ = tokio::fs::remove_file(&local).await;
        uploaded?;
        Ok(stored)
    }

    async fn upload(&self, local: &Path, sha256: &str) -> io::Result<()> {
        let key = key_of(sha256).ok_or_else(|| io::Error::other("not a content address"))?;
        // Content-addressed: an object with this name has these bytes.
        if self.bucket.head(&key).await.is_ok() {
            return Ok(());
        }
        let mut file = tokio::fs::File::open(local).await?;
        let mut writer = BufWriter::new(self.bucket.clone(), key);
        tokio::io::copy(&mut file, &mut writer).await?;
        writer.shutdown().await
    }
}

fn key_of(sha256: &str) -> Option<ObjectPath> {
    is_sha256_hex(sha256).then(|| {
        ObjectPath::from(format!(
            "attachments/{}/{}/{sha256}",
            &sha256[0..2],
            &sha256[2..4]
        ))
    })
}

impl AttachmentStore for S3Store {
    fn put(&self, body: ByteStream, limit: u64) -> BoxFuture<'_, Result<Stored, StoreError>> {
        self.put_inner(body, limit).boxed()
    }

    fn open(&self, sha256: &str) -> BoxFuture<'_, io::Result<Option<ByteStream>>> {
        let key = key_of(sha256);
        async move {
            let Some(key) = key else { return Ok(None) };
            match self.bucket.get(&key).await {
                Ok(found) => Ok(Some(found.into_stream().map_err(io::Error::other).boxed())),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(io::Error::other(e)),
            }
        }
        .boxed()
    }

    fn delete(&self, sha256: &str) -> BoxFuture<'_, io::Result<()>> {
        let key = key_of(sha256);
        async move {
            let Some(key) = key else { return Ok(()) };
            match self.bucket.delete(&key).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(io::Error::other(e)),
            }
        }
        .boxed()
    }
}
