//! What organisation admins do about data: retention policies (posts older
//! than N days are deleted for everyone) and erasing a person (the right to
//! erasure, `docs/data-control.md`). Online calls like the rest of
//! `admin.rs`: the server answers at once or says why not; offline they fail
//! with `ClientError::Offline` and change nothing.

use commons_protocol::{
    ClearRetentionRequest, ErasureReport, MutationRequest, RetentionPolicies, SetRetentionRequest,
};
use reqwest::Method;
use uuid::Uuid;

use super::*;
use crate::{ErasureSummary, RetentionPolicyView};

impl Client {
    /// Every retention policy, the organisation's first (no `group_id`),
    /// then each group's.
    pub async fn retention_policies(&self) -> Result<Vec<RetentionPolicyView>, ClientError> {
        let (account, token) = self.session().await?;
        let result: Result<RetentionPolicies, ClientError> = self
            .inner
            .api
            .get(&account.server_url, &token, "/admin/retention", &[])
            .await;
        let policies = self.after_server_call(&account, result).await?;
        self.policy_views(policies).await
    }

    /// Sets the organisation's policy (`group_id` None) or a group's: posts
    /// created more than `max_age_days` days ago (1 to 36500) are deleted by
    /// the server's retention job. Answers every policy after the change.
    pub async fn set_retention(
        &self,
        group_id: Option<&str>,
        max_age_days: i64,
    ) -> Result<Vec<RetentionPolicyView>, ClientError> {
        if !(1..=commons_protocol::MAX_RETENTION_DAYS).contains(&max_age_days) {
            return Err(ClientError::InvalidInput(format!(
                "a retention policy keeps posts 1 to {} days",
                commons_protocol::MAX_RETENTION_DAYS
            )));
        }
        let request = SetRetentionRequest {
            mutation_id: Uuid::now_v7().to_string(),
            group_id: group_id.map(str::to_owned),
            max_age_days,
        };
        self.retention_call(Method::PUT, &request).await
    }

    /// Removes the organisation's policy or a group's (the group then
    /// follows the organisation's). Removing one that is not there changes
    /// nothing.
    pub async fn clear_retention(
        &self,
        group_id: Option<&str>,
    ) -> Result<Vec<RetentionPolicyView>, ClientError> {
        let request = ClearRetentionRequest {
            mutation_id: Uuid::now_v7().to_string(),
            group_id: group_id.map(str::to_owned),
        };
        self.retention_call(Method::DELETE, &request).await
    }

    /// Erases a person for good: their posts and comments become tombstones,
    /// their reactions, votes, memberships and notifications go, their
    /// profile becomes "Former member" and they can never log in again.
    /// Caches forget it on their next sync. Cannot be undone.
    pub async fn erase_person(&self, user_id: &str) -> Result<ErasureSummary, ClientError> {
        let (account, token) = self.session().await?;
        let path = format!("/admin/users/{}/erase", outbox::path_segment(user_id)?);
        let request = MutationRequest {
            mutation_id: Uuid::now_v7().to_string(),
        };
        let result: Result<ErasureReport, ClientError> = self
            .inner
            .api
            .post(&account.server_url, &token, &path, &request)
            .await;
        let report = self.after_server_call(&account, result).await?;
        Ok(ErasureSummary {
            user: report.user,
            posts: report.posts,
            comments: report.comments,
            reactions: report.reactions,
            votes: report.votes,
            memberships: report.memberships,
            notifications: report.notifications,
            attachments: report.attachments,
            sessions: report.sessions,
        })
    }

    async fn retention_call<B: serde::Serialize>(
        &self,
        method: Method,
        body: &B,
    ) -> Result<Vec<RetentionPolicyView>, ClientError> {
        let (account, token) = self.session().await?;
        let result = self
            .inner
            .api
            .write(
                method,
                &account.server_url,
                &token,
                "/admin/retention",
                body,
            )
            .await
            .and_then(|value| {
                serde_json::from_value::<RetentionPolicies>(value)
                    .map_err(|e| ClientError::UnexpectedResponse(e.to_string()))
            });
        let policies = self.after_server_call(&account, result).await?;
        self.policy_views(policies).await
    }

    /// The server names groups; a name it leaves empty comes from the cache.
    async fn policy_views(
        &self,
        policies: RetentionPolicies,
    ) -> Result<Vec<RetentionPolicyView>, ClientError> {
        let mut conn = self.inner.cache.read().await?;
        let mut views = Vec::with_capacity(policies.policies.len());
        for policy in policies.policies {
            let group_name = match (&policy.group_id, policy.group_name.is_empty()) {
                (Some(id), true) => cache::display_name(&mut conn, "group", id)
                    .await?
                    .unwrap_or_default(),
                _ => policy.group_name,
            };
            views.push(RetentionPolicyView {
                group_id: policy.group_id,
                group_name,
                max_age_days: policy.max_age_days,
                updated_at: policy.updated_at,
            });
        }
        Ok(views)
    }
}
