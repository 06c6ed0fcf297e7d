//! `commons-server import workplace`: the sample export in
//! tests/fixtures/workplace-sample, imported through the real binary and
//! checked through the API as people see it.

use std::path::PathBuf;

use commons_protocol::markdown::to_safe_html;
use commons_protocol::*;
use serde_json::Value;
use sqlx::Row;

use super::attachments::download;
use super::binary::{run, text};
use crate::harness::{Ctx, Session, PASSWORD};

fn sample() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/workplace-sample")
}

/// Runs the import; answers the JSON summary (asserting success).
async fn import(ctx: &Ctx) -> Value {
    let path = sample();
    let output = run(
        ctx,
        &[
            "import",
            "workplace",
            "--json",
            path.to_str().expect("path"),
        ],
        "",
    )
    .await;
    assert!(
        output.status.success(),
        "import failed: {}",
        text(&output.stderr)
    );
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("summary is not JSON ({e}): {}", text(&output.stdout)))
}

/// Imported people have no password: an admin sets one through the binary.
async fn log_in_as(ctx: &Ctx, email: &str) -> Session {
    let output = run(
        ctx,
        &["admin", "set-password", email],
        &format!("{PASSWORD}\n"),
    )
    .await;
    assert!(
        output.status.success(),
        "set-password failed: {}",
        text(&output.stderr)
    );
    let reply = ctx.login_reply(email, PASSWORD).await;
    let login: LoginResponse = reply.assert_status(200).json();
    Session {
        ctx: ctx.clone(),
        token: login.token,
        user: login.user,
    }
}

async fn change_log_head(ctx: &Ctx) -> i64 {
    let row = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS head FROM changes")
        .fetch_one(ctx.db.pool())
        .await
        .expect("head");
    row.try_get("head").expect("head")
}

fn counts(summary: &Value, kind: &str) -> (u64, u64, u64) {
    let c = &summary["counts"][kind];
    let n = |field: &str| c[field].as_u64().unwrap_or(0);
    (n("created"), n("already_there"), n("skipped"))
}

async fn group_named(s: &Session, name: &str) -> Group {
    let groups: Vec<GroupListItem> = s.get("/groups").await.assert_status(200).json();
    groups
        .into_iter()
        .map(|item| item.group)
        .find(|g| g.name == name)
        .unwrap_or_else(|| panic!("{} does not see group {name}", s.user.email))
}

async fn posts_of(s: &Session, group: &Group) -> Vec<PostWithComments> {
    let page: FeedPage = s
        .get(&format!("/groups/{}/posts", group.id))
        .await
        .assert_status(200)
        .json();
    page.posts
}

/// Who reacted to `target` and how (the kind as the API spells it), by person.
fn kinds_by(reactions: &[Reaction], target: &str) -> Vec<(String, &'static str)> {
    let mut found: Vec<(String, &'static str)> = reactions
        .iter()
        .filter(|r| r.target_id == target)
        .map(|r| (r.user_id.clone(), r.kind.as_str()))
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

pub async fn a_workplace_export_imports_every_field_once(ctx: Ctx) {
    let summary = import(&ctx).await;
    assert_eq!(counts(&summary, "member"), (4, 0, 1), "{summary}");
    assert_eq!(counts(&summary, "group"), (3, 0, 1), "{summary}");
    assert_eq!(counts(&summary, "membership"), (7, 0, 0), "{summary}");
    assert_eq!(counts(&summary, "post"), (5, 0, 1), "{summary}");
    assert_eq!(counts(&summary, "comment"), (3, 0, 0), "{summary}");
    assert_eq!(counts(&summary, "reaction"), (7, 0, 0), "{summary}");
    assert_eq!(counts(&summary, "seen"), (2, 0, 0), "{summary}");
    assert_eq!(counts(&summary, "attachment"), (2, 0, 0), "{summary}");
    let skipped = summary["skipped"].as_array().expect("skipped list");
    let malformed = skipped
        .iter()
        .find(|s| s["id"] == "200001_300099")
        .unwrap_or_else(|| panic!("the malformed post is not reported: {summary}"));
    assert_eq!(malformed["kind"], "post");
    assert_eq!(malformed["file"], "groups/200001/feed.json");
    assert!(
        malformed["reason"]
            .as_str()
            .is_some_and(|r| r.contains("created_time")),
        "{malformed}"
    );
    assert!(skipped
        .iter()
        .any(|s| s["id"] == "200004" && s["reason"].as_str().unwrap_or("").contains("PUBLIC")));

    let ada = log_in_as(&ctx, "ada@example.org").await;
    let grace = log_in_as(&ctx, "grace@example.org").await;
    let alan = log_in_as(&ctx, "alan@example.org").await;
    let margaret = log_in_as(&ctx, "margaret@example.org").await;

    // Profiles and managers, from the members page and the CSV list.
    let grace_profile = profile(&ada, &grace.user.id).await;
    assert_eq!(grace_profile.name, "Grace Hopper");
    assert_eq!(grace_profile.title, "Rear Admiral");
    assert_eq!(grace_profile.department, "Compilers");
    assert_eq!(
        grace_profile.manager_id.as_deref(),
        Some(ada.user.id.as_str())
    );
    let alan_profile = profile(&ada, &alan.user.id).await;
    assert_eq!(
        alan_profile.department, "Cryptography",
        "filled in from the CSV"
    );
    assert_eq!(
        alan_profile.manager_id.as_deref(),
        Some(ada.user.id.as_str())
    );
    let margaret_profile = profile(&ada, &margaret.user.id).await;
    assert_eq!(margaret_profile.name, "Hamilton, Margaret");
    assert_eq!(margaret_profile.title, "Director");
    assert_eq!(margaret_profile.department, "Software, Apollo");
    assert_eq!(
        margaret_profile.manager_id.as_deref(),
        Some(grace.user.id.as_str()),
        "the CSV names her manager by name"
    );
    assert!(profile(&ada, &ada.user.id).await.manager_id.is_none());

    // A closed group: everyone sees it and its admins, only members its posts.
    let leadership = group_named(&alan, "Leadership").await;
    assert_eq!(leadership.privacy, Privacy::Closed);
    assert_eq!(leadership.description, "Closed: members read the posts.");
    let members: MemberPage = alan
        .get(&format!("/groups/{}/members", leadership.id))
        .await
        .assert_status(200)
        .json();
    let mut admins: Vec<&str> = members
        .members
        .iter()
        .filter(|m| m.role == GroupRole::Admin)
        .map(|m| m.user.email.as_str())
        .collect();
    admins.sort();
    assert_eq!(admins, ["ada@example.org", "grace@example.org"]);
    assert_ne!(
        alan.get(&format!("/groups/{}/posts", leadership.id))
            .await
            .status,
        200,
        "a non-member reads no post of a closed group"
    );
    let leadership_posts = posts_of(&ada, &leadership).await;
    assert_eq!(leadership_posts.len(), 1);
    assert_eq!(leadership_posts[0].post.body, "Leadership only");

    // The open group's feed: both pages, newest first, the malformed post left out.
    let engineering = group_named(&margaret, "Engineering").await;
    assert_eq!(engineering.privacy, Privacy::Open);
    let feed = posts_of(&margaret, &engineering).await;
    let times: Vec<i64> = feed.iter().map(|p| p.post.created_at).collect();
    assert_eq!(
        times,
        [1_554_105_600_000, 1_551_432_600_000, 1_547_570_700_000]
    );

    // The welcome post: author, times, escaped plain text, mention, hashtag.
    let welcome = &feed[1];
    let post = &welcome.post;
    assert_eq!(post.author_id, ada.user.id);
    assert_eq!(
        post.edited_at,
        Some(1_551_520_800_000),
        "updated_time is kept"
    );
    assert_eq!(
        mentioned_handles(&post.body),
        vec![grace.user.handle.clone()]
    );
    assert_eq!(hashtags(&post.body), vec!["launch".to_string()]);
    let html = to_safe_html(&post.body);
    assert!(
        html.contains("*Friday*"),
        "plain text shows as written: {html}"
    );
    assert!(html.contains("&lt;noon&gt;"), "{html}");
    assert!(!html.contains("<em>"), "{html}");
    let markdown_post = &feed[0].post;
    assert_eq!(markdown_post.author_id, grace.user.id);
    assert!(to_safe_html(&markdown_post.body).contains("<strong>Bold</strong>"));
    assert_eq!(hashtags(&markdown_post.body), vec!["q3".to_string()]);
    assert_eq!(feed[2].post.author_id, alan.user.id);
    assert_eq!(feed[2].post.edited_at, None);

    // Reactions by kind, on posts and on a comment.
    assert_eq!(
        kinds_by(&welcome.reactions, &post.id),
        sorted(vec![
            (grace.user.id.clone(), ReactionKind::Like.as_str()),
            (alan.user.id.clone(), ReactionKind::Love.as_str()),
            (ada.user.id.clone(), ReactionKind::Care.as_str()),
        ])
    );
    assert_eq!(
        kinds_by(&feed[0].reactions, &markdown_post.id),
        sorted(vec![
            (ada.user.id.clone(), ReactionKind::Haha.as_str()),
            (alan.user.id.clone(), ReactionKind::Wow.as_str()),
            (grace.user.id.clone(), ReactionKind::Sad.as_str()),
        ])
    );

    // Comments, one level of replies: the reply to a reply joins the thread.
    let comments = &welcome.comments;
    assert_eq!(comments.len(), 3);
    let top = &comments[0];
    assert_eq!(
        (top.author_id.as_str(), top.body.as_str(), top.created_at),
        (grace.user.id.as_str(), "Thank you!", 1_551_434_460_000)
    );
    assert!(to_safe_html(&top.body).contains("Thank you!"));
    assert_eq!(top.parent_id, None);
    assert_eq!(comments[1].author_id, alan.user.id);
    assert_eq!(comments[1].parent_id.as_deref(), Some(top.id.as_str()));
    assert_eq!(comments[1].created_at, 1_551_439_200_000);
    assert_eq!(comments[2].author_id, ada.user.id);
    assert_eq!(comments[2].body, "A reply to a reply");
    assert_eq!(comments[2].parent_id.as_deref(), Some(top.id.as_str()));
    assert_eq!(
        kinds_by(&welcome.reactions, &top.id),
        vec![(alan.user.id.clone(), ReactionKind::Angry.as_str())]
    );

    // Files: the bytes as exported, the type sniffed, the image thumbnailed.
    let mut files = post.attachments.clone();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(files.len(), 2);
    let (image, pdf) = (&files[0], &files[1]);
    assert_eq!(
        (image.name.as_str(), image.content_type.as_str()),
        ("launch.png", "image/png")
    );
    assert_eq!((image.width, image.height), (Some(4), Some(4)));
    assert_eq!(
        (pdf.name.as_str(), pdf.content_type.as_str()),
        ("plan.pdf", "application/pdf")
    );
    assert_eq!(image.uploader_id, ada.user.id);
    let exported = sample().join("groups/200001/attachments");
    for (attachment, file) in [(image, "400001.png"), (pdf, "400002.pdf")] {
        let got = download(&margaret, &format!("/attachments/{}", attachment.id)).await;
        assert_eq!(got.status, 200);
        assert_eq!(
            got.bytes,
            std::fs::read(exported.join(file)).expect("sample file")
        );
    }
    let thumbnail = download(&margaret, &format!("/attachments/{}/thumbnail", image.id)).await;
    assert_eq!(thumbnail.status, 200);

    // Seen by, for the author.
    let seen: SeenBy = ada
        .get(&format!("/posts/{}/seen", post.id))
        .await
        .assert_status(200)
        .json();
    let mut seen_at: Vec<(String, i64)> = seen
        .seen
        .iter()
        .map(|s| (s.user_id.clone(), s.seen_at))
        .collect();
    seen_at.sort();
    assert_eq!(
        seen_at,
        sorted(vec![
            (grace.user.id.clone(), 1_551_434_400_000),
            (alan.user.id.clone(), 1_551_438_900_000),
        ])
    );

    // The secret group stays secret: its members only.
    let project = group_named(&alan, "Project X").await;
    assert_eq!(project.privacy, Privacy::Secret);
    let secret_posts = posts_of(&alan, &project).await;
    assert_eq!(secret_posts.len(), 1);
    let secret_post = &secret_posts[0].post;
    for outsider in [&ada, &margaret] {
        let groups: Vec<GroupListItem> = outsider.get("/groups").await.assert_status(200).json();
        assert!(groups.iter().all(|g| g.group.id != project.id));
        outsider
            .get(&format!("/groups/{}", project.id))
            .await
            .assert_error(404, "not_found");
        outsider
            .get(&format!("/posts/{}", secret_post.id))
            .await
            .assert_error(404, "not_found");
        let (changes, _) = outsider.sync_all(None, 500).await;
        assert!(
            !changes
                .iter()
                .any(|c| matches!(c, Change::Post { post } if post.id == secret_post.id)),
            "sync hides the secret post from {}",
            outsider.user.email
        );
    }

    // Clients sync what was imported; nobody was notified of history.
    let (changes, _) = alan.sync_all(None, 500).await;
    assert!(changes
        .iter()
        .any(|c| matches!(c, Change::Post { post: p } if p.id == post.id)));
    assert!(changes
        .iter()
        .any(|c| matches!(c, Change::Comment { comment } if comment.id == top.id)));
    for person in [&ada, &grace, &alan, &margaret] {
        let page: NotificationPage = person.get("/notifications").await.assert_status(200).json();
        assert!(
            page.notifications.is_empty(),
            "{} was notified of imported content: {:?}",
            person.user.email,
            page.notifications
        );
    }

    // Again: everything is already there, and the change log does not grow.
    let head = change_log_head(&ctx).await;
    let again = import(&ctx).await;
    for kind in [
        "member",
        "group",
        "membership",
        "post",
        "comment",
        "reaction",
        "seen",
        "attachment",
    ] {
        let (created, already, skipped) = counts(&summary, kind);
        assert_eq!(
            counts(&again, kind),
            (0, created + already, skipped),
            "{kind}: {again}"
        );
    }
    assert_eq!(
        change_log_head(&ctx).await,
        head,
        "a second run writes no change"
    );
    assert_eq!(posts_of(&margaret, &engineering).await.len(), 3);

    // Each run is in the audit log with its summary.
    let audited = sqlx::query("SELECT details FROM audit_log WHERE action = 'import' ORDER BY seq")
        .fetch_all(ctx.db.pool())
        .await
        .expect("audit");
    assert_eq!(audited.len(), 2);
    let details: String = audited[0].try_get("details").expect("details");
    let details: Value = serde_json::from_str(&details).expect("JSON");
    assert_eq!(details["source"], "workplace");
    assert_eq!(details["counts"]["post"]["created"], 5);
}

async fn profile(s: &Session, id: &str) -> User {
    s.get(&format!("/users/{id}"))
        .await
        .assert_status(200)
        .json()
}

fn sorted<T: Ord>(mut items: Vec<T>) -> Vec<T> {
    items.sort();
    items
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("name"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}

/// An import that stopped part-way (here: before the first feed page of a
/// group) continues where it stopped when run again.
pub async fn an_interrupted_workplace_import_continues_where_it_stopped(ctx: Ctx) {
    let temp = tempfile::tempdir().expect("temp dir");
    let export = temp.path().join("export");
    copy_dir(&sample(), &export);
    let page = export.join("groups/200001/feed.json");
    let held_back = temp.path().join("feed.json");
    std::fs::rename(&page, &held_back).expect("hold the page back");
    let args = [
        "import",
        "workplace",
        "--json",
        export.to_str().expect("path"),
    ];
    let first = run(&ctx, &args, "").await;
    assert!(first.status.success(), "{}", text(&first.stderr));
    let first: Value = serde_json::from_slice(&first.stdout).expect("JSON");
    assert_eq!(counts(&first, "post"), (3, 0, 0), "{first}");

    std::fs::rename(&held_back, &page).expect("the page is back");
    let second = run(&ctx, &args, "").await;
    assert!(second.status.success(), "{}", text(&second.stderr));
    let second: Value = serde_json::from_slice(&second.stdout).expect("JSON");
    assert_eq!(counts(&second, "member"), (0, 4, 1), "{second}");
    assert_eq!(counts(&second, "post"), (2, 3, 1), "{second}");
    assert_eq!(counts(&second, "comment"), (3, 0, 0), "{second}");
    assert_eq!(counts(&second, "attachment"), (2, 0, 0), "{second}");

    let alan = log_in_as(&ctx, "alan@example.org").await;
    let engineering = group_named(&alan, "Engineering").await;
    let times: Vec<i64> = posts_of(&alan, &engineering)
        .await
        .iter()
        .map(|p| p.post.created_at)
        .collect();
    assert_eq!(
        times,
        [1_554_105_600_000, 1_551_432_600_000, 1_547_570_700_000],
        "each post once"
    );
}

pub async fn the_workplace_import_command_reports_and_fails_only_on_no_export(ctx: Ctx) {
    let path = sample();
    let output = run(
        &ctx,
        &["import", "workplace", path.to_str().expect("path")],
        "",
    )
    .await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let printed = text(&output.stdout);
    for expected in [
        "created",
        "already there",
        "skipped post 200001_300099 in groups/200001/feed.json",
    ] {
        assert!(printed.contains(expected), "{expected:?} not in: {printed}");
    }
    let post_line = printed
        .lines()
        .find(|l| l.starts_with("post "))
        .unwrap_or_else(|| panic!("no post line: {printed}"));
    assert_eq!(
        post_line.split_whitespace().collect::<Vec<_>>(),
        ["post", "5", "0", "1"]
    );

    let empty = tempfile::tempdir().expect("temp dir");
    let output = run(
        &ctx,
        &["import", "workplace", empty.path().to_str().expect("path")],
        "",
    )
    .await;
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("is not a Workplace export"),
        "{}",
        text(&output.stderr)
    );
    let missing = empty.path().join("missing");
    let output = run(
        &ctx,
        &["import", "workplace", missing.to_str().expect("path")],
        "",
    )
    .await;
    assert!(!output.status.success());
    assert!(text(&output.stderr).contains("is not a folder"));

    // A members file that cannot be read, and nothing else: nothing to import.
    std::fs::write(empty.path().join("members.json"), "{ not json").expect("write");
    let output = run(
        &ctx,
        &["import", "workplace", empty.path().to_str().expect("path")],
        "",
    )
    .await;
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("nothing could be read"),
        "{}",
        text(&output.stderr)
    );
}
