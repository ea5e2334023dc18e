//! The disk under the store: reading only regular files of bounded size
//! (never blocking on a FIFO or a device), replacing files atomically, and
//! the store lock with the clean-up of what a killed writer left.

use super::{io_error, LocalStore, TMP_PREFIX};
use crate::store::StoreError;
use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Why one file of the store cannot be used: one line, never a value.
#[derive(Debug)]
pub(super) struct FileProblem {
    pub(super) file: PathBuf,
    pub(super) why: String,
    /// The operating system refused access (as opposed to bad content).
    pub(super) denied: bool,
}

impl FileProblem {
    pub(super) fn new(file: &Path, why: impl Into<String>) -> Self {
        FileProblem {
            file: file.to_path_buf(),
            why: why.into(),
            denied: false,
        }
    }

    fn io(file: &Path, e: &std::io::Error) -> Self {
        FileProblem {
            denied: e.kind() == std::io::ErrorKind::PermissionDenied,
            ..FileProblem::new(file, format!("cannot be read: {e}"))
        }
    }

    pub(super) fn line(&self) -> String {
        format!("`{}`: {}", self.file.display(), self.why)
    }
}

impl LocalStore {
    /// Run a read-modify-write under an exclusive lock on the store, so two
    /// kvault processes cannot lose each other's update. Temporary files
    /// left by a writer that died are removed first.
    pub(super) fn locked<T>(
        &self,
        f: impl FnOnce() -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let secrets = self.secrets_dir();
        create_private_dir(&secrets)
            .map_err(|e| io_error("create the local store", &secrets, e))?;
        let lock_path = self.root.join(".lock");
        // No link followed, no FIFO waited on: the lock is a regular file.
        let lock_file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .custom_flags((nix::fcntl::OFlag::O_NOFOLLOW | nix::fcntl::OFlag::O_NONBLOCK).bits())
            .open(&lock_path)
            .map_err(|e| io_error("lock", &lock_path, e))?;
        match lock_file.metadata() {
            Ok(meta) if meta.file_type().is_file() => {}
            _ => {
                return Err(StoreError::Config(format!(
                    "cannot lock `{}`: not a regular file",
                    lock_path.display()
                )))
            }
        }
        let _lock = nix::fcntl::Flock::lock(lock_file, nix::fcntl::FlockArg::LockExclusive)
            .map_err(|(_, e)| io_error("lock", &lock_path, e.into()))?;
        self.remove_stale_temps();
        f()
    }

    /// Remove the `.tmp-*` files in the store root and under `secrets/`.
    /// Called with the lock held: every writer makes its temporary files
    /// only while it holds the lock, so any found now belong to a writer
    /// that was killed mid-write (no age guess needed, no live writer's file
    /// is touched). Best effort: a file that cannot be removed stays.
    fn remove_stale_temps(&self) {
        let mut removed = 0;
        let mut dirs = vec![(self.root.clone(), false), (self.secrets_dir(), true)];
        while let Some((dir, recurse)) = dirs.pop() {
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                let name = entry.file_name();
                if kind.is_file() && name.to_string_lossy().starts_with(TMP_PREFIX) {
                    if fs::remove_file(entry.path()).is_ok() {
                        removed += 1;
                    }
                } else if kind.is_dir() && recurse {
                    dirs.push((entry.path(), true));
                }
            }
        }
        if removed > 0 {
            tracing::info!(
                removed,
                "removed temporary files left by an interrupted write"
            );
        }
    }
}

pub(super) fn mib(bytes: u64) -> String {
    if bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
    }
}

/// Read `path` if it is a regular file of at most `limit` bytes, with its
/// metadata; `Ok(None)` when it does not exist. Never blocks on a FIFO or a
/// device, never reads past `limit`: the type is looked at before opening
/// (a device is not even opened), the file is opened non-blocking, and what
/// was opened is checked again. `follow`: whether a symbolic link (to a
/// regular file) is followed; the store's own files are never read through one.
pub(super) fn read_regular(
    path: &Path,
    limit: u64,
    follow: bool,
) -> Result<Option<(Vec<u8>, fs::Metadata)>, FileProblem> {
    let looked = if follow {
        fs::metadata(path)
    } else {
        fs::symlink_metadata(path)
    };
    match looked {
        Ok(meta) => check_regular(path, &meta, limit)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(FileProblem::io(path, &e)),
    }
    let mut flags = nix::fcntl::OFlag::O_NONBLOCK;
    if !follow {
        flags |= nix::fcntl::OFlag::O_NOFOLLOW;
    }
    let file = match fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags.bits())
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) if e.raw_os_error() == Some(nix::libc::ELOOP) => {
            return Err(FileProblem::new(
                path,
                "a symbolic link; the local store reads only regular files",
            ))
        }
        Err(e) => return Err(FileProblem::io(path, &e)),
    };
    let meta = file.metadata().map_err(|e| FileProblem::io(path, &e))?;
    check_regular(path, &meta, limit)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| FileProblem::io(path, &e))?;
    if bytes.len() as u64 > limit {
        return Err(too_big(path, bytes.len() as u64, limit));
    }
    Ok(Some((bytes, meta)))
}

fn check_regular(path: &Path, meta: &fs::Metadata, limit: u64) -> Result<(), FileProblem> {
    let kind = meta.file_type();
    let what = if kind.is_file() {
        if meta.len() > limit {
            return Err(too_big(path, meta.len(), limit));
        }
        return Ok(());
    } else if kind.is_symlink() {
        "a symbolic link"
    } else if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO (named pipe)"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else {
        "not a regular file"
    };
    Err(FileProblem::new(
        path,
        format!("{what}; the local store reads only regular files"),
    ))
}

fn too_big(path: &Path, len: u64, limit: u64) -> FileProblem {
    FileProblem::new(
        path,
        format!(
            "too large ({}; the local store reads at most {} a file)",
            mib(len),
            mib(limit)
        ),
    )
}

/// The first secret file (`*.age`, any type) under `dir`, not following
/// links; dot files (temporary files) do not count.
pub(super) fn first_secret_file(dir: &Path) -> Option<PathBuf> {
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') {
                continue;
            }
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => dirs.push(entry.path()),
                Ok(_) if name.ends_with(".age") => return Some(entry.path()),
                _ => {}
            }
        }
    }
    None
}

/// Replace `file` with `bytes` (mode 0600) so that readers see the old
/// content or the new, never half: a temporary file in the same directory,
/// synced, renamed over it, and the directory synced.
pub(super) fn write_atomically(
    file: &Path,
    bytes: &[u8],
    make_dir: bool,
) -> Result<(), StoreError> {
    let dir = parent_dir(file);
    if make_dir {
        create_private_dir(dir).map_err(|e| io_error("create", dir, e))?;
    }
    let tmp = synced_temp(dir, bytes).map_err(|failed| match failed {
        TempFailed::Create(e) => io_error("write", dir, e),
        TempFailed::Write(e) => io_error("write", file, e),
    })?;
    tmp.persist(file)
        .map_err(|e| io_error("replace", file, e.error))?;
    sync_dir(dir);
    Ok(())
}

pub(super) fn parent_dir(file: &Path) -> &Path {
    file.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Make a rename or link in `dir` durable; best effort (some file systems
/// cannot sync a directory).
pub(super) fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Make `dir` and its missing parents, each new one private (0700).
pub(super) fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Which step of [`synced_temp`] failed.
pub(super) enum TempFailed {
    /// Making the temporary file.
    Create(std::io::Error),
    /// Writing or syncing it.
    Write(std::io::Error),
}

/// `bytes` in a new temporary file in `dir` (`.tmp-*`, mode 0600), synced
/// to disk: ready to be renamed or linked into place.
pub(super) fn synced_temp(dir: &Path, bytes: &[u8]) -> Result<tempfile::NamedTempFile, TempFailed> {
    let mut tmp = tempfile::Builder::new()
        .prefix(TMP_PREFIX)
        .permissions(fs::Permissions::from_mode(0o600))
        .tempfile_in(dir)
        .map_err(TempFailed::Create)?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(TempFailed::Write)?;
    Ok(tmp)
}
