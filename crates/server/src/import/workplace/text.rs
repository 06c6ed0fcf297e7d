//! Texts and times as Workplace wrote them, turned into Commons': Graph API
//! times into Unix milliseconds, `message_tags` into `@handle` mentions, and
//! PLAINTEXT into Markdown that shows the same text.

use super::export::Tag;

/// `2016-12-14T22:27:19+0000` (the Graph API's form), also with `Z`,
/// `+00:00` or fractional seconds, as Unix milliseconds.
pub fn parse_time(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, rest) = text.split_once('T')?;
    let mut parts = date.splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next()?.parse().ok()?;
    let day: u32 = parts.next()?.parse().ok()?;
    let zone_at = rest.find(['Z', 'z', '+', '-']).unwrap_or(rest.len());
    let (clock, zone) = rest.split_at(zone_at);
    let (clock, fraction) = clock.split_once('.').unwrap_or((clock, ""));
    let mut hms = clock.splitn(3, ':');
    let hour: i64 = hms.next()?.parse().ok()?;
    let minute: i64 = hms.next()?.parse().ok()?;
    let second: i64 = hms.next().unwrap_or("0").parse().ok()?;
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let millis: i64 = match fraction.get(..3.min(fraction.len())) {
        Some("") | None => 0,
        Some(digits) => format!("{digits:0<3}").parse().ok()?,
    };
    let offset_minutes = match zone {
        "" | "Z" | "z" => 0,
        zone => {
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let digits: String = zone[1..].chars().filter(char::is_ascii_digit).collect();
            if digits.len() != 4 {
                return None;
            }
            let hours: i64 = digits[..2].parse().ok()?;
            let minutes: i64 = digits[2..].parse().ok()?;
            sign * (hours * 60 + minutes)
        }
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Some(seconds * 1000 + millis)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The Commons text of a Workplace message: each tag of a person with a
/// handle here (`handle_of` their Workplace id) becomes `@handle`; the rest
/// stays as written when `markdown`, else is escaped so Markdown shows it
/// as it was. Tags out of range (a broken export) are ignored.
pub fn to_markdown<'h>(
    message: &str,
    tags: &[Tag],
    markdown: bool,
    handle_of: impl Fn(&str) -> Option<&'h str>,
) -> String {
    let units: Vec<u16> = message.encode_utf16().collect();
    let mut tags: Vec<&Tag> = tags
        .iter()
        .filter(|t| t.kind.as_deref().is_none_or(|k| k == "user"))
        .filter(|t| {
            t.offset
                .checked_add(t.length)
                .is_some_and(|end| end <= units.len())
        })
        .collect();
    tags.sort_by_key(|t| t.offset);
    let mut out = String::with_capacity(message.len() + 16);
    let mut plain = String::new();
    let mut at = 0;
    let flush = |plain: &mut String, out: &mut String| {
        if markdown {
            out.push_str(plain);
        } else {
            out.push_str(&escape_plain(plain, out.is_empty() || out.ends_with('\n')));
        }
        plain.clear();
    };
    for tag in tags {
        if tag.offset < at {
            continue; // overlapping tags: the first wins
        }
        let Some(handle) = handle_of(&tag.id) else {
            continue;
        };
        plain.push_str(&String::from_utf16_lossy(&units[at..tag.offset]));
        flush(&mut plain, &mut out);
        out.push('@');
        out.push_str(handle);
        at = tag.offset + tag.length;
    }
    plain.push_str(&String::from_utf16_lossy(&units[at..]));
    flush(&mut plain, &mut out);
    out
}

/// Plain text as Markdown showing the same characters: punctuation Markdown
/// would read is escaped, line starts that would make headings, quotes or
/// lists are defused, single line breaks become hard breaks. `#word`
/// (hashtags) and nothing else stays live; `@` is escaped so that only
/// Workplace's own tags become mentions. `line_start`: the text begins a line.
fn escape_plain(text: &str, mut line_start: bool) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let lines: Vec<&str> = text.split('\n').collect();
    for (i, line) in lines.iter().enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mut rest = line;
        if line_start {
            // Leading spaces would make a code block: keep them, unbreakable.
            let trimmed = rest.trim_start_matches(' ');
            for _ in 0..rest.len() - trimmed.len() {
                out.push('\u{a0}');
            }
            rest = trimmed;
            if rest.starts_with('#') && !rest[1..].starts_with(|c: char| c.is_alphanumeric()) {
                out.push('\\');
            }
            if rest.starts_with(['-', '+', '=']) {
                out.push('\\');
            }
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits > 0 && rest[digits..].starts_with(['.', ')']) {
                out.push_str(&rest[..digits]);
                out.push('\\');
                rest = &rest[digits..];
            }
        }
        for c in rest.chars() {
            // (`!` needs nothing: `[` is escaped, so `![` is never an image.)
            if matches!(
                c,
                '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '~' | '|' | '&' | '@'
            ) {
                out.push('\\');
            }
            out.push(c);
        }
        if i + 1 < lines.len() {
            let next_blank = lines[i + 1].trim().is_empty();
            // A line break inside a paragraph is kept as a hard break.
            if !line.trim().is_empty() && !next_blank {
                out.push('\\');
            }
            out.push('\n');
            line_start = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use commons_protocol::{hashtags, markdown::to_safe_html, mentioned_handles};

    #[test]
    fn graph_api_times_become_milliseconds() {
        assert_eq!(parse_time("1970-01-01T00:00:00+0000"), Some(0));
        assert_eq!(
            parse_time("2016-12-14T22:27:19+0000"),
            Some(1_481_754_439_000)
        );
        assert_eq!(
            parse_time("2016-12-14T23:27:19+01:00"),
            Some(1_481_754_439_000)
        );
        assert_eq!(
            parse_time("2016-12-14T22:27:19.250Z"),
            Some(1_481_754_439_250)
        );
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(parse_time("2016-13-01T00:00:00+0000"), None);
    }

    fn tag(id: &str, offset: usize, length: usize) -> Tag {
        Tag {
            id: id.into(),
            kind: Some("user".into()),
            offset,
            length,
        }
    }

    #[test]
    fn tags_become_mentions_and_plain_text_shows_as_written() {
        let message = "Thanks Ada Lovelace! See *this* & 1. <b>x</b> #launch @nobody";
        let body = to_markdown(message, &[tag("7", 7, 12)], false, |id| {
            (id == "7").then_some("ada")
        });
        assert_eq!(mentioned_handles(&body), vec!["ada".to_string()]);
        assert_eq!(hashtags(&body), vec!["launch".to_string()]);
        let html = to_safe_html(&body);
        assert!(html.contains("*this*"), "{html}");
        assert!(html.contains("&lt;b&gt;x&lt;/b&gt;"), "{html}");
        assert!(!html.contains("<em>"), "{html}");
    }

    #[test]
    fn line_starts_and_breaks_are_kept() {
        let body = to_markdown(
            "# not a heading\n- not a list\n2. nor this\n\n    indented",
            &[],
            false,
            |_| None,
        );
        let html = to_safe_html(&body);
        assert!(
            !html.contains("<h1>") && !html.contains("<li>") && !html.contains("<pre>"),
            "{html}"
        );
        assert!(html.contains("<br"), "{html}");
        assert!(html.contains("# not a heading"), "{html}");
    }

    #[test]
    fn utf16_offsets_and_markdown_posts() {
        // "é" and an emoji before the tag: offsets count UTF-16 units.
        let message = "é😀 Bob **bold**";
        let body = to_markdown(message, &[tag("b", 4, 3)], true, |_| Some("bob"));
        assert_eq!(body, "é😀 @bob **bold**");
    }
}
