//! Opening the system browser for single sign-on. Best effort: the address
//! is printed too, so a machine without a browser (SSH) can open it elsewhere
//! on the same computer.

use std::process::{Command, Stdio};

/// Starts the system's browser on `url` without waiting for it.
pub fn open(url: &str) {
    let mut command = if cfg!(target_os = "macos") {
        let mut c = Command::new("open");
        c.arg(url);
        c
    } else if cfg!(windows) {
        // Not `cmd /C start`: cmd would read the `&` of the query.
        let mut c = Command::new("rundll32");
        c.args(["url.dll,FileProtocolHandler", url]);
        c
    } else {
        let mut c = Command::new("xdg-open");
        c.arg(url);
        c
    };
    let started = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    match started {
        // Reaped in the background: the browser may outlive this command.
        Ok(mut child) => {
            std::thread::spawn(move || child.wait());
        }
        Err(_) => eprintln!("(no browser could be started: open the address yourself)"),
    }
}
