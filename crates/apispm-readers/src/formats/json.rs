//! Small helpers shared by the JSON log formats: UTF-8 checking with a reason, the top-level keys
//! of a record for format sniffing, and error messages for records that are not objects.

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use std::fmt;

/// The keys of a JSON object's top level, for format sniffing. Tolerates a truncated object.
pub fn top_level_keys(line: &[u8]) -> Vec<String> {
    struct Keys(Vec<String>);
    impl<'de> de::Deserialize<'de> for Keys {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Keys;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Keys, A::Error> {
                    let mut ks = Vec::new();
                    while let Some(k) = m.next_key::<String>()? {
                        m.next_value::<IgnoredAny>()?;
                        ks.push(k);
                    }
                    Ok(Keys(ks))
                }
            }
            d.deserialize_map(V)
        }
    }
    serde_json::from_slice::<Keys>(line)
        .map(|k| k.0)
        .unwrap_or_default()
}

/// serde_json's message without its "at line 1 column N" suffix (records are one line).
pub fn clean_error(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    match msg.rfind(" at line ") {
        Some(i) => format!("{} (column {})", &msg[..i], e.column()),
        None => msg,
    }
}

/// The reason for a record that is not an object at all.
pub fn not_an_object(line: &[u8]) -> String {
    match serde_json::from_slice::<IgnoredAny>(line) {
        Ok(_) => "not a JSON object".to_string(),
        Err(e) => clean_error(&e),
    }
}

/// The line as text, or the reason it is not UTF-8.
pub fn utf8(line: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(line).map_err(|e| format!("invalid UTF-8 at byte {}", e.valid_up_to() + 1))
}
