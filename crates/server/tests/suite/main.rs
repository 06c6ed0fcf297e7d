//! The server's test suite: every scenario runs on SQLite and on PostgreSQL.
//! PostgreSQL must be reachable (see harness.rs); its tests fail otherwise.

mod harness;
mod openapi;
mod scenarios;

on_both_databases!(
    the_audit_log_records_security_and_admin_events,
    only_org_admins_read_the_audit_log_in_pages,
    login_accepts_the_right_password_only,
    requests_without_a_live_session_get_401,
    users_see_themselves_and_the_directory,
    groups_posts_and_comments_round_trip,
    group_admins_add_members,
    sync_pages_through_the_change_log_with_a_cursor,
    secret_groups_are_invisible_to_non_members,
    closed_groups_show_their_name_but_not_their_posts,
    a_repeated_mutation_applies_once,
    joining_a_group_backfills_its_history,
    the_join_backfill_is_capped_and_not_repeated_on_a_role_change,
    a_demoted_moderator_forgets_pending_join_requests,
    errors_are_json_with_the_right_status,
    members_get_a_poke_when_a_group_they_are_in_changes,
    the_stream_takes_the_token_from_the_query_too,
    deactivation_closes_the_persons_streams_on_every_node,
    demo_and_admin_commands_work_through_the_binary,
    the_binary_serves_and_stops_on_sigterm,
    closed_groups_take_join_requests_until_approved,
    join_requests_are_declined_withdrawn_or_overtaken,
    removal_from_a_secret_group_purges_it,
    a_closed_group_made_secret_vanishes_for_non_members,
    every_group_keeps_an_admin,
    members_are_listed_by_name_in_pages,
    group_settings_belong_to_each_member,
    membership_writes_replay_once,
    authors_edit_posts_and_comments_and_history_keeps_earlier_text,
    deleted_posts_become_tombstones_everywhere,
    comments_are_deleted_by_authors_moderators_and_admins,
    replies_nest_one_level,
    moderators_pin_posts_to_the_top_of_the_group,
    content_endpoints_hide_secret_groups,
    reactions_are_one_per_person_replaced_and_removed,
    only_members_react_and_closed_groups_hide_reactions,
    the_home_feed_orders_by_activity_and_pages_without_gaps,
    group_pages_list_posts_newest_first_in_pages,
    content_notifies_mentions_comments_replies_reactions_and_posts,
    mentions_reach_only_people_who_may_read_the_group,
    people_edit_their_profile_and_everyone_sees_it,
    org_admins_add_people_who_log_in_with_the_first_password,
    the_directory_pages_by_name_without_gaps_or_duplicates,
    deactivated_people_lose_their_sessions_and_cannot_log_in,
    the_last_org_admin_cannot_be_demoted_or_deactivated,
    the_demo_has_profiles_and_admins_deactivate_through_the_binary,
    search_finds_only_what_the_caller_may_see,
    hostile_search_queries_never_fail,
    failed_logins_are_limited_per_email_and_address_on_every_node,
    writes_are_limited_per_person_on_every_node,
    attachments_follow_the_visibility_of_their_post,
    attachments_are_stored_once_sniffed_limited_and_removed,
    an_upload_with_a_mutation_id_is_recorded_once,
    people_set_replace_and_remove_their_picture,
    group_covers_follow_the_visibility_of_their_group,
    comments_carry_attachments_with_the_rules_of_posts,
    permission_matrix_of_privacy_role_and_read_path,
    a_group_made_secret_is_purged_only_where_it_may_be_held,
    operators_see_readiness_request_ids_and_metrics,
    a_cursor_of_another_server_is_refused,
    a_backup_of_a_running_server_restores_the_same_data,
    polls_take_one_vote_or_several_from_members_only,
    deleting_a_post_removes_its_poll_and_votes,
    closed_and_secret_groups_keep_polls_and_seen_to_members,
    announcements_stay_on_top_until_seen_or_ended,
    seen_by_is_for_the_author_and_group_admins,
    announcements_notify_members_by_level,
    retention_deletes_exactly_the_old_posts_of_each_group,
    erasure_leaves_no_byte_of_the_person_behind,
    retention_and_erasure_commands_work_through_the_binary,
    single_sign_on_creates_people_once_and_opens_working_sessions,
    single_sign_on_refuses_what_does_not_belong_to_the_flow,
    password_logins_are_refused_when_single_sign_on_is_required,
    an_export_imports_into_an_empty_server_and_exports_the_same,
    only_admins_export_the_organisation_and_personal_exports_hold_ones_own,
    a_damaged_export_is_refused_naming_the_file,
    a_workplace_export_imports_every_field_once,
    the_workplace_import_command_reports_and_fails_only_on_no_export,
    an_interrupted_workplace_import_continues_where_it_stopped,
);

/// Not database-specific: once, on SQLite.
mod stream_liveness {
    use crate::harness::{run, Backend};
    use crate::scenarios;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn silent_streams_are_closed_and_answering_ones_kept() {
        run(
            Backend::Sqlite,
            scenarios::silent_streams_are_closed_and_answering_ones_kept,
        )
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_stream_that_stops_reading_is_dropped() {
        run(
            Backend::Sqlite,
            scenarios::a_stream_that_stops_reading_is_dropped,
        )
        .await;
    }
}

/// Configuration and moving between databases: once each.
mod operations {
    use crate::harness::{run, Backend};
    use crate::scenarios;

    /// From SQLite (the scenario's server) into a PostgreSQL database of its own.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_sqlite_server_moves_to_postgres_and_clients_keep_their_cursors() {
        run(
            Backend::Sqlite,
            scenarios::an_sqlite_server_moves_to_postgres_and_clients_keep_their_cursors,
        )
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn config_check_prints_the_effective_settings_or_names_the_problem() {
        run(
            Backend::Sqlite,
            scenarios::config_check_prints_the_effective_settings_or_names_the_problem,
        )
        .await;
    }
}

/// Several nodes on one database: PostgreSQL only (SQLite serves one node).
mod multinode {
    use crate::harness::{run, Backend};
    use crate::scenarios;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_server_processes_share_pokes_and_login_limits() {
        run(
            Backend::Postgres,
            scenarios::two_server_processes_share_pokes_and_login_limits,
        )
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn attachments_in_object_storage_are_shared_by_every_node() {
        run(
            Backend::Postgres,
            scenarios::attachments_in_object_storage_are_shared_by_every_node,
        )
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn nodes_on_one_database_run_each_retention_round_once() {
        run(
            Backend::Postgres,
            scenarios::nodes_on_one_database_run_each_retention_round_once,
        )
        .await;
    }

    /// Needs a keychain (a real client core): run inside scripts/desktop-session.sh.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_client_moves_to_another_node_when_its_node_stops_and_loses_nothing() {
        run(
            Backend::Postgres,
            scenarios::a_client_moves_to_another_node_when_its_node_stops_and_loses_nothing,
        )
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn pokes_survive_a_lost_listening_connection() {
        run(
            Backend::Postgres,
            scenarios::pokes_survive_a_lost_listening_connection,
        )
        .await;
    }
}

/// Shutting down closes open streams ("going away") instead of waiting on
/// them. Not database-specific, so it runs once, on SQLite.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_closes_open_streams() {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
    use tokio_tungstenite::tungstenite::Message;

    let temp = tempfile::tempdir().expect("temp dir");
    let server = commons_server::start(commons_server::ServerConfig::new(
        commons_server::DatabaseConfig::new(temp.path(), None),
        "127.0.0.1:0".parse().expect("address"),
    ))
    .await
    .expect("server starts");
    let ctx = harness::Ctx {
        url: server.url(),
        db: server.database().clone(),
        data_dir: temp.path().to_path_buf(),
        database_url: None,
        http: reqwest::Client::new(),
        nodes: Default::default(),
    };
    let bob = ctx.person("bob").await;
    let url = format!(
        "{}?access_token={}",
        ctx.api("/stream").replacen("http", "ws", 1),
        bob.token
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(url.as_str())
        .await
        .expect("connects");
    let first = socket.next().await.expect("frame").expect("valid");
    assert!(
        matches!(first, Message::Text(_)),
        "the hello poke comes first"
    );

    let stopping = tokio::spawn(server.shutdown());
    let closed = tokio::time::timeout(std::time::Duration::from_secs(30), socket.next())
        .await
        .expect("the server closes the stream")
        .expect("a frame")
        .expect("valid");
    match closed {
        Message::Close(Some(frame)) => assert_eq!(frame.code, CloseCode::Away),
        other => panic!("expected a close frame, got {other:?}"),
    }
    stopping.await.expect("joined").expect("clean shutdown");
}

/// The property test of what people hold and find (scenarios/holdings.rs):
/// random operations through the API, after each one every person's
/// incremental sync and search stay within what they may read. SQLite only,
/// a fresh server per case.
#[test]
fn property_sync_and_search_never_hold_what_may_not_be_read() {
    scenarios::sync_and_search_never_hold_what_may_not_be_read();
}
