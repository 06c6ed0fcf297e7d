//! What Linux's `/proc` tells about a process (shared by the bench binaries).

/// User and system CPU seconds of process `pid` (or `"self"`) so far, from
/// `/proc/PID/stat`; NaN when it cannot be read.
pub fn cpu_seconds(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| fields.get(i).and_then(|t| t.parse::<f64>().ok());
    match (ticks(11), ticks(12)) {
        // Clock ticks of 1/100 s on every Linux this runs on.
        (Some(user), Some(system)) => (user + system) / 100.0,
        _ => f64::NAN,
    }
}
