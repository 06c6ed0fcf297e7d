//! The files of a Workplace export (see docs/import-workplace.md): JSON in
//! the shapes of Workplace's Graph API, read leniently: unknown fields are
//! ignored, and an entry that does not have the shape is reported, not fatal.

use std::fs;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

/// A Graph API page (`{"data":[...],"paging":{...}}`) or edge.
#[derive(Deserialize, Debug)]
pub struct Page<T> {
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Page { data: Vec::new() }
    }
}

/// A reference to a person or object: `{"id":..., "name":...}`.
#[derive(Deserialize, Debug, Clone)]
pub struct Ref {
    pub id: String,
    #[serde(default)]
    pub name: String,
}

#[derive(Deserialize, Debug, Clone)]
pub struct Member {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub department: Option<String>,
    #[serde(default)]
    pub employee_number: Option<String>,
    #[serde(default)]
    pub manager: Option<Ref>,
}

#[derive(Deserialize, Debug)]
pub struct WorkplaceGroup {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// OPEN, CLOSED or SECRET.
    pub privacy: String,
    #[serde(default)]
    pub admins: Page<Ref>,
    #[serde(default)]
    pub members: Page<Ref>,
}

/// A `message_tags` entry: `length` UTF-16 code units of the message from
/// `offset` name `id` (a person when `type` is `user`).
#[derive(Deserialize, Debug, Clone)]
pub struct Tag {
    pub id: String,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    pub offset: usize,
    pub length: usize,
}

#[derive(Deserialize, Debug)]
pub struct Reaction {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Deserialize, Debug)]
pub struct Seen {
    pub id: String,
    pub seen_time: String,
}

/// An attachment: its file is `attachments/<target.id>[.ext]` beside the feed.
#[derive(Deserialize, Debug)]
pub struct Attachment {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub target: Option<Ref>,
    #[serde(default)]
    pub subattachments: Option<Page<Attachment>>,
}

impl Attachment {
    /// This attachment and those it groups (an album's photos), each once.
    pub fn flatten(&self) -> Vec<&Attachment> {
        let mut all = Vec::new();
        if self.target.is_some() {
            all.push(self);
        }
        if let Some(sub) = &self.subattachments {
            for attachment in &sub.data {
                all.extend(attachment.flatten());
            }
        }
        all
    }
}

#[derive(Deserialize, Debug)]
pub struct Comment {
    pub id: String,
    pub from: Option<Ref>,
    #[serde(default)]
    pub message: String,
    pub created_time: String,
    #[serde(default)]
    pub message_tags: Vec<Tag>,
    #[serde(default)]
    pub attachment: Option<Attachment>,
    #[serde(default)]
    pub reactions: Page<Reaction>,
    /// Replies (and, in deep threads, replies to replies).
    #[serde(default)]
    pub comments: Page<Comment>,
}

#[derive(Deserialize, Debug)]
pub struct Post {
    pub id: String,
    pub from: Option<Ref>,
    #[serde(default)]
    pub message: String,
    /// MARKDOWN or PLAINTEXT (the default).
    #[serde(default)]
    pub formatting: Option<String>,
    pub created_time: String,
    #[serde(default)]
    pub updated_time: Option<String>,
    #[serde(default)]
    pub message_tags: Vec<Tag>,
    #[serde(default)]
    pub attachments: Page<Attachment>,
    #[serde(default)]
    pub comments: Page<Comment>,
    #[serde(default)]
    pub reactions: Page<Reaction>,
    #[serde(default)]
    pub seen: Page<Seen>,
}

/// What makes a folder a Workplace export.
#[derive(Debug)]
pub struct Layout {
    pub root: PathBuf,
    /// `members.json`, `members-2.json`, ...: pages of members.
    pub member_pages: Vec<PathBuf>,
    /// `employees.csv` or `employees.xlsx`: the admin panel's list.
    pub employee_list: Option<PathBuf>,
    /// `groups.json`, `groups-2.json`, ...: pages of groups.
    pub group_pages: Vec<PathBuf>,
}

impl Layout {
    /// `None` when the folder holds none of the files of an export.
    pub fn find(root: &Path) -> std::io::Result<Option<Layout>> {
        let mut member_pages = Vec::new();
        let mut group_pages = Vec::new();
        let mut employee_list = None;
        for entry in fs::read_dir(root)? {
            let path = entry?.path();
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            let name = name.to_ascii_lowercase();
            if is_page(&name, "members") {
                member_pages.push(path);
            } else if is_page(&name, "groups") {
                group_pages.push(path);
            } else if name == "employees.csv" || name == "employees.xlsx" {
                employee_list = Some(path);
            }
        }
        if member_pages.is_empty() && group_pages.is_empty() && employee_list.is_none() {
            return Ok(None);
        }
        sort_pages(&mut member_pages);
        sort_pages(&mut group_pages);
        Ok(Some(Layout {
            root: root.to_path_buf(),
            member_pages,
            employee_list,
            group_pages,
        }))
    }

    /// `groups/<id>/`: the group's feed pages and attachments.
    pub fn group_dir(&self, group_id: &str) -> PathBuf {
        self.root.join("groups").join(group_id)
    }
}

/// `feed.json`, `feed-2.json`, ... in a group's folder, in page order.
pub fn feed_pages(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut pages = Vec::new();
    if !dir.is_dir() {
        return Ok(pages);
    }
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| is_page(&n.to_ascii_lowercase(), "feed"))
        {
            pages.push(path);
        }
    }
    sort_pages(&mut pages);
    Ok(pages)
}

/// `stem.json` or `stem-N.json`.
fn is_page(name: &str, stem: &str) -> bool {
    let Some(rest) = name.strip_prefix(stem) else {
        return false;
    };
    let Some(rest) = rest.strip_suffix(".json") else {
        return false;
    };
    rest.is_empty()
        || rest
            .strip_prefix('-')
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Page order: `x.json` first, then `x-2.json`, `x-10.json` by number.
fn sort_pages(pages: &mut [PathBuf]) {
    pages.sort_by_key(|path| {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        stem.rsplit_once('-')
            .and_then(|(_, n)| n.parse::<u64>().ok())
            .unwrap_or(1)
    });
}

/// The entries of a page file, each still raw so that one bad entry is
/// skipped alone. Err: the file is unreadable or not a page.
pub fn read_page(path: &Path) -> Result<Vec<Value>, String> {
    let bytes = fs::read(path).map_err(|e| format!("cannot read the file: {e}"))?;
    let page: Value = serde_json::from_slice(&bytes).map_err(|e| format!("not JSON: {e}"))?;
    match page.get("data") {
        Some(Value::Array(entries)) => Ok(entries.clone()),
        _ => Err("not a Graph API page: no \"data\" list".into()),
    }
}

/// One entry in the expected shape; Err says why not (and its id, if any).
pub fn parse<T: DeserializeOwned>(entry: Value) -> Result<T, (String, String)> {
    let id = entry
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    serde_json::from_value(entry).map_err(|e| (id, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_named_and_ordered_by_number() {
        assert!(is_page("feed.json", "feed"));
        assert!(is_page("feed-12.json", "feed"));
        assert!(!is_page("feed-.json", "feed"));
        assert!(!is_page("feedback.json", "feed"));
        let mut pages: Vec<PathBuf> = ["feed-10.json", "feed-2.json", "feed.json"]
            .iter()
            .map(PathBuf::from)
            .collect();
        sort_pages(&mut pages);
        assert_eq!(
            pages,
            ["feed.json", "feed-2.json", "feed-10.json"].map(PathBuf::from)
        );
    }
}
