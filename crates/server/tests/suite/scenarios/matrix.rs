//! The permission matrix: for every privacy × role × read path, what the
//! person must see. The rule is written once, in [`expected`]; the scenario
//! builds one group of each privacy (and a closed group made secret) with a
//! person in each role, writes a post
//! that mentions everyone, a comment and reactions (each text with a marker
//! word found nowhere else), then asks every read path as every person and
//! compares what comes back with the rule, cell by cell.
//!
//! Attachments are two read paths: a file attached to the comment (its
//! bytes carry the comment's marker) and the group's cover image.

use std::collections::HashMap;
use std::fmt;

use commons_protocol::*;

use super::attachments::{download, png, upload};
use super::content_support::{mutation, org_admin, put, react};
use super::stream::{connect, next_poke};
use crate::harness::{new_id, Ctx, Reply, Session};

/// A group of the matrix: one per privacy, and a closed group made secret
/// (the way content of a known group becomes secret; its non-members got
/// to know it while it was closed, and must lose every trace of it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    Open,
    Closed,
    Secret,
    MadeSecret,
}

impl Column {
    const ALL: [Column; 4] = [
        Column::Open,
        Column::Closed,
        Column::Secret,
        Column::MadeSecret,
    ];

    fn privacy(self) -> Privacy {
        match self {
            Column::Open => Privacy::Open,
            Column::Closed => Privacy::Closed,
            Column::Secret | Column::MadeSecret => Privacy::Secret,
        }
    }

    /// One word, for marker words.
    fn word(self) -> &'static str {
        match self {
            Column::Open => "open",
            Column::Closed => "closed",
            Column::Secret => "secret",
            Column::MadeSecret => "madesecret",
        }
    }
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Column::Open => "open group",
            Column::Closed => "closed group",
            Column::Secret => "secret group",
            Column::MadeSecret => "closed group made secret",
        })
    }
}

/// Who the person is to the group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Role {
    NonMember,
    /// Has a pending join request (closed groups only: open ones are joined
    /// at once, secret ones cannot be asked).
    Requester,
    Member,
    Moderator,
    GroupAdmin,
    /// An organisation admin who is not a member of the group.
    OrgAdmin,
    /// Was a member, then the account was deactivated.
    Deactivated,
}

impl Role {
    const ALL: [Role; 7] = [
        Role::NonMember,
        Role::Requester,
        Role::Member,
        Role::Moderator,
        Role::GroupAdmin,
        Role::OrgAdmin,
        Role::Deactivated,
    ];

    /// Requesters only in closed groups: open ones are joined at once,
    /// secret ones cannot be asked (a group made secret drops its requests).
    fn applies_to(self, column: Column) -> bool {
        self != Role::Requester || column == Column::Closed
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::NonMember => "non-member",
            Role::Requester => "requester (pending join request)",
            Role::Member => "member",
            Role::Moderator => "moderator",
            Role::GroupAdmin => "group admin",
            Role::OrgAdmin => "organisation admin who is not a member",
            Role::Deactivated => "deactivated member",
        })
    }
}

/// A way to read something of the group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ReadPath {
    Feed,
    GroupPage,
    Post,
    Reactions,
    Search,
    Sync,
    Notifications,
    NotificationsBySync,
    GroupList,
    GroupGet,
    GroupSearch,
    GroupBySync,
    Members,
    Stream,
    CommentAttachment,
    Cover,
}

impl ReadPath {
    const ALL: [ReadPath; 16] = [
        ReadPath::Feed,
        ReadPath::GroupPage,
        ReadPath::Post,
        ReadPath::Reactions,
        ReadPath::Search,
        ReadPath::Sync,
        ReadPath::Notifications,
        ReadPath::NotificationsBySync,
        ReadPath::GroupList,
        ReadPath::GroupGet,
        ReadPath::GroupSearch,
        ReadPath::GroupBySync,
        ReadPath::Members,
        ReadPath::Stream,
        ReadPath::CommentAttachment,
        ReadPath::Cover,
    ];

    /// Paths about the group itself rather than its content.
    fn is_about_the_group(self) -> bool {
        matches!(
            self,
            ReadPath::GroupList
                | ReadPath::GroupGet
                | ReadPath::GroupSearch
                | ReadPath::GroupBySync
                | ReadPath::Members
                | ReadPath::Cover
        )
    }
}

impl fmt::Display for ReadPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReadPath::Feed => "home feed (GET /feed): the post",
            ReadPath::GroupPage => "group page (GET /groups/{id}/posts): the post",
            ReadPath::Post => "GET /posts/{id}: the post and its comment",
            ReadPath::Reactions => "GET /posts/{id}/reactions",
            ReadPath::Search => "GET /search for the post's and comment's word",
            ReadPath::Sync => "GET /sync from scratch, all pages: the post and comment",
            ReadPath::Notifications => "GET /notifications: the mention",
            ReadPath::NotificationsBySync => "GET /sync: the mention notification",
            ReadPath::GroupList => "GET /groups: the group",
            ReadPath::GroupGet => "GET /groups/{id}",
            ReadPath::GroupSearch => "GET /search for the group's name",
            ReadPath::GroupBySync => "GET /sync: the group",
            ReadPath::Members => "GET /groups/{id}/members",
            ReadPath::Stream => "GET /stream: a poke for the post",
            ReadPath::CommentAttachment => "GET /attachments/{id}: the comment's file",
            ReadPath::Cover => "GET /attachments/{id}: the group's cover image",
        })
    }
}

/// What the person must get.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// 200 (a poke, for the stream) with the thing in it.
    Shown,
    /// 200 without any trace of it (no poke, for the stream).
    Absent,
    /// 403 `forbidden`: the group is known, its posts are for members.
    Forbidden,
    /// 404 `not_found`, the very answer (status and body) given for a made-up id.
    NotFound,
    /// 401 `unauthorized`: deactivating ended the session.
    Unauthorized,
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Expect::Shown => "shown (200, present)",
            Expect::Absent => "absent (200, no trace of it)",
            Expect::Forbidden => "403 forbidden, no trace of the content",
            Expect::NotFound => "404, exactly as for a made-up id",
            Expect::Unauthorized => "401 unauthorized",
        })
    }
}

/// THE rule: what `role` must get on `path` for a group of `privacy`.
///
/// Organisation admins have no special read rights: `ops::groups::visible`
/// and `can_read_posts` look at the membership only (`is_admin` lets them
/// administer the groups they can see, never read more), so an org admin
/// who is not a member reads exactly what any non-member reads.
fn expected(privacy: Privacy, role: Role, path: ReadPath) -> Expect {
    use Expect::*;
    use ReadPath::*;
    match role {
        Role::Deactivated => return Unauthorized,
        Role::Member | Role::Moderator | Role::GroupAdmin => return Shown,
        Role::NonMember | Role::Requester | Role::OrgAdmin => {}
    }
    match (path, privacy) {
        // The feed, the change log, notifications and pokes carry content of
        // the groups one is in, whatever their privacy.
        (Feed | Sync | Notifications | NotificationsBySync | Stream, _) => Absent,
        // Open groups are read by everyone.
        (GroupPage | Post | Reactions | Search | CommentAttachment, Privacy::Open) => Shown,
        (GroupPage, Privacy::Closed) => Forbidden,
        (Post | Reactions | CommentAttachment, Privacy::Closed) => NotFound,
        (Search, Privacy::Closed | Privacy::Secret) => Absent,
        // Open and closed groups are known to all, with their members.
        (GroupList | GroupGet | GroupSearch | GroupBySync | Members | Cover, Privacy::Open)
        | (GroupList | GroupGet | GroupSearch | GroupBySync | Members | Cover, Privacy::Closed) => {
            Shown
        }
        // A secret group does not exist for a non-member.
        (GroupList | GroupSearch | GroupBySync, Privacy::Secret) => Absent,
        (
            GroupPage | Post | Reactions | GroupGet | Members | CommentAttachment | Cover,
            Privacy::Secret,
        ) => NotFound,
    }
}

/// A word found nowhere else: letters only (so every search backend keeps it
/// one word) and no prefix of another marker.
fn marker(kind: &str, column: Column) -> String {
    let random: String = new_id()
        .replace('-', "")
        .chars()
        .rev()
        .take(14)
        .map(|c| (b'a' + c.to_digit(16).expect("hex") as u8) as char)
        .collect();
    format!("{kind}{}{random}", column.word())
}

/// One group of the matrix and what was written in it.
struct Fixture {
    column: Column,
    group: Group,
    post: Post,
    comment: Comment,
    post_mark: String,
    comment_mark: String,
    search_word: String,
    group_mark: String,
    /// The first poke each person's stream got after the post was written.
    pokes: HashMap<Role, Seen>,
    /// Attached to the comment, with the bytes uploaded.
    comment_file: (Attachment, Vec<u8>),
    /// The group's cover image, with the bytes uploaded.
    cover: (Attachment, Vec<u8>),
}

impl Fixture {
    /// What must never show on a path where the person may not see it.
    fn secrets(&self, path: ReadPath) -> Vec<String> {
        let mut secrets = Vec::new();
        if !path.is_about_the_group() {
            secrets.extend([
                self.post_mark.clone(),
                self.comment_mark.clone(),
                self.search_word.clone(),
                self.post.id.clone(),
                self.comment.id.clone(),
            ]);
        }
        if self.column.privacy() == Privacy::Secret {
            secrets.extend([self.group_mark.clone(), self.group.id.clone()]);
        }
        secrets
    }

    fn shows_content(&self, post: &PostWithComments) -> bool {
        post.post.id == self.post.id
            && post.post.body.contains(&self.post_mark)
            && post
                .comments
                .iter()
                .any(|c| c.id == self.comment.id && c.body.contains(&self.comment_mark))
    }
}

/// What a person got on one read path.
#[derive(Clone, Debug)]
struct Seen {
    status: u16,
    /// The whole answer, searched for what must not be there.
    text: String,
    /// The thing looked for is there.
    found: bool,
    /// The answer to the same request about a made-up id, for a 404.
    unknown: Option<(u16, String)>,
}

impl Seen {
    fn of(reply: &Reply, found: impl FnOnce(&Reply) -> bool) -> Seen {
        let found = reply.status.as_u16() == 200 && found(reply);
        Seen {
            status: reply.status.as_u16(),
            text: reply.text.clone(),
            found,
            unknown: None,
        }
    }

    fn compared_with(mut self, unknown: Reply) -> Seen {
        self.unknown = Some((unknown.status.as_u16(), unknown.text));
        self
    }

    fn error_code(&self) -> String {
        serde_json::from_str::<serde_json::Value>(&self.text)
            .ok()
            .and_then(|body| body["error"]["code"].as_str().map(str::to_string))
            .unwrap_or_default()
    }
}

/// Checks one cell; the error says what came back instead.
fn judge(expect: Expect, seen: &Seen, secrets: &[String]) -> Result<(), String> {
    let leaked: Vec<&String> = secrets.iter().filter(|s| seen.text.contains(*s)).collect();
    let as_unknown = seen.unknown.as_ref();
    let ok = match expect {
        Expect::Shown => seen.status == 200 && seen.found,
        Expect::Absent => seen.status == 200 && !seen.found && leaked.is_empty(),
        Expect::Forbidden => {
            seen.status == 403 && seen.error_code() == "forbidden" && leaked.is_empty()
        }
        Expect::NotFound => {
            seen.status == 404
                && seen.error_code() == "not_found"
                && as_unknown.is_some_and(|(status, text)| *status == 404 && *text == seen.text)
                && leaked.is_empty()
        }
        Expect::Unauthorized => seen.status == 401 && seen.error_code() == "unauthorized",
    };
    if ok {
        return Ok(());
    }
    // Around the first leak, or the start of the answer.
    let at = leaked
        .first()
        .and_then(|secret| seen.text.find(secret.as_str()))
        .unwrap_or(0);
    let text = excerpt(&seen.text, at.saturating_sub(200), 500);
    let mut why = format!(
        "got {} (found: {}, leaked: {leaked:?}): {text}",
        seen.status, seen.found
    );
    if let Some((status, text)) = as_unknown {
        why.push_str(&format!("\n      for a made-up id: {status} {text}"));
    }
    Err(why)
}

/// Up to `len` bytes of `text` from about `from`, marked where cut.
fn excerpt(text: &str, from: usize, len: usize) -> String {
    let mut start = from.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (start + len).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = if start > 0 { "…" } else { "" };
    let after = if end < text.len() { "…" } else { "" };
    format!("{before}{}{after}", &text[start..end])
}

/// The whole change log as the person may read it, from scratch, in small
/// pages; the status of the first page that failed otherwise.
async fn sync_from_scratch(who: &Session) -> (u16, String, Vec<Change>) {
    let mut changes = Vec::new();
    let mut cursor: Option<Cursor> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/sync?since={c}&limit=7"),
            None => "/sync?limit=7".to_string(),
        };
        let reply = who.get(&path).await;
        if reply.status.as_u16() != 200 {
            return (reply.status.as_u16(), reply.text, changes);
        }
        let page: SyncResponse = reply.json();
        changes.extend(page.changes);
        cursor = Some(page.cursor);
        if !page.has_more {
            let text = serde_json::to_string(&changes).expect("changes serialise");
            return (200, text, changes);
        }
    }
}

/// The head of the change log now.
async fn head(who: &Session) -> Cursor {
    who.sync_all(None, 1000).await.1
}

async fn set_role(admin: &Session, group: &Group, who: &Session, role: GroupRole) {
    let request = SetRoleRequest {
        mutation_id: new_id(),
        role,
    };
    admin
        .post(
            &format!("/groups/{}/members/{}/role", group.id, who.user.id),
            &request,
        )
        .await
        .assert_status(200);
}

/// Reads one cell.
async fn observe(
    path: ReadPath,
    role: Role,
    who: &Session,
    fixture: &Fixture,
    syncs: &HashMap<Role, (u16, String, Vec<Change>)>,
    people: &People,
) -> Seen {
    let (group_id, post_id) = (&fixture.group.id, &fixture.post.id);
    let (made_up_group, made_up_post) = (new_id(), new_id());
    let from_sync = |found: &dyn Fn(&Change) -> bool| {
        let (status, text, changes) = &syncs[&role];
        Seen {
            status: *status,
            text: text.clone(),
            found: *status == 200 && changes.iter().any(found),
            unknown: None,
        }
    };
    match path {
        ReadPath::Feed => Seen::of(&who.get("/feed?limit=100").await, |r| {
            r.json::<FeedPage>()
                .posts
                .iter()
                .any(|p| fixture.shows_content(p))
        }),
        ReadPath::GroupPage => {
            let page = |id: &str| format!("/groups/{id}/posts?limit=100");
            Seen::of(&who.get(&page(group_id)).await, |r| {
                r.json::<FeedPage>()
                    .posts
                    .iter()
                    .any(|p| fixture.shows_content(p))
            })
            .compared_with(who.get(&page(&made_up_group)).await)
        }
        ReadPath::Post => Seen::of(&who.get(&format!("/posts/{post_id}")).await, |r| {
            fixture.shows_content(&r.json())
        })
        .compared_with(who.get(&format!("/posts/{made_up_post}")).await),
        ReadPath::Reactions => {
            let reactions = |id: &str| format!("/posts/{id}/reactions");
            Seen::of(&who.get(&reactions(post_id)).await, |r| {
                let all: Vec<Reaction> = r.json();
                let has = |target: &str, by: &Session| {
                    all.iter()
                        .any(|x| x.target_id == target && x.user_id == by.user.id)
                };
                has(post_id, &people.member) && has(&fixture.comment.id, &people.moderator)
            })
            .compared_with(who.get(&reactions(&made_up_post)).await)
        }
        ReadPath::Search => {
            let url = format!("/search?q={}&limit=50", fixture.search_word);
            Seen::of(&who.get(&url).await, |r| {
                let hits = r.json::<SearchResponse>().hits;
                let has =
                    |kind: SearchKind, id: &str| hits.iter().any(|h| h.kind == kind && h.id == id);
                has(SearchKind::Post, post_id) && has(SearchKind::Comment, &fixture.comment.id)
            })
        }
        ReadPath::Sync => from_sync(&|change| match change {
            Change::Post { post } => post.id == *post_id && post.body.contains(&fixture.post_mark),
            _ => false,
        })
        .and(from_sync(&|change| match change {
            Change::Comment { comment } => {
                comment.id == fixture.comment.id && comment.body.contains(&fixture.comment_mark)
            }
            _ => false,
        })),
        ReadPath::Notifications => Seen::of(&who.get("/notifications?limit=200").await, |r| {
            r.json::<NotificationPage>()
                .notifications
                .iter()
                .any(|n| is_the_mention(n, fixture))
        }),
        ReadPath::NotificationsBySync => from_sync(&|change| match change {
            Change::Notification { notification } => is_the_mention(notification, fixture),
            _ => false,
        }),
        ReadPath::GroupList => Seen::of(&who.get("/groups").await, |r| {
            r.json::<Vec<GroupListItem>>()
                .iter()
                .any(|g| g.group.id == *group_id && g.group.name.contains(&fixture.group_mark))
        }),
        ReadPath::GroupGet => Seen::of(&who.get(&format!("/groups/{group_id}")).await, |r| {
            r.json::<GroupListItem>().group.id == *group_id
        })
        .compared_with(who.get(&format!("/groups/{made_up_group}")).await),
        ReadPath::GroupSearch => {
            let url = format!("/search?q={}&limit=50", fixture.group_mark);
            Seen::of(&who.get(&url).await, |r| {
                r.json::<SearchResponse>()
                    .hits
                    .iter()
                    .any(|h| h.kind == SearchKind::Group && h.id == *group_id)
            })
        }
        ReadPath::GroupBySync => from_sync(&|change| match change {
            Change::Group { group } => group.id == *group_id,
            _ => false,
        }),
        ReadPath::Members => {
            let members = |id: &str| format!("/groups/{id}/members");
            Seen::of(&who.get(&members(group_id)).await, |r| {
                let page: MemberPage = r.json();
                let has = |s: &Session| page.members.iter().any(|m| m.user.id == s.user.id);
                has(&people.group_admin) && has(&people.member) && has(&people.moderator)
            })
            .compared_with(who.get(&members(&made_up_group)).await)
        }
        ReadPath::Stream => fixture.pokes[&role].clone(),
        ReadPath::CommentAttachment => fetched(who, &fixture.comment_file).await,
        ReadPath::Cover => fetched(who, &fixture.cover).await,
    }
}

/// Downloads an attachment; found when the bytes are the ones uploaded.
async fn fetched(who: &Session, (attachment, bytes): &(Attachment, Vec<u8>)) -> Seen {
    let got = download(who, &format!("/attachments/{}", attachment.id)).await;
    let unknown = download(who, &format!("/attachments/{}", new_id())).await;
    Seen {
        status: got.status,
        text: got.text(),
        found: got.status == 200 && got.bytes == *bytes,
        unknown: Some((unknown.status, unknown.text())),
    }
}

impl Seen {
    /// Both found (same answer, from one sync).
    fn and(mut self, other: Seen) -> Seen {
        self.found = self.found && other.found;
        self
    }
}

fn is_the_mention(n: &Notification, fixture: &Fixture) -> bool {
    n.kind == NotificationKind::Mention && n.post_id.as_deref() == Some(fixture.post.id.as_str())
}

/// Everyone of the matrix, and the author of its content.
struct People {
    non_member: Session,
    requester: Session,
    member: Session,
    moderator: Session,
    group_admin: Session,
    org_admin: Session,
    deactivated: Session,
    writer: Session,
}

impl People {
    fn get(&self, role: Role) -> &Session {
        match role {
            Role::NonMember => &self.non_member,
            Role::Requester => &self.requester,
            Role::Member => &self.member,
            Role::Moderator => &self.moderator,
            Role::GroupAdmin => &self.group_admin,
            Role::OrgAdmin => &self.org_admin,
            Role::Deactivated => &self.deactivated,
        }
    }
}

/// Creates the group of the column with everyone in their role (the
/// deactivated member is deactivated later, once all groups exist).
async fn build_group(people: &People, column: Column) -> (Group, String) {
    let group_mark = marker("gm", column);
    let privacy = match column {
        Column::MadeSecret => Privacy::Closed,
        other => other.privacy(),
    };
    let request = CreateGroupRequest {
        mutation_id: new_id(),
        id: new_id(),
        name: format!("Group {group_mark}"),
        description: format!("About {group_mark}"),
        privacy,
    };
    let group: Group = people
        .group_admin
        .post("/groups", &request)
        .await
        .assert_status(201)
        .json();
    for who in [
        &people.member,
        &people.moderator,
        &people.writer,
        &people.deactivated,
    ] {
        people
            .group_admin
            .add_member(&group.id, &who.user.email)
            .await
            .assert_status(200);
    }
    set_role(
        &people.group_admin,
        &group,
        &people.moderator,
        GroupRole::Moderator,
    )
    .await;
    if privacy == Privacy::Closed {
        let asked: JoinResponse = people
            .requester
            .join(&group.id)
            .await
            .assert_status(200)
            .json();
        assert!(
            asked.request.is_some(),
            "the requester's request is pending"
        );
    }
    if column == Column::MadeSecret {
        // The request asked while it was closed goes with the change.
        let request = UpdateGroupRequest {
            mutation_id: new_id(),
            privacy: Some(Privacy::Secret),
            ..UpdateGroupRequest::default()
        };
        let made_secret: Group = people
            .group_admin
            .patch(&format!("/groups/{}", group.id), &request)
            .await
            .assert_status(200)
            .json();
        return (made_secret, group_mark);
    }
    (group, group_mark)
}

/// Writes the post (mentioning everyone) while everyone's stream is open,
/// and records the first poke each stream gets after it. To see a missing
/// poke without waiting for one, a second post follows in the organisation
/// group, which everyone is in: a person not meant to hear of the first
/// post gets that second post's poke first.
async fn write_with_streams(
    people: &People,
    column: Column,
    group: &Group,
    everyone: &Group,
    body: &str,
) -> (Post, HashMap<Role, Seen>) {
    let mut sockets = Vec::new();
    let mut pokes = HashMap::new();
    for role in Role::ALL.into_iter().filter(|r| r.applies_to(column)) {
        match connect(people.get(role)).await {
            Ok(mut socket) => {
                next_poke(&mut socket).await; // the hello: subscribed from here on
                sockets.push((role, socket));
            }
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                let body = response.body().as_deref().unwrap_or_default();
                let seen = Seen {
                    status: response.status().as_u16(),
                    text: String::from_utf8_lossy(body).into_owned(),
                    found: false,
                    unknown: None,
                };
                pokes.insert(role, seen);
            }
            Err(e) => panic!("{role} cannot connect to the stream: {e}"),
        }
    }
    let post = people.writer.write_post(group, body).await;
    let after_post = head(&people.writer).await;
    people
        .writer
        .write_post(everyone, &format!("fence after the {column} post"))
        .await;
    let after_fence = head(&people.writer).await;
    for (role, mut socket) in sockets {
        let first = next_poke(&mut socket).await;
        let (status, found) = if first == after_post {
            (200, true)
        } else if first == after_fence {
            (200, false)
        } else {
            (0, false)
        };
        let text = format!("first poke {first}; post at {after_post}, fence at {after_fence}");
        pokes.insert(
            role,
            Seen {
                status,
                text,
                found,
                unknown: None,
            },
        );
    }
    (post, pokes)
}

pub async fn permission_matrix_of_privacy_role_and_read_path(ctx: Ctx) {
    // The first account: an organisation admin (and admin of the organisation group).
    let org_admin = org_admin(&ctx, "root").await;
    let people = People {
        non_member: ctx.person("outsider").await,
        requester: ctx.person("asker").await,
        member: ctx.person("member").await,
        moderator: ctx.person("moder").await,
        group_admin: ctx.person("gadmin").await,
        org_admin,
        deactivated: ctx.person("gone").await,
        writer: ctx.person("writer").await,
    };
    let everyone = people
        .writer
        .get("/groups")
        .await
        .assert_status(200)
        .json::<Vec<GroupListItem>>()
        .into_iter()
        .find(|g| g.group.is_default)
        .expect("the organisation group")
        .group;

    let mut groups = Vec::new();
    for column in Column::ALL {
        groups.push((column, build_group(&people, column).await));
    }
    people
        .org_admin
        .post(
            &format!("/admin/users/{}/deactivate", people.deactivated.user.id),
            &mutation(),
        )
        .await
        .assert_status(200);

    let mentions: Vec<String> = Role::ALL
        .iter()
        .map(|role| format!("@{}", people.get(*role).user.handle))
        .collect();
    let mut fixtures = Vec::new();
    for (column, (group, group_mark)) in groups {
        let (post_mark, comment_mark, search_word) = (
            marker("pm", column),
            marker("cm", column),
            marker("sw", column),
        );
        let body = format!("{post_mark} {search_word}: hello {}", mentions.join(" "));
        let (post, pokes) = write_with_streams(&people, column, &group, &everyone, &body).await;
        let file_bytes = format!("attached to {comment_mark}").into_bytes();
        let file = upload(&people.writer, "notes.txt", file_bytes.clone()).await;
        let request = CreateCommentRequest {
            mutation_id: new_id(),
            id: new_id(),
            body: format!("{comment_mark} {search_word}"),
            parent_id: None,
            attachment_ids: vec![file.id.clone()],
        };
        let comment: Comment = people
            .writer
            .post(&format!("/posts/{}/comments", post.id), &request)
            .await
            .assert_status(201)
            .json();
        let cover_bytes = png(30, 10, fixtures.len() as u8);
        let cover = upload(&people.group_admin, "cover.png", cover_bytes.clone()).await;
        let set_cover = SetImageRequest {
            mutation_id: new_id(),
            attachment_id: cover.id.clone(),
        };
        put(
            &people.group_admin,
            &format!("/groups/{}/cover", group.id),
            &set_cover,
        )
        .await
        .assert_status(200);
        react(&people.member, "posts", &post.id, ReactionKind::Like)
            .await
            .assert_status(200);
        react(
            &people.moderator,
            "comments",
            &comment.id,
            ReactionKind::Wow,
        )
        .await
        .assert_status(200);
        fixtures.push(Fixture {
            column,
            group,
            post,
            comment,
            post_mark,
            comment_mark,
            search_word,
            group_mark,
            pokes,
            comment_file: (file, file_bytes),
            cover: (cover, cover_bytes),
        });
    }

    let mut syncs = HashMap::new();
    for role in Role::ALL {
        syncs.insert(role, sync_from_scratch(people.get(role)).await);
    }
    let mut cells = 0;
    let mut failures = Vec::new();
    for fixture in &fixtures {
        let column = fixture.column;
        for role in Role::ALL.into_iter().filter(|r| r.applies_to(column)) {
            for path in ReadPath::ALL {
                cells += 1;
                let expect = expected(column.privacy(), role, path);
                let seen = observe(path, role, people.get(role), fixture, &syncs, &people).await;
                if let Err(why) = judge(expect, &seen, &fixture.secrets(path)) {
                    failures.push(format!(
                        "[{column} × {role} × {path}] expected {expect};\n    {why}"
                    ));
                }
            }
        }
    }
    // 6 roles in the open, secret and made-secret groups, 7 in the closed one.
    assert_eq!(cells, 25 * ReadPath::ALL.len(), "every cell was checked");
    assert!(
        failures.is_empty(),
        "{} of {cells} cells of the permission matrix fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
