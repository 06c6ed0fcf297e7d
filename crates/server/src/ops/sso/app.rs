//! What the app sends when a sign-in starts and ends, checked: its redirect
//! URI and its PKCE challenge and verifier.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::ops::{OpError, OpResult};

/// The app's redirect URI, if it is a loopback address (RFC 8252 §7.3:
/// `127.0.0.1` or `[::1]`, any port; not `localhost`, which a hosts file may
/// send elsewhere) or a `commons://` link.
pub(super) fn app_redirect_uri(text: &str) -> OpResult<String> {
    let refused = || {
        OpError::Invalid(
            "redirect_uri must be a loopback address (http://127.0.0.1:PORT/... or \
             http://[::1]:PORT/...) or a commons:// link"
                .into(),
        )
    };
    let url = url::Url::parse(text).map_err(|_| refused())?;
    let loopback = url.scheme() == "http"
        && match url.host() {
            Some(url::Host::Ipv4(ip)) => ip == std::net::Ipv4Addr::LOCALHOST,
            Some(url::Host::Ipv6(ip)) => ip == std::net::Ipv6Addr::LOCALHOST,
            _ => false,
        };
    let acceptable = (loopback || url.scheme() == "commons")
        && url.username().is_empty()
        && url.password().is_none()
        && url.fragment().is_none();
    if acceptable {
        Ok(url.into())
    } else {
        Err(refused())
    }
}

/// PKCE S256: BASE64URL(SHA-256(verifier)), no padding.
pub(super) fn challenge_of(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

pub(super) fn is_s256_challenge(text: &str) -> bool {
    text.len() == 43
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_and_commons_redirects_are_accepted() {
        for good in [
            "http://127.0.0.1:49152/callback",
            "http://[::1]:8080/",
            "commons://sso/callback",
        ] {
            assert!(app_redirect_uri(good).is_ok(), "{good}");
        }
        for bad in [
            "https://evil.example/callback",
            "http://localhost:8080/",
            "http://127.0.0.2:80/",
            "http://user@127.0.0.1:80/",
            "http://127.0.0.1:80/#x",
            "javascript:alert(1)",
            "",
        ] {
            assert!(app_redirect_uri(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_challenge_is_rfc_7636s_example() {
        // RFC 7636, appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = challenge_of(verifier);
        assert_eq!(challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        assert!(is_s256_challenge(&challenge));
        assert!(!is_s256_challenge(&challenge[1..]));
    }
}
