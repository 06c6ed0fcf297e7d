//! Attachments: upload, link to a post, download with the post's
//! visibility, thumbnails, deduplicated storage, limits and cleanup.

use std::path::{Path, PathBuf};

use commons_protocol::*;
use commons_server::{AttachmentLimits, Tuning};
use reqwest::header::HeaderMap;

use super::content_support::*;
use crate::harness::{new_id, Ctx, Reply, Session};

/// A small picture, made here so the test needs no fixture files.
pub(crate) fn png(width: u32, height: u32, seed: u8) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, seed])
    });
    let mut bytes = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .expect("encode PNG");
    bytes
}

pub(super) const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

async fn upload_to(ctx: &Ctx, s: &Session, name: &str, bytes: Vec<u8>) -> Reply {
    crate::harness::send(
        ctx.http
            .post(ctx.api("/attachments"))
            .query(&[("name", name)])
            .header("content-type", "image/png")
            .bearer_auth(&s.token)
            .body(bytes),
    )
    .await
}

pub(crate) async fn upload(s: &Session, name: &str, bytes: Vec<u8>) -> Attachment {
    let reply = upload_to(&s.ctx, s, name, bytes).await;
    reply.assert_status(201);
    reply.json()
}

/// A download: status, headers and the raw bytes.
pub(super) struct Download {
    pub(super) status: u16,
    headers: HeaderMap,
    pub(super) bytes: Vec<u8>,
}

impl Download {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    pub(super) fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// 404, word for word what a made-up id answers.
    pub(super) fn assert_hidden(&self, unknown: &Download) {
        assert_eq!(self.status, 404, "{}", self.text());
        assert_eq!(self.text(), unknown.text(), "must look like a made-up id");
    }
}

pub(super) async fn download(s: &Session, path: &str) -> Download {
    let response = s
        .ctx
        .http
        .get(s.ctx.api(path))
        .bearer_auth(&s.token)
        .send()
        .await
        .expect("server answers");
    Download {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        bytes: response.bytes().await.expect("body").to_vec(),
    }
}

pub(crate) async fn post_with(s: &Session, group: &Group, ids: &[&str]) -> Reply {
    let request = CreatePostRequest {
        attachment_ids: ids.iter().map(|id| id.to_string()).collect(),
        ..s.post_request(&group.id, "see attached")
    };
    s.post("/posts", &request).await
}

/// Every file of the attachment store (temporary uploads included).
fn stored_files(ctx: &Ctx) -> Vec<PathBuf> {
    files_under(&ctx.data_dir.join("attachments"))
}

/// Every file under `dir`, sorted.
pub(crate) fn files_under(dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, found);
            } else {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(dir, &mut found);
    found.sort();
    found
}

pub(super) fn blob_exists(ctx: &Ctx, sha256: &str) -> bool {
    ctx.data_dir
        .join("attachments")
        .join(&sha256[0..2])
        .join(&sha256[2..4])
        .join(sha256)
        .is_file()
}

pub async fn attachments_follow_the_visibility_of_their_post(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let bob = ctx.person("bob").await;
    let eve = ctx.person("eve").await;
    let unknown = download(&bob, &format!("/attachments/{}", new_id())).await;
    let unknown_thumb = download(&bob, &format!("/attachments/{}/thumbnail", new_id())).await;

    for privacy in [Privacy::Closed, Privacy::Secret] {
        let group = ada
            .create_group(&format!("Design {privacy}"), privacy)
            .await;
        ada.add_member(&group.id, &bob.user.email)
            .await
            .assert_status(200);
        let picture = png(640, 480, privacy as u8);
        let attachment = upload(&ada, "mock-up.png", picture.clone()).await;
        assert_eq!(attachment.content_type, "image/png");
        assert_eq!(attachment.name, "mock-up.png");
        assert_eq!(attachment.size as usize, picture.len());
        assert_eq!(
            (attachment.width, attachment.height),
            (Some(640), Some(480))
        );
        assert_eq!(attachment.uploader_id, ada.user.id);
        let file = format!("/attachments/{}", attachment.id);
        let thumb = format!("/attachments/{}/thumbnail", attachment.id);

        // Not linked yet: the uploader's alone.
        assert_eq!(download(&ada, &file).await.bytes, picture);
        download(&bob, &file).await.assert_hidden(&unknown);
        download(&bob, &thumb).await.assert_hidden(&unknown_thumb);

        // Only one's own unlinked uploads can be linked.
        post_with(&bob, &group, &[&attachment.id])
            .await
            .assert_error(400, "bad_request");
        post_with(&ada, &group, &[&new_id()])
            .await
            .assert_error(400, "bad_request");
        let reply = post_with(&ada, &group, &[&attachment.id]).await;
        reply.assert_status(201);
        let post: Post = reply.json();
        assert_eq!(post.attachments, vec![attachment.clone()]);
        post_with(&ada, &group, &[&attachment.id])
            .await
            .assert_error(400, "bad_request");

        // A member downloads the very bytes, and a thumbnail that decodes.
        let got = download(&bob, &file).await;
        assert_eq!(got.status, 200);
        assert_eq!(got.bytes, picture);
        assert_eq!(got.header("content-type"), "image/png");
        assert_eq!(got.header("x-content-type-options"), "nosniff");
        assert_eq!(got.header("cache-control"), "private");
        let got = download(&bob, &thumb).await;
        assert_eq!(got.status, 200);
        assert_eq!(got.header("content-type"), "image/png");
        let small = image::load_from_memory(&got.bytes).expect("thumbnail decodes");
        assert_eq!((small.width(), small.height()), (320, 240));

        // The post carries its attachments wherever it is read.
        let read: PostWithComments = bob.get(&format!("/posts/{}", post.id)).await.json();
        assert_eq!(read.post.attachments, vec![attachment.clone()]);
        let page: FeedPage = bob.get(&format!("/groups/{}/posts", group.id)).await.json();
        assert_eq!(page.posts[0].post.attachments, vec![attachment.clone()]);
        let feed: FeedPage = bob.get("/feed").await.json();
        let in_feed = feed
            .posts
            .iter()
            .find(|p| p.post.id == post.id)
            .expect("in feed");
        assert_eq!(in_feed.post.attachments, vec![attachment.clone()]);
        let (changes, _) = bob.sync_all(None, 50).await;
        let synced = changes
            .iter()
            .find_map(|c| match c {
                Change::Post { post: p } if p.id == post.id => Some(p.clone()),
                _ => None,
            })
            .expect("synced");
        assert_eq!(synced.attachments, vec![attachment.clone()]);

        // Someone outside the group hears what a made-up id answers.
        download(&eve, &file).await.assert_hidden(&unknown);
        download(&eve, &thumb).await.assert_hidden(&unknown_thumb);
    }
}

pub async fn attachments_are_stored_once_sniffed_limited_and_removed(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let bob = ctx.person("bob").await;
    let group = ada.create_group("Files", Privacy::Open).await;
    let unknown = download(&bob, &format!("/attachments/{}", new_id())).await;

    // The same bytes twice: two attachments, one blob (and one thumbnail).
    let picture = png(100, 50, 7);
    let first = upload(&ada, "a.png", picture.clone()).await;
    let files = stored_files(&ctx);
    assert_eq!(files.len(), 2, "the file and its thumbnail: {files:?}");
    let second = upload(&bob, "b.png", picture.clone()).await;
    assert_ne!(first.id, second.id);
    assert_eq!(first.sha256, second.sha256);
    assert_eq!(stored_files(&ctx), files, "stored once");

    // The client's declared type and name do not decide the type.
    let pdf = upload(&ada, "evil.png", PDF.to_vec()).await;
    assert_eq!(pdf.content_type, "application/pdf");
    assert_eq!((pdf.width, pdf.height), (None, None));
    let got = download(&ada, &format!("/attachments/{}", pdf.id)).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.header("content-type"), "application/pdf");
    assert_eq!(
        got.header("content-disposition"),
        "attachment; filename=\"evil.png\"; filename*=UTF-8''evil.png"
    );
    assert_eq!(got.bytes, PDF);
    let got = download(&ada, &format!("/attachments/{}/thumbnail", pdf.id)).await;
    assert_eq!(got.status, 404);

    // A corrupt image is a file without a thumbnail, never a failure.
    let mut corrupt = picture[..40].to_vec();
    corrupt.extend_from_slice(&[0xAB; 500]);
    let broken = upload(&ada, "broken.png", corrupt.clone()).await;
    assert_eq!(broken.content_type, "image/png");
    assert_eq!((broken.width, broken.height), (None, None));
    let got = download(&ada, &format!("/attachments/{}/thumbnail", broken.id)).await;
    assert_eq!(got.status, 404);
    assert_eq!(
        download(&ada, &format!("/attachments/{}", broken.id))
            .await
            .bytes,
        corrupt
    );

    // Over the limit: 413 in the API's shape, nothing left on disk.
    let limited = ctx
        .start_node(Tuning {
            attachments: AttachmentLimits {
                max_bytes: 64 * 1024,
            },
            ..Tuning::default()
        })
        .await;
    let before = stored_files(&ctx);
    let small_ctx = ctx.at(&limited.url);
    upload_to(&small_ctx, &ada, "big.bin", vec![1u8; 100 * 1024])
        .await
        .assert_error(413, "payload_too_large");
    assert_eq!(
        stored_files(&ctx),
        before,
        "nothing kept of refused uploads"
    );
    let fits = upload_to(&small_ctx, &ada, "fits.bin", vec![3u8; 1000]).await;
    fits.assert_status(201);
    let fits: Attachment = fits.json();
    assert_eq!(fits.content_type, "application/octet-stream");

    // Deleting a post removes its attachments, and the files no one else uses.
    let reply = post_with(&ada, &group, &[&first.id, &pdf.id]).await;
    reply.assert_status(201);
    let post: Post = reply.json();
    assert_eq!(post.attachments.len(), 2);
    assert_eq!(
        download(&bob, &format!("/attachments/{}", pdf.id))
            .await
            .status,
        200
    );
    delete_post(&ada, &post.id).await.assert_status(200);
    for gone in [&first, &pdf] {
        download(&ada, &format!("/attachments/{}", gone.id))
            .await
            .assert_hidden(&unknown);
        download(&bob, &format!("/attachments/{}", gone.id))
            .await
            .assert_hidden(&unknown);
    }
    assert!(!blob_exists(&ctx, &pdf.sha256), "the PDF's file is gone");
    assert!(
        blob_exists(&ctx, &first.sha256),
        "bob's upload still uses it"
    );
    let still = download(&bob, &format!("/attachments/{}", second.id)).await;
    assert_eq!(still.bytes, picture);
    let tombstone: PostWithComments = ada.get(&format!("/posts/{}", post.id)).await.json();
    assert!(tombstone.post.attachments.is_empty());
}

/// An upload with a `mutation_id` is applied once: a replay (a client that
/// crashed before storing the answer) gets the first attachment back, and the
/// same id for another file is refused.
pub async fn an_upload_with_a_mutation_id_is_recorded_once(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let mutation_id = new_id();
    let send = |name: &'static str, bytes: Vec<u8>| {
        let ctx = &ctx;
        let token = ada.token.clone();
        let mutation_id = mutation_id.clone();
        async move {
            crate::harness::send(
                ctx.http
                    .post(ctx.api("/attachments"))
                    .query(&[("name", name), ("mutation_id", &mutation_id)])
                    .bearer_auth(&token)
                    .body(bytes),
            )
            .await
        }
    };
    let first = send("minutes.pdf", PDF.to_vec()).await;
    first.assert_status(201);
    let first: Attachment = first.json();
    let replay = send("minutes.pdf", PDF.to_vec()).await;
    replay.assert_status(201);
    let replay: Attachment = replay.json();
    assert_eq!(replay, first);
    let other = send("other.pdf", b"%PDF-1.4 other".to_vec()).await;
    other.assert_status(409);
}
