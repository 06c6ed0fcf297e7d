//! Commons desktop: a Tauri window over the client core (`commons_client`).
//!
//! The shell only opens the profile's accounts, exposes the core's calls as commands,
//! runs live mode, turns its reports into UI events and system
//! notifications, and sends links to the system browser. State and logic
//! live in the client core.

mod account_list;
mod accounts;
mod admin;
mod bench;
mod commands;
mod error;
mod events;
mod exports;
mod files;
mod instance;
mod links;
mod notifier;
mod open;
mod polls;
mod profile;
mod session;
mod shell;
mod social;
mod status;
mod tray;

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use tauri::Manager;
use tauri_plugin_deep_link::DeepLinkExt;
use tauri_specta::{collect_commands, collect_events};

pub use error::{AppError, ErrorKind};
pub use status::Connection;

use accounts::Accounts;
use session::Session;

/// Where the generated TypeScript bindings live, relative to this crate.
pub const BINDINGS_PATH: &str = "../ui/src/lib/bindings.ts";

const BINDINGS_HEADER: &str = "// Source: the commands and events of src-tauri. Regenerate with\n\
     // `COMMONS_UPDATE_BINDINGS=1 cargo test -p commons-desktop --test bindings`.";

/// The commands and events the UI can use, with their types.
pub fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new()
        .commands(collect_commands![
            bench::bench_mark,
            commands::login_defaults,
            commands::account,
            commands::login,
            commands::sso_info,
            commands::login_sso,
            commands::logout,
            accounts::my_accounts,
            accounts::switch_account,
            commands::connection,
            commands::feed,
            commands::post,
            commands::search,
            commands::groups,
            commands::create_post,
            commands::create_comment,
            commands::create_group,
            commands::join_group,
            commands::add_member,
            commands::retry_write,
            commands::discard_write,
            commands::sync_now,
            commands::render_markdown,
            commands::open_link,
            social::create_reply,
            social::edit_item,
            social::delete_item,
            social::react,
            social::reactors,
            social::post_history,
            social::notifications,
            social::mark_notification_read,
            social::mark_all_notifications_read,
            social::people,
            social::profile,
            social::update_profile,
            social::members,
            social::join_requests,
            social::answer_join_request,
            social::remove_member,
            social::set_member_role,
            social::set_group_privacy,
            social::leave_group,
            social::set_notification_level,
            polls::create_post_with,
            polls::vote,
            polls::announce,
            polls::mark_seen,
            polls::seen_by,
            admin::audit_log,
            admin::accounts,
            admin::invite_person,
            admin::set_account_active,
            admin::set_org_admin,
            admin::retention_policies,
            admin::set_retention,
            admin::clear_retention,
            admin::erase_person,
            exports::export_organisation,
            exports::export_mine,
            open::take_open_request,
            files::stage_file,
            files::save_attachment,
            files::cache_usage,
            files::set_files_limit,
            tray::set_tray_labels,
            commands::quit,
        ])
        .events(collect_events![
            events::ConnectionChanged,
            events::CacheChanged,
            events::SignedOut,
            events::AccountsChanged,
            open::OpenRequested,
        ])
        // The UI only receives views and sends plain arguments: one type per view is enough.
        .disable_serde_phases()
        // Millisecond timestamps and counts stay far below 2^53, so JS numbers hold them exactly.
        .dangerously_cast_bigints_to_number()
}

/// Writes the TypeScript bindings for [`specta_builder`] to `path`.
pub fn export_bindings(path: &Path) -> anyhow::Result<()> {
    specta_builder()
        .export(
            specta_typescript::Typescript::default().header(BINDINGS_HEADER),
            path,
        )
        .with_context(|| format!("exporting TypeScript bindings to {}", path.display()))
}

/// Runs the app until its window closes.
pub fn run() -> anyhow::Result<()> {
    bench::start();
    init_logging();
    let specta = specta_builder();
    tauri::Builder::default()
        // First: a second launch hands over its link and exits before anything else starts.
        .plugin(instance::plugin())
        .plugin(tauri_plugin_deep_link::init())
        .plugin(window_state())
        // Links open in the system browser, never in the app's window.
        .plugin(links::guard())
        .register_asynchronous_uri_scheme_protocol(files::SCHEME, files::protocol)
        .invoke_handler(specta.invoke_handler())
        .setup(move |app| {
            specta.mount_events(app);
            let profile = profile::dir(app.handle())?;
            tracing::info!(profile = %profile.display(), "opening profile");
            let accounts =
                tauri::async_runtime::block_on(Accounts::open(app.handle(), &profile))
                    .with_context(|| format!("opening the profile at {}", profile.display()))?;
            let accounts = Arc::new(accounts);
            app.manage(Arc::clone(&accounts));
            app.manage(open::PendingOpen::default());
            tray::install(app.handle());
            watch_links(app.handle());
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                // Every account goes live, shown or not: its notifications still come.
                for session in accounts.sessions() {
                    resume(session, &handle).await;
                }
            });
            Ok(())
        })
        .run(tauri::generate_context!("../tauri.conf.json"))
        .context("running the Commons window")
}

/// Window size, position and maximised state, saved when the app quits and
/// restored at start. A profile chosen by `COMMONS_PROFILE` keeps its own.
fn window_state() -> tauri::plugin::TauriPlugin<tauri::Wry> {
    let builder = tauri_plugin_window_state::Builder::new();
    match profile::from_env() {
        // The plugin joins the name to its directory: an absolute path replaces it.
        Some(dir) => builder.with_filename(dir.join("window-state.json").to_string_lossy()),
        None => builder,
    }
    .build()
}

/// `commons://post/ID` links: the one this launch was given, and those a
/// second launch hands over (the single-instance plugin passes them on).
fn watch_links(app: &tauri::AppHandle) {
    let links = app.deep_link();
    let handle = app.clone();
    links.on_open_url(move |event| {
        if let Some(post_id) = event
            .urls()
            .iter()
            .find_map(|url| open::post_in_link(url.as_str()))
        {
            open::request(&handle, post_id);
        }
    });
    match links.get_current() {
        Ok(Some(urls)) => {
            if let Some(post_id) = urls.iter().find_map(|url| open::post_in_link(url.as_str())) {
                open::request(app, post_id);
            }
        }
        Ok(None) => {}
        Err(error) => tracing::warn!(%error, "could not read the link this launch was given"),
    }
}

/// An account that is still logged in goes live at once; the UI shows the cache meanwhile.
async fn resume(session: Arc<Session>, app: &tauri::AppHandle) {
    match session.client().account().await {
        Ok(Some(_)) => session.start_live(app).await,
        Ok(None) => {}
        // The UI asks for the account too and shows this error on the login form.
        Err(error) => tracing::warn!(%error, "could not read this profile's account"),
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Another subscriber (a test harness) may already be installed: keep it.
    let _ = tracing_subscriber::fmt().with_env_filter(filter).try_init();
}
