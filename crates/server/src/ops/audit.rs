//! The audit log: the one way to record an administrative or security event,
//! and how organisation admins read it.
//!
//! Events are written inside the transaction of the change they record, so a
//! rolled-back change leaves no entry and a committed one always has its
//! entry. Where the event came from (the client's address) is set once per
//! request by the API's middleware ([`with_source`]), so no rule in `ops`
//! needs to carry it.

use std::future::Future;
use std::net::IpAddr;

use commons_protocol::{
    AuditAction, AuditPage, AuditQuery, User, DEFAULT_AUDIT_LIMIT, MAX_AUDIT_LIMIT,
};
use serde_json::Value;
use sqlx::AnyConnection;

use super::people::require_org_admin;
use super::{validate, OpError, OpResult};
use crate::db::audit::{self, Filter, NewEntry};
use crate::db::{now_millis, Database, DbError};

tokio::task_local! {
    static SOURCE: Option<IpAddr>;
}

/// Runs `future` (a request's handler) with `source` as the address of the
/// events it records.
pub async fn with_source<F: Future>(source: Option<IpAddr>, future: F) -> F::Output {
    SOURCE.scope(source, future).await
}

pub(crate) fn current_source() -> Option<IpAddr> {
    SOURCE.try_with(|source| *source).ok().flatten()
}

/// What an event was done to.
#[derive(Clone, Copy, Debug)]
pub enum Target<'a> {
    None,
    User(&'a str),
    Group(&'a str),
    Post(&'a str),
    Comment(&'a str),
    Organisation,
}

impl<'a> Target<'a> {
    fn parts(self) -> (Option<&'static str>, Option<&'a str>) {
        match self {
            Target::None => (None, None),
            Target::User(id) => (Some("user"), Some(id)),
            Target::Group(id) => (Some("group"), Some(id)),
            Target::Post(id) => (Some("post"), Some(id)),
            Target::Comment(id) => (Some("comment"), Some(id)),
            Target::Organisation => (Some("organisation"), None),
        }
    }
}

/// Appends one entry on `conn` (inside the transaction of what it records).
/// `actor_id` is `None` for the system; `details` is a JSON object.
pub async fn record(
    conn: &mut AnyConnection,
    actor_id: Option<&str>,
    action: AuditAction,
    target: Target<'_>,
    details: Value,
) -> Result<(), DbError> {
    let (target_kind, target_id) = target.parts();
    let entry = NewEntry {
        actor_id,
        action,
        target_kind,
        target_id,
        source_addr: current_source().map(|addr| addr.to_string()),
        details,
    };
    audit::append(conn, &entry, now_millis()).await
}

/// A page of the log for an organisation admin, newest first.
pub async fn list(db: &Database, actor: &User, query: &AuditQuery) -> OpResult<AuditPage> {
    require_org_admin(actor, "read the audit log")?;
    let filter = filter_of(query)?;
    let limit = query.limit.unwrap_or(DEFAULT_AUDIT_LIMIT);
    if !(1..=MAX_AUDIT_LIMIT).contains(&limit) {
        return Err(OpError::Invalid(format!(
            "limit must be between 1 and {MAX_AUDIT_LIMIT}"
        )));
    }
    let mut conn = db.pool().acquire().await?;
    // One more than asked: whether there is a next page.
    let mut entries = audit::list(&mut conn, &filter, limit + 1, false).await?;
    let next_before = if entries.len() as i64 > limit {
        entries.truncate(limit as usize);
        entries.last().map(|entry| entry.seq)
    } else {
        None
    };
    Ok(AuditPage {
        entries,
        next_before,
    })
}

fn filter_of(query: &AuditQuery) -> OpResult<Filter> {
    let action = match query.action.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(
            text.parse::<AuditAction>()
                .map_err(|e| OpError::Invalid(e.to_string()))?,
        ),
    };
    let id = |field: &str, value: &Option<String>| -> OpResult<Option<String>> {
        match value.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(text) => validate::id(field, text).map(Some),
        }
    };
    Ok(Filter {
        action,
        actor_id: id("actor_id", &query.actor_id)?,
        target_id: id("target_id", &query.target_id)?,
        since: query.since,
        until: query.until,
        before: query.before,
        after: None,
    })
}

/// Every entry oldest first, in pages of `page` entries, for exports:
/// `each` receives the pages in order.
pub async fn for_each_page<F>(db: &Database, page: i64, mut each: F) -> OpResult<u64>
where
    F: FnMut(Vec<commons_protocol::AuditEntry>) -> OpResult<()>,
{
    let mut conn = db.pool().acquire().await?;
    let mut after = None;
    let mut total = 0;
    loop {
        let filter = Filter {
            after,
            ..Filter::default()
        };
        let entries = audit::list(&mut conn, &filter, page, true).await?;
        let Some(last) = entries.last() else {
            return Ok(total);
        };
        after = Some(last.seq);
        total += entries.len() as u64;
        each(entries)?;
    }
}
