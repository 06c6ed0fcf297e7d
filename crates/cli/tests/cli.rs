//! The `commons` binary as a user runs it, against a real server process.
//! Run inside a session bus with an unlocked Secret Service (see the client README).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use commons_testkit::{TestServer, DEMO_PASSWORD as PASSWORD};

/// Runs `commons --profile PROFILE ARGS...` with `stdin` as its standard input.
fn commons(profile: &Path, args: &[&str], stdin: &str) -> Output {
    commons_with_env(profile, args, stdin, &[])
}

fn commons_with_env(profile: &Path, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_commons"))
        .arg("--profile")
        .arg(profile)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts the exit code, showing what the command printed when it differs.
fn expect_exit(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(output),
        stderr(output)
    );
}

fn json(output: &Output) -> serde_json::Value {
    expect_exit(output, 0);
    serde_json::from_slice(&output.stdout).expect("valid JSON on stdout")
}

fn login(profile: &Path, server: &TestServer, email: &str) {
    let out = commons(
        profile,
        &["login", "--server", &server.url(), "--email", email],
        &format!("{PASSWORD}\n"),
    );
    expect_exit(&out, 0);
    assert!(stdout(&out).contains("Logged in to"), "{}", stdout(&out));
}

/// An address nothing listens on.
fn dead_address() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

#[test]
fn a_day_with_the_cli_including_an_outage() {
    let data = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let profile = home.path().join("ada");
    let server = TestServer::demo(data.path());
    login(&profile, &server, "ada@example.org");

    let out = commons(&profile, &["sync"], "");
    expect_exit(&out, 0);
    assert!(stdout(&out).starts_with(&format!("Synced with {}: sent 0", server.url())));

    let feed = json(&commons(&profile, &["feed", "--json"], ""));
    let posts = feed.as_array().unwrap();
    let welcome = posts
        .iter()
        .find(|p| {
            p["body"]
                .as_str()
                .unwrap()
                .starts_with("Welcome to Commons")
        })
        .expect("the demo's welcome post");
    assert_eq!(welcome["author_name"], "Ada Lovelace");
    assert_eq!(welcome["pending"], false);
    let welcome_id = welcome["id"].as_str().unwrap().to_owned();

    let groups = json(&commons(&profile, &["groups", "--json"], ""));
    let names: Vec<&str> = groups
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Project Falcon"), "{names:?}");

    // Online, a post goes out at once.
    let out = commons(&profile, &["post", "Good", "morning", "all"], "");
    expect_exit(&out, 0);
    assert!(stdout(&out).starts_with("Sent post "), "{}", stdout(&out));
    let out = commons(
        &profile,
        &["comment", &welcome_id, "Glad", "you", "are", "here"],
        "",
    );
    expect_exit(&out, 0);
    assert!(
        stdout(&out).starts_with("Sent comment "),
        "{}",
        stdout(&out)
    );

    // The server goes down: writing still works and says so.
    let url = server.url();
    let (_, addr) = server.kill();
    let out = commons(&profile, &["post", "Written", "offline"], "");
    expect_exit(&out, 0);
    assert!(stdout(&out).contains("[pending]"), "{}", stdout(&out));
    assert!(
        stderr(&out).contains(&format!(
            "offline: cannot reach {url}; your change is saved and will be sent by the next `commons sync`"
        )),
        "{}",
        stderr(&out)
    );
    let outbox = json(&commons(&profile, &["outbox", "--json"], ""));
    let items = outbox.as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["kind"], "post");
    assert_eq!(items[0]["state"]["state"], "pending");

    let out = commons(&profile, &["sync"], "");
    expect_exit(&out, 3);
    assert!(
        stderr(&out).contains(&format!("offline: cannot reach {url}")),
        "{}",
        stderr(&out)
    );

    let out = commons(&profile, &["feed"], "");
    expect_exit(&out, 0);
    let text = stdout(&out);
    let first_post = text.split("\n\n").next().unwrap();
    assert!(first_post.contains("Ada Lovelace in Everyone"), "{text}");
    assert!(first_post.contains("[pending]"), "{text}");
    assert!(first_post.contains("  Written offline"), "{text}");
    assert!(
        text.contains("    ↳ Ada Lovelace"),
        "comments are indented: {text}"
    );

    // Back online: the next sync sends it.
    let _server = TestServer::start(data.path(), &addr.to_string());
    let out = commons(&profile, &["sync"], "");
    expect_exit(&out, 0);
    assert!(
        stdout(&out).contains("sent 1, rejected 0"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        json(&commons(&profile, &["outbox", "--json"], "")),
        serde_json::json!([])
    );
    let feed = json(&commons(&profile, &["feed", "--json", "--limit", "1"], ""));
    assert_eq!(feed[0]["body"], "Written offline");
    assert_eq!(feed[0]["pending"], false);

    let out = commons(&profile, &["logout"], "");
    expect_exit(&out, 0);
    let out = commons(&profile, &["sync"], "");
    expect_exit(&out, 1);
    assert!(stderr(&out).contains("not logged in"), "{}", stderr(&out));
}

#[test]
fn mistakes_get_a_readable_message_and_a_non_zero_exit() {
    let data = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let profile = home.path().join("grace");
    let server = TestServer::demo(data.path());

    // Usage errors are clap's, exit 2.
    let out = commons(
        &profile,
        &["group", "create", "--name", "Design", "--privacy", "public"],
        "",
    );
    expect_exit(&out, 2);
    assert!(stderr(&out).contains("unknown privacy \"public\": expected open, closed or secret"));
    expect_exit(&commons(&profile, &["post"], ""), 2);

    // Not logged in yet.
    let out = commons(&profile, &["feed"], "");
    expect_exit(&out, 1);
    assert!(stderr(&out).contains("not logged in: run `commons login` first"));

    // Wrong password: the server's words, no panic, no backtrace.
    let out = commons(
        &profile,
        &[
            "login",
            "--server",
            &server.url(),
            "--email",
            "grace@example.org",
        ],
        "not-her-password\n",
    );
    expect_exit(&out, 1);
    assert!(stderr(&out).starts_with("error: "), "{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));

    // No server at all: offline.
    let out = commons(
        &profile,
        &[
            "login",
            "--server",
            &dead_address(),
            "--email",
            "grace@example.org",
        ],
        &format!("{PASSWORD}\n"),
    );
    expect_exit(&out, 3);
    assert!(stderr(&out).starts_with("offline: cannot reach http://127.0.0.1:"));

    login(&profile, &server, "grace@example.org");
    expect_exit(&commons(&profile, &["sync"], ""), 0);

    let out = commons(&profile, &["post", "   "], "");
    expect_exit(&out, 1);
    assert!(
        stderr(&out).contains("a post needs some text"),
        "{}",
        stderr(&out)
    );

    let out = commons(&profile, &["comment", "no-such-post", "hello"], "");
    expect_exit(&out, 1);
    assert!(
        stderr(&out).contains("unknown post no-such-post"),
        "{}",
        stderr(&out)
    );

    let groups = json(&commons(&profile, &["groups", "--json"], ""));
    let leadership = groups
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "Leadership")
        .unwrap();
    let out = commons(
        &profile,
        &[
            "group",
            "add-member",
            leadership["id"].as_str().unwrap(),
            "--email",
            "alan@example.org",
        ],
        "",
    );
    expect_exit(&out, 1);
    assert!(
        stderr(&out).contains("only admins of Leadership"),
        "{}",
        stderr(&out)
    );

    // Rejected by the server itself: said plainly, kept in the outbox as failed.
    let everyone = groups
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["is_default"] == true)
        .unwrap();
    let out = commons(
        &profile,
        &[
            "group",
            "add-member",
            everyone["id"].as_str().unwrap(),
            "--email",
            "nobody@example.org",
        ],
        "",
    );
    // Grace is not an admin of Everyone: refused before anything is queued.
    expect_exit(&out, 1);

    let out = commons(
        &profile,
        &[
            "group",
            "create",
            "--name",
            "Design",
            "--description",
            "Pixels and type",
            "--privacy",
            "closed",
        ],
        "",
    );
    expect_exit(&out, 0);
    assert!(
        stdout(&out).starts_with("Sent closed group \"Design\""),
        "{}",
        stdout(&out)
    );
    let groups = json(&commons(&profile, &["groups", "--json"], ""));
    let design = groups
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "Design")
        .unwrap()
        .clone();
    assert_eq!(design["my_role"], "admin");
    assert_eq!(design["description"], "Pixels and type");
    let out = commons(
        &profile,
        &[
            "group",
            "add-member",
            design["id"].as_str().unwrap(),
            "--email",
            "nobody@example.org",
        ],
        "",
    );
    expect_exit(&out, 1);
    assert!(
        stderr(&out).contains("the server rejected the request to add nobody@example.org"),
        "{}",
        stderr(&out)
    );
    let outbox = json(&commons(&profile, &["outbox", "--json"], ""));
    assert_eq!(outbox[0]["state"]["state"], "failed");
    let out = commons(&profile, &["outbox"], "");
    assert!(stdout(&out).starts_with("[failed: "), "{}", stdout(&out));

    expect_exit(&commons(&profile, &["logout"], ""), 0);
}

#[test]
fn search_the_cache_and_deal_with_a_rejected_change() {
    let data = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let profile = home.path().join("ada");
    let server = TestServer::demo(data.path());
    login(&profile, &server, "ada@example.org");
    expect_exit(&commons(&profile, &["sync"], ""), 0);

    let out = commons(&profile, &["search", "nightly", "bui"], "");
    expect_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.starts_with("Post · Alan Turing · "), "{text}");
    assert!(text.contains("The [nightly] [build] now takes"), "{text}");
    assert!(text.contains("  post id: "), "{text}");
    let hits = json(&commons(&profile, &["search", "--json", "handbook"], ""));
    assert_eq!(hits[0]["kind"], "comment");
    assert_eq!(hits[0]["title"], "Ada Lovelace");
    assert!(hits[0]["post_id"].is_string());
    // Operators and quotes are just text.
    let out = commons(&profile, &["search", "\"nightly", "AND", "*"], "");
    expect_exit(&out, 0);
    assert!(stdout(&out).starts_with("No matches"), "{}", stdout(&out));

    // Rejected by the server: nobody has that address. Listed, then retried
    // (rejected again: exit 1), then discarded.
    let groups = json(&commons(&profile, &["groups", "--json"], ""));
    let everyone = groups
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["is_default"] == true)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let out = commons(
        &profile,
        &[
            "group",
            "add-member",
            &everyone,
            "--email",
            "nobody@example.org",
        ],
        "",
    );
    expect_exit(&out, 1);
    let outbox = json(&commons(&profile, &["outbox", "list", "--json"], ""));
    assert_eq!(outbox[0]["state"]["state"], "failed");
    let id = outbox[0]["mutation_id"].as_str().unwrap().to_owned();

    let out = commons(&profile, &["outbox", "retry", &id], "");
    expect_exit(&out, 1);
    assert!(
        stderr(&out).contains("the server rejected the add nobody@example.org to Everyone"),
        "{}",
        stderr(&out)
    );
    let out = commons(&profile, &["outbox", "discard", "no-such-change"], "");
    expect_exit(&out, 1);
    assert!(
        stderr(&out).contains("no change no-such-change in the outbox"),
        "{}",
        stderr(&out)
    );
    let out = commons(&profile, &["outbox", "discard", &id], "");
    expect_exit(&out, 0);
    assert_eq!(
        stdout(&out),
        format!("Discarded add nobody@example.org to Everyone ({id}).\n")
    );
    let out = commons(&profile, &["outbox"], "");
    expect_exit(&out, 0);
    assert!(
        stdout(&out).starts_with("Nothing waiting"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn login_without_a_keychain_says_what_is_wrong() {
    let data = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let server = TestServer::demo(data.path());
    let out = commons_with_env(
        home.path(),
        &[
            "login",
            "--server",
            &server.url(),
            "--email",
            "ada@example.org",
        ],
        &format!("{PASSWORD}\n"),
        &[(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/commons-test-bus",
        )],
    );
    expect_exit(&out, 1);
    assert!(
        stderr(&out).contains("the OS keychain (Secret Service) is not reachable or is locked"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("panicked"));
}
