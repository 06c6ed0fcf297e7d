//! Seeds the members and their groups through the server's REST API, as an
//! organisation admin would add them: the same path for servers the bench
//! starts and for one started elsewhere (`--server`).

use std::sync::Arc;

use anyhow::Context;
use commons_protocol::{
    AddMemberRequest, CreateGroupRequest, Group, InviteRequest, LoginRequest, LoginResponse,
    Privacy, API_PREFIX,
};
use reqwest::StatusCode;
use tokio::task::JoinSet;
use uuid::Uuid;

use crate::nodes::PASSWORD;

/// How many seeding or login requests run at once (each hashes or checks a
/// password with Argon2 on the server).
const CONCURRENCY: usize = 8;

/// The `i`th member's e-mail address.
pub fn email(i: usize) -> String {
    format!("member{i}@load.example")
}

/// Who is in which group: member `i` is in group `i % groups.len()`.
pub struct Organisation {
    pub groups: Vec<Group>,
}

impl Organisation {
    pub fn group_of(&self, member: usize) -> &Group {
        &self.groups[member % self.groups.len()]
    }

    /// Members of `member`'s group among the first `connected`.
    pub fn group_size(&self, member: usize, connected: usize) -> usize {
        let g = self.groups.len();
        (0..connected).filter(|i| i % g == member % g).count()
    }
}

pub struct Api {
    base: String,
    http: reqwest::Client,
    token: String,
}

impl Api {
    pub async fn login(base: &str, email: &str, password: &str) -> anyhow::Result<String> {
        let request = LoginRequest {
            email: email.into(),
            password: password.into(),
            device_name: Some("commons-bench-load".into()),
        };
        let answer: LoginResponse = reqwest::Client::new()
            .post(format!("{base}{API_PREFIX}/auth/login"))
            .json(&request)
            .send()
            .await?
            .error_for_status()
            .with_context(|| format!("login of {email}"))?
            .json()
            .await?;
        Ok(answer.token)
    }

    pub async fn admin(base: &str, email: &str, password: &str) -> anyhow::Result<Api> {
        Ok(Api {
            base: base.to_owned(),
            http: reqwest::Client::new(),
            token: Api::login(base, email, password).await?,
        })
    }

    /// POST; a 409 (already there, from an earlier run) counts as done.
    async fn post<B: serde::Serialize>(&self, path: &str, body: &B) -> anyhow::Result<String> {
        let answer = self
            .http
            .post(format!("{}{API_PREFIX}{path}", self.base))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await?;
        let status = answer.status();
        let text = answer.text().await?;
        anyhow::ensure!(
            status.is_success() || status == StatusCode::CONFLICT,
            "POST {path} answered {status}: {text}"
        );
        Ok(text)
    }
}

/// Adds `members` people and `groups` open groups, every member in one group.
pub async fn seed(admin: Api, members: usize, groups: usize) -> anyhow::Result<Organisation> {
    let admin = Arc::new(admin);
    let run = Uuid::now_v7().simple().to_string();
    let mut made = Vec::new();
    for g in 0..groups.max(1) {
        let request = CreateGroupRequest {
            mutation_id: Uuid::now_v7().to_string(),
            id: Uuid::now_v7().to_string(),
            name: format!("Load {g} ({})", &run[run.len() - 6..]),
            description: "Made by commons-bench-load".into(),
            privacy: Privacy::Open,
        };
        let text = admin.post("/groups", &request).await?;
        made.push(serde_json::from_str::<Group>(&text).context("the created group")?);
    }
    let organisation = Arc::new(Organisation { groups: made });
    let mut tasks = JoinSet::new();
    for i in 0..members {
        if tasks.len() >= CONCURRENCY {
            tasks.join_next().await.context("a seeding task")???;
        }
        let (admin, organisation) = (admin.clone(), organisation.clone());
        tasks.spawn(async move {
            let invite = InviteRequest {
                mutation_id: Uuid::now_v7().to_string(),
                email: email(i),
                name: format!("Member {i}"),
                password: PASSWORD.into(),
                is_admin: false,
            };
            admin.post("/admin/users", &invite).await?;
            let group = organisation.group_of(i);
            let add = AddMemberRequest {
                mutation_id: Uuid::now_v7().to_string(),
                email: email(i),
            };
            admin
                .post(&format!("/groups/{}/members", group.id), &add)
                .await?;
            anyhow::Ok(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    Arc::try_unwrap(organisation).map_err(|_| anyhow::anyhow!("seeding tasks still running"))
}

/// Logs `count` members in over REST, `CONCURRENCY` at a time (raw stream clients).
pub async fn tokens(base: &str, count: usize) -> anyhow::Result<Vec<String>> {
    let mut tokens = vec![String::new(); count];
    let mut tasks = JoinSet::new();
    for i in 0..count {
        if tasks.len() >= CONCURRENCY {
            let (j, token) = tasks.join_next().await.context("a login task")???;
            tokens[j] = token;
        }
        let base = base.to_owned();
        tasks.spawn(async move { anyhow::Ok((i, Api::login(&base, &email(i), PASSWORD).await?)) });
    }
    while let Some(done) = tasks.join_next().await {
        let (j, token) = done??;
        tokens[j] = token;
    }
    Ok(tokens)
}

impl Api {
    /// A post in `group_id` by the admin (the probe of `--find-max-clients`).
    pub async fn write_post(&self, group_id: &str, body: &str) -> anyhow::Result<()> {
        let request = commons_protocol::CreatePostRequest {
            mutation_id: Uuid::now_v7().to_string(),
            id: Uuid::now_v7().to_string(),
            group_id: group_id.into(),
            body: body.into(),
            attachment_ids: Vec::new(),
            poll: None,
            announce_days: None,
        };
        self.post("/posts", &request).await.map(drop)
    }
}
