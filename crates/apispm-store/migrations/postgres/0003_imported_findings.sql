-- apispm store, schema version 3 (PostgreSQL): findings imported from other tools (SARIF,
-- ZAP, Nuclei), the latest report per tool. JSON texts of apispm_core::Finding. (Version 2
-- here is the queue units table; SQLite has it as a default method instead.)
CREATE TABLE imported_findings (
    source   TEXT COLLATE "C" NOT NULL,
    seq      BIGINT NOT NULL,
    finding  TEXT NOT NULL,
    PRIMARY KEY (source, seq)
);
