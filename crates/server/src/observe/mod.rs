//! What operators watch: request ids on every log line, Prometheus metrics,
//! and the liveness and readiness probes.

pub mod http;
mod metrics;

pub use http::{healthz, metrics_text, readyz, track_requests, REQUEST_ID_HEADER};
pub use metrics::{Metrics, StreamGuard};
