//! `commons-server import workplace`: a Workplace export (Graph API JSON,
//! see docs/import-workplace.md) into Commons. People, then groups with
//! their members and admins, then each group's feed: posts with their
//! comments (one level of replies), reactions, "seen" lists and files.
//!
//! Resumable and idempotent: `import_ids` maps every Workplace id to the
//! Commons id it became, written in the transaction that creates the item;
//! what is mapped is skipped. Transactions hold a batch of items
//! ([`BATCH_ROWS`] rows or so), never one per row nor one for everything.
//! Anything malformed is skipped and reported (file, id, reason); only an
//! export that cannot be read at all is an error.

mod batch;
mod content;
mod employees;
mod export;
mod feed;
mod files;
mod people;
mod report;
mod text;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use commons_protocol::AuditAction;

pub use report::{Counts, Kind, Skipped, Summary};

use crate::blobs::AttachmentStore;
use crate::db::{self, Database, DbError, Write};
use crate::hub::Audience;
use crate::ops::audit::{self, Target};
use crate::ops::OpError;
use export::Layout;

/// The `source` of this importer's rows in `import_ids`.
const SOURCE: &str = "workplace";
/// A write transaction is committed once it holds about this many rows.
const BATCH_ROWS: usize = 20_000;
/// Rows kept back are sent once there are this many.
const FLUSH_ROWS: usize = 2_000;
/// How often progress is reported.
const PROGRESS_EVERY: Duration = Duration::from_secs(2);

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0} is not a folder")]
    NotAFolder(PathBuf),
    #[error(
        "{0} is not a Workplace export: it holds none of members.json, groups.json, \
         employees.csv or employees.xlsx (see docs/import-workplace.md)"
    )]
    NotAnExport(PathBuf),
    #[error("nothing could be read from {path}: {reasons}")]
    NothingRead { path: PathBuf, reasons: String },
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Op(#[from] OpError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Where the import writes.
pub struct Destination<'a> {
    pub db: &'a Database,
    pub store: &'a dyn AttachmentStore,
    /// Larger attachment files are skipped (the server's upload limit).
    pub max_attachment_bytes: u64,
}

/// Imports the export at `path`; `on_progress` hears the counts every few seconds.
pub async fn import(
    into: Destination<'_>,
    path: &Path,
    on_progress: &mut dyn FnMut(&Summary),
) -> Result<Summary, ImportError> {
    if !path.is_dir() {
        return Err(ImportError::NotAFolder(path.to_path_buf()));
    }
    let io = |source| ImportError::Io {
        path: path.to_path_buf(),
        source,
    };
    let layout = Layout::find(path)
        .map_err(io)?
        .ok_or_else(|| ImportError::NotAnExport(path.to_path_buf()))?;
    let mut importer = Importer::open(into, layout, on_progress).await?;
    people::import_people(&mut importer).await?;
    let groups = people::import_groups(&mut importer).await?;
    content::import_feeds(&mut importer, &groups).await?;
    importer.finish().await
}

/// The state of one run: the id maps, the open batch, the summary so far.
pub(crate) struct Importer<'a> {
    db: &'a Database,
    store: &'a dyn AttachmentStore,
    max_attachment_bytes: u64,
    layout: Layout,
    /// Workplace id → Commons id, per kind.
    ids: HashMap<Kind, HashMap<String, String>>,
    /// Commons user id → handle, for mentions.
    handles: HashMap<String, String>,
    batch: Option<Write>,
    batch_rows: usize,
    /// Rows of the open batch not yet sent (see [`Self::flush`]).
    pending: batch::Pending,
    summary: Summary,
    /// Files that could be read, and why others could not.
    files_read: usize,
    unreadable: Vec<String>,
    last_progress: Instant,
    on_progress: &'a mut dyn FnMut(&Summary),
}

impl<'a> Importer<'a> {
    async fn open(
        into: Destination<'a>,
        layout: Layout,
        on_progress: &'a mut dyn FnMut(&Summary),
    ) -> Result<Importer<'a>, ImportError> {
        let mut conn = into.db.pool().acquire().await.map_err(DbError::from)?;
        let mut ids = HashMap::new();
        for kind in Kind::MAPPED {
            ids.insert(
                kind,
                db::imports::load_ids(&mut conn, SOURCE, kind.as_str()).await?,
            );
        }
        drop(conn);
        Ok(Importer {
            db: into.db,
            store: into.store,
            max_attachment_bytes: into.max_attachment_bytes,
            summary: Summary::new(&layout.root),
            layout,
            ids,
            handles: HashMap::new(),
            batch: None,
            batch_rows: 0,
            pending: batch::Pending::default(),
            files_read: 0,
            unreadable: Vec::new(),
            last_progress: Instant::now(),
            on_progress,
        })
    }

    /// The open batch's transaction, opening one if needed.
    async fn write(&mut self) -> Result<&mut Write, ImportError> {
        if self.batch.is_none() {
            self.batch = Some(self.db.write().await?);
        }
        Ok(self.batch.as_mut().expect("just opened"))
    }

    /// Counts `rows` written; commits the batch when it is full.
    async fn wrote(&mut self, rows: usize) -> Result<(), ImportError> {
        self.batch_rows += rows;
        if self.batch_rows >= BATCH_ROWS {
            self.commit().await?;
        } else if self.pending.len() >= FLUSH_ROWS {
            self.flush().await?;
        }
        if self.last_progress.elapsed() >= PROGRESS_EVERY {
            self.last_progress = Instant::now();
            (self.on_progress)(&self.summary);
        }
        Ok(())
    }

    /// Sends the rows kept back, before anything that refers to them.
    async fn flush(&mut self) -> Result<(), ImportError> {
        if let Some(w) = self.batch.as_mut() {
            self.pending.write(w).await?;
        }
        Ok(())
    }

    async fn commit(&mut self) -> Result<(), ImportError> {
        self.flush().await?;
        if let Some(mut w) = self.batch.take() {
            // Imported content pokes everyone once per batch, to pull it;
            // nobody is notified of it.
            w.notify(Audience::Everyone);
            w.commit().await?;
        }
        self.batch_rows = 0;
        Ok(())
    }

    fn commons_id(&self, kind: Kind, workplace_id: &str) -> Option<&str> {
        self.ids.get(&kind)?.get(workplace_id).map(String::as_str)
    }

    /// Records that `workplace_id` became `commons_id`, in the open batch
    /// (written with it, before it commits).
    async fn map(
        &mut self,
        kind: Kind,
        workplace_id: &str,
        commons_id: &str,
    ) -> Result<(), ImportError> {
        self.write().await?;
        self.pending.ids.push((
            kind.as_str(),
            workplace_id.to_string(),
            commons_id.to_string(),
        ));
        self.ids
            .entry(kind)
            .or_default()
            .insert(workplace_id.to_string(), commons_id.to_string());
        Ok(())
    }

    fn skip(&mut self, kind: Kind, file: &Path, id: &str, reason: impl Into<String>) {
        let file = file
            .strip_prefix(&self.layout.root)
            .unwrap_or(file)
            .display()
            .to_string();
        self.summary.skip(kind, file, id, reason.into());
    }

    /// A file that cannot be read at all.
    fn unreadable(&mut self, kind: Kind, file: &Path, reason: String) {
        self.unreadable
            .push(format!("{}: {reason}", file.display()));
        self.skip(kind, file, "", reason);
    }

    /// Commits the last batch with the audit entry of the run.
    async fn finish(mut self) -> Result<Summary, ImportError> {
        if self.files_read == 0 {
            self.batch = None; // rolled back: nothing to keep
            return Err(ImportError::NothingRead {
                path: self.layout.root.clone(),
                reasons: self.unreadable.join("; "),
            });
        }
        let details = self.summary.audit_details();
        let w = self.write().await?;
        audit::record(
            w.conn(),
            None,
            AuditAction::Import,
            Target::Organisation,
            details,
        )
        .await?;
        self.commit().await?;
        Ok(self.summary)
    }
}
