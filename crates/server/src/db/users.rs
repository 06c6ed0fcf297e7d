//! People and their login sessions.

use commons_protocol::User;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::{get_flag, get_opt_i64, DbError};

const COLUMNS: &str = "u.id, u.email, u.name, u.handle, u.is_admin, u.created_at, \
    u.title, u.department, u.location, u.manager_id, u.about, u.deactivated_at";

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

/// The directory, by name.
pub async fn list(conn: &mut AnyConnection) -> Result<Vec<User>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM users u ORDER BY u.name, u.id");
    let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
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

/// The user a live session belongs to.
pub async fn find_by_session(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> Result<Option<User>, DbError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1"
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
