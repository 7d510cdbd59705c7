//! Text to `serde_json::Value`, whichever of JSON or YAML the text is.
//!
//! YAML goes through a visitor of our own rather than `serde_json::Value`'s: real specs hold
//! things JSON's model refuses (OpenAI's `minimum: -9223372036854776000` overflows i64, a
//! stray `!tag`, integer keys such as `200:`), and one such value must not cost the document.

use crate::SpecError;
use serde::de::{self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Json,
    Yaml,
}

pub(crate) fn parse(text: &str, origin: &str) -> Result<(Value, Format), SpecError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Err(SpecError::Empty {
            origin: origin.to_string(),
        });
    }
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        match serde_json::from_str::<Value>(text) {
            Ok(v) => return Ok((v, Format::Json)),
            Err(json_err) => {
                // A YAML flow mapping (`{openapi: 3.0.0, ...}`) also starts with a brace, but
                // its first key is unquoted; broken JSON keeps its JSON error.
                let after = trimmed[1..].trim_start();
                let json_like = after.starts_with(['"', '}', ']', '{', '['])
                    || after.is_empty()
                    || trimmed.starts_with('[');
                if !json_like {
                    if let Ok(v) = parse_yaml(text, origin) {
                        return Ok((v, Format::Yaml));
                    }
                }
                return Err(SpecError::Json {
                    origin: origin.to_string(),
                    line: json_err.line(),
                    column: json_err.column(),
                    message: strip_position(&json_err.to_string()),
                });
            }
        }
    }
    parse_yaml(text, origin).map(|v| (v, Format::Yaml))
}

fn parse_yaml(text: &str, origin: &str) -> Result<Value, SpecError> {
    let de = yaml_serde::Deserializer::from_str(text);
    ValueSeed.deserialize(de).map_err(|e| {
        let loc = e.location();
        SpecError::Yaml {
            origin: origin.to_string(),
            line: loc.as_ref().map(|l| l.line()),
            column: loc.as_ref().map(|l| l.column()),
            message: e.to_string(),
        }
    })
}

/// serde_json appends " at line L column C"; the error already carries both.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

struct ValueSeed;

impl<'de> DeserializeSeed<'de> for ValueSeed {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

fn float(f: f64) -> Value {
    // NaN and infinities (`.nan`, `.inf`) have no JSON form; nothing here needs them.
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(match i64::try_from(v) {
            Ok(i) => Value::Number(i.into()),
            Err(_) => float(v as f64),
        })
    }
    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(match u64::try_from(v) {
            Ok(u) => Value::Number(u.into()),
            Err(_) => float(v as f64),
        })
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(v) = seq.next_element_seed(ValueSeed)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        let mut merges = Vec::new();
        while let Some(k) = map.next_key_seed(ValueSeed)? {
            let v = map.next_value_seed(ValueSeed)?;
            let key = key_string(k);
            if key == "<<" {
                merges.push(v);
            } else {
                out.insert(key, v);
            }
        }
        // YAML merge keys: explicit keys win over merged ones, whatever their order.
        for m in merges {
            let sources = match m {
                Value::Array(a) => a,
                other => vec![other],
            };
            for s in sources {
                if let Value::Object(o) = s {
                    for (k, v) in o {
                        out.entry(k).or_insert(v);
                    }
                }
            }
        }
        Ok(Value::Object(out))
    }
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        // A tagged node (`!Ref x`): the tag means nothing to OpenAPI, the value is kept.
        let (_tag, variant): (de::IgnoredAny, _) = data.variant()?;
        de::VariantAccess::newtype_variant_seed(variant, ValueSeed)
    }
}

fn key_string(k: Value) -> String {
    match k {
        Value::String(s) => s,
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_integer_keys_become_strings() {
        let (v, f) = parse("responses:\n  200:\n    description: ok\n  404: x\n", "t").unwrap();
        assert_eq!(f, Format::Yaml);
        assert_eq!(v["responses"]["200"]["description"], "ok");
        assert_eq!(v["responses"]["404"], "x");
    }

    #[test]
    fn yaml_oversized_integers_and_tags_are_tolerated() {
        let (v, _) = parse("a: -9223372036854776000\nb: !Tag x\nc: .inf\n", "t").unwrap();
        assert!(v["a"].as_f64().unwrap() < -9.2e18);
        assert_eq!(v["b"], "x");
        assert_eq!(v["c"], Value::Null);
    }

    #[test]
    fn yaml_merge_keys_apply() {
        let (v, _) = parse("base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n", "t").unwrap();
        assert_eq!(v["d"]["x"], 1);
        assert_eq!(v["d"]["y"], 3);
    }

    #[test]
    fn json_error_has_position() {
        let e = parse("{\n  \"a\": 1,\n  oops\n}", "f.json").unwrap_err();
        assert_eq!(e.line(), Some(3));
        assert!(e.to_string().starts_with("f.json:3:"), "{e}");
    }

    #[test]
    fn yaml_flow_mapping_is_not_json() {
        let (v, f) = parse("{openapi: 3.0.0, paths: {}}", "t").unwrap();
        assert_eq!(f, Format::Yaml);
        assert_eq!(v["openapi"], "3.0.0");
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut s = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
        for w in names.windows(2) {
            let r = format!("*{}", w[0]);
            s.push_str(&format!("{}: &{} [{}]\n", w[1], w[1], vec![r; 9].join(",")));
        }
        let e = parse(&s, "bomb.yaml").unwrap_err();
        assert!(matches!(e, SpecError::Yaml { .. }), "{e}");
    }
}
