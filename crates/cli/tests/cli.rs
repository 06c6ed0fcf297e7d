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

/// The id of the first item of a JSON array whose `field` starts with `prefix`.
fn id_where(items: &serde_json::Value, field: &str, prefix: &str) -> String {
    items
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item[field].as_str().is_some_and(|v| v.starts_with(prefix)))
        .unwrap_or_else(|| panic!("no item with {field} starting {prefix:?} in {items}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn reactions_replies_edits_notifications_and_people() {
    let data = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let ada = home.path().join("ada");
    let linus = home.path().join("linus");
    let server = TestServer::demo(data.path());
    login(&ada, &server, "ada@example.org");
    login(&linus, &server, "linus@example.org");
    expect_exit(&commons(&ada, &["sync"], ""), 0);
    expect_exit(&commons(&linus, &["sync"], ""), 0);

    let feed = json(&commons(&ada, &["feed", "--json"], ""));
    let welcome = id_where(&feed, "body", "Welcome to Commons");
    let all_hands = id_where(&feed, "body", "Reminder: the all-hands");
    let welcome_post = feed
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == welcome.as_str())
        .unwrap();
    let linus_hi = id_where(&welcome_post["comments"], "body", "Hi all.");

    // React: sent at once; the same again is nothing to do; an unknown kind is a usage error.
    let out = commons(&ada, &["react", &all_hands, "love"], "");
    expect_exit(&out, 0);
    assert!(
        stdout(&out).starts_with(&format!("Sent reaction love to {all_hands}")),
        "{}",
        stdout(&out)
    );
    let out = commons(&ada, &["react", &all_hands, "love"], "");
    expect_exit(&out, 0);
    assert!(
        stdout(&out).contains("already reacted love"),
        "{}",
        stdout(&out)
    );
    let out = commons(&ada, &["react", &all_hands, "thumbs"], "");
    expect_exit(&out, 2);
    assert!(stderr(&out).contains("like love care haha wow sad angry"));

    // Reply: nested under the comment in the feed.
    let out = commons(&ada, &["reply", &linus_hi, "Welcome,", "Linus!"], "");
    expect_exit(&out, 0);
    assert!(stdout(&out).starts_with("Sent reply "), "{}", stdout(&out));
    let text = stdout(&commons(&ada, &["feed"], ""));
    assert!(
        text.contains(&format!(
            "      comment id: {linus_hi}\n        ↳ Ada Lovelace · just now\n          Welcome, Linus!"
        )),
        "{text}"
    );
    assert!(text.contains("reactions: love 1 (yours: love)"), "{text}");

    // Edit mine; not someone else's.
    let out = commons(
        &ada,
        &["edit", &welcome, "Welcome", "to", "Commons,", "all!"],
        "",
    );
    expect_exit(&out, 0);
    assert!(
        stdout(&out).starts_with("Sent edit of "),
        "{}",
        stdout(&out)
    );
    let feed = json(&commons(&ada, &["feed", "--json"], ""));
    let edited = feed
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == welcome.as_str())
        .unwrap();
    assert_eq!(edited["body"], "Welcome to Commons, all!");
    assert_eq!(edited["edited"], true);
    let out = commons(&linus, &["edit", &welcome, "mine now"], "");
    expect_exit(&out, 1);
    assert!(
        stderr(&out).contains("only its author can edit a post"),
        "{}",
        stderr(&out)
    );

    // Linus deletes his comment; Ada's cache keeps the thread but not the text.
    let out = commons(&linus, &["delete", &linus_hi], "");
    expect_exit(&out, 0);
    assert!(
        stdout(&out).starts_with("Sent deletion of "),
        "{}",
        stdout(&out)
    );
    expect_exit(&commons(&ada, &["sync"], ""), 0);
    assert!(stdout(&commons(&ada, &["feed"], "")).contains("↳ [deleted comment]"));

    // Notifications: the demo's comments on Ada's post and the mention of her.
    let list = json(&commons(&ada, &["notifications", "--unread", "--json"], ""));
    let unread = list["unread_count"].as_i64().unwrap();
    assert!(unread >= 2, "{list}");
    let first = list["notifications"][0]["id"].as_str().unwrap().to_owned();
    let out = commons(&ada, &["notifications"], "");
    expect_exit(&out, 0);
    assert!(
        stdout(&out).starts_with(&format!("{unread} unread\n* ")),
        "{}",
        stdout(&out)
    );
    let out = commons(&ada, &["notifications", "read", &first], "");
    expect_exit(&out, 0);
    assert!(
        stdout(&out).starts_with("Sent read mark"),
        "{}",
        stdout(&out)
    );
    let out = commons(&ada, &["notifications", "read", &first], "");
    assert!(stdout(&out).contains("already read"), "{}", stdout(&out));
    let out = commons(&ada, &["notifications", "read", "--all"], "");
    expect_exit(&out, 0);
    assert!(
        stdout(&out).starts_with(&format!("Sent read mark of {} notification(s)", unread - 1)),
        "{}",
        stdout(&out)
    );
    let out = commons(&ada, &["notifications", "--unread"], "");
    assert!(stdout(&out).starts_with("0 unread\n"), "{}", stdout(&out));
    let out = commons(&ada, &["notifications", "read", "no-such-id"], "");
    expect_exit(&out, 1);
    assert!(
        stderr(&out).contains("unknown notification"),
        "{}",
        stderr(&out)
    );

    // The directory and profiles.
    let out = commons(&linus, &["people"], "");
    expect_exit(&out, 0);
    assert!(
        stdout(&out).contains("Grace Hopper (@grace) · VP Engineering, Engineering · New York\n"),
        "{}",
        stdout(&out)
    );
    let engineers = json(&commons(&linus, &["people", "engineering", "--json"], ""));
    assert_eq!(engineers.as_array().unwrap().len(), 2, "{engineers}");
    let out = commons(&linus, &["profile", "@grace"], "");
    expect_exit(&out, 0);
    assert!(
        stdout(&out).contains("  Manager: Ada Lovelace (@ada)\n"),
        "{}",
        stdout(&out)
    );
    let profile = json(&commons(&linus, &["profile", "grace", "--json"], ""));
    assert_eq!(profile["title"], "VP Engineering");
    let out = commons(&linus, &["profile", "nobody"], "");
    expect_exit(&out, 1);
    assert!(stderr(&out).contains("nobody with the handle or id \"nobody\""));

    // Groups: members, a closed group's request, notification levels, leaving.
    let groups = json(&commons(&linus, &["groups", "--json"], ""));
    let leadership = id_where(&groups, "name", "Leadership");
    let engineering = id_where(&groups, "name", "Engineering");
    let falcon = id_where(
        &json(&commons(&ada, &["groups", "--json"], "")),
        "name",
        "Project Falcon",
    );
    let members = json(&commons(
        &ada,
        &["group", "members", &engineering, "--json"],
        "",
    ));
    assert_eq!(members[0]["role"], "admin");
    let out = commons(&linus, &["group", "join", &leadership], "");
    expect_exit(&out, 0);
    assert!(
        stdout(&out).contains("The group is closed: its admins will answer your request."),
        "{}",
        stdout(&out)
    );
    expect_exit(&commons(&ada, &["sync"], ""), 0);
    let out = commons(&ada, &["group", "requests"], "");
    assert!(
        stdout(&out).starts_with("Linus Torvalds (@linus) asks to join Leadership"),
        "{}",
        stdout(&out)
    );
    let out = commons(&ada, &["group", "notify", &engineering, "all"], "");
    expect_exit(&out, 0);
    assert!(
        stdout(&out).starts_with("Sent notification level all"),
        "{}",
        stdout(&out)
    );
    let out = commons(&ada, &["group", "notify", &engineering, "all"], "");
    assert!(stdout(&out).contains("already all"), "{}", stdout(&out));
    // The last admin cannot leave: the server's reason, exit 1.
    let out = commons(&ada, &["group", "leave", &falcon], "");
    expect_exit(&out, 1);
    assert!(
        stderr(&out).contains("the server rejected the request to leave group"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("last admin"), "{}", stderr(&out));

    expect_exit(&commons(&ada, &["logout"], ""), 0);
    expect_exit(&commons(&linus, &["logout"], ""), 0);
}

/// Runs `commons --accounts-dir ROOT --account NAME ARGS...` (no --profile).
fn commons_account(root: &Path, name: Option<&str>, args: &[&str], stdin: &str) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_commons"));
    command.arg("--accounts-dir").arg(root);
    if let Some(name) = name {
        command.args(["--account", name]);
    }
    let mut child = command
        .args(args)
        .env_remove("COMMONS_PROFILE")
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

#[test]
fn accounts_on_two_servers_side_by_side_and_logout_forget() {
    let dirs = tempfile::tempdir().unwrap();
    let (data_a, data_b) = (dirs.path().join("a"), dirs.path().join("b"));
    std::fs::create_dir(&data_a).unwrap();
    std::fs::create_dir(&data_b).unwrap();
    let server_a = TestServer::demo(&data_a);
    let server_b = TestServer::demo(&data_b);
    let root = dirs.path().join("accounts");
    let password = format!("{PASSWORD}\n");

    let out = commons_account(&root, None, &["accounts"], "");
    expect_exit(&out, 0);
    assert!(stdout(&out).contains("No accounts yet"));

    for (name, server, email) in [
        ("work", &server_a, "ada@example.org"),
        ("club", &server_b, "grace@example.org"),
    ] {
        let login = ["login", "--server", &server.url(), "--email", email];
        expect_exit(&commons_account(&root, Some(name), &login, &password), 0);
        expect_exit(&commons_account(&root, Some(name), &["sync"], ""), 0);
    }
    let list = json(&commons_account(&root, None, &["accounts", "--json"], ""));
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["name"], "club");
    assert_eq!(list[0]["server_url"], server_b.url());
    assert_eq!(list[0]["user"]["email"], "grace@example.org");
    assert_eq!(list[1]["name"], "work");
    assert_eq!(list[1]["server_url"], server_a.url());
    assert!(list.iter().all(|a| a["logged_in"] == true));

    // A plain logout keeps the cache; --forget deletes it.
    expect_exit(&commons_account(&root, Some("work"), &["logout"], ""), 0);
    let out = commons_account(&root, Some("work"), &["feed"], "");
    expect_exit(&out, 0);
    assert!(stdout(&out).contains("Welcome to Commons"));
    let out = commons_account(&root, Some("club"), &["logout", "--forget"], "");
    expect_exit(&out, 0);
    assert!(stdout(&out).contains("deleted the local cache"));
    assert!(!root.join("club").exists());
    let out = commons_account(&root, None, &["accounts"], "");
    expect_exit(&out, 0);
    assert_eq!(
        stdout(&out),
        format!(
            "work: Ada Lovelace <ada@example.org> on {} · logged out\n",
            server_a.url()
        )
    );

    let out = commons_account(&root, Some("../escape"), &["feed"], "");
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("not an account name"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_are_listed_and_downloaded() {
    let data = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let server = TestServer::demo(data.path());
    let http = reqwest::Client::new();
    let base = format!("{}/api/v1", server.url());
    let login: serde_json::Value = http
        .post(format!("{base}/auth/login"))
        .json(&serde_json::json!({"email": "ada@example.org", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap();
    let content = b"minutes of the meeting\n".repeat(3);
    let uploaded: serde_json::Value = http
        .post(format!("{base}/attachments?name=minutes.txt"))
        .bearer_auth(token)
        .body(content.clone())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let attachment_id = uploaded["id"].as_str().unwrap().to_owned();
    let groups: serde_json::Value = http
        .get(format!("{base}/groups"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let everyone = groups
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"]["is_default"] == true)
        .unwrap()["group"]["id"]
        .clone();
    let post_id = uuid::Uuid::now_v7().to_string();
    let created = http
        .post(format!("{base}/posts"))
        .bearer_auth(token)
        .json(&serde_json::json!({
            "mutation_id": uuid::Uuid::now_v7().to_string(), "id": post_id, "group_id": everyone,
            "body": "Minutes attached", "attachment_ids": [attachment_id],
        }))
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success());

    let profile = home.path().join("grace");
    let run = |args: Vec<String>| {
        let profile = profile.clone();
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            commons(&profile, &args, &format!("{PASSWORD}\n"))
        })
    };
    let url = server.url();
    let out = run(vec![
        "login".into(),
        "--server".into(),
        url,
        "--email".into(),
        "grace@example.org".into(),
    ])
    .await
    .unwrap();
    expect_exit(&out, 0);
    expect_exit(&run(vec!["sync".into()]).await.unwrap(), 0);
    let list = json(
        &run(vec![
            "attachment".into(),
            "list".into(),
            post_id.clone(),
            "--json".into(),
        ])
        .await
        .unwrap(),
    );
    assert_eq!(list[0]["name"], "minutes.txt");
    assert_eq!(list[0]["downloaded"], false);
    let copy = home.path().join("minutes.txt");
    let out = run(vec![
        "attachment".into(),
        "get".into(),
        attachment_id.clone(),
        "--out".into(),
        copy.display().to_string(),
    ])
    .await
    .unwrap();
    expect_exit(&out, 0);
    assert_eq!(std::fs::read(&copy).unwrap(), content);
    let out = run(vec!["attachment".into(), "get".into(), attachment_id])
        .await
        .unwrap();
    expect_exit(&out, 0);
    let cached = std::path::PathBuf::from(stdout(&out).trim());
    assert!(cached.starts_with(profile.join("attachments")));
    assert_eq!(std::fs::read(&cached).unwrap(), content);
    let out = run(vec!["attachment".into(), "list".into(), post_id])
        .await
        .unwrap();
    expect_exit(&out, 0);
    assert!(
        stdout(&out).contains("minutes.txt (application/octet-stream, 69 bytes)"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("downloaded"));

    // A post with a file, from the CLI: the file is uploaded, then the post.
    let notes = home.path().join("notes.txt");
    std::fs::write(&notes, b"notes from the CLI").unwrap();
    let out = run(vec![
        "post".into(),
        "--file".into(),
        notes.display().to_string(),
        "With".into(),
        "notes".into(),
    ])
    .await
    .unwrap();
    expect_exit(&out, 0);
    let feed = json(&run(vec!["feed".into(), "--json".into()]).await.unwrap());
    let mine = feed
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["body"] == "With notes")
        .expect("the post")
        .clone();
    assert_eq!(mine["pending"], false);
    let mine_id = mine["id"].as_str().unwrap().to_owned();
    let files = json(
        &run(vec![
            "attachment".into(),
            "list".into(),
            mine_id,
            "--json".into(),
        ])
        .await
        .unwrap(),
    );
    assert_eq!(files[0]["name"], "notes.txt");
}

#[test]
fn polls_votes_announcements_and_who_saw_them() {
    let data = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let (ada, grace) = (home.path().join("ada"), home.path().join("grace"));
    let server = TestServer::demo(data.path());
    login(&ada, &server, "ada@example.org");
    login(&grace, &server, "grace@example.org");
    for profile in [&ada, &grace] {
        expect_exit(&commons(profile, &["sync"], ""), 0);
    }

    // A post with a poll; too few options are refused before anything is sent.
    let out = commons(&ada, &["post", "--option", "Pizza", "Lunch?"], "");
    expect_exit(&out, 1);
    assert!(stderr(&out).contains("2 to 20 options"), "{}", stderr(&out));
    let out = commons(
        &ada,
        &[
            "post", "--option", "Pizza", "--option", "Sushi", "Lunch", "today?",
        ],
        "",
    );
    expect_exit(&out, 0);
    assert!(stdout(&out).starts_with("Sent post "), "{}", stdout(&out));
    let feed = json(&commons(&ada, &["feed", "--json", "--limit", "1"], ""));
    let post_id = feed[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(feed[0]["poll"]["options"][1]["text"], "Sushi");
    assert_eq!(feed[0]["poll"]["multiple"], false);

    // Grace votes by number or text; one option only, an existing one.
    expect_exit(&commons(&grace, &["sync"], ""), 0);
    let out = commons(&grace, &["vote", &post_id, "pizza", "sushi"], "");
    expect_exit(&out, 1);
    assert!(
        stderr(&out).contains("exactly one option"),
        "{}",
        stderr(&out)
    );
    let out = commons(&grace, &["vote", &post_id, "3"], "");
    expect_exit(&out, 1);
    assert!(stderr(&out).contains("not an option"), "{}", stderr(&out));
    let out = commons(&grace, &["vote", &post_id, "2"], "");
    expect_exit(&out, 0);
    assert!(
        stdout(&out).starts_with("Sent vote on "),
        "{}",
        stdout(&out)
    );
    let text = stdout(&commons(&grace, &["feed", "--limit", "1"], ""));
    assert!(text.contains("  poll (one choice) · 1 voter\n"), "{text}");
    assert!(text.contains("    [x] 2. Sushi · 1\n"), "{text}");
    expect_exit(&commons(&ada, &["sync"], ""), 0);
    let feed = json(&commons(&ada, &["feed", "--json", "--limit", "1"], ""));
    assert_eq!(feed[0]["poll"]["options"][1]["count"], 1);
    assert_eq!(feed[0]["poll"]["options"][1]["mine"], false);

    // Announced for 2 days: on top of Grace's feed until she marks it seen.
    let out = commons(&ada, &["announce", &post_id, "--days", "9"], "");
    expect_exit(&out, 1);
    assert!(stderr(&out).contains("1 to 7 days"), "{}", stderr(&out));
    let out = commons(&grace, &["announce", &post_id, "--days", "2"], "");
    expect_exit(&out, 1);
    assert!(
        stderr(&out).contains("admins and moderators"),
        "{}",
        stderr(&out)
    );
    expect_exit(
        &commons(&ada, &["announce", &post_id, "--days", "2"], ""),
        0,
    );
    expect_exit(&commons(&grace, &["post", "a", "newer", "post"], ""), 0);
    expect_exit(&commons(&grace, &["sync"], ""), 0);
    let text = stdout(&commons(&grace, &["feed", "--limit", "1"], ""));
    assert!(text.contains("Lunch today?"), "{text}");
    assert!(text.contains("★ announcement, "), "{text}");
    assert!(text.contains(" left · not seen yet"), "{text}");
    let out = commons(&grace, &["seen", &post_id], "");
    expect_exit(&out, 0);
    let text = stdout(&commons(&grace, &["feed", "--limit", "1"], ""));
    assert!(text.contains("a newer post"), "{text}");

    // Ada, the author, sees who saw it; Grace only herself.
    expect_exit(&commons(&ada, &["sync"], ""), 0);
    let out = commons(&ada, &["seen-by", &post_id], "");
    expect_exit(&out, 0);
    assert!(
        stdout(&out).starts_with("Seen by 1\n  Grace Hopper · "),
        "{}",
        stdout(&out)
    );
    let seen = json(&commons(&ada, &["seen-by", &post_id, "--json"], ""));
    assert_eq!(seen[0]["name"], "Grace Hopper");
    let text = stdout(&commons(&ada, &["feed", "--limit", "3"], ""));
    assert!(text.contains("seen by 1"), "{text}");

    // Unmarked; Grace withdraws her vote.
    expect_exit(&commons(&ada, &["announce", &post_id, "--off"], ""), 0);
    let out = commons(&grace, &["vote", &post_id, "--clear"], "");
    expect_exit(&out, 0);
    expect_exit(&commons(&ada, &["sync"], ""), 0);
    let feed = json(&commons(&ada, &["feed", "--json", "--limit", "5"], ""));
    let lunch = feed
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == post_id.as_str())
        .expect("the poll post");
    assert_eq!(lunch["poll"]["voters"], 0);
    assert_eq!(lunch["announced_until"], serde_json::Value::Null);
}

#[test]
fn an_org_admin_adds_a_person_and_reads_the_audit_log() {
    let data = tempfile::tempdir().unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let server = TestServer::demo(data.path());
    let (ada, grace) = (profiles.path().join("ada"), profiles.path().join("grace"));
    login(&ada, &server, "ada@example.org");
    login(&grace, &server, "grace@example.org");

    let refused = commons(&grace, &["admin", "audit"], "");
    expect_exit(&refused, 1);
    assert!(
        stderr(&refused).contains("organisation admins"),
        "{}",
        stderr(&refused)
    );

    let added = commons(
        &ada,
        &[
            "admin",
            "invite",
            "--email",
            "katherine@example.org",
            "--name",
            "Katherine Johnson",
        ],
        "first-password\n",
    );
    expect_exit(&added, 0);
    assert!(
        stdout(&added).contains("Added Katherine Johnson <katherine@example.org> as @katherine")
    );
    let katherine = profiles.path().join("katherine");
    let out = commons(
        &katherine,
        &[
            "login",
            "--server",
            &server.url(),
            "--email",
            "katherine@example.org",
        ],
        "first-password\n",
    );
    expect_exit(&out, 0);

    let page = json(&commons(
        &ada,
        &["admin", "audit", "--action", "user_created", "--json"],
        "",
    ));
    let entry = &page["entries"][0];
    assert_eq!(entry["actor_name"], "Ada Lovelace");
    assert!(entry["details"]
        .as_str()
        .unwrap()
        .contains("katherine@example.org"));
    let id = entry["target_id"].as_str().unwrap().to_owned();
    let out = commons(&ada, &["admin", "role", &id, "--admin"], "");
    expect_exit(&out, 0);
    assert!(stdout(&out)
        .contains("Katherine Johnson <katherine@example.org>: active, organisation admin"));
    let text = stdout(&commons(&ada, &["admin", "audit", "--limit", "3"], ""));
    assert!(text.contains("user_role_changed"), "{text}");
    assert!(text.contains("login "), "{text}");
    assert!(text.contains("(older: --before"), "{text}");

    let bad = commons(&ada, &["admin", "audit", "--action", "nonsense"], "");
    expect_exit(&bad, 2);
    assert!(
        stderr(&bad).contains("unknown audit action"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn an_org_admin_sets_retention_policies_and_erases_a_person() {
    let data = tempfile::tempdir().unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let server = TestServer::demo(data.path());
    let (ada, grace) = (profiles.path().join("ada"), profiles.path().join("grace"));
    login(&ada, &server, "ada@example.org");
    login(&grace, &server, "grace@example.org");
    expect_exit(&commons(&ada, &["sync"], ""), 0);
    let groups = json(&commons(&ada, &["groups", "--json"], ""));
    let group = groups
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["is_default"] == false)
        .expect("a demo group besides the default one");
    let (group_id, group_name) = (
        group["id"].as_str().unwrap(),
        group["name"].as_str().unwrap(),
    );

    let text = stdout(&commons(&ada, &["admin", "retention", "list"], ""));
    assert_eq!(text, "Organisation: no policy, posts are kept.\n");
    let out = commons(&ada, &["admin", "retention", "set", "--days", "365"], "");
    expect_exit(&out, 0);
    assert!(
        stdout(&out).contains("Organisation: posts older than 365 days are deleted."),
        "{}",
        stdout(&out)
    );
    let out = commons(
        &ada,
        &[
            "admin",
            "retention",
            "set",
            "--days",
            "30",
            "--group",
            group_id,
        ],
        "",
    );
    expect_exit(&out, 0);
    assert!(
        stdout(&out).contains(&format!(
            "Group {group_name} ({group_id}): posts older than 30 days are deleted."
        )),
        "{}",
        stdout(&out)
    );
    let listed = json(&commons(
        &ada,
        &["admin", "retention", "list", "--json"],
        "",
    ));
    assert_eq!(listed[0]["group_id"], serde_json::Value::Null);
    assert_eq!(listed[0]["max_age_days"], 365);
    assert_eq!(listed[1]["group_name"], group_name);
    assert_eq!(listed[1]["max_age_days"], 30);
    let bad = commons(&ada, &["admin", "retention", "set", "--days", "0"], "");
    expect_exit(&bad, 2);
    let out = commons(
        &ada,
        &["admin", "retention", "clear", "--group", group_id],
        "",
    );
    expect_exit(&out, 0);
    assert!(!stdout(&out).contains(group_id), "{}", stdout(&out));
    let refused = commons(&grace, &["admin", "retention", "list"], "");
    expect_exit(&refused, 1);
    assert!(
        stderr(&refused).contains("organisation admins"),
        "{}",
        stderr(&refused)
    );

    // Erasure: refused without --yes, with what it does; done with it.
    let grace_id = json(&commons(&ada, &["profile", "grace", "--json"], ""))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let unconfirmed = commons(&ada, &["admin", "erase", &grace_id], "");
    expect_exit(&unconfirmed, 2);
    assert!(
        stderr(&unconfirmed).contains("can never be undone; run again with --yes"),
        "{}",
        stderr(&unconfirmed)
    );
    let profile = json(&commons(&ada, &["profile", &grace_id, "--json"], ""));
    assert_eq!(profile["name"], "Grace Hopper", "nothing was erased");
    let out = commons(&ada, &["admin", "erase", &grace_id, "--yes"], "");
    expect_exit(&out, 0);
    assert!(
        stdout(&out).contains(&format!("Erased {grace_id}, now \"Former member\":")),
        "{}",
        stdout(&out)
    );
    expect_exit(&commons(&ada, &["sync"], ""), 0);
    let profile = json(&commons(&ada, &["profile", &grace_id, "--json"], ""));
    assert_eq!(profile["name"], "Former member");
}

#[test]
fn exports_of_the_organisation_and_of_my_own_data() {
    let data = tempfile::tempdir().unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let server = TestServer::demo(data.path());
    let (ada, grace) = (profiles.path().join("ada"), profiles.path().join("grace"));
    login(&ada, &server, "ada@example.org");
    login(&grace, &server, "grace@example.org");
    let out_dir = tempfile::tempdir().unwrap();

    let org = out_dir.path().join("org.tar.gz");
    let out = commons(
        &ada,
        &["admin", "export", "--out", org.to_str().unwrap()],
        "",
    );
    expect_exit(&out, 0);
    let text = stdout(&out);
    assert!(
        text.starts_with(&format!(
            "Saved the organisation's export to {}",
            org.display()
        )),
        "{text}"
    );
    assert!(text.contains(" posts, "), "{text}");
    assert!(org.metadata().unwrap().len() > 0);
    // Never over an existing file.
    let again = commons(
        &ada,
        &["admin", "export", "--out", org.to_str().unwrap()],
        "",
    );
    expect_exit(&again, 2);
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );

    let mine = out_dir.path().join("mine.tar.gz");
    let summary = json(&commons(
        &grace,
        &["export", "--out", mine.to_str().unwrap(), "--json"],
        "",
    ));
    assert_eq!(summary["scope"], "personal");
    assert_eq!(summary["bytes"], mine.metadata().unwrap().len());

    // Not an admin: the server's reason, exit 1, no file.
    let refused = out_dir.path().join("refused.tar.gz");
    let out = commons(
        &grace,
        &["admin", "export", "--out", refused.to_str().unwrap()],
        "",
    );
    expect_exit(&out, 1);
    assert!(
        stderr(&out).contains("organisation admins"),
        "{}",
        stderr(&out)
    );
    assert!(!refused.exists());

    // Offline: exit 3, no file.
    drop(server);
    let offline = out_dir.path().join("offline.tar.gz");
    let out = commons(&grace, &["export", "--out", offline.to_str().unwrap()], "");
    expect_exit(&out, 3);
    assert!(!offline.exists());
}
