-- Failed logins, for the login throttle (LoginRateLimiter): one row per failure and throttle key, so every
-- process on this database counts the same failures.
--   key   what failed: 'account:<lower-cased email>' or 'ip:<client address>'.
--   at    when, in milliseconds since the epoch, UTC.
-- Rows older than the throttle's window are deleted by the next failure recorded (by any key).
CREATE TABLE login_failures (
    key TEXT    NOT NULL,
    at  INTEGER NOT NULL
) STRICT;

-- The throttle's question: the failures of one key after a time.
CREATE INDEX login_failures_key_at ON login_failures (key, at);
-- Forgetting: every failure before a time, whatever its key.
CREATE INDEX login_failures_at ON login_failures (at);
