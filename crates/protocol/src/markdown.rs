//! Posts and comments are Markdown (CommonMark). This module renders their
//! text as HTML that is safe to insert into a page (the desktop app's
//! webview), and finds the `@mentions` and `#hashtags` in it. Both read the
//! text the same way, so what is highlighted is exactly what counts.
//!
//! What [`to_safe_html`] guarantees:
//! - Raw HTML in the text is shown as text (escaped), never interpreted: an
//!   HTML block becomes a paragraph of its lines.
//! - Links keep only `http:`, `https:` and `mailto:` URLs
//!   ([`is_allowed_link`]). Any other link (`javascript:`, `data:`,
//!   `vbscript:`, `file:`, relative, ...) becomes its plain text; the check is
//!   made on the URL as the parser decoded it, so entities and backslash
//!   escapes cannot hide a scheme. Kept links get
//!   `rel="noopener noreferrer nofollow" target="_blank"`. In the desktop app
//!   a click never navigates the app's window: the UI hands the URL to the
//!   system browser, and the shell refuses any navigation away from the app.
//! - Images are never loaded: an image becomes a link to it (class
//!   `image-link`) labelled with its alt text, or with its URL when the alt
//!   text is empty. Loading remote images would tell their host who reads
//!   the post and when (tracking pixels), and the app's content security
//!   policy blocks them anyway. Attachments will be shown by the app itself.
//! - The only attributes written are `href`, `title`, `rel`, `target`,
//!   `class`, `start` (of an ordered list) and `data-handle` / `data-tag`
//!   (of mentions and hashtags), all escaped. No `id`s, no `style`, no event
//!   handlers.
//! - Plain CommonMark: no tables, footnotes, heading attributes or other
//!   extensions. One departure, as in chat and in GitHub comments: a line
//!   break inside a paragraph is kept (`<br />`), since people writing a post
//!   expect their lines to stay lines. A blank line starts a new paragraph.
//!
//! Mentions and hashtags count in prose only: not in code spans or code
//! blocks, not in raw HTML (shown as typed), not in autolinks
//! (`<https://...>`), and not when their `@` or `#` is escaped (`\#1`,
//! `&#35;`). They start a word: not after a letter, a digit, `_` or `/` (so
//! neither `ada@example.org` nor `https://example.org/#top` nor
//! `https://example.org/@ada` holds one).
//! - A handle ([`crate::mentioned_handles`]) is made of ASCII letters,
//!   digits, `.`, `_` and `-`, and does not end with `.`.
//! - A hashtag ([`crate::hashtags`]) is made of letters, digits and `_`
//!   (Unicode letters included) with at least one letter: `#1` is a number,
//!   not a tag.

use std::collections::HashSet;
use std::ops::Range;

use pulldown_cmark::{CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};

/// CSS class of a rendered `@mention` (`<span class="mention" data-handle="ada">@Ada</span>`).
pub const MENTION_CLASS: &str = "mention";

/// CSS class of a rendered `#hashtag` (`<span class="hashtag" data-tag="rust">#Rust</span>`).
pub const HASHTAG_CLASS: &str = "hashtag";

/// CSS class of the link an image becomes.
pub const IMAGE_LINK_CLASS: &str = "image-link";

/// The `rel` of every rendered link: no access to the app's window, no
/// referrer, no endorsement.
pub const LINK_REL: &str = "noopener noreferrer nofollow";

/// URL schemes a rendered link may have (and the desktop app may open).
const ALLOWED_SCHEMES: [&str; 3] = ["https://", "http://", "mailto:"];

/// The Markdown `text` of a post or comment as HTML that is safe to insert
/// into a page as is (see the module documentation for what that means).
/// Empty text gives an empty string.
pub fn to_safe_html(text: &str) -> String {
    let mut renderer = Renderer::default();
    walk(text, |piece| renderer.piece(piece));
    let mut html = String::with_capacity(text.len() * 3 / 2 + 16);
    pulldown_cmark::html::push_html(&mut html, renderer.out.into_iter());
    html.truncate(html.trim_end().len());
    html
}

/// Whether a link to `url` is kept (and may be opened): an `http://` or
/// `https://` URL, or a `mailto:` address, with something after the scheme
/// and no whitespace or control characters. The scheme is matched
/// case-insensitively; anything else (`javascript:`, `data:`, `vbscript:`,
/// `file:`, relative URLs) is refused.
pub fn is_allowed_link(url: &str) -> bool {
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    ALLOWED_SCHEMES.iter().any(|scheme| {
        url.len() > scheme.len()
            && url
                .get(..scheme.len())
                .is_some_and(|start| start.eq_ignore_ascii_case(scheme))
    })
}

/// The lowercase handles mentioned in `text`, in order, without duplicates.
pub(crate) fn mentions(text: &str) -> Vec<String> {
    names_of(text, Mark::Mention, |name| name.to_ascii_lowercase())
}

/// The lowercase hashtags of `text` (without `#`), in order, without duplicates.
pub(crate) fn tags(text: &str) -> Vec<String> {
    names_of(text, Mark::Hashtag, str::to_lowercase)
}

fn names_of(text: &str, wanted: Mark, normalise: impl Fn(&str) -> String) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    walk(text, |piece| {
        if let Piece::Prose(run) = piece {
            for found in marks(&run).into_iter().filter(|found| found.mark == wanted) {
                let name = normalise(found.name(&run.text));
                if seen.insert(name.clone()) {
                    names.push(name);
                }
            }
        }
    });
    names
}

/// What the walk over a text's Markdown hands out.
enum Piece<'a> {
    /// Markup and anything else that is not plain text, as parsed.
    Event(Event<'a>),
    /// Text in which mentions and hashtags count.
    Prose(Run),
    /// Text shown exactly as written: the content of code blocks and autolinks.
    Literal(String),
}

/// Adjacent text events, merged (the parser splits text at delimiters,
/// escapes and entities).
#[derive(Default)]
struct Run {
    text: String,
    /// Byte offsets in `text` (ascending) of characters that were escaped
    /// (`\#`) or written as entities (`&#35;`): they never start a mention
    /// or hashtag.
    escaped: Vec<usize>,
    /// The character shown just before the run in the same block, if any.
    before: Option<char>,
}

/// Parses `source` and hands its pieces to `visit`, in order.
fn walk<'a>(source: &'a str, mut visit: impl FnMut(Piece<'a>)) {
    let mut run: Option<Run> = None;
    let mut before: Option<char> = None;
    let mut in_code_block = false;
    let mut in_autolink = false;
    for (event, range) in Parser::new_ext(source, Options::empty()).into_offset_iter() {
        if let Event::Text(text) = &event {
            let run = run.get_or_insert_with(|| Run {
                before,
                ..Run::default()
            });
            let at = run.text.len();
            if source.get(range.clone()) != Some(text.as_ref()) {
                // Decoded entities: every character of them is literal.
                run.escaped.extend(text.char_indices().map(|(i, _)| at + i));
            } else if range.start > 0 && source.as_bytes()[range.start - 1] == b'\\' {
                // A backslash escape: the text starts with the escaped character.
                run.escaped.push(at);
            }
            run.text.push_str(text);
            continue;
        }
        if let Some(done) = run.take() {
            before = done.text.chars().next_back();
            visit(if in_code_block || in_autolink {
                Piece::Literal(done.text)
            } else {
                Piece::Prose(done)
            });
        }
        before = match &event {
            Event::Start(tag) if is_inline(tag) => before,
            Event::End(tag) if is_inline_end(tag) => before,
            Event::Code(text) | Event::InlineHtml(text) => text.chars().next_back(),
            _ => None,
        };
        match &event {
            Event::Start(Tag::CodeBlock(_)) => in_code_block = true,
            Event::End(TagEnd::CodeBlock) => in_code_block = false,
            Event::Start(Tag::Link {
                link_type: LinkType::Autolink | LinkType::Email,
                ..
            }) => in_autolink = true,
            // Links do not nest, so the end of any link ends an autolink.
            Event::End(TagEnd::Link) => in_autolink = false,
            _ => {}
        }
        visit(Piece::Event(event));
    }
    if let Some(done) = run {
        visit(Piece::Prose(done));
    }
}

/// Tags that sit inside a line of text: the character before them still
/// touches the text after them.
fn is_inline(tag: &Tag<'_>) -> bool {
    matches!(
        tag,
        Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::Superscript
            | Tag::Subscript
            | Tag::Link { .. }
            | Tag::Image { .. }
    )
}

fn is_inline_end(tag: &TagEnd) -> bool {
    matches!(
        tag,
        TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::Link
            | TagEnd::Image
    )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mark {
    Mention,
    Hashtag,
}

/// A mention or hashtag found in a run: `range` covers the `@` or `#` and the name.
struct Found {
    mark: Mark,
    range: Range<usize>,
}

impl Found {
    fn name<'t>(&self, text: &'t str) -> &'t str {
        &text[self.range.start + 1..self.range.end]
    }
}

/// The mentions and hashtags of a run of prose, in order.
fn marks(run: &Run) -> Vec<Found> {
    let text = run.text.as_str();
    let mut found = Vec::new();
    let mut before = run.before;
    let mut i = 0;
    while let Some(c) = text[i..].chars().next() {
        let mark = match c {
            '@' => Some(Mark::Mention),
            '#' => Some(Mark::Hashtag),
            _ => None,
        };
        if let Some(mark) =
            mark.filter(|_| starts_word(before) && run.escaped.binary_search(&i).is_err())
        {
            let rest = &text[i + 1..];
            let len = match mark {
                Mark::Mention => handle_len(rest),
                Mark::Hashtag => tag_len(rest),
            };
            if len > 0 {
                let end = i + 1 + len;
                found.push(Found {
                    mark,
                    range: i..end,
                });
                before = text[..end].chars().next_back();
                i = end;
                continue;
            }
        }
        before = Some(c);
        i += c.len_utf8();
    }
    found
}

/// Whether a mention or hashtag may start after `before` (`None`: the start of a block).
fn starts_word(before: Option<char>) -> bool {
    before.is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '/'))
}

/// Length in bytes of the handle at the start of `text` (0: none).
fn handle_len(text: &str) -> usize {
    let handle = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        .map_or(text, |end| &text[..end]);
    handle.trim_end_matches('.').len()
}

/// Length in bytes of the hashtag name at the start of `text` (0: none).
fn tag_len(text: &str) -> usize {
    let name = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .map_or(text, |end| &text[..end]);
    if name.chars().any(char::is_alphabetic) {
        name.len()
    } else {
        0
    }
}

/// Turns the pieces of a walk into the events the HTML writer receives,
/// with every rule of [`to_safe_html`] applied.
#[derive(Default)]
struct Renderer<'a> {
    out: Vec<Event<'a>>,
    /// One entry per open link: whether it was written as an `<a>`.
    links: Vec<bool>,
    /// One entry per open image.
    images: Vec<OpenImage>,
    /// An `<a>` is open: anchors do not nest, so links and images inside it stay text.
    in_anchor: bool,
    /// The lines of the raw HTML block being read.
    html_block: Option<String>,
}

struct OpenImage {
    /// Written as an `<a>`.
    linked: bool,
    /// Where its label starts in `out`.
    label_at: usize,
    url: String,
}

impl<'a> Renderer<'a> {
    fn piece(&mut self, piece: Piece<'a>) {
        match piece {
            Piece::Event(event) => self.event(event),
            Piece::Literal(text) => self.out.push(Event::Text(text.into())),
            Piece::Prose(run) => self.prose(run),
        }
    }

    fn event(&mut self, event: Event<'a>) {
        match event {
            Event::Start(Tag::HtmlBlock) => self.html_block = Some(String::new()),
            Event::Html(html) => match &mut self.html_block {
                Some(block) => block.push_str(&html),
                None => self.out.push(Event::Text(html)),
            },
            Event::End(TagEnd::HtmlBlock) => {
                let block = self.html_block.take().unwrap_or_default();
                self.out.push(Event::Start(Tag::Paragraph));
                for (i, line) in block.trim_end_matches(['\n', '\r']).lines().enumerate() {
                    if i > 0 {
                        self.out.push(Event::HardBreak);
                    }
                    self.out.push(Event::Text(line.to_owned().into()));
                }
                self.out.push(Event::End(TagEnd::Paragraph));
            }
            Event::InlineHtml(html) => self.out.push(Event::Text(html)),
            Event::SoftBreak => self.out.push(Event::HardBreak),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                ..
            }) => {
                let url = match link_type {
                    LinkType::Email => format!("mailto:{dest_url}"),
                    _ => dest_url.into_string(),
                };
                let linked = !self.in_anchor && is_allowed_link(&url);
                if linked {
                    self.open_anchor(&url, &title, None);
                }
                self.links.push(linked);
            }
            Event::End(TagEnd::Link) => {
                if self.links.pop() == Some(true) {
                    self.close_anchor();
                }
            }
            Event::Start(Tag::Image {
                dest_url, title, ..
            }) => {
                let url = dest_url.into_string();
                let linked = !self.in_anchor && is_allowed_link(&url);
                if linked {
                    self.open_anchor(&url, &title, Some(IMAGE_LINK_CLASS));
                }
                self.images.push(OpenImage {
                    linked,
                    label_at: self.out.len(),
                    url,
                });
            }
            Event::End(TagEnd::Image) => {
                if let Some(image) = self.images.pop() {
                    // No alt text: the URL says what the link leads to.
                    if self.out.len() == image.label_at && is_allowed_link(&image.url) {
                        self.out.push(Event::Text(image.url.into()));
                    }
                    if image.linked {
                        self.close_anchor();
                    }
                }
            }
            other => self.out.push(other),
        }
    }

    fn open_anchor(&mut self, url: &str, title: &str, class: Option<&str>) {
        let mut a = format!("<a href=\"{}\"", escape(url));
        if !title.is_empty() {
            a.push_str(&format!(" title=\"{}\"", escape(title)));
        }
        if let Some(class) = class {
            a.push_str(&format!(" class=\"{class}\""));
        }
        a.push_str(&format!(" rel=\"{LINK_REL}\" target=\"_blank\">"));
        self.out.push(Event::InlineHtml(a.into()));
        self.in_anchor = true;
    }

    fn close_anchor(&mut self) {
        self.out.push(Event::InlineHtml(CowStr::Borrowed("</a>")));
        self.in_anchor = false;
    }

    fn prose(&mut self, run: Run) {
        let mut at = 0;
        for found in marks(&run) {
            if found.range.start > at {
                self.text(&run.text[at..found.range.start]);
            }
            let shown = escape(&run.text[found.range.clone()]);
            let name = found.name(&run.text);
            let span = match found.mark {
                Mark::Mention => format!(
                    "<span class=\"{MENTION_CLASS}\" data-handle=\"{}\">{shown}</span>",
                    escape(&name.to_ascii_lowercase())
                ),
                Mark::Hashtag => format!(
                    "<span class=\"{HASHTAG_CLASS}\" data-tag=\"{}\">{shown}</span>",
                    escape(&name.to_lowercase())
                ),
            };
            self.out.push(Event::InlineHtml(span.into()));
            at = found.range.end;
        }
        if at < run.text.len() {
            self.text(&run.text[at..]);
        }
    }

    fn text(&mut self, text: &str) {
        self.out.push(Event::Text(text.to_owned().into()));
    }
}

/// Escapes text for an HTML element or a double- or single-quoted attribute.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests;
