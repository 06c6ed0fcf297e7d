//! What the clients observed, shared between their tasks without locks: one
//! record per post (when it was sent, how many receivers have it, when the
//! last one got it) and a histogram of every single delivery.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Buckets of about 2% width from 1 µs to hours.
const BUCKETS: usize = 1200;
const GROWTH: f64 = 1.02;

/// A log-scale histogram of latencies (microseconds), 2% resolution.
pub struct Histogram {
    counts: Vec<AtomicU64>,
}

impl Histogram {
    pub fn new() -> Histogram {
        Histogram {
            counts: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    fn bucket(micros: u64) -> usize {
        let b = (micros.max(1) as f64).ln() / GROWTH.ln();
        (b as usize).min(BUCKETS - 1)
    }

    pub fn record(&self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.counts[Histogram::bucket(micros)].fetch_add(1, Ordering::Relaxed);
    }

    pub fn count(&self) -> u64 {
        self.counts.iter().map(|c| c.load(Ordering::Relaxed)).sum()
    }

    /// The `p`th percentile in milliseconds (the bucket's upper bound).
    pub fn percentile_ms(&self, p: f64) -> f64 {
        let total = self.count();
        if total == 0 {
            return f64::NAN;
        }
        let wanted = ((p / 100.0) * total as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, count) in self.counts.iter().enumerate() {
            seen += count.load(Ordering::Relaxed);
            if seen >= wanted {
                return GROWTH.powi(i as i32 + 1) / 1000.0;
            }
        }
        f64::NAN
    }
}

/// One post: sent by `poster` at `sent_us` (µs after the start; 0 = not sent).
pub struct PostRecord {
    pub poster: AtomicUsize,
    pub sent_us: AtomicU64,
    pub expected: AtomicU32,
    pub delivered: AtomicU32,
    pub last_arrival_us: AtomicU64,
    /// The post's id, once the poster's client core has written it.
    pub id: OnceLock<String>,
    /// Some receiver got it only by the final check: no latency for it.
    pub unmeasured: AtomicBool,
}

pub struct Stats {
    pub start: Instant,
    pub posts: Vec<PostRecord>,
    pub sent: AtomicUsize,
    pub failed_sends: AtomicUsize,
    pub deliveries: Histogram,
    /// Deliveries seen only by the final check of the caches (the feed
    /// window after a sync missed them): no latency for these.
    pub late_detected: AtomicU64,
    pub sync_errors: AtomicU64,
    /// Syncs the client cores' live modes reported (`Synced`).
    pub syncs: AtomicU64,
    pub disconnects: AtomicU64,
    pub online: AtomicUsize,
}

impl Stats {
    pub fn new(capacity: usize) -> Stats {
        Stats {
            start: Instant::now(),
            posts: (0..capacity)
                .map(|_| PostRecord {
                    poster: AtomicUsize::new(usize::MAX),
                    sent_us: AtomicU64::new(0),
                    expected: AtomicU32::new(0),
                    delivered: AtomicU32::new(0),
                    last_arrival_us: AtomicU64::new(0),
                    id: OnceLock::new(),
                    unmeasured: AtomicBool::new(false),
                })
                .collect(),
            sent: AtomicUsize::new(0),
            failed_sends: AtomicUsize::new(0),
            deliveries: Histogram::new(),
            late_detected: AtomicU64::new(0),
            sync_errors: AtomicU64::new(0),
            syncs: AtomicU64::new(0),
            disconnects: AtomicU64::new(0),
            online: AtomicUsize::new(0),
        }
    }

    pub fn micros(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.start).as_micros())
            .unwrap_or(u64::MAX)
            .max(1)
    }

    /// Reserves the next post number, or `None` when the capacity is used up.
    pub fn reserve(&self) -> Option<usize> {
        let n = self.sent.fetch_add(1, Ordering::Relaxed);
        (n < self.posts.len()).then_some(n)
    }

    /// Receiver got post `n` at `at`; returns false if `n` is not a sent post.
    pub fn delivered(&self, n: usize, at: Instant) -> bool {
        let Some(post) = self.posts.get(n) else {
            return false;
        };
        let sent = post.sent_us.load(Ordering::Acquire);
        if sent == 0 {
            return false;
        }
        let arrival = self.micros(at);
        self.deliveries
            .record(Duration::from_micros(arrival.saturating_sub(sent)));
        post.last_arrival_us.fetch_max(arrival, Ordering::Relaxed);
        post.delivered.fetch_add(1, Ordering::Relaxed);
        true
    }

    /// Receiver got post `n`, found only by the final check of its cache.
    pub fn found_late(&self, n: usize) {
        if let Some(post) = self.posts.get(n) {
            post.unmeasured.store(true, Ordering::Relaxed);
            post.delivered.fetch_add(1, Ordering::Relaxed);
            self.late_detected.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Per post, from its send to its last receiver, for posts every
    /// expected receiver got; and how many receivers are still missing.
    pub fn complete_latencies(&self) -> (Vec<Duration>, u64, usize) {
        let sent = self.sent.load(Ordering::Relaxed).min(self.posts.len());
        let (mut latencies, mut missing, mut incomplete) = (Vec::new(), 0, 0);
        for post in &self.posts[..sent] {
            let start = post.sent_us.load(Ordering::Relaxed);
            if start == 0 {
                continue;
            }
            let (got, want) = (
                post.delivered.load(Ordering::Relaxed),
                post.expected.load(Ordering::Relaxed),
            );
            if got >= want && post.unmeasured.load(Ordering::Relaxed) {
                continue;
            }
            if got >= want {
                let last = post.last_arrival_us.load(Ordering::Relaxed).max(start);
                latencies.push(Duration::from_micros(last - start));
            } else {
                missing += u64::from(want - got);
                incomplete += 1;
            }
        }
        (latencies, missing, incomplete)
    }
}

/// The body of post number `n`: its number is how receivers recognise it.
pub fn body(n: usize, poster: usize) -> String {
    format!("load post #{n} from member {poster}")
}

pub fn post_number(body: &str) -> Option<usize> {
    body.strip_prefix("load post #")?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}
