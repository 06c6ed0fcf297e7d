//! Each group's feed: posts with their files, comments (one level of
//! replies: deeper ones attach to their top-level comment), reactions and
//! "seen" lists. Nobody is notified: imported content is history.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use commons_protocol::{Comment, Post, PostSeen, Reaction, ReactionKind};

use super::export::{self, Attachment};
use super::feed::Chronological;
use super::files::{attachment_files, store_attachment};
use super::text::{parse_time, to_markdown};
use super::{ImportError, Importer, Kind};
use crate::db::attachments::Owner;
use crate::db::DbError;
use crate::ops::validate;

/// Where a post being imported lives, for its comments and files.
pub(super) struct Place<'p> {
    pub file: &'p Path,
    pub group_id: &'p str,
    /// `attachments/` of the group's folder: file stem → path.
    pub files: &'p HashMap<String, PathBuf>,
}

pub(super) async fn import_feeds(
    imp: &mut Importer<'_>,
    groups: &[(String, String)],
) -> Result<(), ImportError> {
    for (workplace_id, group_id) in groups {
        let dir = imp.layout.group_dir(workplace_id);
        let pages = export::feed_pages(&dir).map_err(|source| ImportError::Io {
            path: dir.clone(),
            source,
        })?;
        let files = attachment_files(&dir.join("attachments"));
        let (mut posts, unreadable, read) = Chronological::read(pages);
        imp.files_read += read;
        for (file, reason) in unreadable {
            imp.unreadable(Kind::Post, &file, reason);
        }
        while let Some((file, entry)) = posts.next() {
            let place = Place {
                file: &file,
                group_id,
                files: &files,
            };
            match export::parse::<export::Post>(entry) {
                Ok(post) => import_post(imp, &place, &post).await?,
                Err((id, reason)) => imp.skip(Kind::Post, &file, &id, reason),
            }
        }
    }
    imp.commit().await
}

/// The Commons text, or why there is none.
fn text_of(
    imp: &Importer<'_>,
    message: &str,
    tags: &[export::Tag],
    markdown: bool,
    attachments: &[&Attachment],
) -> String {
    let body = to_markdown(message, tags, markdown, |workplace_id| {
        let user_id = imp.commons_id(Kind::Member, workplace_id)?;
        imp.handles.get(user_id).map(String::as_str)
    });
    if !body.trim().is_empty() {
        return body;
    }
    // A photo posted without words: its name stands for the text.
    let names: Vec<String> = attachments
        .iter()
        .filter_map(|a| a.title.clone().filter(|t| !t.trim().is_empty()))
        .collect();
    to_markdown(&names.join(", "), &[], false, |_| None)
}

async fn import_post(
    imp: &mut Importer<'_>,
    place: &Place<'_>,
    source: &export::Post,
) -> Result<(), ImportError> {
    if let Some(id) = imp.commons_id(Kind::Post, &source.id).map(str::to_string) {
        return revisit_post(imp, place, source, id).await;
    }
    let skip = |imp: &mut Importer<'_>, reason: String| {
        imp.skip(Kind::Post, place.file, &source.id, reason);
        Ok(())
    };
    let Some(author_id) = author(imp, source.from.as_ref()) else {
        return skip(imp, unknown_author(source.from.as_ref()));
    };
    let Some(created_at) = parse_time(&source.created_time) else {
        return skip(
            imp,
            format!("created_time {:?} is not a time", source.created_time),
        );
    };
    let markdown = source
        .formatting
        .as_deref()
        .is_some_and(|f| f.eq_ignore_ascii_case("MARKDOWN"));
    let attachments: Vec<&Attachment> = source
        .attachments
        .data
        .iter()
        .flat_map(Attachment::flatten)
        .collect();
    let body = text_of(
        imp,
        &source.message,
        &source.message_tags,
        markdown,
        &attachments,
    );
    if let Err(e) = validate::post_body(&body) {
        return skip(imp, e.to_string());
    }
    let edited_at = source.updated_time.as_deref().and_then(parse_time);
    let post = Post {
        id: uuid::Uuid::now_v7().to_string(),
        group_id: place.group_id.to_string(),
        author_id,
        body,
        created_at,
        edited_at: edited_at.filter(|&t| t > created_at),
        ..Post::default()
    };
    // Written with the batch (`batch::Pending`), change-log entry included.
    imp.write().await?;
    imp.pending.posts.push(post.clone());
    imp.map(Kind::Post, &source.id, &post.id).await?;
    imp.summary.created(Kind::Post);
    let mut rows = 3;
    for attachment in attachments {
        rows += store_attachment(
            imp,
            place,
            attachment,
            &post.author_id,
            Owner::Post(&post.id),
            false,
        )
        .await?;
    }
    rows += react(imp, place, &post, &post.id, &source.reactions.data, false).await?;
    rows += mark_seen(imp, place, &post, &source.seen.data, false).await?;
    for comment in by_time(&source.comments.data) {
        rows += import_thread(imp, place, &post, comment).await?;
    }
    imp.wrote(rows).await
}

/// Comments oldest first (as Commons orders them: by commit), whatever the
/// order of the export.
fn by_time(comments: &[export::Comment]) -> Vec<&export::Comment> {
    let mut sorted: Vec<&export::Comment> = comments.iter().collect();
    sorted.sort_by_key(|c| parse_time(&c.created_time).unwrap_or(i64::MIN));
    sorted
}

/// A post imported before: what it holds is counted as already there,
/// except comments not imported yet (a later export's), which are added.
async fn revisit_post(
    imp: &mut Importer<'_>,
    place: &Place<'_>,
    source: &export::Post,
    post_id: String,
) -> Result<(), ImportError> {
    imp.summary.already_there(Kind::Post);
    let post = Post {
        id: post_id,
        group_id: place.group_id.to_string(),
        created_at: parse_time(&source.created_time).unwrap_or_default(),
        ..Post::default()
    };
    for attachment in source.attachments.data.iter().flat_map(Attachment::flatten) {
        store_attachment(imp, place, attachment, "", Owner::Post(&post.id), true).await?;
    }
    react(imp, place, &post, &post.id, &source.reactions.data, true).await?;
    mark_seen(imp, place, &post, &source.seen.data, true).await?;
    let mut rows = 0;
    for comment in by_time(&source.comments.data) {
        rows += import_thread(imp, place, &post, comment).await?;
    }
    imp.wrote(rows).await
}

fn author(imp: &Importer<'_>, from: Option<&export::Ref>) -> Option<String> {
    imp.commons_id(Kind::Member, &from?.id).map(str::to_string)
}

fn unknown_author(from: Option<&export::Ref>) -> String {
    match from {
        Some(from) => format!(
            "its author {} ({}) is not among the people imported",
            from.id, from.name
        ),
        None => "it has no author (\"from\")".into(),
    }
}

/// A top-level comment and its replies; replies to replies attach to it.
async fn import_thread(
    imp: &mut Importer<'_>,
    place: &Place<'_>,
    post: &Post,
    top: &export::Comment,
) -> Result<usize, ImportError> {
    let (mut rows, top_id) = import_comment(imp, place, post, top, None).await?;
    let mut replies: Vec<&export::Comment> = Vec::new();
    let mut stack: Vec<&export::Comment> = top.comments.data.iter().rev().collect();
    while let Some(reply) = stack.pop() {
        replies.push(reply);
        stack.extend(reply.comments.data.iter().rev());
    }
    replies.sort_by_key(|c| parse_time(&c.created_time).unwrap_or(i64::MIN));
    for reply in replies {
        match &top_id {
            Some(top_id) => {
                rows += import_comment(imp, place, post, reply, Some(top_id))
                    .await?
                    .0
            }
            None => imp.skip(
                Kind::Comment,
                place.file,
                &reply.id,
                format!("the comment it replies to ({}) was skipped", top.id),
            ),
        }
    }
    Ok(rows)
}

/// Answers the rows written and the comment's Commons id (None: skipped).
async fn import_comment(
    imp: &mut Importer<'_>,
    place: &Place<'_>,
    post: &Post,
    source: &export::Comment,
    parent_id: Option<&str>,
) -> Result<(usize, Option<String>), ImportError> {
    let attachments: Vec<&Attachment> = source
        .attachment
        .iter()
        .flat_map(Attachment::flatten)
        .collect();
    if let Some(id) = imp
        .commons_id(Kind::Comment, &source.id)
        .map(str::to_string)
    {
        imp.summary.already_there(Kind::Comment);
        for attachment in attachments {
            store_attachment(imp, place, attachment, "", Owner::Comment(&id), true).await?;
        }
        react(imp, place, post, &id, &source.reactions.data, true).await?;
        return Ok((0, Some(id)));
    }
    let skip = |imp: &mut Importer<'_>, reason: String| {
        imp.skip(Kind::Comment, place.file, &source.id, reason);
        Ok((0, None))
    };
    let Some(author_id) = author(imp, source.from.as_ref()) else {
        return skip(imp, unknown_author(source.from.as_ref()));
    };
    let Some(created_at) = parse_time(&source.created_time) else {
        return skip(
            imp,
            format!("created_time {:?} is not a time", source.created_time),
        );
    };
    let body = text_of(
        imp,
        &source.message,
        &source.message_tags,
        false,
        &attachments,
    );
    if let Err(e) = validate::comment_body(&body) {
        return skip(imp, e.to_string());
    }
    let comment = Comment {
        id: uuid::Uuid::now_v7().to_string(),
        post_id: post.id.clone(),
        group_id: post.group_id.clone(),
        author_id,
        body,
        created_at,
        parent_id: parent_id.map(str::to_string),
        ..Comment::default()
    };
    let comment_id = comment.id.clone();
    let author_id = comment.author_id.clone();
    imp.write().await?;
    imp.pending.comments.push(comment);
    imp.map(Kind::Comment, &source.id, &comment_id).await?;
    imp.summary.created(Kind::Comment);
    let mut rows = 3;
    for attachment in attachments {
        let owner = Owner::Comment(&comment_id);
        rows += store_attachment(imp, place, attachment, &author_id, owner, false).await?;
    }
    rows += react(imp, place, post, &comment_id, &source.reactions.data, false).await?;
    Ok((rows, Some(comment_id)))
}

/// Reactions to a post or comment (`target_id`), one per person. Those of
/// an item imported before (`existing`) are checked and counted, not written.
async fn react(
    imp: &mut Importer<'_>,
    place: &Place<'_>,
    post: &Post,
    target_id: &str,
    reactions: &[export::Reaction],
    existing: bool,
) -> Result<usize, ImportError> {
    let mut done = HashSet::new();
    let mut rows = 0;
    for source in reactions {
        let Ok(kind) = source.kind.to_lowercase().parse::<ReactionKind>() else {
            let reason = format!("unknown reaction {:?}", source.kind);
            imp.skip(Kind::Reaction, place.file, &source.id, reason);
            continue;
        };
        let Some(user_id) = imp.commons_id(Kind::Member, &source.id).map(str::to_string) else {
            let reason = format!("{} is not among the people imported", source.id);
            imp.skip(Kind::Reaction, place.file, &source.id, reason);
            continue;
        };
        if !done.insert(user_id.clone()) {
            continue;
        }
        if existing {
            imp.summary.already_there(Kind::Reaction);
            continue;
        }
        let reaction = Reaction {
            target_id: target_id.to_string(),
            post_id: post.id.clone(),
            group_id: post.group_id.clone(),
            user_id,
            kind,
            // Workplace does not say when; the post's time keeps them in its past.
            created_at: post.created_at,
        };
        imp.write().await?;
        imp.pending.reactions.push(reaction);
        imp.summary.created(Kind::Reaction);
        rows += 2;
    }
    Ok(rows)
}

/// Who saw the post, and when (of a post imported before: only counted).
async fn mark_seen(
    imp: &mut Importer<'_>,
    place: &Place<'_>,
    post: &Post,
    seen: &[export::Seen],
    existing: bool,
) -> Result<usize, ImportError> {
    let mut done = HashSet::new();
    let mut rows = 0;
    for source in seen {
        let Some(user_id) = imp.commons_id(Kind::Member, &source.id).map(str::to_string) else {
            let reason = format!("{} is not among the people imported", source.id);
            imp.skip(Kind::Seen, place.file, &source.id, reason);
            continue;
        };
        let Some(seen_at) = parse_time(&source.seen_time) else {
            let reason = format!("seen_time {:?} is not a time", source.seen_time);
            imp.skip(Kind::Seen, place.file, &source.id, reason);
            continue;
        };
        if !done.insert(user_id.clone()) {
            continue;
        }
        if existing {
            imp.summary.already_there(Kind::Seen);
            continue;
        }
        let seen = PostSeen {
            post_id: post.id.clone(),
            group_id: post.group_id.clone(),
            user_id,
            seen_at,
        };
        imp.write().await?;
        imp.pending.seen.push(seen);
        imp.summary.created(Kind::Seen);
        rows += 2;
    }
    Ok(rows)
}

impl From<sqlx::Error> for ImportError {
    fn from(e: sqlx::Error) -> Self {
        ImportError::Db(DbError::from(e))
    }
}
