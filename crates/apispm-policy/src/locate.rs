//! Finding where a node of a YAML document starts.
//!
//! `yaml_serde` keeps no positions in its `Value`, but it does stamp every error raised while
//! deserializing a node with that node's start mark. So, to locate `policies[3].rule.control`,
//! the document is deserialized a second time with a seed that walks that path, skipping
//! everything else, and fails on purpose at the target: the error's location is the answer.
//! This costs one more parse of a small file, and only when a file is being refused, and it
//! gives exact positions whatever the YAML style (flow or block, quoted or not, comments).

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step<'a> {
    /// The value under this key of a mapping.
    Key(&'a str),
    /// The key itself (to point at an unknown key rather than its value).
    KeyName(&'a str),
    /// An element of a sequence.
    Index(usize),
}

/// 1-based line and column of a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Pos {
    pub line: usize,
    pub column: usize,
}

/// Where the node at `path` starts, or where its deepest existing ancestor does if the path
/// goes further than the document. A node reached through an alias is placed in the anchored
/// definition. `None` only if the document does not parse.
pub(crate) fn locate(text: &str, path: &[Step<'_>]) -> Option<Pos> {
    let de = yaml_serde::Deserializer::from_str(text);
    // The walk always ends in an error: at the target, or at the node where the path stops.
    let e = (Nav { steps: path }).deserialize(de).err()?;
    e.location().map(|l| Pos {
        line: l.line(),
        column: l.column(),
    })
}

/// Any error raised here gets the mark of the node being visited; the message is irrelevant.
fn hit<E: de::Error>() -> E {
    E::custom("located")
}

struct Nav<'s, 'a> {
    steps: &'s [Step<'a>],
}

impl<'de> DeserializeSeed<'de> for Nav<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Nav<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any node")
    }

    // Scalars: the default `visit_*` methods return an error, which is exactly a hit at
    // this node when the path ends here, and the nearest ancestor if it does not.

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let (target, want_key) = match self.steps.first() {
            None => return Err(hit()),
            Some(Step::Key(k)) => (*k, false),
            Some(Step::KeyName(k)) => (*k, true),
            Some(Step::Index(_)) => return Err(hit()),
        };
        while let Some(matched) = map.next_key_seed(KeyMatch { target, want_key })? {
            if matched {
                map.next_value_seed(Nav {
                    steps: &self.steps[1..],
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        // Not found: say so at the mapping itself.
        Err(hit())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let index = match self.steps.first() {
            Some(Step::Index(i)) => *i,
            _ => return Err(hit()),
        };
        for _ in 0..index {
            if seq.next_element::<IgnoredAny>()?.is_none() {
                return Err(hit());
            }
        }
        seq.next_element_seed(Nav {
            steps: &self.steps[1..],
        })?;
        Err(hit())
    }
}

/// Deserializes a key; true when it is the one looked for (or fails there, when the key
/// itself is the target).
struct KeyMatch<'a> {
    target: &'a str,
    want_key: bool,
}

impl<'de> DeserializeSeed<'de> for KeyMatch<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for KeyMatch<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        match (v == self.target, self.want_key) {
            (true, true) => Err(hit()),
            (matched, _) => Ok(matched),
        }
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_none<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(false)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "\
# comment
policies:
  - name: a
    rule:
      control: authentication
      required: true
  - {name: b, rule: {documented: true}}
  - name: c
    scope:
      classification: [external,   partner]
";

    fn at(path: &[Step<'_>]) -> (usize, usize) {
        let p = locate(DOC, path).unwrap();
        (p.line, p.column)
    }

    #[test]
    fn block_and_flow_nodes() {
        use Step::*;
        assert_eq!(at(&[Key("policies")]), (3, 3));
        assert_eq!(at(&[Key("policies"), Index(0)]), (3, 5));
        assert_eq!(at(&[Key("policies"), Index(0), Key("name")]), (3, 11));
        assert_eq!(at(&[Key("policies"), Index(0), KeyName("rule")]), (4, 5));
        assert_eq!(
            at(&[Key("policies"), Index(0), Key("rule"), Key("control")]),
            (5, 16)
        );
        assert_eq!(
            at(&[Key("policies"), Index(0), Key("rule"), KeyName("required")]),
            (6, 7)
        );
        assert_eq!(at(&[Key("policies"), Index(1)]), (7, 5));
        assert_eq!(
            at(&[Key("policies"), Index(1), Key("rule"), Key("documented")]),
            (7, 34)
        );
        assert_eq!(
            at(&[
                Key("policies"),
                Index(2),
                Key("scope"),
                Key("classification"),
                Index(1)
            ]),
            (10, 36)
        );
    }

    #[test]
    fn missing_paths_fall_back_to_the_nearest_ancestor() {
        use Step::*;
        // no such key: the mapping that lacks it
        assert_eq!(at(&[Key("policies"), Index(0), Key("severity")]), (3, 5));
        // no such element: the sequence
        assert_eq!(at(&[Key("policies"), Index(9)]), (3, 3));
        // the whole document
        assert_eq!(at(&[]), (2, 1));
    }

    #[test]
    fn aliases_point_into_the_anchored_definition() {
        // that is where a fix goes
        let doc = "x: &s [a, b]\ny: *s\n";
        let p = locate(doc, &[Step::Key("y"), Step::Index(1)]).unwrap();
        assert_eq!((p.line, p.column), (1, 11));
    }
}
