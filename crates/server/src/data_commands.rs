//! `commons-server retention ...` and `admin erase`: retention policies and
//! the right to erasure from the server's command line (docs/data-control.md).

use clap::Subcommand;
use commons_server::db::Database;
use commons_server::ops;
use commons_server::settings::Resolved;

use crate::DatabaseArgs;

#[derive(Subcommand)]
pub enum RetentionCommand {
    /// Print the policies, the organisation's first.
    List {
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Set the organisation's policy, or a group's with --group.
    Set {
        #[command(flatten)]
        database: DatabaseArgs,
        /// Posts created more than this many days ago are deleted.
        #[arg(long)]
        days: i64,
        /// The group's id (without it: the organisation's policy).
        #[arg(long)]
        group: Option<String>,
    },
    /// Remove the organisation's policy, or a group's with --group.
    Clear {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The group's id (without it: the organisation's policy).
        #[arg(long)]
        group: Option<String>,
    },
    /// Apply the policies now (as `serve` does every `retention.interval`).
    Run {
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

pub async fn erase(settings: &Resolved, email: String) -> anyhow::Result<()> {
    let store =
        commons_server::open_attachment_store(&settings.database, &settings.attachment_store)?;
    let db = Database::open(&settings.database).await?;
    let result = ops::erasure::erase_by_email(&db, store.as_ref(), &email).await;
    db.close().await;
    let report = result?;
    println!(
        "erased <{email}> (now {} @{}): {} posts, {} comments, {} reactions, {} votes, \
         {} memberships, {} notifications, {} attachments, {} sessions ended",
        report.user.name,
        report.user.handle,
        report.posts,
        report.comments,
        report.reactions,
        report.votes,
        report.memberships,
        report.notifications,
        report.attachments,
        report.sessions
    );
    Ok(())
}

pub async fn retention(settings: &Resolved, command: RetentionCommand) -> anyhow::Result<()> {
    let db = Database::open(&settings.database).await?;
    let result = retention_with(&db, settings, command).await;
    db.close().await;
    result
}

async fn retention_with(
    db: &Database,
    settings: &Resolved,
    command: RetentionCommand,
) -> anyhow::Result<()> {
    let policies = match command {
        RetentionCommand::List { .. } => {
            let mut conn = db.pool().acquire().await?;
            commons_protocol::RetentionPolicies {
                policies: commons_server::db::retention::list(&mut conn).await?,
            }
        }
        RetentionCommand::Set { days, group, .. } => {
            let mut w = db.write().await?;
            let policies = ops::retention::set(&mut w, None, group.as_deref(), days).await?;
            w.commit().await?;
            policies
        }
        RetentionCommand::Clear { group, .. } => {
            let mut w = db.write().await?;
            let policies = ops::retention::clear(&mut w, None, group.as_deref()).await?;
            w.commit().await?;
            policies
        }
        RetentionCommand::Run { .. } => {
            let store = commons_server::open_attachment_store(
                &settings.database,
                &settings.attachment_store,
            )?;
            match ops::retention::run(db, store.as_ref(), None, None).await? {
                None => println!(
                    "nothing done: no retention policy is set, or another node is running a round"
                ),
                Some(report) => {
                    let total: u64 = report.posts_by_group.values().sum();
                    println!("deleted {total} posts and {} comments", report.comments);
                    for (group_id, posts) in &report.posts_by_group {
                        println!("  group {group_id}: {posts} posts");
                    }
                }
            }
            return Ok(());
        }
    };
    if policies.policies.is_empty() {
        println!("no retention policy: nothing is deleted by age");
    }
    for policy in &policies.policies {
        match &policy.group_id {
            None => println!("organisation: {} days", policy.max_age_days),
            Some(id) => println!(
                "group {} ({id}): {} days",
                policy.group_name, policy.max_age_days
            ),
        }
    }
    Ok(())
}
