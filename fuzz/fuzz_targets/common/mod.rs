//! Helpers shared by the fuzz targets.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The longest valid UTF-8 prefix of `data`: text targets use every input
/// instead of throwing away the ones with a stray byte at the end.
pub fn utf8_prefix(data: &[u8]) -> &str {
    match std::str::from_utf8(data) {
        Ok(text) => text,
        Err(e) => std::str::from_utf8(&data[..e.valid_up_to()]).expect("valid_up_to is UTF-8"),
    }
}

/// A fresh scratch directory for this process, under `/dev/shm` when it
/// exists (no disk I/O per execution). libFuzzer exits without running
/// destructors, so directories of processes that are gone are removed here.
pub fn scratch_dir(target: &str) -> PathBuf {
    let shm = Path::new("/dev/shm");
    let base = if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
    .join(format!("kvault-fuzz-{target}"));
    if let Ok(entries) = std::fs::read_dir(&base) {
        for entry in entries.flatten() {
            let name = entry.file_name();
            let alive = name
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
                .is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
            if !alive {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    let dir = base.join(std::process::id().to_string());
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the scratch directory");
    dir
}

/// A current-thread runtime for the async store API.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("build a tokio runtime")
}
