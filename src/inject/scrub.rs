//! Removing kvault's credentials from its own environment once they are
//! read, so that a process that can read `/proc/<kvault>/environ` (the
//! command under `--watch`, which kvault stays the parent of) finds none.
//!
//! `std::env::remove_var` alone is not enough: it takes the variable out of
//! libc's `environ` array, but `/proc/<pid>/environ` shows the block of
//! strings the kernel wrote at `execve`, which stays as it was. So the bytes
//! of each removed `NAME=value` in that block are overwritten with NULs too,
//! through `/proc/self/mem` (the block lies between `env_start` and
//! `env_end` of `/proc/self/stat`). Once a variable is removed nothing in
//! the process points at its bytes any more: Rust copies the environment
//! when it reads it, and libc's array no longer holds the pointer.

use std::ffi::OsString;
use std::io::{Read, Seek, SeekFrom, Write};

/// Remove `names` from kvault's environment and wipe them from the block
/// `/proc/self/environ` shows. Returns how many entries were wiped there.
pub fn scrub_own_env(names: &[&str]) -> std::io::Result<usize> {
    let present: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| std::env::var_os(n).is_some())
        .collect();
    if present.is_empty() {
        return Ok(0);
    }
    for name in &present {
        std::env::remove_var(name);
    }
    let (start, end) = env_block()?;
    let mut mem = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/proc/self/mem")?;
    let mut block = vec![0u8; end.saturating_sub(start) as usize];
    mem.seek(SeekFrom::Start(start))?;
    mem.read_exact(&mut block)?;
    let mut wiped = 0;
    for (offset, len) in entries_named(&block, &present) {
        mem.seek(SeekFrom::Start(start + offset as u64))?;
        mem.write_all(&vec![0u8; len])?;
        wiped += 1;
    }
    zeroize::Zeroize::zeroize(&mut block);
    Ok(wiped)
}

/// Drop the credential variables from a copy of the environment, wiping
/// their values, but those in `keep`.
pub fn drop_vars(env: &mut Vec<(OsString, OsString)>, names: &[&str], keep: impl Fn(&str) -> bool) {
    env.retain_mut(|(name, value)| {
        let drop = name
            .to_str()
            .is_some_and(|n| names.contains(&n) && !keep(n));
        if drop {
            wipe(value);
        }
        !drop
    });
}

/// Overwrite an `OsString`'s bytes before it is freed.
pub fn wipe(value: &mut OsString) {
    let mut bytes = std::mem::take(value).into_encoded_bytes();
    zeroize::Zeroize::zeroize(&mut bytes);
}

/// `env_start` and `env_end` (fields 50 and 51) of `/proc/self/stat`.
fn env_block() -> std::io::Result<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    // The command name (field 2) is in parentheses and may hold spaces.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    // `after` starts at field 3.
    let field = |n: usize| fields.get(n - 3).and_then(|f| f.parse::<u64>().ok());
    match (field(50), field(51)) {
        (Some(start), Some(end)) if start < end => Ok((start, end)),
        _ => Err(std::io::Error::other(
            "no env_start/env_end in /proc/self/stat",
        )),
    }
}

/// Offsets and lengths (final NUL excluded) of the `NAME=value` entries of
/// an environment block whose name is one of `names`.
fn entries_named(block: &[u8], names: &[&str]) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut offset = 0;
    for entry in block.split(|b| *b == 0) {
        let name = entry.split(|b| *b == b'=').next().unwrap_or_default();
        if entry.contains(&b'=') && names.iter().any(|n| n.as_bytes() == name) {
            found.push((offset, entry.len()));
        }
        offset += entry.len() + 1;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_found_by_exact_name() {
        let block = b"A=1\0VAULT_TOKEN=s.x\0VAULT_TOKEN_FILE=/f\0B=VAULT_TOKEN=y\0";
        assert_eq!(entries_named(block, &["VAULT_TOKEN"]), vec![(4, 15)]);
        assert!(entries_named(block, &["NONE"]).is_empty());
    }

    #[test]
    fn dropped_variables_are_gone_but_kept_ones_stay() {
        let mut env: Vec<(OsString, OsString)> = vec![
            ("VAULT_TOKEN".into(), "s.tok".into()),
            ("VAULT_SECRET_ID".into(), "sid".into()),
            ("APP".into(), "x".into()),
        ];
        drop_vars(&mut env, &["VAULT_TOKEN", "VAULT_SECRET_ID"], |n| {
            n == "VAULT_SECRET_ID"
        });
        let names: Vec<&str> = env.iter().map(|(k, _)| k.to_str().unwrap()).collect();
        assert_eq!(names, ["VAULT_SECRET_ID", "APP"]);
    }

    #[test]
    fn the_env_block_is_found_in_proc_self_stat() {
        let (start, end) = env_block().unwrap();
        assert!(end > start);
    }
}
