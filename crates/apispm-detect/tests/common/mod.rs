//! Loads the labelled evaluation set.
#![allow(dead_code)]

use apispm_detect::SensitiveType;
use apispm_detect::eval::Case;

pub fn load_labelled() -> Vec<Case> {
    load_file("labelled.jsonl")
}

pub fn load_file(name: &str) -> Vec<Case> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("labelled data file");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json line");
            Case {
                text: v["text"].as_str().expect("text").to_string(),
                expect: v["expect"]
                    .as_array()
                    .expect("expect")
                    .iter()
                    .map(|t| SensitiveType::parse(t.as_str().unwrap()).expect("known type"))
                    .collect(),
                source: v["source"].as_str().unwrap_or("").to_string(),
            }
        })
        .collect()
}
