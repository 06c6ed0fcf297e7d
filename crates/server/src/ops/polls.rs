//! Polls and announcements. Members vote (one option, or several when the
//! author allowed it) until the poll is closed by its author or a group
//! admin or moderator; whoever may read the post reads the results. Group
//! admins and moderators announce a post for 1 to 7 days; members mark it
//! seen (the first time is kept); the author and the group's admins see who
//! saw it.

use std::collections::HashSet;

use commons_protocol::{
    GroupRole, NewPoll, NotificationKind, Poll, PollOptionResult, PollResults, PollVote, Post,
    PostSeen, SeenBy, User, DAY_MILLIS, MAX_ANNOUNCE_DAYS, MAX_POLL_OPTIONS, MAX_POLL_OPTION_CHARS,
    MIN_ANNOUNCE_DAYS, MIN_POLL_OPTIONS,
};
use sqlx::AnyConnection;

use super::groups::notify_members;
use super::notifications::{notify, Event};
use super::posts::{append_post_change, post_deleted, readable_post};
use super::{OpError, OpResult};
use crate::db::changes::{ChangeKind, NewChange};
use crate::db::{self, now_millis, Database, Write};
use crate::hub::Audience;

/// Checks a poll asked with a new post: 2 to 20 options, each 1 to 100
/// characters once trimmed, no two alike.
pub fn new_poll(request: &NewPoll) -> OpResult<Poll> {
    let count = request.options.len();
    if !(MIN_POLL_OPTIONS..=MAX_POLL_OPTIONS).contains(&count) {
        return Err(OpError::Invalid(format!(
            "a poll has {MIN_POLL_OPTIONS} to {MAX_POLL_OPTIONS} options, not {count}"
        )));
    }
    let mut options = Vec::with_capacity(count);
    let mut seen = HashSet::new();
    for text in &request.options {
        let text = text.trim();
        if text.is_empty() || text.chars().count() > MAX_POLL_OPTION_CHARS {
            return Err(OpError::Invalid(format!(
                "a poll option has 1 to {MAX_POLL_OPTION_CHARS} characters"
            )));
        }
        if !seen.insert(text.to_lowercase()) {
            return Err(OpError::Invalid(format!(
                "the option {text:?} is there twice"
            )));
        }
        options.push(text.to_string());
    }
    Ok(Poll {
        options,
        multiple: request.multiple,
        closed_at: None,
    })
}

/// When an announcement of `days` days made now ends.
pub fn announcement_end(days: u32) -> OpResult<i64> {
    if !(MIN_ANNOUNCE_DAYS..=MAX_ANNOUNCE_DAYS).contains(&days) {
        return Err(OpError::Invalid(format!(
            "an announcement lasts {MIN_ANNOUNCE_DAYS} to {MAX_ANNOUNCE_DAYS} days, not {days}"
        )));
    }
    Ok(now_millis() + i64::from(days) * DAY_MILLIS)
}

fn no_poll() -> OpError {
    OpError::NotFound("this post has no poll".into())
}

/// Sets the caller's vote (replacing an earlier one); answers the results.
pub async fn vote(
    w: &mut Write,
    actor: &User,
    post_id: &str,
    options: &[u32],
) -> OpResult<PollResults> {
    let (post, poll) = votable(w.conn(), actor, post_id).await?;
    let mut chosen: Vec<u32> = options.to_vec();
    chosen.sort_unstable();
    chosen.dedup();
    if chosen.len() != options.len() {
        return Err(OpError::Invalid("an option is chosen twice".into()));
    }
    if chosen.is_empty() || (!poll.multiple && chosen.len() > 1) {
        return Err(OpError::Invalid(if poll.multiple {
            "choose at least one option".into()
        } else {
            "this poll takes exactly one option".into()
        }));
    }
    if let Some(bad) = chosen.iter().find(|&&i| i as usize >= poll.options.len()) {
        return Err(OpError::Invalid(format!(
            "option {bad} does not exist: the poll has {} options (0 to {})",
            poll.options.len(),
            poll.options.len() - 1
        )));
    }
    let votes = db::polls::votes_of_post(w.conn(), &post.id).await?;
    let unchanged = votes
        .iter()
        .any(|v| v.user_id == actor.id && v.options == chosen);
    if !unchanged {
        let vote = PollVote {
            post_id: post.id.clone(),
            group_id: post.group_id.clone(),
            user_id: actor.id.clone(),
            options: chosen,
            voted_at: now_millis(),
        };
        let seq = append_vote_change(w, &post, &actor.id).await?;
        db::polls::upsert_vote(w.conn(), &vote, seq).await?;
        notify_members(w, &post.group_id).await?;
    }
    results_of(w.conn(), &post.id, &poll).await
}

/// Withdraws the caller's vote (none is fine); answers the results.
pub async fn unvote(w: &mut Write, actor: &User, post_id: &str) -> OpResult<PollResults> {
    let (post, poll) = votable(w.conn(), actor, post_id).await?;
    if db::polls::delete_vote(w.conn(), &post.id, &actor.id).await? {
        append_vote_change(w, &post, &actor.id).await?;
        notify_members(w, &post.group_id).await?;
    }
    results_of(w.conn(), &post.id, &poll).await
}

/// The author or a group admin or moderator closes the poll: no more votes.
pub async fn close(w: &mut Write, actor: &User, post_id: &str) -> OpResult<PollResults> {
    let (post, _, role) = readable_post(w.conn(), actor, post_id).await?;
    if post.deleted_at.is_some() {
        return Err(post_deleted());
    }
    let mut poll = post.poll.clone().ok_or_else(no_poll)?;
    if post.author_id != actor.id && !role.is_some_and(GroupRole::moderates) {
        return Err(OpError::Forbidden(
            "only the author and the group's admins and moderators can close this poll".into(),
        ));
    }
    if poll.closed_at.is_none() {
        poll.closed_at = Some(now_millis());
        db::polls::set_poll(w.conn(), &post.id, &poll).await?;
        append_post_change(w, &post).await?;
        notify_members(w, &post.group_id).await?;
    }
    results_of(w.conn(), &post.id, &poll).await
}

/// The results, for whoever may read the post.
pub async fn results(db: &Database, actor: &User, post_id: &str) -> OpResult<PollResults> {
    let mut conn = db.pool().acquire().await?;
    let (post, _, _) = readable_post(&mut conn, actor, post_id).await?;
    let poll = post.poll.clone().ok_or_else(no_poll)?;
    results_of(&mut conn, &post.id, &poll).await
}

async fn results_of(conn: &mut AnyConnection, post_id: &str, poll: &Poll) -> OpResult<PollResults> {
    let votes = db::polls::votes_of_post(conn, post_id).await?;
    let mut options: Vec<PollOptionResult> = poll
        .options
        .iter()
        .map(|text| PollOptionResult {
            text: text.clone(),
            count: 0,
            voter_ids: Vec::new(),
        })
        .collect();
    for vote in &votes {
        for &index in &vote.options {
            if let Some(option) = options.get_mut(index as usize) {
                option.count += 1;
                option.voter_ids.push(vote.user_id.clone());
            }
        }
    }
    Ok(PollResults {
        post_id: post_id.to_string(),
        multiple: poll.multiple,
        closed_at: poll.closed_at,
        options,
        voters: u32::try_from(votes.len()).unwrap_or(u32::MAX),
    })
}

/// A post whose poll the caller (a member) may vote in now.
async fn votable(conn: &mut AnyConnection, actor: &User, post_id: &str) -> OpResult<(Post, Poll)> {
    let (post, group, role) = readable_post(conn, actor, post_id).await?;
    if role.is_none() {
        return Err(OpError::Forbidden(format!(
            "only members of {} can vote: join it first",
            group.name
        )));
    }
    if post.deleted_at.is_some() {
        return Err(post_deleted());
    }
    let poll = post.poll.clone().ok_or_else(no_poll)?;
    if poll.closed_at.is_some() {
        return Err(OpError::Conflict("this poll is closed".into()));
    }
    Ok((post, poll))
}

/// A group admin or moderator announces the post for `days` days from now
/// (`None` unmarks it). Members hear of a new announcement (see [`notify_announcement`]).
pub async fn announce(
    w: &mut Write,
    actor: &User,
    post_id: &str,
    days: Option<u32>,
) -> OpResult<Post> {
    let (post, group, role) = readable_post(w.conn(), actor, post_id).await?;
    if !role.is_some_and(GroupRole::moderates) {
        return Err(OpError::Forbidden(format!(
            "only admins and moderators of {} can announce posts",
            group.name
        )));
    }
    if post.deleted_at.is_some() {
        return Err(post_deleted());
    }
    let until = days.map(announcement_end).transpose()?;
    let was_running = post.announced_until.is_some_and(|t| t > now_millis());
    // Unmarking what is not marked changes nothing.
    let changes = until.is_some() || post.announced_until.is_some();
    if changes {
        db::polls::set_announced(w.conn(), &post.id, until).await?;
        append_post_change(w, &post).await?;
        notify_members(w, &post.group_id).await?;
    }
    let mut post = Post {
        announced_until: until,
        ..post
    };
    db::attachments::attach(w.conn(), std::slice::from_mut(&mut post)).await?;
    if until.is_some() && !was_running {
        notify_announcement(w, actor, &post, &mut HashSet::from([actor.id.clone()])).await?;
    }
    Ok(post)
}

/// Notifies the members whose level lets announcements through
/// (`all`, `highlights`), except those in `done`, and adds them to `done`.
pub(super) async fn notify_announcement(
    w: &mut Write,
    actor: &User,
    post: &Post,
    done: &mut HashSet<String>,
) -> OpResult<()> {
    let event = Event {
        kind: NotificationKind::Announcement,
        actor_id: Some(&actor.id),
        group_id: Some(&post.group_id),
        post_id: Some(&post.id),
        comment_id: None,
    };
    for member in db::polls::members_wanting_announcements(w.conn(), &post.group_id).await? {
        if done.insert(member.clone()) {
            notify(w, &member, &event).await?;
        }
    }
    Ok(())
}

/// A member saw the post; the first time is kept (and answered again after).
pub async fn mark_seen(w: &mut Write, actor: &User, post_id: &str) -> OpResult<PostSeen> {
    let (post, group, role) = readable_post(w.conn(), actor, post_id).await?;
    if role.is_none() {
        return Err(OpError::Forbidden(format!(
            "only members of {} mark its posts seen",
            group.name
        )));
    }
    if post.deleted_at.is_some() {
        return Err(post_deleted());
    }
    if let Some(seen) = db::polls::find_seen(w.conn(), &post.id, &actor.id).await? {
        return Ok(seen);
    }
    let seen = PostSeen {
        post_id: post.id.clone(),
        group_id: post.group_id.clone(),
        user_id: actor.id.clone(),
        seen_at: now_millis(),
    };
    let seq = w
        .append(NewChange {
            kind: ChangeKind::PostSeen,
            entity_id: &post.id,
            group_id: Some(&post.group_id),
            user_id: Some(&actor.id),
        })
        .await?;
    db::polls::mark_seen(w.conn(), &seen, seq).await?;
    let mut audience = db::polls::seen_audience(w.conn(), &post.id).await?;
    audience.push(actor.id.clone());
    w.notify(Audience::users(audience));
    Ok(seen)
}

/// Who saw the post: for its author and the group's admins only.
pub async fn seen_by(db: &Database, actor: &User, post_id: &str) -> OpResult<SeenBy> {
    let mut conn = db.pool().acquire().await?;
    let (post, _, role) = readable_post(&mut conn, actor, post_id).await?;
    if post.author_id != actor.id && role != Some(GroupRole::Admin) {
        return Err(OpError::Forbidden(
            "only the post's author and the group's admins see who saw it".into(),
        ));
    }
    let seen = db::polls::seen_of_post(&mut conn, &post.id).await?;
    Ok(SeenBy {
        post_id: post.id,
        count: u32::try_from(seen.len()).unwrap_or(u32::MAX),
        seen,
    })
}

async fn append_vote_change(w: &mut Write, post: &Post, voter: &str) -> OpResult<i64> {
    Ok(w.append(NewChange {
        kind: ChangeKind::PollVote,
        entity_id: &post.id,
        group_id: Some(&post.group_id),
        user_id: Some(voter),
    })
    .await?)
}
