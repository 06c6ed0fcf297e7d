//! Exports from a client: the whole organisation (organisation admins,
//! `GET /admin/export`) or one's own data (`GET /me/export`), streamed from
//! the server into a file (`docs/export-format.md`). Online calls: offline
//! they fail with `ClientError::Offline` and leave no file behind.

use std::io::Read;

use serde::Deserialize;

use super::*;
use crate::{ExportCount, ExportSummary};

impl Client {
    /// Downloads the organisation's export (everything, secret groups
    /// included; no password hashes) to `dest`. Organisation admins only:
    /// others are refused with the server's `forbidden`.
    pub async fn export_organisation(&self, dest: &Path) -> Result<ExportSummary, ClientError> {
        self.export("/admin/export", dest).await
    }

    /// Downloads the caller's own data (profile, posts, comments, reactions,
    /// votes, files) to `dest`.
    pub async fn export_mine(&self, dest: &Path) -> Result<ExportSummary, ClientError> {
        self.export("/me/export", dest).await
    }

    async fn export(&self, path: &str, dest: &Path) -> Result<ExportSummary, ClientError> {
        let (account, token) = self.session().await?;
        let result = self
            .inner
            .api
            .download_to(&account.server_url, &token, path, dest)
            .await;
        let bytes = self.after_server_call(&account, result).await?;
        let archive = dest.to_path_buf();
        // The manifest is the archive's last file: reading it means reading
        // the archive through once, a piece at a time.
        let manifest = tokio::task::spawn_blocking(move || read_manifest(&archive))
            .await
            .ok()
            .flatten();
        let (scope, counts, files) = match manifest {
            Some(manifest) => summarise(manifest),
            None => (None, Vec::new(), 0),
        };
        Ok(ExportSummary {
            path: dest.display().to_string(),
            bytes,
            scope,
            counts,
            files,
        })
    }
}

#[derive(Deserialize)]
struct Manifest {
    scope: String,
    files: Vec<ManifestFile>,
}

#[derive(Deserialize)]
struct ManifestFile {
    path: String,
    rows: Option<u64>,
}

/// `manifest.json` of a `.tar.gz` export, or None when it cannot be read.
fn read_manifest(archive: &Path) -> Option<Manifest> {
    let file = std::fs::File::open(archive).ok()?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(std::io::BufReader::new(file)));
    for entry in tar.entries().ok()? {
        let mut entry = entry.ok()?;
        if entry.path().ok()?.as_os_str() == "manifest.json" {
            let mut text = String::new();
            entry.read_to_string(&mut text).ok()?;
            return serde_json::from_str(&text).ok();
        }
    }
    None
}

fn summarise(manifest: Manifest) -> (Option<String>, Vec<ExportCount>, u64) {
    let mut counts = Vec::new();
    let mut files = 0;
    for file in manifest.files {
        match (file.path.strip_suffix(".jsonl"), file.rows) {
            (Some(name), Some(rows)) => counts.push(ExportCount {
                name: name.to_owned(),
                rows,
            }),
            _ if file.path.starts_with("files/") => files += 1,
            _ => {}
        }
    }
    (Some(manifest.scope), counts, files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_counts_rows_and_files() {
        let manifest: Manifest = serde_json::from_str(
            r#"{"format":"commons-export","scope":"personal","files":[
                {"path":"people.jsonl","rows":1,"bytes":10,"sha256":"x"},
                {"path":"posts.jsonl","rows":3,"bytes":10,"sha256":"x"},
                {"path":"files/ab","bytes":10,"sha256":"ab"},
                {"path":"files/cd","bytes":10,"sha256":"cd"}]}"#,
        )
        .unwrap();
        let (scope, counts, files) = summarise(manifest);
        assert_eq!(scope.as_deref(), Some("personal"));
        assert_eq!(
            counts,
            [
                ExportCount {
                    name: "people".into(),
                    rows: 1
                },
                ExportCount {
                    name: "posts".into(),
                    rows: 3
                }
            ]
        );
        assert_eq!(files, 2);
    }
}
