//! Full client cores (`commons_client::Client`: its own SQLite cache in a
//! folder of its own, the outbox, the sync engine, live mode over the
//! stream), one per member, and what each of them observes in its cache.
//!
//! A post is delivered to a member when a sync of that member's client core
//! has committed it to its cache: live mode reports `Synced` once the page
//! and the cursor are in the cache; the tracker then reads the newest posts
//! of the group from the cache (as the feed screen would) and takes the
//! event's instant as the arrival of every new post it finds there.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use commons_client::{Client, FeedCursor, LiveEvent, OutboxState};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use crate::members::{email, Organisation};
use crate::nodes::{Nodes, PASSWORD};
use crate::stats::{post_number, Stats};

/// Logins at once (each is an Argon2 check on the server).
const LOGIN_CONCURRENCY: usize = 8;

pub struct Member {
    pub index: usize,
    pub client: Client,
    pub group_id: String,
    /// Bit `n`: post number `n` is known to be in this member's cache.
    seen: Mutex<Vec<u64>>,
}

impl Member {
    /// Marks post `n` as seen; false if it already was (or is out of range).
    fn mark(&self, n: usize) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let Some(word) = seen.get_mut(n / 64) else {
            return false;
        };
        let bit = 1u64 << (n % 64);
        let new = *word & bit == 0;
        *word |= bit;
        new
    }

    fn has(&self, n: usize) -> bool {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.get(n / 64)
            .is_some_and(|word| word & (1u64 << (n % 64)) != 0)
    }
}

/// Opens a client core per member in `dir/INDEX` and logs it in to its node.
pub async fn open(
    nodes: &Nodes,
    organisation: &Organisation,
    count: usize,
    capacity: usize,
    dir: &Path,
) -> anyhow::Result<Vec<Arc<Member>>> {
    let mut members: Vec<Option<Arc<Member>>> = vec![None; count];
    let mut tasks = JoinSet::new();
    let started = Instant::now();
    for i in 0..count {
        if tasks.len() >= LOGIN_CONCURRENCY {
            let member: Member = tasks.join_next().await.context("a login task")???;
            let j = member.index;
            members[j] = Some(Arc::new(member));
        }
        let (url, profile) = (nodes.url_for(i).to_owned(), dir.join(i.to_string()));
        let group_id = organisation.group_of(i).id.clone();
        tasks.spawn(async move {
            let client = Client::open(&profile).await?;
            client
                .login(&url, &email(i), PASSWORD)
                .await
                .with_context(|| format!("client core of member {i} logs in"))?;
            anyhow::Ok(Member {
                index: i,
                client,
                group_id,
                seen: Mutex::new(vec![0; capacity.div_ceil(64)]),
            })
        });
        if (i + 1) % 100 == 0 {
            eprintln!(
                "  {} client cores logged in ({:.0?})",
                i + 1,
                started.elapsed()
            );
        }
    }
    while let Some(done) = tasks.join_next().await {
        let member = done??;
        let j = member.index;
        members[j] = Some(Arc::new(member));
    }
    members
        .into_iter()
        .map(|m| m.context("a member without a client"))
        .collect()
}

/// Starts live mode on every member and a tracker of what reaches its
/// cache. The returned count reaches `members.len()` once every client is
/// online and its cache holds its whole group (first sync complete).
pub fn go_live(
    members: &[Arc<Member>],
    organisation: &Organisation,
    stats: Arc<Stats>,
    stop: watch::Receiver<bool>,
) -> (JoinSet<anyhow::Result<()>>, watch::Receiver<usize>) {
    let (ready_tx, ready) = watch::channel(0usize);
    let ready_tx = Arc::new(ready_tx);
    let mut tasks = JoinSet::new();
    for member in members {
        let (events_tx, events) = mpsc::unbounded_channel::<(Instant, LiveEvent)>();
        let live_member = member.clone();
        let mut live_stop = stop.clone();
        tasks.spawn(async move {
            let outcome = live_member
                .client
                .run_live(
                    move |event| {
                        let _ = events_tx.send((Instant::now(), event));
                    },
                    async move {
                        let _ = live_stop.wait_for(|stopping| *stopping).await;
                    },
                )
                .await;
            outcome.with_context(|| format!("live mode of member {}", live_member.index))
        });
        let group_size = organisation.group_size(member.index, members.len());
        tasks.spawn(track(
            member.clone(),
            group_size,
            stats.clone(),
            events,
            ready_tx.clone(),
        ));
    }
    (tasks, ready)
}

async fn track(
    member: Arc<Member>,
    group_size: usize,
    stats: Arc<Stats>,
    mut events: mpsc::UnboundedReceiver<(Instant, LiveEvent)>,
    ready: Arc<watch::Sender<usize>>,
) -> anyhow::Result<()> {
    let (mut online, mut synced_once) = (false, false);
    while let Some((at, event)) = events.recv().await {
        match event {
            LiveEvent::Online => {
                if !online {
                    stats.online.fetch_add(1, Ordering::Relaxed);
                }
                online = true;
            }
            LiveEvent::Offline { .. } => {
                if online {
                    stats.online.fetch_sub(1, Ordering::Relaxed);
                    stats.disconnects.fetch_add(1, Ordering::Relaxed);
                }
                online = false;
            }
            LiveEvent::Error(e) => {
                stats.sync_errors.fetch_add(1, Ordering::Relaxed);
                eprintln!("member {}: sync error: {e}", member.index);
            }
            LiveEvent::Synced(report) => {
                stats.syncs.fetch_add(1, Ordering::Relaxed);
                // Ready once the first sync brought the whole group (the
                // admin who made it is a member too).
                if online
                    && !synced_once
                    && member.client.members(&member.group_id).await?.len() > group_size
                {
                    synced_once = true;
                    ready.send_modify(|n| *n += 1);
                }
                if report.pulled > 0 {
                    scan(&member, &stats, report.pulled, at).await?;
                }
            }
        }
    }
    Ok(())
}

/// Reads the newest posts of the member's group from its cache, page after
/// page while they hold posts it had not seen.
async fn scan(member: &Member, stats: &Stats, pulled: usize, at: Instant) -> anyhow::Result<()> {
    let mut limit = i64::try_from(pulled + 10).unwrap_or(100).min(100);
    let (mut before, mut found) = (None::<FeedCursor>, 0usize);
    loop {
        let page = member
            .client
            .feed(Some(&member.group_id), limit, before.clone())
            .await?;
        let mut new_here = 0;
        for post in &page {
            let Some(n) = post_number(&post.body) else {
                continue;
            };
            if n >= stats.posts.len() || member.has(n) || is_own(stats, n, member.index) {
                continue;
            }
            if stats.delivered(n, at) && member.mark(n) {
                new_here += 1;
            }
        }
        found += new_here;
        let full = usize::try_from(limit).unwrap_or(0) == page.len();
        match page.last() {
            Some(last) if full && new_here > 0 && found < pulled => {
                before = Some(FeedCursor {
                    created_at: last.created_at,
                    id: last.id.clone(),
                });
                limit = 100;
            }
            _ => return Ok(()),
        }
    }
}

fn is_own(stats: &Stats, n: usize, me: usize) -> bool {
    stats.posts[n].poster.load(Ordering::Relaxed) == me
}

/// Most cache lookups the final check makes; beyond, it says so and skips.
const MAX_LOOKUPS: u64 = 20_000;

/// After the run: every post a member should have and the tracker did not
/// see is looked up in that member's cache (when there are at most
/// `MAX_LOOKUPS`); found ones count as delivered (without a latency), the
/// rest stay missing. Also counts the outboxes' writes that failed or were
/// never sent. Returns (refused, unsent, looked up).
pub async fn final_check(
    members: &[Arc<Member>],
    organisation: &Organisation,
    stats: &Stats,
) -> anyhow::Result<(usize, usize, bool)> {
    let sent = stats.sent.load(Ordering::Relaxed).min(stats.posts.len());
    let look = stats.complete_latencies().1 <= MAX_LOOKUPS;
    for member in members.iter().filter(|_| look) {
        for (n, post) in stats.posts[..sent].iter().enumerate() {
            let poster = post.poster.load(Ordering::Relaxed);
            if post.sent_us.load(Ordering::Relaxed) == 0
                || poster == member.index
                || organisation.group_of(poster).id != member.group_id
            {
                continue;
            }
            let got = post.delivered.load(Ordering::Relaxed);
            if got >= post.expected.load(Ordering::Relaxed) {
                continue;
            }
            // Only members missing something get here; one lookup each.
            if let Some(id) = post.id.get() {
                if !member.has(n) && member.client.post_by_id(id).await?.is_some() && member.mark(n)
                {
                    stats.found_late(n);
                }
            }
        }
    }
    let (mut failed, mut unsent) = (0, 0);
    for member in members {
        for item in member.client.outbox().await? {
            match item.state {
                OutboxState::Failed { .. } => failed += 1,
                _ => unsent += 1,
            }
        }
    }
    Ok((failed, unsent, look))
}

/// Waits until `done` holds, checking every 100 ms, for at most `limit`.
pub async fn wait_for(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    done()
}
