//! Exports saved from the desktop: the organisation's (organisation admins,
//! the admin area's Exports tab) and one's own data (Settings). The client
//! core streams the server's archive into a file of the download folder,
//! under a dated name that never overwrites another file.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use commons_client::ExportSummary;
use tauri::{AppHandle, Manager};

use crate::commands::Shell;
use crate::error::{AppError, ErrorKind};

/// Where exports are saved instead of the user's download folder (tests,
/// or a machine whose download folder is elsewhere).
pub const DOWNLOAD_DIR_ENV: &str = "COMMONS_DOWNLOAD_DIR";

/// Downloads the organisation's export (everything, secret groups included).
#[tauri::command]
#[specta::specta]
pub async fn export_organisation(app: AppHandle, shell: Shell) -> Result<ExportSummary, AppError> {
    let dest = destination(&app, "commons-export")?;
    Ok(shell.client().export_organisation(&dest).await?)
}

/// Downloads the signed-in person's own data.
#[tauri::command]
#[specta::specta]
pub async fn export_mine(app: AppHandle, shell: Shell) -> Result<ExportSummary, AppError> {
    let dest = destination(&app, "commons-my-data")?;
    Ok(shell.client().export_mine(&dest).await?)
}

/// A free `PREFIX-YYYY-MM-DD[-N].tar.gz` in the download folder.
fn destination(app: &AppHandle, prefix: &str) -> Result<PathBuf, AppError> {
    let dir = download_dir(app)?;
    std::fs::create_dir_all(&dir).map_err(|e| {
        AppError::new(
            ErrorKind::Local,
            format!("cannot create {}: {e}", dir.display()),
        )
    })?;
    let date = utc_date(SystemTime::now());
    Ok(free_path(&dir, prefix, &date, |path| {
        path.exists() || commons_partial(path).exists()
    }))
}

/// `COMMONS_DOWNLOAD_DIR`, else the user's download folder, else their home.
pub(crate) fn download_dir(app: &AppHandle) -> Result<PathBuf, AppError> {
    if let Some(dir) = std::env::var_os(DOWNLOAD_DIR_ENV).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    let paths = app.path();
    paths
        .download_dir()
        .or_else(|_| paths.home_dir())
        .map_err(|e| AppError::new(ErrorKind::Local, format!("no folder to save into: {e}")))
}

/// Where the client core writes a download until it is complete.
fn commons_partial(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    path.with_file_name(name)
}

/// `dir/PREFIX-DATE.tar.gz`, or with `-2`, `-3`... the first that is not `taken`.
pub(crate) fn free_path(
    dir: &Path,
    prefix: &str,
    date: &str,
    taken: impl Fn(&Path) -> bool,
) -> PathBuf {
    let mut n = 1u32;
    loop {
        let name = if n == 1 {
            format!("{prefix}-{date}.tar.gz")
        } else {
            format!("{prefix}-{date}-{n}.tar.gz")
        };
        let path = dir.join(name);
        if !taken(&path) {
            return path;
        }
        n += 1;
    }
}

/// `YYYY-MM-DD` of a moment, in UTC.
pub(crate) fn utc_date(at: SystemTime) -> String {
    let days = at
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400) as i64;
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard
/// Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn dates_are_utc_calendar_days() {
        let at = |secs: u64| utc_date(UNIX_EPOCH + Duration::from_secs(secs));
        assert_eq!(at(0), "1970-01-01");
        assert_eq!(at(951_782_400), "2000-02-29");
        assert_eq!(at(1_796_687_999), "2026-12-07");
        assert_eq!(at(1_796_688_000), "2026-12-08");
    }

    #[test]
    fn names_are_dated_and_never_taken() {
        let dir = Path::new("/downloads");
        let name = |taken: &[&str]| {
            free_path(dir, "commons-export", "2026-12-07", |p| {
                taken.iter().any(|t| p == dir.join(t))
            })
        };
        assert_eq!(name(&[]), dir.join("commons-export-2026-12-07.tar.gz"));
        assert_eq!(
            name(&["commons-export-2026-12-07.tar.gz"]),
            dir.join("commons-export-2026-12-07-2.tar.gz")
        );
        assert_eq!(
            name(&[
                "commons-export-2026-12-07.tar.gz",
                "commons-export-2026-12-07-2.tar.gz"
            ]),
            dir.join("commons-export-2026-12-07-3.tar.gz")
        );
    }

    #[test]
    fn a_download_under_way_takes_its_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("commons-my-data-2026-12-07.tar.gz.partial"),
            b"",
        )
        .unwrap();
        let path = free_path(dir.path(), "commons-my-data", "2026-12-07", |p| {
            p.exists() || commons_partial(p).exists()
        });
        assert_eq!(path, dir.path().join("commons-my-data-2026-12-07-2.tar.gz"));
    }
}
