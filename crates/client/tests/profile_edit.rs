//! Editing one's own profile, against a real server process: shown at once,
//! then everyone's directory has it after syncing. Run inside a session bus
//! with an unlocked Secret Service (see README.md).

mod support;

use commons_client::ProfileEdit;
use support::{logged_in, TestServer};

#[tokio::test]
async fn my_profile_edit_reaches_everyone() {
    let data = tempfile::tempdir().unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let server = TestServer::demo(data.path());
    let alan = logged_in(&profiles.path().join("alan"), &server, "alan@example.org").await;
    let grace = logged_in(&profiles.path().join("grace"), &server, "grace@example.org").await;
    for client in [&alan, &grace] {
        client.sync().await.unwrap();
    }
    let before = alan.profile("alan").await.unwrap().unwrap();
    let edit = ProfileEdit {
        title: "  Head of Computing ".into(),
        department: before.department.clone(),
        location: "Bletchley".into(),
        about: "Machines, morphogenesis and long runs.".into(),
    };
    assert!(alan.update_profile(&edit).await.unwrap());
    // Shown at once, trimmed.
    let mine = alan.profile("alan").await.unwrap().unwrap();
    assert_eq!(mine.title, "Head of Computing");
    assert_eq!(mine.location, "Bletchley");
    assert_eq!(alan.outbox().await.unwrap()[0].kind, "update_profile");
    // The same again changes nothing.
    assert!(!alan.update_profile(&edit).await.unwrap());

    let report = alan.sync().await.unwrap();
    assert_eq!(report.failed, 0, "{:?}", alan.outbox().await.unwrap());
    assert!(alan.outbox().await.unwrap().is_empty());
    grace.sync().await.unwrap();
    let seen = grace.profile("alan").await.unwrap().unwrap();
    assert_eq!(seen.title, "Head of Computing");
    assert_eq!(seen.location, "Bletchley");
    assert_eq!(seen.about, "Machines, morphogenesis and long runs.");
    assert_eq!(seen.department, before.department);
    // The directory finds him by the new place.
    let found = grace.people(Some("bletch"), 10).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].name, "Alan Turing");
}
