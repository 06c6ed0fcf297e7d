//! Request and response bodies of the REST API (`/api/v1`).
//!
//! Every write carries a client-generated `mutation_id` (a UUID). The server
//! records it with the result, so sending the same write twice (a retry after
//! a lost response, a replay after a crash) applies it once and answers the
//! same way both times.

use serde::{Deserialize, Serialize};

use crate::{Comment, Group, Id, Membership, Post, Privacy, User};

/// `POST /api/v1/auth/login`
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    /// Shown to the user in a future session list ("Commons desktop on laptop").
    #[serde(default)]
    pub device_name: Option<String>,
}

/// Answer to a successful login. The token is a bearer token for
/// `Authorization: Bearer TOKEN`; the server stores only its hash.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct LoginResponse {
    pub token: String,
    pub user: User,
}

/// `POST /api/v1/groups`: create a group; the creator becomes its admin.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct CreateGroupRequest {
    pub mutation_id: Id,
    pub id: Id,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub privacy: Privacy,
}

/// `POST /api/v1/groups/{id}/join`: join an open group.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct JoinGroupRequest {
    pub mutation_id: Id,
}

/// `POST /api/v1/groups/{id}/members`: a group admin adds someone by e-mail.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct AddMemberRequest {
    pub mutation_id: Id,
    pub email: String,
}

/// `POST /api/v1/posts`
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct CreatePostRequest {
    pub mutation_id: Id,
    pub id: Id,
    pub group_id: Id,
    pub body: String,
}

/// `POST /api/v1/posts/{post_id}/comments`
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct CreateCommentRequest {
    pub mutation_id: Id,
    pub id: Id,
    pub body: String,
}

/// `GET /api/v1/groups`: the groups the caller may see, with the caller's role.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct GroupListItem {
    pub group: Group,
    /// `None` when the caller is not a member.
    pub my_role: Option<crate::GroupRole>,
    pub member_count: i64,
}

/// `GET /api/v1/groups/{id}/posts` and `GET /api/v1/posts/{id}`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct PostWithComments {
    pub post: Post,
    pub comments: Vec<Comment>,
}

/// Answer of `POST /api/v1/groups/{id}/join` and `.../members`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct MembershipResponse {
    pub membership: Membership,
}

/// Limits the server enforces on text, in bytes of UTF-8.
pub const MAX_POST_BYTES: usize = 64 * 1024;
pub const MAX_COMMENT_BYTES: usize = 16 * 1024;
pub const MAX_GROUP_NAME_CHARS: usize = 100;
/// Longest group description, in characters (after trimming).
pub const MAX_GROUP_DESCRIPTION_CHARS: usize = 2000;
