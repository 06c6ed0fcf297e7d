//! Notification decisions against a real server: who gets told what, when.

mod support;

use commons_client::NotificationKind;
use support::{find_post, logged_in, TestServer};

#[tokio::test]
async fn news_about_me_notifies_once_and_my_own_writes_never() {
    let data = tempfile::tempdir().unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let server = TestServer::demo(data.path());
    let ada = logged_in(&profiles.path().join("ada"), &server, "ada@example.org").await;
    let grace = logged_in(&profiles.path().join("grace"), &server, "grace@example.org").await;

    // The demo data mentions @ada and comments on her posts: history, not news.
    assert!(ada.sync().await.unwrap().notifications.is_empty());
    grace.sync().await.unwrap();

    // Ada posts; Grace comments on it and mentions Ada elsewhere; Ada comments on her own post.
    let post = ada
        .post(None, "Who wants to pair on the parser?")
        .await
        .unwrap();
    ada.sync().await.unwrap();
    grace.sync().await.unwrap();
    grace.comment(&post.id, "Me! Tomorrow?").await.unwrap();
    grace
        .post(None, "Thanks @ada for the review, merged.")
        .await
        .unwrap();
    grace.sync().await.unwrap();
    ada.comment(&post.id, "Great, 10:00 then.").await.unwrap();

    let report = ada.sync().await.unwrap();
    let mut seen: Vec<(NotificationKind, String)> = report
        .notifications
        .iter()
        .map(|n| (n.kind, n.title.clone()))
        .collect();
    seen.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(
        seen,
        [
            (
                NotificationKind::CommentOnYourPost,
                "Grace Hopper commented on your post".to_owned()
            ),
            (
                NotificationKind::Mention,
                "Grace Hopper mentioned you in a post in Everyone".to_owned()
            ),
        ]
    );
    let comment_note = report
        .notifications
        .iter()
        .find(|n| n.kind == NotificationKind::CommentOnYourPost)
        .unwrap();
    assert_eq!(comment_note.post_id, post.id);
    assert_eq!(comment_note.body, "Me! Tomorrow?");

    // Never twice: nothing new, nothing raised.
    assert!(ada.sync().await.unwrap().notifications.is_empty());

    // Grace is not told about her own writes, nor about Ada's comment on Ada's post.
    let grace_report = grace.sync().await.unwrap();
    assert!(grace_report.notifications.is_empty(), "{grace_report:?}");
    assert_eq!(
        find_post(&grace, "Who wants to pair on the parser?").await[0]
            .comments
            .len(),
        2
    );

    ada.logout().await.unwrap();
    grace.logout().await.unwrap();
}

#[tokio::test]
async fn joining_a_group_brings_its_history_without_notifications() {
    let data = tempfile::tempdir().unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let server = TestServer::demo(data.path());
    let grace = logged_in(&profiles.path().join("grace"), &server, "grace@example.org").await;
    let linus = logged_in(&profiles.path().join("linus"), &server, "linus@example.org").await;
    grace.sync().await.unwrap();
    linus.sync().await.unwrap();

    let engineering = linus
        .groups()
        .await
        .unwrap()
        .into_iter()
        .find(|g| g.name == "Engineering")
        .unwrap();
    assert_eq!(engineering.my_role, None);
    assert!(linus
        .feed(Some(&engineering.id), 10, None)
        .await
        .unwrap()
        .is_empty());
    // Old news in Engineering that mentions Linus, written before he joins.
    grace
        .post(Some(&engineering.id), "@linus would like this build change")
        .await
        .unwrap();
    grace.sync().await.unwrap();

    linus.join_group(&engineering.id).await.unwrap();
    let report = linus.sync().await.unwrap();
    assert_eq!(report.pushed, 1);
    assert!(report.notifications.is_empty(), "{report:?}");
    let history = linus.feed(Some(&engineering.id), 50, None).await.unwrap();
    assert!(
        history.len() >= 3,
        "the group's earlier posts arrived: {history:?}"
    );

    // After joining, a new mention is news.
    grace
        .post(Some(&engineering.id), "@linus welcome aboard")
        .await
        .unwrap();
    grace.sync().await.unwrap();
    let report = linus.sync().await.unwrap();
    assert_eq!(report.notifications.len(), 1);
    assert_eq!(report.notifications[0].kind, NotificationKind::Mention);

    grace.logout().await.unwrap();
    linus.logout().await.unwrap();
}
