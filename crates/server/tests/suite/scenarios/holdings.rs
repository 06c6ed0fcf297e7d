//! A property test of "nobody let in": random sequences of group, membership
//! and content operations by a handful of people, applied through the real
//! HTTP API of one server (SQLite, a fresh one per case). After every
//! operation each person pulls their incremental sync (every person keeps a
//! cursor and a tiny model of what they hold, applying upserts, removals and
//! purges as a client does) and searches; then:
//!
//! - what each person holds is within what they may read *now* (sync gives
//!   the current state, so this is checked after a whole pull, not per page);
//! - after a purge of a group, nothing of it is held any more (but the group
//!   itself while it is visible, and one's own pending join request);
//! - a purge names only a group the person held (anything else would only
//!   tell them the id of a secret group);
//! - search finds nothing of a group they may not read, nor deleted content;
//! - attachments answer as their group says: each comment's file to those
//!   who may read the post (none once it is deleted), each group's cover to
//!   those who see the group; everyone else gets 404;
//! - the test's own account of the server (privacy, members, requests) still
//!   matches the database, so "may read" is judged on the truth.
//!
//! At the end of each case every person also syncs from scratch, and the same
//! holds for that fresh copy.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;

use commons_protocol::*;
use commons_server::ops::users::{NewUser, PreparedUser};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use sqlx::Row;

use super::attachments::{download, png, upload};
use super::content_support::{delete, mutation, put, react_request};
use crate::harness::{new_id, Ctx, Reply, Session, PASSWORD};

/// Person 0 is an organisation admin; the others are not.
const PEOPLE: usize = 4;
/// Every text written has this word, so one search finds all of it.
const WORD: &str = "zebra";

#[derive(Clone, Debug)]
enum Op {
    CreateGroup {
        actor: u8,
        privacy: Privacy,
    },
    /// Joins an open group, asks to join a closed one (secret: 404).
    Join {
        group: u8,
        actor: u8,
    },
    Approve {
        group: u8,
        request: u8,
        approver: u8,
    },
    AddMember {
        group: u8,
        admin: u8,
        target: u8,
    },
    Leave {
        group: u8,
        member: u8,
    },
    Remove {
        group: u8,
        admin: u8,
        target: u8,
    },
    ChangePrivacy {
        group: u8,
        admin: u8,
        privacy: Privacy,
    },
    SetRole {
        group: u8,
        admin: u8,
        target: u8,
        role: GroupRole,
    },
    Post {
        group: u8,
        author: u8,
    },
    Comment {
        post: u8,
        author: u8,
    },
    React {
        post: u8,
        on_comment: bool,
        who: u8,
    },
    DeletePost {
        post: u8,
        who: u8,
    },
}

fn privacy() -> impl Strategy<Value = Privacy> {
    prop_oneof![
        Just(Privacy::Open),
        Just(Privacy::Closed),
        Just(Privacy::Secret)
    ]
}

fn role() -> impl Strategy<Value = GroupRole> {
    prop_oneof![
        Just(GroupRole::Member),
        Just(GroupRole::Moderator),
        Just(GroupRole::Admin)
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let n = any::<u8>;
    prop_oneof![
        2 => (n(), privacy()).prop_map(|(actor, privacy)| Op::CreateGroup { actor, privacy }),
        3 => (n(), n()).prop_map(|(group, actor)| Op::Join { group, actor }),
        2 => (n(), n(), n()).prop_map(|(group, request, approver)| Op::Approve { group, request, approver }),
        2 => (n(), n(), n()).prop_map(|(group, admin, target)| Op::AddMember { group, admin, target }),
        2 => (n(), n()).prop_map(|(group, member)| Op::Leave { group, member }),
        2 => (n(), n(), n()).prop_map(|(group, admin, target)| Op::Remove { group, admin, target }),
        3 => (n(), n(), privacy()).prop_map(|(group, admin, privacy)| Op::ChangePrivacy { group, admin, privacy }),
        2 => (n(), n(), n(), role()).prop_map(|(group, admin, target, role)| Op::SetRole { group, admin, target, role }),
        4 => (n(), n()).prop_map(|(group, author)| Op::Post { group, author }),
        3 => (n(), n()).prop_map(|(post, author)| Op::Comment { post, author }),
        2 => (n(), any::<bool>(), n()).prop_map(|(post, on_comment, who)| Op::React { post, on_comment, who }),
        2 => (n(), n()).prop_map(|(post, who)| Op::DeletePost { post, who }),
    ]
}

/// A case: the first group, then up to 24 more operations.
fn case() -> impl Strategy<Value = (Privacy, Vec<Op>)> {
    (privacy(), prop::collection::vec(op(), 0..25))
}

/// Runs the property: 24 cases unless `PROPTEST_CASES` says otherwise.
pub fn sync_and_search_never_hold_what_may_not_be_read() {
    let prepared: Vec<PreparedUser> = runtime().block_on(async {
        let mut prepared = Vec::new();
        for i in 0..PEOPLE {
            let new = NewUser {
                email: format!("p{i}@example.org"),
                name: format!("Person {i}"),
                password: PASSWORD.into(),
                is_admin: i == 0,
            };
            prepared.push(
                commons_server::ops::users::prepare(new)
                    .await
                    .expect("prepared"),
            );
        }
        prepared
    });
    let config = Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(24),
        max_shrink_iters: 300,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let outcome = runner.run(&case(), |(first, ops)| {
        // A runtime (and a server) per case: nothing outlives a failed case.
        runtime()
            .block_on(run_case(&prepared, first, &ops))
            .map_err(TestCaseError::fail)
    });
    if let Err(e) = outcome {
        panic!("{e}");
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

async fn run_case(prepared: &[PreparedUser], first: Privacy, ops: &[Op]) -> Result<(), String> {
    let temp = tempfile::tempdir().expect("temp dir");
    let server = commons_server::start(commons_server::ServerConfig::new(
        commons_server::DatabaseConfig::new(temp.path(), None),
        "127.0.0.1:0".parse().expect("address"),
    ))
    .await
    .expect("server starts");
    let ctx = Ctx {
        url: server.url(),
        db: server.database().clone(),
        data_dir: temp.path().to_path_buf(),
        database_url: None,
        http: reqwest::Client::new(),
        nodes: Default::default(),
    };
    let outcome = Case::new(&ctx, prepared).await.run(first, ops).await;
    server.shutdown().await.expect("server shuts down cleanly");
    outcome
}

/// What the test knows the server holds: groups (the organisation group
/// left out: everyone is in it and it stays open) and posts.
#[derive(Default)]
struct World {
    groups: Vec<GroupTruth>,
    group_index: HashMap<String, usize>,
    posts: Vec<PostTruth>,
    /// A post's or comment's id → (post index, group index).
    content: HashMap<String, (usize, usize)>,
    /// The files attached to comments, with their post's index.
    files: Vec<(String, usize)>,
}

struct GroupTruth {
    id: String,
    privacy: Privacy,
    members: BTreeMap<usize, GroupRole>,
    requests: BTreeSet<usize>,
    /// The cover image its creator set.
    cover: String,
}

struct PostTruth {
    id: String,
    group: usize,
    author: usize,
    deleted: bool,
    comments: Vec<String>,
}

impl GroupTruth {
    fn is_member(&self, who: usize) -> bool {
        self.members.contains_key(&who)
    }

    /// Open and closed groups are known to all; secret ones to members.
    fn visible_to(&self, who: usize) -> bool {
        self.privacy != Privacy::Secret || self.is_member(who)
    }

    /// Open groups' posts are read by all; others' by members.
    fn readable_by(&self, who: usize) -> bool {
        self.privacy == Privacy::Open || self.is_member(who)
    }

    /// Who may administer it: its admins and the organisation admin (0).
    fn administrators(&self) -> Vec<usize> {
        let mut who: Vec<usize> = self
            .members
            .iter()
            .filter(|(_, r)| **r == GroupRole::Admin)
            .map(|(p, _)| *p)
            .collect();
        if !who.contains(&0) {
            who.push(0);
        }
        who
    }

    fn moderators(&self) -> Vec<usize> {
        let mut who: Vec<usize> = self
            .members
            .iter()
            .filter(|(_, r)| r.moderates())
            .map(|(p, _)| *p)
            .collect();
        if !who.contains(&0) {
            who.push(0);
        }
        who
    }

    fn member_list(&self) -> Vec<usize> {
        self.members.keys().copied().collect()
    }

    fn non_members(&self) -> Vec<usize> {
        (0..PEOPLE).filter(|p| !self.is_member(*p)).collect()
    }
}

fn pick<T: Copy>(items: &[T], n: u8) -> Option<T> {
    (!items.is_empty()).then(|| items[n as usize % items.len()])
}

/// What one person's client holds, applied from sync as a client does.
#[derive(Default)]
struct Holdings {
    cursor: Option<Cursor>,
    groups: HashMap<String, Group>,
    memberships: HashSet<(String, String)>,
    requests: HashSet<(String, String)>,
    posts: HashMap<String, Post>,
    comments: HashMap<String, Comment>,
    reactions: HashMap<(String, String), Reaction>,
    notifications: HashMap<String, Notification>,
    settings: HashSet<(String, String)>,
}

impl Holdings {
    fn apply(&mut self, change: Change) {
        match change {
            Change::User { .. } | Change::Unknown => {}
            Change::Group { group } => {
                self.groups.insert(group.id.clone(), group);
            }
            Change::Membership { membership } => {
                self.memberships
                    .insert((membership.group_id, membership.user_id));
            }
            Change::MembershipRemoved { group_id, user_id } => {
                self.memberships.remove(&(group_id, user_id));
            }
            Change::Purge { group_id } => self.purge(&group_id),
            Change::JoinRequest { request } => {
                self.requests.insert((request.group_id, request.user_id));
            }
            Change::JoinRequestRemoved { group_id, user_id } => {
                self.requests.remove(&(group_id, user_id));
            }
            Change::Post { post } => {
                self.posts.insert(post.id.clone(), post);
            }
            Change::Comment { comment } => {
                self.comments.insert(comment.id.clone(), comment);
            }
            Change::Reaction { reaction } => {
                let key = (reaction.target_id.clone(), reaction.user_id.clone());
                self.reactions.insert(key, reaction);
            }
            Change::ReactionRemoved { target_id, user_id } => {
                self.reactions.remove(&(target_id, user_id));
            }
            Change::Notification { notification } => {
                self.notifications
                    .insert(notification.id.clone(), notification);
            }
            Change::GroupSettings { settings } => {
                self.settings.insert((settings.group_id, settings.user_id));
            }
        }
    }

    /// Forgets the group and everything of it (the protocol's `purge`).
    fn purge(&mut self, group_id: &str) {
        self.groups.remove(group_id);
        self.memberships.retain(|(g, _)| g != group_id);
        self.requests.retain(|(g, _)| g != group_id);
        self.settings.retain(|(g, _)| g != group_id);
        self.posts.retain(|_, p| p.group_id != group_id);
        self.comments.retain(|_, c| c.group_id != group_id);
        self.reactions.retain(|_, r| r.group_id != group_id);
        self.notifications
            .retain(|_, n| n.group_id.as_deref() != Some(group_id));
    }

    /// Everything held, as (what, group id it belongs to by the server's
    /// own fields).
    fn items(&self) -> Vec<(String, String)> {
        let mut items = Vec::new();
        for (g, u) in &self.memberships {
            items.push((format!("membership of {u} in {g}"), g.clone()));
        }
        for (g, u) in &self.settings {
            items.push((format!("settings of {u} in {g}"), g.clone()));
        }
        for p in self.posts.values() {
            items.push((format!("post {}", p.id), p.group_id.clone()));
        }
        for c in self.comments.values() {
            items.push((format!("comment {}", c.id), c.group_id.clone()));
        }
        for r in self.reactions.values() {
            items.push((
                format!("reaction of {} to {}", r.user_id, r.target_id),
                r.group_id.clone(),
            ));
        }
        for n in self.notifications.values() {
            if let Some(g) = &n.group_id {
                items.push((format!("notification {} ({:?})", n.id, n.kind), g.clone()));
            }
        }
        items
    }
}

struct Case<'a> {
    ctx: &'a Ctx,
    people: Vec<Session>,
    everyone_id: String,
    world: World,
    held: Vec<Holdings>,
    /// What happened so far, for the failure message.
    log: String,
    texts: usize,
}

impl<'a> Case<'a> {
    async fn new(ctx: &'a Ctx, prepared: &[PreparedUser]) -> Case<'a> {
        let mut people = Vec::new();
        for p in prepared {
            let mut w = ctx.db.write().await.expect("write");
            let user = commons_server::ops::users::insert(&mut w, p)
                .await
                .expect("user created");
            w.commit().await.expect("committed");
            people.push(ctx.login(&user).await);
        }
        let everyone_id = people[0]
            .get("/groups")
            .await
            .assert_status(200)
            .json::<Vec<GroupListItem>>()
            .into_iter()
            .find(|g| g.group.is_default)
            .expect("the organisation group")
            .group
            .id;
        Case {
            ctx,
            people,
            everyone_id,
            world: World::default(),
            held: (0..PEOPLE).map(|_| Holdings::default()).collect(),
            log: String::new(),
            texts: 0,
        }
    }

    async fn run(mut self, first: Privacy, ops: &[Op]) -> Result<(), String> {
        let outcome = self.run_ops(first, ops).await;
        outcome.map_err(|e| format!("{e}\nafter:\n{}", self.log))
    }

    async fn run_ops(&mut self, first: Privacy, ops: &[Op]) -> Result<(), String> {
        for who in 0..PEOPLE {
            self.pull_and_check(who).await?;
        }
        let first = Op::CreateGroup {
            actor: 1,
            privacy: first,
        };
        for op in std::iter::once(&first).chain(ops) {
            if self.apply(op).await? {
                self.matches_database().await?;
                for who in 0..PEOPLE {
                    self.pull_and_check(who).await?;
                }
            }
        }
        for who in 0..PEOPLE {
            let mut fresh = Holdings::default();
            self.pull(who, &mut fresh).await?;
            self.check(who, &fresh)
                .map_err(|e| format!("in a sync from scratch: {e}"))?;
        }
        Ok(())
    }

    fn text(&mut self, what: &str) -> String {
        self.texts += 1;
        format!("{WORD} {what} {}", self.texts)
    }

    /// Sends one operation (resolving its numbers against the current state)
    /// and records its effect. False when it could not even be chosen.
    async fn apply(&mut self, op: &Op) -> Result<bool, String> {
        let groups = self.world.groups.len();
        let group_of = |n: u8| (groups > 0).then(|| n as usize % groups);
        let posts = self.world.posts.len();
        let post_of = |n: u8| (posts > 0).then(|| n as usize % posts);
        let (label, reply) = match *op {
            Op::CreateGroup { actor, privacy } => {
                let actor = actor as usize % PEOPLE;
                let name = self.text("group");
                let request = CreateGroupRequest {
                    mutation_id: new_id(),
                    id: new_id(),
                    name,
                    description: String::new(),
                    privacy,
                };
                let reply = self.people[actor].post("/groups", &request).await;
                if reply.status.as_u16() == 201 {
                    let group: Group = reply.json();
                    let creator = &self.people[actor];
                    let seed = self.world.groups.len() as u8;
                    let cover = upload(creator, "cover.png", png(8, 4, seed)).await;
                    let set = SetImageRequest {
                        mutation_id: new_id(),
                        attachment_id: cover.id.clone(),
                    };
                    let path = format!("/groups/{}/cover", group.id);
                    let done = put(creator, &path, &set).await;
                    if done.status.as_u16() != 200 {
                        return Err(format!("the creator cannot set the cover: {}", done.text));
                    }
                    self.world
                        .group_index
                        .insert(group.id.clone(), self.world.groups.len());
                    self.world.groups.push(GroupTruth {
                        id: group.id,
                        privacy,
                        members: BTreeMap::from([(actor, GroupRole::Admin)]),
                        requests: BTreeSet::new(),
                        cover: cover.id,
                    });
                }
                (format!("p{actor} creates a {privacy} group"), reply)
            }
            Op::Join { group, actor } => {
                let Some(g) = group_of(group) else {
                    return Ok(false);
                };
                let Some(actor) = pick(&self.world.groups[g].non_members(), actor) else {
                    return Ok(false);
                };
                let id = self.world.groups[g].id.clone();
                let reply = self.people[actor].join(&id).await;
                if reply.status.as_u16() == 200 {
                    let joined: JoinResponse = reply.json();
                    let truth = &mut self.world.groups[g];
                    if let Some(m) = joined.membership {
                        truth.members.insert(actor, m.role);
                        truth.requests.remove(&actor);
                    } else if joined.request.is_some() {
                        truth.requests.insert(actor);
                    }
                }
                (format!("p{actor} joins group {g}"), reply)
            }
            Op::Approve {
                group,
                request,
                approver,
            } => {
                let Some(g) = group_of(group) else {
                    return Ok(false);
                };
                let truth = &self.world.groups[g];
                let requests: Vec<usize> = truth.requests.iter().copied().collect();
                let (Some(asker), Some(approver)) = (
                    pick(&requests, request),
                    pick(&truth.moderators(), approver),
                ) else {
                    return Ok(false);
                };
                let path = format!(
                    "/groups/{}/requests/{}/approve",
                    truth.id, self.people[asker].user.id
                );
                let reply = self.people[approver].post(&path, &mutation()).await;
                if reply.status.as_u16() == 200 {
                    let joined: JoinResponse = reply.json();
                    let truth = &mut self.world.groups[g];
                    if let Some(m) = joined.membership {
                        truth.members.insert(asker, m.role);
                        truth.requests.remove(&asker);
                    }
                }
                (format!("p{approver} approves p{asker} in group {g}"), reply)
            }
            Op::AddMember {
                group,
                admin,
                target,
            } => {
                let Some(g) = group_of(group) else {
                    return Ok(false);
                };
                let truth = &self.world.groups[g];
                let (Some(admin), Some(target)) = (
                    pick(&truth.administrators(), admin),
                    pick(&truth.non_members(), target),
                ) else {
                    return Ok(false);
                };
                let id = truth.id.clone();
                let reply = self.people[admin]
                    .add_member(&id, &self.people[target].user.email)
                    .await;
                if reply.status.as_u16() == 200 {
                    let added: MembershipResponse = reply.json();
                    let truth = &mut self.world.groups[g];
                    truth.members.insert(target, added.membership.role);
                    truth.requests.remove(&target);
                }
                (format!("p{admin} adds p{target} to group {g}"), reply)
            }
            Op::Leave { group, member } => {
                let Some(g) = group_of(group) else {
                    return Ok(false);
                };
                let Some(member) = pick(&self.world.groups[g].member_list(), member) else {
                    return Ok(false);
                };
                let path = format!("/groups/{}/leave", self.world.groups[g].id);
                let reply = self.people[member].post(&path, &mutation()).await;
                if reply.status.as_u16() == 200 {
                    self.world.groups[g].members.remove(&member);
                    self.world.groups[g].requests.remove(&member);
                }
                (format!("p{member} leaves group {g}"), reply)
            }
            Op::Remove {
                group,
                admin,
                target,
            } => {
                let Some(g) = group_of(group) else {
                    return Ok(false);
                };
                let truth = &self.world.groups[g];
                let (Some(admin), Some(target)) = (
                    pick(&truth.administrators(), admin),
                    pick(&truth.member_list(), target),
                ) else {
                    return Ok(false);
                };
                let path = format!(
                    "/groups/{}/members/{}/remove",
                    truth.id, self.people[target].user.id
                );
                let reply = self.people[admin].post(&path, &mutation()).await;
                if reply.status.as_u16() == 200 {
                    self.world.groups[g].members.remove(&target);
                    self.world.groups[g].requests.remove(&target);
                }
                (format!("p{admin} removes p{target} from group {g}"), reply)
            }
            Op::ChangePrivacy {
                group,
                admin,
                privacy,
            } => {
                let Some(g) = group_of(group) else {
                    return Ok(false);
                };
                let Some(admin) = pick(&self.world.groups[g].administrators(), admin) else {
                    return Ok(false);
                };
                let request = UpdateGroupRequest {
                    mutation_id: new_id(),
                    privacy: Some(privacy),
                    ..UpdateGroupRequest::default()
                };
                let path = format!("/groups/{}", self.world.groups[g].id);
                let reply = self.people[admin].patch(&path, &request).await;
                if reply.status.as_u16() == 200 {
                    let changed: Group = reply.json();
                    let truth = &mut self.world.groups[g];
                    if changed.privacy == Privacy::Secret && truth.privacy != Privacy::Secret {
                        truth.requests.clear();
                    }
                    truth.privacy = changed.privacy;
                }
                (format!("p{admin} makes group {g} {privacy}"), reply)
            }
            Op::SetRole {
                group,
                admin,
                target,
                role,
            } => {
                let Some(g) = group_of(group) else {
                    return Ok(false);
                };
                let truth = &self.world.groups[g];
                let (Some(admin), Some(target)) = (
                    pick(&truth.administrators(), admin),
                    pick(&truth.member_list(), target),
                ) else {
                    return Ok(false);
                };
                let path = format!(
                    "/groups/{}/members/{}/role",
                    truth.id, self.people[target].user.id
                );
                let request = SetRoleRequest {
                    mutation_id: new_id(),
                    role,
                };
                let reply = self.people[admin].post(&path, &request).await;
                if reply.status.as_u16() == 200 {
                    let changed: MembershipResponse = reply.json();
                    self.world.groups[g]
                        .members
                        .insert(target, changed.membership.role);
                }
                (
                    format!("p{admin} makes p{target} {} of group {g}", role.as_str()),
                    reply,
                )
            }
            Op::Post { group, author } => {
                let Some(g) = group_of(group) else {
                    return Ok(false);
                };
                let Some(author) = pick(&self.world.groups[g].member_list(), author) else {
                    return Ok(false);
                };
                let body = self.text("post");
                let id = self.world.groups[g].id.clone();
                let reply = self.people[author]
                    .post("/posts", &self.people[author].post_request(&id, &body))
                    .await;
                if reply.status.as_u16() == 201 {
                    let post: Post = reply.json();
                    let index = self.world.posts.len();
                    self.world.content.insert(post.id.clone(), (index, g));
                    self.world.posts.push(PostTruth {
                        id: post.id,
                        group: g,
                        author,
                        deleted: false,
                        comments: Vec::new(),
                    });
                }
                (format!("p{author} posts in group {g}"), reply)
            }
            Op::Comment { post, author } => {
                let Some(p) = post_of(post) else {
                    return Ok(false);
                };
                let g = self.world.posts[p].group;
                let Some(author) = pick(&self.world.groups[g].member_list(), author) else {
                    return Ok(false);
                };
                // A JSON string, so the harness can read the download as text.
                let file_text = format!("\"{}\"", self.text("file"));
                let file = upload(&self.people[author], "notes.txt", file_text.into_bytes()).await;
                let request = CreateCommentRequest {
                    mutation_id: new_id(),
                    id: new_id(),
                    body: self.text("comment"),
                    parent_id: None,
                    attachment_ids: vec![file.id.clone()],
                };
                let path = format!("/posts/{}/comments", self.world.posts[p].id);
                let reply = self.people[author].post(&path, &request).await;
                if reply.status.as_u16() == 201 {
                    let comment: Comment = reply.json();
                    self.world.files.push((file.id, p));
                    self.world.content.insert(comment.id.clone(), (p, g));
                    self.world.posts[p].comments.push(comment.id);
                }
                (format!("p{author} comments on post {p} (group {g})"), reply)
            }
            Op::React {
                post,
                on_comment,
                who,
            } => {
                let Some(p) = post_of(post) else {
                    return Ok(false);
                };
                let truth = &self.world.posts[p];
                let g = truth.group;
                let Some(who) = pick(&self.world.groups[g].member_list(), who) else {
                    return Ok(false);
                };
                let path = match truth.comments.last() {
                    Some(comment) if on_comment => format!("/comments/{comment}/reaction"),
                    _ => format!("/posts/{}/reaction", truth.id),
                };
                let reply = super::content_support::put(
                    &self.people[who],
                    &path,
                    &react_request(ReactionKind::Like),
                )
                .await;
                (format!("p{who} reacts on post {p} (group {g})"), reply)
            }
            Op::DeletePost { post, who } => {
                let Some(p) = post_of(post) else {
                    return Ok(false);
                };
                let truth = &self.world.posts[p];
                let g = truth.group;
                let mut may: Vec<usize> = self.world.groups[g].moderators();
                may.push(truth.author);
                let Some(who) = pick(&may, who) else {
                    return Ok(false);
                };
                let path = format!("/posts/{}", truth.id);
                let reply = delete(&self.people[who], &path, &mutation()).await;
                if reply.status.as_u16() == 200 {
                    self.world.posts[p].deleted = true;
                }
                (format!("p{who} deletes post {p} (group {g})"), reply)
            }
        };
        let _ = writeln!(self.log, "  {label}: {}", reply.status.as_u16());
        if reply.status.is_server_error() {
            return Err(format!("the server failed: {label}: {}", reply.text));
        }
        Ok(true)
    }

    /// The test's account of each group agrees with the database.
    async fn matches_database(&self) -> Result<(), String> {
        let pool = self.ctx.db.pool();
        let index: HashMap<&str, usize> = self
            .people
            .iter()
            .enumerate()
            .map(|(i, s)| (s.user.id.as_str(), i))
            .collect();
        for (g, truth) in self.world.groups.iter().enumerate() {
            let privacy: String = sqlx::query("SELECT privacy FROM groups WHERE id = $1")
                .bind(&truth.id)
                .fetch_one(pool)
                .await
                .map_err(|e| e.to_string())?
                .try_get("privacy")
                .map_err(|e| e.to_string())?;
            let mut members = BTreeMap::new();
            for row in sqlx::query("SELECT user_id, role FROM memberships WHERE group_id = $1")
                .bind(&truth.id)
                .fetch_all(pool)
                .await
                .map_err(|e| e.to_string())?
            {
                let user: String = row.try_get("user_id").map_err(|e| e.to_string())?;
                let role: String = row.try_get("role").map_err(|e| e.to_string())?;
                members.insert(index[user.as_str()], role.parse::<GroupRole>().unwrap());
            }
            let mut requests = BTreeSet::new();
            for row in sqlx::query("SELECT user_id FROM join_requests WHERE group_id = $1")
                .bind(&truth.id)
                .fetch_all(pool)
                .await
                .map_err(|e| e.to_string())?
            {
                let user: String = row.try_get("user_id").map_err(|e| e.to_string())?;
                requests.insert(index[user.as_str()]);
            }
            if privacy != truth.privacy.as_str()
                || members != truth.members
                || requests != truth.requests
            {
                return Err(format!(
                    "the test lost track of group {g}: it thinks {} {:?} {:?}, the database says {privacy} {members:?} {requests:?}",
                    truth.privacy, truth.members, truth.requests
                ));
            }
        }
        Ok(())
    }

    /// Pulls everything new (all pages) into `into`, checking each purge.
    async fn pull(&self, who: usize, into: &mut Holdings) -> Result<(), String> {
        let incremental = into.cursor.is_some();
        loop {
            let path = match &into.cursor {
                Some(c) => format!("/sync?since={c}&limit=6"),
                None => "/sync?limit=6".to_string(),
            };
            let reply = self.people[who].get(&path).await;
            if reply.status.as_u16() != 200 {
                return Err(format!("p{who}'s sync failed: {}", reply.text));
            }
            let page: SyncResponse = reply.json();
            let mut purged = Vec::new();
            for change in page.changes {
                if let Change::Purge { group_id } = &change {
                    // Everyone pulls after every operation, so a group made
                    // secret was held (visible) at the pull before; a purge of
                    // anything else only tells the id of a secret group.
                    let held = into.groups.contains_key(group_id)
                        || into.items().iter().any(|(_, g)| g == group_id);
                    if incremental && !held {
                        return Err(format!(
                            "p{who} is told to purge group {group_id}, which it never held"
                        ));
                    }
                    purged.push(group_id.clone());
                }
                into.apply(change);
            }
            into.cursor = Some(page.cursor);
            for group_id in purged {
                self.nothing_left_of(who, into, &group_id)?;
            }
            if !page.has_more {
                return Ok(());
            }
        }
    }

    /// After a purge (and the rest of its page), nothing of the group is
    /// held: at most the group itself if still visible, and one's own request.
    fn nothing_left_of(&self, who: usize, held: &Holdings, group_id: &str) -> Result<(), String> {
        let me = &self.people[who].user.id;
        let left: Vec<String> = held
            .items()
            .into_iter()
            .filter(|(_, g)| g == group_id)
            .map(|(what, _)| what)
            .chain(
                held.requests
                    .iter()
                    .filter(|(g, u)| g == group_id && u != me)
                    .map(|(_, u)| format!("request of {u}")),
            )
            .collect();
        if !left.is_empty() {
            return Err(format!(
                "p{who} still holds, after a purge of {group_id}: {left:?}"
            ));
        }
        if held.groups.contains_key(group_id) {
            let visible = self
                .world
                .group_index
                .get(group_id)
                .is_some_and(|g| self.world.groups[*g].visible_to(who));
            if !visible {
                return Err(format!(
                    "p{who} holds group {group_id} after its purge, and may not see it"
                ));
            }
        }
        Ok(())
    }

    async fn pull_and_check(&mut self, who: usize) -> Result<(), String> {
        let mut held = std::mem::take(&mut self.held[who]);
        let pulled = self.pull(who, &mut held).await;
        self.held[who] = held;
        pulled?;
        self.check(who, &self.held[who])?;
        self.search_check(who).await?;
        self.attachments_check(who).await
    }

    /// Comment files and covers answer `who` exactly as their group says.
    async fn attachments_check(&self, who: usize) -> Result<(), String> {
        let mut wrong = Vec::new();
        let covers = self.world.groups.iter().map(|g| {
            (
                &g.cover,
                g.visible_to(who),
                format!("cover of the {} group", g.privacy),
            )
        });
        let files = self.world.files.iter().map(|(id, p)| {
            let post = &self.world.posts[*p];
            let group = &self.world.groups[post.group];
            let what = format!(
                "comment file of post {p} (deleted: {}) in the {} group",
                post.deleted, group.privacy
            );
            (id, group.readable_by(who) && !post.deleted, what)
        });
        for (id, may, what) in covers.chain(files) {
            let got = download(&self.people[who], &format!("/attachments/{id}"))
                .await
                .status;
            if got != if may { 200 } else { 404 } {
                wrong.push(format!("{what}: {got}"));
            }
        }
        if wrong.is_empty() {
            Ok(())
        } else {
            Err(format!("p{who} fetches {}", wrong.join("; ")))
        }
    }

    /// The group index of an id of ours (None: the organisation group).
    fn group(&self, group_id: &str) -> Result<Option<&GroupTruth>, String> {
        if group_id == self.everyone_id {
            return Ok(None);
        }
        match self.world.group_index.get(group_id) {
            Some(g) => Ok(Some(&self.world.groups[*g])),
            None => Err(format!("a group nobody created: {group_id}")),
        }
    }

    /// What `who` holds is within what they may read now.
    fn check(&self, who: usize, held: &Holdings) -> Result<(), String> {
        let mut wrong = Vec::new();
        for id in held.groups.keys() {
            if let Some(truth) = self.group(id)? {
                if !truth.visible_to(who) {
                    wrong.push(format!("the {} group {id}", truth.privacy));
                }
            }
        }
        // Content, memberships, settings and notifications of a group come
        // through sync to its members only (so only to those who may read it).
        for (what, group_id) in held.items() {
            if let Some(truth) = self.group(&group_id)? {
                if !truth.is_member(who) {
                    let may_read = truth.readable_by(who);
                    wrong.push(format!(
                        "{what} of the {} group {group_id} (not a member; may read it: {may_read})",
                        truth.privacy
                    ));
                }
            }
        }
        let me = &self.people[who].user.id;
        for (group_id, user_id) in &held.requests {
            if let Some(truth) = self.group(group_id)? {
                if !truth.visible_to(who) || (user_id != me && !truth.is_member(who)) {
                    wrong.push(format!("the request of {user_id} to join {group_id}"));
                }
            }
        }
        // The server's fields agree with the truth, and deleted content keeps no text.
        for post in held.posts.values() {
            let Some((p, g)) = self.world.content.get(&post.id) else {
                return Err(format!("p{who} holds a post nobody wrote: {post:?}"));
            };
            if self.world.groups[*g].id != post.group_id {
                wrong.push(format!("post {} in the wrong group", post.id));
            }
            if self.world.posts[*p].deleted && (post.deleted_at.is_none() || !post.body.is_empty())
            {
                wrong.push(format!("the text of deleted post {}", post.id));
            }
        }
        for comment in held.comments.values() {
            let Some((p, _)) = self.world.content.get(&comment.id) else {
                return Err(format!("p{who} holds a comment nobody wrote: {comment:?}"));
            };
            if self.world.posts[*p].deleted && !comment.body.is_empty() {
                wrong.push(format!("the text of deleted comment {}", comment.id));
            }
        }
        for reaction in held.reactions.values() {
            let Some((p, _)) = self.world.content.get(&reaction.target_id) else {
                return Err(format!("p{who} holds a reaction to nothing: {reaction:?}"));
            };
            if self.world.posts[*p].deleted {
                wrong.push(format!(
                    "a reaction to deleted post {}",
                    self.world.posts[*p].id
                ));
            }
        }
        if wrong.is_empty() {
            Ok(())
        } else {
            Err(format!("p{who} holds {}", wrong.join("; ")))
        }
    }

    /// Search finds nothing of a group `who` may not read, nor deleted content.
    async fn search_check(&self, who: usize) -> Result<(), String> {
        let reply: Reply = self.people[who]
            .get(&format!("/search?q={WORD}&limit=50"))
            .await;
        if reply.status.as_u16() != 200 {
            return Err(format!("p{who}'s search failed: {}", reply.text));
        }
        let mut wrong = Vec::new();
        for hit in reply.json::<SearchResponse>().hits {
            match hit.kind {
                SearchKind::Post | SearchKind::Comment => {
                    let Some((p, g)) = self.world.content.get(&hit.id) else {
                        return Err(format!("p{who} finds content nobody wrote: {hit:?}"));
                    };
                    let group = &self.world.groups[*g];
                    if !group.readable_by(who) || self.world.posts[*p].deleted {
                        wrong.push(format!(
                            "{:?} {} of the {} group {} (deleted: {})",
                            hit.kind, hit.id, group.privacy, group.id, self.world.posts[*p].deleted
                        ));
                    }
                }
                SearchKind::Group => {
                    if let Some(group) = self.group(&hit.id)? {
                        if !group.visible_to(who) {
                            wrong.push(format!("the {} group {}", group.privacy, group.id));
                        }
                    }
                }
                SearchKind::Person => {}
            }
        }
        if wrong.is_empty() {
            Ok(())
        } else {
            Err(format!("p{who}'s search finds {}", wrong.join("; ")))
        }
    }
}
