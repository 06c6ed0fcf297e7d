//! What an import did: counts per kind of item (created, already there,
//! skipped) and each skipped item with its file, id and reason.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::Serialize;
use serde_json::{json, Value};

/// Skipped items listed one by one; beyond, they are only counted.
const MAX_LISTED: usize = 1_000;
/// Skipped items copied into the audit entry.
const MAX_AUDITED: usize = 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Member,
    Group,
    Membership,
    Post,
    Comment,
    Reaction,
    Seen,
    Attachment,
}

impl Kind {
    /// The kinds whose ids `import_ids` maps (the others are found by what they join).
    pub(super) const MAPPED: [Kind; 4] = [Kind::Member, Kind::Group, Kind::Post, Kind::Comment];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Member => "member",
            Kind::Group => "group",
            Kind::Membership => "membership",
            Kind::Post => "post",
            Kind::Comment => "comment",
            Kind::Reaction => "reaction",
            Kind::Seen => "seen",
            Kind::Attachment => "attachment",
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub created: u64,
    pub already_there: u64,
    pub skipped: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub kind: Kind,
    /// The file, relative to the export's folder.
    pub file: String,
    /// The Workplace id, when the item had one.
    pub id: String,
    pub reason: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub export: String,
    pub counts: BTreeMap<Kind, Counts>,
    pub skipped: Vec<Skipped>,
    /// Skipped items beyond those listed.
    pub skipped_not_listed: u64,
}

impl Summary {
    pub(super) fn new(root: &Path) -> Self {
        Summary {
            export: root.display().to_string(),
            counts: BTreeMap::new(),
            skipped: Vec::new(),
            skipped_not_listed: 0,
        }
    }

    pub(super) fn created(&mut self, kind: Kind) {
        self.counts.entry(kind).or_default().created += 1;
    }

    pub(super) fn already_there(&mut self, kind: Kind) {
        self.counts.entry(kind).or_default().already_there += 1;
    }

    pub(super) fn skip(&mut self, kind: Kind, file: String, id: &str, reason: String) {
        self.counts.entry(kind).or_default().skipped += 1;
        if self.skipped.len() < MAX_LISTED {
            self.skipped.push(Skipped {
                kind,
                file,
                id: id.to_string(),
                reason,
            });
        } else {
            self.skipped_not_listed += 1;
        }
    }

    pub fn count(&self, kind: Kind) -> Counts {
        self.counts.get(&kind).copied().unwrap_or_default()
    }

    /// The counts and the first skipped items, for the audit log.
    pub(super) fn audit_details(&self) -> Value {
        let skipped_total: u64 = self.counts.values().map(|c| c.skipped).sum();
        json!({
            "source": "workplace",
            "export": self.export,
            "counts": self.counts,
            "skipped": skipped_total,
            "first_skipped": self.skipped.iter().take(MAX_AUDITED).collect::<Vec<_>>(),
        })
    }

    /// One line of counts, for progress reports.
    pub fn progress_line(&self) -> String {
        let parts: Vec<String> = self
            .counts
            .iter()
            .map(|(kind, c)| format!("{} {}", c.created + c.already_there, kind.as_str()))
            .collect();
        format!("imported so far: {}", parts.join(", "))
    }
}

/// The summary people read at the end.
impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "imported {}", self.export)?;
        writeln!(
            f,
            "{:<12} {:>10} {:>14} {:>10}",
            "", "created", "already there", "skipped"
        )?;
        for (kind, c) in &self.counts {
            writeln!(
                f,
                "{:<12} {:>10} {:>14} {:>10}",
                kind.as_str(),
                c.created,
                c.already_there,
                c.skipped
            )?;
        }
        for s in &self.skipped {
            let id = if s.id.is_empty() { "-" } else { &s.id };
            writeln!(
                f,
                "skipped {} {id} in {}: {}",
                s.kind.as_str(),
                s.file,
                s.reason
            )?;
        }
        if self.skipped_not_listed > 0 {
            writeln!(f, "... and {} more skipped", self.skipped_not_listed)?;
        }
        Ok(())
    }
}
