-- Login attempts that have not succeeded, per e-mail and per client address,
-- counted in fixed windows (see src/ops/login_limit.rs). `key` is the hex
-- SHA-256 of "email:..." or "addr:...", so guessed addresses are not stored.
CREATE TABLE login_attempts (
    key          TEXT PRIMARY KEY,
    attempts     BIGINT NOT NULL,
    window_start BIGINT NOT NULL
);
CREATE INDEX login_attempts_by_window ON login_attempts (window_start);
