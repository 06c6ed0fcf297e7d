//! Fills an empty server database with a large organisation, through the
//! server's own database layer (so the change log, the search index and the
//! feed order are exactly what real writes produce), in big transactions.

use std::path::Path;
use std::time::Instant;

use commons_protocol::{Comment, CreateGroupRequest, Post, Privacy};
use commons_server::db::changes::{ChangeKind, NewChange};
use commons_server::db::{self, Backend, Database};
use commons_server::ops::{self, users::NewUser};
use commons_server::DatabaseConfig;
use uuid::Uuid;

use crate::text::{Rng, Vocabulary};

/// Password of every seeded account.
pub const PASSWORD: &str = "commons-bench-password";

/// The organisation to seed (the bench binaries' `--users`, `--groups`, `--posts`, `--comments`).
#[derive(Clone, Copy, Debug, clap::Args)]
pub struct Size {
    #[arg(long, default_value_t = 200)]
    pub users: usize,
    #[arg(long, default_value_t = 30)]
    pub groups: usize,
    #[arg(long, default_value_t = 100_000)]
    pub posts: usize,
    #[arg(long, default_value_t = 400_000)]
    pub comments: usize,
}

impl std::fmt::Display for Size {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} people, {} groups, {} posts, {} comments",
            self.users, self.groups, self.posts, self.comments
        )
    }
}

/// The e-mail address of the `i`th seeded person (the first one is an org
/// admin and a member of every group).
pub fn email(i: usize) -> String {
    format!("person{i}@bench.example")
}

/// Rows per transaction.
const BATCH: usize = 5_000;

/// Seeds `database` unless `data` already holds a marker of an organisation
/// of this size (`--keep`: later runs measure the same organisation again).
pub async fn seed_once(database: &DatabaseConfig, data: &Path, size: Size) -> anyhow::Result<()> {
    let marker = data.join(format!(
        "seeded-{}-{}-{}-{}",
        size.users, size.groups, size.posts, size.comments
    ));
    if !marker.exists() {
        let started = Instant::now();
        let db = Database::open(database).await?;
        let entities = seed(&db, size).await?;
        db.close().await;
        eprintln!("seeded {entities} entities in {:.1?}", started.elapsed());
        std::fs::write(&marker, b"")?;
    }
    Ok(())
}

/// Seeds the organisation; returns how many entities it made.
pub async fn seed(db: &Database, size: Size) -> anyhow::Result<usize> {
    let started = Instant::now();
    let mut prepared = Vec::with_capacity(size.users);
    for i in 0..size.users {
        prepared.push(
            ops::users::prepare(NewUser {
                email: email(i),
                name: format!("Person {i}"),
                password: PASSWORD.into(),
                is_admin: i == 0,
            })
            .await?,
        );
    }
    let mut w = db.write().await?;
    let mut users = Vec::with_capacity(size.users);
    for person in &prepared {
        users.push(ops::users::insert(&mut w, person).await?);
    }
    let admin = users[0].clone();
    let mut groups = Vec::with_capacity(size.groups);
    for g in 0..size.groups {
        let privacy = [Privacy::Open, Privacy::Closed, Privacy::Secret][g % 3];
        let request = CreateGroupRequest {
            mutation_id: Uuid::now_v7().to_string(),
            id: Uuid::now_v7().to_string(),
            name: format!("Group {g}"),
            description: format!("Bench group {g}"),
            privacy,
        };
        groups.push(ops::groups::create(&mut w, &admin, &request).await?);
    }
    for group in &groups {
        for user in users.iter().skip(1) {
            ops::membership::add_member(&mut w, &admin, &group.id, &user.email).await?;
        }
    }
    w.commit().await?;
    eprintln!(
        "seeded {} people and {} groups in {:.1?}",
        users.len(),
        groups.len(),
        started.elapsed()
    );

    let vocabulary = Vocabulary::new();
    let mut rng = Rng::new(42);
    let mut post_ids: Vec<(String, String)> = Vec::with_capacity(size.posts);
    let mut clock = 1_600_000_000_000_i64;
    let started = Instant::now();
    while post_ids.len() < size.posts {
        let mut w = db.write().await?;
        for _ in 0..BATCH.min(size.posts - post_ids.len()) {
            clock += 1_000;
            let group = &groups[rng.below(groups.len())];
            let words = 8 + rng.below(40);
            let post = Post {
                id: Uuid::now_v7().to_string(),
                group_id: group.id.clone(),
                author_id: users[rng.below(users.len())].id.clone(),
                body: vocabulary.sentence(&mut rng, words),
                created_at: clock,
                ..Post::default()
            };
            let seq = w
                .append(NewChange {
                    kind: ChangeKind::Post,
                    entity_id: &post.id,
                    group_id: Some(&post.group_id),
                    user_id: None,
                })
                .await?;
            db::posts::insert_post(w.conn(), &post, seq).await?;
            post_ids.push((post.id, post.group_id));
        }
        w.commit().await?;
    }
    eprintln!(
        "seeded {} posts in {:.1?}",
        post_ids.len(),
        started.elapsed()
    );

    let started = Instant::now();
    let mut comments = 0;
    while comments < size.comments {
        let mut w = db.write().await?;
        for _ in 0..BATCH.min(size.comments - comments) {
            clock += 250;
            let (post_id, group_id) = &post_ids[rng.below(post_ids.len())];
            let words = 4 + rng.below(20);
            let comment = Comment {
                id: Uuid::now_v7().to_string(),
                post_id: post_id.clone(),
                group_id: group_id.clone(),
                author_id: users[rng.below(users.len())].id.clone(),
                body: vocabulary.sentence(&mut rng, words),
                created_at: clock,
                ..Comment::default()
            };
            let seq = w
                .append(NewChange {
                    kind: ChangeKind::Comment,
                    entity_id: &comment.id,
                    group_id: Some(&comment.group_id),
                    user_id: None,
                })
                .await?;
            db::posts::insert_comment(w.conn(), &comment, seq).await?;
            comments += 1;
        }
        w.commit().await?;
    }
    eprintln!("seeded {comments} comments in {:.1?}", started.elapsed());
    if db.backend() == Backend::Postgres {
        // What autovacuum does a little later: without statistics after the
        // bulk load, PostgreSQL planned a sync page as a sort of the whole
        // log (1.3 s a page instead of 1.5 ms).
        let started = Instant::now();
        sqlx::raw_sql("VACUUM ANALYZE").execute(db.pool()).await?;
        eprintln!("vacuumed and analysed in {:.1?}", started.elapsed());
    }
    let entities = users.len() + groups.len() * users.len() + post_ids.len() + comments;
    Ok(entities)
}
