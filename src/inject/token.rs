//! Keeping kvault's own Vault token alive under `kvault exec --watch`, which
//! may run for the life of a container while the token it logged in with
//! has a TTL of minutes or hours.
//!
//! At half its TTL (or sooner, when it would otherwise expire before the
//! next re-read) the token is renewed. A token that cannot be renewed any
//! further (not renewable, or capped by its max TTL) is replaced by logging
//! in again, when kvault logged in itself (AppRole, Kubernetes, JWT); a
//! token given to kvault (`VAULT_TOKEN`) can only be renewed, and its coming
//! expiry is logged once. The decision is pure ([`TokenKeeper::due`]); the
//! watch loop does the I/O.

use crate::store::vault::TokenLife;
use std::time::{Duration, Instant};

/// What to do about the token now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenAction {
    Nothing,
    Renew,
    /// Log in again (a new token); the old one is left to expire.
    Login,
    /// It will expire and nothing can be done: say so (once).
    Warn,
}

/// The token's lifetime as last seen, and when.
#[derive(Clone, Debug)]
pub struct TokenKeeper {
    life: TokenLife,
    since: Instant,
    /// The last renewal granted less than asked: the max TTL is near.
    capped: bool,
    warned: bool,
}

impl TokenKeeper {
    pub fn new(life: TokenLife, now: Instant) -> Self {
        TokenKeeper {
            life,
            since: now,
            capped: false,
            warned: false,
        }
    }

    /// The action due at `now`, re-reading every `interval`; `can_login`
    /// when kvault holds the credentials to log in again.
    pub fn due(&mut self, now: Instant, interval: Duration, can_login: bool) -> TokenAction {
        let Some(ttl) = self.life.ttl else {
            return TokenAction::Nothing;
        };
        let elapsed = now.saturating_duration_since(self.since);
        let left = ttl.saturating_sub(elapsed);
        // Renew at half-life, or when the token would not outlive the next
        // two ticks (one may be late; a request may be slow).
        if elapsed < ttl / 2 && left > interval * 2 {
            return TokenAction::Nothing;
        }
        match (self.life.renewable && !self.capped, can_login) {
            (true, _) => TokenAction::Renew,
            (false, true) => TokenAction::Login,
            (false, false) if !self.warned => {
                self.warned = true;
                TokenAction::Warn
            }
            (false, false) => TokenAction::Nothing,
        }
    }

    /// What a renewal by `asked` granted at `now`.
    pub fn renewed(&mut self, granted: TokenLife, asked: Duration, now: Instant) {
        self.capped = granted.ttl.is_some_and(|ttl| ttl < asked);
        self.life = granted;
        self.since = now;
    }

    /// The TTL to ask for when renewing: what the token had.
    pub fn increment(&self) -> Duration {
        self.life.ttl.unwrap_or_default()
    }

    /// When the token runs out, seen from `now`.
    pub fn left(&self, now: Instant) -> Option<Duration> {
        self.life
            .ttl
            .map(|ttl| ttl.saturating_sub(now.saturating_duration_since(self.since)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TICK: Duration = Duration::from_secs(10);

    fn life(ttl: u64, renewable: bool) -> TokenLife {
        TokenLife {
            ttl: Some(Duration::from_secs(ttl)),
            renewable,
        }
    }

    fn at(start: Instant, secs: u64) -> Instant {
        start + Duration::from_secs(secs)
    }

    #[test]
    fn a_token_that_never_expires_is_left_alone() {
        let t0 = Instant::now();
        let never = TokenLife {
            ttl: None,
            renewable: false,
        };
        let mut keeper = TokenKeeper::new(never, t0);
        assert_eq!(
            keeper.due(at(t0, 1_000_000), TICK, true),
            TokenAction::Nothing
        );
    }

    #[test]
    fn a_renewable_token_is_renewed_at_half_life() {
        let t0 = Instant::now();
        let mut keeper = TokenKeeper::new(life(3600, true), t0);
        assert_eq!(keeper.due(at(t0, 1799), TICK, false), TokenAction::Nothing);
        assert_eq!(keeper.due(at(t0, 1800), TICK, false), TokenAction::Renew);
        keeper.renewed(life(3600, true), keeper.increment(), at(t0, 1800));
        assert_eq!(keeper.due(at(t0, 3000), TICK, false), TokenAction::Nothing);
        assert_eq!(keeper.left(at(t0, 3000)), Some(Duration::from_secs(2400)));
    }

    #[test]
    fn a_short_token_is_renewed_before_the_next_two_ticks_could_miss_it() {
        let t0 = Instant::now();
        let mut keeper = TokenKeeper::new(life(30, true), t0);
        assert_eq!(keeper.due(at(t0, 5), TICK, false), TokenAction::Nothing);
        assert_eq!(keeper.due(at(t0, 11), TICK, false), TokenAction::Renew);
    }

    #[test]
    fn a_token_at_its_max_ttl_is_replaced_by_logging_in_again() {
        let t0 = Instant::now();
        let mut keeper = TokenKeeper::new(life(600, true), t0);
        assert_eq!(keeper.due(at(t0, 300), TICK, true), TokenAction::Renew);
        // The server granted 120 s of the 600 asked: the max TTL is near.
        keeper.renewed(life(120, true), Duration::from_secs(600), at(t0, 300));
        assert_eq!(keeper.due(at(t0, 360), TICK, true), TokenAction::Login);
    }

    #[test]
    fn a_token_kvault_was_given_is_warned_about_once_when_it_cannot_be_renewed() {
        let t0 = Instant::now();
        let mut keeper = TokenKeeper::new(life(60, false), t0);
        assert_eq!(keeper.due(at(t0, 30), TICK, false), TokenAction::Warn);
        assert_eq!(keeper.due(at(t0, 40), TICK, false), TokenAction::Nothing);
        let mut keeper = TokenKeeper::new(life(60, false), t0);
        assert_eq!(keeper.due(at(t0, 30), TICK, true), TokenAction::Login);
    }
}
