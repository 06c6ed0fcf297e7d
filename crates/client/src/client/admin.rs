//! What organisation admins do from a client: the audit log and people's
//! accounts (add, deactivate, reactivate, admin rights). These are online
//! calls, not outbox writes: an admin acts on the server's current state
//! and sees the answer (or why not) at once; offline they fail with
//! `ClientError::Offline` and change nothing.

use commons_protocol::{AuditPage, AuditQuery, InviteRequest, MutationRequest, SetOrgAdminRequest};
use uuid::Uuid;

use super::*;
use crate::{AuditEntryView, AuditLogPage, PersonAccount};

impl Client {
    /// A page of the audit log, newest first, with the names this cache
    /// knows for what each entry names.
    pub async fn audit_log(&self, query: &AuditQuery) -> Result<AuditLogPage, ClientError> {
        let (account, token) = self.session().await?;
        let mut params: Vec<(&str, String)> = Vec::new();
        let texts = [
            ("action", &query.action),
            ("actor_id", &query.actor_id),
            ("target_id", &query.target_id),
        ];
        for (name, value) in texts {
            if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
                params.push((name, value.to_owned()));
            }
        }
        let numbers = [
            ("since", query.since),
            ("until", query.until),
            ("before", query.before),
            ("limit", query.limit),
        ];
        for (name, value) in numbers {
            if let Some(value) = value {
                params.push((name, value.to_string()));
            }
        }
        let result: Result<AuditPage, ClientError> = self
            .inner
            .api
            .get(&account.server_url, &token, "/admin/audit", &params)
            .await;
        let page = self.after_server_call(&account, result).await?;
        let mut conn = self.inner.cache.read().await?;
        let mut entries = Vec::with_capacity(page.entries.len());
        for entry in page.entries {
            let target_name = match (entry.target_kind.as_deref(), entry.target_id.as_deref()) {
                (Some(kind), Some(id)) => cache::display_name(&mut conn, kind, id).await?,
                _ => None,
            };
            entries.push(AuditEntryView {
                seq: entry.seq,
                at: entry.at,
                actor_id: entry.actor_id,
                actor_name: entry.actor_name,
                action: entry.action,
                target_kind: entry.target_kind,
                target_id: entry.target_id,
                target_name,
                source_addr: entry.source_addr,
                details: entry.details.to_string(),
            });
        }
        Ok(AuditLogPage {
            entries,
            next_before: page.next_before,
        })
    }

    /// Every account (deactivated ones too) from the cache, by name; `query`
    /// filters as the directory does. Works offline.
    pub async fn accounts(
        &self,
        query: Option<&str>,
        limit: i64,
    ) -> Result<Vec<PersonAccount>, ClientError> {
        let mut conn = self.inner.cache.read().await?;
        cache::accounts(&mut conn, query, limit.clamp(1, MAX_LIST_PAGE)).await
    }

    /// Adds a person with a first password to hand over. They appear in the
    /// cache with the next sync.
    pub async fn invite_person(
        &self,
        email: &str,
        name: &str,
        password: &str,
        is_admin: bool,
    ) -> Result<User, ClientError> {
        let request = InviteRequest {
            mutation_id: Uuid::now_v7().to_string(),
            email: email.trim().to_owned(),
            name: name.trim().to_owned(),
            password: password.to_owned(),
            is_admin,
        };
        self.admin_call("/admin/users", &request).await
    }

    /// Deactivates (`active` false: their sessions end at once) or
    /// reactivates someone's account.
    pub async fn set_account_active(
        &self,
        user_id: &str,
        active: bool,
    ) -> Result<User, ClientError> {
        let action = if active { "reactivate" } else { "deactivate" };
        let path = format!("/admin/users/{}/{action}", outbox::path_segment(user_id)?);
        let request = MutationRequest {
            mutation_id: Uuid::now_v7().to_string(),
        };
        self.admin_call(&path, &request).await
    }

    /// Gives or takes organisation admin rights.
    pub async fn set_org_admin(&self, user_id: &str, is_admin: bool) -> Result<User, ClientError> {
        let path = format!("/admin/users/{}/role", outbox::path_segment(user_id)?);
        let request = SetOrgAdminRequest {
            mutation_id: Uuid::now_v7().to_string(),
            is_admin,
        };
        self.admin_call(&path, &request).await
    }

    async fn admin_call<B: serde::Serialize>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<User, ClientError> {
        let (account, token) = self.session().await?;
        let result = self
            .inner
            .api
            .post(&account.server_url, &token, path, body)
            .await;
        self.after_server_call(&account, result).await
    }
}
