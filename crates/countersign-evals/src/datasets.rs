//! Where the shared, externally written test data lives. It is read in place, never copied.

use std::path::PathBuf;

/// `$COUNTERSIGN_DATASETS`, else `../shared/datasets` beside the repository.
pub fn datasets_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("COUNTERSIGN_DATASETS") {
        return PathBuf::from(dir);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets")
}
