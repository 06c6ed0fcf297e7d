//! The tray icon: the unread count (a badge on the icon, the label beside it
//! where the desktop shows one, and a menu line) and a menu to open or quit.
//! Linux tray icons get no click events, so everything is in the menu.

use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager, Wry};

use crate::accounts::Accounts;
use crate::error::AppError;
use crate::open;

/// The menu's words, in the UI's language (the UI sends them: it owns the dictionaries).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, specta::Type)]
pub struct TrayLabels {
    pub open: String,
    pub quit: String,
    pub no_unread: String,
    pub one_unread: String,
    /// With `{count}` where the number goes.
    pub many_unread: String,
}

impl Default for TrayLabels {
    fn default() -> Self {
        TrayLabels {
            open: "Open Commons".into(),
            quit: "Quit Commons".into(),
            no_unread: "No unread notifications".into(),
            one_unread: "1 unread notification".into(),
            many_unread: "{count} unread notifications".into(),
        }
    }
}

impl TrayLabels {
    pub fn unread(&self, count: i64) -> String {
        match count {
            ..=0 => self.no_unread.clone(),
            1 => self.one_unread.clone(),
            n => self.many_unread.replace("{count}", &n.to_string()),
        }
    }
}

/// Managed state: the icon, the menu lines that change, and what they show.
pub struct Tray {
    icon: TrayIcon,
    open: MenuItem<Wry>,
    unread: MenuItem<Wry>,
    quit: MenuItem<Wry>,
    plain: Image<'static>,
    badged: Image<'static>,
    shown: Mutex<(TrayLabels, i64)>,
}

/// Adds the tray icon. Without one (no tray library on this desktop) the app runs on.
pub fn install(app: &AppHandle) {
    let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| build(app)));
    match built {
        Ok(Ok(tray)) => {
            app.manage(Arc::new(tray));
        }
        Ok(Err(error)) => tracing::warn!(%error, "no tray icon"),
        // The Linux tray library is loaded at run time and panics when it is missing.
        Err(_) => tracing::warn!("no tray icon: the system tray library could not be loaded"),
    }
}

fn build(app: &AppHandle) -> tauri::Result<Tray> {
    let labels = TrayLabels::default();
    let open = MenuItem::with_id(app, "open", &labels.open, true, None::<&str>)?;
    // Information only: the window's notifications panel is one click away.
    let unread = MenuItem::with_id(app, "unread", labels.unread(0), false, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", &labels.quit, true, None::<&str>)?;
    let separator = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(app, &[&open, &unread, &separator, &quit])?;
    let plain = app
        .default_window_icon()
        .map(|icon| icon.clone().to_owned())
        .ok_or_else(|| tauri::Error::AssetNotFound("the app icon".into()))?;
    let badged = with_badge(&plain);
    let icon = TrayIconBuilder::with_id("main")
        .icon(plain.clone())
        .tooltip("Commons")
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "open" => open::show_window(app),
            "quit" => app.exit(0),
            _ => {}
        })
        .build(app)?;
    Ok(Tray {
        icon,
        open,
        unread,
        quit,
        plain,
        badged,
        shown: Mutex::new((labels, 0)),
    })
}

impl Tray {
    fn show(&self, labels: Option<TrayLabels>, count: Option<i64>) {
        let (labels, count) = {
            let mut shown = self.shown.lock().unwrap_or_else(|p| p.into_inner());
            let next = (
                labels.unwrap_or_else(|| shown.0.clone()),
                count.unwrap_or(shown.1),
            );
            if *shown == next {
                return;
            }
            *shown = next.clone();
            next
        };
        let icon = if count > 0 { &self.badged } else { &self.plain };
        let title = (count > 0).then(|| count.to_string());
        let tooltip = format!("Commons: {}", labels.unread(count));
        let applied = self
            .open
            .set_text(&labels.open)
            .and_then(|()| self.quit.set_text(&labels.quit))
            .and_then(|()| self.unread.set_text(labels.unread(count)))
            .and_then(|()| self.icon.set_icon(Some(icon.clone())))
            .and_then(|()| self.icon.set_title(title))
            .and_then(|()| self.icon.set_tooltip(Some(tooltip)));
        if let Err(error) = applied {
            tracing::warn!(%error, "could not update the tray icon");
        }
    }
}

/// Re-reads the unread count of every signed-in account from its cache and
/// shows the sum (0 when all are logged out).
pub fn refresh(app: &AppHandle) {
    let Some(tray) = app.try_state::<Arc<Tray>>().map(|t| Arc::clone(&t)) else {
        return;
    };
    let Some(accounts) = app.try_state::<Arc<Accounts>>().map(|a| Arc::clone(&a)) else {
        return;
    };
    tauri::async_runtime::spawn(async move {
        let count = accounts.unread_total().await;
        tray.show(None, Some(i64::from(count)));
    });
}

/// The UI's words for the tray menu, sent at start and when the language changes.
#[tauri::command]
#[specta::specta]
pub async fn set_tray_labels(app: AppHandle, labels: TrayLabels) -> Result<(), AppError> {
    // No tray on this desktop: nothing to label.
    if let Some(tray) = app.try_state::<Arc<Tray>>() {
        tray.show(Some(labels), None);
    }
    Ok(())
}

/// The icon with a red dot in its top-right corner: there is something unread.
pub fn with_badge(icon: &Image<'_>) -> Image<'static> {
    let (width, height) = (icon.width(), icon.height());
    let mut rgba = icon.rgba().to_vec();
    let size = width.min(height) as f32;
    let radius = size * 0.22;
    let (cx, cy) = (width as f32 - radius - size * 0.02, radius + size * 0.02);
    for y in 0..height {
        for x in 0..width {
            let distance = ((x as f32 + 0.5 - cx).powi(2) + (y as f32 + 0.5 - cy).powi(2)).sqrt();
            let color = if distance <= radius {
                [0xd9, 0x30, 0x25, 0xff]
            } else if distance <= radius + size * 0.04 {
                // A white ring keeps the dot visible on a red or dark icon.
                [0xff, 0xff, 0xff, 0xff]
            } else {
                continue;
            };
            let at = ((y * width + x) * 4) as usize;
            rgba[at..at + 4].copy_from_slice(&color);
        }
    }
    Image::new_owned(rgba, width, height)
}

#[cfg(test)]
mod tests {
    use super::{with_badge, TrayLabels};
    use tauri::image::Image;

    #[test]
    fn the_unread_line_counts_in_words() {
        let labels = TrayLabels::default();
        assert_eq!(labels.unread(0), "No unread notifications");
        assert_eq!(labels.unread(1), "1 unread notification");
        assert_eq!(labels.unread(12), "12 unread notifications");
        let french = TrayLabels {
            many_unread: "{count} notifications non lues".into(),
            ..TrayLabels::default()
        };
        assert_eq!(french.unread(3), "3 notifications non lues");
    }

    #[test]
    fn the_badge_is_a_red_dot_in_the_top_right_corner() {
        let (w, h) = (32u32, 32u32);
        let blue = [0x20, 0x40, 0xc0, 0xff];
        let icon = Image::new_owned(blue.repeat((w * h) as usize), w, h);
        let badged = with_badge(&icon);
        let pixel = |x: u32, y: u32| {
            let at = ((y * w + x) * 4) as usize;
            badged.rgba()[at..at + 4].to_vec()
        };
        assert_eq!(
            pixel(24, 7),
            vec![0xd9, 0x30, 0x25, 0xff],
            "the dot's centre"
        );
        assert_eq!(
            pixel(2, 30),
            blue.to_vec(),
            "the bottom-left corner is untouched"
        );
        assert_eq!(pixel(16, 16), blue.to_vec(), "the middle is untouched");
        assert_eq!((badged.width(), badged.height()), (w, h));
    }
}
