//! The offline audit's manifest loader on arbitrary text (YAML, or JSON when
//! the first byte is odd), then the whole audit on what it loaded: loading
//! never panics and fails with one line naming the input; whatever loads,
//! every check, the who-can-read table and the JSON and SARIF reports run
//! without a panic.

#![no_main]

#[path = "common/mod.rs"]
mod common;

use kvault::audit::{self, checks, load, report, rbac::Rbac, Inventory};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let json = mode & 1 == 1;
    let text = common::utf8_prefix(rest);
    let mut inventory = Inventory::default();
    if let Err(e) = load::add_text(&mut inventory, "fuzz.yaml", text, json) {
        let line = e.to_string();
        assert!(line.contains("fuzz.yaml"), "{line}");
        assert!(!line.contains('\n'), "{line:?}");
        return;
    }
    let mut options = audit::Options::now();
    // A fixed "now" keeps runs reproducible (Secret age findings).
    options.checks.now = 1_800_000_000;
    options.today = audit::ignore::Date::parse("2027-01-15").expect("a date");
    let result = audit::audit(&inventory, &options);
    serde_json::to_string(&report::json(&result)).expect("JSON report");
    serde_json::to_string(&report::sarif(&result)).expect("SARIF report");
    let rbac = Rbac::new(&inventory);
    let rows = checks::rbac::who_can_read(&rbac, None);
    let _ = report::who_can_read_table(&rows);
});
