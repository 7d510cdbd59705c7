//! The store suite on the embedded SQLite backend, plus what only a file database shows.

mod suite;

use apispm_store::{SqliteStore, Store};

fn fresh() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let s = SqliteStore::open(&dir.path().join("apispm.db")).unwrap();
    (dir, s)
}

#[test]
fn batches_merge_and_are_idempotent() {
    let (_d, mut s) = fresh();
    suite::batches_merge_and_are_idempotent(&mut s);
}

#[test]
fn merge_order_does_not_matter() {
    let (_d1, mut a) = fresh();
    let (_d2, mut b) = fresh();
    suite::merge_order_does_not_matter(&mut a, &mut b);
}

#[test]
fn learners_append_and_compact() {
    let (_d, mut s) = fresh();
    suite::learners_append_and_compact(&mut s);
}

#[test]
fn checkpoints_move_with_batches() {
    let (_d, mut s) = fresh();
    suite::checkpoints_move_with_batches(&mut s);
}

#[test]
fn findings_open_resolve_reopen_and_mttr() {
    let (_d, mut s) = fresh();
    suite::findings_open_resolve_reopen_and_mttr(&mut s);
}

#[test]
fn units_are_claimed_once() {
    let (_d, mut s) = fresh();
    suite::units_are_claimed_once(&mut s);
}

#[test]
fn reopening_keeps_data_and_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.db");
    {
        let mut s = SqliteStore::open(&path).unwrap();
        s.apply_batch(&suite::batch(
            "b",
            vec![suite::agg("/a", 1, suite::tally(2, 3_600_000, 3_600_001))],
        ))
        .unwrap();
    }
    let mut s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), 2);
    assert_eq!(s.ingest_totals().unwrap().records, 2);
}

#[test]
fn a_file_that_is_not_a_database_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(
        &path,
        "hello, this is not sqlite at all, just some words....",
    )
    .unwrap();
    let e = SqliteStore::open(&path).err().expect("refused");
    assert!(e.message.contains("notes.txt"), "{}", e.message);
    assert!(
        e.message.contains("not an apispm database"),
        "{}",
        e.message
    );
}

#[test]
fn imported_findings_are_replaced_per_tool() {
    let (_d, mut s) = fresh();
    suite::imported_findings_are_replaced_per_tool(&mut s);
}
