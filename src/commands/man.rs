//! `kvault man [--dir DIR]`: manual pages from the clap model, the same one
//! `--help` and the completions come from. One page per command: `kvault.1`,
//! `kvault-get.1`, ... (nested subcommands too). `man/` in the repository
//! holds the output of `--dir`, and `tests/packaging.rs` checks it is current.
//!
//! Limits, on purpose: the pages carry the crate version but not the git
//! commit, so they change only when the command line does; the `after_help`
//! texts become sections of their own ("Examples:" → EXAMPLES, set as
//! written; "Exit codes:" → EXIT STATUS; untitled text → NOTES).

use crate::cli::ManArgs;
use crate::exit::Result;

pub fn run(args: ManArgs) -> Result<()> {
    let pages = pages();
    match args.dir {
        Some(dir) => super::completions::write_files(&dir, &pages),
        None => crate::output::stdout_bytes(&pages[0].1),
    }
}

/// Every page as (file name, roff source): `kvault.1` first, then one per
/// visible subcommand, depth first.
pub fn pages() -> Vec<(String, Vec<u8>)> {
    use clap::CommandFactory;
    let root = crate::cli::finish(
        without_help_subcommands(crate::cli::Cli::command()).version(env!("CARGO_PKG_VERSION")),
    );
    let mut pages = Vec::new();
    collect(&root, None, &mut pages);
    pages
}

/// clap's implicit `help` subcommand has no page of its own.
fn without_help_subcommands(cmd: clap::Command) -> clap::Command {
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|sub| sub.get_name().to_owned())
        .collect();
    names
        .iter()
        .fold(cmd.disable_help_subcommand(true), |cmd, name| {
            cmd.mut_subcommand(name, without_help_subcommands)
        })
}

fn collect(cmd: &clap::Command, parent: Option<&str>, pages: &mut Vec<(String, Vec<u8>)>) {
    pages.push(page(cmd, parent));
    let name = page_name(cmd);
    for sub in cmd.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        collect(sub, Some(name), pages);
    }
}

/// `kvault`, `kvault-get`, ...: what clap sets as the display name on build.
fn page_name(cmd: &clap::Command) -> &str {
    cmd.get_display_name().unwrap_or_else(|| cmd.get_name())
}

fn page(cmd: &clap::Command, parent: Option<&str>) -> (String, Vec<u8>) {
    let after_help = cmd
        .get_after_long_help()
        .or_else(|| cmd.get_after_help())
        .map(|text| text.to_string());
    // clap_mangen would put the after-help into one filled EXTRA section
    // (done below instead) and add a VERSION section (the title has it).
    // The global options a command does not use are hidden already
    // (`cli::command`).
    let bare = cmd
        .clone()
        .after_help(None)
        .after_long_help(None)
        .version(None);
    let man = clap_mangen::Man::new(bare);
    let mut roff = Vec::new();
    man.render(&mut roff)
        .expect("rendering into a Vec cannot fail");
    let roff = String::from_utf8(roff).expect("clap_mangen writes UTF-8");
    // Our own title line: clap_mangen writes an empty date as nothing at
    // all, which shifts the source and manual into the wrong fields.
    let title = format!(
        ".TH {} 1 \"\" \"kvault {}\" \"kvault manual\"",
        page_name(cmd),
        env!("CARGO_PKG_VERSION")
    );
    let mut roff = roff
        .lines()
        .map(|line| {
            if line.starts_with(".TH ") {
                title.as_str()
            } else {
                line
            }
        })
        .fold(String::new(), |mut out, line| {
            out.push_str(line);
            out.push('\n');
            out
        });
    if let Some(text) = after_help {
        roff.push_str(&sections(&text));
    }
    if let Some(parent) = parent {
        roff.push_str(&format!(".SH \"SEE ALSO\"\n.BR {parent} (1)\n"));
    }
    (man.get_filename(), roff.into_bytes())
}

/// The after-help text as man sections. Blocks are separated by blank lines;
/// a block whose first line is a title ("Examples:") starts that section.
fn sections(text: &str) -> String {
    let mut out = String::new();
    let mut current: Option<String> = None;
    for block in text.split("\n\n") {
        let block = block.trim_matches('\n');
        if block.is_empty() {
            continue;
        }
        let (title, body) = match block.split_once('\n') {
            Some((first, rest)) => match section_title(first) {
                Some(title) => (title, rest),
                None => ("NOTES".to_owned(), block),
            },
            None => ("NOTES".to_owned(), block),
        };
        if current.as_deref() == Some(title.as_str()) {
            out.push_str(".PP\n");
        } else {
            if title.contains(' ') {
                out.push_str(&format!(".SH \"{title}\"\n"));
            } else {
                out.push_str(&format!(".SH {title}\n"));
            }
            current = Some(title.clone());
        }
        if title == "EXAMPLES" || is_verbatim(body) {
            // Set as written, to be copied.
            out.push_str(".nf\n");
            for line in body.lines() {
                out.push_str(&escape(line));
                out.push('\n');
            }
            out.push_str(".fi\n");
        } else {
            // Filled and left-aligned; indented `TERM  TEXT` rows become a
            // compact list with a hanging indent.
            out.push_str(".ad l\n");
            let mut in_list = false;
            for line in body.lines() {
                if let Some((term, text)) = table_row(line) {
                    if !in_list {
                        out.push_str(".PD 0\n");
                        in_list = true;
                    }
                    out.push_str(&format!(".TP\n{}\n{}\n", escape(term), escape(text)));
                } else {
                    if in_list {
                        out.push_str(".PD\n.PP\n");
                        in_list = false;
                    }
                    out.push_str(&escape(line.trim_start()));
                    out.push('\n');
                }
            }
            if in_list {
                out.push_str(".PD\n");
            }
        }
    }
    out
}

/// An indented row of a table in help text: `  TERM  TEXT` (two or more
/// spaces after a term of one word, or of words each but the last ending
/// in a comma: `BAO_ADDR, VAULT_ADDR`).
fn table_row(line: &str) -> Option<(&str, &str)> {
    if !line.starts_with(' ') {
        return None;
    }
    let row = line.trim_start();
    let (term, text) = row.split_once("  ")?;
    let text = text.trim_start();
    let one_term = term.split(' ').rev().skip(1).all(|w| w.ends_with(','));
    (one_term && !term.is_empty() && !text.is_empty()).then_some((term, text))
}

/// A block of indented lines that are not a table (a YAML plan, a
/// command's output): set as written, like examples.
fn is_verbatim(body: &str) -> bool {
    let lines: Vec<&str> = body.lines().filter(|l| !l.trim().is_empty()).collect();
    !lines.is_empty()
        && lines.iter().all(|l| l.starts_with(' '))
        && !lines.iter().any(|l| table_row(l).is_some())
}

/// "Examples:" → EXAMPLES, "Exit codes:" → EXIT STATUS; not a title → None.
fn section_title(line: &str) -> Option<String> {
    let title = line.strip_suffix(':')?;
    if title.is_empty() || title.contains(':') || title.starts_with(char::is_whitespace) {
        return None;
    }
    Some(match title {
        "Example" | "Examples" => "EXAMPLES".to_owned(),
        "Exit codes" => "EXIT STATUS".to_owned(),
        other => other.to_uppercase(),
    })
}

/// A text line for roff, escaped as the `roff` crate does for clap_mangen.
fn escape(line: &str) -> String {
    let line = line
        .replace('\\', r"\\")
        .replace('-', r"\-")
        .replace('\'', r"\*(Aq");
    if line.starts_with('.') {
        format!(r"\&{line}")
    } else {
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page_text(name: &str) -> String {
        let pages = pages();
        let (_, roff) = pages
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no page {name}"));
        String::from_utf8(roff.clone()).unwrap()
    }

    #[test]
    fn one_page_for_the_tool_and_one_per_subcommand() {
        let names: Vec<String> = pages().into_iter().map(|(name, _)| name).collect();
        assert_eq!(names[0], "kvault.1");
        use clap::CommandFactory;
        for sub in crate::cli::Cli::command().get_subcommands() {
            let expected = format!("kvault-{}.1", sub.get_name());
            assert!(names.contains(&expected), "{expected} in {names:?}");
        }
        assert!(!names.contains(&"kvault-help.1".to_owned()), "{names:?}");
    }

    #[test]
    fn indented_rows_become_a_list() {
        let text = "Exit codes:\n  0    success\n  1    no\n  `x` passes through.";
        assert_eq!(
            sections(text),
            ".SH \"EXIT STATUS\"\n.ad l\n.PD 0\n.TP\n0\nsuccess\n.TP\n1\nno\n.PD\n.PP\n`x` passes through.\n"
        );
    }

    #[test]
    fn an_indented_yaml_block_is_set_as_written_and_listed_terms_may_be_several() {
        let text = "Plan (YAML):\n  secrets:\n    - source: a  # note\n";
        assert_eq!(
            sections(text),
            ".SH \"PLAN (YAML)\"\n.nf\n  secrets:\n    \\- source: a  # note\n.fi\n"
        );
        assert_eq!(
            table_row("  BAO_ADDR, VAULT_ADDR  the address"),
            Some(("BAO_ADDR, VAULT_ADDR", "the address"))
        );
        assert_eq!(table_row("  two words  text"), None);
    }

    #[test]
    fn pages_leave_out_the_global_options_their_command_does_not_use() {
        let completions = page_text("kvault-completions.1");
        assert!(!completions.contains("vault\\-addr"), "{completions}");
        assert!(!completions.contains("kubeconfig"), "{completions}");
        let audit = page_text("kvault-audit.1");
        assert!(!audit.contains("local\\-store"), "{audit}");
        assert!(audit.contains("kubeconfig"), "{audit}");
        let get = page_text("kvault-get.1");
        assert!(
            get.contains("vault\\-addr") && get.contains("local\\-store"),
            "{get}"
        );
    }

    #[test]
    fn main_page_has_environment_and_files() {
        let page = page_text("kvault.1");
        assert!(page.contains(".SH ENVIRONMENT\n"), "{page}");
        assert!(page.contains(".TP\nVAULT_TOKEN_FILE\n"), "{page}");
        assert!(page.contains(".SH FILES\n"), "{page}");
        assert!(page.contains("~/.vault\\-token"), "{page}");
    }

    #[test]
    fn main_page_has_the_exit_codes() {
        let page = page_text("kvault.1");
        assert!(page.contains(".SH \"EXIT STATUS\"\n"), "{page}");
        assert!(page.contains("126"), "{page}");
    }

    #[test]
    fn title_line_fills_every_field() {
        let page = page_text("kvault-get.1");
        let title = format!(
            "\n.TH kvault-get 1 \"\" \"kvault {}\" \"kvault manual\"\n",
            env!("CARGO_PKG_VERSION")
        );
        assert!(page.contains(&title), "{page}");
    }

    #[test]
    fn pages_do_not_carry_the_git_commit() {
        for (name, roff) in pages() {
            let text = String::from_utf8(roff).unwrap();
            assert!(!text.contains(env!("KVAULT_GIT_COMMIT")), "{name}");
        }
    }

    #[test]
    fn examples_keep_their_layout_and_see_also_points_up() {
        let page = page_text("kvault-get.1");
        assert!(page.contains(".SH EXAMPLES\n.nf\n  kvault get local:app/db#password\n"));
        assert!(
            page.ends_with(".SH \"SEE ALSO\"\n.BR kvault (1)\n"),
            "{page}"
        );
    }

    #[test]
    fn untitled_text_becomes_notes_and_sections_merge() {
        let text = "Some prose\nover two lines.\n\nExamples:\n  a -b\n\nExamples:\n  .c 'd'";
        assert_eq!(
            sections(text),
            ".SH NOTES\n.ad l\nSome prose\nover two lines.\n\
             .SH EXAMPLES\n.nf\n  a \\-b\n.fi\n\
             .PP\n.nf\n  .c \\*(Aqd\\*(Aq\n.fi\n"
        );
        assert_eq!(escape(".x"), "\\&.x");
    }
}
