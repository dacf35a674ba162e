//! The API's OpenAPI document (`src/web/openapi.json`), and a check of real answers against it: the
//! JSON Schema keywords the document uses (`type`, with `null`; `properties`, `required`,
//! `additionalProperties`, `items`, `maxItems`, `enum`, `minimum`, `maximum`, `format: date-time`) and `$ref`s
//! within it. A keyword it does not know fails the check, so the document cannot drift past it.

use serde_json::Value;

/// The document the app serves.
pub fn document() -> Value {
    serde_json::from_str(ladder::web::api::OPENAPI).expect("the OpenAPI document is JSON")
}

/// The schema of the 200 answer to `GET path` (a path as the document spells it, `{org}` and all).
pub fn answer_schema(doc: &Value, path: &str) -> Value {
    let schema = &doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
    assert!(!schema.is_null(), "the document has no 200 answer for GET {path}");
    schema.clone()
}

/// Why `value` does not match `schema`, if it does not.
pub fn problems(doc: &Value, schema: &Value, value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    check(doc, schema, value, "$", &mut out);
    out
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.strip_prefix('#').expect("local references only");
            resolve(doc, doc.pointer(pointer).unwrap_or_else(|| panic!("no {reference} in the document")))
        }
        None => schema,
    }
}

fn type_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn check(doc: &Value, schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    let known = [
        "type",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "enum",
        "minimum",
        "maximum",
        "maxItems",
        "format",
        "description",
        "default",
    ];
    for key in schema.as_object().map(|o| o.keys()).into_iter().flatten() {
        assert!(known.contains(&key.as_str()), "the check does not know the keyword {key} (at {at})");
    }
    if let Some(types) = schema.get("type") {
        let allowed: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => panic!("type is a string or a list"),
        };
        let actual = type_of(value);
        let integer_as_number = actual == "integer" && allowed.contains(&"number");
        if !(allowed.contains(&actual) || integer_as_number) {
            out.push(format!("{at}: {actual}, not {allowed:?}"));
            return;
        }
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array)
        && !options.contains(value)
    {
        out.push(format!("{at}: {value} is not one of {options:?}"));
    }
    if let (Some(min), Some(n)) = (schema.get("minimum").and_then(Value::as_f64), value.as_f64())
        && n < min
    {
        out.push(format!("{at}: {n} < {min}"));
    }
    if let (Some(max), Some(n)) = (schema.get("maximum").and_then(Value::as_f64), value.as_f64())
        && n > max
    {
        out.push(format!("{at}: {n} > {max}"));
    }
    if let (Some(max), Some(items)) = (schema.get("maxItems").and_then(Value::as_u64), value.as_array())
        && items.len() as u64 > max
    {
        out.push(format!("{at}: {} items, more than {max}", items.len()));
    }
    if schema.get("format").and_then(Value::as_str) == Some("date-time")
        && let Some(text) = value.as_str()
        && chrono::DateTime::parse_from_rfc3339(text).is_err()
    {
        out.push(format!("{at}: {text} is not a date-time"));
    }
    if let Value::Object(map) = value {
        for key in schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
            if !map.contains_key(key) {
                out.push(format!("{at}: {key} is missing"));
            }
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        for (key, item) in map {
            match (properties.and_then(|p| p.get(key)), schema.get("additionalProperties")) {
                (Some(sub), _) => check(doc, sub, item, &format!("{at}.{key}"), out),
                (None, Some(Value::Bool(false))) => out.push(format!("{at}.{key} is not in the document")),
                (None, Some(sub @ Value::Object(_))) => check(doc, sub, item, &format!("{at}.{key}"), out),
                (None, _) if properties.is_some() => out.push(format!("{at}.{key} is not in the document")),
                (None, _) => {}
            }
        }
    }
    if let (Value::Array(items), Some(sub)) = (value, schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            check(doc, sub, item, &format!("{at}[{i}]"), out);
        }
    }
}
