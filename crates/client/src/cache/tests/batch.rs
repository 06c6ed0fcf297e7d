//! Applying a page in runs (one statement per few hundred rows) leaves the
//! cache exactly as applying its changes one by one does.

use commons_protocol::{Attachment, Change, GroupRole, Privacy, Reaction, ReactionKind};

use super::super::*;
use super::{comment, group, member, post, user};

fn reaction(target_id: &str, post_id: &str, user_id: &str, kind: ReactionKind) -> Change {
    Change::Reaction {
        reaction: Reaction {
            target_id: target_id.into(),
            post_id: post_id.into(),
            group_id: "everyone".into(),
            user_id: user_id.into(),
            kind,
            created_at: 5,
        },
    }
}

/// A page with every batched kind, runs cut by other changes, the same
/// entity twice in one run (a later edit, a tombstone), attachments, and
/// runs longer than one statement's rows.
fn page() -> Vec<Change> {
    let mut changes = vec![
        Change::User {
            user: user("ada", "ada", "Ada Lovelace"),
        },
        Change::User {
            user: user("grace", "grace", "Grace Hopper"),
        },
        Change::User {
            user: user("ada", "ada", "Ada King"),
        },
        Change::Group {
            group: group("everyone", "Everyone", Privacy::Open, true),
        },
        member("everyone", "ada", GroupRole::Member),
        member("everyone", "grace", GroupRole::Member),
        member("everyone", "ada", GroupRole::Admin),
    ];
    for n in 0..1200 {
        changes.push(post(
            &format!("p{n}"),
            "everyone",
            "grace",
            n,
            &format!("post number {n} about falcons"),
        ));
        if n == 499 || n == 500 {
            // The same post again right across a statement boundary.
            changes.push(post("p3", "everyone", "grace", 3, "edited: herons"));
        }
    }
    let Change::Post { mut post } = post("p7", "everyone", "grace", 7, "with files") else {
        unreachable!()
    };
    post.attachments = ["a1", "a2"]
        .iter()
        .map(|id| Attachment {
            id: (*id).into(),
            sha256: format!("{id}-sum"),
            name: format!("{id}.png"),
            content_type: "image/png".into(),
            size: 10,
            width: Some(2),
            height: Some(3),
            uploader_id: "grace".into(),
            created_at: 7,
        })
        .collect();
    changes.push(Change::Post { post: post.clone() });
    post.deleted_at = Some(9);
    changes.push(Change::Post { post });
    for n in 0..700 {
        changes.push(comment(
            &format!("c{n}"),
            &format!("p{}", n % 50),
            "ada",
            2000 + n,
            &format!("comment {n} on swallows"),
        ));
    }
    changes.push(reaction("p1", "p1", "ada", ReactionKind::Like));
    changes.push(reaction("p1", "p1", "ada", ReactionKind::Love));
    changes.push(Change::ReactionRemoved {
        target_id: "p2".into(),
        user_id: "ada".into(),
    });
    changes.push(reaction("c1", "p1", "grace", ReactionKind::Wow));
    changes
}

async fn table(cache: &Cache, name: &str) -> Vec<String> {
    let mut conn = cache.read().await.unwrap();
    let columns: Vec<String> =
        sqlx::query_scalar("SELECT name FROM pragma_table_info(?) ORDER BY cid")
            .bind(name.to_owned())
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    assert!(!columns.is_empty(), "no table {name}");
    let row = columns
        .iter()
        .map(|c| format!("quote({c})"))
        .collect::<Vec<_>>()
        .join(" || ',' || ");
    // The names are this test's own, from the table list above.
    let sql = sqlx::AssertSqlSafe(format!("SELECT {row} FROM {name} ORDER BY 1"));
    sqlx::query_scalar(sql).fetch_all(&mut *conn).await.unwrap()
}

async fn matches(cache: &Cache, query: &str) -> i64 {
    let mut conn = cache.read().await.unwrap();
    sqlx::query_scalar("SELECT count(*) FROM search_index WHERE search_index MATCH ?")
        .bind(query.to_owned())
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_page_applied_in_runs_equals_one_change_at_a_time() {
    let changes = page();
    let in_runs = Cache::open_in_memory().await.unwrap();
    let one_by_one = Cache::open_in_memory().await.unwrap();

    let mut tx = in_runs.write().await.unwrap();
    let runs: Vec<&[Change]> = runs(&changes).collect();
    assert!(
        runs.len() < 12,
        "the page should make a few runs, not {}",
        runs.len()
    );
    for run in runs {
        apply_run(&mut tx, run).await.unwrap();
    }
    tx.commit().await.unwrap();
    let mut tx = one_by_one.write().await.unwrap();
    for change in &changes {
        apply_change(&mut tx, change).await.unwrap();
    }
    tx.commit().await.unwrap();

    for name in [
        "users",
        "groups",
        "memberships",
        "posts",
        "comments",
        "reactions",
        "post_attachments",
    ] {
        assert_eq!(
            table(&in_runs, name).await,
            table(&one_by_one, name).await,
            "table {name}"
        );
    }
    for query in ["falcons", "herons", "swallows", "king", "files"] {
        assert_eq!(
            matches(&in_runs, query).await,
            matches(&one_by_one, query).await,
            "search {query}"
        );
    }

    // What a user would see: the later copy won, the tombstone kept no text or files.
    let posts = table(&in_runs, "posts").await;
    assert!(posts.iter().any(|row| row.contains("'edited: herons'")));
    assert_eq!(matches(&in_runs, "herons").await, 1);
    // p3 was edited and p7 replaced: 1,198 of the 1,200 posts still say it.
    assert_eq!(matches(&in_runs, "falcons").await, 1198);
    assert_eq!(matches(&in_runs, "files").await, 0);
    assert!(table(&in_runs, "post_attachments").await.is_empty());
    assert_eq!(table(&in_runs, "comments").await.len(), 700);
    let reactions = table(&in_runs, "reactions").await;
    assert_eq!(reactions.len(), 2);
    assert!(reactions.iter().any(|row| row.contains("'love'")));
    assert!(table(&in_runs, "users")
        .await
        .iter()
        .any(|row| row.contains("'Ada King'")));
}
