//! What the post detail shows beyond the feed, against a real server process:
//! who reacted (from the cache, unsent reactions included) and a post's edit
//! history (asked from the server, only for those who may read the post).
//! Run inside a session bus with an unlocked Secret Service (see README.md).

mod support;

use commons_client::{Client, ClientError, FeedPost, ReactionKind};
use support::{logged_in, TestServer};

async fn post_containing(client: &Client, text: &str) -> FeedPost {
    client
        .feed(None, 200, None)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.body.contains(text))
        .unwrap_or_else(|| panic!("no post with {text:?} in the feed"))
}

fn who(reactors: &[commons_client::Reactor]) -> Vec<(&str, ReactionKind)> {
    reactors.iter().map(|r| (r.name.as_str(), r.kind)).collect()
}

#[tokio::test]
async fn who_reacted_and_the_edit_history() {
    let data = tempfile::tempdir().unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let server = TestServer::demo(data.path());
    let ada = logged_in(&profiles.path().join("ada"), &server, "ada@example.org").await;
    let grace = logged_in(&profiles.path().join("grace"), &server, "grace@example.org").await;
    let linus = logged_in(&profiles.path().join("linus"), &server, "linus@example.org").await;
    for client in [&ada, &grace, &linus] {
        client.sync().await.unwrap();
    }
    let all_hands = post_containing(&ada, "all-hands").await;
    let slides = &all_hands.comments[0];

    // My reaction is listed at once, before it is sent.
    ada.react(&all_hands.id, Some(ReactionKind::Love))
        .await
        .unwrap();
    assert_eq!(
        who(&ada.reactors(&all_hands.id).await.unwrap()),
        [("Ada Lovelace", ReactionKind::Love)]
    );
    grace
        .react(&all_hands.id, Some(ReactionKind::Like))
        .await
        .unwrap();
    grace
        .react(&slides.id, Some(ReactionKind::Wow))
        .await
        .unwrap();
    grace.sync().await.unwrap();
    ada.sync().await.unwrap();
    assert_eq!(
        who(&ada.reactors(&all_hands.id).await.unwrap()),
        [
            ("Ada Lovelace", ReactionKind::Love),
            ("Grace Hopper", ReactionKind::Like)
        ]
    );
    assert_eq!(
        who(&ada.reactors(&slides.id).await.unwrap()),
        [("Grace Hopper", ReactionKind::Wow)]
    );
    // Taking a reaction back takes the name off the list.
    ada.react(&all_hands.id, None).await.unwrap();
    assert_eq!(
        who(&ada.reactors(&all_hands.id).await.unwrap()),
        [("Grace Hopper", ReactionKind::Like)]
    );

    // Grace edits her post twice: ada sees the two earlier texts, oldest first.
    let original = all_hands.body.clone();
    grace
        .edit(&all_hands.id, "The all-hands moves to **Friday**.")
        .await
        .unwrap();
    grace.sync().await.unwrap();
    grace
        .edit(&all_hands.id, "The all-hands moves to Friday, 11:00.")
        .await
        .unwrap();
    grace.sync().await.unwrap();
    let history = ada.post_history(&all_hands.id).await.unwrap();
    let bodies: Vec<&str> = history.iter().map(|v| v.body.as_str()).collect();
    assert_eq!(
        bodies,
        [original.as_str(), "The all-hands moves to **Friday**."]
    );
    assert!(history[1].body_html.contains("<strong>Friday</strong>"));
    assert!(history[0].written_at <= history[0].replaced_at);
    assert!(history[0].replaced_at <= history[1].written_at);
    // An unedited post has no earlier version.
    let welcome = post_containing(&ada, "Welcome to Commons").await;
    assert!(ada.post_history(&welcome.id).await.unwrap().is_empty());

    // Linus is not in Leadership, a closed group: its post's history is not his to read.
    let budget = post_containing(&ada, "Budget planning").await;
    match linus.post_history(&budget.id).await {
        Err(ClientError::Server { status, .. }) => assert!([403, 404].contains(&status)),
        other => panic!("linus read a closed group's post history: {other:?}"),
    }

    // Without the server, the history says so.
    drop(server);
    assert!(matches!(
        ada.post_history(&all_hands.id).await,
        Err(ClientError::Offline(_))
    ));
}
