//! Poll and announcement writes on a post: vote, withdraw a vote, announce
//! (or unmark), mark seen. Like every write they are applied to the cache
//! and queued in one transaction (`writes::queue`); `poll_effects` says what
//! each does to the cache at every step of its life in the outbox.

use commons_protocol::{
    AnnounceRequest, Id, Millis, MutationRequest, NewPoll, Poll, User, VoteRequest,
    MAX_ANNOUNCE_DAYS, MAX_POLL_OPTIONS, MAX_POLL_OPTION_CHARS, MIN_ANNOUNCE_DAYS,
    MIN_POLL_OPTIONS,
};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;

use crate::cache;
use crate::outbox::{Item, Mutation};
use crate::writes::{find_item, new_id, queue, usable, whose};
use crate::ClientError;

fn invalid(message: impl Into<String>) -> ClientError {
    ClientError::InvalidInput(message.into())
}

/// The post a poll write acts on, and whose write it is.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub(crate) struct PostTarget {
    pub post_id: Id,
    pub group_id: Id,
    pub user_id: Id,
}

/// One poll or announcement write, with what undoing it needs.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(tag = "write", rename_all = "snake_case")]
pub(crate) enum PollWrite {
    /// `PUT /posts/{id}/vote`; `previous`: my vote before.
    Vote {
        previous: Option<Vec<u32>>,
        request: VoteRequest,
    },
    /// `DELETE /posts/{id}/vote`.
    Unvote {
        previous: Option<Vec<u32>>,
        request: MutationRequest,
    },
    /// `POST /posts/{id}/announce`; `previous`: the end before.
    Announce {
        previous: Option<Millis>,
        request: AnnounceRequest,
    },
    /// `POST /posts/{id}/seen`.
    MarkSeen { request: MutationRequest },
}

impl PollWrite {
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            PollWrite::Vote { .. } => "vote",
            PollWrite::Unvote { .. } => "unvote",
            PollWrite::Announce { .. } => "announce",
            PollWrite::MarkSeen { .. } => "mark_seen",
        }
    }

    pub(crate) fn mutation_id(&self) -> &str {
        match self {
            PollWrite::Vote { request, .. } => &request.mutation_id,
            PollWrite::Announce { request, .. } => &request.mutation_id,
            PollWrite::Unvote { request, .. } | PollWrite::MarkSeen { request } => {
                &request.mutation_id
            }
        }
    }

    /// Method, path after the post (`/posts/{id}`), and body.
    pub(crate) fn endpoint(
        &self,
    ) -> Result<(Method, &'static str, serde_json::Value), ClientError> {
        Ok(match self {
            PollWrite::Vote { request, .. } => (Method::PUT, "vote", json(request)?),
            PollWrite::Unvote { request, .. } => (Method::DELETE, "vote", json(request)?),
            PollWrite::Announce { request, .. } => (Method::POST, "announce", json(request)?),
            PollWrite::MarkSeen { request } => (Method::POST, "seen", json(request)?),
        })
    }
}

fn json<T: Serialize>(body: &T) -> Result<serde_json::Value, ClientError> {
    serde_json::to_value(body)
        .map_err(|e| ClientError::CorruptCache(format!("outbox payload: {e}")))
}

/// What a new post may carry besides its text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PostExtras {
    /// A poll with these options (2 to 20), or none when empty.
    pub poll_options: Vec<String>,
    /// The poll takes several options per person.
    pub multiple: bool,
    /// Announce it for this many days (1 to 7; group admins and moderators).
    pub announce_days: Option<u32>,
}

/// Checks a poll asked with a new post as the server will.
pub(crate) fn checked_poll(options: &[String], multiple: bool) -> Result<NewPoll, ClientError> {
    let options: Vec<String> = options.iter().map(|o| o.trim().to_owned()).collect();
    if !(MIN_POLL_OPTIONS..=MAX_POLL_OPTIONS).contains(&options.len()) {
        return Err(invalid(format!(
            "a poll has {MIN_POLL_OPTIONS} to {MAX_POLL_OPTIONS} options, not {}",
            options.len()
        )));
    }
    let mut seen = std::collections::HashSet::new();
    for option in &options {
        if option.is_empty() || option.chars().count() > MAX_POLL_OPTION_CHARS {
            return Err(invalid(format!(
                "a poll option has 1 to {MAX_POLL_OPTION_CHARS} characters"
            )));
        }
        if !seen.insert(option.to_lowercase()) {
            return Err(invalid(format!("the option {option:?} is there twice")));
        }
    }
    Ok(NewPoll { options, multiple })
}

/// The poll a new post shows before the server confirms it.
pub(crate) fn local_poll(poll: &NewPoll) -> Poll {
    Poll {
        options: poll.options.clone(),
        multiple: poll.multiple,
        closed_at: None,
    }
}

/// When an announcement of `days` days made now ends, checked as the server will.
pub(crate) fn announcement_end(days: u32) -> Result<Millis, ClientError> {
    if !(MIN_ANNOUNCE_DAYS..=MAX_ANNOUNCE_DAYS).contains(&days) {
        return Err(invalid(format!(
            "an announcement lasts {MIN_ANNOUNCE_DAYS} to {MAX_ANNOUNCE_DAYS} days, not {days}"
        )));
    }
    Ok(cache::now_millis() + i64::from(days) * commons_protocol::DAY_MILLIS)
}

#[derive(sqlx::FromRow)]
struct PollFacts {
    poll: Option<String>,
    announced_until: Option<i64>,
}

async fn poll_facts(conn: &mut SqliteConnection, post_id: &str) -> Result<PollFacts, ClientError> {
    Ok(
        sqlx::query_as("SELECT poll, announced_until FROM posts WHERE id = ?")
            .bind(post_id.to_owned())
            .fetch_one(conn)
            .await?,
    )
}

/// Sets my vote (`options` non-empty) or withdraws it (empty). False when
/// it already was so (nothing is queued).
pub(crate) async fn vote(
    conn: &mut SqliteConnection,
    me: &User,
    post_id: &str,
    options: &[u32],
) -> Result<bool, ClientError> {
    let (item, facts) = find_item(conn, me, post_id).await?;
    if item != Item::Post {
        return Err(invalid("only posts have polls"));
    }
    usable(item, &facts)?;
    if facts.my_role.is_none() {
        return Err(invalid("only members of the group vote: join it first"));
    }
    let stored = poll_facts(conn, post_id).await?.poll;
    let poll: Poll = match stored {
        Some(text) => serde_json::from_str(&text)
            .map_err(|e| ClientError::CorruptCache(format!("poll of {post_id}: {e}")))?,
        None => return Err(invalid("this post has no poll")),
    };
    if poll.closed_at.is_some() {
        return Err(invalid("this poll is closed"));
    }
    let mut chosen = options.to_vec();
    chosen.sort_unstable();
    chosen.dedup();
    if chosen.len() != options.len() {
        return Err(invalid("an option is chosen twice"));
    }
    if chosen.len() > 1 && !poll.multiple {
        return Err(invalid("this poll takes exactly one option"));
    }
    if let Some(bad) = chosen.iter().find(|&&i| i as usize >= poll.options.len()) {
        return Err(invalid(format!(
            "option {bad} does not exist: the poll has {} options (0 to {})",
            poll.options.len(),
            poll.options.len() - 1
        )));
    }
    let previous = cache::my_vote(conn, post_id, &me.id).await?;
    let wanted = (!chosen.is_empty()).then_some(chosen.clone());
    if previous == wanted {
        return Ok(false);
    }
    let target = PostTarget {
        post_id: post_id.to_owned(),
        group_id: facts.group_id.clone(),
        user_id: me.id.clone(),
    };
    let whose = whose(me, item, &facts);
    let (write, summary) = if chosen.is_empty() {
        let request = MutationRequest {
            mutation_id: new_id(),
        };
        (
            PollWrite::Unvote { previous, request },
            format!("withdraw your vote on {whose}"),
        )
    } else {
        let texts: Vec<&str> = chosen
            .iter()
            .map(|&i| poll.options[i as usize].as_str())
            .collect();
        let request = VoteRequest {
            mutation_id: new_id(),
            options: chosen,
        };
        (
            PollWrite::Vote { previous, request },
            format!("vote {} on {whose}", texts.join(", ")),
        )
    };
    queue(conn, &Mutation::OnPost { target, write }, &summary).await?;
    Ok(true)
}

/// Announces my group's post for `days` days (`None`: unmark it); group
/// admins and moderators only.
pub(crate) async fn announce(
    conn: &mut SqliteConnection,
    me: &User,
    post_id: &str,
    days: Option<u32>,
) -> Result<(), ClientError> {
    let (item, facts) = find_item(conn, me, post_id).await?;
    if item != Item::Post {
        return Err(invalid("only posts are announced"));
    }
    usable(item, &facts)?;
    if !matches!(facts.my_role.as_deref(), Some("admin" | "moderator")) {
        return Err(invalid(
            "only the group's admins and moderators announce posts",
        ));
    }
    if let Some(days) = days {
        announcement_end(days)?;
    }
    let previous = poll_facts(conn, post_id).await?.announced_until;
    let target = PostTarget {
        post_id: post_id.to_owned(),
        group_id: facts.group_id.clone(),
        user_id: me.id.clone(),
    };
    let whose = whose(me, item, &facts);
    let summary = match days {
        Some(days) => format!("announce {whose} for {days} days"),
        None => format!("stop announcing {whose}"),
    };
    let request = AnnounceRequest {
        mutation_id: new_id(),
        days,
    };
    let write = PollWrite::Announce { previous, request };
    queue(conn, &Mutation::OnPost { target, write }, &summary).await
}

/// Marks a post of my groups seen; false when I already did.
pub(crate) async fn mark_seen(
    conn: &mut SqliteConnection,
    me: &User,
    post_id: &str,
) -> Result<bool, ClientError> {
    let (item, facts) = find_item(conn, me, post_id).await?;
    if item != Item::Post {
        return Err(invalid("only posts are marked seen"));
    }
    usable(item, &facts)?;
    if facts.my_role.is_none() {
        return Err(invalid("only members of the group mark its posts seen"));
    }
    let already: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM post_seen WHERE post_id = ? AND user_id = ?")
            .bind(post_id.to_owned())
            .bind(me.id.clone())
            .fetch_optional(&mut *conn)
            .await?;
    if already.is_some() {
        return Ok(false);
    }
    let target = PostTarget {
        post_id: post_id.to_owned(),
        group_id: facts.group_id.clone(),
        user_id: me.id.clone(),
    };
    let summary = format!("mark {} seen", whose(me, item, &facts));
    let write = PollWrite::MarkSeen {
        request: MutationRequest {
            mutation_id: new_id(),
        },
    };
    queue(conn, &Mutation::OnPost { target, write }, &summary).await?;
    Ok(true)
}
