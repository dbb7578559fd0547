//! JSON Patch (RFC 6902), as Unleash's PATCH routes accept it: `add`, `remove`, `replace`,
//! `move`, `copy` and `test`, applied in order, all or nothing.

use serde_json::Value;

use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, serde::Deserialize)]
pub struct Operation {
    pub op: String,
    pub path: String,
    #[serde(default)]
    pub from: Option<String>,
    /// `None` when absent; a `null` sent is a value like any other (`Some(Value::Null)`).
    #[serde(default, deserialize_with = "present")]
    pub value: Option<Value>,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    <Value as serde::Deserialize>::deserialize(d).map(Some)
}

fn bad(i: usize, msg: impl Into<String>) -> AppError {
    AppError::bad_field(&format!("/body/{i}"), msg.into())
}

/// Splits a JSON Pointer into unescaped tokens.
fn tokens(pointer: &str) -> Option<Vec<String>> {
    if pointer.is_empty() {
        return Some(Vec::new());
    }
    let rest = pointer.strip_prefix('/')?;
    Some(
        rest.split('/')
            .map(|t| t.replace("~1", "/").replace("~0", "~"))
            .collect(),
    )
}

fn parent_mut<'a>(doc: &'a mut Value, toks: &[String]) -> Option<&'a mut Value> {
    let mut cur = doc;
    for t in toks {
        cur = match cur {
            Value::Object(m) => m.get_mut(t)?,
            Value::Array(a) => a.get_mut(t.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn add(doc: &mut Value, pointer: &str, value: Value) -> Result<(), String> {
    let toks = tokens(pointer).ok_or_else(|| format!("\"{pointer}\" is not a JSON pointer"))?;
    let Some((last, parents)) = toks.split_last() else {
        *doc = value;
        return Ok(());
    };
    match parent_mut(doc, parents) {
        Some(Value::Object(m)) => {
            m.insert(last.clone(), value);
            Ok(())
        }
        Some(Value::Array(a)) => {
            if last == "-" {
                a.push(value);
                return Ok(());
            }
            match last.parse::<usize>() {
                Ok(i) if i <= a.len() => {
                    a.insert(i, value);
                    Ok(())
                }
                _ => Err(format!("the index in \"{pointer}\" is out of bounds")),
            }
        }
        _ => Err(format!("the path \"{pointer}\" does not exist")),
    }
}

fn remove(doc: &mut Value, pointer: &str) -> Result<Value, String> {
    let toks = tokens(pointer).ok_or_else(|| format!("\"{pointer}\" is not a JSON pointer"))?;
    let Some((last, parents)) = toks.split_last() else {
        return Err("the whole document cannot be removed".into());
    };
    match parent_mut(doc, parents) {
        Some(Value::Object(m)) => m
            .remove(last)
            .ok_or_else(|| format!("the path \"{pointer}\" does not exist")),
        Some(Value::Array(a)) => match last.parse::<usize>() {
            Ok(i) if i < a.len() => Ok(a.remove(i)),
            _ => Err(format!("the index in \"{pointer}\" is out of bounds")),
        },
        _ => Err(format!("the path \"{pointer}\" does not exist")),
    }
}

fn get<'a>(doc: &'a Value, pointer: &str) -> Option<&'a Value> {
    doc.pointer(pointer)
}

/// Applies the operations to a copy of `doc`; any failing operation fails the whole patch.
pub fn apply(doc: &Value, ops: &[Operation]) -> AppResult<Value> {
    let mut out = doc.clone();
    for (i, op) in ops.iter().enumerate() {
        let r = match op.op.as_str() {
            "add" => match &op.value {
                Some(v) => add(&mut out, &op.path, v.clone()),
                None => Err("`add` needs a value".into()),
            },
            "remove" => remove(&mut out, &op.path).map(|_| ()),
            "replace" => match &op.value {
                Some(v) => remove(&mut out, &op.path).and_then(|_| add(&mut out, &op.path, v.clone())),
                None => Err("`replace` needs a value".into()),
            },
            "move" => match &op.from {
                Some(from) => remove(&mut out, from).and_then(|v| add(&mut out, &op.path, v)),
                None => Err("`move` needs `from`".into()),
            },
            "copy" => match op.from.as_deref().and_then(|f| get(&out, f)).cloned() {
                Some(v) => add(&mut out, &op.path, v),
                None => Err("`copy` needs an existing `from`".into()),
            },
            "test" => match (get(&out, &op.path), &op.value) {
                (Some(a), Some(b)) if a == b => Ok(()),
                _ => Err(format!("the test of \"{}\" failed", op.path)),
            },
            other => Err(format!("\"{other}\" is not a JSON Patch operation; use add, remove, replace, move, copy or test")),
        };
        r.map_err(|m| bad(i, format!("JSON Patch operation {i} failed: {m}.")))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ops(v: Value) -> Vec<Operation> {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn null_is_a_value() {
        let doc = json!({"a": 1});
        let out = apply(&doc, &ops(json!([{"op": "add", "path": "/b", "value": null}, {"op": "test", "path": "/b", "value": null}]))).unwrap();
        assert_eq!(out, json!({"a": 1, "b": null}));
        assert!(apply(&doc, &ops(json!([{"op": "add", "path": "/b"}]))).is_err());
    }

    #[test]
    fn applies_in_order() {
        let doc = json!({"a": 1, "list": [1, 2]});
        let out = apply(
            &doc,
            &ops(json!([
                {"op": "replace", "path": "/a", "value": 2},
                {"op": "add", "path": "/list/-", "value": 3},
                {"op": "remove", "path": "/list/0"},
                {"op": "copy", "from": "/a", "path": "/b"},
                {"op": "test", "path": "/b", "value": 2},
            ])),
        )
        .unwrap();
        assert_eq!(out, json!({"a": 2, "b": 2, "list": [2, 3]}));
        assert!(apply(
            &doc,
            &ops(json!([{"op": "replace", "path": "/nope", "value": 1}]))
        )
        .is_err());
        assert!(apply(
            &doc,
            &ops(json!([{"op": "test", "path": "/a", "value": 5}]))
        )
        .is_err());
    }
}
