-- Single sign-on (see src/ops/sso/). Both tables hold short-lived rows in
-- the database, not in one node's memory, so the browser may come back to
-- any node. Each row is used once: it is deleted as it is read.

-- A sign-in sent to the identity provider, keyed by the `state` given to it.
-- `app_*` is what the app asked for; `verifier` and `nonce` are the server's
-- own PKCE verifier and ID-token nonce towards the provider.
CREATE TABLE sso_flows (
    id                 TEXT PRIMARY KEY,
    app_redirect_uri   TEXT NOT NULL,
    app_code_challenge TEXT NOT NULL,
    app_state          TEXT NOT NULL,
    verifier           TEXT NOT NULL,
    nonce              TEXT NOT NULL,
    expires_at         BIGINT NOT NULL
);
CREATE INDEX sso_flows_by_expiry ON sso_flows (expires_at);

-- A one-time code handed to the app after the provider said who the person
-- is; the app trades it (with its PKCE verifier) for a session. Only the
-- code's SHA-256 is kept.
CREATE TABLE sso_codes (
    code_hash          TEXT PRIMARY KEY,
    user_id            TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    app_code_challenge TEXT NOT NULL,
    expires_at         BIGINT NOT NULL
);
CREATE INDEX sso_codes_by_expiry ON sso_codes (expires_at);
