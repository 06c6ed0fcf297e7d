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
        let log_path = data_dir.join("server.log");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .expect("server log file");
        let mut child = Command::new(server_bin())
            .args(["serve", "--data-dir"])
            .arg(data_dir)
            .args(["--listen", listen])
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("start commons-server");
        let stdout = child.stdout.take().expect("piped stdout");
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
        let addr = match listening.recv_timeout(PATIENCE) {
            Ok(addr) => addr.expect("address in the listening line"),
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "commons-server did not start listening; see {}",
                    log_path.display()
                )
            }
        };
        TestServer {
            child,
            addr,
            data_dir: data_dir.to_path_buf(),
        }
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
