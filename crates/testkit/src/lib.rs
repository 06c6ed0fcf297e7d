//! Test support shared by the client and CLI integration tests: a real
//! `commons-server` process on a temporary data directory.
//!
//! The server binary is `COMMONS_SERVER_BIN`, else `target/debug/commons-server`
//! of this workspace (build it first: `cargo build -p commons-server`).
//! Blocking on purpose: starting a server takes a fraction of a second, and one
//! implementation serves synchronous and async tests alike.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub mod browser;
pub mod oidc;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "commons-demo";

/// Upper bound for things that normally take a second; only a guard against hanging.
pub const PATIENCE: Duration = Duration::from_secs(60);

pub fn server_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("COMMONS_SERVER_BIN") {
        return PathBuf::from(bin);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let bin = target.join("debug/commons-server");
    assert!(
        bin.exists(),
        "the server binary {} is missing: run `cargo build -p commons-server` first, \
         or set COMMONS_SERVER_BIN",
        bin.display()
    );
    bin
}

/// A running server. Killed when dropped.
pub struct TestServer {
    child: Child,
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
}

impl TestServer {
    /// A fresh data directory with the demo organisation, served on a free port.
    pub fn demo(data_dir: &Path) -> TestServer {
        let status = Command::new(server_bin())
            .args(["demo", "--data-dir"])
            .arg(data_dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run commons-server demo");
        assert!(status.success(), "commons-server demo failed: {status}");
        TestServer::start(data_dir, "127.0.0.1:0")
    }

    /// Serves `data_dir` on `listen` and waits for the `listening on` line.
    /// The server's log goes to `data_dir/server.log`.
    pub fn start(data_dir: &Path, listen: &str) -> TestServer {
        TestServer::start_with_env(data_dir, listen, &[])
    }

    /// Like [`TestServer::start`], with `COMMONS_...` settings in the
    /// environment (single sign-on, for one).
    pub fn start_with_env(data_dir: &Path, listen: &str, env: &[(&str, &str)]) -> TestServer {
        TestServer::spawn(&server_bin(), data_dir, listen, env).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Runs `bin serve --data-dir DATA_DIR --listen LISTEN` with `env` (the
    /// database URL, limits: any `COMMONS_...` setting) and waits for its
    /// `listening on` line. Its log goes to `data_dir/server.log`. Fails with
    /// a readable message instead of panicking (the load bench uses it too).
    pub fn spawn(
        bin: &Path,
        data_dir: &Path,
        listen: &str,
        env: &[(&str, &str)],
    ) -> Result<TestServer, String> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
        let log_path = data_dir.join("server.log");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(|e| format!("cannot open {}: {e}", log_path.display()))?;
        let mut child = Command::new(bin)
            .args(["serve", "--data-dir"])
            .arg(data_dir)
            .args(["--listen", listen])
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let Some(stdout) = child.stdout.take() else {
            let _ = child.kill();
            return Err("the server's stdout is not piped".into());
        };
        let (found, listening) = mpsc::channel();
        // Reads the listening line, then keeps draining stdout so the server
        // never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(addr) = line.trim().strip_prefix("listening on http://") {
                    let _ = found.send(addr.parse::<SocketAddr>());
                }
            }
        });
        match listening.recv_timeout(PATIENCE) {
            Ok(Ok(addr)) => Ok(TestServer {
                child,
                addr,
                data_dir: data_dir.to_path_buf(),
            }),
            Ok(Err(e)) => {
                let _ = child.kill();
                Err(format!("unreadable address in the listening line: {e}"))
            }
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                Err(format!(
                    "commons-server did not start listening; see {}",
                    log_path.display()
                ))
            }
        }
    }

    /// The server process's id (to read its memory in `/proc/PID/status`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory of the server process (`VmRSS`), in bytes; `None`
    /// once it has exited or off Linux.
    pub fn rss_bytes(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib * 1024)
    }

    /// Stops the server as a supervisor does (SIGTERM: graceful shutdown)
    /// and waits for it to exit, up to [`PATIENCE`]; then kills it.
    /// `Ok(true)` when it exited by itself with status 0.
    pub fn terminate(mut self) -> std::io::Result<bool> {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()?;
        if !status.success() {
            return Ok(false);
        }
        let deadline = std::time::Instant::now() + PATIENCE;
        while std::time::Instant::now() < deadline {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status.success());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.stop();
        Ok(false)
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops the server the hard way, as a crash or power cut would, and gives
    /// back what is needed to start it again on the same data and address.
    pub fn kill(mut self) -> (PathBuf, SocketAddr) {
        self.stop();
        (self.data_dir.clone(), self.addr)
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop();
    }
}
