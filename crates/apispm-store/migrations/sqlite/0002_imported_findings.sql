-- Schema version 2: findings imported from other tools (SARIF, ZAP, Nuclei), the latest
-- report per tool. JSON texts of apispm_core::Finding.
CREATE TABLE imported_findings (
    source   TEXT NOT NULL,
    seq      INTEGER NOT NULL,
    finding  TEXT NOT NULL,
    PRIMARY KEY (source, seq)
);
