//! Pass one of an import: every file of the archive against the manifest's
//! checksums and sizes, before anything is written.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use flate2::read::GzDecoder;
use sha2::{Digest, Sha256};

use super::import::ImportError;
use super::manifest::{self, Manifest};

pub(super) fn open(path: &Path) -> Result<File, ImportError> {
    File::open(path).map_err(|source| ImportError::Open {
        path: path.to_path_buf(),
        source,
    })
}

pub(super) fn damaged(path: &str, source: io::Error) -> ImportError {
    ImportError::Damaged {
        path: path.to_string(),
        source,
    }
}

pub(super) fn entry_path<R: Read>(entry: &tar::Entry<'_, R>) -> Result<String, ImportError> {
    let path = entry.path().map_err(|e| damaged("an entry's name", e))?;
    Ok(path.to_string_lossy().into_owned())
}

/// Pass one: every file's checksum and size against the manifest.
pub(super) fn verify(archive: &Path) -> Result<Manifest, ImportError> {
    let mut tar = tar::Archive::new(GzDecoder::new(open(archive)?));
    let mut seen: BTreeMap<String, (String, u64)> = BTreeMap::new();
    let mut manifest_text = None;
    let mut current = "the archive".to_string();
    let entries = tar.entries().map_err(|e| damaged(&current, e))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| damaged(&current, e))?;
        current = entry_path(&entry)?;
        if current == manifest::MANIFEST_FILE {
            let mut text = Vec::new();
            entry
                .read_to_end(&mut text)
                .map_err(|e| damaged(&current, e))?;
            manifest_text = Some(text);
            continue;
        }
        let mut hasher = Sha256::new();
        let size =
            io::copy(&mut entry, &mut HashWriter(&mut hasher)).map_err(|e| damaged(&current, e))?;
        let sha256 = super::archive::hex(&hasher.finalize());
        seen.insert(current.clone(), (sha256, size));
    }
    let text = manifest_text.ok_or(ImportError::NoManifest)?;
    let manifest: Manifest =
        serde_json::from_slice(&text).map_err(|e| ImportError::BadManifest(e.to_string()))?;
    if manifest.format != manifest::FORMAT {
        return Err(ImportError::BadManifest(format!(
            "format {:?} is not {:?}",
            manifest.format,
            manifest::FORMAT
        )));
    }
    if manifest.format_version != manifest::FORMAT_VERSION {
        return Err(ImportError::BadManifest(format!(
            "format version {} is not the one this server reads ({})",
            manifest.format_version,
            manifest::FORMAT_VERSION
        )));
    }
    for file in &manifest.files {
        match seen.remove(&file.path) {
            None => {
                return Err(ImportError::Missing {
                    path: file.path.clone(),
                })
            }
            Some((sha256, size)) if sha256 != file.sha256 || size != file.bytes => {
                return Err(ImportError::Checksum {
                    path: file.path.clone(),
                })
            }
            Some(_) => {}
        }
    }
    if let Some(path) = seen.into_keys().next() {
        return Err(ImportError::Unlisted { path });
    }
    Ok(manifest)
}

struct HashWriter<'a>(&'a mut Sha256);

impl io::Write for HashWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
