//! One window per profile: a second launch hands its arguments (a
//! `commons://` link, through the deep-link plugin) to the running app and
//! exits, and the running window comes to the front.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::Path;

use tauri::plugin::TauriPlugin;
use tauri::Wry;

use crate::{open, profile};

/// The single-instance plugin; register it before any other plugin, so a
/// second instance exits before doing anything else.
pub fn plugin() -> TauriPlugin<Wry> {
    let mut builder = tauri_plugin_single_instance::Builder::new().callback(|app, _args, _cwd| {
        // A link among the arguments already reached the deep-link plugin's handler.
        open::show_window(app);
    });
    // Profiles chosen by COMMONS_PROFILE (test windows side by side, the e2e tests)
    // each get their own instance; the default profile keeps the plugin's default name.
    if let Some(dir) = profile::from_env() {
        builder = builder.dbus_id(dbus_id(&dir));
    }
    builder.build()
}

/// A D-Bus well-known name (the plugin appends `.SingleInstance`) unique to a profile directory.
fn dbus_id(profile: &Path) -> String {
    let canonical = profile
        .canonicalize()
        .unwrap_or_else(|_| profile.to_path_buf());
    let mut hasher = DefaultHasher::new();
    canonical.hash(&mut hasher);
    // An element of a bus name must not start with a digit.
    format!("org.commons.desktop.profile_{:016x}", hasher.finish())
}

#[cfg(test)]
mod tests {
    use super::dbus_id;
    use std::path::Path;

    #[test]
    fn each_profile_has_its_own_valid_bus_name() {
        let a = dbus_id(Path::new("/tmp/commons-a"));
        let b = dbus_id(Path::new("/tmp/commons-b"));
        assert_ne!(a, b);
        assert_eq!(a, dbus_id(Path::new("/tmp/commons-a")));
        for element in a.split('.') {
            assert!(!element.is_empty() && !element.starts_with(|c: char| c.is_ascii_digit()));
            assert!(element
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_'));
        }
    }
}
