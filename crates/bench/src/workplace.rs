//! `commons-bench-workplace`: writes a Workplace export (the layout of
//! docs/import-workplace.md) of a large organisation into a temporary
//! folder, imports it into a fresh database with `commons-server`'s
//! importer, and prints the rate for BENCHMARKS.md. Then imports it again,
//! which must find everything already there.

#[allow(dead_code)] // shared with commons-bench, which uses more of it
mod text;

use std::fs;
use std::path::Path;
use std::time::Instant;

use clap::Parser;
use commons_server::blobs::LocalStore;
use commons_server::db::Database;
use commons_server::import::workplace::{self, Destination, Kind};
use commons_server::DatabaseConfig;
use serde_json::{json, Value};
use text::{Rng, Vocabulary};

#[derive(Parser)]
#[command(about = "Generate a large Workplace export and measure its import")]
struct Args {
    /// A PostgreSQL URL of an EMPTY database; default: SQLite in a temporary folder.
    #[arg(long)]
    database: Option<String>,
    #[arg(long, default_value_t = 500)]
    members: usize,
    #[arg(long, default_value_t = 30)]
    groups: usize,
    #[arg(long, default_value_t = 100_000)]
    posts: usize,
    #[arg(long, default_value_t = 400_000)]
    comments: usize,
    /// Posts per feed page file.
    #[arg(long, default_value_t = 500)]
    page: usize,
}

const REACTIONS: [&str; 7] = ["LIKE", "LOVE", "CARE", "HAHA", "WOW", "SAD", "ANGRY"];

fn person(rng: &mut Rng, members: usize) -> Value {
    let i = rng.below(members);
    json!({"id": format!("1{i:06}"), "name": format!("Person {i}")})
}

fn time(seconds: i64) -> String {
    // Days and time of day by hand: 2015-01-01 plus `seconds`.
    let base = 1_420_070_400 + seconds;
    let (days, rest) = (base.div_euclid(86_400), base.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+0000",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn write(path: &Path, value: &Value) -> anyhow::Result<()> {
    fs::write(path, serde_json::to_vec(value)?)?;
    Ok(())
}

/// The export: members, groups (everyone in every group), and per group
/// feed pages, newest first as Workplace pages them. Comments are spread
/// over posts at random, one in four a reply; two reactions per post on
/// average; every tenth post has a "seen" list of five.
fn generate(dir: &Path, args: &Args) -> anyhow::Result<()> {
    let mut rng = Rng::new(7);
    let words = Vocabulary::new();
    let members: Vec<Value> = (0..args.members)
        .map(|i| {
            json!({"id": format!("1{i:06}"), "name": format!("Person {i}"),
                   "email": format!("person{i}@example.org"), "title": "Engineer",
                   "department": format!("Department {}", i % 12),
                   "manager": {"id": format!("1{:06}", i / 10), "name": "Manager"}})
        })
        .collect();
    write(&dir.join("members.json"), &json!({"data": members}))?;
    let everyone: Vec<Value> = (0..args.members)
        .map(|i| json!({"id": format!("1{i:06}"), "name": format!("Person {i}")}))
        .collect();
    let privacy = ["OPEN", "CLOSED", "SECRET"];
    let groups: Vec<Value> = (0..args.groups)
        .map(|g| {
            json!({"id": format!("2{g:05}"), "name": format!("Group {g}"),
                   "description": "Generated", "privacy": privacy[g % 3],
                   "admins": {"data": [everyone[g % args.members]]},
                   "members": {"data": everyone}})
        })
        .collect();
    write(&dir.join("groups.json"), &json!({"data": groups}))?;
    let mut comments_of = vec![0usize; args.posts];
    for _ in 0..args.comments {
        comments_of[rng.below(args.posts)] += 1;
    }
    let per_group = args.posts.div_ceil(args.groups);
    for g in 0..args.groups {
        let group_dir = dir.join("groups").join(format!("2{g:05}"));
        fs::create_dir_all(&group_dir)?;
        let posts: Vec<usize> = (g * per_group..((g + 1) * per_group).min(args.posts)).collect();
        // Newest first, as the Graph API pages a feed.
        for (n, page) in posts.rchunks(args.page).enumerate() {
            let data: Vec<Value> = page
                .iter()
                .rev()
                .map(|&p| post(&mut rng, &words, args, g, p, comments_of[p]))
                .collect();
            let name = if n == 0 {
                "feed.json".to_string()
            } else {
                format!("feed-{}.json", n + 1)
            };
            write(&group_dir.join(name), &json!({"data": data, "paging": {}}))?;
        }
    }
    Ok(())
}

fn post(
    rng: &mut Rng,
    words: &Vocabulary,
    args: &Args,
    g: usize,
    p: usize,
    comments: usize,
) -> Value {
    let created = p as i64 * 600;
    let mut top: Vec<Value> = Vec::new();
    for c in 0..comments {
        let length = 4 + rng.below(20);
        let comment = json!({"id": format!("{p}_{c}"), "from": person(rng, args.members),
            "message": words.sentence(rng, length),
            "created_time": time(created + 60 * (c as i64 + 1))});
        match top.last_mut() {
            Some(parent) if c % 4 == 3 => {
                let replies = parent
                    .as_object_mut()
                    .expect("object")
                    .entry("comments")
                    .or_insert_with(|| json!({"data": []}));
                replies["data"].as_array_mut().expect("list").push(comment);
            }
            _ => top.push(comment),
        }
    }
    let reactions: Vec<Value> = (0..rng.below(5))
        .map(|i| {
            let mut who = person(rng, args.members);
            who["type"] = json!(REACTIONS[(p + i) % REACTIONS.len()]);
            who
        })
        .collect();
    let length = 8 + rng.below(40);
    let message = format!("{} #topic{}", words.sentence(rng, length), p % 50);
    let mut post = json!({"id": format!("2{g:05}_{p}"), "from": person(rng, args.members),
        "formatting": if p.is_multiple_of(2) { "PLAINTEXT" } else { "MARKDOWN" },
        "message": message,
        "created_time": time(created), "updated_time": time(created),
        "comments": {"data": top}, "reactions": {"data": reactions}});
    if p.is_multiple_of(10) {
        let seen: Vec<Value> = (0..5)
            .map(|i| {
                let mut who = person(rng, args.members);
                who["seen_time"] = json!(time(created + 3600 * (i + 1)));
                who
            })
            .collect();
        post["seen"] = json!({"data": seen});
    }
    post
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let temporary = tempfile::tempdir()?;
    let export = temporary.path().join("export");
    fs::create_dir_all(&export)?;
    let started = Instant::now();
    generate(&export, &args)?;
    eprintln!("generated the export in {:.1?}", started.elapsed());

    let data_dir = temporary.path().join("server");
    let db = Database::open(&DatabaseConfig::new(&data_dir, args.database.clone())).await?;
    let store = LocalStore::new(data_dir.join("attachments"));
    let mut progress = |s: &workplace::Summary| eprintln!("{}", s.progress_line());
    let mut runs = Vec::new();
    for run in ["first import", "second import (everything already there)"] {
        let into = Destination {
            db: &db,
            store: &store,
            max_attachment_bytes: u64::MAX,
        };
        let started = Instant::now();
        let summary = workplace::import(into, &export, &mut progress).await?;
        runs.push((run, started.elapsed(), summary));
    }
    db.close().await;

    println!("| run | posts | comments | reactions | seen | seconds | posts+comments per second |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (run, elapsed, summary) in &runs {
        let n = |kind| {
            let c = summary.count(kind);
            c.created + c.already_there
        };
        let items = n(Kind::Post) + n(Kind::Comment);
        println!(
            "| {run} | {} | {} | {} | {} | {:.1} | {:.0} |",
            n(Kind::Post),
            n(Kind::Comment),
            n(Kind::Reaction),
            n(Kind::Seen),
            elapsed.as_secs_f64(),
            items as f64 / elapsed.as_secs_f64()
        );
    }
    Ok(())
}
