//! Reading an order as raw JSON without recursing past [`MAX_ORDER_DEPTH`]: serde_json
//! stops a whole document at 128 levels, and a deep order must fail alone, not the run.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::contract::MAX_ORDER_DEPTH;

/// Reads one order; `too_deep_at` gets the path (relative to the order) of the first
/// array or object nested past the limit, whose content is skipped and reads as `null`.
pub(crate) fn read_order<'de, D: Deserializer<'de>>(
    deserializer: D,
    too_deep_at: &mut Option<String>,
) -> Result<Value, D::Error> {
    Node {
        depth: 0,
        path: String::new(),
        too_deep_at,
    }
    .deserialize(deserializer)
}

/// Where a value built in memory nests past the limit, found without recursion.
pub(crate) fn too_deep(value: &Value) -> Option<String> {
    let mut stack = vec![(value, 0usize, String::new())];
    while let Some((value, depth, path)) = stack.pop() {
        let children: Vec<(&Value, String)> = match value {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (v, format!("{path}[{i}]")))
                .collect(),
            Value::Object(object) => object.iter().map(|(k, v)| (v, join(&path, k))).collect(),
            _ => continue,
        };
        if depth >= MAX_ORDER_DEPTH {
            return Some(path);
        }
        stack.extend(children.into_iter().map(|(v, p)| (v, depth + 1, p)));
    }
    None
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// A value `depth` arrays and objects inside the order, at `path`.
struct Node<'s> {
    depth: usize,
    path: String,
    too_deep_at: &'s mut Option<String>,
}

impl Node<'_> {
    fn child(&mut self, path: String) -> Node<'_> {
        Node {
            depth: self.depth + 1,
            path,
            too_deep_at: self.too_deep_at,
        }
    }

    /// Past the limit: remembers where (the first place only) and reads as `null`.
    fn too_deep(self) -> Value {
        if self.too_deep_at.is_none() {
            *self.too_deep_at = Some(self.path);
        }
        Value::Null
    }
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
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

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
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

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<Value, A::Error> {
        if self.depth >= MAX_ORDER_DEPTH {
            // IgnoredAny skips without recursing (serde_json keeps its own stack).
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(self.too_deep());
        }
        let mut items = Vec::new();
        loop {
            let path = format!("{}[{}]", self.path, items.len());
            match seq.next_element_seed(self.child(path))? {
                Some(item) => items.push(item),
                None => return Ok(Value::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Value, A::Error> {
        if self.depth >= MAX_ORDER_DEPTH {
            while map.next_key::<IgnoredAny>()?.is_some() {
                map.next_value::<IgnoredAny>()?;
            }
            return Ok(self.too_deep());
        }
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = join(&self.path, &key);
            let value = map.next_value_seed(self.child(path))?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}
