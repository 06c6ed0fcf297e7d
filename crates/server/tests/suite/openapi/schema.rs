//! Just enough JSON Schema (as utoipa writes it) to check real answers
//! against the document, and a check that every `$ref` resolves.
//!
//! One rule is stricter than JSON Schema: an object schema that lists
//! `properties` and says nothing of `additionalProperties` is closed, so a
//! field the server sends but the document forgets is an error.

use serde_json::Value;

/// The value `reference` (`#/...`) points at in `doc`.
pub fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    doc.pointer(pointer)
}

/// Follows `$ref`s until a value that is not one.
pub fn deref<'a>(doc: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match value.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                value = resolve(doc, reference)
                    .unwrap_or_else(|| panic!("unresolved $ref {reference}"));
            }
            None => return value,
        }
    }
    panic!("a $ref cycle");
}

/// Every `$ref` of the document that does not point at anything, with where it is.
pub fn dangling_refs(doc: &Value) -> Vec<String> {
    let mut dangling = Vec::new();
    walk_refs(doc, doc, "#", &mut dangling);
    dangling
}

fn walk_refs(doc: &Value, value: &Value, at: &str, dangling: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if key == "$ref" {
                    let target = child.as_str().unwrap_or_default();
                    if !target.starts_with("#/") || resolve(doc, target).is_none() {
                        dangling.push(format!("{at}: {child}"));
                    }
                } else {
                    let key = key.replace('~', "~0").replace('/', "~1");
                    walk_refs(doc, child, &format!("{at}/{key}"), dangling);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                walk_refs(doc, child, &format!("{at}/{i}"), dangling);
            }
        }
        _ => {}
    }
}

/// Checks `value` against `schema` (a schema of `doc`); the error says where.
pub fn validate(doc: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let target = resolve(doc, reference).ok_or(format!("{at}: unresolved {reference}"))?;
        return validate(doc, target, value, at);
    }
    if let Some(branches) = schema.get("oneOf").and_then(Value::as_array) {
        let failures: Vec<String> = branches
            .iter()
            .filter_map(|branch| validate(doc, branch, value, at).err())
            .collect();
        let matched = branches.len() - failures.len();
        if matched != 1 {
            return Err(format!(
                "{at}: {value} matches {matched} of the {} oneOf branches (exactly one wanted): {failures:?}",
                branches.len()
            ));
        }
    }
    if let Some(branches) = schema.get("anyOf").and_then(Value::as_array) {
        if !branches
            .iter()
            .any(|branch| validate(doc, branch, value, at).is_ok())
        {
            return Err(format!("{at}: {value} matches no anyOf branch"));
        }
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        for part in parts {
            validate(doc, part, value, at)?;
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        if !allowed.contains(value) {
            return Err(format!("{at}: {value} is not one of {allowed:?}"));
        }
    }
    if let Some(types) = schema.get("type") {
        let types: Vec<&str> = match types {
            Value::String(one) => vec![one.as_str()],
            Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
            other => return Err(format!("{at}: a schema type {other}")),
        };
        if value.is_null() && types.contains(&"null") {
            return Ok(());
        }
        if !types.iter().any(|t| has_type(value, t)) {
            return Err(format!("{at}: {value} is not of type {types:?}"));
        }
    }
    if let Some(format) = schema.get("format").and_then(Value::as_str) {
        check_format(format, value, at)?;
    }
    if let Some(minimum) = schema.get("minimum").and_then(Value::as_f64) {
        if value.as_f64().is_some_and(|n| n < minimum) {
            return Err(format!("{at}: {value} is below the minimum {minimum}"));
        }
    }
    if let Value::Object(fields) = value {
        let properties = schema.get("properties").and_then(Value::as_object);
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !fields.contains_key(name) {
                return Err(format!("{at}: the required field `{name}` is missing"));
            }
        }
        for (name, field) in fields {
            let at = format!("{at}/{name}");
            match properties.and_then(|p| p.get(name)) {
                Some(field_schema) => validate(doc, field_schema, field, &at)?,
                None => match schema.get("additionalProperties") {
                    Some(Value::Bool(true)) => {}
                    Some(extra) if extra.is_object() => validate(doc, extra, field, &at)?,
                    // Closed: see the module documentation.
                    _ if properties.is_some() => {
                        return Err(format!("{at}: a field the document does not list"));
                    }
                    _ => {}
                },
            }
        }
    }
    if let (Value::Array(items), Some(item_schema)) = (value, schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            validate(doc, item_schema, item, &format!("{at}/{i}"))?;
        }
    }
    Ok(())
}

fn has_type(value: &Value, name: &str) -> bool {
    match name {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        _ => false,
    }
}

fn check_format(format: &str, value: &Value, at: &str) -> Result<(), String> {
    let ok = match (format, value) {
        ("uuid", Value::String(text)) => uuid::Uuid::parse_str(text).is_ok(),
        ("int64", v) => v.is_i64(),
        ("int32", v) => v.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("{at}: {value} is not of format {format}"))
    }
}

#[test]
fn the_validator_reads_what_utoipa_writes() {
    let doc = serde_json::json!({
        "components": {"schemas": {
            "Id": {"type": "string", "format": "uuid"},
            "Thing": {
                "type": "object",
                "required": ["id"],
                "properties": {
                    "id": {"$ref": "#/components/schemas/Id"},
                    "gone": {"oneOf": [{"type": "null"}, {"type": "integer", "format": "int64"}]},
                    "kind": {"type": "string", "enum": ["a", "b"]},
                }
            }
        }}
    });
    let thing = serde_json::json!({"$ref": "#/components/schemas/Thing"});
    let id = "0190f5a2-7c3e-7a10-8000-1234567890ab";
    let check = |value: Value| validate(&doc, &thing, &value, "#");
    assert!(check(serde_json::json!({"id": id, "gone": null, "kind": "a"})).is_ok());
    assert!(check(serde_json::json!({"id": id, "gone": 5})).is_ok());
    assert!(check(serde_json::json!({"gone": 5})).is_err(), "required");
    assert!(check(serde_json::json!({"id": "x"})).is_err(), "format");
    assert!(
        check(serde_json::json!({"id": id, "kind": "c"})).is_err(),
        "enum"
    );
    assert!(
        check(serde_json::json!({"id": id, "gone": "5"})).is_err(),
        "oneOf"
    );
    assert!(
        check(serde_json::json!({"id": id, "extra": 1})).is_err(),
        "closed"
    );
    assert!(dangling_refs(&doc).is_empty());
    let broken = serde_json::json!({"a": {"$ref": "#/components/schemas/Nope"}});
    assert_eq!(dangling_refs(&broken).len(), 1);
}
