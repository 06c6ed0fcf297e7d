//! One function per command: call the client core, print the result.

use std::collections::HashSet;
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use commons_client::{Client, ClientError, Notification, Notifier, OutboxState, PostExtras};

use crate::args::{
    AttachmentCommand, Cli, Command, GroupCommand, NotificationsCommand, OutboxCommand,
};
use crate::{polls, render};

/// How long a write waits to be delivered at once before it is left for `commons sync`.
const IMMEDIATE_SEND_TIMEOUT: Duration = Duration::from_secs(10);

pub async fn run(cli: Cli) -> Result<()> {
    if let Command::Accounts { json } = cli.command {
        return accounts(&accounts_dir(cli.accounts_dir)?, json).await;
    }
    let profile = match cli.account {
        Some(name) => account_dir(&accounts_dir(cli.accounts_dir)?, &name)?,
        None => profile_dir(cli.profile)?,
    };
    let client = Client::open(&profile)
        .await
        .with_context(|| format!("cannot open the profile {}", profile.display()))?;
    let result = dispatch(&client, cli.command).await;
    client.close().await;
    result
}

fn profile_dir(chosen: Option<PathBuf>) -> Result<PathBuf> {
    match chosen {
        Some(dir) => Ok(dir),
        None => dirs::data_dir()
            .map(|dir| dir.join("commons"))
            .ok_or_else(|| anyhow!("no user data directory is known here: pass --profile DIR")),
    }
}

fn accounts_dir(chosen: Option<PathBuf>) -> Result<PathBuf> {
    match chosen {
        Some(dir) => Ok(dir),
        None => dirs::data_dir()
            .map(|dir| dir.join("commons-accounts"))
            .ok_or_else(|| {
                anyhow!("no user data directory is known here: pass --accounts-dir DIR")
            }),
    }
}

/// An account's profile directory; the name is one path component.
fn account_dir(root: &std::path::Path, name: &str) -> Result<PathBuf> {
    let plain = !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\'])
        && !name.starts_with('.');
    if !plain {
        bail!("not an account name: {name:?} (letters, digits, '-' and '_', no '/')");
    }
    Ok(root.join(name))
}

async fn attachment(client: &Client, action: AttachmentCommand) -> Result<()> {
    match action {
        AttachmentCommand::List { post_id, json } => {
            let attachments = client.attachments(&post_id).await?;
            if json {
                print_json(&attachments)
            } else {
                print!("{}", render::attachments(&attachments));
                Ok(())
            }
        }
        AttachmentCommand::Get {
            attachment_id,
            thumbnail,
            out,
        } => {
            let path = client.attachment_file(&attachment_id, thumbnail).await?;
            match out {
                Some(out) => {
                    std::fs::copy(&path, &out)
                        .with_context(|| format!("cannot write {}", out.display()))?;
                    println!("{}", out.display());
                }
                None => println!("{}", path.display()),
            }
            Ok(())
        }
    }
}

async fn accounts(root: &std::path::Path, json: bool) -> Result<()> {
    let accounts = commons_client::list_accounts(root).await?;
    if json {
        print_json(&accounts)
    } else {
        print!("{}", render::accounts(&accounts));
        Ok(())
    }
}

async fn dispatch(client: &Client, command: Command) -> Result<()> {
    match command {
        Command::Login {
            server,
            email,
            sso,
            no_browser,
        } => match email {
            Some(email) if !sso => login(client, &server, &email).await,
            _ => login_sso(client, &server, !no_browser).await,
        },
        Command::Logout { forget } => logout(client, forget).await,
        Command::Attachment { action } => attachment(client, action).await,
        Command::Admin { action } => crate::admin::run(client, action).await,
        Command::Export { out, json } => crate::admin::export(client, &out, false, json).await,
        // Handled in `run`, without a profile.
        Command::Accounts { .. } => Ok(()),
        Command::Sync => sync(client).await,
        Command::Feed { group, limit, json } => {
            let posts = client.feed(group.as_deref(), limit, None).await?;
            if json {
                print_json(&posts)
            } else {
                print!("{}", render::feed(&posts, render::now_millis()));
                Ok(())
            }
        }
        Command::Groups { json } => {
            let groups = client.groups().await?;
            if json {
                print_json(&groups)
            } else {
                print!("{}", render::groups(&groups));
                Ok(())
            }
        }
        Command::Search { query, limit, json } => {
            let hits = client.search(&query.join(" "), limit).await?;
            if json {
                print_json(&hits)
            } else {
                print!("{}", render::search(&hits, render::now_millis()));
                Ok(())
            }
        }
        Command::Outbox { action, json } => match action {
            None => list_outbox(client, json).await,
            Some(OutboxCommand::List { json }) => list_outbox(client, json).await,
            Some(OutboxCommand::Retry { mutation_id }) => retry(client, &mutation_id).await,
            Some(OutboxCommand::Discard { mutation_id }) => discard(client, &mutation_id).await,
        },
        Command::Post {
            group,
            files,
            text,
            options,
            multiple,
            announce,
        } => {
            let text = text.join(" ");
            let write = Write::start(client).await?;
            let extras = PostExtras {
                poll_options: options,
                multiple,
                announce_days: announce,
            };
            let post = if files.is_empty() {
                client.post_with(group.as_deref(), &text, &extras).await?
            } else {
                client
                    .post_with_files(group.as_deref(), &text, &files, &extras)
                    .await?
            };
            let what = format!("post {} in {}", post.id, post.group_name);
            write.deliver(client, &what).await
        }
        Command::Comment { post_id, text } => {
            let text = text.join(" ");
            let write = Write::start(client).await?;
            let comment = client.comment(&post_id, &text).await?;
            let what = format!("comment {} on post {}", comment.id, comment.post_id);
            write.deliver(client, &what).await
        }
        Command::Reply { comment_id, text } => {
            let text = text.join(" ");
            let write = Write::start(client).await?;
            let reply = client.reply(&comment_id, &text).await?;
            let parent = reply.parent_id.as_deref().unwrap_or(&comment_id);
            let what = format!("reply {} to comment {parent}", reply.id);
            write.deliver(client, &what).await
        }
        Command::React { id, kind, .. } => {
            let write = Write::start(client).await?;
            if !client.react(&id, kind).await? {
                match kind {
                    Some(kind) => println!("You already reacted {kind} to {id}."),
                    None => println!("You have no reaction on {id}."),
                }
                return Ok(());
            }
            let what = match kind {
                Some(kind) => format!("reaction {kind} to {id}"),
                None => format!("removal of your reaction to {id}"),
            };
            write.deliver(client, &what).await
        }
        Command::Vote {
            post_id, options, ..
        } => {
            let chosen = polls::choices(client, &post_id, &options).await?;
            let write = Write::start(client).await?;
            if !client.vote(&post_id, &chosen).await? {
                println!("Your vote on {post_id} already is so.");
                return Ok(());
            }
            write.deliver(client, &format!("vote on {post_id}")).await
        }
        Command::Announce { post_id, days, .. } => {
            let write = Write::start(client).await?;
            client.announce(&post_id, days).await?;
            let what = match days {
                Some(days) => format!("announcement of {post_id} for {days} days"),
                None => format!("end of the announcement of {post_id}"),
            };
            write.deliver(client, &what).await
        }
        Command::Seen { post_id } => {
            let write = Write::start(client).await?;
            if !client.mark_seen(&post_id).await? {
                println!("You already saw {post_id}.");
                return Ok(());
            }
            write
                .deliver(client, &format!("seen mark on {post_id}"))
                .await
        }
        Command::SeenBy { post_id, json } => {
            let seen = client.seen_by(&post_id).await?;
            if json {
                print_json(&seen)
            } else {
                print!("{}", polls::seen_by(&seen, render::now_millis()));
                Ok(())
            }
        }
        Command::Edit { id, text } => {
            let text = text.join(" ");
            let write = Write::start(client).await?;
            client.edit(&id, &text).await?;
            write.deliver(client, &format!("edit of {id}")).await
        }
        Command::Delete { id } => {
            let write = Write::start(client).await?;
            client.delete(&id).await?;
            write.deliver(client, &format!("deletion of {id}")).await
        }
        Command::Notifications {
            action,
            unread,
            limit,
            json,
        } => match action {
            None => {
                let list = client.notifications(unread, limit, None).await?;
                if json {
                    print_json(&list)
                } else {
                    print!("{}", render::notifications(&list, render::now_millis()));
                    Ok(())
                }
            }
            Some(NotificationsCommand::Read {
                notification_id: Some(id),
                ..
            }) => {
                let write = Write::start(client).await?;
                if !client.mark_notification_read(&id).await? {
                    println!("Notification {id} is already read.");
                    return Ok(());
                }
                write
                    .deliver(client, &format!("read mark of notification {id}"))
                    .await
            }
            Some(NotificationsCommand::Read {
                notification_id: None,
                ..
            }) => {
                let write = Write::start(client).await?;
                let count = client.mark_all_notifications_read().await?;
                if count == 0 {
                    println!("No unread notifications.");
                    return Ok(());
                }
                let what = format!("read mark of {count} notification(s)");
                write.deliver(client, &what).await
            }
        },
        Command::People { query, limit, json } => {
            let query = query.join(" ");
            let query = (!query.trim().is_empty()).then_some(query.as_str());
            let people = client.people(query, limit).await?;
            if json {
                print_json(&people)
            } else {
                print!("{}", render::people(&people));
                Ok(())
            }
        }
        Command::Profile { handle, json } => {
            let Some(profile) = client.profile(&handle).await? else {
                bail!(
                    "nobody with the handle or id {handle:?} in the local cache (`commons people` \
                     lists everyone; `commons sync` fetches what is new)"
                );
            };
            if json {
                print_json(&profile)
            } else {
                print!("{}", render::profile(&profile));
                Ok(())
            }
        }
        Command::Group(GroupCommand::Leave { group_id }) => {
            let write = Write::start(client).await?;
            client.leave_group(&group_id).await?;
            write
                .deliver(client, &format!("request to leave group {group_id}"))
                .await
        }
        Command::Group(GroupCommand::Members { group_id, json }) => {
            let members = client.members(&group_id).await?;
            if json {
                print_json(&members)
            } else {
                print!("{}", render::members(&members, render::now_millis()));
                Ok(())
            }
        }
        Command::Group(GroupCommand::Requests { json }) => {
            let requests = client.join_requests().await?;
            if json {
                print_json(&requests)
            } else {
                print!("{}", render::join_requests(&requests, render::now_millis()));
                Ok(())
            }
        }
        Command::Group(GroupCommand::Notify { group_id, level }) => {
            let write = Write::start(client).await?;
            if !client.set_notification_level(&group_id, level).await? {
                println!("Notifications of group {group_id} are already {level}.");
                return Ok(());
            }
            let what = format!("notification level {level} for group {group_id}");
            write.deliver(client, &what).await
        }
        Command::Group(GroupCommand::Create(args)) => {
            let write = Write::start(client).await?;
            let group = client
                .create_group(&args.name, &args.description, args.privacy)
                .await?;
            let what = format!(
                "{} group \"{}\" (id {})",
                group.privacy, group.name, group.id
            );
            write.deliver(client, &what).await
        }
        Command::Group(GroupCommand::Join { group_id }) => {
            let write = Write::start(client).await?;
            client.join_group(&group_id).await?;
            write
                .deliver(client, &format!("request to join group {group_id}"))
                .await?;
            let asked = client
                .groups()
                .await?
                .into_iter()
                .any(|g| g.id == group_id && g.requested);
            if asked {
                println!("The group is closed: its admins will answer your request.");
            }
            Ok(())
        }
        Command::Group(GroupCommand::AddMember { group_id, email }) => {
            let write = Write::start(client).await?;
            client.add_member(&group_id, &email).await?;
            write
                .deliver(
                    client,
                    &format!("request to add {email} to group {group_id}"),
                )
                .await
        }
    }
}

async fn list_outbox(client: &Client, json: bool) -> Result<()> {
    let items = client.outbox().await?;
    if json {
        print_json(&items)
    } else {
        print!("{}", render::outbox(&items, render::now_millis()));
        Ok(())
    }
}

/// Queues a failed change again and tries to send it at once, like a new write.
async fn retry(client: &Client, mutation_id: &str) -> Result<()> {
    let summary = summary_of(client, mutation_id).await?;
    client.retry(mutation_id).await?;
    send_now(client, &[mutation_id.to_owned()], &summary).await
}

async fn discard(client: &Client, mutation_id: &str) -> Result<()> {
    let before = client.outbox().await?;
    client.discard(mutation_id).await?;
    let after: HashSet<String> = client
        .outbox()
        .await?
        .into_iter()
        .map(|item| item.mutation_id)
        .collect();
    for item in before.iter().filter(|i| !after.contains(&i.mutation_id)) {
        println!("Discarded {} ({}).", item.summary, item.mutation_id);
    }
    Ok(())
}

/// The outbox's one-line description of a change, for messages.
async fn summary_of(client: &Client, mutation_id: &str) -> Result<String> {
    Ok(client
        .outbox()
        .await?
        .into_iter()
        .find(|item| item.mutation_id == mutation_id)
        .map(|item| item.summary)
        .unwrap_or_else(|| format!("change {mutation_id}")))
}

pub(crate) fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

async fn login(client: &Client, server: &str, email: &str) -> Result<()> {
    let password = read_password()?;
    let account = client.login(server, email, &password).await?;
    println!(
        "Logged in to {} as {} <{}>.",
        account.server_url, account.user.name, account.user.email
    );
    println!("Run `commons sync` to fetch your feed.");
    Ok(())
}

async fn login_sso(client: &Client, server: &str, open_browser: bool) -> Result<()> {
    let account = client
        .login_sso(server, commons_client::SIGN_IN_PATIENCE, |url| {
            println!("To log in, open this address in your browser:\n\n    {url}\n");
            println!("Waiting for the browser (at most 5 minutes)...");
            use std::io::Write;
            let _ = std::io::stdout().flush();
            if open_browser {
                crate::browser::open(url);
            }
        })
        .await?;
    println!(
        "Logged in to {} as {} <{}>.",
        account.server_url, account.user.name, account.user.email
    );
    println!("Run `commons sync` to fetch your feed.");
    Ok(())
}

/// From the terminal without echo, or one line of stdin (for scripts).
pub(crate) fn read_password() -> Result<String> {
    let password = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Password: ").context("cannot read the password")?
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from stdin")?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    if password.is_empty() {
        bail!("no password given");
    }
    Ok(password)
}

async fn logout(client: &Client, forget: bool) -> Result<()> {
    let account = client.stored_account().await?;
    if forget {
        client.logout_and_delete_cache().await?;
        if let Some(account) = account {
            println!(
                "Logged out of {} and deleted the local cache.",
                account.server_url
            );
        }
        return Ok(());
    }
    client.logout().await?;
    let unsent = client
        .outbox()
        .await?
        .iter()
        .filter(|item| item.state == OutboxState::Pending)
        .count();
    if let Some(account) = account {
        println!("Logged out of {}.", account.server_url);
    }
    if unsent > 0 {
        println!("{unsent} unsent change(s) stay in this profile; log in again to send them.");
    }
    Ok(())
}

/// Prints notifications as lines of text.
struct PrintNotifier;

impl Notifier for PrintNotifier {
    fn notify(&self, notification: &Notification) {
        println!("{}", render::notification(notification));
    }
}

async fn sync(client: &Client) -> Result<()> {
    let account = client.stored_account().await?;
    let report = match client.sync().await {
        Ok(report) => report,
        Err(ClientError::Offline(server)) => {
            let unsent = client
                .outbox()
                .await?
                .iter()
                .filter(|item| item.state == OutboxState::Pending)
                .count();
            if unsent > 0 {
                eprintln!("{unsent} change(s) wait in the outbox and will be sent later.");
            }
            return Err(ClientError::Offline(server).into());
        }
        Err(e) => return Err(e.into()),
    };
    report.raise(&PrintNotifier);
    let server = account.map(|a| a.server_url).unwrap_or_default();
    println!(
        "Synced with {server}: sent {}, rejected {}, received {} change(s).",
        report.pushed, report.failed, report.pulled
    );
    if report.failed > 0 {
        println!("Rejected changes are listed by `commons outbox`.");
    }
    Ok(())
}

/// A write in progress: saved locally first, then sent at once if the server
/// can be reached in a few seconds. Whatever happens, it is safe in the outbox.
struct Write {
    queued_before: HashSet<String>,
}

impl Write {
    async fn start(client: &Client) -> Result<Write> {
        let queued_before = client
            .outbox()
            .await?
            .into_iter()
            .map(|item| item.mutation_id)
            .collect();
        Ok(Write { queued_before })
    }

    /// Sends the outbox and tells what became of this write.
    async fn deliver(self, client: &Client, what: &str) -> Result<()> {
        let mine: Vec<String> = client
            .outbox()
            .await?
            .into_iter()
            .map(|item| item.mutation_id)
            .filter(|id| !self.queued_before.contains(id))
            .collect();
        send_now(client, &mine, what).await
    }
}

/// Sends the outbox (waiting a few seconds at most) and tells what became of
/// the changes `mine`. Whatever happens, they are safe in the outbox.
async fn send_now(client: &Client, mine: &[String], what: &str) -> Result<()> {
    let server = client
        .stored_account()
        .await?
        .map(|a| a.server_url)
        .unwrap_or_default();
    let pushed = tokio::time::timeout(IMMEDIATE_SEND_TIMEOUT, client.push()).await;
    let not_sent = match pushed {
        Ok(Ok(_report)) => None,
        Ok(Err(ClientError::Offline(_))) | Err(_) => Some(format!(
            "offline: cannot reach {server}; your change is saved and will be sent by the \
             next `commons sync`"
        )),
        Ok(Err(e)) => Some(format!(
            "saved, but not sent: {e}; `commons sync` will send it"
        )),
    };
    let outbox = client.outbox().await?;
    let rejected = outbox.iter().find_map(|item| match &item.state {
        OutboxState::Failed { reason } if mine.contains(&item.mutation_id) => Some(reason),
        _ => None,
    });
    if let Some(reason) = rejected {
        bail!("the server rejected the {what}: {reason}");
    }
    let still_queued = outbox.iter().any(|item| mine.contains(&item.mutation_id));
    match not_sent {
        Some(message) if still_queued => {
            eprintln!("{message}");
            println!("Saved {what} [pending].");
        }
        _ => println!("Sent {what}."),
    }
    Ok(())
}
