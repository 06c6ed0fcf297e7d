//! Write transactions: the only way to append to the change log.
//!
//! Ordering invariant of the change log: a change becomes visible to readers
//! only after every change with a smaller seq is visible (or rolled back).
//! Sync relies on it: it reads `head = MAX(seq)` and then serves `(since, head]`;
//! if a smaller seq could commit after a larger one, a reader could move its
//! cursor past a change that was still in flight and never see it.
//!
//! - PostgreSQL hands out identity values at insert time, not commit time, so
//!   every write transaction first takes one transaction-scoped advisory lock
//!   ([`CHANGE_LOG_LOCK`]). Writers therefore allocate seqs and commit one at a
//!   time, in seq order. (It also makes the idempotency check race-free.)
//! - SQLite has a single writer anyway; `BEGIN IMMEDIATE` takes the write lock
//!   up front so a transaction never fails half-way on a lock upgrade. Writers
//!   of this process first queue on an in-process lock ([`Database`]'s
//!   `writer`): waiting on SQLite's own lock means its busy handler, which
//!   sleeps up to 100 ms between tries, and so a few hundred writes a second.
//!
//! On PostgreSQL the commit's poke is NOTIFYed inside the transaction, so all
//! nodes hear of exactly the commits that happened (see `hub`).

use sqlx::{Any, AnyConnection, Transaction};
use tokio::sync::OwnedMutexGuard;

use super::changes::{self, NewChange};
use super::{Backend, Database, DbError};
use crate::hub::{self, Audience, Poke};

/// Key of the PostgreSQL advisory lock that serialises change-log writers ("commons").
const CHANGE_LOG_LOCK: i64 = 0x0063_6f6d_6d6f_6e73;

/// An open write transaction, with what its commit should poke.
pub struct Write {
    tx: Transaction<'static, Any>,
    backend: Backend,
    last_seq: Option<i64>,
    audience: Audience,
    /// SQLite: this process's writers take turns (declared after `tx`, so
    /// released after it).
    _turn: Option<OwnedMutexGuard<()>>,
}

impl Write {
    pub(super) async fn begin(db: &Database) -> Result<Self, DbError> {
        let mut turn = None;
        let tx = match db.backend() {
            Backend::Sqlite => {
                turn = Some(db.writer.clone().lock_owned().await);
                db.pool().begin_with("BEGIN IMMEDIATE").await?
            }
            Backend::Postgres => {
                let mut tx = db.pool().begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(CHANGE_LOG_LOCK)
                    .execute(&mut *tx)
                    .await?;
                tx
            }
        };
        Ok(Write {
            tx,
            backend: db.backend(),
            last_seq: None,
            audience: Audience::nobody(),
            _turn: turn,
        })
    }

    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }

    /// Appends one change-log entry and returns its seq.
    pub async fn append(&mut self, change: NewChange<'_>) -> Result<i64, DbError> {
        let seq = changes::append(&mut self.tx, change).await?;
        self.last_seq = Some(seq);
        Ok(seq)
    }

    /// Appends several entries at once (imports): answers each one's seq with
    /// its `entity_id` and `user_id`.
    pub async fn append_many(
        &mut self,
        changes: &[NewChange<'_>],
    ) -> Result<Vec<(i64, String, Option<String>)>, DbError> {
        let appended = changes::append_many(&mut self.tx, changes).await?;
        if let Some(newest) = appended.iter().map(|(seq, _, _)| *seq).max() {
            self.last_seq = Some(self.last_seq.map_or(newest, |last| last.max(newest)));
        }
        Ok(appended)
    }

    /// The seq of the last change appended in this transaction.
    pub fn last_seq(&self) -> Option<i64> {
        self.last_seq
    }

    /// Adds people who should be poked once this transaction commits.
    pub fn notify(&mut self, audience: Audience) {
        self.audience.merge(audience);
    }

    /// Commits; returns the poke to publish when changes were appended.
    pub async fn commit(mut self) -> Result<Option<Poke>, DbError> {
        let poke = self.last_seq.map(|head| Poke {
            head,
            audience: self.audience,
        });
        if let (Some(poke), Backend::Postgres) = (&poke, self.backend) {
            hub::notify(&mut self.tx, poke).await?;
        }
        self.tx.commit().await?;
        Ok(poke)
    }
}
