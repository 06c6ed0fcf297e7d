use std::process::{Output, Stdio};

use commons_protocol::*;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

use crate::harness::{send, Ctx, Session};

const BINARY: &str = env!("CARGO_BIN_EXE_commons-server");

/// `commons-server SUBCOMMAND... --data-dir D [--database URL]`.
fn command(ctx: &Ctx, args: &[&str]) -> Command {
    let mut command = Command::new(BINARY);
    command.args(args).arg("--data-dir").arg(&ctx.data_dir);
    if let Some(url) = &ctx.database_url {
        command.arg("--database").arg(url);
    }
    command
        .env_remove("COMMONS_DATABASE_URL")
        .env_remove("COMMONS_DATA_DIR");
    command.kill_on_drop(true);
    command
}

pub(crate) async fn run(ctx: &Ctx, args: &[&str], stdin: &str) -> Output {
    let mut child = command(ctx, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let mut input = child.stdin.take().expect("stdin");
    input
        .write_all(stdin.as_bytes())
        .await
        .expect("write stdin");
    drop(input);
    child.wait_with_output().await.expect("binary finishes")
}

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn demo_login(ctx: &Ctx, email: &str) -> Session {
    let reply = ctx.login_reply(email, "commons-demo").await;
    let login: LoginResponse = reply.assert_status(200).json();
    Session {
        ctx: ctx.clone(),
        token: login.token,
        user: login.user,
    }
}

async fn group_names(session: &Session) -> Vec<String> {
    let groups: Vec<GroupListItem> = session.get("/groups").await.assert_status(200).json();
    groups.into_iter().map(|g| g.group.name).collect()
}

pub async fn demo_and_admin_commands_work_through_the_binary(ctx: Ctx) {
    let demo = run(&ctx, &["demo"], "").await;
    assert!(demo.status.success(), "demo failed: {}", text(&demo.stderr));
    let printed = text(&demo.stdout);
    for expected in [
        "ada@example.org",
        "grace@example.org",
        "alan@example.org",
        "linus@example.org",
        "commons-demo",
    ] {
        assert!(
            printed.contains(expected),
            "{expected} not printed: {printed}"
        );
    }

    let ada = demo_login(&ctx, "ada@example.org").await;
    assert!(ada.user.is_admin);
    assert_eq!(ada.user.handle, "ada");
    let linus = demo_login(&ctx, "linus@example.org").await;
    let alan = demo_login(&ctx, "alan@example.org").await;
    assert_eq!(
        group_names(&ada).await,
        ["Everyone", "Engineering", "Leadership", "Project Falcon"]
    );
    assert_eq!(
        group_names(&linus).await,
        ["Everyone", "Engineering", "Leadership"]
    );
    assert!(group_names(&alan)
        .await
        .contains(&"Project Falcon".to_string()));
    let mentions = ada
        .sync(None)
        .await
        .changes
        .iter()
        .filter(|c| matches!(c, Change::Post { post } if !mentioned_handles(&post.body).is_empty()))
        .count();
    assert!(mentions >= 1, "a demo post mentions someone");

    let again = run(&ctx, &["demo"], "").await;
    assert!(
        !again.status.success(),
        "demo must refuse a non-empty server"
    );
    assert!(
        text(&again.stderr).contains("already has 4 user(s)"),
        "{}",
        text(&again.stderr)
    );

    let create = [
        "admin",
        "create-user",
        "--email",
        "Hedy@Example.org",
        "--name",
        "Hedy Lamarr",
    ];
    let created = run(&ctx, &create, "frequency-hopping\n").await;
    assert!(
        created.status.success(),
        "create-user failed: {}",
        text(&created.stderr)
    );
    assert!(
        text(&created.stdout).contains("@hedy"),
        "{}",
        text(&created.stdout)
    );
    ctx.login_reply("hedy@example.org", "frequency-hopping")
        .await
        .assert_status(200);

    let duplicate = run(&ctx, &create, "frequency-hopping\n").await;
    assert!(!duplicate.status.success());
    assert!(
        text(&duplicate.stderr).contains("already exists"),
        "{}",
        text(&duplicate.stderr)
    );
    let short = [
        "admin",
        "create-user",
        "--email",
        "x@example.org",
        "--name",
        "X",
    ];
    let refused = run(&ctx, &short, "short\n").await;
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("at least"),
        "{}",
        text(&refused.stderr)
    );
}

/// A `commons-server serve` process on the scenario's database.
pub struct Served {
    child: tokio::process::Child,
    stdout: BufReader<tokio::process::ChildStdout>,
    /// Its stderr, read to the end in the background.
    logs: tokio::task::JoinHandle<String>,
    pub url: String,
}

/// Starts `commons-server serve` on a free port, logging JSON, and waits for
/// its address.
pub async fn serve(ctx: &Ctx) -> Served {
    let mut child = command(
        ctx,
        &["--log-format", "json", "serve", "--listen", "127.0.0.1:0"],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("binary starts");
    let mut stderr = child.stderr.take().expect("stderr");
    let logs = tokio::spawn(async move {
        let mut logs = String::new();
        let _ = stderr.read_to_string(&mut logs).await;
        logs
    });
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).await.expect("first line");
    let url = line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    Served {
        child,
        stdout,
        logs,
        url,
    }
}

impl Served {
    /// SIGTERM; asserts a graceful exit, that stdout held only the first line
    /// and that every log line is a JSON object. Returns the log lines.
    pub async fn stop(self) -> Vec<serde_json::Value> {
        self.terminate().await;
        self.wait_stopped().await
    }

    /// Sends SIGTERM (a graceful shutdown starts) without waiting for the exit.
    pub async fn terminate(&self) {
        let pid = self.child.id().expect("pid").to_string();
        let killed = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .await
            .expect("kill runs");
        assert!(killed.success());
    }

    /// After [`Served::terminate`]: what [`Served::stop`] asserts.
    pub async fn wait_stopped(mut self) -> Vec<serde_json::Value> {
        let status = self.child.wait().await.expect("server exits");
        assert!(status.success(), "graceful shutdown exits 0, got {status}");
        let mut rest = String::new();
        self.stdout
            .read_to_string(&mut rest)
            .await
            .expect("rest of stdout");
        assert_eq!(rest, "", "stdout carries only the listening line");
        let logs = self.logs.await.expect("logs read");
        logs.lines()
            .map(|line| {
                serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("a log line is not JSON ({e}): {line}"))
            })
            .collect()
    }
}

pub async fn the_binary_serves_and_stops_on_sigterm(ctx: Ctx) {
    let served = serve(&ctx).await;
    let url = &served.url;
    assert!(!url.ends_with(":0"), "the real port is printed: {url}");

    let health = send(ctx.http.get(format!("{url}/healthz"))).await;
    health.assert_status(200);
    assert_eq!(health.body, serde_json::json!({ "status": "ok" }));
    // A request's log lines carry its id.
    send(
        ctx.http
            .get(format!("{url}/api/v1/me"))
            .header("x-request-id", "sigterm-test-1"),
    )
    .await
    .assert_status(401);
    let logs = served.stop().await;
    let answered = logs
        .iter()
        .find(|line| line["span"]["id"] == "sigterm-test-1")
        .unwrap_or_else(|| panic!("no log line of the request: {logs:?}"));
    assert_eq!(answered["span"]["path"], "/api/v1/me");
    assert_eq!(answered["fields"]["status"], 401);
}

pub async fn the_demo_has_profiles_and_admins_deactivate_through_the_binary(ctx: Ctx) {
    let demo = run(&ctx, &["demo"], "").await;
    assert!(demo.status.success(), "demo failed: {}", text(&demo.stderr));
    let linus = demo_login(&ctx, "linus@example.org").await;
    let person = |handle: &'static str| {
        let linus = &linus;
        async move {
            let user: User = linus
                .get(&format!("/users/by-handle/{handle}"))
                .await
                .assert_status(200)
                .json();
            user
        }
    };
    let (ada, grace, alan) = (
        person("ada").await,
        person("grace").await,
        person("alan").await,
    );
    for user in [&ada, &grace, &alan, &linus.user] {
        assert!(
            !user.title.is_empty() && !user.department.is_empty() && !user.location.is_empty(),
            "{user:?}"
        );
    }
    assert_eq!(ada.manager_id, None);
    assert_eq!(grace.manager_id.as_deref(), Some(ada.id.as_str()));
    assert_eq!(alan.manager_id.as_deref(), Some(grace.id.as_str()));
    assert_eq!(linus.user.manager_id.as_deref(), Some(grace.id.as_str()));

    let deactivated = run(&ctx, &["admin", "deactivate", "Linus@Example.org"], "").await;
    assert!(
        deactivated.status.success(),
        "deactivate failed: {}",
        text(&deactivated.stderr)
    );
    assert!(text(&deactivated.stdout).contains("deactivated Linus Torvalds"));
    linus.get("/me").await.assert_error(401, "unauthorized");
    ctx.login_reply("linus@example.org", "commons-demo")
        .await
        .assert_error(403, "forbidden");

    let last = run(&ctx, &["admin", "deactivate", "ada@example.org"], "").await;
    assert!(!last.status.success());
    assert!(
        text(&last.stderr).contains("last organisation admin"),
        "{}",
        text(&last.stderr)
    );
    let unknown = run(&ctx, &["admin", "deactivate", "nobody@example.org"], "").await;
    assert!(!unknown.status.success());

    let reactivated = run(&ctx, &["admin", "reactivate", "linus@example.org"], "").await;
    assert!(
        reactivated.status.success(),
        "reactivate failed: {}",
        text(&reactivated.stderr)
    );
    demo_login(&ctx, "linus@example.org").await;
}

/// Not database-specific: `config check` reads the file and the environment.
pub async fn config_check_prints_the_effective_settings_or_names_the_problem(ctx: Ctx) {
    let scratch = tempfile::tempdir().expect("temp dir");
    let config = scratch.path().join("commons.toml");
    std::fs::write(
        &config,
        "data_dir = \"/srv/commons\"\n\
         database_url = \"postgres://commons:s3cret@db.internal/commons\"\n\
         [limits]\nmax_attachment_bytes = 1000\n",
    )
    .expect("write config");
    let check = |extra_env: Option<(&'static str, &'static str)>| {
        let mut command = Command::new(BINARY);
        command
            .args(["config", "check"])
            .env("COMMONS_CONFIG", &config)
            .env_remove("COMMONS_DATABASE_URL")
            .env_remove("COMMONS_DATA_DIR");
        if let Some((name, value)) = extra_env {
            command.env(name, value);
        }
        command.output()
    };
    let out = check(Some(("COMMONS_LISTEN", "0.0.0.0:8443")))
        .await
        .expect("runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed: toml::Table = text(&out.stdout).parse().expect("prints TOML");
    assert_eq!(printed["data_dir"].as_str(), Some("/srv/commons"));
    assert_eq!(printed["listen"].as_str(), Some("0.0.0.0:8443"));
    assert_eq!(
        printed["limits"]["max_attachment_bytes"].as_integer(),
        Some(1000)
    );
    assert_eq!(
        printed["database_url"].as_str(),
        Some("postgres://commons:****@db.internal/commons")
    );
    assert!(!text(&out.stdout).contains("s3cret"));

    let out = check(Some(("COMMONS_LIMITS_MAX_ATTACHMENT_BYTES", "lots")))
        .await
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("max_attachment_bytes"),
        "{}",
        text(&out.stderr)
    );

    std::fs::write(&config, "data_dir = \"/d\"\n[stream]\nping_evry_secs = 5\n").expect("write");
    let out = check(None).await.expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let error = text(&out.stderr);
    assert!(
        error.contains("ping_evry_secs") && error.contains("commons.toml"),
        "{error}"
    );
    drop(ctx);
}
