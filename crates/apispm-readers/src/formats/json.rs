//! Serde helpers shared by the JSON log formats: header objects whose values may be strings,
//! numbers or arrays, lenient numbers written as strings, and timestamps in several shapes.

use apispm_core::Headers;
use apispm_core::time;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// A string that may be borrowed from the input; numbers and booleans become strings.
pub struct Text<'a>(pub Cow<'a, str>);

impl<'de: 'a, 'a> de::Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(if v { "true" } else { "false" })))
            }
        }
        d.deserialize_any(V)
    }
}

/// A header object: `{"Name": "value", "Set-Cookie": ["a", "b"], "X-N": 5}`. Arrays give one
/// entry per element; `null` values are dropped; nested objects are an error.
pub struct HeaderMap<'a>(pub Headers<'a>);

impl<'de: 'a, 'a> de::Deserialize<'de> for HeaderMap<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = HeaderMap<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of header names to values")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(HeaderMap(Vec::new()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out: Headers<'de> = Vec::with_capacity(map.size_hint().unwrap_or(16));
                while let Some(k) = map.next_key::<Text<'de>>()? {
                    match map.next_value::<HeaderValue<'de>>()? {
                        HeaderValue::One(v) => out.push((k.0, v)),
                        HeaderValue::Many(vs) => {
                            for v in vs {
                                out.push((k.0.clone(), v));
                            }
                        }
                        HeaderValue::Null => {}
                    }
                }
                Ok(HeaderMap(out))
            }
        }
        d.deserialize_any(V)
    }
}

enum HeaderValue<'a> {
    One(Cow<'a, str>),
    Many(Vec<Cow<'a, str>>),
    Null,
}

impl<'de: 'a, 'a> de::Deserialize<'de> for HeaderValue<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = HeaderValue<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a header value (string, number or array of strings)")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(HeaderValue::One(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(HeaderValue::One(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(HeaderValue::One(Cow::Owned(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(HeaderValue::One(Cow::Owned(v.to_string())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(HeaderValue::One(Cow::Owned(v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(HeaderValue::One(Cow::Owned(v.to_string())))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(HeaderValue::One(Cow::Borrowed(if v {
                    "true"
                } else {
                    "false"
                })))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(HeaderValue::Null)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut vs = Vec::new();
                while let Some(t) = seq.next_element::<Text<'de>>()? {
                    vs.push(t.0);
                }
                Ok(HeaderValue::Many(vs))
            }
        }
        d.deserialize_any(V)
    }
}

/// An integer that may arrive as a number or as a numeric string (`"200"`, `"-"` is none).
pub struct LenientInt(pub Option<i64>);

impl<'de> de::Deserialize<'de> for LenientInt {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LenientInt;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an integer")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(LenientInt(Some(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                i64::try_from(v)
                    .map(|v| LenientInt(Some(v)))
                    .map_err(|_| E::custom("integer out of range"))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                if v.fract() == 0.0 && v.abs() < 9e15 {
                    Ok(LenientInt(Some(v as i64)))
                } else {
                    Err(E::custom(format!("expected an integer, found {v}")))
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                let t = v.trim();
                if t.is_empty() || t == "-" {
                    return Ok(LenientInt(None));
                }
                t.parse()
                    .map(|v| LenientInt(Some(v)))
                    .map_err(|_| E::custom(format!("expected an integer, found \"{v}\"")))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(LenientInt(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// A timestamp: RFC 3339 text, or epoch seconds or milliseconds as a number or numeric text.
pub struct Timestamp(pub Option<i64>);

impl<'de> de::Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an RFC 3339 time or epoch seconds/milliseconds")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                self.visit_f64(v as f64)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                self.visit_f64(v as f64)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                time::from_epoch_number(v)
                    .map(|t| Timestamp(Some(t)))
                    .ok_or_else(|| E::custom(format!("bad timestamp {v}")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                if v.trim().is_empty() || v.trim() == "-" {
                    return Ok(Timestamp(None));
                }
                time::parse_any(v)
                    .map(|t| Timestamp(Some(t)))
                    .ok_or_else(|| E::custom(format!("bad timestamp \"{v}\"")))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Timestamp(None))
            }
        }
        d.deserialize_any(V)
    }
}

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
