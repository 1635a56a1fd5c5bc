-- Replays send the first response's exact text (jsonb reorders keys); keys expire after 24 h.
alter table idempotency_keys add column body_text text;
create index idempotency_keys_created_at on idempotency_keys (created_at);
