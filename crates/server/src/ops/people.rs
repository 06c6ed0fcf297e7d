//! People: profiles, the directory, and what organisation admins do to
//! accounts (deactivate, reactivate, make admin).
//!
//! Everyone sees everyone's profile (deactivated people included, flagged),
//! so every change to a person appends a `user` change visible to all.

use std::collections::HashSet;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use commons_protocol::{
    AuditAction, UpdateProfileRequest, User, UserPage, DEFAULT_DIRECTORY_LIMIT, MAX_DIRECTORY_LIMIT,
};
use serde_json::json;

use super::audit::{self, Target};
use super::{validate, OpError, OpResult};
use crate::db::changes::{ChangeKind, NewChange};
use crate::db::users::{DirectoryQuery, Profile};
use crate::db::{self, now_millis, Database, Write};
use crate::hub::Audience;

/// Words of a directory filter beyond this many are ignored.
const MAX_DIRECTORY_WORDS: usize = 8;

fn person_not_found() -> OpError {
    OpError::NotFound("person not found".into())
}

/// Edits the caller's own profile; absent fields stay. Changing nothing
/// appends nothing.
pub async fn update_profile(
    w: &mut Write,
    actor: &User,
    request: &UpdateProfileRequest,
) -> OpResult<User> {
    let current = db::users::find(w.conn(), &actor.id)
        .await?
        .ok_or_else(person_not_found)?;
    let name = match &request.name {
        Some(name) => validate::user_name(name)?,
        None => current.name.clone(),
    };
    let line = |field: &str, new: &Option<String>, old: &str| match new {
        Some(text) => validate::profile_line(field, text),
        None => Ok(old.to_string()),
    };
    let title = line("title", &request.title, &current.title)?;
    let department = line("department", &request.department, &current.department)?;
    let location = line("location", &request.location, &current.location)?;
    let about = match &request.about {
        Some(text) => validate::about(text)?,
        None => current.about.clone(),
    };
    let manager_id = match request.manager_id.as_deref().map(str::trim) {
        None => current.manager_id.clone(),
        Some("") => None,
        Some(text) => {
            let id = validate::id("manager_id", text)?;
            if current.manager_id.as_deref() != Some(id.as_str()) {
                check_manager(w, &current, &id).await?;
            }
            Some(id)
        }
    };
    let unchanged = name == current.name
        && title == current.title
        && department == current.department
        && location == current.location
        && about == current.about
        && manager_id == current.manager_id;
    if unchanged {
        return Ok(current);
    }
    let profile = Profile {
        name: &name,
        title: &title,
        department: &department,
        location: &location,
        manager_id: manager_id.as_deref(),
        about: &about,
    };
    db::users::update_profile(w.conn(), &current.id, &profile).await?;
    changed(w, &current.id).await
}

/// A manager must be someone else, active, and not report to `person`
/// (directly or through others): the reporting lines stay a forest.
async fn check_manager(w: &mut Write, person: &User, manager_id: &str) -> OpResult<()> {
    if manager_id == person.id {
        return Err(OpError::Invalid("you cannot be your own manager".into()));
    }
    let Some(manager) = db::users::find(w.conn(), manager_id).await? else {
        return Err(OpError::Invalid(format!(
            "manager_id {manager_id} names no one in the organisation"
        )));
    };
    if manager.deactivated {
        return Err(OpError::Invalid(format!(
            "{} is deactivated and cannot be a manager",
            manager.name
        )));
    }
    let mut seen = HashSet::new();
    let mut next = Some(manager.id.clone());
    while let Some(id) = next {
        if id == person.id {
            return Err(OpError::Invalid(format!(
                "{} reports to you, so they cannot be your manager",
                manager.name
            )));
        }
        if !seen.insert(id.clone()) {
            break; // An older loop above; not ours to fix here.
        }
        next = db::users::manager_of(w.conn(), &id).await?;
    }
    Ok(())
}

/// Logs a change to a person (everyone sees people) and returns their new state.
pub(super) async fn changed(w: &mut Write, user_id: &str) -> OpResult<User> {
    w.append(NewChange {
        kind: ChangeKind::User,
        entity_id: user_id,
        group_id: None,
        user_id: None,
    })
    .await?;
    w.notify(Audience::Everyone);
    db::users::find(w.conn(), user_id)
        .await?
        .ok_or_else(|| OpError::Internal(format!("user {user_id} vanished while being changed")))
}

pub async fn get(db: &Database, user_id: &str) -> OpResult<User> {
    let user_id = validate::id("user id", user_id)?;
    let mut conn = db.pool().acquire().await?;
    db::users::find(&mut conn, &user_id)
        .await?
        .ok_or_else(person_not_found)
}

/// `@Ada`, `ada` and `ADA` all find @ada.
pub async fn by_handle(db: &Database, handle: &str) -> OpResult<User> {
    let handle = handle.trim();
    let handle = handle.strip_prefix('@').unwrap_or(handle).to_lowercase();
    let not_found = || OpError::NotFound(format!("no one has the handle @{handle}"));
    // No handle holds a control character (and PostgreSQL refuses NUL in text).
    if handle.chars().any(char::is_control) {
        return Err(not_found());
    }
    let mut conn = db.pool().acquire().await?;
    db::users::find_by_handle(&mut conn, &handle)
        .await?
        .ok_or_else(not_found)
}

/// What `GET /users` asks for.
#[derive(Clone, Debug, Default)]
pub struct DirectoryParams {
    pub q: Option<String>,
    pub after: Option<String>,
    pub limit: Option<i64>,
    pub include_deactivated: bool,
}

/// A page of the directory, by name.
pub async fn directory(db: &Database, params: &DirectoryParams) -> OpResult<UserPage> {
    let limit = params
        .limit
        .unwrap_or(DEFAULT_DIRECTORY_LIMIT)
        .clamp(1, MAX_DIRECTORY_LIMIT);
    let words = params
        .q
        .as_deref()
        .unwrap_or_default()
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|word| !word.is_empty())
        .take(MAX_DIRECTORY_WORDS)
        .map(str::to_lowercase)
        .collect();
    let after = params.after.as_deref().map(decode_cursor).transpose()?;
    let query = DirectoryQuery {
        words,
        after,
        include_deactivated: params.include_deactivated,
        limit: limit + 1,
    };
    let mut conn = db.pool().acquire().await?;
    let mut users = db::users::directory(&mut conn, &query).await?;
    let next = if i64::try_from(users.len()).unwrap_or(i64::MAX) > limit {
        users.pop();
        users.last().map(encode_cursor)
    } else {
        None
    };
    Ok(UserPage { users, next })
}

/// The position after `user` in the directory's order (name, id), opaque to clients.
fn encode_cursor(user: &User) -> String {
    let position = serde_json::json!([user.name, user.id]).to_string();
    URL_SAFE_NO_PAD.encode(position)
}

fn decode_cursor(text: &str) -> OpResult<(String, String)> {
    URL_SAFE_NO_PAD
        .decode(text)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<(String, String)>(&bytes).ok())
        .ok_or_else(|| OpError::Invalid(format!("invalid directory cursor {text:?}")))
}

pub(crate) fn require_org_admin(actor: &User, what: &str) -> OpResult<()> {
    if actor.is_admin {
        Ok(())
    } else {
        Err(OpError::Forbidden(format!(
            "only organisation admins can {what}"
        )))
    }
}

async fn target(w: &mut Write, user_id: &str) -> OpResult<User> {
    let user_id = validate::id("user id", user_id)?;
    db::users::find(w.conn(), &user_id)
        .await?
        .ok_or_else(person_not_found)
}

/// An organisation admin deactivates someone (`POST /admin/users/{id}/deactivate`).
pub async fn deactivate(w: &mut Write, actor: &User, user_id: &str) -> OpResult<User> {
    require_org_admin(actor, "deactivate accounts")?;
    let person = target(w, user_id).await?;
    set_active(w, Some(actor), person, false).await
}

/// An organisation admin reactivates someone (`POST /admin/users/{id}/reactivate`).
pub async fn reactivate(w: &mut Write, actor: &User, user_id: &str) -> OpResult<User> {
    require_org_admin(actor, "reactivate accounts")?;
    let person = target(w, user_id).await?;
    set_active(w, Some(actor), person, true).await
}

/// `admin deactivate|reactivate EMAIL`: the same rules, outside a running server.
pub async fn set_active_by_email(db: &Database, email: &str, active: bool) -> OpResult<User> {
    let email = validate::email(email)?;
    let mut w = db.write().await?;
    let person = db::users::find_by_email(w.conn(), &email)
        .await?
        .ok_or_else(|| OpError::NotFound(format!("no user with e-mail {email}")))?;
    let person = set_active(&mut w, None, person, active).await?;
    w.commit().await?;
    Ok(person)
}

/// Deactivating ends every session of the person at once (their next request
/// is 401) and refuses their logins; their content stays. The last active
/// organisation admin cannot be deactivated. Asking for the state a person
/// is already in changes nothing.
/// `actor` is `None` for a command run on the server.
async fn set_active(
    w: &mut Write,
    actor: Option<&User>,
    person: User,
    active: bool,
) -> OpResult<User> {
    let actor_id = actor.map(|a| a.id.as_str());
    if active {
        if !person.deactivated {
            return Ok(person);
        }
        if db::erasure::is_erased(w.conn(), &person.id).await? {
            return Err(OpError::Conflict(
                "this account was erased: it can never log in again".into(),
            ));
        }
        db::users::set_deactivated_at(w.conn(), &person.id, None).await?;
        let action = AuditAction::UserReactivated;
        audit::record(
            w.conn(),
            actor_id,
            action,
            Target::User(&person.id),
            json!({}),
        )
        .await?;
        return changed(w, &person.id).await;
    }
    // Sessions may have been opened by a login racing an earlier deactivation.
    let sessions = db::users::delete_sessions_of(w.conn(), &person.id).await?;
    if sessions > 0 {
        let action = AuditAction::SessionsRevoked;
        let details = json!({"sessions": sessions, "reason": "deactivated"});
        audit::record(
            w.conn(),
            actor_id,
            action,
            Target::User(&person.id),
            details,
        )
        .await?;
    }
    if person.deactivated {
        return Ok(person);
    }
    if person.is_admin && db::users::active_admin_count(w.conn()).await? <= 1 {
        return Err(OpError::Conflict(format!(
            "{} is the last organisation admin: make someone else an admin first",
            person.name
        )));
    }
    db::users::set_deactivated_at(w.conn(), &person.id, Some(now_millis())).await?;
    let action = AuditAction::UserDeactivated;
    audit::record(
        w.conn(),
        actor_id,
        action,
        Target::User(&person.id),
        json!({}),
    )
    .await?;
    changed(w, &person.id).await
}

/// An organisation admin makes someone an organisation admin, or not
/// (`POST /admin/users/{id}/role`). The last active admin stays one.
pub async fn set_org_admin(
    w: &mut Write,
    actor: &User,
    user_id: &str,
    is_admin: bool,
) -> OpResult<User> {
    require_org_admin(actor, "change who is an organisation admin")?;
    let person = target(w, user_id).await?;
    if person.is_admin == is_admin {
        return Ok(person);
    }
    if !is_admin && !person.deactivated && db::users::active_admin_count(w.conn()).await? <= 1 {
        return Err(OpError::Conflict(format!(
            "{} is the last organisation admin: make someone else an admin first",
            person.name
        )));
    }
    db::users::set_admin(w.conn(), &person.id, is_admin).await?;
    audit::record(
        w.conn(),
        Some(&actor.id),
        AuditAction::UserRoleChanged,
        Target::User(&person.id),
        json!({"is_admin": is_admin}),
    )
    .await?;
    changed(w, &person.id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_cursors_round_trip_and_reject_garbage() {
        let user = User {
            id: "0190a7e2-8c3b-7f00-8000-000000000001".into(),
            name: "Ada \"the\" Lovelace".into(),
            ..User::default()
        };
        let cursor = encode_cursor(&user);
        assert_eq!(
            decode_cursor(&cursor).unwrap(),
            (user.name.clone(), user.id.clone())
        );
        assert!(decode_cursor("not a cursor").is_err());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode("[1,2]")).is_err());
    }
}
