//! What an export holds: one JSON Lines file per entity type, each the rows
//! of one table with the columns named here (nothing else of the table
//! leaves the server). The order is the import's: every file comes after
//! the files its rows point into (foreign keys), and `docs/export-format.md`
//! describes every field.

/// How a column is written in JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A string (or `null`).
    Text,
    /// A number (or `null`): times in Unix milliseconds, flags 0 or 1,
    /// positions in the change log.
    Int,
    /// A JSON value the server keeps as text (a poll, a vote's options,
    /// an audit entry's details), written as JSON, not as a string.
    Json,
}

#[derive(Clone, Copy, Debug)]
pub struct Column {
    pub name: &'static str,
    pub kind: Kind,
}

const fn text(name: &'static str) -> Column {
    Column {
        name,
        kind: Kind::Text,
    }
}

const fn int(name: &'static str) -> Column {
    Column {
        name,
        kind: Kind::Int,
    }
}

const fn json(name: &'static str) -> Column {
    Column {
        name,
        kind: Kind::Json,
    }
}

/// One file of the archive.
#[derive(Clone, Copy, Debug)]
pub struct Entity {
    /// The file in the archive, `<name>.jsonl`.
    pub file: &'static str,
    pub table: &'static str,
    pub columns: &'static [Column],
    /// A unique, stable order to page by (keyset). Post versions have no
    /// key of their own, so every column orders them.
    pub key: &'static [&'static str],
    /// Columns naming a row of the same table: the import fills them in
    /// once every row exists.
    pub self_references: &'static [&'static str],
    /// In a personal export: the rows that are the person's (`$1` is their
    /// id); `None` leaves the file out of personal exports.
    pub personal: Option<&'static str>,
}

impl Entity {
    pub fn file_name(&self) -> String {
        format!("{}.jsonl", self.file)
    }
}

/// Kept only with `--include-password-hashes`, so that logins keep working.
pub const PASSWORD_HASH: Column = text("password_hash");

pub const PEOPLE: Entity = Entity {
    file: "people",
    table: "users",
    columns: &[
        text("id"),
        text("email"),
        text("name"),
        text("handle"),
        int("is_admin"),
        int("created_at"),
        text("title"),
        text("department"),
        text("location"),
        text("manager_id"),
        text("about"),
        int("deactivated_at"),
        text("avatar_id"),
        int("erased_at"),
    ],
    key: &["id"],
    self_references: &["manager_id"],
    personal: Some("id = $1"),
};

pub const ORGANISATION: &[Entity] = &[
    PEOPLE,
    Entity {
        file: "groups",
        table: "groups",
        columns: &[
            text("id"),
            text("name"),
            text("description"),
            text("privacy"),
            int("is_default"),
            text("created_by"),
            int("created_at"),
            text("cover_id"),
        ],
        key: &["id"],
        self_references: &[],
        personal: None,
    },
    Entity {
        file: "memberships",
        table: "memberships",
        columns: &[
            text("group_id"),
            text("user_id"),
            text("role"),
            int("joined_at"),
            int("joined_seq"),
        ],
        key: &["group_id", "user_id"],
        self_references: &[],
        personal: Some("user_id = $1"),
    },
    Entity {
        file: "join_requests",
        table: "join_requests",
        columns: &[text("group_id"), text("user_id"), int("created_at")],
        key: &["group_id", "user_id"],
        self_references: &[],
        personal: None,
    },
    Entity {
        file: "import_ids",
        table: "import_ids",
        columns: &[
            text("source"),
            text("kind"),
            text("source_id"),
            text("commons_id"),
            int("created_at"),
        ],
        key: &["source", "kind", "source_id"],
        self_references: &[],
        personal: None,
    },
    Entity {
        file: "retention_policies",
        table: "retention_policies",
        columns: &[
            text("id"),
            text("group_id"),
            int("max_age_days"),
            int("updated_at"),
        ],
        key: &["id"],
        self_references: &[],
        personal: None,
    },
    Entity {
        file: "group_settings",
        table: "group_settings",
        columns: &[
            text("group_id"),
            text("user_id"),
            text("notification_level"),
        ],
        key: &["group_id", "user_id"],
        self_references: &[],
        personal: None,
    },
    Entity {
        file: "posts",
        table: "posts",
        columns: &[
            text("id"),
            text("group_id"),
            text("author_id"),
            text("body"),
            int("created_at"),
            int("seq"),
            int("edited_at"),
            int("deleted_at"),
            int("pinned_at"),
            int("activity_seq"),
            json("poll"),
            int("announced_until"),
        ],
        key: &["id"],
        self_references: &[],
        personal: Some("author_id = $1"),
    },
    Entity {
        file: "post_versions",
        table: "post_versions",
        columns: &[
            text("post_id"),
            text("body"),
            int("written_at"),
            int("replaced_at"),
        ],
        key: &["post_id", "replaced_at", "written_at", "body"],
        self_references: &[],
        personal: Some("post_id IN (SELECT id FROM posts WHERE author_id = $1)"),
    },
    Entity {
        file: "comments",
        table: "comments",
        columns: &[
            text("id"),
            text("post_id"),
            text("group_id"),
            text("author_id"),
            text("body"),
            int("created_at"),
            int("seq"),
            text("parent_id"),
            int("edited_at"),
            int("deleted_at"),
        ],
        key: &["id"],
        self_references: &["parent_id"],
        personal: Some("author_id = $1"),
    },
    Entity {
        file: "reactions",
        table: "reactions",
        columns: &[
            text("target_id"),
            text("user_id"),
            text("post_id"),
            text("group_id"),
            text("kind"),
            int("created_at"),
        ],
        key: &["target_id", "user_id"],
        self_references: &[],
        personal: Some("user_id = $1"),
    },
    Entity {
        file: "poll_votes",
        table: "poll_votes",
        columns: &[
            text("post_id"),
            text("user_id"),
            text("group_id"),
            text("options"),
            int("voted_at"),
            int("seq"),
        ],
        key: &["post_id", "user_id"],
        self_references: &[],
        personal: Some("user_id = $1"),
    },
    Entity {
        file: "post_seen",
        table: "post_seen",
        columns: &[
            text("post_id"),
            text("user_id"),
            text("group_id"),
            int("seen_at"),
            int("seq"),
        ],
        key: &["post_id", "user_id"],
        self_references: &[],
        personal: None,
    },
    Entity {
        file: "notifications",
        table: "notifications",
        columns: &[
            text("id"),
            text("user_id"),
            text("kind"),
            text("actor_id"),
            text("group_id"),
            text("post_id"),
            text("comment_id"),
            int("created_at"),
            int("read_at"),
            int("seq"),
        ],
        key: &["id"],
        self_references: &[],
        personal: None,
    },
    ATTACHMENTS,
    Entity {
        file: "audit_log",
        table: "audit_log",
        columns: &[
            int("seq"),
            int("at"),
            text("actor_id"),
            text("action"),
            text("target_kind"),
            text("target_id"),
            text("source_addr"),
            json("details"),
        ],
        key: &["seq"],
        self_references: &[],
        personal: None,
    },
    // Last: the order in which everything above changed. Kept as is, so that
    // the change-log positions in the other files (`seq`, `activity_seq`,
    // `joined_seq`) keep their meaning and clients syncing the new server
    // receive everything.
    Entity {
        file: "change_log",
        table: "changes",
        columns: &[
            int("seq"),
            text("kind"),
            text("entity_id"),
            text("group_id"),
            text("user_id"),
            int("created_at"),
        ],
        key: &["seq"],
        self_references: &[],
        personal: None,
    },
];

/// Attachment rows; their files go under `files/`.
pub const ATTACHMENTS: Entity = Entity {
    file: "attachments",
    table: "attachments",
    columns: &[
        text("id"),
        text("sha256"),
        text("name"),
        text("content_type"),
        int("size"),
        int("width"),
        int("height"),
        text("thumb_sha256"),
        text("uploader_id"),
        int("created_at"),
        text("post_id"),
        text("comment_id"),
    ],
    key: &["id"],
    self_references: &[],
    personal: Some("uploader_id = $1"),
};

/// Tables with an identity column (PostgreSQL) whose sequence must move
/// past the imported values.
pub const IDENTITY_COLUMNS: &[(&str, &str)] = &[("audit_log", "seq"), ("changes", "seq")];

/// Where the files of attachments go in the archive.
pub fn blob_path(sha256: &str) -> String {
    format!("files/{sha256}")
}

/// Tables deliberately left out of every export (see `docs/export-format.md`,
/// "What is excluded"). Every other table must be an entity above; the
/// suite fails on a table that is neither.
pub const EXCLUDED_TABLES: &[&str] = &[
    "sessions",
    "mutations",
    "login_attempts",
    "search_keys",
    "schema_migrations",
    "server_identity",
    // Single sign-on flows in progress and one-time codes: minutes long, secret.
    "sso_flows",
    "sso_codes",
];

/// Derived or internal tables of the database itself: SQLite's own and the
/// full-text index (FTS5 keeps its shadow tables under `search_index_`).
pub fn is_internal_table(name: &str) -> bool {
    name.starts_with("sqlite_") || name.starts_with("search_index")
}
