//! The table printed at the end, ready for BENCHMARKS.md.

use std::time::Duration;

#[derive(Default)]
pub struct Report {
    rows: Vec<(String, String, String)>,
}

impl Report {
    pub fn add(&mut self, what: &str, measured: String, goal: &str) {
        eprintln!("{what}: {measured}");
        self.rows.push((what.into(), measured, goal.into()));
    }

    pub fn markdown(&self, title: &str) -> String {
        let mut out = format!("### {title}\n\n| measure | result | goal |\n|---|---|---|\n");
        for (what, measured, goal) in &self.rows {
            out.push_str(&format!("| {what} | {measured} | {goal} |\n"));
        }
        out
    }
}

/// The `p`th percentile in milliseconds (sorts the samples).
pub fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    samples.sort();
    let rank = ((p / 100.0) * (samples.len() - 1) as f64).round() as usize;
    samples[rank].as_secs_f64() * 1000.0
}
