//! `commons-server export` / `import commons` and the export endpoints: a
//! full round trip through the real binary, the admin-only organisation
//! export, the personal export's contents, and a damaged archive refused.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;
use std::process::Output;

use commons_protocol::*;
use commons_server::{DatabaseConfig, ServerConfig};
use serde_json::Value;

use super::attachments::{png, post_with, upload};
use super::binary::text;
use super::content_support::*;
use crate::harness::{new_id, Ctx, ScratchDatabase, Session};

const BINARY: &str = env!("CARGO_BIN_EXE_commons-server");

/// A second, empty server's storage: a data directory, and on PostgreSQL a
/// database of its own.
struct Target {
    dir: tempfile::TempDir,
    postgres: Option<ScratchDatabase>,
}

impl Target {
    async fn new(ctx: &Ctx) -> Self {
        let postgres = match ctx.database_url {
            Some(_) => Some(ScratchDatabase::create().await),
            None => None,
        };
        Target {
            dir: tempfile::tempdir().expect("temp dir"),
            postgres,
        }
    }

    fn data_dir(&self) -> std::path::PathBuf {
        self.dir.path().join("data")
    }

    fn url(&self) -> Option<String> {
        self.postgres.as_ref().map(|p| p.url.clone())
    }

    async fn drop(self) {
        if let Some(postgres) = self.postgres {
            postgres.drop().await;
        }
    }
}

/// `commons-server ARGS... --data-dir DIR [--database URL]`.
async fn binary(args: &[&str], data_dir: &Path, database: Option<&str>) -> Output {
    let mut command = tokio::process::Command::new(BINARY);
    command.args(args).arg("--data-dir").arg(data_dir);
    if let Some(url) = database {
        command.arg("--database").arg(url);
    }
    command
        .env_remove("COMMONS_DATABASE_URL")
        .env_remove("COMMONS_DATA_DIR")
        .kill_on_drop(true)
        .output()
        .await
        .expect("binary runs")
}

async fn export_to(data_dir: &Path, database: Option<&str>, out: &Path) {
    let out_arg = out.to_str().expect("utf-8");
    let output = binary(
        &["export", "--include-password-hashes", "--out", out_arg],
        data_dir,
        database,
    )
    .await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).contains("export written"),
        "{}",
        text(&output.stdout)
    );
}

async fn import(target: &Target, archive: &Path) -> Output {
    let archive = archive.to_str().expect("utf-8");
    binary(
        &["import", "commons", archive],
        &target.data_dir(),
        target.url().as_deref(),
    )
    .await
}

fn gunzip(archive: &[u8]) -> Vec<u8> {
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(archive)
        .read_to_end(&mut tar)
        .expect("a gzip archive");
    tar
}

/// Every file of a `.tar.gz`, by path.
fn unpack(archive: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let tar = gunzip(archive);
    let mut files = BTreeMap::new();
    let mut reader = tar::Archive::new(tar.as_slice());
    for entry in reader.entries().expect("a tar archive") {
        let mut entry = entry.expect("an entry");
        let path = entry.path().expect("a path").to_string_lossy().into_owned();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).expect("content");
        files.insert(path, content);
    }
    files
}

/// The rows of one JSON Lines file.
fn rows(files: &BTreeMap<String, Vec<u8>>, name: &str) -> Vec<Value> {
    let content = files
        .get(name)
        .unwrap_or_else(|| panic!("no {name} in {:?}", files.keys()));
    text(content)
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect()
}

fn manifest(files: &BTreeMap<String, Vec<u8>>) -> Value {
    serde_json::from_slice(&files["manifest.json"]).expect("manifest.json is JSON")
}

async fn download(s: &Session, path: &str) -> reqwest::Response {
    s.ctx
        .http
        .get(s.ctx.api(path))
        .bearer_auth(&s.token)
        .send()
        .await
        .expect("answer")
}

async fn demo_login(ctx: &Ctx, email: &str) -> Session {
    let login: LoginResponse = ctx
        .login_reply(email, commons_server::demo::DEMO_PASSWORD)
        .await
        .assert_status(200)
        .json();
    Session {
        ctx: ctx.clone(),
        token: login.token,
        user: login.user,
    }
}

/// The demo organisation plus what it lacks: attachments (on a post and a
/// comment), replies, reactions, a poll with votes, an announcement seen,
/// edits, deletions and audit entries. Returns a member and the attachment.
async fn fill(ctx: &Ctx) -> (Session, Attachment, Vec<u8>) {
    commons_server::demo::seed(&ctx.db)
        .await
        .expect("demo seeded");
    let ada = demo_login(ctx, "ada@example.org").await;
    let grace = demo_login(ctx, "grace@example.org").await;
    let group = ada.create_group("Round trip", Privacy::Closed).await;
    ada.add_member(&group.id, &grace.user.email)
        .await
        .assert_status(200);

    let picture = png(24, 16, 9);
    let attachment = upload(&ada, "diagram.png", picture.clone()).await;
    post_with(&ada, &group, &[attachment.id.as_str()])
        .await
        .assert_status(201);

    let post = ada.write_post(&group, "First draft of the plan").await;
    edit_post(&ada, &post, "Second draft of the plan")
        .await
        .assert_status(200);
    let comment = grace.write_comment(&post, "Looks right").await;
    reply_to(&ada, &post.id, &comment.id, "Thanks, @grace")
        .await
        .assert_status(201);
    let doomed = grace.write_comment(&post, "typo").await;
    delete_comment(&grace, &doomed.id).await.assert_status(200);
    react(&grace, "posts", &post.id, ReactionKind::Love)
        .await
        .assert_status(200);
    react(&ada, "comments", &comment.id, ReactionKind::Like)
        .await
        .assert_status(200);
    let gone = ada.write_post(&group, "Posted by mistake").await;
    delete_post(&ada, &gone.id).await.assert_status(200);

    let mut poll = ada.post_request(&group.id, "Lunch?");
    poll.poll = Some(NewPoll {
        options: vec!["Pizza".into(), "Salad".into(), "Soup".into()],
        multiple: true,
    });
    let poll: Post = ada.post("/posts", &poll).await.assert_status(201).json();
    let vote = VoteRequest {
        mutation_id: new_id(),
        options: vec![0, 2],
    };
    put(&grace, &format!("/posts/{}/vote", poll.id), &vote)
        .await
        .assert_status(200);

    let mut announcement = ada.post_request(&group.id, "Office closed on Friday");
    announcement.announce_days = Some(7);
    let announcement: Post = ada
        .post("/posts", &announcement)
        .await
        .assert_status(201)
        .json();
    grace
        .post(&format!("/posts/{}/seen", announcement.id), &mutation())
        .await
        .assert_status(200);
    // Audit entries beyond the demo's accounts: a failed login and a role change.
    ctx.login_reply("grace@example.org", "wrong password").await;
    make_moderator(&grace, &group.id).await;
    (grace, attachment, picture)
}

/// Every table of the schema is exported or deliberately left out, so a
/// new table cannot be forgotten silently.
async fn every_table_is_exported_or_excluded(ctx: &Ctx) {
    use commons_server::export::entities;
    use sqlx::Row;
    let sql = match ctx.database_url {
        None => "SELECT name FROM sqlite_master WHERE type = 'table'",
        Some(_) => {
            "SELECT table_name::text AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        }
    };
    let tables: Vec<String> = sqlx::query(sql)
        .fetch_all(ctx.db.pool())
        .await
        .expect("tables")
        .iter()
        .map(|row| row.get("name"))
        .collect();
    assert!(tables.iter().any(|t| t == "posts"), "{tables:?}");
    for table in tables {
        let exported = entities::ORGANISATION.iter().any(|e| e.table == table);
        let excluded = entities::EXCLUDED_TABLES.contains(&table.as_str())
            || entities::is_internal_table(&table);
        assert!(
            exported || excluded,
            "table {table} is neither exported nor excluded (export/entities.rs)"
        );
    }
}

pub async fn an_export_imports_into_an_empty_server_and_exports_the_same(ctx: Ctx) {
    every_table_is_exported_or_excluded(&ctx).await;
    let (grace, attachment, picture) = fill(&ctx).await;
    let scratch = tempfile::tempdir().expect("temp dir");
    let first = scratch.path().join("first.tar.gz");
    export_to(&ctx.data_dir, ctx.database_url.as_deref(), &first).await;

    let target = Target::new(&ctx).await;
    let imported = import(&target, &first).await;
    assert!(imported.status.success(), "{}", text(&imported.stderr));
    let server = commons_server::start(ServerConfig::new(
        DatabaseConfig::new(target.data_dir(), target.url()),
        "127.0.0.1:0".parse().expect("address"),
    ))
    .await
    .expect("the imported server starts");
    let second = scratch.path().join("second.tar.gz");
    export_to(&target.data_dir(), target.url().as_deref(), &second).await;

    let before = unpack(&std::fs::read(&first).expect("first archive"));
    let after = unpack(&std::fs::read(&second).expect("second archive"));
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    // Every entity is there, and the same, row for row.
    for name in before.keys().filter(|n| n.ends_with(".jsonl")) {
        let (old, new) = (rows(&before, name), rows(&after, name));
        if name == "audit_log.jsonl" {
            // The import itself is the one entry more.
            assert_eq!(new.len(), old.len() + 1, "{name}");
            assert_eq!(&new[..old.len()], &old[..], "{name}");
            assert_eq!(new[old.len()]["action"], "import");
        } else {
            assert_eq!(new, old, "{name} differs after the round trip");
        }
    }
    for (name, expected) in [
        ("posts.jsonl", 6 + 5),
        ("post_versions.jsonl", 1),
        ("poll_votes.jsonl", 1),
        ("post_seen.jsonl", 1),
        ("reactions.jsonl", 2),
        ("attachments.jsonl", 1),
    ] {
        assert_eq!(rows(&before, name).len(), expected, "{name}");
    }
    assert_eq!(rows(&before, "poll_votes.jsonl")[0]["options"], "0,2");
    let comments = rows(&before, "comments.jsonl");
    assert!(
        comments.iter().any(|c| c["parent_id"].is_string()),
        "a reply"
    );
    assert!(
        comments
            .iter()
            .any(|c| c["deleted_at"].is_number() && c["body"] == ""),
        "a tombstone"
    );
    let people = rows(&before, "people.jsonl");
    assert!(people.iter().all(|p| p["password_hash"].is_string()));
    assert!(people.iter().any(|p| p["manager_id"].is_string()));
    let sha = &rows(&before, "attachments.jsonl")[0]["sha256"];
    let file = format!("files/{}", sha.as_str().expect("a hash"));
    assert_eq!(before[&file], picture);
    assert_eq!(after[&file], picture);
    let (m_before, m_after) = (manifest(&before), manifest(&after));
    assert_eq!(m_before["format"], "commons-export");
    assert_eq!(m_before["scope"], "organisation");
    assert_eq!(m_before["password_hashes_included"], true);
    assert_eq!(m_before["schema_version"], m_after["schema_version"]);

    // A client of the new server, with the same password, syncs the same.
    let there = demo_login(&ctx.at(&server.url()), "grace@example.org").await;
    let (old_changes, _) = grace.sync_all(None, 1000).await;
    let (new_changes, _) = there.sync_all(None, 1000).await;
    assert!(
        new_changes
            .iter()
            .any(|c| matches!(c, Change::Post { post } if post.body == "Second draft of the plan")),
        "{new_changes:?}"
    );
    assert_eq!(new_changes, old_changes);
    let file = download(&there, &format!("/attachments/{}", attachment.id)).await;
    assert_eq!(file.status().as_u16(), 200);
    assert_eq!(file.bytes().await.expect("bytes").to_vec(), picture);

    // The new server is no longer empty: a second import is refused.
    server.shutdown().await.expect("stops");
    let again = import(&target, &first).await;
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("not empty"),
        "{}",
        text(&again.stderr)
    );
    target.drop().await;
}

pub async fn only_admins_export_the_organisation_and_personal_exports_hold_ones_own(ctx: Ctx) {
    let admin = org_admin(&ctx, "root").await;
    let bob = ctx.person("bob").await;
    let carol = ctx.person("carol").await;
    let open = carol.create_group("Town square", Privacy::Open).await;
    bob.join(&open.id).await.assert_status(200);
    let hidden = carol.create_group("Skunkworks-7f3a", Privacy::Secret).await;
    carol.write_post(&hidden, "SECRET-PLANS-91c2").await;
    let carols = carol.write_post(&open, "CAROLS-OWN-TEXT-5d1e").await;
    bob.write_post(&open, "BOBS-POST-TEXT-a7b0").await;
    bob.write_comment(&carols, "BOBS-COMMENT-ee42").await;
    react(&bob, "posts", &carols.id, ReactionKind::Haha)
        .await
        .assert_status(200);
    let picture = png(12, 12, 4);
    let mine = upload(&bob, "bob.png", picture.clone()).await;
    post_with(&bob, &open, &[mine.id.as_str()])
        .await
        .assert_status(201);

    // Only organisation admins export the organisation.
    let refused = download(&bob, "/admin/export").await;
    assert_eq!(refused.status().as_u16(), 403);
    let body: ErrorBody = refused.json().await.expect("an error body");
    assert_eq!(body.error.code, ErrorCode::Forbidden);

    let whole = download(&admin, "/admin/export").await;
    assert_eq!(whole.status().as_u16(), 200);
    assert_eq!(whole.headers()["content-type"], "application/gzip");
    let disposition = whole.headers()["content-disposition"]
        .to_str()
        .expect("text");
    assert!(disposition.starts_with("attachment"), "{disposition}");
    let files = unpack(&whole.bytes().await.expect("bytes"));
    let bodies: Vec<Value> = rows(&files, "posts.jsonl")
        .into_iter()
        .map(|p| p["body"].clone())
        .collect();
    assert!(bodies.contains(&Value::from("SECRET-PLANS-91c2")));
    assert_eq!(bodies.len(), 4);
    // Without the flag no password hash leaves the server.
    assert!(rows(&files, "people.jsonl")
        .iter()
        .all(|p| p.get("password_hash").is_none()));
    assert_eq!(manifest(&files)["password_hashes_included"], false);

    // Bob's own data: his posts, comment, reaction and file, nobody else's text.
    let personal = download(&bob, "/me/export").await;
    assert_eq!(personal.status().as_u16(), 200);
    let archive = personal.bytes().await.expect("bytes").to_vec();
    let raw = text(&gunzip(&archive));
    for own in [
        "BOBS-POST-TEXT-a7b0",
        "BOBS-COMMENT-ee42",
        "bob@example.org",
    ] {
        assert!(raw.contains(own), "{own} missing from the personal export");
    }
    for foreign in [
        "CAROLS-OWN-TEXT-5d1e",
        "SECRET-PLANS-91c2",
        "Skunkworks-7f3a",
        "Town square",
        "carol@example.org",
        "root@example.org",
    ] {
        assert!(!raw.contains(foreign), "{foreign} is in bob's export");
    }
    let files = unpack(&archive);
    assert_eq!(manifest(&files)["scope"], "personal");
    assert_eq!(rows(&files, "people.jsonl").len(), 1);
    assert_eq!(rows(&files, "reactions.jsonl").len(), 1);
    assert_eq!(rows(&files, "comments.jsonl").len(), 1);
    assert!(files.values().any(|content| content == &picture));
    assert!(!files.contains_key("groups.jsonl"));

    // Both exports are in the audit log, with their scope.
    let page: AuditPage = admin
        .get("/admin/audit?action=export")
        .await
        .assert_status(200)
        .json();
    let scopes: Vec<(Option<String>, Value)> = page
        .entries
        .iter()
        .map(|e| (e.actor_id.clone(), e.details["scope"].clone()))
        .collect();
    assert_eq!(
        scopes,
        vec![
            (Some(bob.user.id.clone()), Value::from("personal")),
            (Some(admin.user.id.clone()), Value::from("organisation")),
        ]
    );
    assert_eq!(page.entries[1].details["rows"]["posts.jsonl"], 4);
}

pub async fn a_damaged_export_is_refused_naming_the_file(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let group = ada.create_group("Fragile", Privacy::Open).await;
    ada.write_post(&group, "a body to damage").await;
    let scratch = tempfile::tempdir().expect("temp dir");
    let archive = scratch.path().join("export.tar.gz");
    export_to(&ctx.data_dir, ctx.database_url.as_deref(), &archive).await;

    // One byte of the post's text changed, the archive compressed again.
    let mut tar = gunzip(&std::fs::read(&archive).expect("archive"));
    let at = tar
        .windows(16)
        .position(|w| w == b"a body to damage")
        .expect("the post is in the archive");
    tar[at] = b'A';
    let damaged = scratch.path().join("damaged.tar.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar).expect("compress");
    std::fs::write(&damaged, gz.finish().expect("compressed")).expect("written");

    let target = Target::new(&ctx).await;
    let refused = import(&target, &damaged).await;
    assert!(!refused.status.success());
    let message = text(&refused.stderr);
    assert!(
        message.contains("posts.jsonl") && message.contains("checksum"),
        "{message}"
    );
    // Nothing was written: the intact archive still imports.
    let intact = import(&target, &archive).await;
    assert!(intact.status.success(), "{}", text(&intact.stderr));
    target.drop().await;
}
