//! Audit-log files as a stream of lines: plain or gzip (told by the magic
//! bytes, not the name: rotated logs are `audit.log.1.gz` as often as
//! `audit-2026-12-01T00-00.log`), `-` for stdin. Nothing is loaded whole;
//! a line longer than [`MAX_LINE`] (no audit event is; a hostile or broken
//! file may be one line) is skipped and counted, never buffered.

use super::AccessError;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// The longest line kept: Kubernetes caps a request body at 3 MiB and a
/// `RequestResponse` event holds two of them.
pub const MAX_LINE: usize = 16 << 20;
/// Read buffer: large reads keep a 1 GB file well under a second of I/O.
const BUFFER: usize = 1 << 20;
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// One file's lines.
pub struct Lines {
    reader: Box<dyn BufRead + Send>,
    buf: Vec<u8>,
    path: PathBuf,
    /// Lines skipped for being longer than [`MAX_LINE`].
    pub oversized: usize,
}

impl Lines {
    /// Open `path` (`-`: stdin), gzip or plain.
    pub fn open(path: &Path) -> Result<Lines, AccessError> {
        let raw: Box<dyn Read + Send> = if path == Path::new("-") {
            Box::new(std::io::stdin())
        } else {
            let file = std::fs::File::open(path).map_err(|source| AccessError::Open {
                path: path.to_path_buf(),
                source,
            })?;
            Box::new(file)
        };
        let mut buffered = BufReader::with_capacity(BUFFER, raw);
        let head = buffered.fill_buf().map_err(|source| AccessError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let reader: Box<dyn BufRead + Send> = if head.starts_with(&GZIP_MAGIC) {
            // Rotated logs are often several gzip members in one file.
            let gz = flate2::bufread::MultiGzDecoder::new(buffered);
            Box::new(BufReader::with_capacity(BUFFER, gz))
        } else {
            Box::new(buffered)
        };
        Ok(Lines {
            reader,
            buf: Vec::with_capacity(4096),
            path: path.to_path_buf(),
            oversized: 0,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The next line without its `\n` (and `\r`), `None` at the end.
    pub fn next_line(&mut self) -> Result<Option<&[u8]>, AccessError> {
        self.buf.clear();
        let mut too_long = false;
        loop {
            let available = match self.reader.fill_buf() {
                Ok(bytes) => bytes,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(source) => {
                    return Err(AccessError::Read {
                        path: self.path.clone(),
                        source,
                    })
                }
            };
            if available.is_empty() {
                if too_long {
                    self.oversized += 1;
                    return Ok(None);
                }
                if self.buf.is_empty() {
                    return Ok(None);
                }
                break;
            }
            let (chunk, used, end) = match memchr::memchr(b'\n', available) {
                Some(i) => (&available[..i], i + 1, true),
                None => (available, available.len(), false),
            };
            if !too_long && self.buf.len() + chunk.len() <= MAX_LINE {
                self.buf.extend_from_slice(chunk);
            } else if !too_long {
                too_long = true;
                self.buf.clear();
            }
            self.reader.consume(used);
            if end {
                if too_long {
                    // Skip it and go on with the next line.
                    self.oversized += 1;
                    too_long = false;
                    continue;
                }
                break;
            }
        }
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        Ok(Some(&self.buf))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn all(path: &Path) -> (Vec<String>, usize) {
        let mut lines = Lines::open(path).unwrap();
        let mut out = Vec::new();
        while let Some(line) = lines.next_line().unwrap() {
            out.push(String::from_utf8_lossy(line).into_owned());
        }
        (out, lines.oversized)
    }

    #[test]
    fn plain_and_gzip_files_give_the_same_lines() {
        let dir = tempfile::tempdir().unwrap();
        let text = b"{\"a\":1}\r\n{\"b\":2}\n\n{\"c\":3}";
        let plain = dir.path().join("audit.log");
        std::fs::write(&plain, text).unwrap();
        // Two gzip members, as `cat a.gz b.gz` makes.
        let gz = dir.path().join("rotated");
        let mut out = Vec::new();
        for part in [&text[..9], &text[9..]] {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            enc.write_all(part).unwrap();
            out.extend(enc.finish().unwrap());
        }
        std::fs::write(&gz, out).unwrap();
        let want: Vec<String> = ["{\"a\":1}", "{\"b\":2}", "", "{\"c\":3}"]
            .map(String::from)
            .to_vec();
        assert_eq!(all(&plain), (want.clone(), 0));
        assert_eq!(all(&gz), (want, 0));
    }

    #[test]
    fn an_overlong_line_is_skipped_and_counted_not_buffered() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.log");
        let mut file = std::fs::File::create(&path).unwrap();
        file.write_all(b"first\n").unwrap();
        file.write_all(&vec![b'x'; MAX_LINE + 10]).unwrap();
        file.write_all(b"\nlast\n").unwrap();
        file.write_all(&vec![b'y'; MAX_LINE + 1]).unwrap();
        drop(file);
        assert_eq!(all(&path), (vec!["first".into(), "last".into()], 2));
    }

    #[test]
    fn a_missing_file_is_an_error_naming_it() {
        let err = Lines::open(Path::new("/nonexistent/audit.log"))
            .err()
            .unwrap();
        assert!(err.to_string().contains("/nonexistent/audit.log"), "{err}");
    }
}
