//! Several addresses for one store (`VAULT_ADDR=https://a:8200,https://b:8200`):
//! the nodes of one cluster, or a primary and a replica that share tokens.
//! Calls go to the node that answered last; one that cannot be reached, is
//! sealed, or is a standby that cannot forward hands over to the next in
//! the list, and that node is kept for the rest of the run (until it fails
//! in turn, when the list wraps round to the first again).
//!
//! [`Nodes`] is a `vaultrs` client itself, so every call site hands it to
//! `vaultrs` as it would one client: which node serves is read when the
//! request is built.

use async_trait::async_trait;
use std::sync::atomic::{AtomicUsize, Ordering};
use vaultrs::client::{Client, VaultClient, VaultClientSettings};
use vaultrs::error::ClientError;

/// One address: its client, and how messages show it (no userinfo).
pub(super) struct Node {
    pub client: VaultClient,
    pub shown: String,
}

pub(super) struct Nodes {
    nodes: Vec<Node>,
    /// The node calls go to.
    current: AtomicUsize,
    /// The node the last "moved to" line named, so that fifty calls that
    /// fail over together print it once.
    announced: AtomicUsize,
}

/// Why a node cannot serve a call, when it is worth asking the next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Down {
    /// The connection could not be made: nothing was sent.
    Unreachable,
    /// It answered that it cannot serve (sealed, a standby with no active
    /// node to forward to): nothing was done.
    Refused,
    /// No answer in time: the request may have been applied.
    Stalled,
    /// It sent the call to another origin, as a standby that does not
    /// forward does: nothing was done, and kvault follows no redirect to
    /// where the token was not meant to go.
    Redirected,
}

impl Down {
    /// Why the node was left, short (the error in full is for `-v`).
    pub fn reason(self, error: &crate::store::StoreError) -> String {
        match (self, error) {
            (Down::Unreachable, _) => "cannot be reached".into(),
            (Down::Stalled, _) => "gave no answer in time".into(),
            (Down::Redirected, _) => {
                "redirected elsewhere (a standby that does not forward)".into()
            }
            (Down::Refused, crate::store::StoreError::Unavailable { detail, .. }) => detail.clone(),
            (Down::Refused, _) => "cannot serve requests".into(),
        }
    }

    /// Whether a call of this kind may be sent to the next node: a call
    /// that is not idempotent only when the first node did nothing.
    pub fn may_move(self, idempotent: bool) -> bool {
        idempotent || self != Down::Stalled
    }
}

impl Nodes {
    pub fn new(nodes: Vec<Node>) -> Self {
        assert!(!nodes.is_empty(), "a store has at least one address");
        Nodes {
            nodes,
            current: AtomicUsize::new(0),
            announced: AtomicUsize::new(0),
        }
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// The index of the node calls go to now.
    pub fn current(&self) -> usize {
        self.current.load(Ordering::Acquire) % self.nodes.len()
    }

    /// The client of node `i` alone.
    pub fn at(&self, i: usize) -> &VaultClient {
        &self.nodes[i].client
    }

    fn node(&self) -> &Node {
        &self.nodes[self.current()]
    }

    /// The address of the node in use, as messages show it.
    pub fn shown(&self) -> &str {
        &self.node().shown
    }

    /// Every address, as messages show them, in the order given.
    pub fn all_shown(&self) -> impl Iterator<Item = &str> {
        self.nodes.iter().map(|n| n.shown.as_str())
    }

    /// Move on from node `from` to the next one, unless another call
    /// already moved on (then its choice stands). The node now in use.
    pub fn fail_over(&self, from: usize) -> usize {
        let next = (from + 1) % self.nodes.len();
        match self
            .current
            .compare_exchange(from, next, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => next,
            Err(now) => now % self.nodes.len(),
        }
    }

    /// Say once, on stderr, that calls now go to the node in use because
    /// `from` could not serve them (`why`).
    pub fn announce(&self, from: usize, why: &str) {
        let now = self.current();
        if self.announced.swap(now, Ordering::AcqRel) != now {
            tracing::warn!(
                "vault at {} {why}; moved to {}",
                self.nodes[from % self.nodes.len()].shown,
                self.nodes[now].shown
            );
        }
    }
}

#[async_trait]
impl Client for Nodes {
    fn http(&self) -> &rustify::clients::reqwest::Client {
        &self.node().client.http
    }

    fn middle(&self) -> &vaultrs::api::EndpointMiddleware {
        &self.node().client.middle
    }

    fn settings(&self) -> &VaultClientSettings {
        &self.node().client.settings
    }

    /// A token is the cluster's: every node gets it.
    fn set_token(&mut self, token: &str) {
        for node in &mut self.nodes {
            node.client.set_token(token);
        }
    }
}

/// How a call failed on the way, as `errors` tells it.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Transport {
    pub never_sent: bool,
    pub timed_out: bool,
    /// A redirect to another origin, which kvault does not follow.
    pub redirected: bool,
}

/// Whether `e` says the node cannot serve the call, and how.
pub(super) fn down(e: &ClientError, how: Transport) -> Option<Down> {
    if how.never_sent {
        return Some(Down::Unreachable);
    }
    if how.timed_out {
        return Some(Down::Stalled);
    }
    if how.redirected {
        return Some(Down::Redirected);
    }
    let (code, errors) = match e {
        ClientError::APIError { code, errors } => (*code, errors.join(" ")),
        ClientError::RestClientError {
            source: rustify::errors::ClientError::ServerResponseError { code, content },
        } => (*code, content.clone().unwrap_or_default()),
        _ => return None,
    };
    let errors = errors.to_lowercase();
    let cannot_serve = errors.contains("sealed")
        || errors.contains("not active")
        || errors.contains("standby")
        || errors.contains("active cluster node not found");
    ((500..=599).contains(&code) && cannot_serve).then_some(Down::Refused)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: u16, error: &str) -> ClientError {
        ClientError::APIError {
            code,
            errors: vec![error.into()],
        }
    }

    #[test]
    fn a_sealed_node_or_a_standby_without_an_active_node_cannot_serve() {
        assert_eq!(
            down(&api(503, "Vault is sealed"), Transport::default()),
            Some(Down::Refused)
        );
        assert_eq!(
            down(
                &api(
                    500,
                    "local node not active but active cluster node not found"
                ),
                Transport::default()
            ),
            Some(Down::Refused)
        );
    }

    #[test]
    fn an_answer_about_the_request_is_not_a_reason_to_move() {
        for (code, error) in [
            (403, "permission denied"),
            (404, ""),
            (400, "check-and-set parameter did not match"),
            (500, "internal error"),
            (400, "node is sealed, says the body of a 400"),
        ] {
            assert_eq!(
                down(&api(code, error), Transport::default()),
                None,
                "{code}"
            );
        }
    }

    #[test]
    fn a_stalled_node_hands_on_only_calls_that_may_be_sent_twice() {
        assert!(Down::Stalled.may_move(true));
        assert!(!Down::Stalled.may_move(false));
        assert!(Down::Unreachable.may_move(false));
        assert!(Down::Refused.may_move(false));
        assert!(Down::Redirected.may_move(false));
    }
}
