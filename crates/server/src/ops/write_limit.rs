//! Throttles writes per person, counted in the database so the limit holds
//! however many nodes share it. The counters are the fixed windows of
//! `db::login_attempts` (one table of rate counters), keyed by a hash of
//! `writes:<user id>`. A refused write is counted too: a client hammering
//! past the limit does not earn its next window sooner.

use super::login_limit::retry_after_secs;
use super::{OpError, OpResult};
use crate::config::WriteLimits;
use crate::db::{self, now_millis, Database};
use crate::secrets;

/// Shared by a node's requests; cheap to clone.
#[derive(Clone, Debug)]
pub struct WriteLimiter {
    limits: WriteLimits,
}

impl WriteLimiter {
    pub fn new(limits: WriteLimits) -> Self {
        WriteLimiter { limits }
    }

    /// Counts one write by `user_id`; refuses it over the limit.
    pub async fn admit(&self, db: &Database, user_id: &str) -> OpResult<()> {
        let now = now_millis();
        let window = i64::try_from(self.limits.window.as_millis()).unwrap_or(i64::MAX);
        let key = secrets::fingerprint(&format!("writes:{user_id}"));
        // The turn before the connection, as in `Database::write`: the other
        // order deadlocks once every connection waits for the turn.
        let turn = db.single_write_turn().await;
        let mut conn = db.pool().acquire().await?;
        let counted =
            db::login_attempts::count(&mut conn, &key, now, now.saturating_sub(window)).await?;
        drop(turn);
        if counted.attempts <= self.limits.per_user {
            return Ok(());
        }
        Err(OpError::RateLimited {
            what: "writes",
            retry_after_secs: retry_after_secs(counted.window_start.saturating_add(window) - now),
        })
    }
}
