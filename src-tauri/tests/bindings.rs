//! The UI's `bindings.ts` is generated from the Rust commands; this test
//! fails when the committed file no longer matches them.

use std::path::PathBuf;

fn committed_bindings() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(commons_desktop::BINDINGS_PATH)
}

#[test]
fn committed_typescript_bindings_match_the_rust_commands() {
    if std::env::var_os("COMMONS_UPDATE_BINDINGS").is_some() {
        commons_desktop::export_bindings(&committed_bindings()).expect("write bindings");
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let fresh_path = dir.path().join("bindings.ts");
    commons_desktop::export_bindings(&fresh_path).expect("generate bindings");

    let fresh = std::fs::read_to_string(&fresh_path).expect("read generated bindings");
    let committed = std::fs::read_to_string(committed_bindings()).unwrap_or_default();
    assert!(
        fresh == committed,
        "ui/src/lib/bindings.ts is out of date with the commands in src-tauri; regenerate it with \
         `COMMONS_UPDATE_BINDINGS=1 cargo test -p commons-desktop --test bindings`"
    );
}
