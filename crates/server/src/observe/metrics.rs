//! Prometheus metrics of one server process, served at `GET /metrics` in the
//! OpenMetrics text format. Each process counts its own traffic; Prometheus
//! sums the nodes.

use std::sync::Arc;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::db::Database;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    /// The route's pattern (`/api/v1/posts/{id}`), never the raw path, so the
    /// number of series stays bounded whatever clients send.
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: &'static str,
}

fn latency_histogram() -> Histogram {
    // 0.5 ms to about 16 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

/// The metrics of one server; cheap to clone.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    stream_clients: Gauge,
    pokes_sent: Counter,
    sync_pages: Counter,
    sync_changes: Counter,
    mutations_replayed: Counter,
    pool: Family<PoolLabels, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("commons");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route and status",
            requests.clone(),
        );
        let latency: Family<RouteLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(latency_histogram);
        registry.register(
            "http_request_duration_seconds",
            "Time to answer HTTP requests, by method and route",
            latency.clone(),
        );
        let stream_clients = Gauge::default();
        registry.register(
            "stream_clients",
            "WebSocket stream connections open on this node",
            stream_clients.clone(),
        );
        let pokes_sent = Counter::default();
        registry.register(
            "pokes_sent",
            "Pokes sent on stream connections",
            pokes_sent.clone(),
        );
        let sync_pages = Counter::default();
        registry.register("sync_pages", "Sync pages served", sync_pages.clone());
        let sync_changes = Counter::default();
        registry.register(
            "sync_changes",
            "Changes served in sync pages",
            sync_changes.clone(),
        );
        let mutations_replayed = Counter::default();
        registry.register(
            "mutations_replayed",
            "Writes received again with a mutation id already applied (client outbox replays), answered without applying them twice",
            mutations_replayed.clone(),
        );
        let pool = Family::<PoolLabels, Gauge>::default();
        registry.register(
            "db_pool_connections",
            "Database pool connections, by state (idle, in_use)",
            pool.clone(),
        );
        Metrics {
            inner: Arc::new(Inner {
                registry,
                requests,
                latency,
                stream_clients,
                pokes_sent,
                sync_pages,
                sync_changes,
                mutations_replayed,
                pool,
            }),
        }
    }
}

impl Metrics {
    pub fn request_answered(&self, method: &str, route: &str, status: u16, took: Duration) {
        let (method, route) = (method.to_string(), route.to_string());
        self.inner
            .latency
            .get_or_create(&RouteLabels {
                method: method.clone(),
                route: route.clone(),
            })
            .observe(took.as_secs_f64());
        self.inner
            .requests
            .get_or_create(&RequestLabels {
                method,
                route,
                status,
            })
            .inc();
    }

    /// Counts an open stream connection until the guard is dropped.
    pub fn stream_opened(&self) -> StreamGuard {
        self.inner.stream_clients.inc();
        StreamGuard(self.clone())
    }

    pub fn poke_sent(&self) {
        self.inner.pokes_sent.inc();
    }

    pub fn sync_page_served(&self, changes: usize) {
        self.inner.sync_pages.inc();
        self.inner.sync_changes.inc_by(changes as u64);
    }

    pub fn mutation_replayed(&self) {
        self.inner.mutations_replayed.inc();
    }

    /// The text exposition, with the pool gauges read now.
    pub fn render(&self, db: &Database) -> String {
        let pool = db.pool();
        let total = i64::from(pool.size());
        let idle = i64::try_from(pool.num_idle()).unwrap_or(i64::MAX);
        self.inner
            .pool
            .get_or_create(&PoolLabels { state: "idle" })
            .set(idle);
        self.inner
            .pool
            .get_or_create(&PoolLabels { state: "in_use" })
            .set((total - idle).max(0));
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.inner.registry);
        text
    }
}

/// See [`Metrics::stream_opened`].
pub struct StreamGuard(Metrics);

impl Drop for StreamGuard {
    fn drop(&mut self) {
        self.0.inner.stream_clients.dec();
    }
}
