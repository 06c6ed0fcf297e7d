//! The files of posts and comments: `attachments/<target id>.<ext>` beside
//! a group's feed, stored as uploads are (content-addressed, type sniffed,
//! thumbnails for images) and attached to their post or comment.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::content::Place;
use super::export::Attachment;
use super::{ImportError, Importer, Kind};
use crate::db;
use crate::db::attachments::Owner;
use crate::ops;

/// The files of a group's `attachments/` folder by name up to the first dot
/// (`1234.pdf` is the file of the attachment whose target id is 1234).
pub(super) fn attachment_files(dir: &Path) -> HashMap<String, PathBuf> {
    let mut files = HashMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return files;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
            let stem = name.split('.').next().unwrap_or(name).to_string();
            files.insert(stem, path);
        }
    }
    files
}

/// Stores the attachment's file (beside the feed, named by its target id)
/// as an upload would be stored, and attaches it to `owner`. A missing or
/// too large file is reported; its post stays. Of an item imported before
/// (`existing`), the file is only checked and counted.
pub(super) async fn store_attachment(
    imp: &mut Importer<'_>,
    place: &Place<'_>,
    source: &Attachment,
    uploader_id: &str,
    owner: Owner<'_>,
    existing: bool,
) -> Result<usize, ImportError> {
    let target_id = source
        .target
        .as_ref()
        .map(|t| t.id.clone())
        .unwrap_or_default();
    let Some(path) = place.files.get(&target_id).cloned() else {
        let reason = format!("no file attachments/{target_id}.* beside the feed");
        imp.skip(Kind::Attachment, place.file, &target_id, reason);
        return Ok(0);
    };
    let bytes = match tokio::fs::read(&path).await {
        Ok(bytes) => bytes,
        Err(e) => {
            imp.skip(
                Kind::Attachment,
                place.file,
                &target_id,
                format!("cannot read {}: {e}", path.display()),
            );
            return Ok(0);
        }
    };
    let limit = imp.max_attachment_bytes;
    if bytes.len() as u64 > limit {
        let reason = format!(
            "{} is larger than the attachment limit ({limit} bytes)",
            path.display()
        );
        imp.skip(Kind::Attachment, place.file, &target_id, reason);
        return Ok(0);
    }
    if existing {
        imp.summary.already_there(Kind::Attachment);
        return Ok(0);
    }
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let name = source
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .unwrap_or(file_name)
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '/' | '\\'))
        .take(255)
        .collect::<String>();
    let chunk = axum::body::Bytes::from(bytes);
    let stream = Box::pin(futures_util::stream::once(async move { Ok(chunk) }));
    let stored = imp
        .store
        .put(stream, limit)
        .await
        .map_err(|e| ImportError::Io {
            path: path.clone(),
            source: std::io::Error::other(e.to_string()),
        })?;
    let io = |source| ImportError::Io {
        path: path.clone(),
        source,
    };
    let mut stored = ops::attachments::describe(imp.store, stored, name, uploader_id, limit)
        .await
        .map_err(io)?;
    if let Owner::Post(post_id) = owner {
        stored.post_id = Some(post_id.to_string());
    }
    // The post or comment must be written before its file refers to it.
    imp.write().await?;
    imp.flush().await?;
    let w = imp.write().await?;
    db::attachments::insert(w.conn(), &stored).await?;
    if let Owner::Comment(_) = owner {
        db::attachments::link(w.conn(), &stored.attachment.id, owner).await?;
    }
    imp.summary.created(Kind::Attachment);
    Ok(1)
}
