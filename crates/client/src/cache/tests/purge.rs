//! A purge (the account lost access to a group) leaves none of the group's
//! text on disk: not in `cache.db`, not in its write-ahead log, not in the
//! search index's shadow tables. Checked on the bytes of a real cache file.

use commons_protocol::{
    Change, GroupRole, GroupSettings, JoinRequest, Notification, NotificationKind,
    NotificationLevel, Privacy, Reaction, ReactionKind,
};

use super::super::*;
use super::{comment, group, member, post, user};
use crate::{outbox, writes, OutboxState};

/// Words that appear only in the secret group's content. Each is looked for
/// whole and without its first three letters, because the search index
/// stores a term after a shared prefix with its neighbour.
const SECRET: [&str; 4] = ["quokkapost", "wombatcomment", "narwhalgroup", "axolotldesc"];
/// My own unsent post in that group: kept, with its outbox write.
const MINE: &str = "pangolinmine";
/// Another group's post: untouched.
const ELSEWHERE: &str = "marmosetkeep";

/// The cache files as they are on disk now, lowercased.
fn disk(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    ["cache.db", "cache.db-wal", "cache.db-shm"]
        .iter()
        .filter_map(|name| {
            let bytes = std::fs::read(dir.join(name)).ok()?;
            Some((name.to_string(), bytes.to_ascii_lowercase()))
        })
        .collect()
}

/// The files that hold `word` (whole, or as an index term suffix).
fn holding(files: &[(String, Vec<u8>)], word: &str) -> Vec<String> {
    let contains =
        |bytes: &[u8], needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    files
        .iter()
        .filter(|(_, bytes)| contains(bytes, word) || contains(bytes, &word[3..]))
        .map(|(name, _)| name.clone())
        .collect()
}

#[tokio::test]
async fn a_purged_secret_group_leaves_no_text_in_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(&dir.path().join(CACHE_FILE)).await.unwrap();
    let ada = user("ada", "ada", "Ada Lovelace");
    let mut secret = group("falcon", "Falcon narwhalgroup", Privacy::Secret, false);
    secret.description = "All about axolotldesc".into();
    let mut changes = vec![
        Change::User { user: ada.clone() },
        Change::User {
            user: user("grace", "grace", "Grace Hopper"),
        },
        Change::Group {
            group: group("everyone", "Everyone", Privacy::Open, true),
        },
        Change::Group { group: secret },
        member("everyone", "ada", GroupRole::Member),
        member("falcon", "ada", GroupRole::Member),
        member("falcon", "grace", GroupRole::Admin),
        post(
            "keep",
            "everyone",
            "grace",
            10,
            &format!("Lunch at the {ELSEWHERE}"),
        ),
        Change::JoinRequest {
            request: JoinRequest {
                group_id: "falcon".into(),
                user_id: "grace".into(),
                created_at: 1,
            },
        },
        Change::GroupSettings {
            settings: GroupSettings {
                group_id: "falcon".into(),
                user_id: "ada".into(),
                notification_level: NotificationLevel::All,
            },
        },
        Change::Notification {
            notification: Notification {
                id: "n1".into(),
                user_id: "ada".into(),
                kind: NotificationKind::Mention,
                actor_id: Some("grace".into()),
                group_id: Some("falcon".into()),
                post_id: Some("s0".into()),
                comment_id: None,
                created_at: 5,
                read_at: None,
            },
        },
    ];
    // Enough content for several pages and index segments.
    for i in 0..200 {
        let id = format!("s{i}");
        changes.push(post(
            &id,
            "falcon",
            "grace",
            100 + i,
            &format!("Plan {i}: the quokkapost launch, step {i} of many careful steps"),
        ));
        let mut c = comment(&format!("c{i}"), &id, "ada", 500 + i, "wombatcomment noted");
        if let Change::Comment { comment } = &mut c {
            comment.group_id = "falcon".into();
        }
        changes.push(c);
        changes.push(Change::Reaction {
            reaction: Reaction {
                target_id: id.clone(),
                post_id: id,
                group_id: "falcon".into(),
                user_id: "ada".into(),
                kind: ReactionKind::Like,
                created_at: 7,
            },
        });
    }
    // Several transactions, as pages of a sync: several WAL frames and segments.
    for page in changes.chunks(50) {
        let mut tx = cache.write().await.unwrap();
        for change in page {
            apply_change(&mut tx, change).await.unwrap();
        }
        tx.commit().await.unwrap();
    }
    let mut tx = cache.write().await.unwrap();
    let mine = writes::post(&mut tx, &ada, Some("falcon"), &format!("My {MINE} notes"))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // The check can see them before.
    let before = disk(dir.path());
    for word in SECRET.iter().chain([&MINE, &ELSEWHERE]) {
        assert!(
            !holding(&before, word).is_empty(),
            "{word} not on disk before"
        );
    }

    let mut tx = cache.write().await.unwrap();
    apply_change(
        &mut tx,
        &Change::Purge {
            group_id: "falcon".into(),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(cache.checkpoint().await.unwrap(), "the log was emptied");

    let after = disk(dir.path());

    for word in SECRET {
        assert_eq!(holding(&after, word), Vec::<String>::new(), "{word}");
    }
    assert!(!holding(&after, MINE).is_empty(), "my unsent text stays");
    assert!(!holding(&after, ELSEWHERE).is_empty());

    // Nothing of the group is readable; my unsent post and its write remain.
    let mut conn = cache.read().await.unwrap();
    for (table, column) in [
        ("posts", "group_id"),
        ("comments", "group_id"),
        ("reactions", "group_id"),
        ("memberships", "group_id"),
        ("join_requests", "group_id"),
        ("notifications", "group_id"),
        ("group_settings", "group_id"),
        ("groups", "id"),
    ] {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE {column} = 'falcon'");
        let left: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        let expected = i64::from(table == "posts");
        assert_eq!(left, expected, "{table}");
    }
    for word in SECRET {
        assert!(search(&mut conn, "ada", word, 10).await.unwrap().is_empty());
    }
    let queued = outbox::items(&mut conn).await.unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].state, OutboxState::Pending);
    assert_eq!(
        queued[0].summary,
        format!("post in a group you can no longer see: My {MINE} notes")
    );
    let kept = feed_post(&mut conn, "ada", &mine).await.unwrap().unwrap();
    assert!(kept.pending && kept.body.contains(MINE));
    drop(conn);
    cache.close().await;
}
