//! People and their login sessions.

use commons_protocol::User;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::{get_flag, get_opt_i64, DbError};

const COLUMNS: &str = "u.id, u.email, u.name, u.handle, u.is_admin, u.created_at, \
    u.title, u.department, u.location, u.manager_id, u.about, u.deactivated_at, u.avatar_id";

fn from_row(row: &AnyRow) -> Result<User, DbError> {
    Ok(User {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        handle: row.try_get("handle")?,
        is_admin: get_flag(row, "is_admin")?,
        created_at: row.try_get("created_at")?,
        title: row.try_get("title")?,
        department: row.try_get("department")?,
        location: row.try_get("location")?,
        manager_id: row.try_get("manager_id")?,
        about: row.try_get("about")?,
        deactivated: get_opt_i64(row, "deactivated_at")?.is_some(),
        avatar_id: row.try_get("avatar_id")?,
    })
}

pub async fn insert(
    conn: &mut AnyConnection,
    user: &User,
    password_hash: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO users (id, email, name, handle, is_admin, password_hash, created_at, \
            title, department, location, manager_id, about) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&user.id)
    .bind(&user.email)
    .bind(&user.name)
    .bind(&user.handle)
    .bind(i64::from(user.is_admin))
    .bind(password_hash)
    .bind(user.created_at)
    .bind(&user.title)
    .bind(&user.department)
    .bind(&user.location)
    .bind(&user.manager_id)
    .bind(&user.about)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_password_hash(
    conn: &mut AnyConnection,
    id: &str,
    password_hash: &str,
) -> Result<(), DbError> {
    sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
        .bind(id)
        .bind(password_hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// Sets or clears a person's profile picture.
pub async fn set_avatar(
    conn: &mut AnyConnection,
    user_id: &str,
    avatar_id: Option<&str>,
) -> Result<(), DbError> {
    sqlx::query("UPDATE users SET avatar_id = $1 WHERE id = $2")
        .bind(avatar_id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn count(conn: &mut AnyConnection) -> Result<i64, DbError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM users")
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("n")?)
}

pub async fn email_taken(conn: &mut AnyConnection, email: &str) -> Result<bool, DbError> {
    let row = sqlx::query("SELECT 1 AS one FROM users WHERE email = $1")
        .bind(email)
        .fetch_optional(conn)
        .await?;
    Ok(row.is_some())
}

pub async fn handle_taken(conn: &mut AnyConnection, handle: &str) -> Result<bool, DbError> {
    let row = sqlx::query("SELECT 1 AS one FROM users WHERE handle = $1")
        .bind(handle)
        .fetch_optional(conn)
        .await?;
    Ok(row.is_some())
}

/// The user with this (normalised) e-mail and their password hash.
pub async fn find_for_login(
    conn: &mut AnyConnection,
    email: &str,
) -> Result<Option<(User, String)>, DbError> {
    let sql = format!("SELECT {COLUMNS}, u.password_hash FROM users u WHERE u.email = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(email)
        .fetch_optional(conn)
        .await?;
    row.map(|row| Ok((from_row(&row)?, row.try_get("password_hash")?)))
        .transpose()
}

pub async fn find_by_email(conn: &mut AnyConnection, email: &str) -> Result<Option<User>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM users u WHERE u.email = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(email)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn find(conn: &mut AnyConnection, id: &str) -> Result<Option<User>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM users u WHERE u.id = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// `handle` is stored lowercase: pass it lowercased.
pub async fn find_by_handle(
    conn: &mut AnyConnection,
    handle: &str,
) -> Result<Option<User>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM users u WHERE u.handle = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(handle)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Which part of the directory to read.
#[derive(Clone, Debug, Default)]
pub struct DirectoryQuery {
    /// Lowercase words; each must occur in the name, handle, title or department.
    pub words: Vec<String>,
    /// Start after this (name, id), in the order of the listing.
    pub after: Option<(String, String)>,
    pub include_deactivated: bool,
    pub limit: i64,
}

/// A page of the directory, ordered by name then id.
pub async fn directory(
    conn: &mut AnyConnection,
    query: &DirectoryQuery,
) -> Result<Vec<User>, DbError> {
    let mut clauses: Vec<String> = Vec::new();
    let mut n = 0;
    let mut next = || {
        n += 1;
        format!("${n}")
    };
    if !query.include_deactivated {
        clauses.push("u.deactivated_at IS NULL".into());
    }
    if query.after.is_some() {
        let (name, id) = (next(), next());
        clauses.push(format!(
            "(u.name > {name} OR (u.name = {name} AND u.id > {id}))"
        ));
    }
    for _ in &query.words {
        let p = next();
        clauses.push(format!(
            "(LOWER(u.name) LIKE {p} ESCAPE '\\' OR LOWER(u.handle) LIKE {p} ESCAPE '\\' \
             OR LOWER(u.title) LIKE {p} ESCAPE '\\' OR LOWER(u.department) LIKE {p} ESCAPE '\\')"
        ));
    }
    let limit = next();
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    let sql = format!("SELECT {COLUMNS} FROM users u {filter} ORDER BY u.name, u.id LIMIT {limit}");
    let mut select = sqlx::query(AssertSqlSafe(sql));
    if let Some((name, id)) = &query.after {
        select = select.bind(name).bind(id);
    }
    for word in &query.words {
        select = select.bind(format!("%{}%", escape_like(word)));
    }
    let rows = select.bind(query.limit).fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

/// `text` as a literal inside a LIKE pattern whose escape character is `\`.
fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// The fields a person edits on their own profile.
#[derive(Clone, Debug)]
pub struct Profile<'a> {
    pub name: &'a str,
    pub title: &'a str,
    pub department: &'a str,
    pub location: &'a str,
    pub manager_id: Option<&'a str>,
    pub about: &'a str,
}

pub async fn update_profile(
    conn: &mut AnyConnection,
    id: &str,
    profile: &Profile<'_>,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE users SET name = $2, title = $3, department = $4, location = $5, \
            manager_id = $6, about = $7 WHERE id = $1",
    )
    .bind(id)
    .bind(profile.name)
    .bind(profile.title)
    .bind(profile.department)
    .bind(profile.location)
    .bind(profile.manager_id)
    .bind(profile.about)
    .execute(conn)
    .await?;
    Ok(())
}

/// The manager of `id` (None when they have none or do not exist).
pub async fn manager_of(conn: &mut AnyConnection, id: &str) -> Result<Option<String>, DbError> {
    let row = sqlx::query("SELECT manager_id FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(match row {
        Some(row) => row.try_get("manager_id")?,
        None => None,
    })
}

/// Sets or clears `deactivated_at`.
pub async fn set_deactivated_at(
    conn: &mut AnyConnection,
    id: &str,
    at: Option<i64>,
) -> Result<(), DbError> {
    sqlx::query("UPDATE users SET deactivated_at = $2 WHERE id = $1")
        .bind(id)
        .bind(at)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_admin(conn: &mut AnyConnection, id: &str, is_admin: bool) -> Result<(), DbError> {
    sqlx::query("UPDATE users SET is_admin = $2 WHERE id = $1")
        .bind(id)
        .bind(i64::from(is_admin))
        .execute(conn)
        .await?;
    Ok(())
}

/// Organisation admins who can still log in.
pub async fn active_admin_count(conn: &mut AnyConnection) -> Result<i64, DbError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM users WHERE is_admin = 1 AND deactivated_at IS NULL",
    )
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("n")?)
}

/// Ends every session of a person; returns how many there were.
pub async fn delete_sessions_of(conn: &mut AnyConnection, user_id: &str) -> Result<u64, DbError> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// The users with these ids (missing ones are left out), in no particular order.
pub async fn load(conn: &mut AnyConnection, ids: &[String]) -> Result<Vec<User>, DbError> {
    let query = format!("SELECT {COLUMNS} FROM users u WHERE");
    super::load_by_ids(conn, &query, "u.id", ids, from_row).await
}

pub async fn insert_session(
    conn: &mut AnyConnection,
    token_hash: &str,
    user_id: &str,
    device_name: Option<&str>,
    now: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, device_name, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(device_name)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The user a live session belongs to. A deactivated person has no live
/// session, even one opened while they were being deactivated.
pub async fn find_by_session(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> Result<Option<User>, DbError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND u.deactivated_at IS NULL"
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(token_hash)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn delete_session(conn: &mut AnyConnection, token_hash: &str) -> Result<(), DbError> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(conn)
        .await?;
    Ok(())
}
