//! The measurement hook of `commons-bench-desktop` (issue 5's cold start and
//! memory), inert unless `COMMONS_BENCH_STARTUP` is set:
//!
//! - `feed`: the UI marks `feed` once the first feed page is painted; the app
//!   prints one JSON line and exits.
//! - `scroll:N`: after `feed`, the UI loads older pages until at least N
//!   posts are rendered, then marks `scrolled`; the JSON line adds the memory
//!   of the app's process and all its descendants (the WebKit processes).
//!
//! Times are milliseconds since [`start`], called first thing in `run()`;
//! the line also carries that moment as Unix time, so whoever launched the
//! process can add the time before `main`.

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::{Mutex, OnceLock};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::json;
use tauri::AppHandle;

/// The environment variable that turns the hook on.
pub const ENV: &str = "COMMONS_BENCH_STARTUP";

/// What the UI does in a bench run.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq, specta::Type)]
pub struct BenchPlan {
    /// After the feed is painted, scroll until this many posts are rendered
    /// (0: stop at the painted feed).
    pub scroll_posts: u32,
}

impl BenchPlan {
    fn parse(value: &str) -> Option<BenchPlan> {
        match value.trim() {
            "feed" => Some(BenchPlan { scroll_posts: 0 }),
            other => {
                let posts = other.strip_prefix("scroll:")?.parse().ok()?;
                (posts > 0).then_some(BenchPlan {
                    scroll_posts: posts,
                })
            }
        }
    }

    /// The mark that ends the run.
    fn last_mark(self) -> &'static str {
        if self.scroll_posts == 0 {
            "feed"
        } else {
            "scrolled"
        }
    }
}

struct Run {
    started: Instant,
    started_unix_ms: f64,
    plan: BenchPlan,
    marks: Mutex<Vec<(String, f64)>>,
}

static RUN: OnceLock<Run> = OnceLock::new();

/// Records the start of the process when `COMMONS_BENCH_STARTUP` asks for a
/// bench run; does nothing otherwise.
pub fn start() {
    let started = Instant::now();
    let Ok(value) = std::env::var(ENV) else {
        return;
    };
    let Some(plan) = BenchPlan::parse(&value) else {
        eprintln!("{ENV}={value:?} is neither `feed` nor `scroll:N`: no bench run");
        return;
    };
    let started_unix_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0);
    let _ = RUN.set(Run {
        started,
        started_unix_ms,
        plan,
        marks: Mutex::new(Vec::new()),
    });
}

/// Records a milestone of a bench run (`feed`, `scrolled`, or `failed: why`,
/// which ends the run too) and returns the plan; outside a bench run it
/// records nothing and returns `None`. The last milestone prints the JSON
/// line and exits the app.
#[tauri::command]
#[specta::specta]
pub fn bench_mark(app: AppHandle, name: String) -> Option<BenchPlan> {
    let run = RUN.get()?;
    let at = run.started.elapsed().as_secs_f64() * 1000.0;
    let ends = name == run.plan.last_mark() || name.starts_with("failed");
    let marks = {
        let mut marks = run.marks.lock().unwrap_or_else(|e| e.into_inner());
        marks.push((name, at));
        marks.clone()
    };
    if ends {
        let memory = memory_of_tree(std::process::id());
        let line = json!({
            "commons_bench_startup": {
                "scroll_posts": run.plan.scroll_posts,
                "started_unix_ms": run.started_unix_ms,
                "marks_ms": marks.iter().map(|(n, t)| json!({"name": n, "ms": t})).collect::<Vec<_>>(),
                "memory": memory,
            }
        });
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
        app.exit(0);
    }
    Some(run.plan)
}

/// RSS and PSS (kB, from `/proc/PID/smaps_rollup`; RSS from `status` when
/// that is not readable) of `root` and all its descendants, found through
/// the parent pid of every process in `/proc`.
fn memory_of_tree(root: u32) -> serde_json::Value {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse().ok()) else {
                continue;
            };
            if let Some(ppid) = parent_of(pid) {
                children.entry(ppid).or_default().push(pid);
            }
        }
    }
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        tree.extend(children.get(&tree[i]).into_iter().flatten().copied());
        i += 1;
    }
    let (mut rss_total, mut pss_total, mut pss_complete) = (0, 0, true);
    let processes: Vec<_> = tree
        .iter()
        .map(|&pid| {
            let (rss, pss) = rss_pss_kb(pid);
            rss_total += rss.unwrap_or(0);
            match pss {
                Some(pss) => pss_total += pss,
                None => pss_complete = false,
            }
            json!({"pid": pid, "name": command_name(pid), "rss_kb": rss, "pss_kb": pss})
        })
        .collect();
    json!({
        "rss_kb": rss_total,
        "pss_kb": pss_complete.then_some(pss_total),
        "processes": processes,
    })
}

/// The parent pid, from `/proc/PID/stat` (the field after the state, after
/// the parenthesised name, which may itself contain spaces and parentheses).
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().nth(1)?.parse().ok()
}

fn command_name(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|name| name.trim().to_owned())
        .unwrap_or_default()
}

fn rss_pss_kb(pid: u32) -> (Option<u64>, Option<u64>) {
    let field = |text: &str, name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kb| kb.parse::<u64>().ok())
    };
    match std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")) {
        Ok(rollup) => (field(&rollup, "Rss:"), field(&rollup, "Pss:")),
        Err(_) => {
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
            (field(&status, "VmRSS:"), None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_come_from_the_variable() {
        assert_eq!(
            BenchPlan::parse("feed"),
            Some(BenchPlan { scroll_posts: 0 })
        );
        assert_eq!(
            BenchPlan::parse("scroll:1000"),
            Some(BenchPlan { scroll_posts: 1000 })
        );
        assert_eq!(BenchPlan::parse("scroll:0"), None);
        assert_eq!(BenchPlan::parse("scroll:many"), None);
        assert_eq!(BenchPlan::parse(""), None);
        assert_eq!(BenchPlan::parse("feed").unwrap().last_mark(), "feed");
        assert_eq!(
            BenchPlan::parse("scroll:5").unwrap().last_mark(),
            "scrolled"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_tree_of_this_process_has_its_memory() {
        let memory = memory_of_tree(std::process::id());
        assert!(memory["rss_kb"].as_u64().unwrap() > 0);
        assert_eq!(
            memory["processes"][0]["pid"].as_u64(),
            Some(u64::from(std::process::id()))
        );
        assert_eq!(
            parent_of(std::process::id()),
            Some(std::os::unix::process::parent_id())
        );
    }
}
