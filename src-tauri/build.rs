fn main() {
    // Declaring the app's commands makes Tauri generate one permission per command, so the
    // window's capability can allow exactly these and nothing else.
    let manifest = tauri_build::AppManifest::new().commands(&["workspace_summary"]);
    if let Err(e) = tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest)) {
        panic!("tauri build failed: {e:#}");
    }
}
