//! Live mode against a real server: sync on connect and on pokes, report
//! offline when the server goes away, come back when it returns.

mod support;

use commons_client::{LiveEvent, NotificationKind};
use support::{logged_in, TestServer, PATIENCE};
use tokio::sync::mpsc;

async fn next_matching(
    events: &mut mpsc::UnboundedReceiver<LiveEvent>,
    wanted: impl Fn(&LiveEvent) -> bool,
) -> LiveEvent {
    tokio::time::timeout(PATIENCE, async {
        loop {
            let event = events.recv().await.expect("live mode ended early");
            if wanted(&event) {
                return event;
            }
        }
    })
    .await
    .expect("the expected live event never came")
}

#[tokio::test]
async fn live_mode_follows_the_server_through_an_outage() {
    let data = tempfile::tempdir().unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let server = TestServer::demo(data.path());
    let ada = logged_in(&profiles.path().join("ada"), &server, "ada@example.org").await;
    let grace = logged_in(&profiles.path().join("grace"), &server, "grace@example.org").await;
    ada.sync().await.unwrap();
    grace.sync().await.unwrap();

    let (sender, mut events) = mpsc::unbounded_channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let live = {
        let ada = ada.clone();
        tokio::spawn(async move {
            ada.run_live(
                move |event| {
                    let _ = sender.send(event);
                },
                async {
                    let _ = stopped.await;
                },
            )
            .await
        })
    };

    next_matching(&mut events, |e| *e == LiveEvent::Online).await;
    next_matching(&mut events, |e| matches!(e, LiveEvent::Synced(_))).await;

    // Grace mentions Ada: the server pokes Ada's connection, Ada syncs and is told.
    grace.post(None, "@ada the demo is live").await.unwrap();
    grace.sync().await.unwrap();
    let event = next_matching(
        &mut events,
        |e| matches!(e, LiveEvent::Synced(r) if !r.notifications.is_empty()),
    )
    .await;
    let LiveEvent::Synced(report) = event else {
        unreachable!()
    };
    assert_eq!(report.notifications[0].kind, NotificationKind::Mention);
    assert_eq!(report.notifications[0].body, "@ada the demo is live");

    // A local write is sent at once while live, without an explicit sync.
    ada.post(None, "sent by live mode").await.unwrap();
    next_matching(
        &mut events,
        |e| matches!(e, LiveEvent::Synced(r) if r.pushed == 1),
    )
    .await;
    assert!(ada.outbox().await.unwrap().is_empty());

    // The server dies: Ada's client says so and plans a retry.
    let (data_dir, addr) = server.kill();
    let event = next_matching(&mut events, |e| matches!(e, LiveEvent::Offline { .. })).await;
    let LiveEvent::Offline { retry_in_ms } = event else {
        unreachable!()
    };
    assert!(retry_in_ms <= 30_000);
    // An offline write waits for the reconnection.
    ada.post(None, "queued while the server was down")
        .await
        .unwrap();

    // It comes back: Ada reconnects and the queued write goes out.
    let _server = TestServer::start(&data_dir, &addr.to_string());
    next_matching(&mut events, |e| *e == LiveEvent::Online).await;
    next_matching(
        &mut events,
        |e| matches!(e, LiveEvent::Synced(r) if r.pushed == 1),
    )
    .await;
    assert!(ada.outbox().await.unwrap().is_empty());

    stop.send(()).unwrap();
    live.await.unwrap().expect("live mode stops cleanly");
    ada.logout().await.unwrap();
    grace.logout().await.unwrap();
}
