//! The OpenAPI 3.1 document of the API, generated from the handlers'
//! `#[utoipa::path]` attributes and the protocol's schemas (feature `openapi`
//! of `commons-protocol`), served at `GET /api/v1/openapi.json`.
//!
//! Each handler documents its own success answers and the errors particular
//! to it (403, 404, 409, validation 400s). [`Conventions`] adds what every
//! endpoint shares, so no handler can forget it: the security schemes; 401 to
//! every operation that needs a session; 400 to every operation that takes a
//! path id, a query or a body (bad JSON, a malformed id); 413 to those with a
//! body; 409 to every idempotent write (a `mutation_id` reused for another
//! request); 429 to every authenticated write (the per-person write limit);
//! 500 to every operation that reads input or a session (all but
//! this document and `/healthz`).
//!
//! A route added to [`super::router`] must be listed in [`ApiDoc`] too: the
//! test suite compares the router's source with this document.

use std::sync::LazyLock;

use axum::http::header;
use axum::response::IntoResponse;
use commons_protocol::{ErrorBody, StreamMessage};
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::schema::{OneOf, Schema};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToSchema};

use super::{
    attachments, audit, auth, comments, export, feed, groups, images, membership, notifications,
    people, polls, posts, retention, search, sso, stream, sync,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Commons API",
        description = include_str!("openapi_intro.md"),
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later"),
    ),
    paths(
        crate::observe::http::healthz,
        crate::observe::http::readyz,
        crate::observe::http::metrics_text,
        openapi_json,
        attachments::upload,
        attachments::download,
        attachments::thumbnail,
        auth::login,
        auth::logout,
        sso::info,
        sso::start,
        sso::callback,
        sso::token,
        auth::me,
        people::update_me,
        people::directory,
        people::get,
        people::by_handle,
        audit::list,
        people::invite,
        retention::list,
        retention::set,
        retention::clear,
        retention::erase,
        export::organisation,
        export::mine,
        people::deactivate,
        people::reactivate,
        people::set_role,
        images::set_my_avatar,
        images::remove_my_avatar,
        images::remove_user_avatar,
        images::set_cover,
        images::remove_cover,
        search::search,
        sync::pull,
        stream::connect,
        groups::list,
        groups::create,
        groups::get,
        groups::update,
        groups::join,
        groups::add_member,
        groups::settings,
        membership::members,
        membership::leave,
        membership::remove,
        membership::set_role,
        membership::requests,
        membership::approve,
        membership::decline,
        feed::group_posts,
        feed::home,
        posts::create,
        posts::get,
        posts::edit,
        posts::delete,
        posts::comment,
        posts::history,
        posts::pin,
        posts::react,
        posts::unreact,
        posts::reactions,
        polls::vote,
        polls::unvote,
        polls::results,
        polls::close,
        polls::announce,
        polls::mark_seen,
        polls::seen_by,
        comments::edit,
        comments::delete,
        comments::react,
        comments::unreact,
        notifications::list,
        notifications::mark_all_read,
        notifications::mark_read,
    ),
    // Sent on the WebSocket, so no path names it; the error shape, for the
    // shared responses that `Conventions` adds.
    components(schemas(StreamMessage, ErrorBody)),
    modifiers(&Conventions),
    tags(
        (name = "auth", description = "Sessions: bearer tokens"),
        (name = "people", description = "Profiles and the directory"),
        (name = "admin", description = "What organisation admins do to accounts"),
        (name = "sync", description = "The change log and the WebSocket of pokes"),
        (name = "groups", description = "Groups and each member's own settings"),
        (name = "membership", description = "Joining, leaving, members, roles and join requests"),
        (name = "feed", description = "Pages of posts: the home feed and group pages"),
        (name = "posts", description = "Posts: create, read, edit, delete, pin, history"),
        (name = "comments", description = "Comments and one level of replies"),
        (name = "reactions", description = "One reaction per person and post or comment"),
        (name = "polls", description = "Polls on posts, and announcements with who saw them"),
        (name = "notifications", description = "The caller's notifications and their read state"),
        (name = "search", description = "Full-text search over what the caller may see"),
        (name = "meta", description = "The server itself"),
    )
)]
pub struct ApiDoc;

/// The document, rendered once.
static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    ApiDoc::openapi()
        .to_pretty_json()
        .expect("the OpenAPI document serialises")
});

/// `GET /api/v1/openapi.json`
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    operation_id = "openapi",
    tag = "meta",
    summary = "This document",
    description = "The OpenAPI 3.1 description of the API. No session needed.",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object))
)]
pub async fn openapi_json() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        DOCUMENT.as_str(),
    )
}

/// Names of the shared responses in `components.responses`.
const BAD_REQUEST: &str = "BadRequest";
const UNAUTHORIZED: &str = "Unauthorized";
const MUTATION_CONFLICT: &str = "MutationConflict";
const PAYLOAD_TOO_LARGE: &str = "PayloadTooLarge";
const INTERNAL: &str = "Internal";
const WRITE_RATE_LIMITED: &str = "WriteRateLimited";

/// Adds what every endpoint shares; see the module documentation.
struct Conventions;

impl Modify for Conventions {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "`Authorization: Bearer TOKEN`, the token of `POST /api/v1/auth/login`.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "access_token",
            SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::with_description(
                "access_token",
                "The session token in the query string; only `GET /api/v1/stream` takes it \
                 (browsers cannot set headers on a WebSocket).",
            ))),
        );
        let too_large = format!(
            "`payload_too_large`: the body is over {} bytes (the connection is closed)",
            super::MAX_REQUEST_BYTES
        );
        for (name, description) in [
            (
                BAD_REQUEST,
                "`bad_request`: malformed input (not JSON, a missing field, a wrong type, a \
                 malformed id or query string) or input the rules refuse",
            ),
            (
                UNAUTHORIZED,
                "`unauthorized`: no `Authorization: Bearer TOKEN`, or the session ended \
                 (logged out, or the account was deactivated): log in again",
            ),
            (
                MUTATION_CONFLICT,
                "`conflict`: this `mutation_id` was already used for a different request",
            ),
            (PAYLOAD_TOO_LARGE, too_large.as_str()),
            (
                WRITE_RATE_LIMITED,
                "`rate_limited`: too many writes by this person in a short time; \
                 `Retry-After` says in how many seconds to try again",
            ),
            (
                INTERNAL,
                "`internal`: the server failed; the details are in its log",
            ),
        ] {
            components
                .responses
                .insert(name.to_string(), RefOr::T(error_response(description)));
        }
        if let Some(RefOr::T(Schema::OneOf(change))) = components.schemas.get_mut("Change") {
            forget_unknown_changes(change);
        }
        let idempotent: Vec<String> = components
            .schemas
            .iter()
            .filter(|(_, schema)| has_property(schema, "mutation_id"))
            .map(|(name, _)| format!("#/components/schemas/{name}"))
            .collect();

        for item in doc.paths.paths.values_mut() {
            for operation in operations_mut(item) {
                add_shared_responses(operation, &idempotent);
            }
            for operation in writes_mut(item) {
                add_write_limit(operation);
            }
        }
    }
}

fn error_response(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            Content::new(Some(Ref::from_schema_name(ErrorBody::name()))),
        )
        .build()
}

fn add_shared_responses(operation: &mut Operation, idempotent: &[String]) {
    let secured = operation
        .security
        .as_ref()
        .is_some_and(|requirements| !requirements.is_empty());
    let has_input = operation.request_body.is_some()
        || operation.parameters.as_ref().is_some_and(|parameters| {
            parameters
                .iter()
                .any(|p| matches!(p.parameter_in, ParameterIn::Path | ParameterIn::Query))
        });
    let is_write = operation.request_body.as_ref().is_some_and(|body| {
        body.content.values().any(|content| {
            matches!(&content.schema, Some(RefOr::Ref(r)) if idempotent.contains(&r.ref_location))
        })
    });
    let responses = &mut operation.responses.responses;
    let mut shared = |status: &str, name: &str| {
        responses
            .entry(status.to_string())
            .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
    };
    if has_input {
        shared("400", BAD_REQUEST);
    }
    if secured {
        shared("401", UNAUTHORIZED);
    }
    if operation.request_body.is_some() {
        shared("413", PAYLOAD_TOO_LARGE);
    }
    if has_input || secured {
        shared("500", INTERNAL);
    }
    if is_write {
        match responses.get_mut("409") {
            // A handler's own 409: say that it also covers a reused mutation id.
            Some(RefOr::T(response)) => {
                response.description = format!(
                    "{}; or this `mutation_id` was already used for a different request",
                    response.description
                );
            }
            Some(RefOr::Ref(_)) => {}
            None => {
                responses.insert(
                    "409".to_string(),
                    RefOr::Ref(Ref::from_response_name(MUTATION_CONFLICT)),
                );
            }
        }
    }
}

/// `Change::Unknown` is how a client reads a kind of change it does not know
/// (`#[serde(other)]`); the server never sends `{"type":"unknown"}`, so the
/// document leaves that variant out and states the rule instead.
fn forget_unknown_changes(change: &mut OneOf) {
    change.items.retain(|variant| {
        let RefOr::T(Schema::Object(object)) = variant else {
            return true;
        };
        let tag = match object.properties.get("type") {
            Some(RefOr::T(Schema::Object(tag))) => tag.enum_values.as_deref(),
            _ => None,
        };
        tag != Some(&[serde_json::json!("unknown")][..])
    });
    let rule = "A newer server may send kinds of change this document does not list: \
                clients skip a change whose `type` they do not know.";
    change.description = Some(match change.description.take() {
        Some(description) => format!("{description}\n\n{rule}"),
        None => rule.to_string(),
    });
}

fn has_property(schema: &RefOr<Schema>, name: &str) -> bool {
    match schema {
        RefOr::T(Schema::Object(object)) => object.properties.contains_key(name),
        _ => false,
    }
}

/// Every authenticated write counts against the caller's write limit
/// (`AuthUser`), so each may answer 429.
fn add_write_limit(operation: &mut Operation) {
    let secured = operation
        .security
        .as_ref()
        .is_some_and(|requirements| !requirements.is_empty());
    if secured {
        operation
            .responses
            .responses
            .entry("429".to_string())
            .or_insert_with(|| RefOr::Ref(Ref::from_response_name(WRITE_RATE_LIMITED)));
    }
}

fn writes_mut(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}
