-- Feed and group reads say which queued write created each item (for retry
-- and discard): they look the outbox up by the entity's id.
CREATE INDEX outbox_by_entity ON outbox (entity_id, kind);
