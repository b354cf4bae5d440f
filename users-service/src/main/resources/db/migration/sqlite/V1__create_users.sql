-- Users of the reference application. STRICT makes SQLite enforce the column types.
--   email_key    lower-cased email computed by the application (EmailKey), unique: emails are unique
--                ignoring case. SQLite's lower() folds only ASCII, so the key is not computed here.
--   roles        roles separated by single spaces, in order ('' for none); a role never contains whitespace.
--   created_at, updated_at   milliseconds since the epoch, UTC.
--   version      1 after insert, +1 on every replace; with id it identifies a state (ETag).
-- AUTOINCREMENT: ids of deleted users are never reused, so an old ETag or cursor never matches a new user.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT    NOT NULL,
    email         TEXT    NOT NULL,
    email_key     TEXT    NOT NULL,
    roles         TEXT    NOT NULL,
    password_hash TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    version       INTEGER NOT NULL CHECK (version >= 1)
) STRICT;

CREATE UNIQUE INDEX users_email_key ON users (email_key);
