//! The fault test of the outbox: the `commons` process is killed (SIGKILL) at
//! random moments while it writes (offline, and online while sending at once)
//! and while it replays its outbox (`commons sync`), cycle after cycle. In the
//! end every write the cache kept reached the server exactly once, every
//! write the CLI reported done is among them, and the cache file passes
//! `PRAGMA integrity_check` after every kill.
//!
//! "Offline" is a TCP proxy in front of a real server that drops connections
//! while switched off, so the server keeps running. The random delays come
//! from a seed printed at the start (`KILL_TEST_SEED` replays one run);
//! `KILL_TEST_CYCLES` changes the number of cycles (200 by default).
//! Run inside a session bus with an unlocked Secret Service (see the client README).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use commons_testkit::{TestServer, DEMO_PASSWORD};
use sqlx::{Connection, SqliteConnection};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::process::Command;

/// Longest a process may live before it is killed; most runs of the CLI end
/// within this, so kills land all over its life (start, write, send, exit).
const MAX_LIFETIME: Duration = Duration::from_millis(100);

/// A TCP proxy to `upstream` that refuses service while switched off.
struct Proxy {
    addr: SocketAddr,
    online: Arc<AtomicBool>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let online = Arc::new(AtomicBool::new(true));
        let switch = online.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    continue;
                };
                if !switch.load(Ordering::SeqCst) {
                    drop(inbound); // the client sees the connection reset: offline
                    continue;
                }
                tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        Proxy { addr, online }
    }

    fn set_online(&self, online: bool) {
        self.online.store(online, Ordering::SeqCst);
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

fn commons(profile: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_commons"));
    command
        .arg("--profile")
        .arg(profile)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    command
}

/// Runs the command and SIGKILLs it after `delay` unless it ended before.
/// True when it ended by itself with success.
async fn run_and_kill(mut command: Command, delay: Duration) -> bool {
    let mut child = command.spawn().expect("start commons");
    drop(child.stdin.take());
    tokio::select! {
        status = child.wait() => status.expect("wait").success(),
        () = tokio::time::sleep(delay) => {
            child.start_kill().expect("kill");
            child.wait().await.expect("wait");
            false
        }
    }
}

async fn run_to_end(command: Command) -> std::process::Output {
    let mut command = command;
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().expect("start commons");
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(format!("{DEMO_PASSWORD}\n").as_bytes())
            .await
            .unwrap();
    }
    child.wait_with_output().await.expect("commons output")
}

async fn integrity(cache: &Path) -> String {
    let url = format!("sqlite://{}?mode=ro", cache.display());
    let mut conn = SqliteConnection::connect(&url).await.expect("open cache");
    let verdict: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .expect("integrity_check");
    conn.close().await.unwrap();
    verdict
}

/// How many posts of the cache carry each kill-test body.
async fn cached_bodies(cache: &Path) -> BTreeMap<String, usize> {
    let url = format!("sqlite://{}?mode=ro", cache.display());
    let mut conn = SqliteConnection::connect(&url).await.unwrap();
    let bodies: Vec<String> =
        sqlx::query_scalar("SELECT body FROM posts WHERE body LIKE 'kill test %'")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    conn.close().await.unwrap();
    count(bodies)
}

/// How many posts of the server carry each kill-test body (the home feed of
/// another member of the default group, every page).
async fn server_bodies(server_url: &str) -> BTreeMap<String, usize> {
    let http = reqwest::Client::new();
    let base = format!("{server_url}/api/v1");
    let login: serde_json::Value = http
        .post(format!("{base}/auth/login"))
        .json(&serde_json::json!({"email": "grace@example.org", "password": DEMO_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap().to_owned();
    let mut bodies = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let mut request = http
            .get(format!("{base}/feed"))
            .bearer_auth(&token)
            .query(&[("limit", "100")]);
        if let Some(next) = &before {
            request = request.query(&[("before", next)]);
        }
        let page: serde_json::Value = request.send().await.unwrap().json().await.unwrap();
        for item in page["posts"].as_array().unwrap() {
            let body = item["post"]["body"].as_str().unwrap();
            if body.starts_with("kill test ") {
                bodies.push(body.to_owned());
            }
        }
        match page["next"].as_str() {
            Some(next) => before = Some(next.to_owned()),
            None => return count(bodies),
        }
    }
}

fn count(bodies: Vec<String>) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for body in bodies {
        *counts.entry(body).or_default() += 1;
    }
    counts
}

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_cli_at_random_loses_and_duplicates_no_write() {
    let data = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let server = TestServer::demo(data.path());
    let proxy = Proxy::start(server.addr).await;
    let profile: PathBuf = home.path().join("ada");
    let cache = profile.join("cache.db");

    let login = run_to_end(commons(
        &profile,
        &[
            "login",
            "--server",
            &proxy.url(),
            "--email",
            "ada@example.org",
        ],
    ))
    .await;
    assert!(login.status.success(), "{login:?}");
    assert!(run_to_end(commons(&profile, &["sync"]))
        .await
        .status
        .success());

    let seed = env_number("KILL_TEST_SEED").unwrap_or_else(|| fastrand::u64(..));
    let cycles = env_number("KILL_TEST_CYCLES").unwrap_or(200);
    println!("kill test: seed {seed}, {cycles} cycles");
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut reported_done = Vec::new();
    let mut kills = 0;
    for cycle in 0..cycles {
        let body = format!("kill test {cycle}");
        // Even cycles write offline; odd ones online, where the CLI sends at once.
        proxy.set_online(cycle % 2 == 1);
        let delay = Duration::from_millis(rng.u64(0..MAX_LIFETIME.as_millis() as u64));
        if run_and_kill(commons(&profile, &["post", &body]), delay).await {
            reported_done.push(body);
        } else {
            kills += 1;
        }
        assert_eq!(
            integrity(&cache).await,
            "ok",
            "cycle {cycle}, after the write"
        );

        proxy.set_online(true);
        let delay = Duration::from_millis(rng.u64(0..MAX_LIFETIME.as_millis() as u64));
        if !run_and_kill(commons(&profile, &["sync"]), delay).await {
            kills += 1;
        }
        assert_eq!(
            integrity(&cache).await,
            "ok",
            "cycle {cycle}, after the sync"
        );
    }
    println!(
        "kill test: {kills} kills, {} writes reported done",
        reported_done.len()
    );

    // Let it finish: the outbox empties and the cache catches up.
    let last = run_to_end(commons(&profile, &["sync"])).await;
    assert!(last.status.success(), "{last:?}");
    let outbox = run_to_end(commons(&profile, &["outbox", "--json"])).await;
    let outbox: serde_json::Value = serde_json::from_slice(&outbox.stdout).unwrap();
    assert_eq!(
        outbox,
        serde_json::json!([]),
        "nothing left unsent or failed"
    );
    assert_eq!(integrity(&cache).await, "ok");

    let on_server = server_bodies(&server.url()).await;
    let in_cache = cached_bodies(&cache).await;
    let duplicates: Vec<_> = on_server.iter().filter(|(_, n)| **n > 1).collect();
    assert!(duplicates.is_empty(), "written twice: {duplicates:?}");
    assert_eq!(
        in_cache.keys().collect::<Vec<_>>(),
        on_server.keys().collect::<Vec<_>>(),
        "every write the cache kept is on the server, and nothing else"
    );
    for body in &reported_done {
        assert!(on_server.contains_key(body), "{body} was reported done");
    }
    let kept_though_killed = on_server.len() - reported_done.len();
    println!("kill test: {kept_though_killed} writes killed after they were saved, then sent");
    assert!(kills > 0, "no process was killed: the test proved nothing");
}
