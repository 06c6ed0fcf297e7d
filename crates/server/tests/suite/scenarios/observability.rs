//! What an operator sees: readiness, request ids and Prometheus metrics.

use commons_protocol::*;
use futures_util::StreamExt;

use crate::harness::{send, Ctx};
use crate::scenarios::stream::{connect, next_poke};

/// The value of the series `name` whose labels include every `label`
/// (`key="value"`), or `None` when no such series exists.
fn metric(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter(|line| {
            line.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
        })
        .find(|line| labels.iter().all(|label| line.contains(label)))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

async fn metrics(ctx: &Ctx) -> String {
    let response = ctx
        .http
        .get(format!("{}/metrics", ctx.url))
        .send()
        .await
        .expect("metrics answer");
    assert_eq!(response.status().as_u16(), 200);
    response.text().await.expect("metrics text")
}

pub async fn operators_see_readiness_request_ids_and_metrics(ctx: Ctx) {
    let ready = send(ctx.http.get(format!("{}/readyz", ctx.url))).await;
    ready.assert_status(200);
    assert_eq!(ready.body["status"], "ready");
    assert!(ready.body["schema"].as_i64().unwrap_or(0) >= 5);

    // Every answer carries a request id; one set by a proxy is kept.
    let health = send(ctx.http.get(format!("{}/healthz", ctx.url))).await;
    let generated = health.headers["x-request-id"].to_str().expect("ascii id");
    assert_eq!(generated.len(), 36, "a UUID: {generated}");
    let traced = send(
        ctx.http
            .get(format!("{}/healthz", ctx.url))
            .header("x-request-id", "from-the-proxy-42"),
    )
    .await;
    assert_eq!(traced.headers["x-request-id"], "from-the-proxy-42");

    let ada = ctx.person("ada").await;
    let group = ada.create_group("Metrics", Privacy::Open).await;
    let request = ada.post_request(&group.id, "counted once");
    ada.post("/posts", &request).await.assert_status(201);
    // The client's outbox sends it again (it never saw the answer).
    ada.post("/posts", &request).await.assert_status(201);
    let mut socket = connect(&ada).await.expect("stream opens");
    next_poke(&mut socket).await;
    let page = ada.sync(None).await;
    ctx.http
        .get(format!("{}/wp-login.php", ctx.url))
        .send()
        .await
        .expect("answer");

    let text = metrics(&ctx).await;
    let requests = "commons_http_requests_total";
    let posts = [
        r#"route="/api/v1/posts""#,
        r#"method="POST""#,
        r#"status="201""#,
    ];
    assert_eq!(metric(&text, requests, &posts), Some(2.0), "{text}");
    assert_eq!(
        metric(
            &text,
            requests,
            &[r#"route="unmatched""#, r#"status="404""#]
        ),
        Some(1.0),
        "{text}"
    );
    assert!(!text.contains("wp-login"), "raw paths never become labels");
    assert_eq!(
        metric(
            &text,
            "commons_http_request_duration_seconds_count",
            &[r#"route="/api/v1/sync""#]
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        metric(&text, "commons_mutations_replayed_total", &[]),
        Some(1.0)
    );
    assert_eq!(metric(&text, "commons_sync_pages_total", &[]), Some(1.0));
    assert_eq!(
        metric(&text, "commons_sync_changes_total", &[]),
        Some(page.changes.len() as f64)
    );
    assert_eq!(metric(&text, "commons_stream_clients", &[]), Some(1.0));
    assert!(metric(&text, "commons_pokes_sent_total", &[]).unwrap_or(0.0) >= 1.0);
    let idle = metric(&text, "commons_db_pool_connections", &[r#"state="idle""#]);
    assert!(idle.is_some_and(|n| n >= 0.0), "{text}");

    // A closed stream no longer counts.
    drop(socket.close(None).await);
    while socket.next().await.is_some() {}
    let mut open = metric(&metrics(&ctx).await, "commons_stream_clients", &[]);
    while open != Some(0.0) {
        // The server notices the close on its own schedule; wait for it, not a time.
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        open = metric(&metrics(&ctx).await, "commons_stream_clients", &[]);
    }
}
