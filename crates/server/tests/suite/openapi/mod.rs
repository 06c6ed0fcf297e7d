//! `GET /api/v1/openapi.json`: an OpenAPI 3.1 document that lists every
//! route of the router with the right methods, whose `$ref`s all resolve,
//! whose security matches what the server demands, and whose schemas match
//! what the server really sends (`answers.rs`). Not database-specific, so
//! these run once, on SQLite.

mod answers;
mod router_source;
mod schema;

use std::collections::{BTreeMap, BTreeSet};

use reqwest::Method;
use serde_json::Value;

use crate::harness::{self, send, Backend, Ctx, Reply};

pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Fetched without a session, as any tool would.
pub async fn fetch_document(ctx: &Ctx) -> Value {
    let response = ctx
        .http
        .get(ctx.api("/openapi.json"))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(response.status().as_u16(), 200);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    response.json().await.expect("the document is JSON")
}

/// `(METHOD, path) -> operation` of every operation of the document.
pub fn operations(doc: &Value) -> BTreeMap<(String, String), &Value> {
    let mut found = BTreeMap::new();
    let paths = doc["paths"].as_object().expect("paths");
    for (path, item) in paths {
        for method in METHODS {
            if let Some(operation) = item.get(method) {
                found.insert((method.to_uppercase(), path.clone()), operation);
            }
        }
    }
    found
}

/// Turns a path template into a path, one argument per `{placeholder}`, in order.
pub fn fill(template: &str, args: &[&str]) -> String {
    let mut path = String::new();
    let mut rest = template;
    let mut args = args.iter();
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').expect("closing brace") + open;
        path.push_str(&rest[..open]);
        path.push_str(
            args.next()
                .unwrap_or_else(|| panic!("too few arguments for {template}")),
        );
        rest = &rest[close + 1..];
    }
    assert!(args.next().is_none(), "too many arguments for {template}");
    path.push_str(rest);
    path
}

fn placeholders(template: &str) -> BTreeSet<String> {
    template
        .split('{')
        .skip(1)
        .filter_map(|part| part.split_once('}').map(|(name, _)| name.to_string()))
        .collect()
}

fn is_secured(operation: &Value) -> bool {
    operation["security"]
        .as_array()
        .is_some_and(|requirements| !requirements.is_empty())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_lists_every_route_of_the_router() {
    harness::run(Backend::Sqlite, lists_every_route).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_answers_as_the_openapi_document_says() {
    harness::run(Backend::Sqlite, answers::match_the_document).await;
}

async fn lists_every_route(ctx: Ctx) {
    let doc = fetch_document(&ctx).await;
    let version = doc["openapi"].as_str().unwrap_or_default();
    assert!(version.starts_with("3.1."), "OpenAPI 3.1, not {version:?}");
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());

    // Every route of the router, and nothing else, with its methods.
    let routes = router_source::routes();
    assert!(
        routes.len() >= 48,
        "the router source reader found only {} routes: {routes:?}",
        routes.len()
    );
    let operations = operations(&doc);
    let documented: BTreeSet<(String, String)> = operations.keys().cloned().collect();
    let undocumented: Vec<_> = routes.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routes).collect();
    assert!(
        undocumented.is_empty(),
        "routes without documentation (add #[utoipa::path] to the handler and list it in \
         api/openapi.rs): {undocumented:?}"
    );
    assert!(
        unrouted.is_empty(),
        "documented operations the router does not serve: {unrouted:?}"
    );

    let dangling = schema::dangling_refs(&doc);
    assert!(
        dangling.is_empty(),
        "$refs that resolve to nothing: {dangling:?}"
    );

    let mut operation_ids = BTreeSet::new();
    for ((method, path), operation) in &operations {
        let what = format!("{method} {path}");
        let id = operation["operationId"].as_str().unwrap_or_default();
        assert!(!id.is_empty(), "{what} has no operationId");
        assert!(operation_ids.insert(id), "operationId {id} is used twice");
        assert!(operation["summary"].is_string(), "{what} has no summary");
        assert!(
            operation["tags"].as_array().is_some_and(|t| !t.is_empty()),
            "{what} has no tag"
        );

        // Path parameters: exactly the template's placeholders.
        let declared: BTreeSet<String> = operation["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "path")
            .map(|p| {
                assert_eq!(p["required"], true, "{what}: path parameters are required");
                p["name"].as_str().unwrap_or_default().to_string()
            })
            .collect();
        assert_eq!(declared, placeholders(path), "{what}: path parameters");

        // A success answer (a redirect for the browser's steps of single
        // sign-on), and every error answer in the ErrorBody shape.
        let responses = operation["responses"].as_object().expect("responses");
        assert!(
            responses.keys().any(|status| status.starts_with('2')
                || status.starts_with('3')
                || status == "101"),
            "{what} documents no success answer"
        );
        for (status, response) in responses {
            let response = schema::deref(&doc, response);
            assert!(
                response["description"]
                    .as_str()
                    .is_some_and(|d| !d.is_empty()),
                "{what} {status}: no description"
            );
            if status.starts_with('4') || status.starts_with('5') {
                assert_eq!(
                    response["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ErrorBody",
                    "{what} {status}: errors are ErrorBody"
                );
            }
        }
        if is_secured(operation) {
            assert!(responses.contains_key("401"), "{what}: secured without 401");
            let schemes: Vec<&str> = operation["security"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_object)
                .flat_map(|requirement| requirement.keys().map(String::as_str))
                .collect();
            assert!(schemes.contains(&"bearer"), "{what}: {schemes:?}");
        }
        if operation.get("requestBody").is_some() {
            assert!(responses.contains_key("400"), "{what}: a body without 400");
            assert!(responses.contains_key("413"), "{what}: a body without 413");
        }
    }

    // The schemes the operations name exist.
    let schemes = doc["components"]["securitySchemes"]
        .as_object()
        .expect("security schemes");
    assert_eq!(schemes["bearer"]["type"], "http");
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["access_token"]["in"], "query");

    check_id_and_time_fields(&doc);
    check_wire_enums(&doc);
    probe_every_operation(&ctx, &doc).await;
}

/// Fields named `id`, `*_id` are `Id` (UUID) and `*_at` are `Millis`, so a
/// field added without its `schema(value_type = ...)` is caught.
fn check_id_and_time_fields(doc: &Value) {
    // Not a plain id: the empty string clears the manager.
    let exceptions = [("UpdateProfileRequest", "manager_id")];
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    let mut checked = 0;
    for (name, schema) in schemas {
        let mut objects = vec![schema];
        objects.extend(schema["oneOf"].as_array().into_iter().flatten());
        for object in objects {
            for (field, field_schema) in object["properties"].as_object().into_iter().flatten() {
                let wanted = if field == "id" || field.ends_with("_id") {
                    "#/components/schemas/Id"
                } else if field.ends_with("_at") {
                    "#/components/schemas/Millis"
                } else {
                    continue;
                };
                if exceptions.contains(&(name.as_str(), field.as_str())) {
                    continue;
                }
                let refers = |s: &Value| s["$ref"] == wanted;
                let ok = refers(field_schema)
                    || field_schema["oneOf"].as_array().is_some_and(|branches| {
                        branches.len() == 2
                            && branches.iter().any(|b| b["type"] == "null")
                            && branches.iter().any(refers)
                    });
                assert!(ok, "{name}.{field} should be {wanted}: {field_schema}");
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "only {checked} id and time fields found");
    assert_eq!(doc["components"]["schemas"]["Id"]["format"], "uuid");
    assert_eq!(doc["components"]["schemas"]["Millis"]["type"], "integer");
}

/// Enums are written as serde writes them: every word the document lists
/// reads back as the Rust enum and is written the same way (utoipa derives
/// the list from the enum itself, so none is missing), and where the
/// protocol lists every value, the lists are equal, in order.
fn check_wire_enums(doc: &Value) {
    use commons_protocol::*;
    let schemas = &doc["components"]["schemas"];
    assert_eq!(round_trips::<Privacy>(schemas, "Privacy").len(), 3);
    assert_eq!(round_trips::<GroupRole>(schemas, "GroupRole").len(), 3);
    assert_eq!(round_trips::<SearchKind>(schemas, "SearchKind").len(), 4);
    assert!(round_trips::<ErrorCode>(schemas, "ErrorCode").contains(&"not_found".to_string()));
    assert_eq!(
        round_trips::<NotificationKind>(schemas, "NotificationKind"),
        as_serde_writes(NotificationKind::ALL)
    );
    assert_eq!(
        round_trips::<ReactionKind>(schemas, "ReactionKind"),
        as_serde_writes(ReactionKind::ALL)
    );
    assert_eq!(
        round_trips::<NotificationLevel>(schemas, "NotificationLevel"),
        as_serde_writes(NotificationLevel::ALL)
    );
    // `Change` is tagged by `type`, in snake_case, one branch per kind the server sends.
    let kinds: BTreeSet<String> = schemas["Change"]["oneOf"]
        .as_array()
        .expect("Change is a oneOf")
        .iter()
        .map(|branch| {
            assert!(
                branch["required"]
                    .as_array()
                    .is_some_and(|r| r.contains(&Value::from("type"))),
                "{branch}"
            );
            branch["properties"]["type"]["enum"][0]
                .as_str()
                .expect("a type tag")
                .to_string()
        })
        .collect();
    let expected: BTreeSet<String> = [
        "user",
        "group",
        "membership",
        "membership_removed",
        "purge",
        "join_request",
        "join_request_removed",
        "post",
        "comment",
        "reaction",
        "reaction_removed",
        "notification",
        "group_settings",
        "poll_vote",
        "poll_vote_removed",
        "post_seen",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(kinds, expected);
}

/// The words of the string enum `name`, each checked to read back as `T`
/// and to be written the same way.
fn round_trips<T>(schemas: &Value, name: &str) -> Vec<String>
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    let words = schemas[name]["enum"]
        .as_array()
        .unwrap_or_else(|| panic!("{name} is an enum of words"));
    words
        .iter()
        .map(|word| {
            let value: T = serde_json::from_value(word.clone())
                .unwrap_or_else(|e| panic!("{name}: serde does not read {word}: {e}"));
            let written = serde_json::to_value(value).expect("serialises");
            assert_eq!(&written, word, "{name}: serde writes {word} as {written}");
            word.as_str().expect("a word").to_string()
        })
        .collect()
}

fn as_serde_writes<T: serde::Serialize>(values: &[T]) -> Vec<String> {
    values
        .iter()
        .map(|v| match serde_json::to_value(v).expect("serialises") {
            Value::String(word) => word,
            other => panic!("not a word: {other}"),
        })
        .collect()
}

/// Each documented operation, called without a session and with made-up
/// ids: the router serves it (no "no such endpoint", no 405), it answers
/// 401 exactly when the document says it needs a session, and its status
/// is one the document lists.
async fn probe_every_operation(ctx: &Ctx, doc: &Value) {
    let made_up_id = "0190f5a2-7c3e-7a10-8000-1234567890ab";
    for ((method, path), operation) in operations(doc) {
        let args: Vec<&str> = placeholders(&path)
            .iter()
            .map(|name| {
                if name == "handle" {
                    "nobody"
                } else {
                    made_up_id
                }
            })
            .collect();
        let url = format!("{}{}", ctx.url, fill(&path, &args));
        let method = Method::from_bytes(method.as_bytes()).expect("method");
        let reply: Reply = send(ctx.http.request(method.clone(), url)).await;
        let what = format!("{method} {path}");
        let status = reply.status.as_u16();
        assert_ne!(status, 405, "{what}: the router does not serve this method");
        assert!(
            !(status == 404 && reply.text.contains("no such endpoint")),
            "{what}: the router does not serve this path"
        );
        if is_secured(operation) {
            reply.assert_error(401, "unauthorized");
        } else {
            assert_ne!(
                status, 401,
                "{what} is documented as public: {}",
                reply.text
            );
        }
        assert!(
            operation["responses"].get(status.to_string()).is_some(),
            "{what} answered {status}, which the document does not list: {}",
            reply.text
        );
    }
}
