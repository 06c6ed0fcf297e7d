//! `commons admin ...`: what organisation admins do, online (the server
//! answers at once, or says why not).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Subcommand;
use commons_client::{
    AuditAction, AuditLogPage, AuditQuery, Client, ErasureSummary, ExportSummary,
    RetentionPolicyView, User,
};

use crate::commands::{print_json, read_password};
use crate::render::{ago, now_millis};

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Read the audit log, newest first.
    Audit {
        /// Only this action (login_failed, member_removed, user_created, ...).
        #[arg(long, value_parser = parse_action)]
        action: Option<AuditAction>,
        /// Only what this person did (a user id).
        #[arg(long, value_name = "USER_ID")]
        actor: Option<String>,
        /// Only what was done to this user, group, post or comment (an id).
        #[arg(long, value_name = "ID")]
        target: Option<String>,
        /// Entries older than this `seq` (the previous page's last).
        #[arg(long)]
        before: Option<i64>,
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(i64).range(1..=500))]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
    /// Add a person; their first password is read from the terminal or stdin.
    Invite {
        #[arg(long, value_name = "E-MAIL")]
        email: String,
        #[arg(long)]
        name: String,
        /// Make them an organisation admin too.
        #[arg(long)]
        admin: bool,
    },
    /// Deactivate an account: its sessions end at once.
    Deactivate { user_id: String },
    /// Let a deactivated account log in again.
    Reactivate { user_id: String },
    /// Give (--admin) or take (--member) organisation admin rights.
    Role {
        user_id: String,
        #[arg(long, conflicts_with = "member", required_unless_present = "member")]
        admin: bool,
        #[arg(long)]
        member: bool,
    },
    /// Download the whole organisation's export as a `.tar.gz`: everyone's
    /// posts, comments, files and profiles, secret groups included
    /// (docs/export-format.md; no password hashes).
    Export {
        /// Where to save the archive (refused if it exists).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Retention policies: posts older than N days are deleted for everyone.
    Retention {
        #[command(subcommand)]
        action: RetentionCommand,
    },
    /// Erase a person for good (right to erasure): their posts, comments,
    /// reactions, votes and memberships go, their profile becomes "Former
    /// member" and they can never log in again. Cannot be undone.
    Erase {
        user_id: String,
        /// Confirms that you mean it: required.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum RetentionCommand {
    /// The organisation's policy and each group's.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Delete posts older than --days days, in the whole organisation or in
    /// --group (a group's policy overrides the organisation's). Pinned posts
    /// and announcements still running are kept.
    Set {
        #[arg(long, value_parser = clap::value_parser!(i64).range(1..=36_500))]
        days: i64,
        #[arg(long, value_name = "GROUP_ID")]
        group: Option<String>,
    },
    /// Remove the organisation's policy, or --group's (it then follows the organisation's).
    Clear {
        #[arg(long, value_name = "GROUP_ID")]
        group: Option<String>,
    },
}

fn parse_action(text: &str) -> Result<AuditAction, String> {
    text.parse::<AuditAction>().map_err(|e| e.to_string())
}

pub async fn run(client: &Client, command: AdminCommand) -> Result<()> {
    let person = match command {
        AdminCommand::Audit {
            action,
            actor,
            target,
            before,
            limit,
            json,
        } => {
            let query = AuditQuery {
                action: action.map(|a| a.to_string()),
                actor_id: actor,
                target_id: target,
                before,
                limit: Some(limit),
                ..AuditQuery::default()
            };
            let page = client.audit_log(&query).await?;
            return if json {
                print_json(&page)
            } else {
                print!("{}", audit_lines(&page, now_millis()));
                Ok(())
            };
        }
        AdminCommand::Invite { email, name, admin } => {
            let password = read_password()?;
            let user = client
                .invite_person(&email, &name, &password, admin)
                .await?;
            println!("Added {} <{}> as @{}.", user.name, user.email, user.handle);
            return Ok(());
        }
        AdminCommand::Retention { action } => return retention(client, action).await,
        AdminCommand::Export { out, json } => return export(client, &out, true, json).await,
        AdminCommand::Erase { user_id, yes } => {
            if !yes {
                return Err(crate::UsageError(format!(
                    "erasing {user_id} deletes their posts, comments, reactions, votes and \
                     memberships for everyone and can never be undone; run again with --yes \
                     if you mean it"
                ))
                .into());
            }
            let report = client.erase_person(&user_id).await?;
            print!("{}", erasure_lines(&user_id, &report));
            return Ok(());
        }
        AdminCommand::Deactivate { user_id } => client.set_account_active(&user_id, false).await?,
        AdminCommand::Reactivate { user_id } => client.set_account_active(&user_id, true).await?,
        AdminCommand::Role { user_id, admin, .. } => client.set_org_admin(&user_id, admin).await?,
    };
    println!("{}", describe(&person));
    Ok(())
}

async fn retention(client: &Client, command: RetentionCommand) -> Result<()> {
    let policies = match command {
        RetentionCommand::List { json } => {
            let policies = client.retention_policies().await?;
            if json {
                return print_json(&policies);
            }
            policies
        }
        RetentionCommand::Set { days, group } => {
            client.set_retention(group.as_deref(), days).await?
        }
        RetentionCommand::Clear { group } => client.clear_retention(group.as_deref()).await?,
    };
    print!("{}", policy_lines(&policies));
    Ok(())
}

/// `commons admin export` (`organisation`) and `commons export` (one's own data).
pub async fn export(client: &Client, out: &Path, organisation: bool, json: bool) -> Result<()> {
    if out.exists() {
        return Err(crate::UsageError(format!(
            "{} already exists; choose another --out or remove it first",
            out.display()
        ))
        .into());
    }
    let summary = if organisation {
        client.export_organisation(out).await?
    } else {
        client.export_mine(out).await?
    };
    if json {
        return print_json(&summary);
    }
    print!("{}", export_lines(&summary, organisation));
    Ok(())
}

fn export_lines(summary: &ExportSummary, organisation: bool) -> String {
    let what = if organisation {
        "the organisation's export"
    } else {
        "your data"
    };
    let mut out = format!(
        "Saved {what} to {} ({}).\n",
        summary.path,
        human_bytes(summary.bytes)
    );
    let count = |name: &str| {
        summary
            .counts
            .iter()
            .find(|c| c.name == name)
            .map_or(0, |c| c.rows)
    };
    if summary.scope.is_some() {
        let _ = writeln!(
            out,
            "{} people, {} groups, {} posts, {} comments, {} reactions, {} files.",
            count("people"),
            count("groups"),
            count("posts"),
            count("comments"),
            count("reactions"),
            summary.files
        );
    }
    out
}

/// 1234567 -> "1.2 MB" (decimal units, as file managers show them).
pub(crate) fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["kB", "MB", "GB", "TB"];
    if bytes < 1000 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64 / 1000.0;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// The organisation's policy first, then each group's.
fn policy_lines(policies: &[RetentionPolicyView]) -> String {
    let mut out = String::new();
    if !policies.iter().any(|p| p.group_id.is_none()) {
        out.push_str("Organisation: no policy, posts are kept.\n");
    }
    for policy in policies {
        let days = policy.max_age_days;
        let unit = if days == 1 { "day" } else { "days" };
        match &policy.group_id {
            None => {
                let _ = writeln!(
                    out,
                    "Organisation: posts older than {days} {unit} are deleted."
                );
            }
            Some(id) => {
                let name = if policy.group_name.is_empty() {
                    id.as_str()
                } else {
                    policy.group_name.as_str()
                };
                let _ = writeln!(
                    out,
                    "Group {name} ({id}): posts older than {days} {unit} are deleted."
                );
            }
        }
    }
    out
}

fn erasure_lines(user_id: &str, report: &ErasureSummary) -> String {
    format!(
        "Erased {user_id}, now \"{}\": {} posts, {} comments, {} reactions, {} votes, \
         {} memberships, {} notifications, {} attachments, {} sessions ended.\n",
        report.user.name,
        report.posts,
        report.comments,
        report.reactions,
        report.votes,
        report.memberships,
        report.notifications,
        report.attachments,
        report.sessions
    )
}

fn describe(person: &User) -> String {
    let state = if person.deactivated {
        "deactivated"
    } else {
        "active"
    };
    let role = if person.is_admin {
        "organisation admin"
    } else {
        "member"
    };
    format!("{} <{}>: {state}, {role}", person.name, person.email)
}

/// One line per entry: when, who, what, to what, from where, details.
fn audit_lines(page: &AuditLogPage, now: i64) -> String {
    let mut out = String::new();
    if page.entries.is_empty() {
        out.push_str("No audit entries.\n");
    }
    for entry in &page.entries {
        let actor = if entry.actor_name.is_empty() {
            "system"
        } else {
            &entry.actor_name
        };
        let target = entry
            .target_name
            .clone()
            .or_else(|| entry.target_id.clone())
            .unwrap_or_default();
        let from = entry
            .source_addr
            .as_deref()
            .map(|a| format!(" from {a}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "#{} {} · {actor} · {} {target}{from} {}",
            entry.seq,
            ago(entry.at, now),
            entry.action,
            entry.details
        );
    }
    if let Some(before) = page.next_before {
        let _ = writeln!(out, "(older: --before {before})");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_file_managers_show_them() {
        assert_eq!(human_bytes(999), "999 bytes");
        assert_eq!(human_bytes(1_234), "1.2 kB");
        assert_eq!(human_bytes(5_600_000), "5.6 MB");
    }
}
