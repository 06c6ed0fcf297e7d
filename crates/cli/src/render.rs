//! Text output for people. Ids are printed in full so they can be pasted
//! into `commons comment POST_ID ...` and `--group GROUP_ID`.

use std::fmt::Write as _;

use commons_client::{
    FeedPost, GroupRole, GroupView, Notification, OutboxItem, OutboxState, SearchHit, SearchHitKind,
};

pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// "[pending]" / "[failed: reason]" / "".
fn state_mark(pending: bool, failed: Option<&str>) -> String {
    match (pending, failed) {
        (_, Some(reason)) => format!("  [failed: {reason}]"),
        (true, None) => "  [pending]".to_owned(),
        (false, None) => String::new(),
    }
}

pub fn feed(posts: &[FeedPost], now: i64) -> String {
    if posts.is_empty() {
        return "No posts yet. Run `commons sync` to fetch your feed.\n".to_owned();
    }
    let mut out = String::new();
    for post in posts {
        let _ = writeln!(
            out,
            "{} in {} · {}{}",
            post.author_name,
            post.group_name,
            ago(post.created_at, now),
            state_mark(post.pending, post.failed.as_deref())
        );
        for line in post.body.lines() {
            let _ = writeln!(out, "  {line}");
        }
        let _ = writeln!(out, "  post id: {}", post.id);
        for comment in &post.comments {
            let _ = writeln!(
                out,
                "    ↳ {} · {}{}",
                comment.author_name,
                ago(comment.created_at, now),
                state_mark(comment.pending, comment.failed.as_deref())
            );
            for line in comment.body.lines() {
                let _ = writeln!(out, "      {line}");
            }
        }
        out.push('\n');
    }
    out
}

pub fn groups(groups: &[GroupView]) -> String {
    if groups.is_empty() {
        return "No groups yet. Run `commons sync` first.\n".to_owned();
    }
    let mut out = String::new();
    for group in groups {
        let role = match group.my_role {
            Some(GroupRole::Admin) => "you are admin",
            Some(GroupRole::Moderator) => "you are moderator",
            Some(GroupRole::Member) => "you are a member",
            None => "not a member",
        };
        let default = if group.is_default { ", default" } else { "" };
        let _ = writeln!(
            out,
            "{} ({}{default}) · {} member(s) · {role}{}",
            group.name,
            group.privacy,
            group.member_count,
            state_mark(group.pending, group.failed.as_deref())
        );
        if !group.description.is_empty() {
            let _ = writeln!(out, "  {}", group.description);
        }
        let _ = writeln!(out, "  group id: {}", group.id);
    }
    out
}

pub fn outbox(items: &[OutboxItem], now: i64) -> String {
    if items.is_empty() {
        return "Nothing waiting: every change was accepted by the server.\n".to_owned();
    }
    let mut out = String::new();
    for item in items {
        let state = match &item.state {
            OutboxState::Pending => "[pending]".to_owned(),
            OutboxState::Failed { reason } => format!("[failed: {reason}]"),
        };
        let _ = writeln!(
            out,
            "{state} {} · {}, {} attempt(s)",
            item.summary,
            ago(item.created_at, now),
            item.attempts
        );
    }
    out
}

/// One block per hit: what it is, the excerpt with matches in [brackets], and the ids to open it.
pub fn search(hits: &[SearchHit], now: i64) -> String {
    if hits.is_empty() {
        return "No matches in the local cache (`commons sync` fetches what is new).\n".to_owned();
    }
    let mut out = String::new();
    for hit in hits {
        let kind = match hit.kind {
            SearchHitKind::Post => "Post",
            SearchHitKind::Comment => "Comment",
            SearchHitKind::Person => "Person",
            SearchHitKind::Group => "Group",
        };
        let when = hit
            .created_at
            .map(|at| format!(" · {}", ago(at, now)))
            .unwrap_or_default();
        let _ = writeln!(out, "{kind} · {}{when}", hit.title);
        // One line: the excerpt may span lines of the original text.
        let snippet = hit.snippet.split_whitespace().collect::<Vec<_>>().join(" ");
        let _ = writeln!(out, "  {snippet}");
        let ids = match (hit.kind, hit.post_id.as_deref()) {
            (SearchHitKind::Comment, Some(post_id)) => {
                format!("post id: {post_id} (comment id: {})", hit.id)
            }
            (SearchHitKind::Post, _) => format!("post id: {}", hit.id),
            (SearchHitKind::Person, _) => format!("user id: {}", hit.id),
            (SearchHitKind::Group, _) => format!("group id: {}", hit.id),
            (SearchHitKind::Comment, None) => format!("comment id: {}", hit.id),
        };
        let _ = writeln!(out, "  {ids}");
    }
    out
}

pub fn notification(n: &Notification) -> String {
    format!("* {}: {}\n  post id: {}", n.title, n.body, n.post_id)
}

/// "just now", "5 min ago", "3 h ago", "2 days ago", or a date for older things.
pub fn ago(then: i64, now: i64) -> String {
    let seconds = (now - then).max(0) / 1000;
    match seconds {
        0..=59 => "just now".to_owned(),
        60..=3599 => format!("{} min ago", seconds / 60),
        3600..=86_399 => format!("{} h ago", seconds / 3600),
        86_400..=604_799 => format!("{} days ago", seconds / 86_400),
        _ => date(then),
    }
}

/// `YYYY-MM-DD` (UTC) of a Unix time in milliseconds.
fn date(millis: i64) -> String {
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let days = millis.div_euclid(86_400_000);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use commons_client::CommentView;

    #[test]
    fn times_read_naturally() {
        let now = 1_800_000_000_000;
        assert_eq!(ago(now - 5_000, now), "just now");
        assert_eq!(ago(now - 5 * 60_000, now), "5 min ago");
        assert_eq!(ago(now - 3 * 3_600_000, now), "3 h ago");
        assert_eq!(ago(now - 2 * 86_400_000, now), "2 days ago");
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(951_782_400_000), "2000-02-29");
        assert_eq!(ago(1_700_000_000_000, now), "2023-11-14");
    }

    #[test]
    fn search_hits_say_what_they_are_and_how_to_open_them() {
        let now = 1_800_000_000_000;
        let hits = [
            SearchHit {
                kind: SearchHitKind::Comment,
                id: "c-1".into(),
                post_id: Some("p-1".into()),
                group_id: Some("g".into()),
                title: "Grace Hopper".into(),
                snippet: "the [nightly]\nbuild".into(),
                created_at: Some(now - 120_000),
            },
            SearchHit {
                kind: SearchHitKind::Group,
                id: "g".into(),
                post_id: None,
                group_id: Some("g".into()),
                title: "Engineering".into(),
                snippet: "[Builds], reviews".into(),
                created_at: None,
            },
        ];
        assert_eq!(
            search(&hits, now),
            "Comment · Grace Hopper · 2 min ago\n  the [nightly] build\n  \
             post id: p-1 (comment id: c-1)\nGroup · Engineering\n  [Builds], reviews\n  \
             group id: g\n"
        );
        assert!(search(&[], now).starts_with("No matches"));
    }

    #[test]
    fn the_feed_marks_pending_and_failed_items_and_prints_ids() {
        let now = 1_800_000_000_000;
        let post = FeedPost {
            id: "p-1".into(),
            group_id: "g".into(),
            group_name: "Engineering".into(),
            author_id: "u".into(),
            author_name: "Ada Lovelace".into(),
            body: "Line one\nLine two".into(),
            body_html: "<p>Line one<br />\nLine two</p>".into(),
            created_at: now - 120_000,
            pending: true,
            failed: None,
            mutation_id: Some("m-1".into()),
            comments: vec![CommentView {
                id: "c-1".into(),
                post_id: "p-1".into(),
                author_id: "g".into(),
                author_name: "Grace Hopper".into(),
                body: "Nice".into(),
                body_html: "<p>Nice</p>".into(),
                created_at: now,
                pending: false,
                failed: Some("not a member".into()),
                mutation_id: Some("m-2".into()),
            }],
        };
        let text = feed(&[post], now);
        assert_eq!(
            text,
            "Ada Lovelace in Engineering · 2 min ago  [pending]\n  Line one\n  Line two\n  \
             post id: p-1\n    ↳ Grace Hopper · just now  [failed: not a member]\n      Nice\n\n"
        );
    }
}
