//! What a person sees at kvault's prompts in a real terminal (tmux): a
//! value typed for `KEY=-` is not echoed, and Ctrl-C at a confirmation
//! leaves the terminal as it was (cursor shown, echo on) and changes nothing.

use crate::harness::{kvault_clean, Run};
use crate::tmux::Terminal;
use std::time::{Duration, Instant};

fn wait_for(t: &Terminal, want: &str) -> String {
    let screen = t.screen_showing(want);
    assert!(
        screen.contains(want),
        "waited for {want:?}:\n{screen}\n(tmux: {})",
        t.tmux(&[
            "list-panes",
            "-a",
            "-F",
            "#{pane_dead} #{pane_current_command}"
        ])
    );
    screen
}

#[test]
fn a_value_typed_at_the_terminal_is_not_echoed_and_is_stored() {
    let home = tempfile::tempdir().unwrap();
    let t = Terminal::start("bash", home.path(), "true");
    t.type_line("kvault put local:app/tok value=-; echo \"exit=$?\"");
    wait_for(&t, "(not shown):");
    t.type_line("typed-secret-value");
    let screen = wait_for(&t, "exit=0");
    assert!(!screen.contains("typed-secret-value"), "echoed:\n{screen}");
    kvault_clean(home.path())
        .run(&["get", "local:app/tok#value"])
        .success()
        .stdout("typed-secret-value");
}

#[test]
fn ctrl_c_at_a_confirmation_restores_the_cursor_and_deletes_nothing() {
    let home = tempfile::tempdir().unwrap();
    kvault_clean(home.path())
        .run(&["put", "local:app/db", "password=kept"])
        .success();
    let t = Terminal::start("bash", home.path(), "true");
    assert!(
        t.cursor_visible(),
        "the cursor is hidden before kvault runs"
    );
    t.type_line("kvault delete local:app/db; echo \"exit=$?\"");
    wait_for(&t, "[y/N]");
    // dialoguer hides the cursor while it asks.
    let start = Instant::now();
    while t.cursor_visible() && start.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(100));
    }
    t.press("C-c");
    wait_for(&t, "exit=130");
    assert!(t.cursor_visible(), "the cursor stays hidden after Ctrl-C");
    // Echo is back on: what is typed next shows.
    t.type_line("echo typed-after");
    wait_for(&t, "typed-after\n");
    kvault_clean(home.path())
        .run(&["get", "local:app/db#password"])
        .success()
        .stdout("kept");
}
