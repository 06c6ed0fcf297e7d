//! Accounts, logins and sessions.

use std::net::IpAddr;

use commons_protocol::{AuditAction, GroupRole, LoginRequest, LoginResponse, Membership, User};
use serde_json::json;
use uuid::Uuid;

use super::audit::{self, Target};
use super::login_limit::LoginLimiter;
use super::{groups, validate, OpError, OpResult};
use crate::db::changes::{ChangeKind, NewChange};
use crate::db::{self, now_millis, Database, Write};
use crate::hub::Audience;
use crate::secrets;

/// An account to create, as typed by an administrator.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub password: String,
    pub is_admin: bool,
}

/// A validated account with its password already hashed (the slow part,
/// done before any transaction is opened).
#[derive(Clone, Debug)]
pub struct PreparedUser {
    email: String,
    name: String,
    password_hash: String,
    is_admin: bool,
    title: String,
    department: String,
}

impl PreparedUser {
    /// With a job title and department (as an identity provider gives them).
    /// An account without a usable password (an imported person, or one
    /// that single sign-on creates): they log in through single sign-on or
    /// once an admin sets a password.
    pub fn without_password(email: &str, name: &str) -> OpResult<PreparedUser> {
        Ok(PreparedUser {
            email: validate::email(email)?,
            name: validate::user_name(name)?,
            password_hash: secrets::NO_PASSWORD.to_string(),
            is_admin: false,
            title: String::new(),
            department: String::new(),
        })
    }

    pub fn with_profile(mut self, title: String, department: String) -> Self {
        self.title = title;
        self.department = department;
        self
    }
}

/// Longest handle derived from an e-mail address, before any numeric suffix.
const MAX_HANDLE_BASE_CHARS: usize = 32;
/// Longest device name kept with a session; longer ones are cut.
const MAX_DEVICE_NAME_CHARS: usize = 100;

pub async fn prepare(new: NewUser) -> OpResult<PreparedUser> {
    let email = validate::email(&new.email)?;
    let name = validate::user_name(&new.name)?;
    validate::new_password(&new.password)?;
    let password_hash = blocking(move || secrets::hash_password(&new.password))
        .await?
        .map_err(|e| OpError::Internal(e.to_string()))?;
    Ok(PreparedUser {
        email,
        name,
        password_hash,
        is_admin: new.is_admin,
        title: String::new(),
        department: String::new(),
    })
}

/// Creates the account and its membership of the default group (creating
/// that group, with this user as its admin, for the very first account).
pub async fn insert(w: &mut Write, new: &PreparedUser) -> OpResult<User> {
    insert_by(w, None, new).await
}

/// An organisation admin creates an account for someone
/// (`POST /admin/users`), with a first password to hand over.
pub async fn invite(w: &mut Write, actor: &User, new: &PreparedUser) -> OpResult<User> {
    super::people::require_org_admin(actor, "add people")?;
    insert_by(w, Some(&actor.id), new).await
}

/// [`insert`], recording `actor_id` (`None`: the system) as who created it.
async fn insert_by(w: &mut Write, actor_id: Option<&str>, new: &PreparedUser) -> OpResult<User> {
    if db::users::email_taken(w.conn(), &new.email).await? {
        return Err(OpError::Conflict(format!(
            "a user with e-mail {} already exists",
            new.email
        )));
    }
    let user = User {
        id: Uuid::now_v7().to_string(),
        email: new.email.clone(),
        name: new.name.clone(),
        handle: unique_handle(w, &new.email).await?,
        is_admin: new.is_admin,
        created_at: now_millis(),
        title: new.title.clone(),
        department: new.department.clone(),
        ..User::default()
    };
    db::users::insert(w.conn(), &user, &new.password_hash).await?;
    w.append(NewChange {
        kind: ChangeKind::User,
        entity_id: &user.id,
        group_id: None,
        user_id: None,
    })
    .await?;
    w.notify(Audience::Everyone);

    let (default_group, role) = match db::groups::default_group(w.conn()).await? {
        Some(group) => (group, GroupRole::Member),
        None => (groups::create_default(w, &user).await?, GroupRole::Admin),
    };
    let membership = Membership {
        group_id: default_group.id,
        user_id: user.id.clone(),
        role,
        joined_at: now_millis(),
    };
    groups::insert_membership(w, &membership).await?;
    audit::record(
        w.conn(),
        actor_id,
        AuditAction::UserCreated,
        Target::User(&user.id),
        json!({"email": user.email, "is_admin": user.is_admin}),
    )
    .await?;
    Ok(user)
}

/// Sets the password of the account with this e-mail (`admin set-password`)
/// and ends its sessions, so that whoever held the old one is logged out.
pub async fn set_password(db: &Database, email: &str, password: String) -> OpResult<User> {
    let email = validate::email(email)?;
    validate::new_password(&password)?;
    let password_hash = blocking(move || secrets::hash_password(&password))
        .await?
        .map_err(|e| OpError::Internal(e.to_string()))?;
    let mut w = db.write().await?;
    let person = db::users::find_by_email(w.conn(), &email)
        .await?
        .ok_or_else(|| OpError::NotFound(format!("no user with e-mail {email}")))?;
    db::users::set_password_hash(w.conn(), &person.id, &password_hash).await?;
    let sessions = db::users::delete_sessions_of(w.conn(), &person.id).await?;
    audit::record(
        w.conn(),
        None,
        AuditAction::PasswordSet,
        Target::User(&person.id),
        json!({"sessions": sessions}),
    )
    .await?;
    w.commit().await?;
    Ok(person)
}

/// Creates one account outside a running server (`admin create-user`).
pub async fn create(db: &Database, new: NewUser) -> OpResult<User> {
    let prepared = prepare(new).await?;
    let mut w = db.write().await?;
    let user = insert(&mut w, &prepared).await?;
    w.commit().await?;
    Ok(user)
}

/// The local part of the e-mail, lowercased, keeping only `[a-z0-9._-]`.
fn handle_base(email: &str) -> String {
    let local = email.split('@').next().unwrap_or_default().to_lowercase();
    let kept: String = local
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .take(MAX_HANDLE_BASE_CHARS)
        .collect();
    // A mention never ends with '.', so neither may a handle.
    let trimmed = kept.trim_matches('.');
    if trimmed.is_empty() {
        "user".to_string()
    } else {
        trimmed.to_string()
    }
}

/// `ada`, or `ada2`, `ada3`, ... when taken.
pub(crate) async fn unique_handle(w: &mut Write, email: &str) -> OpResult<String> {
    let base = handle_base(email);
    let mut candidate = base.clone();
    for suffix in 2..10_000 {
        if !db::users::handle_taken(w.conn(), &candidate).await? {
            return Ok(candidate);
        }
        candidate = format!("{base}{suffix}");
    }
    Err(OpError::Conflict(format!(
        "no free handle left for {base:?}"
    )))
}

/// Checks the password and opens a session, unless `limiter` refuses
/// another attempt for this e-mail or from `source`. With `sso_required`,
/// only organisation admins may log in with a password (break-glass, for
/// when the identity provider fails); the others are told to use SSO.
pub async fn login(
    db: &Database,
    limiter: &LoginLimiter,
    request: &LoginRequest,
    source: Option<IpAddr>,
    sso_required: bool,
) -> OpResult<LoginResponse> {
    let email = request.email.trim().to_lowercase();
    let mut conn = db.pool().acquire().await?;
    let attempt = match limiter.begin(&mut conn, &email, source).await {
        Ok(attempt) => attempt,
        Err(refused) => {
            login_failed(&mut conn, None, &email, "rate_limited").await?;
            return Err(refused);
        }
    };
    let found = db::users::find_for_login(&mut conn, &email).await?;
    let (user, stored_hash) = match found {
        Some((user, hash)) => (Some(user), Some(hash)),
        None => (None, None),
    };
    let password = request.password.clone();
    let matches =
        blocking(move || secrets::verify_password(&password, stored_hash.as_deref())).await?;
    let user = match user {
        Some(user) if matches => user,
        user => {
            let reason = if user.is_some() {
                "wrong_password"
            } else {
                "unknown_email"
            };
            login_failed(&mut conn, user.as_ref(), &email, reason).await?;
            return Err(OpError::InvalidCredentials);
        }
    };
    attempt.succeeded(&mut conn).await?;
    // Said only to whoever knows the password.
    if user.deactivated {
        login_failed(&mut conn, Some(&user), &email, "deactivated").await?;
        return Err(OpError::Forbidden(
            "this account has been deactivated: an organisation admin can reactivate it".into(),
        ));
    }
    if sso_required && !user.is_admin {
        login_failed(&mut conn, Some(&user), &email, "sso_required").await?;
        return Err(OpError::Forbidden(
            "this organisation logs in with single sign-on: use \"Log in with single sign-on\" \
             (GET /api/v1/auth/sso says so)"
                .into(),
        ));
    }
    open_session(&mut conn, user, request.device_name.as_deref(), "password").await
}

/// A new session for `user`, and its `Login` entry (`method`: `password`, `sso`).
pub(super) async fn open_session(
    conn: &mut sqlx::AnyConnection,
    user: User,
    device_name: Option<&str>,
    method: &str,
) -> OpResult<LoginResponse> {
    let token = secrets::new_token();
    let device_name: Option<String> =
        device_name.map(|d| d.trim().chars().take(MAX_DEVICE_NAME_CHARS).collect());
    db::users::insert_session(
        conn,
        &secrets::token_hash(&token),
        &user.id,
        device_name.as_deref(),
        now_millis(),
    )
    .await?;
    audit::record(
        conn,
        Some(&user.id),
        AuditAction::Login,
        Target::User(&user.id),
        json!({"method": method, "device_name": device_name}),
    )
    .await?;
    Ok(LoginResponse { token, user })
}

/// A refused login; `person` when the e-mail names an account.
pub(super) async fn login_failed(
    conn: &mut sqlx::AnyConnection,
    person: Option<&User>,
    email: &str,
    reason: &str,
) -> OpResult<()> {
    let id = person.map(|p| p.id.as_str());
    let target = id.map_or(Target::None, Target::User);
    audit::record(
        conn,
        id,
        AuditAction::LoginFailed,
        target,
        json!({"email": email, "reason": reason}),
    )
    .await?;
    Ok(())
}

/// The user a bearer token belongs to, if its session is live.
pub async fn session_user(db: &Database, token: &str) -> OpResult<Option<User>> {
    let mut conn = db.pool().acquire().await?;
    Ok(db::users::find_by_session(&mut conn, &secrets::token_hash(token)).await?)
}

pub async fn logout(db: &Database, user: &User, token: &str) -> OpResult<()> {
    let mut conn = db.pool().acquire().await?;
    db::users::delete_session(&mut conn, &secrets::token_hash(token)).await?;
    audit::record(
        &mut conn,
        Some(&user.id),
        AuditAction::Logout,
        Target::User(&user.id),
        json!({}),
    )
    .await?;
    Ok(())
}

/// Runs CPU-heavy work (password hashing) off the async threads.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> OpResult<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| OpError::Internal(format!("background task failed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::handle_base;

    #[test]
    fn handles_come_from_the_local_part() {
        assert_eq!(handle_base("Ada.Lovelace@example.org"), "ada.lovelace");
        assert_eq!(handle_base("o'brien+work@example.org"), "obrienwork");
        assert_eq!(handle_base(".dot.@example.org"), "dot");
        assert_eq!(handle_base("élan@example.org"), "lan");
        assert_eq!(handle_base("+++@example.org"), "user");
    }
}
