-- The mail outbox.  A request never talks to the SMTP server: its handler
-- inserts the formatted message here, in the statement (or transaction) of
-- the change the mail is about, and answers.  ocim-sync sends what is due
-- (at the start of every run, and `ocim-sync --mail`, which the responder
-- starts after answering), with retries and backoff.
--
-- A sender claims a row by moving next_attempt_at past the time one
-- delivery can take (UPDATE ... FOR UPDATE SKIP LOCKED, committed before it
-- talks to the server), so two senders never send the same message.  A row
-- with next_attempt_at NULL is done: sent (sent_at) or given up (last_error).
-- The message holds a link that is a credential: it is wiped once the row
-- is done, and a message whose link expired (expires_at) is not sent.
CREATE TABLE mail_outbox (
    id              bigserial PRIMARY KEY,
    recipient       text NOT NULL CHECK (recipient !~ '[\r\n<>,]' AND recipient <> ''),
    subject         text NOT NULL,
    message         text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz,
    attempts        int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz DEFAULT now(),
    last_error      text,
    sent_at         timestamptz,
    CHECK (next_attempt_at IS NULL OR message IS NOT NULL)
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at, id) WHERE next_attempt_at IS NOT NULL;
