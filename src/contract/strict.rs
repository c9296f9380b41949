//! Strict JSON reading: the contract's objects are objects, and keys are unique.
//!
//! serde's derived structs also accept a JSON array of the fields' values in declaration
//! order (`["eve@x", null, "platform", …]` for a checkout request); the contract promises
//! that a field is named, so [`Strict`] wraps a deserializer and refuses an array wherever a
//! struct is expected, at every depth. A JSON object with a key written twice is refused by
//! [`first_duplicate_key`], which reports the path of the second occurrence, e.g.
//! `order.lines[0].id`; for I-JSON (RFC 7493) a document must not repeat a key.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;

use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, EnumAccess, IgnoredAny, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};

/// A deserializer that refuses arrays where a struct is expected; see the module header.
pub struct Strict<D>(pub D);

/// The same wrapping for seeds, so every nested value is read strictly too.
struct StrictSeed<S>(S);

/// Wraps a visitor; only a struct's visitor (`objects_only`) refuses `visit_seq`.
struct StrictVisitor<V> {
    inner: V,
    objects_only: bool,
}

struct StrictAccess<A>(A);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for StrictSeed<S> {
    type Value = S::Value;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(Strict(deserializer))
    }
}

/// A visitor's `expecting` text, e.g. `internally tagged enum WorkflowEvent`.
struct Expecting<'v, V>(&'v V);

impl<'de, V: Visitor<'de>> fmt::Display for Expecting<'_, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }
}

fn wrap<V>(inner: V) -> StrictVisitor<V> {
    StrictVisitor {
        inner,
        objects_only: false,
    }
}

/// Methods whose visitor is handed nested values (a map, a sequence, an option's or a
/// newtype's content) wrap it; leaves (numbers, strings, identifiers) need no wrapping, and
/// forwarding them bare keeps the wasm module small.
macro_rules! forward {
    (wrapped: $($method:ident),* ; bare: $($leaf:ident),* $(,)?) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
                self.0.$method(wrap(visitor))
            }
        )*
        $(
            fn $leaf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
                self.0.$leaf(visitor)
            }
        )*
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Strict<D> {
    type Error = D::Error;

    /// An internally tagged enum (`{"type": "approved", …}`) is read through
    /// `deserialize_any`, and its derived visitor also takes `["approved", …]`; it is the
    /// one `deserialize_any` caller that must see an object, and says so in `expecting`.
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        let objects_only = Expecting(&visitor)
            .to_string()
            .starts_with("internally tagged enum");
        self.0.deserialize_any(StrictVisitor {
            inner: visitor,
            objects_only,
        })
    }

    forward!(
        wrapped: deserialize_option, deserialize_seq, deserialize_map;
        bare: deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_unit,
        deserialize_identifier,
        deserialize_ignored_any,
    );

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_unit_struct(name, wrap(visitor))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_newtype_struct(name, wrap(visitor))
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple(len, wrap(visitor))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple_struct(name, len, wrap(visitor))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let visitor = StrictVisitor {
            inner: visitor,
            objects_only: true,
        };
        self.0.deserialize_struct(name, fields, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_enum(name, variants, wrap(visitor))
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

macro_rules! visit {
    ($($method:ident: $ty:ty),* $(,)?) => {
        $(
            fn $method<E: de::Error>(self, value: $ty) -> Result<V::Value, E> {
                self.inner.$method(value)
            }
        )*
    };
}

impl<'de, V: Visitor<'de>> Visitor<'de> for StrictVisitor<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    visit!(
        visit_bool: bool,
        visit_i8: i8,
        visit_i16: i16,
        visit_i32: i32,
        visit_i64: i64,
        visit_i128: i128,
        visit_u8: u8,
        visit_u16: u16,
        visit_u32: u32,
        visit_u64: u64,
        visit_u128: u128,
        visit_f32: f32,
        visit_f64: f64,
        visit_char: char,
        visit_str: &str,
        visit_borrowed_str: &'de str,
        visit_string: String,
        visit_bytes: &[u8],
        visit_borrowed_bytes: &'de [u8],
        visit_byte_buf: Vec<u8>,
    );

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        self.inner.visit_some(Strict(deserializer))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<V::Value, D::Error> {
        self.inner.visit_newtype_struct(Strict(deserializer))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        if self.objects_only {
            return Err(de::Error::invalid_type(de::Unexpected::Seq, &"an object"));
        }
        self.inner.visit_seq(StrictAccess(seq))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.inner.visit_map(StrictAccess(map))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.inner.visit_enum(StrictAccess(data))
    }
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for StrictAccess<A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(StrictSeed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for StrictAccess<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(StrictSeed(seed))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.0.next_value_seed(StrictSeed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: EnumAccess<'de>> EnumAccess<'de> for StrictAccess<A> {
    type Error = A::Error;
    type Variant = StrictAccess<A::Variant>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self::Variant), A::Error> {
        self.0
            .variant_seed(StrictSeed(seed))
            .map(|(value, variant)| (value, StrictAccess(variant)))
    }
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for StrictAccess<A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.0.unit_variant()
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        self.0.newtype_variant_seed(StrictSeed(seed))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.0.tuple_variant(len, wrap(visitor))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        let visitor = StrictVisitor {
            inner: visitor,
            objects_only: true,
        };
        self.0.struct_variant(fields, visitor)
    }
}

/// The path of the first key an object repeats, e.g. `Some("order.lines[0].id")`, or the
/// parse error that stopped the scan (the real parse reports it with its own path).
pub fn first_duplicate_key(json: &str) -> Option<String> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let mut path = Vec::new();
    (DuplicateScan { path: &mut path })
        .deserialize(&mut deserializer)
        .unwrap_or_default()
}

/// A step of the path to the value being scanned; keys borrow from the document unless
/// they hold escapes.
enum Segment<'de> {
    Key(Cow<'de, str>),
    Index(usize),
}

fn render(path: &[Segment<'_>]) -> String {
    let mut out = String::new();
    for segment in path {
        match segment {
            Segment::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
    out
}

/// Visits a whole document without building it, remembering each object's keys.
struct DuplicateScan<'p, 'de> {
    path: &'p mut Vec<Segment<'de>>,
}

impl<'de> DeserializeSeed<'de> for DuplicateScan<'_, 'de> {
    type Value = Option<String>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for DuplicateScan<'_, 'de> {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut index = 0;
        loop {
            self.path.push(Segment::Index(index));
            let found = seq.next_element_seed(DuplicateScan { path: self.path })?;
            self.path.pop();
            match found {
                None => return Ok(None),
                Some(Some(found)) => {
                    // Drain the rest so the scan ends cleanly.
                    while seq.next_element::<IgnoredAny>()?.is_some() {}
                    return Ok(Some(found));
                }
                Some(None) => index += 1,
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        // Keys borrow from the document: the scan allocates only for keys with escapes.
        let mut keys: BTreeSet<Cow<'de, str>> = BTreeSet::new();
        let mut found = None;
        while let Some(key) = map.next_key::<BorrowedKey<'de>>()? {
            let key = key.0;
            if found.is_some() {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let repeated = !keys.insert(key.clone());
            self.path.push(Segment::Key(key));
            if repeated {
                found = Some(render(self.path));
                map.next_value::<IgnoredAny>()?;
            } else {
                found = map.next_value_seed(DuplicateScan { path: self.path })?;
            }
            self.path.pop();
        }
        Ok(found)
    }
}

/// An object key, borrowed from the document when it has no escapes.
struct BorrowedKey<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for BorrowedKey<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = BorrowedKey<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Self::Value, E> {
                Ok(BorrowedKey(Cow::Borrowed(key)))
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
                Ok(BorrowedKey(Cow::Owned(key.to_owned())))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[expect(dead_code, reason = "only the shape is read")]
    struct Pair {
        a: u64,
        b: Vec<Inner>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[expect(dead_code, reason = "only the shape is read")]
    struct Inner {
        c: String,
    }

    fn read(json: &str) -> Result<Pair, serde_json::Error> {
        let mut deserializer = serde_json::Deserializer::from_str(json);
        serde::Deserialize::deserialize(Strict(&mut deserializer))
    }

    #[test]
    fn objects_pass_and_arrays_for_structs_fail_at_every_depth() {
        assert!(read(r#"{"a": 1, "b": [{"c": "x"}]}"#).is_ok());
        assert!(read(r#"[1, [{"c": "x"}]]"#).is_err());
        let nested = read(r#"{"a": 1, "b": [["x"]]}"#).unwrap_err();
        assert!(nested.to_string().contains("an object"), "{nested}");
    }

    #[test]
    fn internally_tagged_enums_need_an_object() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(tag = "type", rename_all = "camelCase")]
        enum Event {
            Approved {
                #[expect(dead_code, reason = "only the shape is read")]
                by: String,
            },
        }
        let read = |json: &str| -> Result<Event, serde_json::Error> {
            let mut deserializer = serde_json::Deserializer::from_str(json);
            serde::Deserialize::deserialize(Strict(&mut deserializer))
        };
        assert!(read(r#"{"type": "approved", "by": "x"}"#).is_ok());
        assert!(read(r#"["approved", "x"]"#).is_err());
    }

    #[test]
    fn duplicate_keys_are_found_with_their_path() {
        assert_eq!(first_duplicate_key(r#"{"a": 1, "b": 2}"#), None);
        assert_eq!(
            first_duplicate_key(r#"{"a": 1, "a": 2}"#).as_deref(),
            Some("a")
        );
        assert_eq!(
            first_duplicate_key(r#"{"order": {"lines": [{"id": "1"}, {"id": "2", "id": "3"}]}}"#)
                .as_deref(),
            Some("order.lines[1].id")
        );
        assert_eq!(first_duplicate_key("{not json"), None);
    }
}
