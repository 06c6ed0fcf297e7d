//! The command line, as clap types.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use commons_client::{NotificationLevel, Privacy, ReactionKind};

/// Commons from the terminal: read your feed, post and comment, also offline.
///
/// Writes are saved locally first and sent to the server right away when it
/// can be reached, else by the next `commons sync`.
#[derive(Parser, Debug)]
#[command(name = "commons", version, about, long_about)]
pub struct Cli {
    /// Profile directory: holds the local cache of one account.
    /// [default: the user data directory's `commons` folder]
    #[arg(long, global = true, env = "COMMONS_PROFILE", value_name = "DIR")]
    pub profile: Option<PathBuf>,

    /// Use the account NAME: the profile directory NAME in the accounts
    /// folder (several accounts, on several servers, side by side).
    #[arg(
        long,
        global = true,
        env = "COMMONS_ACCOUNT",
        value_name = "NAME",
        conflicts_with = "profile"
    )]
    pub account: Option<String>,

    /// The accounts folder: one profile directory per account.
    /// [default: the user data directory's `commons-accounts` folder]
    #[arg(long, global = true, env = "COMMONS_ACCOUNTS_DIR", value_name = "DIR")]
    pub accounts_dir: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Log in to a server: with --email (the password is read from the
    /// terminal or stdin), or with --sso through the organisation's identity
    /// provider in the browser.
    Login {
        /// The server's address, e.g. http://127.0.0.1:8080
        #[arg(long, value_name = "URL")]
        server: String,
        #[arg(
            long,
            value_name = "E-MAIL",
            required_unless_present = "sso",
            conflicts_with = "sso"
        )]
        email: Option<String>,
        /// Single sign-on: prints the sign-in address, opens the browser and
        /// waits (5 minutes at most) for it to come back.
        #[arg(long)]
        sso: bool,
        /// With --sso: only print the address (to open it on this machine yourself).
        #[arg(long, requires = "sso")]
        no_browser: bool,
    },
    /// End the session on the server and remove the token from the keychain.
    /// The local cache and unsent changes stay, unless --forget is given.
    Logout {
        /// Also delete the local cache (refused while changes are unsent).
        #[arg(long)]
        forget: bool,
    },
    /// Organisation admins: the audit log, people's accounts, retention policies and erasure (online).
    Admin {
        #[command(subcommand)]
        action: crate::admin::AdminCommand,
    },
    /// Download your own data (profile, memberships, posts, comments,
    /// reactions, votes and files) as a `.tar.gz` (docs/export-format.md).
    /// The whole organisation's export: `commons admin export`.
    Export {
        /// Where to save the archive (refused if it exists).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Files attached to posts: list them, download one.
    Attachment {
        #[command(subcommand)]
        action: AttachmentCommand,
    },
    /// List the accounts of the accounts folder (see --account).
    Accounts {
        #[arg(long)]
        json: bool,
    },
    /// Send unsent changes, then fetch what changed on the server.
    Sync,
    /// Show the home feed (or one group's), newest first, from the local cache.
    Feed {
        /// Only this group's posts.
        #[arg(long, value_name = "GROUP_ID")]
        group: Option<String>,
        /// How many posts to show.
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(i64).range(1..=200))]
        limit: i64,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List the groups you can see.
    Groups {
        #[arg(long)]
        json: bool,
    },
    /// Write a post (in the default group unless --group is given), with a
    /// poll (--option, at least twice) or as an announcement (--announce).
    Post {
        #[arg(long, value_name = "GROUP_ID")]
        group: Option<String>,
        /// Attach a file (repeat for several); uploaded with the post, also offline.
        #[arg(long = "file", value_name = "PATH")]
        files: Vec<PathBuf>,
        /// The text; several words are joined with spaces.
        #[arg(required = true, num_args = 1.., value_name = "TEXT")]
        text: Vec<String>,
        /// A poll option (give 2 to 20).
        #[arg(long = "option", value_name = "TEXT")]
        options: Vec<String>,
        /// The poll takes several options per person.
        #[arg(long, requires = "options")]
        multiple: bool,
        /// Announce it for this many days, 1 to 7 (group admins and moderators).
        #[arg(long, value_name = "DAYS")]
        announce: Option<u32>,
    },
    /// Vote in a post's poll: option numbers (as `commons feed` shows them)
    /// or texts; several if the poll allows. --clear withdraws your vote.
    Vote {
        post_id: String,
        #[arg(required_unless_present = "clear", value_name = "OPTION")]
        options: Vec<String>,
        #[arg(long, conflicts_with = "options")]
        clear: bool,
    },
    /// Announce a post for --days days (group admins and moderators), or
    /// stop announcing it with --off.
    Announce {
        post_id: String,
        #[arg(long, value_name = "N", required_unless_present = "off")]
        days: Option<u32>,
        #[arg(long, conflicts_with = "days")]
        off: bool,
    },
    /// Mark a post seen: an announcement leaves the top of your feeds.
    Seen { post_id: String },
    /// Who saw a post and when (your posts, and those of groups you administer).
    SeenBy {
        post_id: String,
        #[arg(long)]
        json: bool,
    },
    /// Comment on a post.
    Comment {
        post_id: String,
        #[arg(required = true, num_args = 1.., value_name = "TEXT")]
        text: Vec<String>,
    },
    /// Reply to a comment (a reply to a reply answers its comment).
    Reply {
        comment_id: String,
        #[arg(required = true, num_args = 1.., value_name = "TEXT")]
        text: Vec<String>,
    },
    /// React to a post or comment (like, love, care, haha, wow, sad, angry),
    /// or take your reaction back with --remove.
    React {
        /// The post or comment.
        id: String,
        #[arg(value_parser = parse_reaction, required_unless_present = "remove")]
        kind: Option<ReactionKind>,
        /// Remove your reaction.
        #[arg(long, conflicts_with = "kind")]
        remove: bool,
    },
    /// Change the text of your post or comment.
    Edit {
        /// The post or comment.
        id: String,
        #[arg(required = true, num_args = 1.., value_name = "TEXT")]
        text: Vec<String>,
    },
    /// Delete your post or comment (or one in a group you administer or moderate).
    Delete {
        /// The post or comment.
        id: String,
    },
    /// Your notifications, newest first; mark them read.
    #[command(args_conflicts_with_subcommands = true)]
    Notifications {
        #[command(subcommand)]
        action: Option<NotificationsCommand>,
        /// Only the unread ones.
        #[arg(long)]
        unread: bool,
        /// How many to show.
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(i64).range(1..=500))]
        limit: i64,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The people directory, by name; words filter by name, handle, e-mail,
    /// title, department or location.
    People {
        #[arg(num_args = 0.., value_name = "QUERY")]
        query: Vec<String>,
        /// How many to show.
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(i64).range(1..=500))]
        limit: i64,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Someone's profile, by handle (or user id).
    Profile {
        handle: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Create, join or manage groups.
    #[command(subcommand)]
    Group(GroupCommand),
    /// Search the local cache (offline): posts and comments of your groups,
    /// people and groups. Every word must match, as a prefix.
    Search {
        /// The words to look for; any text is fine.
        #[arg(required = true, num_args = 1.., value_name = "QUERY")]
        query: Vec<String>,
        /// How many results to show.
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(i64).range(1..=100))]
        limit: i64,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Show changes not yet accepted by the server; retry or discard failed ones.
    #[command(args_conflicts_with_subcommands = true)]
    Outbox {
        #[command(subcommand)]
        action: Option<OutboxCommand>,
        /// Print JSON instead of text (when listing).
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum OutboxCommand {
    /// List the changes not yet accepted (the default).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Send a failed change again, with the failed changes that depend on it.
    Retry { mutation_id: String },
    /// Drop a failed change and what it did locally (a discarded post leaves
    /// the feed), with the changes that depend on it.
    Discard { mutation_id: String },
}

#[derive(Subcommand, Debug)]
pub enum AttachmentCommand {
    /// The files attached to a post.
    List {
        post_id: String,
        #[arg(long)]
        json: bool,
    },
    /// Download a file (checked against its SHA-256) into the local cache,
    /// or take it from there, and print where it is (or copy it to --out).
    Get {
        attachment_id: String,
        /// An image's thumbnail instead of the full file.
        #[arg(long)]
        thumbnail: bool,
        /// Copy the file here.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum NotificationsCommand {
    /// Mark one notification read, or all of them with --all.
    Read {
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        notification_id: Option<String>,
        #[arg(long)]
        all: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum GroupCommand {
    /// Create a group; you become its admin.
    Create(CreateGroup),
    /// Join an open group, or ask to join a closed one.
    Join { group_id: String },
    /// Leave a group.
    Leave { group_id: String },
    /// A group's members and their roles.
    Members {
        group_id: String,
        #[arg(long)]
        json: bool,
    },
    /// Requests to join the groups you administer or moderate.
    Requests {
        #[arg(long)]
        json: bool,
    },
    /// How much of a group's activity notifies you: all, highlights or off.
    Notify {
        group_id: String,
        #[arg(value_parser = parse_level)]
        level: NotificationLevel,
    },
    /// Add someone to a group you administer.
    AddMember {
        group_id: String,
        #[arg(long, value_name = "E-MAIL")]
        email: String,
    },
}

#[derive(Args, Debug)]
pub struct CreateGroup {
    #[arg(long)]
    pub name: String,
    /// What the group is for (optional, at most 2000 characters).
    #[arg(long, default_value = "")]
    pub description: String,
    /// open: anyone can see and join; closed: visible, members only see posts;
    /// secret: only members know it exists.
    #[arg(long, value_parser = parse_privacy)]
    pub privacy: Privacy,
}

fn parse_privacy(text: &str) -> Result<Privacy, String> {
    text.parse::<Privacy>().map_err(|e| e.to_string())
}

fn parse_reaction(text: &str) -> Result<ReactionKind, String> {
    text.to_ascii_lowercase()
        .parse::<ReactionKind>()
        .map_err(|e| e.to_string())
}

fn parse_level(text: &str) -> Result<NotificationLevel, String> {
    text.to_ascii_lowercase()
        .parse::<NotificationLevel>()
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn post_text_words_are_collected() {
        let cli = Cli::try_parse_from(["commons", "post", "hello", "world"]).unwrap();
        match cli.command {
            Command::Post { text, group, .. } => {
                assert_eq!(text, ["hello", "world"]);
                assert_eq!(group, None);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn outbox_lists_by_default_and_takes_actions() {
        let list = |args: &[&str]| match Cli::try_parse_from(args).unwrap().command {
            Command::Outbox { action, json } => (action, json),
            other => panic!("unexpected {other:?}"),
        };
        assert!(matches!(list(&["commons", "outbox"]), (None, false)));
        assert!(matches!(
            list(&["commons", "outbox", "--json"]),
            (None, true)
        ));
        assert!(matches!(
            list(&["commons", "outbox", "list", "--json"]),
            (Some(OutboxCommand::List { json: true }), false)
        ));
        assert!(matches!(
            list(&["commons", "outbox", "discard", "m-1"]),
            (Some(OutboxCommand::Discard { mutation_id }), false) if mutation_id == "m-1"
        ));
        assert!(Cli::try_parse_from(["commons", "outbox", "--json", "retry", "m-1"]).is_err());
        assert!(Cli::try_parse_from(["commons", "outbox", "retry"]).is_err());
    }

    #[test]
    fn search_words_are_collected() {
        let cli = Cli::try_parse_from(["commons", "search", "build", "AND", "*", "--limit", "5"])
            .unwrap();
        match cli.command {
            Command::Search { query, limit, json } => {
                assert_eq!(query, ["build", "AND", "*"]);
                assert_eq!((limit, json), (5, false));
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(Cli::try_parse_from(["commons", "search"]).is_err());
    }

    #[test]
    fn reactions_take_a_kind_or_remove() {
        let parse = |args: &[&str]| match Cli::try_parse_from(args).unwrap().command {
            Command::React { id, kind, remove } => (id, kind, remove),
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(
            parse(&["commons", "react", "p-1", "Like"]),
            ("p-1".to_owned(), Some(ReactionKind::Like), false)
        );
        assert_eq!(
            parse(&["commons", "react", "p-1", "--remove"]),
            ("p-1".to_owned(), None, true)
        );
        assert!(Cli::try_parse_from(["commons", "react", "p-1"]).is_err());
        assert!(Cli::try_parse_from(["commons", "react", "p-1", "like", "--remove"]).is_err());
        let err = Cli::try_parse_from(["commons", "react", "p-1", "thumbs"]).unwrap_err();
        assert!(err.to_string().contains("like love care"), "{err}");
    }

    #[test]
    fn notifications_list_by_default_and_mark_read() {
        let parse = |args: &[&str]| match Cli::try_parse_from(args).unwrap().command {
            Command::Notifications {
                action,
                unread,
                json,
                ..
            } => (action, unread, json),
            other => panic!("unexpected {other:?}"),
        };
        assert!(matches!(
            parse(&["commons", "notifications", "--unread", "--json"]),
            (None, true, true)
        ));
        assert!(matches!(
            parse(&["commons", "notifications", "read", "n-1"]),
            (Some(NotificationsCommand::Read { notification_id: Some(id), all: false }), false, false)
                if id == "n-1"
        ));
        assert!(matches!(
            parse(&["commons", "notifications", "read", "--all"]),
            (
                Some(NotificationsCommand::Read {
                    notification_id: None,
                    all: true
                }),
                _,
                _
            )
        ));
        assert!(Cli::try_parse_from(["commons", "notifications", "read"]).is_err());
        assert!(Cli::try_parse_from(["commons", "notifications", "read", "n", "--all"]).is_err());
    }

    #[test]
    fn people_take_an_optional_query_and_groups_a_level() {
        match Cli::try_parse_from(["commons", "people"]).unwrap().command {
            Command::People { query, .. } => assert!(query.is_empty()),
            other => panic!("unexpected {other:?}"),
        }
        match Cli::try_parse_from(["commons", "group", "notify", "g", "OFF"])
            .unwrap()
            .command
        {
            Command::Group(GroupCommand::Notify { level, .. }) => {
                assert_eq!(level, NotificationLevel::Off)
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(Cli::try_parse_from(["commons", "group", "notify", "g", "loud"]).is_err());
    }

    #[test]
    fn unknown_privacy_is_a_usage_error() {
        let err = Cli::try_parse_from([
            "commons",
            "group",
            "create",
            "--name",
            "X",
            "--privacy",
            "public",
        ])
        .unwrap_err();
        assert!(err.to_string().contains("expected open, closed or secret"));
    }

    #[test]
    fn group_description_is_optional() {
        let parse = |extra: &[&str]| {
            let mut argv = vec!["commons", "group", "create", "--name", "X"];
            argv.extend_from_slice(extra);
            argv.extend(["--privacy", "open"]);
            match Cli::try_parse_from(argv).unwrap().command {
                Command::Group(GroupCommand::Create(args)) => args.description,
                other => panic!("unexpected {other:?}"),
            }
        };
        assert_eq!(parse(&[]), "");
        assert_eq!(parse(&["--description", "Books"]), "Books");
    }
}
