//! What the open batch keeps back until it is written, several rows per
//! statement: posts, comments, reactions and "seen" with their change-log
//! entries, and the `import_ids` rows. Written in that order (a comment
//! refers to its post) before anything that refers to them (a file) and
//! before the batch commits, so each batch commits whole or not at all.

use std::collections::HashMap;

use commons_protocol::{Comment, Post, PostSeen, Reaction};

use super::{ImportError, SOURCE};
use crate::db::changes::{ChangeKind, NewChange};
use crate::db::{self, Write};

#[derive(Default)]
pub(super) struct Pending {
    pub posts: Vec<Post>,
    pub comments: Vec<Comment>,
    pub reactions: Vec<Reaction>,
    pub seen: Vec<PostSeen>,
    /// (kind, Workplace id, Commons id)
    pub ids: Vec<(&'static str, String, String)>,
}

impl Pending {
    pub(super) fn len(&self) -> usize {
        self.posts.len()
            + self.comments.len()
            + self.reactions.len()
            + self.seen.len()
            + self.ids.len()
    }

    pub(super) async fn write(&mut self, w: &mut Write) -> Result<(), ImportError> {
        // Changes first (a post's before its comments'), so that each post
        // is inserted with its activity (its newest comment) already known.
        let post_changes: Vec<NewChange> = self
            .posts
            .iter()
            .map(|p| change(ChangeKind::Post, &p.id, &p.group_id, None))
            .collect();
        let post_seqs = by_entity(w.append_many(&post_changes).await?);
        let comment_changes: Vec<NewChange> = self
            .comments
            .iter()
            .map(|c| change(ChangeKind::Comment, &c.id, &c.group_id, None))
            .collect();
        let comment_seqs = by_entity(w.append_many(&comment_changes).await?);
        let mut activity: HashMap<&str, i64> = HashMap::new();
        for comment in &self.comments {
            let entry = activity.entry(comment.post_id.as_str()).or_default();
            *entry = (*entry).max(comment_seqs[&comment.id]);
        }
        if !self.posts.is_empty() {
            let rows: Vec<(&Post, i64, i64)> = self
                .posts
                .iter()
                .map(|p| {
                    let seq = post_seqs[&p.id];
                    let newest = activity.remove(p.id.as_str()).unwrap_or(seq).max(seq);
                    (p, seq, newest)
                })
                .collect();
            db::imports::insert_posts(w.conn(), &rows).await?;
        }
        if !self.comments.is_empty() {
            let rows: Vec<(&Comment, i64)> = self
                .comments
                .iter()
                .map(|c| (c, comment_seqs[&c.id]))
                .collect();
            db::imports::insert_comments(w.conn(), &rows).await?;
            // A comment is activity on its post (the home feed's order): for
            // posts written by an earlier flush.
            for (post_id, seq) in activity {
                db::imports::set_activity_seq(w.conn(), post_id, seq).await?;
            }
        }
        self.posts.clear();
        self.comments.clear();
        if !self.reactions.is_empty() {
            let changes: Vec<NewChange> = self
                .reactions
                .iter()
                .map(|r| {
                    change(
                        ChangeKind::Reaction,
                        &r.target_id,
                        &r.group_id,
                        Some(&r.user_id),
                    )
                })
                .collect();
            w.append_many(&changes).await?;
            db::imports::insert_reactions(w.conn(), &self.reactions).await?;
            self.reactions.clear();
        }
        if !self.seen.is_empty() {
            let changes: Vec<NewChange> = self
                .seen
                .iter()
                .map(|s| {
                    change(
                        ChangeKind::PostSeen,
                        &s.post_id,
                        &s.group_id,
                        Some(&s.user_id),
                    )
                })
                .collect();
            let seqs: HashMap<(String, Option<String>), i64> = w
                .append_many(&changes)
                .await?
                .into_iter()
                .map(|(seq, entity, user)| ((entity, user), seq))
                .collect();
            let rows: Vec<(&PostSeen, i64)> = self
                .seen
                .iter()
                .map(|s| (s, seqs[&(s.post_id.clone(), Some(s.user_id.clone()))]))
                .collect();
            db::imports::insert_seen(w.conn(), &rows).await?;
            self.seen.clear();
        }
        if !self.ids.is_empty() {
            db::imports::insert_ids(w.conn(), SOURCE, &self.ids).await?;
            self.ids.clear();
        }
        Ok(())
    }
}

fn change<'a>(
    kind: ChangeKind,
    entity_id: &'a str,
    group_id: &'a str,
    user_id: Option<&'a str>,
) -> NewChange<'a> {
    NewChange {
        kind,
        entity_id,
        group_id: Some(group_id),
        user_id,
    }
}

/// Seqs by entity id (posts and comments have one change each here).
fn by_entity(appended: Vec<(i64, String, Option<String>)>) -> HashMap<String, i64> {
    appended
        .into_iter()
        .map(|(seq, entity, _)| (entity, seq))
        .collect()
}
