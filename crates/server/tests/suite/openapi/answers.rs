//! Real answers against the document: a walk through every operation (and
//! some of their errors) whose bodies are checked against the schema the
//! document gives for that operation and status. This is what keeps the
//! schemas true to serde: a renamed field, a missing one, a wrong tag or an
//! enum word that serde writes differently fails here.

use std::collections::BTreeSet;
use std::sync::Mutex;

use commons_protocol::NotificationKind;
use commons_server::ops::users::NewUser;
use futures_util::StreamExt;
use reqwest::Method;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use super::{fetch_document, fill, operations, schema};
use crate::harness::{new_id, send, Ctx, Reply, PASSWORD};
use crate::scenarios::sso_support::{app_browser, node_with_provider, param, Account, AppRequest};

/// Calls operations by their documented path and checks each answer.
struct Api {
    ctx: Ctx,
    doc: Value,
    /// Operations that gave a success answer.
    succeeded: Mutex<BTreeSet<(String, String)>>,
}

impl Api {
    /// Calls `METHOD template` (placeholders filled from `args`) with `token`
    /// and `body`, asserts `status`, checks the body against the document's
    /// schema for that status, and returns it.
    async fn call(
        &self,
        status: u16,
        token: Option<&str>,
        method: &str,
        template: &str,
        args: &[&str],
        body: Option<Value>,
    ) -> Value {
        let (template, query) = match template.split_once('?') {
            Some((path, query)) => (path, format!("?{query}")),
            None => (template, String::new()),
        };
        let url = format!("{}{}{query}", self.ctx.url, fill(template, args));
        let mut request = self
            .ctx
            .http
            .request(Method::from_bytes(method.as_bytes()).expect("method"), url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let reply: Reply = send(request).await;
        let what = format!("{method} {template}");
        assert_eq!(reply.status.as_u16(), status, "{what}: {}", reply.text);
        self.check(&what, method, template, status, &reply.body);
        if status < 300 {
            self.succeeded
                .lock()
                .unwrap()
                .insert((method.to_string(), template.to_string()));
        }
        reply.body
    }

    /// Like [`Api::call`] for operations whose request or answer is a file:
    /// sends `bytes` as the body and checks a JSON answer against the schema,
    /// or that the document declares the binary answer's content type.
    async fn call_bytes(
        &self,
        status: u16,
        token: &str,
        method: &str,
        template: &str,
        args: &[&str],
        bytes: Option<Vec<u8>>,
    ) -> Vec<u8> {
        let (template, query) = match template.split_once('?') {
            Some((path, query)) => (path, format!("?{query}")),
            None => (template, String::new()),
        };
        let url = format!("{}{}{query}", self.ctx.url, fill(template, args));
        let mut request = self
            .ctx
            .http
            .request(Method::from_bytes(method.as_bytes()).expect("method"), url)
            .bearer_auth(token);
        if let Some(bytes) = bytes {
            request = request.query(&[("name", "picture.png")]).body(bytes);
        }
        let reply = request.send().await.expect("request sent");
        let what = format!("{method} {template}");
        assert_eq!(reply.status().as_u16(), status, "{what}");
        let content_type = reply
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        // The media type, without parameters such as `charset`.
        let content_type = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned();
        let body = reply.bytes().await.expect("body").to_vec();
        if content_type.starts_with("application/json") {
            let json: Value = serde_json::from_slice(&body).expect("JSON answer");
            self.check(&what, method, template, status, &json);
        } else {
            let operation = &self.doc["paths"][template][method.to_lowercase()];
            let response = schema::deref(&self.doc, &operation["responses"][status.to_string()]);
            assert!(
                response["content"].get(content_type.as_str()).is_some()
                    || response["content"]
                        .get("application/octet-stream")
                        .is_some(),
                "{what} {status}: answered {content_type}, which the document does not declare"
            );
        }
        if status < 300 {
            self.succeeded
                .lock()
                .unwrap()
                .insert((method.to_string(), template.to_string()));
        }
        body
    }

    fn check(&self, what: &str, method: &str, template: &str, status: u16, body: &Value) {
        let operation = &self.doc["paths"][template][method.to_lowercase()];
        assert!(operation.is_object(), "{what} is not documented");
        let response = operation["responses"]
            .get(status.to_string())
            .unwrap_or_else(|| panic!("{what}: status {status} is not documented"));
        let response = schema::deref(&self.doc, response);
        match response["content"]["application/json"].get("schema") {
            Some(body_schema) => {
                if let Err(e) = schema::validate(&self.doc, body_schema, body, "#") {
                    panic!("{what} {status}: the answer does not match the document: {e}\n{body}");
                }
            }
            None => assert!(
                body.is_null(),
                "{what} {status}: an undocumented body {body}"
            ),
        }
    }
}

fn mutation() -> Value {
    json!({ "mutation_id": new_id() })
}

fn with_mutation(mut body: Value) -> Value {
    body["mutation_id"] = Value::from(new_id());
    body
}

fn text(value: &Value, pointer: &str) -> String {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no {pointer} in {value}"))
        .to_string()
}

pub async fn match_the_document(ctx: Ctx) {
    let doc = fetch_document(&ctx).await;
    let api = Api {
        ctx: ctx.clone(),
        doc,
        succeeded: Mutex::new(BTreeSet::new()),
    };
    let mut people = Vec::new();
    for (handle, is_admin) in [("ada", true), ("bob", false), ("cy", false)] {
        let user = commons_server::ops::users::create(
            &ctx.db,
            NewUser {
                email: format!("{handle}@example.org"),
                name: format!("{handle} Example"),
                password: PASSWORD.into(),
                is_admin,
            },
        )
        .await
        .expect("user created");
        people.push(user);
    }
    let login = |email: String| {
        let api = &api;
        async move {
            let body = json!({ "email": email, "password": PASSWORD, "device_name": "test" });
            let answer = api
                .call(200, None, "POST", "/api/v1/auth/login", &[], Some(body))
                .await;
            text(&answer, "/token")
        }
    };
    let ada = login(people[0].email.clone()).await;
    let bob = login(people[1].email.clone()).await;
    let cy = login(people[2].email.clone()).await;
    let (ada_id, bob_id, cy_id) = (
        people[0].id.as_str(),
        people[1].id.as_str(),
        people[2].id.as_str(),
    );
    let (ada, bob, cy) = (Some(ada.as_str()), Some(bob.as_str()), Some(cy.as_str()));

    // Meta and errors of every kind.
    api.call(200, None, "GET", "/healthz", &[], None).await;
    api.call(200, None, "GET", "/readyz", &[], None).await;
    api.call(200, None, "GET", "/api/v1/openapi.json", &[], None)
        .await;
    let wrong = json!({ "email": "ada@example.org", "password": "not it" });
    api.call(401, None, "POST", "/api/v1/auth/login", &[], Some(wrong))
        .await;
    api.call(401, None, "GET", "/api/v1/me", &[], None).await;
    api.call(
        400,
        bob,
        "POST",
        "/api/v1/groups",
        &[],
        Some(json!({ "oops": 1 })),
    )
    .await;
    api.call(404, bob, "GET", "/api/v1/groups/{id}", &[&new_id()], None)
        .await;

    // People.
    api.call(200, bob, "GET", "/api/v1/me", &[], None).await;
    let profile = with_mutation(json!({ "title": "Engineer", "manager_id": ada_id }));
    api.call(200, bob, "PATCH", "/api/v1/me", &[], Some(profile))
        .await;
    api.call(200, bob, "GET", "/api/v1/users?limit=2", &[], None)
        .await;
    api.call(200, bob, "GET", "/api/v1/users/{id}", &[ada_id], None)
        .await;
    api.call(
        200,
        bob,
        "GET",
        "/api/v1/users/by-handle/{handle}",
        &["ada"],
        None,
    )
    .await;

    // Groups and membership.
    let open = api
        .call(
            201,
            ada,
            "POST",
            "/api/v1/groups",
            &[],
            Some(with_mutation(
                json!({ "id": new_id(), "name": "Open", "privacy": "open" }),
            )),
        )
        .await;
    let open = text(&open, "/id");
    let closed = api
        .call(
            201,
            ada,
            "POST",
            "/api/v1/groups",
            &[],
            Some(with_mutation(json!({
                "id": new_id(), "name": "Closed", "description": "Members only", "privacy": "closed"
            }))),
        )
        .await;
    let closed = text(&closed, "/id");
    let open_group = [open.as_str()];
    let closed_group = [closed.as_str()];
    api.call(200, bob, "GET", "/api/v1/groups", &[], None).await;
    api.call(200, bob, "GET", "/api/v1/groups/{id}", &closed_group, None)
        .await;
    let rename = with_mutation(json!({ "name": "Open to all" }));
    api.call(
        200,
        ada,
        "PATCH",
        "/api/v1/groups/{id}",
        &open_group,
        Some(rename),
    )
    .await;
    let rename = with_mutation(json!({ "name": "Mine now" }));
    api.call(
        403,
        bob,
        "PATCH",
        "/api/v1/groups/{id}",
        &closed_group,
        Some(rename),
    )
    .await;
    let joined = api
        .call(
            200,
            bob,
            "POST",
            "/api/v1/groups/{id}/join",
            &open_group,
            Some(mutation()),
        )
        .await;
    assert!(joined["membership"].is_object(), "{joined}");
    let asked = api
        .call(
            200,
            cy,
            "POST",
            "/api/v1/groups/{id}/join",
            &closed_group,
            Some(mutation()),
        )
        .await;
    assert!(asked["request"].is_object(), "{asked}");
    api.call(
        200,
        bob,
        "POST",
        "/api/v1/groups/{id}/join",
        &closed_group,
        Some(mutation()),
    )
    .await;
    api.call(
        200,
        ada,
        "GET",
        "/api/v1/groups/{id}/requests",
        &closed_group,
        None,
    )
    .await;
    let approve = "/api/v1/groups/{id}/requests/{user_id}/approve";
    api.call(
        200,
        ada,
        "POST",
        approve,
        &[&closed, cy_id],
        Some(mutation()),
    )
    .await;
    let decline = "/api/v1/groups/{id}/requests/{user_id}/decline";
    api.call(
        200,
        ada,
        "POST",
        decline,
        &[&closed, bob_id],
        Some(mutation()),
    )
    .await;
    api.call(
        404,
        ada,
        "POST",
        decline,
        &[&closed, bob_id],
        Some(mutation()),
    )
    .await;
    let add = with_mutation(json!({ "email": "cy@example.org" }));
    api.call(
        200,
        ada,
        "POST",
        "/api/v1/groups/{id}/members",
        &open_group,
        Some(add),
    )
    .await;
    api.call(
        200,
        bob,
        "GET",
        "/api/v1/groups/{id}/members?limit=2",
        &open_group,
        None,
    )
    .await;
    let role = "/api/v1/groups/{id}/members/{user_id}/role";
    let moderator = with_mutation(json!({ "role": "moderator" }));
    api.call(200, ada, "POST", role, &[&open, bob_id], Some(moderator))
        .await;
    let settings = with_mutation(json!({ "notification_level": "all" }));
    api.call(
        200,
        bob,
        "PUT",
        "/api/v1/groups/{id}/settings",
        &open_group,
        Some(settings),
    )
    .await;

    // Content.
    // Attachments: upload a picture, link it to the post below, download both sizes.
    let picture = {
        let image = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8, y as u8, 7]));
        let mut bytes = Vec::new();
        image
            .write_to(
                &mut std::io::Cursor::new(&mut bytes),
                image::ImageFormat::Png,
            )
            .expect("encode PNG");
        bytes
    };
    let uploaded = api
        .call_bytes(
            201,
            ada.expect("ada is logged in"),
            "POST",
            "/api/v1/attachments",
            &[],
            Some(picture.clone()),
        )
        .await;
    let uploaded: Value = serde_json::from_slice(&uploaded).expect("attachment JSON");
    let attachment = text(&uploaded, "/id");
    let post_request = with_mutation(json!({
        "id": new_id(), "group_id": open, "body": "Hello @bob and @cy",
        "attachment_ids": [attachment]
    }));
    let reused = post_request.clone();
    let post = api
        .call(201, ada, "POST", "/api/v1/posts", &[], Some(post_request))
        .await;
    let post = text(&post, "/id");
    let the_attachment = [attachment.as_str()];
    let token = ada.expect("ada is logged in");
    let downloaded = api
        .call_bytes(
            200,
            token,
            "GET",
            "/api/v1/attachments/{id}",
            &the_attachment,
            None,
        )
        .await;
    assert_eq!(downloaded, picture);
    let metrics = api
        .call_bytes(200, token, "GET", "/metrics", &[], None)
        .await;
    assert!(String::from_utf8_lossy(&metrics).contains("commons_http_requests_total"));
    api.call_bytes(
        200,
        token,
        "GET",
        "/api/v1/attachments/{id}/thumbnail",
        &the_attachment,
        None,
    )
    .await;
    api.call_bytes(
        200,
        token,
        "GET",
        "/api/v1/attachments/{id}/thumbnail?size=small",
        &the_attachment,
        None,
    )
    .await;
    // Pictures and covers: more uploads of the picture, chosen by id.
    let mut pictures = Vec::new();
    for who in [token, bob.expect("bob is logged in"), token] {
        let bytes = api
            .call_bytes(
                201,
                who,
                "POST",
                "/api/v1/attachments",
                &[],
                Some(picture.clone()),
            )
            .await;
        let uploaded: Value = serde_json::from_slice(&bytes).expect("attachment JSON");
        pictures.push(text(&uploaded, "/id"));
    }
    let choose = |id: &str| Some(with_mutation(json!({ "attachment_id": id })));
    let nothing = || Some(with_mutation(json!({})));
    api.call(
        200,
        ada,
        "PUT",
        "/api/v1/me/avatar",
        &[],
        choose(&pictures[0]),
    )
    .await;
    api.call(200, ada, "DELETE", "/api/v1/me/avatar", &[], nothing())
        .await;
    api.call(
        200,
        bob,
        "PUT",
        "/api/v1/me/avatar",
        &[],
        choose(&pictures[1]),
    )
    .await;
    let remove_avatar = "/api/v1/admin/users/{id}/avatar";
    api.call(403, cy, "DELETE", remove_avatar, &[bob_id], nothing())
        .await;
    api.call(200, ada, "DELETE", remove_avatar, &[bob_id], nothing())
        .await;
    let cover = "/api/v1/groups/{id}/cover";
    api.call(400, ada, "PUT", cover, &[&open], choose(&pictures[0]))
        .await;
    api.call(200, ada, "PUT", cover, &[&open], choose(&pictures[2]))
        .await;
    api.call(403, cy, "DELETE", cover, &[&open], nothing())
        .await;
    api.call(200, ada, "DELETE", cover, &[&open], nothing())
        .await;

    let mut conflicting = reused;
    conflicting["body"] = Value::from("something else");
    api.call(409, ada, "POST", "/api/v1/posts", &[], Some(conflicting))
        .await;
    let the_post = [post.as_str()];
    let edit = with_mutation(json!({ "body": "Hello again @bob" }));
    api.call(
        200,
        ada,
        "PATCH",
        "/api/v1/posts/{id}",
        &the_post,
        Some(edit),
    )
    .await;
    api.call(
        200,
        bob,
        "GET",
        "/api/v1/posts/{id}/history",
        &the_post,
        None,
    )
    .await;
    let pin = with_mutation(json!({ "pinned": true }));
    api.call(
        200,
        bob,
        "POST",
        "/api/v1/posts/{id}/pin",
        &the_post,
        Some(pin),
    )
    .await;
    let comment = api
        .call(
            201,
            bob,
            "POST",
            "/api/v1/posts/{id}/comments",
            &the_post,
            Some(with_mutation(json!({ "id": new_id(), "body": "Nice" }))),
        )
        .await;
    let comment = text(&comment, "/id");
    let reply = api
        .call(
            201,
            cy,
            "POST",
            "/api/v1/posts/{id}/comments",
            &the_post,
            Some(with_mutation(
                json!({ "id": new_id(), "body": "Agreed", "parent_id": comment }),
            )),
        )
        .await;
    let reply = text(&reply, "/id");
    let the_comment = [comment.as_str()];
    let love = with_mutation(json!({ "kind": "love" }));
    api.call(
        200,
        bob,
        "PUT",
        "/api/v1/posts/{id}/reaction",
        &the_post,
        Some(love),
    )
    .await;
    let haha = with_mutation(json!({ "kind": "haha" }));
    api.call(
        200,
        ada,
        "PUT",
        "/api/v1/comments/{id}/reaction",
        &the_comment,
        Some(haha),
    )
    .await;
    api.call(200, cy, "GET", "/api/v1/posts/{id}", &the_post, None)
        .await;
    api.call(
        200,
        cy,
        "GET",
        "/api/v1/posts/{id}/reactions",
        &the_post,
        None,
    )
    .await;
    api.call(200, cy, "GET", "/api/v1/feed?limit=1", &[], None)
        .await;
    api.call(
        200,
        cy,
        "GET",
        "/api/v1/groups/{id}/posts",
        &open_group,
        None,
    )
    .await;
    api.call(
        200,
        cy,
        "GET",
        "/api/v1/search?q=hello&kind=post",
        &[],
        None,
    )
    .await;
    api.call(
        200,
        ada,
        "DELETE",
        "/api/v1/comments/{id}/reaction",
        &the_comment,
        Some(mutation()),
    )
    .await;
    api.call(
        200,
        bob,
        "DELETE",
        "/api/v1/posts/{id}/reaction",
        &the_post,
        Some(mutation()),
    )
    .await;
    let edit = with_mutation(json!({ "body": "Very nice" }));
    api.call(
        200,
        bob,
        "PATCH",
        "/api/v1/comments/{id}",
        &the_comment,
        Some(edit),
    )
    .await;
    api.call(
        200,
        cy,
        "DELETE",
        "/api/v1/comments/{id}",
        &[&reply],
        Some(mutation()),
    )
    .await;

    // Notifications.
    let page = api
        .call(200, bob, "GET", "/api/v1/notifications?limit=50", &[], None)
        .await;
    let kinds: Vec<String> = page["notifications"]
        .as_array()
        .expect("notifications")
        .iter()
        .map(|n| text(n, "/kind"))
        .collect();
    assert!(
        kinds.contains(&NotificationKind::Mention.to_string()),
        "{page}"
    );
    let first = text(&page, "/notifications/0/id");
    api.call(
        200,
        bob,
        "POST",
        "/api/v1/notifications/{id}/read",
        &[&first],
        Some(mutation()),
    )
    .await;
    api.call(
        200,
        bob,
        "POST",
        "/api/v1/notifications/read-all",
        &[],
        Some(mutation()),
    )
    .await;

    // What stays for sync to show: a pending request, a reaction, settings.
    api.call(
        200,
        bob,
        "POST",
        "/api/v1/groups/{id}/join",
        &closed_group,
        Some(mutation()),
    )
    .await;
    let second = api
        .call(
            201,
            ada,
            "POST",
            "/api/v1/posts",
            &[],
            Some(with_mutation(
                json!({ "id": new_id(), "group_id": closed, "body": "Members only" }),
            )),
        )
        .await;
    let like = with_mutation(json!({ "kind": "like" }));
    api.call(
        200,
        cy,
        "PUT",
        "/api/v1/posts/{id}/reaction",
        &[&text(&second, "/id")],
        Some(like),
    )
    .await;
    let settings = with_mutation(json!({ "notification_level": "off" }));
    api.call(
        200,
        cy,
        "PUT",
        "/api/v1/groups/{id}/settings",
        &closed_group,
        Some(settings),
    )
    .await;

    // A poll, announced: votes (one withdrawn), results, closing, who saw it.
    let poll = api
        .call(
            201,
            ada,
            "POST",
            "/api/v1/posts",
            &[],
            Some(with_mutation(json!({
                "id": new_id(), "group_id": closed, "body": "Lunch?",
                "poll": { "options": ["pizza", "sushi"], "multiple": false },
                "announce_days": 2,
            }))),
        )
        .await;
    let the_poll = [text(&poll, "/id")];
    let the_poll = [the_poll[0].as_str()];
    let vote = "/api/v1/posts/{id}/vote";
    for (who, option) in [(cy, 1), (ada, 0)] {
        let body = with_mutation(json!({ "options": [option] }));
        api.call(200, who, "PUT", vote, &the_poll, Some(body)).await;
    }
    api.call(200, ada, "DELETE", vote, &the_poll, Some(mutation()))
        .await;
    api.call(200, cy, "GET", "/api/v1/posts/{id}/poll", &the_poll, None)
        .await;
    let seen = "/api/v1/posts/{id}/seen";
    api.call(200, cy, "POST", seen, &the_poll, Some(mutation()))
        .await;
    api.call(200, ada, "GET", seen, &the_poll, None).await;
    let announce = with_mutation(json!({ "days": 3 }));
    api.call(
        200,
        ada,
        "POST",
        "/api/v1/posts/{id}/announce",
        &the_poll,
        Some(announce),
    )
    .await;
    api.call(
        200,
        ada,
        "POST",
        "/api/v1/posts/{id}/poll/close",
        &the_poll,
        Some(mutation()),
    )
    .await;

    // Leaving, removal and deletion, so sync has every kind of change to show.
    let remove = "/api/v1/groups/{id}/members/{user_id}/remove";
    api.call(200, ada, "POST", remove, &[&open, cy_id], Some(mutation()))
        .await;
    api.call(
        200,
        bob,
        "POST",
        "/api/v1/groups/{id}/leave",
        &open_group,
        Some(mutation()),
    )
    .await;
    api.call(
        200,
        ada,
        "DELETE",
        "/api/v1/posts/{id}",
        &the_post,
        Some(mutation()),
    )
    .await;
    let mut kinds = BTreeSet::new();
    for token in [ada, bob, cy] {
        let mut since: Option<String> = None;
        loop {
            let path = match &since {
                Some(cursor) => format!("/api/v1/sync?limit=7&since={cursor}"),
                None => "/api/v1/sync?limit=7".to_string(),
            };
            let page = api.call(200, token, "GET", &path, &[], None).await;
            for change in page["changes"].as_array().expect("changes") {
                kinds.insert(text(change, "/type"));
            }
            since = Some(text(&page, "/cursor"));
            if page["has_more"] != true {
                break;
            }
        }
    }
    for kind in [
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
    ] {
        assert!(
            kinds.contains(kind),
            "no `{kind}` change was checked: {kinds:?}"
        );
    }

    // The WebSocket's first message is a StreamMessage.
    let url = format!("{}/api/v1/stream", ctx.url).replacen("http://", "ws://", 1);
    let mut request = url.into_client_request().expect("request");
    let bearer = format!("Bearer {}", bob.unwrap()).parse().expect("header");
    request.headers_mut().insert("authorization", bearer);
    let (mut socket, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("bob connects");
    assert_eq!(response.status().as_u16(), 101);
    assert!(api.doc["paths"]["/api/v1/stream"]["get"]["responses"]["101"].is_object());
    let first = loop {
        match socket.next().await.expect("a frame").expect("valid") {
            Message::Text(text) => {
                break serde_json::from_str::<Value>(text.as_str()).expect("JSON")
            }
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected frame {other:?}"),
        }
    };
    let message_schema = &api.doc["paths"]["/api/v1/stream"]["get"]["x-websocket-message"];
    schema::validate(&api.doc, message_schema, &first, "#")
        .unwrap_or_else(|e| panic!("the poke does not match StreamMessage: {e}"));
    assert_eq!(first["type"], "poke");
    api.succeeded
        .lock()
        .unwrap()
        .insert(("GET".into(), "/api/v1/stream".into()));
    drop(socket);

    // Exports: the organisation's for its admins only, one's own for anyone.
    api.call(403, bob, "GET", "/api/v1/admin/export", &[], None)
        .await;
    let export = api
        .call_bytes(200, token, "GET", "/api/v1/admin/export", &[], None)
        .await;
    assert_eq!(&export[..2], &[0x1f, 0x8b], "a gzip archive");
    api.call_bytes(
        200,
        bob.expect("bob is logged in"),
        "GET",
        "/api/v1/me/export",
        &[],
        None,
    )
    .await;

    // Organisation admins; cy's session ends on deactivation.
    let deactivate = "/api/v1/admin/users/{id}/deactivate";
    api.call(403, bob, "POST", deactivate, &[cy_id], Some(mutation()))
        .await;
    api.call(403, bob, "GET", "/api/v1/admin/audit", &[], None)
        .await;
    let newcomer = with_mutation(json!({
        "email": "newcomer@example.org", "name": "New Comer", "password": "a first password"
    }));
    api.call(
        403,
        bob,
        "POST",
        "/api/v1/admin/users",
        &[],
        Some(newcomer.clone()),
    )
    .await;
    api.call(201, ada, "POST", "/api/v1/admin/users", &[], Some(newcomer))
        .await;
    api.call(200, ada, "POST", deactivate, &[cy_id], Some(mutation()))
        .await;
    api.call(401, cy, "GET", "/api/v1/me", &[], None).await;
    api.call(
        200,
        ada,
        "POST",
        "/api/v1/admin/users/{id}/reactivate",
        &[cy_id],
        Some(mutation()),
    )
    .await;
    let promote = with_mutation(json!({ "is_admin": true }));
    api.call(
        200,
        ada,
        "POST",
        "/api/v1/admin/users/{id}/role",
        &[bob_id],
        Some(promote),
    )
    .await;
    let cy = login("cy@example.org".into()).await;
    api.call(204, Some(&cy), "POST", "/api/v1/auth/logout", &[], None)
        .await;

    // The audit log saw all of the above; organisation admins only.
    let audit = "/api/v1/admin/audit?limit=5";
    let page = api.call(200, ada, "GET", audit, &[], None).await;
    assert_eq!(page["entries"][0]["action"], "logout", "{page}");
    assert!(page["next_before"].is_i64(), "{page}");
    // Retention policies and erasure (organisation admins; bob is one now).
    let retention = "/api/v1/admin/retention";
    let policy = with_mutation(json!({ "max_age_days": 30, "group_id": open }));
    api.call(200, ada, "PUT", retention, &[], Some(policy))
        .await;
    api.call(200, ada, "GET", retention, &[], None).await;
    let clear = with_mutation(json!({ "group_id": open }));
    api.call(200, ada, "DELETE", retention, &[], Some(clear))
        .await;
    api.call(
        200,
        ada,
        "GET",
        "/api/v1/admin/audit?action=user_erased",
        &[],
        None,
    )
    .await;
    let erase = "/api/v1/admin/users/{id}/erase";
    api.call(200, ada, "POST", erase, &[cy_id], Some(mutation()))
        .await;
    single_sign_on(&api).await;

    // Every operation of the document gave a success answer that matched it.
    let succeeded = api.succeeded.lock().unwrap().clone();
    let missed: Vec<_> = operations(&api.doc)
        .into_keys()
        .filter(|op| !succeeded.contains(op))
        .collect();
    assert!(missed.is_empty(), "operations never checked: {missed:?}");
}

/// Single sign-on needs an identity provider: a real one, with a node of its
/// own. The browser's two steps answer redirects (303), followed here as a
/// browser does; the app's steps are JSON, checked like every other answer.
async fn single_sign_on(api: &Api) {
    let account = Account {
        email: "dee@example.org",
        password: "dee's provider password",
        claims: json!({"name": "Dee"}),
    };
    let (node, _provider) = node_with_provider(&api.ctx, &[account], false).await;
    let sso = Api {
        ctx: api.ctx.at(&node.url),
        doc: api.doc.clone(),
        succeeded: Mutex::new(BTreeSet::new()),
    };
    sso.call(200, None, "GET", "/api/v1/auth/sso", &[], None)
        .await;
    let app = AppRequest::new("walk");
    let mut browser = app_browser();
    let back = browser
        .sign_in(
            &app.start_url(&node.url),
            "dee@example.org",
            "dee's provider password",
        )
        .await
        .url;
    for path in ["/api/v1/auth/sso/start", "/api/v1/auth/sso/callback"] {
        assert!(
            browser.visited.iter().any(|url| url.path() == path),
            "the browser never went through {path}"
        );
        let operation = &api.doc["paths"][path]["get"];
        assert!(
            operation["responses"].get("303").is_some(),
            "GET {path}: the redirect is not documented"
        );
        sso.succeeded
            .lock()
            .unwrap()
            .insert(("GET".to_string(), path.to_string()));
    }
    let body = json!({
        "code": param(&back, "code").expect("a code"),
        "code_verifier": app.verifier,
        "device_name": "walk",
    });
    let token = "/api/v1/auth/sso/token";
    sso.call(200, None, "POST", token, &[], Some(body.clone()))
        .await;
    sso.call(400, None, "POST", token, &[], Some(body)).await;
    let checked = sso.succeeded.into_inner().unwrap();
    api.succeeded.lock().unwrap().extend(checked);
}
