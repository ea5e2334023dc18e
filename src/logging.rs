//! Diagnostics on stderr through `tracing`. Only kvault's own events are
//! shown: dependencies (HTTP clients) may log request bodies at trace level,
//! and a request body can hold a secret value.

use crate::cli::GlobalArgs;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::prelude::*;

pub fn init(global: &GlobalArgs) {
    let level = match (global.quiet, global.verbose) {
        (true, _) => LevelFilter::ERROR,
        (_, 0) => LevelFilter::WARN,
        (_, 1) => LevelFilter::INFO,
        (_, 2) => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    };
    let filter = Targets::new()
        .with_default(LevelFilter::OFF)
        .with_target("kvault", level);
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_target(false)
                .with_ansi(crate::output::color_enabled()),
        )
        .with(filter)
        .try_init();
}
