//! The tray icon: how many conversations wait (its tooltip, kept current by the watcher) and a
//! menu that opens the next one waiting, shows the window or quits.

use countersign_store::Waiting;
use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager};

use crate::state::AppState;

const TRAY: &str = "main";

pub fn create(app: &AppHandle) -> tauri::Result<()> {
    let next = MenuItem::with_id(app, "next", "Open next pending", true, None::<&str>)?;
    let show = MenuItem::with_id(app, "show", "Show Countersign", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&next, &show, &quit])?;
    let mut tray = TrayIconBuilder::with_id(TRAY)
        .tooltip("Countersign")
        .menu(&menu)
        .on_menu_event(|app, event| match event.id.as_ref() {
            "next" => open_next(app),
            "show" => crate::events::show_window(app),
            "quit" => app.exit(0),
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    Ok(())
}

/// The tooltip says how many conversations wait for a person.
pub fn set_waiting(app: &AppHandle, waiting: i64) {
    if let Some(tray) = app.tray_by_id(TRAY) {
        let text = match waiting {
            0 => "Countersign — nobody waiting".to_owned(),
            1 => "Countersign — 1 conversation waiting".to_owned(),
            n => format!("Countersign — {n} conversations waiting"),
        };
        let _ = tray.set_tooltip(Some(text));
    }
}

/// Opens the most urgent conversation waiting for a person (the inbox's own order).
fn open_next(app: &AppHandle) {
    let state = app.state::<AppState>();
    let next = state.read_blocking(|r| {
        Ok::<_, countersign_store::DeskError>(
            r.views()
                .inbox()?
                .into_iter()
                .find(|i| i.waiting != Waiting::Planning)
                .map(|i| i.conversation_id),
        )
    });
    match next {
        Ok(Some(id)) => crate::events::open_conversation(app, id),
        Ok(None) => crate::events::show_window(app),
        Err(e) => tracing::warn!(error = %e, "the tray could not read the queue"),
    }
}
