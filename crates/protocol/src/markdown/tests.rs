use super::*;
use crate::{hashtags, mentioned_handles};

const REL: &str = r#"rel="noopener noreferrer nofollow" target="_blank""#;

fn html(text: &str) -> String {
    let html = to_safe_html(text);
    assert_safe(&html);
    html
}

fn link(href: &str, label: &str) -> String {
    format!(r#"<a href="{href}" {REL}>{label}</a>"#)
}

// ---- A small checker of the output: every tag and attribute is on a list ----

const TAGS: [&str; 25] = [
    "p",
    "br",
    "em",
    "strong",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "a",
    "span",
    // Never produced today; listed so the checker names the attribute, not the tag.
    "del",
    "sup",
    "sub",
    "dl",
    "dt",
    "dd",
];

/// Fails unless `html` is made only of listed tags with listed attributes,
/// every `href` is an allowed link and every `<a>` opens in a new context
/// without access to the app. Text can hold no `<` (it is escaped), so every
/// `<` must open a tag the checker understands.
fn assert_safe(html: &str) {
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let close = after
            .find('>')
            .unwrap_or_else(|| panic!("unclosed tag in {html:?}"));
        let inside = &after[..close];
        rest = &after[close + 1..];
        let closing = inside.starts_with('/');
        let inside = inside.strip_prefix('/').unwrap_or(inside);
        let inside = inside.strip_suffix(" /").unwrap_or(inside);
        let (name, mut attributes) = inside.split_once(' ').unwrap_or((inside, ""));
        assert!(TAGS.contains(&name), "tag <{name}> in {html:?}");
        let mut seen = Vec::new();
        while !attributes.is_empty() {
            let (attribute, value_and_rest) = attributes
                .split_once("=\"")
                .unwrap_or_else(|| panic!("attribute without a quoted value in {html:?}"));
            let (value, after_value) = value_and_rest
                .split_once('"')
                .unwrap_or_else(|| panic!("unterminated attribute in {html:?}"));
            assert!(
                !value.contains(['<', '>', '\'']),
                "unescaped value {value:?} in {html:?}"
            );
            let allowed: &[&str] = match name {
                "a" => &["href", "title", "class", "rel", "target"],
                "span" => &["class", "data-handle", "data-tag"],
                "ol" => &["start"],
                "code" => &["class"],
                _ => &[],
            };
            assert!(
                allowed.contains(&attribute),
                "attribute {attribute} on <{name}> in {html:?}"
            );
            let value = value
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&");
            match attribute {
                "href" => assert!(is_allowed_link(&value), "href {value:?} in {html:?}"),
                "rel" => assert_eq!(value, LINK_REL),
                "target" => assert_eq!(value, "_blank"),
                "class" if name == "code" => assert!(value.starts_with("language-")),
                "class" if name == "a" => assert_eq!(value, IMAGE_LINK_CLASS),
                "class" => assert!(value == MENTION_CLASS || value == HASHTAG_CLASS),
                "start" => assert!(value.parse::<u64>().is_ok()),
                _ => {}
            }
            seen.push(attribute);
            attributes = after_value.trim_start();
        }
        if name == "a" && !closing {
            assert!(
                seen.contains(&"href") && seen.contains(&"rel") && seen.contains(&"target"),
                "<a> without href, rel and target in {html:?}"
            );
        }
    }
}

#[test]
fn the_checker_catches_unsafe_html() {
    for unsafe_html in [
        "<p><script>alert(1)</script></p>",
        "<p><img src=\"x\" /></p>",
        "<a href=\"javascript:alert(1)\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">x</a>",
        "<a href=\"https://e.org\">x</a>",
        "<p onclick=\"alert(1)\">x</p>",
        "<span class=\"x\" style=\"color: red\">x</span>",
        "<p>x<p",
    ] {
        let caught = std::panic::catch_unwind(|| assert_safe(unsafe_html));
        assert!(caught.is_err(), "{unsafe_html} passed the checker");
    }
    assert_safe("<p>a &lt;script&gt; <a href=\"https://e.org\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">x</a></p>");
}

// ---- Markdown ----

#[test]
fn renders_commonmark_blocks_and_inlines() {
    assert_eq!(html(""), "");
    assert_eq!(html("  \n\n "), "");
    assert_eq!(
        html("Hello *world* and **you**, `code`."),
        "<p>Hello <em>world</em> and <strong>you</strong>, <code>code</code>.</p>"
    );
    assert_eq!(html("# Title\n\ntext"), "<h1>Title</h1>\n<p>text</p>");
    assert_eq!(
        html("- one\n- two\n\n3. three\n4. four"),
        "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n<ol start=\"3\">\n<li>three</li>\n<li>four</li>\n</ol>"
    );
    assert_eq!(
        html("> quoted\n\n---"),
        "<blockquote>\n<p>quoted</p>\n</blockquote>\n<hr />"
    );
    assert_eq!(
        html("```rust\nfn main() {}\n```"),
        "<pre><code class=\"language-rust\">fn main() {}\n</code></pre>"
    );
    assert_eq!(
        html("    indented < code"),
        "<pre><code>indented &lt; code</code></pre>"
    );
}

#[test]
fn a_line_break_in_a_paragraph_stays_a_line_break() {
    assert_eq!(
        html("first line\nsecond line\n\nnew paragraph"),
        "<p>first line<br />\nsecond line</p>\n<p>new paragraph</p>"
    );
}

#[test]
fn extensions_are_off() {
    // Plain CommonMark: tables, strikethrough and footnotes stay text.
    assert_eq!(
        html("| a |\n|---|\n| b |"),
        "<p>| a |<br />\n|---|<br />\n| b |</p>"
    );
    assert_eq!(html("~~no~~"), "<p>~~no~~</p>");
    assert_eq!(html("# Title {.class}"), "<h1>Title {.class}</h1>");
}

// ---- Raw HTML is shown, never interpreted ----

#[test]
fn html_blocks_are_shown_as_text() {
    assert_eq!(
        html("<script>alert(1)</script>"),
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    );
    assert_eq!(
        html("<div onclick=\"alert(1)\">\nhi\n</div>\n\nafter"),
        "<p>&lt;div onclick=\"alert(1)\"&gt;<br />\nhi<br />\n&lt;/div&gt;</p>\n<p>after</p>"
    );
    assert_eq!(html("<!-- hidden -->"), "<p>&lt;!-- hidden --&gt;</p>");
    for attack in [
        "<iframe src=\"https://evil.example\"></iframe>",
        "<style>body { display: none }</style>",
        "<svg onload=alert(1)>",
        "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
        "<![CDATA[<script>alert(1)</script>]]>",
        "<?php echo 1; ?>",
        "<textarea><script>alert(1)</script></textarea>",
        "<object data=\"javascript:alert(1)\">",
        "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
        "<base href=\"javascript:alert(1)//\">",
    ] {
        let out = html(attack);
        assert!(out.starts_with("<p>&lt;"), "{attack} gave {out}");
    }
}

#[test]
fn inline_html_is_shown_as_text() {
    assert_eq!(
        html("hi <img src=x onerror=alert(1)> there"),
        "<p>hi &lt;img src=x onerror=alert(1)&gt; there</p>"
    );
    assert_eq!(
        html("<b>bold?</b> no"),
        "<p>&lt;b&gt;bold?&lt;/b&gt; no</p>"
    );
    assert_eq!(
        html("x <a href=\"javascript:alert(1)\">click</a>"),
        "<p>x &lt;a href=\"javascript:alert(1)\"&gt;click&lt;/a&gt;</p>"
    );
    assert_eq!(
        html("I <3 Commons & Rust"),
        "<p>I &lt;3 Commons &amp; Rust</p>"
    );
}

// ---- Links ----

#[test]
fn safe_links_open_outside_the_app() {
    assert_eq!(
        html("[the docs](https://example.org/a?b=1&c=2)"),
        format!(
            "<p>{}</p>",
            link("https://example.org/a?b=1&amp;c=2", "the docs")
        )
    );
    assert_eq!(
        html("<http://example.org>"),
        format!(
            "<p>{}</p>",
            link("http://example.org", "http://example.org")
        )
    );
    assert_eq!(
        html("<ada@example.org> [mail](MAILTO:ada@example.org)"),
        format!(
            "<p>{} {}</p>",
            link("mailto:ada@example.org", "ada@example.org"),
            link("MAILTO:ada@example.org", "mail")
        )
    );
    assert_eq!(
        html("[x](https://example.org \"A \\\"title\\\"\")"),
        format!("<p><a href=\"https://example.org\" title=\"A &quot;title&quot;\" {REL}>x</a></p>")
    );
    assert_eq!(
        html("[ref] and [x][ref]\n\n[ref]: https://example.org/r"),
        format!(
            "<p>{} and {}</p>",
            link("https://example.org/r", "ref"),
            link("https://example.org/r", "x")
        )
    );
}

#[test]
fn a_quote_in_a_url_cannot_leave_the_attribute() {
    assert_eq!(
        html("[x](<https://e.org/\"onmouseover=\"alert(1)>)"),
        format!(
            "<p>{}</p>",
            link("https://e.org/&quot;onmouseover=&quot;alert(1)", "x")
        )
    );
    assert_eq!(
        html("[x](https://e.org/'onmouseover='alert(1))"),
        format!(
            "<p>{}</p>",
            link("https://e.org/&#39;onmouseover=&#39;alert(1)", "x")
        )
    );
}

#[test]
fn script_links_become_plain_text_in_every_spelling() {
    for attack in [
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](jav&#x61;script:alert(1))",
        "[click](&#106;avascript:alert(1))",
        "[click](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1))",
        "[click](javascript&#58;alert(1))",
        "[click](javascript&colon;alert(1))",
        "[click](javascript\\:alert(1))",
        "[click]( javascript:alert(1))",
        "[click](<javascript:alert(1)>)",
        "[click](<java\tscript:alert(1)>)",
        "[click](<\u{1}javascript:alert(1)>)",
        "[click](%6Aavascript:alert(1))",
        "[click](vbscript:msgbox(1))",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[click](file:///etc/passwd)",
        "[click](/relative/path)",
        "[click](#anchor)",
        "[click](//evil.example/x)",
        "[click](http:)",
        "[click](https://)",
        "[click][evil]\n\n[evil]: javascript:alert(1)",
        "[click][]\n\n[click]: JAVASCRIPT:alert(1)",
        "[click]\n\n[click]: <javascript:alert(1)> \"title\"",
    ] {
        let out = html(attack);
        assert_eq!(out, "<p>click</p>", "{attack:?}");
    }
    // Not a link at all (no line break inside <...>): the text as written.
    assert!(!html("[click](<java\nscript:alert(1)>)").contains("<a "));
}

#[test]
fn script_autolinks_become_plain_text() {
    assert_eq!(html("<javascript:alert(1)>"), "<p>javascript:alert(1)</p>");
    assert_eq!(
        html("<JAVASCRIPT:alert(1)> <data:text/html,hi> <vbscript:x>"),
        "<p>JAVASCRIPT:alert(1) data:text/html,hi vbscript:x</p>"
    );
}

#[test]
fn allowed_links_are_web_and_mail_addresses_only() {
    for url in [
        "https://example.org",
        "HTTP://EXAMPLE.ORG/",
        "mailto:ada@example.org",
        "https://例え.jp/パス",
    ] {
        assert!(is_allowed_link(url), "{url}");
    }
    for url in [
        "",
        "https://",
        "mailto:",
        "javascript:alert(1)",
        " https://example.org",
        "https://exa mple.org",
        "https://example.org\n",
        "ftp://example.org",
        "file:///etc/passwd",
        "/relative",
        "example.org",
        "tauri://localhost",
        "https\u{0}://x",
    ] {
        assert!(!is_allowed_link(url), "{url:?}");
    }
}

// ---- Images ----

#[test]
fn images_become_links_and_are_never_loaded() {
    assert_eq!(
        html("![A *diagram*](https://example.org/d.png \"Title\")"),
        format!(
            "<p><a href=\"https://example.org/d.png\" title=\"Title\" class=\"image-link\" {REL}>A <em>diagram</em></a></p>"
        )
    );
    assert_eq!(
        html("![](https://example.org/d.png)"),
        format!(
            "<p><a href=\"https://example.org/d.png\" class=\"image-link\" {REL}>https://example.org/d.png</a></p>"
        )
    );
    // An unsafe image leaves its alt text, or nothing.
    assert_eq!(html("![alt](javascript:alert(1))"), "<p>alt</p>");
    assert_eq!(html("![](javascript:alert(1))"), "<p></p>");
    assert_eq!(html("![x](data:image/svg+xml;base64,PHN2Zz4=)"), "<p>x</p>");
}

#[test]
fn anchors_never_nest() {
    // A badge: an image inside a link stays the link's label.
    assert_eq!(
        html("[![build](https://ci.example/b.svg)](https://ci.example)"),
        format!("<p>{}</p>", link("https://ci.example", "build"))
    );
    assert_eq!(
        html("[![](https://ci.example/b.svg)](https://ci.example)"),
        format!(
            "<p>{}</p>",
            link("https://ci.example", "https://ci.example/b.svg")
        )
    );
    // A link inside an image's description.
    assert_eq!(
        html("![see [here](https://a.example)](https://b.example/i.png)"),
        format!(
            "<p><a href=\"https://b.example/i.png\" class=\"image-link\" {REL}>see here</a></p>"
        )
    );
}

#[test]
fn code_block_languages_are_escaped() {
    assert_eq!(
        html("```\"><script>alert(1)</script>\nx\n```"),
        "<pre><code class=\"language-&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\">x\n</code></pre>"
    );
}

// ---- Mentions ----

fn mention(handle: &str, shown: &str) -> String {
    format!("<span class=\"mention\" data-handle=\"{handle}\">{shown}</span>")
}

fn tag(name: &str, shown: &str) -> String {
    format!("<span class=\"hashtag\" data-tag=\"{name}\">{shown}</span>")
}

#[test]
fn mentions_are_highlighted() {
    assert_eq!(
        html("Hi @Ada, and @grace.hopper."),
        format!(
            "<p>Hi {}, and {}.</p>",
            mention("ada", "@Ada"),
            mention("grace.hopper", "@grace.hopper")
        )
    );
    assert_eq!(
        html("*@ada* (@bob) [@carl](https://e.org)"),
        format!(
            "<p><em>{}</em> ({}) <a href=\"https://e.org\" {REL}>{}</a></p>",
            mention("ada", "@ada"),
            mention("bob", "@bob"),
            mention("carl", "@carl")
        )
    );
}

#[test]
fn what_is_not_a_mention() {
    for text in [
        "write to ada@example.org",
        "a lone @ sign",
        "`@ada` in code",
        "```\n@ada\n```",
        "    @ada indented code",
        "<https://social.example/@ada>",
        "https://social.example/@ada",
        "\\@ada escaped",
        "&#64;ada as an entity",
        "<span>@</span>",
    ] {
        assert!(
            !html(text).contains("class=\"mention\""),
            "{text:?} gave {}",
            html(text)
        );
        assert!(mentioned_handles(text).is_empty(), "{text:?}");
    }
}

#[test]
fn highlighted_mentions_are_the_mentioned_handles() {
    let text = "@Ada: see `@bob`, cc @carl and @ADA.\n\n> @dora\n\n```\n@eve\n```\n- @fay";
    assert_eq!(mentioned_handles(text), ["ada", "carl", "dora", "fay"]);
    let out = html(text);
    let shown: Vec<&str> = out
        .split("data-handle=\"")
        .skip(1)
        .map(|rest| &rest[..rest.find('"').unwrap()])
        .collect();
    assert_eq!(shown, ["ada", "carl", "ada", "dora", "fay"]);
}

// ---- Hashtags ----

#[test]
fn hashtags_are_highlighted() {
    assert_eq!(
        html("#Rust is fun #rust_lang #2024goals"),
        format!(
            "<p>{} is fun {} {}</p>",
            tag("rust", "#Rust"),
            tag("rust_lang", "#rust_lang"),
            tag("2024goals", "#2024goals")
        )
    );
    assert_eq!(
        html("**#bold** (#café)."),
        format!(
            "<p><strong>{}</strong> ({}).</p>",
            tag("bold", "#bold"),
            tag("café", "#café")
        )
    );
    // A heading needs a space after its #.
    assert_eq!(
        html("# Title #tag"),
        format!("<h1>Title {}</h1>", tag("tag", "#tag"))
    );
}

#[test]
fn what_is_not_a_hashtag() {
    for text in [
        "C# and F#",
        "issue #12",
        "`#x` in code",
        "```\n#include <stdio.h>\n```",
        "https://example.org/#section",
        "<https://example.org/#section>",
        "\\#notatag",
        "&#35;notatag",
        "# ",
        "#_",
        "<a href=\"#x\">",
    ] {
        assert!(
            !html(text).contains("class=\"hashtag\""),
            "{text:?} gave {}",
            html(text)
        );
        assert!(hashtags(text).is_empty(), "{text:?}");
    }
}

#[test]
fn hashtags_are_lowercase_unique_and_in_order() {
    assert_eq!(
        hashtags("#Rust and #Commons, #rust again; `#code` #ÉTÉ"),
        ["rust", "commons", "été"]
    );
    assert!(hashtags("").is_empty());
}

#[test]
fn marks_end_where_their_characters_end() {
    assert_eq!(
        html("#tag's @ada's"),
        format!(
            "<p>{}'s {}'s</p>",
            tag("tag", "#tag"),
            mention("ada", "@ada")
        )
    );
    assert_eq!(
        html("@ada@bob #a#b"),
        format!("<p>{}@bob {}#b</p>", mention("ada", "@ada"), tag("a", "#a"))
    );
}

// ---- Whatever comes in, what goes out is on the list ----

#[test]
fn random_markdown_never_leaves_the_allowed_html() {
    const FRAGMENTS: [&str; 45] = [
        "<",
        ">",
        "</",
        "script",
        "img",
        " src=x",
        " onerror=",
        "alert(1)",
        "\"",
        "'",
        "[",
        "]",
        "(",
        ")",
        "![",
        "javascript:",
        "JaVaScRiPt:",
        "https://e.org",
        "mailto:a@b.c",
        "&#x61;",
        "&#58;",
        "&amp;",
        "\\",
        "`",
        "```",
        "*",
        "_",
        "#",
        "@ada",
        "#tag",
        "\n",
        "\n\n",
        "    ",
        "> ",
        "- ",
        "1. ",
        "<!--",
        "-->",
        "data:",
        " \"t\"",
        "[a](https://e.org/x)",
        "](https://e.org/",
        "<https://e.org/>",
        "![i](https://e.org/i.png)",
        "[r]: https://e.org\n",
    ];
    // A fixed xorshift: the same inputs on every run.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut links, mut mentions, mut tags) = (0, 0, 0);
    for _ in 0..3000 {
        let len = (next() % 24) as usize;
        let text: String = (0..len)
            .map(|_| FRAGMENTS[(next() % FRAGMENTS.len() as u64) as usize])
            .collect();
        let out = to_safe_html(&text);
        assert_safe(&out);
        let lower = out.to_ascii_lowercase();
        assert!(!lower.contains("<script"), "{text:?} gave {out}");
        assert!(!lower.contains("href=\"javascript"), "{text:?} gave {out}");
        assert!(!lower.contains("href=\"data"), "{text:?} gave {out}");
        // Mentions and hashtags are the same whether read for the server or shown.
        let shown = out.matches("class=\"mention\"").count();
        assert!(shown >= mentioned_handles(&text).len(), "{text:?}");
        let tags_shown = out.matches("class=\"hashtag\"").count();
        assert!(tags_shown >= hashtags(&text).len(), "{text:?}");
        assert_eq!(shown == 0, mentioned_handles(&text).is_empty(), "{text:?}");
        assert_eq!(tags_shown == 0, hashtags(&text).is_empty(), "{text:?}");
        links += usize::from(out.contains("<a href"));
        mentions += usize::from(shown > 0);
        tags += usize::from(tags_shown > 0);
    }
    // The inputs reach what they are meant to test.
    assert!(
        links > 50 && mentions > 50 && tags > 50,
        "{links} {mentions} {tags}"
    );
}

#[test]
fn the_longest_posts_render_quickly() {
    // 64 KiB (the longest post) of the inputs that make parsers slow; in a
    // debug build each takes milliseconds, so a quadratic slip would show.
    let size = crate::MAX_POST_BYTES;
    for unit in [
        "&#35;a ", "#a ", "@a ", "[", "*a", "> ", "- ", "`", "<a ", "![", "\\#x ",
    ] {
        let text = unit.repeat(size / unit.len());
        let started = std::time::Instant::now();
        let out = to_safe_html(&text);
        let _ = (hashtags(&text), mentioned_handles(&text));
        assert!(!out.is_empty());
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "{unit:?} took {:?}",
            started.elapsed()
        );
    }
}
