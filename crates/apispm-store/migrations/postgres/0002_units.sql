-- apispm store, schema version 2 (PostgreSQL): claims of the units a shared queue may
-- redeliver one by one (NATS JetStream messages, by stream sequence), so that a message
-- merged by one worker and redelivered to another is not counted twice.
CREATE TABLE units (
    scope  TEXT COLLATE "C" NOT NULL,
    seq    BIGINT NOT NULL,
    PRIMARY KEY (scope, seq)
);
