//! Text output for people. Ids are printed in full so they can be pasted
//! into `commons comment POST_ID ...` and `--group GROUP_ID`.

use std::fmt::Write as _;

use commons_client::{
    AccountEntry, AttachmentView, CommentView, FeedPost, GroupRole, GroupView, JoinRequestView,
    MemberView, Notification, NotificationList, NotificationView, OutboxItem, OutboxState,
    PersonSummary, Profile, ReactionCount, ReactionKind, SearchHit, SearchHitKind,
};
use commons_protocol::NotificationKind;

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

/// " · edited", " · pinned": what is worth saying about a post or comment.
fn marks(edited: bool, pinned: bool) -> String {
    let mut out = String::new();
    if pinned {
        out.push_str(" · pinned");
    }
    if edited {
        out.push_str(" · edited");
    }
    out
}

/// "reactions: like 2, love 1 (yours: love)", or nothing.
fn reactions(counts: &[ReactionCount], mine: Option<ReactionKind>) -> Option<String> {
    if counts.is_empty() {
        return None;
    }
    let counts: Vec<String> = counts
        .iter()
        .map(|c| format!("{} {}", c.kind, c.count))
        .collect();
    let yours = mine.map(|k| format!(" (yours: {k})")).unwrap_or_default();
    Some(format!("reactions: {}{yours}", counts.join(", ")))
}

pub fn feed(posts: &[FeedPost], now: i64) -> String {
    if posts.is_empty() {
        return "No posts yet. Run `commons sync` to fetch your feed.\n".to_owned();
    }
    let mut out = String::new();
    for post in posts {
        let _ = writeln!(
            out,
            "{} in {} · {}{}{}",
            post.author_name,
            post.group_name,
            ago(post.created_at, now),
            marks(post.edited, post.pinned),
            state_mark(post.pending, post.failed.as_deref())
        );
        if post.deleted {
            let _ = writeln!(out, "  [deleted]");
        }
        for line in post.body.lines() {
            let _ = writeln!(out, "  {line}");
        }
        if let Some(line) = reactions(&post.reactions, post.my_reaction) {
            let _ = writeln!(out, "  {line}");
        }
        crate::polls::post_lines(&mut out, post, now);
        for file in &post.attachments {
            let size = crate::admin::human_bytes(u64::try_from(file.size).unwrap_or(0));
            let _ = writeln!(
                out,
                "  [file] {} ({size}, {})",
                file.name, file.content_type
            );
        }
        let _ = writeln!(out, "  post id: {}", post.id);
        // Replies under their comment; one whose comment is not shown stands alone.
        let shown: Vec<&str> = post.comments.iter().map(|c| c.id.as_str()).collect();
        let top = post.comments.iter().filter(|c| {
            c.parent_id
                .as_deref()
                .is_none_or(|parent| !shown.contains(&parent))
        });
        for comment in top {
            render_comment(&mut out, comment, "    ", now);
            let replies = post
                .comments
                .iter()
                .filter(|r| r.parent_id.as_deref() == Some(comment.id.as_str()));
            for reply in replies {
                render_comment(&mut out, reply, "        ", now);
            }
        }
        out.push('\n');
    }
    out
}

fn render_comment(out: &mut String, comment: &CommentView, indent: &str, now: i64) {
    if comment.deleted {
        let _ = writeln!(out, "{indent}↳ [deleted comment]");
        return;
    }
    let _ = writeln!(
        out,
        "{indent}↳ {} · {}{}{}",
        comment.author_name,
        ago(comment.created_at, now),
        marks(comment.edited, false),
        state_mark(comment.pending, comment.failed.as_deref())
    );
    for line in comment.body.lines() {
        let _ = writeln!(out, "{indent}  {line}");
    }
    if let Some(line) = reactions(&comment.reactions, comment.my_reaction) {
        let _ = writeln!(out, "{indent}  {line}");
    }
    let _ = writeln!(out, "{indent}  comment id: {}", comment.id);
}

pub fn accounts(accounts: &[AccountEntry]) -> String {
    if accounts.is_empty() {
        return "No accounts yet. Log in with `commons --account NAME login ...`.\n".to_owned();
    }
    let mut out = String::new();
    for account in accounts {
        let state = if account.logged_in {
            "logged in"
        } else {
            "logged out"
        };
        let _ = writeln!(
            out,
            "{}: {} <{}> on {} · {state}",
            account.name, account.user.name, account.user.email, account.server_url
        );
    }
    out
}

pub fn attachments(attachments: &[AttachmentView]) -> String {
    if attachments.is_empty() {
        return "No attachments.\n".to_owned();
    }
    let mut out = String::new();
    for a in attachments {
        let local = if a.downloaded { " · downloaded" } else { "" };
        let _ = writeln!(
            out,
            "{} ({}, {} bytes){local}\n  attachment id: {}",
            a.name, a.content_type, a.size, a.id
        );
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
        let role = if group.requested {
            "you asked to join"
        } else {
            role
        };
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

/// What a notification says happened, in words.
fn notification_title(n: &NotificationView) -> String {
    let actor = n.actor_name.as_deref().unwrap_or("Someone");
    let group = n.group_name.as_deref().unwrap_or("a group");
    match n.kind {
        NotificationKind::Mention => format!("{actor} mentioned you"),
        NotificationKind::CommentOnPost => format!("{actor} commented on your post"),
        NotificationKind::ReplyToComment => format!("{actor} replied to your comment"),
        NotificationKind::ReactionToPost => format!("{actor} reacted to your post"),
        NotificationKind::GroupPost => format!("{actor} posted in {group}"),
        NotificationKind::JoinRequest => format!("{actor} asks to join {group}"),
        NotificationKind::RequestApproved => {
            format!("You may now join {group}: your request was approved")
        }
        NotificationKind::AddedToGroup => match &n.actor_name {
            Some(actor) => format!("{actor} added you to {group}"),
            None => format!("You were added to {group}"),
        },
        NotificationKind::Announcement => format!("{actor} made an announcement in {group}"),
    }
}

pub fn notifications(list: &NotificationList, now: i64) -> String {
    let mut out = format!("{} unread\n", list.unread_count);
    if list.notifications.is_empty() {
        out.push_str("No notifications here (`commons sync` fetches what is new).\n");
        return out;
    }
    for n in &list.notifications {
        let state = match (n.read, n.pending) {
            (false, _) => "  [unread]",
            (true, true) => "  [read, pending]",
            (true, false) => "",
        };
        let _ = writeln!(
            out,
            "{} {} · {}{state}",
            if n.read { " " } else { "*" },
            notification_title(n),
            ago(n.created_at, now)
        );
        if !n.excerpt.is_empty() {
            let place = match (&n.group_name, n.kind) {
                (Some(group), kind) if kind != NotificationKind::GroupPost => {
                    format!(" (in {group})")
                }
                _ => String::new(),
            };
            let _ = writeln!(out, "  “{}”{place}", n.excerpt);
        }
        let mut ids = format!("  notification id: {}", n.id);
        if let Some(post_id) = &n.post_id {
            let _ = write!(ids, " · post id: {post_id}");
        }
        if n.post_id.is_none() {
            if let Some(group_id) = &n.group_id {
                let _ = write!(ids, " · group id: {group_id}");
            }
        }
        let _ = writeln!(out, "{ids}");
    }
    out
}

/// "Rear admiral, Navy · Arlington", from what is known.
fn job(title: &str, department: &str, location: &str) -> String {
    let role = [title, department]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    [role.as_str(), location]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" · ")
}

pub fn people(people: &[PersonSummary]) -> String {
    if people.is_empty() {
        return "Nobody found in the local cache (`commons sync` fetches the directory).\n"
            .to_owned();
    }
    let mut out = String::new();
    for person in people {
        let job = job(&person.title, &person.department, &person.location);
        let job = if job.is_empty() {
            String::new()
        } else {
            format!(" · {job}")
        };
        let _ = writeln!(out, "{} (@{}){job}", person.name, person.handle);
    }
    out
}

pub fn profile(p: &Profile) -> String {
    let mut out = String::new();
    let deactivated = if p.deactivated { "  [deactivated]" } else { "" };
    let admin = if p.is_admin {
        " · organisation admin"
    } else {
        ""
    };
    let _ = writeln!(out, "{} (@{}){admin}{deactivated}", p.name, p.handle);
    let job = job(&p.title, &p.department, &p.location);
    if !job.is_empty() {
        let _ = writeln!(out, "  {job}");
    }
    let _ = writeln!(out, "  {}", p.email);
    if let Some(manager) = &p.manager {
        let _ = writeln!(out, "  Manager: {} (@{})", manager.name, manager.handle);
    }
    if !p.reports.is_empty() {
        let reports: Vec<String> = p
            .reports
            .iter()
            .map(|r| format!("{} (@{})", r.name, r.handle))
            .collect();
        let _ = writeln!(out, "  Reports: {}", reports.join(", "));
    }
    if !p.about.is_empty() {
        let _ = writeln!(out, "  About:");
        for line in p.about.lines() {
            let _ = writeln!(out, "    {line}");
        }
    }
    if !p.groups.is_empty() {
        let groups: Vec<String> = p
            .groups
            .iter()
            .map(|g| match g.role {
                GroupRole::Member => g.name.clone(),
                role => format!("{} ({})", g.name, role.as_str()),
            })
            .collect();
        let _ = writeln!(out, "  Groups: {}", groups.join(", "));
    }
    let _ = writeln!(out, "  user id: {}", p.id);
    out
}

pub fn members(members: &[MemberView], now: i64) -> String {
    if members.is_empty() {
        return "No members known here (`commons sync` fetches them; a closed group's \
                members are listed to its members)\n"
            .to_owned();
    }
    let mut out = String::new();
    for m in members {
        let title = if m.title.is_empty() {
            String::new()
        } else {
            format!(" · {}", m.title)
        };
        let _ = writeln!(
            out,
            "{} (@{}){title} · {} · joined {}{}",
            m.name,
            m.handle,
            m.role.as_str(),
            ago(m.joined_at, now),
            state_mark(m.pending, None)
        );
    }
    out
}

pub fn join_requests(requests: &[JoinRequestView], now: i64) -> String {
    if requests.is_empty() {
        return "No requests waiting for you.\n".to_owned();
    }
    let mut out = String::new();
    for r in requests {
        let _ = writeln!(
            out,
            "{} (@{}) asks to join {} · {}",
            r.name,
            r.handle,
            r.group_name,
            ago(r.created_at, now)
        );
        let _ = writeln!(out, "  group id: {} · user id: {}", r.group_id, r.user_id);
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

    fn comment(id: &str, parent: Option<&str>, body: &str, now: i64) -> CommentView {
        CommentView {
            id: id.into(),
            post_id: "p-1".into(),
            author_id: "g".into(),
            author_name: "Grace Hopper".into(),
            body: body.into(),
            body_html: format!("<p>{body}</p>"),
            created_at: now,
            pending: false,
            failed: None,
            mutation_id: None,
            parent_id: parent.map(Into::into),
            edited: false,
            deleted: false,
            reactions: Vec::new(),
            my_reaction: None,
            attachments: Vec::new(),
        }
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
                failed: Some("not a member".into()),
                mutation_id: Some("m-2".into()),
                ..comment("c-1", None, "Nice", now)
            }],
            edited: false,
            pinned: false,
            deleted: false,
            reactions: Vec::new(),
            my_reaction: None,
            poll: None,
            attachments: Vec::new(),
            announced_until: None,
            seen_by_me: false,
            seen_by_count: None,
        };
        let text = feed(&[post], now);
        assert_eq!(
            text,
            "Ada Lovelace in Engineering · 2 min ago  [pending]\n  Line one\n  Line two\n  \
             post id: p-1\n    ↳ Grace Hopper · just now  [failed: not a member]\n      Nice\n      \
             comment id: c-1\n\n"
        );
    }

    #[test]
    fn the_feed_shows_reactions_edits_pins_and_nests_replies() {
        let now = 1_800_000_000_000;
        let post = FeedPost {
            id: "p-1".into(),
            group_id: "g".into(),
            group_name: "Engineering".into(),
            author_id: "u".into(),
            author_name: "Ada Lovelace".into(),
            body: "Rules".into(),
            body_html: "<p>Rules</p>".into(),
            created_at: now,
            pending: false,
            failed: None,
            mutation_id: None,
            comments: vec![
                CommentView {
                    deleted: true,
                    body: String::new(),
                    ..comment("c-1", None, "", now)
                },
                comment("c-2", None, "Second", now),
                CommentView {
                    edited: true,
                    reactions: vec![ReactionCount {
                        kind: ReactionKind::Haha,
                        count: 1,
                    }],
                    ..comment("c-3", Some("c-1"), "Reply", now)
                },
            ],
            edited: true,
            pinned: true,
            deleted: false,
            reactions: vec![
                ReactionCount {
                    kind: ReactionKind::Like,
                    count: 2,
                },
                ReactionCount {
                    kind: ReactionKind::Love,
                    count: 1,
                },
            ],
            my_reaction: Some(ReactionKind::Love),
            poll: None,
            attachments: Vec::new(),
            announced_until: None,
            seen_by_me: false,
            seen_by_count: None,
        };
        assert_eq!(
            feed(&[post], now),
            "Ada Lovelace in Engineering · just now · pinned · edited\n  Rules\n  \
             reactions: like 2, love 1 (yours: love)\n  post id: p-1\n    \
             ↳ [deleted comment]\n        ↳ Grace Hopper · just now · edited\n          Reply\n          \
             reactions: haha 1\n          comment id: c-3\n    ↳ Grace Hopper · just now\n      \
             Second\n      comment id: c-2\n\n"
        );
    }

    #[test]
    fn notifications_say_who_did_what_where() {
        let now = 1_800_000_000_000;
        let n = |id: &str, kind, actor: Option<&str>, read| NotificationView {
            id: id.into(),
            kind,
            actor_id: actor.map(|_| "u".into()),
            actor_name: actor.map(Into::into),
            group_id: Some("g".into()),
            group_name: Some("Engineering".into()),
            post_id: (kind == NotificationKind::ReplyToComment).then(|| "p".into()),
            comment_id: None,
            excerpt: if read {
                String::new()
            } else {
                "Sounds good".into()
            },
            created_at: now - 60_000,
            read,
            pending: read,
        };
        let list = NotificationList {
            notifications: vec![
                n(
                    "n1",
                    NotificationKind::ReplyToComment,
                    Some("Grace Hopper"),
                    false,
                ),
                n("n2", NotificationKind::AddedToGroup, None, true),
            ],
            unread_count: 1,
        };
        assert_eq!(
            notifications(&list, now),
            "1 unread\n* Grace Hopper replied to your comment · 1 min ago  [unread]\n  \
             “Sounds good” (in Engineering)\n  notification id: n1 · post id: p\n  \
             You were added to Engineering · 1 min ago  [read, pending]\n  \
             notification id: n2 · group id: g\n"
        );
    }

    #[test]
    fn people_and_profiles_read_as_a_directory() {
        let grace = PersonSummary {
            id: "u-g".into(),
            name: "Grace Hopper".into(),
            handle: "grace".into(),
            title: "Rear admiral".into(),
            department: "Navy".into(),
            location: "Arlington".into(),
            deactivated: false,
            avatar_id: None,
        };
        let ada = PersonSummary {
            id: "u-a".into(),
            name: "Ada Lovelace".into(),
            handle: "ada".into(),
            title: String::new(),
            department: String::new(),
            location: String::new(),
            deactivated: false,
            avatar_id: None,
        };
        assert_eq!(
            people(&[ada.clone(), grace.clone()]),
            "Ada Lovelace (@ada)\nGrace Hopper (@grace) · Rear admiral, Navy · Arlington\n"
        );
        let profile = Profile {
            id: "u-g".into(),
            name: "Grace Hopper".into(),
            handle: "grace".into(),
            email: "grace@example.org".into(),
            title: "Rear admiral".into(),
            department: String::new(),
            location: "Arlington".into(),
            about: "Compilers.".into(),
            is_admin: false,
            deactivated: false,
            created_at: 0,
            avatar_id: None,
            manager: Some(ada),
            reports: Vec::new(),
            groups: vec![commons_client::ProfileGroup {
                group_id: "g".into(),
                name: "Engineering".into(),
                privacy: commons_client::Privacy::Open,
                role: GroupRole::Moderator,
            }],
        };
        assert_eq!(
            super::profile(&profile),
            "Grace Hopper (@grace)\n  Rear admiral · Arlington\n  grace@example.org\n  \
             Manager: Ada Lovelace (@ada)\n  About:\n    Compilers.\n  \
             Groups: Engineering (moderator)\n  user id: u-g\n"
        );
    }
}
