//! The export (`commons-server export`'s code) of the seeded organisation,
//! and its import into an empty server: time, rate, archive size, and how
//! much the process's peak memory grew (the export must not hold a table).

use std::path::Path;
use std::time::Instant;

use commons_server::db::Database;
use commons_server::DatabaseConfig;

use crate::report::Report;

/// The process's peak resident memory so far (Linux `VmHWM`), in MiB.
fn peak_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn store(
    database: &DatabaseConfig,
) -> anyhow::Result<std::sync::Arc<dyn commons_server::blobs::AttachmentStore>> {
    Ok(commons_server::open_attachment_store(
        database,
        &commons_server::AttachmentStoreConfig::Local,
    )?)
}

/// Exports `db` to `scratch/export.tar.gz`, then imports it into
/// `import_into` (an empty database).
pub async fn run(
    db: &Database,
    database: &DatabaseConfig,
    import_into: &DatabaseConfig,
    scratch: &Path,
    report: &mut Report,
) -> anyhow::Result<()> {
    let archive = scratch.join("export.tar.gz");
    let peak_before = peak_mib();
    let started = Instant::now();
    let manifest = commons_server::export::organisation_to_file(
        db,
        store(database)?.as_ref(),
        &archive,
        false,
    )
    .await?;
    let took = started.elapsed();
    let peak_growth = match (peak_before, peak_mib()) {
        (Some(before), Some(after)) => format!(", peak memory +{:.0} MiB", after - before),
        _ => String::new(),
    };
    let rows: u64 = manifest.files.iter().filter_map(|f| f.rows).sum();
    let bytes = std::fs::metadata(&archive)?.len();
    report.add(
        "organisation export (`commons-server export`), one snapshot",
        format!(
            "{rows} rows in {:.1} s = {:.0} rows/s, archive {:.0} MB{peak_growth}",
            took.as_secs_f64(),
            rows as f64 / took.as_secs_f64(),
            bytes as f64 / 1e6
        ),
        "reported",
    );

    let target = Database::open(import_into).await?;
    let started = Instant::now();
    let imported =
        commons_server::export::import_commons(&target, store(import_into)?.as_ref(), &archive)
            .await;
    let took = started.elapsed();
    target.close().await;
    let imported = imported?;
    let rows: u64 = imported.rows.iter().map(|(_, n)| n).sum();
    report.add(
        "import of that archive into an empty server (`import commons`), checksums first",
        format!(
            "{rows} rows in {:.1} s = {:.0} rows/s",
            took.as_secs_f64(),
            rows as f64 / took.as_secs_f64()
        ),
        "under 2 minutes",
    );
    Ok(())
}
