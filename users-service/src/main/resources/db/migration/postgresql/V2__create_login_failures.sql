-- Failed logins, shared by every instance on this database, so the login throttle holds fleet-wide.
--   key   what failed: an account or client key of the throttle, e.g. 'account:ada@example.org'.
--   at    when, in milliseconds since the epoch, UTC.
-- Reads ask for one key's failures after a time; recording one forgets every key's failures older than the window.
CREATE TABLE login_failures (
    key TEXT   NOT NULL,
    at  BIGINT NOT NULL
);

CREATE INDEX login_failures_key_at ON login_failures (key, at);
CREATE INDEX login_failures_at ON login_failures (at);
