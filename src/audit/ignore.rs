//! Ignore files: accepted findings, each with a reason and an optional
//! expiry date.
//!
//! ```yaml
//! - id: KV-WL-008                 # a catalogue id (required)
//!   object: Secret/legacy/*       # Kind/namespace/name or Kind/name; `*` globs; optional
//!   reason: kept for the rollback window   # required
//!   expires: 2026-06-30           # optional: suppresses up to and including that day (UTC)
//! ```
//!
//! An entry suppresses a finding with its id when it has no `object`, or
//! when its `object` matches one of the finding's objects (kind compared
//! without case, namespace and name with `*` globs; `*` alone matches any
//! object). Unknown fields, unknown ids and malformed dates are errors. An
//! expired entry suppresses nothing and is reported as `KV-IGN-001`.

use super::finding::{Finding, FindingId, Location, ObjectRef};
use serde::Deserialize;
use std::fmt;

/// A calendar date (proleptic Gregorian, UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// Parse exactly `YYYY-MM-DD`, a real date.
    pub fn parse(text: &str) -> Option<Date> {
        let bytes = text.as_bytes();
        if bytes.len() != 10
            || bytes[4] != b'-'
            || bytes[7] != b'-'
            || !text
                .char_indices()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        {
            return None;
        }
        let date = Date {
            year: text[0..4].parse().ok()?,
            month: text[5..7].parse().ok()?,
            day: text[8..10].parse().ok()?,
        };
        let leap = (date.year % 4 == 0 && date.year % 100 != 0) || date.year % 400 == 0;
        let days_in_month = match date.month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (date.day >= 1 && date.day <= days_in_month).then_some(date)
    }

    /// The UTC date of `unix_seconds` (days-to-civil, after Howard Hinnant).
    pub fn from_unix(unix_seconds: i64) -> Date {
        let z = unix_seconds.div_euclid(86_400) + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// Today, UTC.
    pub fn today() -> Date {
        Date::from_unix(crate::clock::now_seconds())
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// An object pattern: `Kind/ns/name`, `Kind/name`, or `*`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectPattern {
    kind: String,
    namespace: Option<String>,
    name: String,
    text: String,
}

impl ObjectPattern {
    pub fn parse(text: &str) -> Result<Self, String> {
        let parts: Vec<&str> = text.split('/').collect();
        let (kind, namespace, name) = match parts.as_slice() {
            ["*"] => ("*", Some("*"), "*"),
            [kind, name] => (*kind, None, *name),
            [kind, ns, name] => (*kind, Some(*ns), *name),
            _ => {
                return Err(format!(
                    "object `{text}` is not Kind/namespace/name or Kind/name"
                ))
            }
        };
        if kind.is_empty() || name.is_empty() || namespace == Some("") {
            return Err(format!("object `{text}` has an empty part"));
        }
        Ok(ObjectPattern {
            kind: kind.to_string(),
            namespace: namespace.map(str::to_string),
            name: name.to_string(),
            text: text.to_string(),
        })
    }

    pub fn matches(&self, object: &ObjectRef) -> bool {
        let kind_ok = self.kind == "*" || self.kind.eq_ignore_ascii_case(&object.kind);
        let namespace_ok = match (&self.namespace, &object.namespace) {
            (None, None) => true,
            (Some(p), Some(ns)) => glob(p, ns),
            (Some(p), None) => p == "*",
            (None, Some(_)) => false,
        };
        kind_ok && namespace_ok && glob(&self.name, &object.name)
    }
}

impl fmt::Display for ObjectPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// `*` matches any run of characters; everything else itself.
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    id: String,
    #[serde(default)]
    object: Option<String>,
    reason: String,
    #[serde(default)]
    expires: Option<String>,
}

/// One accepted finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub id: FindingId,
    pub object: Option<ObjectPattern>,
    pub reason: String,
    pub expires: Option<Date>,
    /// 1-based position in the file.
    pub number: usize,
    /// The line the entry starts on, when known.
    pub line: Option<usize>,
}

impl Entry {
    fn matches(&self, finding: &Finding) -> bool {
        self.id == finding.id
            && match &self.object {
                None => true,
                Some(p) if p.text == "*" => true,
                Some(p) => finding.objects.iter().any(|o| p.matches(o)),
            }
    }
}

/// A parsed ignore file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IgnoreFile {
    pub path: String,
    pub entries: Vec<Entry>,
}

impl IgnoreFile {
    /// Parse `text` read from `path`. Errors name the file and the entry.
    pub fn parse(path: &str, text: &str) -> Result<Self, String> {
        crate::yaml::check(text, &crate::yaml::PLAN).map_err(|e| format!("`{path}`: {e}"))?;
        let raw: Option<Vec<RawEntry>> =
            serde_yaml::from_str(text).map_err(|e| format!("cannot parse `{path}`: {e}"))?;
        // Top-level list items start at column 0 with `-`.
        let starts: Vec<usize> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.starts_with('-') && !l.starts_with("---"))
            .map(|(i, _)| i + 1)
            .collect();
        let mut entries = Vec::new();
        let raw = raw.unwrap_or_default();
        let lines_known = starts.len() == raw.len();
        for (i, r) in raw.into_iter().enumerate() {
            let number = i + 1;
            let at = |msg: String| format!("`{path}` entry {number}: {msg}");
            let Some(id) = FindingId::parse(&r.id) else {
                return Err(at(format!(
                    "unknown finding id `{}`\nhelp: the ids are listed in `kvault audit --help`",
                    r.id
                )));
            };
            if r.reason.trim().is_empty() {
                return Err(at(
                    "`reason` is empty: say why the finding is accepted".into()
                ));
            }
            let object = r
                .object
                .as_deref()
                .map(ObjectPattern::parse)
                .transpose()
                .map_err(at)?;
            let expires =
                match r.expires.as_deref() {
                    None => None,
                    Some(text) => Some(Date::parse(text).ok_or_else(|| {
                        at(format!("`expires: {text}` is not a date (YYYY-MM-DD)"))
                    })?),
                };
            entries.push(Entry {
                id,
                object,
                reason: r.reason,
                expires,
                number,
                line: if lines_known { Some(starts[i]) } else { None },
            });
        }
        Ok(IgnoreFile {
            path: path.to_string(),
            entries,
        })
    }

    /// Drop the findings live entries match; add a `KV-IGN-001` finding per
    /// expired entry. Returns how many findings were suppressed.
    pub fn apply(&self, findings: &mut Vec<Finding>, today: Date) -> usize {
        let live: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| e.expires.is_none_or(|d| d >= today))
            .collect();
        let before = findings.len();
        findings.retain(|f| !live.iter().any(|e| e.matches(f)));
        let suppressed = before - findings.len();
        for e in self
            .entries
            .iter()
            .filter(|e| e.expires.is_some_and(|d| d < today))
        {
            let object = e
                .object
                .as_ref()
                .map(|o| format!(" for `{o}`"))
                .unwrap_or_default();
            findings.push(
                Finding::new(
                    FindingId::Ign001,
                    format!(
                        "Ignore entry {} ({}{object}) expired on {}",
                        e.number,
                        e.id,
                        e.expires.expect("expired entries have a date")
                    ),
                    format!(
                        "`{}` entry {}: reason was: {}",
                        self.path,
                        e.number,
                        e.reason.trim()
                    ),
                )
                .location(Location {
                    file: self.path.clone(),
                    line: e.line,
                }),
            );
        }
        suppressed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(
            Date::parse("2024-02-29"),
            Some(Date {
                year: 2024,
                month: 2,
                day: 29
            })
        );
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-1-01",
            "24-01-01",
            "2024-01-32",
            "2024/01/01",
            "2024-00-10",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
        assert_eq!(Date::from_unix(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_unix(951_782_400).to_string(), "2000-02-29");
        assert_eq!(Date::from_unix(1_735_689_599).to_string(), "2024-12-31");
        assert_eq!(Date::from_unix(-86_400).to_string(), "1969-12-31");
    }

    #[test]
    fn globs() {
        assert!(glob("*", ""));
        assert!(glob("old-*", "old-api-key"));
        assert!(glob("*-key", "old-api-key"));
        assert!(glob("o*d*y", "old-api-key"));
        assert!(!glob("old-*", "new-api-key"));
        assert!(!glob("old", "old-api"));
    }

    #[test]
    fn object_patterns() {
        let s = ObjectRef::namespaced("Secret", "shop", "db");
        let crb = ObjectRef::cluster("ClusterRoleBinding", "admins");
        assert!(ObjectPattern::parse("secret/shop/db").unwrap().matches(&s));
        assert!(ObjectPattern::parse("Secret/*/d*").unwrap().matches(&s));
        assert!(!ObjectPattern::parse("Secret/db").unwrap().matches(&s));
        assert!(ObjectPattern::parse("ClusterRoleBinding/admins")
            .unwrap()
            .matches(&crb));
        assert!(ObjectPattern::parse("ClusterRoleBinding/*/admins")
            .unwrap()
            .matches(&crb));
        assert!(ObjectPattern::parse("a/b/c/d").is_err());
        assert!(ObjectPattern::parse("Secret//x").is_err());
    }

    fn finding(id: FindingId, object: ObjectRef) -> Finding {
        Finding::new(id, "t", "e").object(object)
    }

    #[test]
    fn suppression_and_expiry() {
        let file = IgnoreFile::parse(
            "ign.yaml",
            r#"
- id: KV-WL-008
  object: Secret/shop/old-*
  reason: rollback window
  expires: 2030-01-31
- id: KV-WL-009
  reason: rotation tracked elsewhere
  expires: 2020-01-01
"#,
        )
        .unwrap();
        let mut findings = vec![
            finding(
                FindingId::Wl008,
                ObjectRef::namespaced("Secret", "shop", "old-key"),
            ),
            finding(
                FindingId::Wl008,
                ObjectRef::namespaced("Secret", "shop", "new-key"),
            ),
            finding(
                FindingId::Wl009,
                ObjectRef::namespaced("Secret", "shop", "old-key"),
            ),
        ];
        let today = Date::parse("2030-01-31").unwrap();
        assert_eq!(file.apply(&mut findings, today), 1);
        let ids: Vec<_> = findings.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["KV-WL-008", "KV-WL-009", "KV-IGN-001"]);
        assert!(findings[2].title.contains("expired on 2020-01-01"));
        assert_eq!(findings[2].locations[0].line, Some(6));
        // The day after, the first entry has expired too.
        let mut again = vec![finding(
            FindingId::Wl008,
            ObjectRef::namespaced("Secret", "shop", "old-key"),
        )];
        assert_eq!(
            file.apply(&mut again, Date::parse("2030-02-01").unwrap()),
            0
        );
        assert_eq!(
            again
                .iter()
                .filter(|f| f.id.as_str() == "KV-IGN-001")
                .count(),
            2
        );
    }

    #[test]
    fn strict_parsing() {
        let unknown_field =
            IgnoreFile::parse("i.yaml", "- {id: KV-WL-008, reason: r, until: 2030-01-01}");
        assert!(unknown_field.unwrap_err().contains("unknown field `until`"));
        let unknown_id = IgnoreFile::parse("i.yaml", "- {id: KV-NOPE-1, reason: r}");
        assert!(unknown_id
            .unwrap_err()
            .contains("entry 1: unknown finding id `KV-NOPE-1`"));
        let bad_date = IgnoreFile::parse(
            "i.yaml",
            "- {id: KV-WL-008, reason: r, expires: 2030-02-30}",
        );
        assert!(bad_date.unwrap_err().contains("not a date"));
        let no_reason = IgnoreFile::parse("i.yaml", "- {id: KV-WL-008}");
        assert!(no_reason.unwrap_err().contains("missing field `reason`"));
        assert_eq!(IgnoreFile::parse("i.yaml", "").unwrap().entries.len(), 0);
    }
}
