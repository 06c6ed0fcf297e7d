//! A group's feed in the order it was written. Workplace pages a feed newest
//! first (or by activity), but Commons orders a group's posts by when they
//! were committed, so posts are imported oldest first: a first pass reads
//! each post's `created_time`, the second walks them in that order, keeping
//! only a few pages in memory (pages of a newest-first feed are each read
//! once more, last page first).

use std::path::PathBuf;

use serde_json::Value;

use super::export;
use super::text::parse_time;

/// Pages kept parsed during the second pass.
const CACHED_PAGES: usize = 3;

pub(super) struct Chronological {
    pages: Vec<PathBuf>,
    /// (created, page, entry), sorted; entries without a readable time first.
    order: Vec<(i64, usize, usize)>,
    next: usize,
    cache: Vec<(usize, Vec<Value>)>,
}

/// A page that could not be read in the first pass: its file and why.
pub(super) type Unreadable = (PathBuf, String);

impl Chronological {
    /// Reads every page once for the times; answers the walk and the pages
    /// that cannot be read.
    pub(super) fn read(pages: Vec<PathBuf>) -> (Chronological, Vec<Unreadable>, usize) {
        let mut order = Vec::new();
        let mut unreadable = Vec::new();
        let mut read = 0;
        for (page, path) in pages.iter().enumerate() {
            match export::read_page(path) {
                Ok(entries) => {
                    read += 1;
                    for (entry, value) in entries.iter().enumerate() {
                        let created = value
                            .get("created_time")
                            .and_then(Value::as_str)
                            .and_then(parse_time)
                            .unwrap_or(i64::MIN);
                        order.push((created, page, entry));
                    }
                }
                Err(reason) => unreadable.push((path.clone(), reason)),
            }
        }
        order.sort_unstable();
        let walk = Chronological {
            pages,
            order,
            next: 0,
            cache: Vec::new(),
        };
        (walk, unreadable, read)
    }

    /// The next post, oldest first, with its file; `None` at the end.
    pub(super) fn next(&mut self) -> Option<(PathBuf, Value)> {
        while self.next < self.order.len() {
            let (_, page, entry) = self.order[self.next];
            self.next += 1;
            let at = match self.cache.iter().position(|(p, _)| *p == page) {
                Some(at) => at,
                None => {
                    // Read in the first pass; a page gone since is passed over.
                    let Ok(entries) = export::read_page(&self.pages[page]) else {
                        continue;
                    };
                    if self.cache.len() == CACHED_PAGES {
                        self.cache.remove(0);
                    }
                    self.cache.push((page, entries));
                    self.cache.len() - 1
                }
            };
            let Some(value) = self.cache[at].1.get_mut(entry) else {
                continue;
            };
            return Some((self.pages[page].clone(), value.take()));
        }
        None
    }
}
