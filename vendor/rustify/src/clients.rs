//! Contains implementations of [Client][crate::client::Client] which use
//! varying HTTP clients.
pub mod reqwest;
