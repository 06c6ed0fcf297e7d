//! Single sign-on's short-lived rows: pending flows and one-time codes
//! (`migrations/*/0014_sso.sql`). Taking a row deletes it in the same
//! statement, so two nodes racing for it cannot both get it.

use sqlx::{AnyConnection, Row};

use super::DbError;

/// A sign-in waiting for the identity provider's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flow {
    pub id: String,
    pub app_redirect_uri: String,
    pub app_code_challenge: String,
    pub app_state: String,
    pub verifier: String,
    pub nonce: String,
    pub expires_at: i64,
}

/// A one-time code given to the app, to be traded for a session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Code {
    pub user_id: String,
    pub app_code_challenge: String,
    pub expires_at: i64,
}

pub async fn insert_flow(conn: &mut AnyConnection, flow: &Flow) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO sso_flows (id, app_redirect_uri, app_code_challenge, app_state, verifier, \
            nonce, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&flow.id)
    .bind(&flow.app_redirect_uri)
    .bind(&flow.app_code_challenge)
    .bind(&flow.app_state)
    .bind(&flow.verifier)
    .bind(&flow.nonce)
    .bind(flow.expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes the flow and returns it, expired or not (the caller decides).
pub async fn take_flow(conn: &mut AnyConnection, id: &str) -> Result<Option<Flow>, DbError> {
    let row = sqlx::query(
        "DELETE FROM sso_flows WHERE id = $1 RETURNING id, app_redirect_uri, \
            app_code_challenge, app_state, verifier, nonce, expires_at",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    Ok(Some(Flow {
        id: row.try_get("id")?,
        app_redirect_uri: row.try_get("app_redirect_uri")?,
        app_code_challenge: row.try_get("app_code_challenge")?,
        app_state: row.try_get("app_state")?,
        verifier: row.try_get("verifier")?,
        nonce: row.try_get("nonce")?,
        expires_at: row.try_get("expires_at")?,
    }))
}

pub async fn insert_code(
    conn: &mut AnyConnection,
    code_hash: &str,
    code: &Code,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO sso_codes (code_hash, user_id, app_code_challenge, expires_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(code_hash)
    .bind(&code.user_id)
    .bind(&code.app_code_challenge)
    .bind(code.expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes the code and returns it, expired or not.
pub async fn take_code(conn: &mut AnyConnection, code_hash: &str) -> Result<Option<Code>, DbError> {
    let row = sqlx::query(
        "DELETE FROM sso_codes WHERE code_hash = $1 \
         RETURNING user_id, app_code_challenge, expires_at",
    )
    .bind(code_hash)
    .fetch_optional(conn)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    Ok(Some(Code {
        user_id: row.try_get("user_id")?,
        app_code_challenge: row.try_get("app_code_challenge")?,
        expires_at: row.try_get("expires_at")?,
    }))
}

/// Forgets flows and codes that expired before `now` (abandoned sign-ins).
pub async fn delete_expired(conn: &mut AnyConnection, now: i64) -> Result<(), DbError> {
    sqlx::query("DELETE FROM sso_flows WHERE expires_at < $1")
        .bind(now)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM sso_codes WHERE expires_at < $1")
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}
