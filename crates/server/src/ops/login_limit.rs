//! Throttles password guessing: login attempts that did not succeed are
//! counted per e-mail and per client address, in the database, so every node
//! behind a load balancer sees the same counts.
//!
//! An attempt is counted *before* its password is checked (one atomic upsert
//! per key), so concurrent guesses on several nodes cannot slip past a limit;
//! a successful or refused login then takes its attempt back. Over a limit,
//! the password is not checked at all, even a right one: otherwise the answer
//! would tell a guesser when they found it.

use std::net::IpAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use sqlx::AnyConnection;

use super::{OpError, OpResult};
use crate::config::LoginLimits;
use crate::db::{self, now_millis};
use crate::secrets;

/// Shared by a node's requests; cheap to clone.
#[derive(Clone, Debug)]
pub struct LoginLimiter {
    limits: LoginLimits,
    /// When this node last deleted ended windows (Unix ms).
    last_prune: Arc<AtomicI64>,
}

/// A counted attempt, to take back if the password is right.
#[must_use]
pub struct Attempt {
    email_key: String,
    address_key: Option<String>,
}

impl LoginLimiter {
    pub fn new(limits: LoginLimits) -> Self {
        LoginLimiter {
            limits,
            last_prune: Arc::new(AtomicI64::new(0)),
        }
    }

    /// Counts an attempt to log in as `email` (normalised) from `source`;
    /// refuses it when either count is over its limit.
    pub async fn begin(
        &self,
        conn: &mut AnyConnection,
        email: &str,
        source: Option<IpAddr>,
    ) -> OpResult<Attempt> {
        let now = now_millis();
        let window = i64::try_from(self.limits.window.as_millis()).unwrap_or(i64::MAX);
        let expired_at = now.saturating_sub(window);
        // Ended windows are deleted about once a window, by one request of this node.
        let last_prune = self.last_prune.load(Ordering::Relaxed);
        if now.saturating_sub(last_prune) >= window
            && self
                .last_prune
                .compare_exchange(last_prune, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            db::login_attempts::prune(conn, expired_at).await?;
        }
        let attempt = Attempt {
            email_key: secrets::fingerprint(&format!("email:{email}")),
            address_key: source.map(|ip| secrets::fingerprint(&address_key(ip))),
        };
        let keys = [
            (Some(&attempt.email_key), self.limits.per_email),
            (attempt.address_key.as_ref(), self.limits.per_address),
        ];
        let mut wait_ms = None;
        for (key, limit) in keys {
            let Some(key) = key else { continue };
            let counted = db::login_attempts::count(conn, key, now, expired_at).await?;
            if counted.attempts > limit {
                let left = counted.window_start.saturating_add(window) - now;
                wait_ms = wait_ms.max(Some(left));
            }
        }
        let Some(wait_ms) = wait_ms else {
            return Ok(attempt);
        };
        // A refused attempt checks no password, so it counts against nobody:
        // otherwise a blocked address would lock out every e-mail it tries.
        attempt.take_back(conn).await?;
        Err(OpError::RateLimited {
            what: "failed logins",
            retry_after_secs: retry_after_secs(wait_ms),
        })
    }
}

impl Attempt {
    /// The password was right: clear the e-mail's count (its owner is back)
    /// and take this attempt off the address's count.
    pub async fn succeeded(self, conn: &mut AnyConnection) -> OpResult<()> {
        db::login_attempts::forget(conn, &self.email_key).await?;
        if let Some(key) = &self.address_key {
            db::login_attempts::uncount(conn, key).await?;
        }
        Ok(())
    }

    async fn take_back(&self, conn: &mut AnyConnection) -> OpResult<()> {
        db::login_attempts::uncount(conn, &self.email_key).await?;
        if let Some(key) = &self.address_key {
            db::login_attempts::uncount(conn, key).await?;
        }
        Ok(())
    }
}

/// A wait in milliseconds as whole seconds for `Retry-After`, at least 1.
pub(super) fn retry_after_secs(wait_ms: i64) -> u64 {
    u64::try_from(wait_ms).unwrap_or(0).div_ceil(1000).max(1)
}

/// One counter per IPv4 address, and per IPv6 /64 (what one host usually gets).
fn address_key(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => format!("addr:{v4}"),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("addr:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::address_key;

    #[test]
    fn ipv6_hosts_share_their_64_and_mapped_ipv4_is_ipv4() {
        let a = address_key("2001:db8:1:2::1".parse().unwrap());
        let b = address_key("2001:db8:1:2:ffff::9".parse().unwrap());
        assert_eq!(a, b);
        assert_ne!(a, address_key("2001:db8:1:3::1".parse().unwrap()));
        assert_eq!(
            address_key("::ffff:192.0.2.1".parse().unwrap()),
            address_key("192.0.2.1".parse().unwrap())
        );
    }
}
