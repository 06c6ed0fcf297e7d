//! Files in the window: images of posts shown through the `attachment:`
//! protocol (downloaded on first view into the client core's cache), files
//! saved to the download folder, and files picked, dropped or pasted in the
//! composer, staged in the profile until the post takes them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine as _;
use commons_client::CacheUsage;
use serde::{Deserialize, Serialize};
use tauri::http::{header, Request, Response, StatusCode};
use tauri::{AppHandle, Manager, UriSchemeContext, UriSchemeResponder, Wry};

use crate::accounts::Accounts;
use crate::commands::Shell;
use crate::error::{AppError, ErrorKind};
use crate::{exports, open};

/// The scheme of images in the window: `attachment://localhost/ID[?thumbnail]`
/// (`http://attachment.localhost/ID` on Windows).
pub const SCHEME: &str = "attachment";

/// Files the composer holds, one folder each, inside the profile.
const STAGING_DIR: &str = "staging";

/// The largest file the composer takes (the server may take less: the
/// post then fails with its reason, and can be retried or discarded).
const MAX_STAGED_BYTES: usize = 100 * 1024 * 1024;

/// Only raster images are shown inline: an SVG or an HTML file could carry script.
const INLINE_TYPES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];

/// Answers one `attachment:` request of the window.
pub fn protocol(
    ctx: UriSchemeContext<'_, Wry>,
    request: Request<Vec<u8>>,
    responder: UriSchemeResponder,
) {
    let app = ctx.app_handle().clone();
    tauri::async_runtime::spawn(async move {
        responder.respond(answer(&app, &request).await);
    });
}

async fn answer(app: &AppHandle, request: &Request<Vec<u8>>) -> Response<Vec<u8>> {
    let Some(id) = attachment_in_path(request.uri().path()) else {
        return plain(StatusCode::BAD_REQUEST, "not an attachment address");
    };
    let thumbnail = request
        .uri()
        .query()
        .is_some_and(|q| q.split('&').any(|p| p == "thumbnail"));
    // The shown account's: the window only shows its posts.
    let session = app.state::<Arc<Accounts>>().active();
    let client = session.client();
    let attachment = match client.attachment(&id).await {
        Ok(Some(attachment)) => attachment,
        Ok(None) => return plain(StatusCode::NOT_FOUND, "no such attachment in this profile"),
        Err(error) => return plain(StatusCode::INTERNAL_SERVER_ERROR, &error.to_string()),
    };
    if !INLINE_TYPES.contains(&attachment.content_type.as_str()) {
        return plain(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "only images are shown inline",
        );
    }
    let mut file = client.attachment_file(&id, thumbnail).await;
    // An image of mine not sent yet has no thumbnail: show the file itself.
    if file.is_err() && thumbnail && attachment.downloaded {
        file = client.attachment_file(&id, false).await;
    }
    let bytes = match file {
        Ok(path) => tokio::fs::read(&path).await,
        Err(error) if error.is_offline() => {
            return plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "offline: not downloaded yet",
            )
        }
        Err(error) => return plain(StatusCode::BAD_GATEWAY, &error.to_string()),
    };
    match bytes {
        Ok(bytes) => Response::builder()
            .header(
                header::CONTENT_TYPE,
                commons_client::sniff(&bytes[..bytes.len().min(16)]),
            )
            .header("X-Content-Type-Options", "nosniff")
            // An attachment never changes: its id names its bytes.
            .header(
                header::CACHE_CONTROL,
                "private, max-age=31536000, immutable",
            )
            .body(bytes)
            .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "bad response")),
        Err(error) => plain(StatusCode::INTERNAL_SERVER_ERROR, &error.to_string()),
    }
}

fn plain(status: StatusCode, message: &str) -> Response<Vec<u8>> {
    let mut response = Response::new(message.as_bytes().to_vec());
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain"),
    );
    response
}

/// The attachment id of a request path `/ID`.
fn attachment_in_path(path: &str) -> Option<String> {
    let id = path.strip_prefix('/')?;
    open::is_plain_id(id).then(|| id.to_owned())
}

/// Whether `token` can name a staged file (what `stage_file` makes: hex digits).
fn is_token(token: &str) -> bool {
    !token.is_empty() && token.chars().all(|c| c.is_ascii_hexdigit())
}

/// The disk space this profile uses (Settings).
#[tauri::command]
#[specta::specta]
pub async fn cache_usage(shell: Shell) -> Result<CacheUsage, AppError> {
    Ok(shell.client().cache_usage().await?)
}

/// How many MiB of downloaded files to keep; a lower limit frees space at once.
#[tauri::command]
#[specta::specta]
pub async fn set_files_limit(shell: Shell, mebibytes: u32) -> Result<CacheUsage, AppError> {
    let client = shell.client();
    client
        .set_attachment_cache_limit(u64::from(mebibytes) * 1024 * 1024)
        .await?;
    Ok(client.cache_usage().await?)
}

/// A file held by the composer until the post is written.
#[derive(Serialize, Deserialize, Clone, Debug, specta::Type)]
pub struct StagedFile {
    /// Names the file in `create_post_with`'s `files`.
    pub token: String,
    pub name: String,
    pub size: u32,
}

/// Keeps a file the person picked, dropped or pasted (its bytes in base64).
#[tauri::command]
#[specta::specta]
pub async fn stage_file(
    shell: Shell,
    name: String,
    data_base64: String,
) -> Result<StagedFile, AppError> {
    let too_large = || {
        let limit = MAX_STAGED_BYTES / (1024 * 1024);
        AppError::new(
            ErrorKind::InvalidInput,
            format!("{name} is larger than {limit} MB"),
        )
    };
    // Base64 holds 3 bytes in 4 characters: a file far too large is refused before decoding.
    if (data_base64.len() / 4 * 3).saturating_sub(2) > MAX_STAGED_BYTES {
        return Err(too_large());
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data_base64.as_bytes())
        .map_err(|e| AppError::new(ErrorKind::InvalidInput, format!("the file's bytes: {e}")))?;
    if bytes.len() > MAX_STAGED_BYTES {
        return Err(too_large());
    }
    let token = uuid::Uuid::new_v4().simple().to_string();
    let name = safe_name(&name);
    let dir = shell.client().profile_dir().join(STAGING_DIR).join(&token);
    let written = async {
        tokio::fs::create_dir_all(&dir).await?;
        tokio::fs::write(dir.join(&name), &bytes).await
    };
    written
        .await
        .map_err(|e| AppError::new(ErrorKind::Local, format!("cannot keep {name}: {e}")))?;
    Ok(StagedFile {
        token,
        name,
        size: u32::try_from(bytes.len()).unwrap_or(u32::MAX),
    })
}

/// The staged files `tokens` name, in order; an unknown token is an error.
pub fn staged_paths(profile: &Path, tokens: &[String]) -> Result<Vec<PathBuf>, AppError> {
    tokens
        .iter()
        .map(|token| {
            let gone = || {
                AppError::new(
                    ErrorKind::InvalidInput,
                    "an attached file is gone; attach it again",
                )
            };
            if !is_token(token) {
                return Err(gone());
            }
            let dir = profile.join(STAGING_DIR).join(token);
            let mut entries = std::fs::read_dir(&dir).map_err(|_| gone())?;
            let entry = entries.next().ok_or_else(gone)?.map_err(|_| gone())?;
            Ok(entry.path())
        })
        .collect()
}

/// Forgets staged files (taken by a post, or left by a draft of an earlier run).
pub fn unstage(profile: &Path, tokens: Option<&[String]>) {
    let staging = profile.join(STAGING_DIR);
    let result = match tokens {
        None => std::fs::remove_dir_all(&staging),
        Some(tokens) => tokens
            .iter()
            .filter(|t| is_token(t))
            .try_for_each(|t| std::fs::remove_dir_all(staging.join(t))),
    };
    if let Err(error) = result {
        if error.kind() != std::io::ErrorKind::NotFound {
            tracing::warn!(%error, "could not remove staged files");
        }
    }
}

/// A file name without folders or control characters, as the upload's name.
fn safe_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        "file".to_owned()
    } else {
        cleaned
    }
}

/// Downloads an attachment (if needed) and saves a copy to the download
/// folder under its own name; returns where.
#[tauri::command]
#[specta::specta]
pub async fn save_attachment(
    app: AppHandle,
    shell: Shell,
    attachment_id: String,
) -> Result<String, AppError> {
    let client = shell.client();
    let attachment = client
        .attachment(&attachment_id)
        .await?
        .ok_or_else(|| AppError::new(ErrorKind::NotFound, "this file is not in this profile"))?;
    let source = client.attachment_file(&attachment_id, false).await?;
    let dir = exports::download_dir(&app)?;
    let dest = free_name(&dir, &safe_name(&attachment.name));
    let copied = async {
        tokio::fs::create_dir_all(&dir).await?;
        tokio::fs::copy(&source, &dest).await
    };
    copied.await.map_err(|e| {
        AppError::new(
            ErrorKind::Local,
            format!("cannot save to {}: {e}", dest.display()),
        )
    })?;
    Ok(dest.display().to_string())
}

/// `dir/NAME`, or `NAME (2)`, `NAME (3)`... before the extension: never another file.
fn free_name(dir: &Path, name: &str) -> PathBuf {
    let (stem, extension) = match name.rfind('.') {
        Some(dot) if dot > 0 => (&name[..dot], &name[dot..]),
        _ => (name, ""),
    };
    let mut candidate = dir.join(name);
    let mut n = 2;
    while candidate.exists() {
        candidate = dir.join(format!("{stem} ({n}){extension}"));
        n += 1;
    }
    candidate
}

#[cfg(test)]
mod tests {
    use super::{attachment_in_path, free_name, safe_name, staged_paths, unstage};

    #[test]
    fn only_plain_ids_are_attachment_addresses() {
        assert_eq!(
            attachment_in_path("/0190-ab_C").as_deref(),
            Some("0190-ab_C")
        );
        assert_eq!(attachment_in_path("/../cache.db"), None);
        assert_eq!(attachment_in_path("/a/b"), None);
        assert_eq!(attachment_in_path("/"), None);
    }

    #[test]
    fn names_lose_folders_and_control_characters() {
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_name("C:\\Users\\me\\report.pdf"), "report.pdf");
        assert_eq!(safe_name("a\u{0}b\n.txt"), "ab.txt");
        assert_eq!(safe_name(".."), "file");
        assert_eq!(safe_name(".bashrc"), "bashrc");
    }

    #[test]
    fn saved_copies_never_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            free_name(dir.path(), "plan.pdf"),
            dir.path().join("plan.pdf")
        );
        std::fs::write(dir.path().join("plan.pdf"), b"1").unwrap();
        std::fs::write(dir.path().join("plan (2).pdf"), b"2").unwrap();
        assert_eq!(
            free_name(dir.path(), "plan.pdf"),
            dir.path().join("plan (3).pdf")
        );
        std::fs::write(dir.path().join("README"), b"1").unwrap();
        assert_eq!(
            free_name(dir.path(), "README"),
            dir.path().join("README (2)")
        );
    }

    #[test]
    fn staged_files_are_found_by_token_and_forgotten() {
        let profile = tempfile::tempdir().unwrap();
        let dir = profile.path().join("staging").join("ab12");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("photo.png"), b"png").unwrap();
        let tokens = vec!["ab12".to_owned()];
        assert_eq!(
            staged_paths(profile.path(), &tokens).unwrap(),
            vec![dir.join("photo.png")]
        );
        assert!(staged_paths(profile.path(), &["../ab12".to_owned()]).is_err());
        assert!(staged_paths(profile.path(), &["cd34".to_owned()]).is_err());
        unstage(profile.path(), Some(&tokens));
        assert!(staged_paths(profile.path(), &tokens).is_err());
    }
}
