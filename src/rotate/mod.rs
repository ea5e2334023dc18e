//! `kvault rotate`: new values, written safely in steps (see `engine`).

pub mod generate;
