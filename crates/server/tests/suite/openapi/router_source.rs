//! The routes of `crates/server/src/api/mod.rs`, read from its source: axum
//! cannot list a router's routes, so the test reads the one place where they
//! are registered. Anything this reader does not understand fails the test
//! rather than being skipped, so a route cannot hide from it.

use std::collections::BTreeSet;

/// The router's source, compiled into the test so it is always the current one.
const ROUTER_SOURCE: &str = include_str!("../../../src/api/mod.rs");

/// `(METHOD, full path)` of every route the router serves.
pub fn routes() -> BTreeSet<(String, String)> {
    parse(ROUTER_SOURCE)
}

pub fn parse(source: &str) -> BTreeSet<(String, String)> {
    let body = function_body(source, "pub fn router(");
    let refused = [
        "route_service(",
        "merge(",
        "nest_service(",
        "any(",
        "on(",
        "MethodRouter",
    ];
    for construct in refused {
        assert!(
            !mentions(body, construct),
            "the router uses `{construct}`, which the OpenAPI test does not read yet: teach \
             tests/suite/openapi/router_source.rs about it"
        );
    }
    // `let api = Router::new()...;` holds the routes under the API prefix;
    // the rest of the function builds the outer router that nests it.
    let api_start = body
        .find("let api = Router::new()")
        .expect("`let api = Router::new()` in router()");
    let api_len = body[api_start..]
        .find(';')
        .expect("end of `let api = ...;`");
    let api = &body[api_start..api_start + api_len];
    let outer = format!("{}{}", &body[..api_start], &body[api_start + api_len..]);
    let nests: Vec<_> = outer.match_indices(".nest(").collect();
    assert_eq!(nests.len(), 1, "router() nests exactly one router");
    assert!(
        outer.contains(".nest(API_PREFIX, api)"),
        "router() nests `api` under API_PREFIX"
    );

    let mut routes = BTreeSet::new();
    for (prefix, part) in [(commons_protocol::API_PREFIX, api), ("", outer.as_str())] {
        for (path, methods) in route_calls(part) {
            for method in methods {
                let route = (method, format!("{prefix}{path}"));
                assert!(
                    routes.insert(route.clone()),
                    "{route:?} is registered twice"
                );
            }
        }
    }
    routes
}

/// Does `text` contain `word` not as the end of a longer identifier?
fn mentions(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        !text[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// The text between the braces of the function whose signature starts with `signature`.
fn function_body<'a>(source: &'a str, signature: &str) -> &'a str {
    let start = source.find(signature).expect("router() in api/mod.rs");
    let open = start + source[start..].find('{').expect("router() body");
    let close = matching(source, open, '{', '}');
    &source[open + 1..close]
}

/// The index of the bracket closing the one at `open`.
fn matching(text: &str, open: usize, left: char, right: char) -> usize {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in text[open..].char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            c if c == left => depth += 1,
            c if c == right => {
                depth -= 1;
                if depth == 0 {
                    return open + i;
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced {left}{right} in the router source");
}

/// Each `.route("PATH", get(a).post(b))` of `text`: the path and its methods.
fn route_calls(text: &str) -> Vec<(String, Vec<String>)> {
    let mut calls = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(".route(") {
        let open = at + ".route".len();
        let close = matching(rest, open, '(', ')');
        let args = rest[open + 1..close].trim();
        let (path, method_router) = args
            .split_once(',')
            .unwrap_or_else(|| panic!("cannot read .route({args})"));
        let path = path.trim();
        assert!(
            path.starts_with('"') && path.ends_with('"'),
            "route paths are string literals: {path}"
        );
        calls.push((
            path.trim_matches('"').to_string(),
            methods(method_router.trim()),
        ));
        rest = &rest[close..];
    }
    calls
}

/// The HTTP methods of a method router written as `get(h).patch(h2)...`.
fn methods(method_router: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = method_router.trim_end_matches(',').trim();
    while !rest.is_empty() {
        rest = rest.trim_start_matches('.').trim_start();
        let name_end = rest
            .find('(')
            .unwrap_or_else(|| panic!("cannot read the method router `{method_router}`"));
        let name = rest[..name_end].trim();
        let name = name.rsplit("::").next().unwrap_or(name);
        let close = matching(rest, name_end, '(', ')');
        if name == "layer" {
            // A layer on one route (e.g. its own body limit) adds no method.
            rest = rest[close + 1..].trim();
            continue;
        }
        let method = match name {
            "get" | "post" | "put" | "patch" | "delete" | "head" | "options" | "trace" => {
                name.to_uppercase()
            }
            other => panic!(
                "`{other}` in `{method_router}`: the OpenAPI test reads only get, post, put, \
                 patch, delete, head, options and trace"
            ),
        };
        found.push(method);
        rest = rest[close + 1..].trim();
    }
    assert!(
        !found.is_empty(),
        "a route without methods: {method_router}"
    );
    found
}

#[test]
fn the_reader_understands_the_router_forms_in_use() {
    let source = r#"
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/a", post(x::a))
        .route(
            "/b/{id}",
            get(x::b).patch(x::c).delete(x::d),
        )
        .route("/c", axum::routing::put(x::e));
    Router::new()
        .route("/healthz", get(healthz))
        .nest(API_PREFIX, api)
        .with_state(state)
}
"#;
    let routes: Vec<_> = parse(source).into_iter().collect();
    let expected: Vec<(String, String)> = [
        ("DELETE", "/api/v1/b/{id}"),
        ("GET", "/api/v1/b/{id}"),
        ("GET", "/healthz"),
        ("PATCH", "/api/v1/b/{id}"),
        ("POST", "/api/v1/a"),
        ("PUT", "/api/v1/c"),
    ]
    .iter()
    .map(|(m, p)| (m.to_string(), p.to_string()))
    .collect();
    assert_eq!(routes, expected);
}
