//! Polls and announcements in the terminal: choosing options, and how a
//! post's poll, announcement and readers are printed.

use std::fmt::Write as _;

use anyhow::{bail, Result};
use commons_client::{Client, FeedPost, SeenView};

use crate::render::ago;

/// The option indexes meant by `given`: numbers as printed (from 1), or
/// option texts (any case), read against the cached poll.
pub async fn choices(client: &Client, post_id: &str, given: &[String]) -> Result<Vec<u32>> {
    let Some(post) = client.post_by_id(post_id).await? else {
        bail!("post {post_id} is not in the local cache (run `commons sync`, or check the id)");
    };
    let Some(poll) = post.poll else {
        bail!("post {post_id} has no poll");
    };
    let mut chosen = Vec::with_capacity(given.len());
    for word in given {
        let by_number = word
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=poll.options.len()).contains(n))
            .map(|n| n - 1);
        let by_text = || {
            poll.options
                .iter()
                .position(|o| o.text.eq_ignore_ascii_case(word.trim()))
        };
        match by_number.or_else(by_text) {
            Some(index) => chosen.push(u32::try_from(index)?),
            None => bail!(
                "{word:?} is not an option of this poll: give a number from 1 to {} or an option's text",
                poll.options.len()
            ),
        }
    }
    Ok(chosen)
}

/// The announcement and poll lines of a post in the feed.
pub fn post_lines(out: &mut String, post: &FeedPost, now: i64) {
    if let Some(until) = post.announced_until.filter(|until| *until > now) {
        let seen = if post.seen_by_me {
            "seen"
        } else {
            "not seen yet"
        };
        let mut line = format!("  ★ announcement, {} left · {seen}", left(until, now));
        if let Some(count) = post.seen_by_count {
            let _ = write!(line, " · seen by {count}");
        }
        let _ = writeln!(out, "{line}");
    }
    let Some(poll) = &post.poll else {
        return;
    };
    let kind = if poll.multiple {
        "several choices"
    } else {
        "one choice"
    };
    let closed = if poll.closed { " · closed" } else { "" };
    let voters = match poll.voters {
        1 => "1 voter".to_owned(),
        n => format!("{n} voters"),
    };
    let _ = writeln!(out, "  poll ({kind}) · {voters}{closed}");
    for (number, option) in (1..).zip(&poll.options) {
        let mark = if option.mine { "[x]" } else { "[ ]" };
        let _ = writeln!(
            out,
            "    {mark} {number}. {} · {}",
            option.text, option.count
        );
    }
}

fn left(until: i64, now: i64) -> String {
    let hours = (until - now).max(0) / 3_600_000;
    match hours {
        0 => "less than an hour".to_owned(),
        1..=47 => format!("{hours} h"),
        _ => format!("{} days", hours / 24),
    }
}

/// `commons seen-by`.
pub fn seen_by(seen: &[SeenView], now: i64) -> String {
    if seen.is_empty() {
        return "Nobody saw it yet, as far as this device knows (`commons sync` fetches what is new).\n"
            .to_owned();
    }
    let mut out = format!("Seen by {}\n", seen.len());
    for view in seen {
        let _ = writeln!(out, "  {} · {}", view.name, ago(view.seen_at, now));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use commons_client::{PollOptionView, PollView};

    #[test]
    fn polls_and_announcements_are_printed_with_counts_and_my_choice() {
        let now = 1_000_000_000;
        let post = FeedPost {
            attachments: Vec::new(),
            poll: Some(PollView {
                options: vec![
                    PollOptionView {
                        text: "pizza".into(),
                        count: 2,
                        mine: true,
                    },
                    PollOptionView {
                        text: "sushi".into(),
                        count: 0,
                        mine: false,
                    },
                ],
                multiple: false,
                closed: false,
                voters: 2,
            }),
            announced_until: Some(now + 3 * 24 * 3_600_000),
            seen_by_me: false,
            seen_by_count: Some(4),
            id: "p-1".into(),
            group_id: "g".into(),
            group_name: "Engineering".into(),
            author_id: "u".into(),
            author_name: "Ada Lovelace".into(),
            body: "Lunch?".into(),
            body_html: "<p>Lunch?</p>".into(),
            created_at: now,
            pending: false,
            failed: None,
            mutation_id: None,
            comments: Vec::new(),
            edited: false,
            pinned: false,
            deleted: false,
            reactions: Vec::new(),
            my_reaction: None,
        };
        let mut out = String::new();
        post_lines(&mut out, &post, now);
        assert_eq!(
            out,
            "  ★ announcement, 3 days left · not seen yet · seen by 4\n  \
             poll (one choice) · 2 voters\n    [x] 1. pizza · 2\n    [ ] 2. sushi · 0\n"
        );
        // An announcement that ended is not one any more.
        let mut out = String::new();
        let ended = FeedPost {
            poll: None,
            attachments: Vec::new(),
            announced_until: Some(now - 1),
            ..post
        };
        post_lines(&mut out, &ended, now);
        assert_eq!(out, "");
    }
}
