-- The audit log: administrative and security events, append-only (see
-- src/db/audit.rs). No foreign keys: targets are of several kinds, and an
-- entry outlives whatever it names. `details` is a JSON object.
CREATE TABLE audit_log (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    at          BIGINT NOT NULL,
    actor_id    TEXT,
    action      TEXT NOT NULL,
    target_kind TEXT,
    target_id   TEXT,
    source_addr TEXT,
    details     TEXT NOT NULL
);
CREATE INDEX audit_log_by_action ON audit_log (action, seq);
CREATE INDEX audit_log_by_actor ON audit_log (actor_id, seq);
CREATE INDEX audit_log_by_target ON audit_log (target_id, seq);
CREATE INDEX audit_log_by_time ON audit_log (at);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
