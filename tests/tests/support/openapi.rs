//! Helpers shared by the OpenAPI tests (`interop_openapi`, `gateway_openapi`): reading an
//! OpenAPI document (`$ref` resolution, operations, parameters, path templates, the `$ref`s it
//! holds). The routes need no scanning: both routers are built from the documented handlers
//! (utoipa-axum's `OpenApiRouter`).

use serde_json::Value;

/// The HTTP methods an OpenAPI path item may hold an operation under.
pub const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "patch", "head", "options", "trace",
];

// ------------------------------------------------------------------------------------------------
// OpenAPI documents.

/// Follows local `$ref`s (`#/...`) within `root` until a value that is not a reference.
///
/// Panics on a non-local or dangling `$ref`, and on a chain of more than 32 (a cycle).
pub fn resolve<'a>(root: &'a Value, mut v: &'a Value) -> &'a Value {
    for _ in 0..32 {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let pointer = r
                    .strip_prefix('#')
                    .unwrap_or_else(|| panic!("non-local $ref {r}"));
                v = root
                    .pointer(pointer)
                    .unwrap_or_else(|| panic!("dangling $ref {r}"));
            }
            None => return v,
        }
    }
    panic!("$ref cycle");
}

/// Every documented (path, method, operation object) of `doc`, in document order.
///
/// Panics if `paths` or one of its path items is not an object.
pub fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut ops = Vec::new();
    let paths = doc["paths"].as_object().expect("`paths` is an object");
    for (path, item) in paths {
        let item = item.as_object().expect("a path item is an object");
        for (method, op) in item {
            if METHODS.contains(&method.as_str()) {
                ops.push((path.clone(), method.clone(), op.clone()));
            }
        }
    }
    ops
}

/// The parameters of the operation `op` at `path`: the path item's, then the operation's, each
/// with its `$ref` resolved.
pub fn parameters<'a>(doc: &'a Value, path: &str, op: &'a Value) -> Vec<&'a Value> {
    let mut out = Vec::new();
    for list in [&doc["paths"][path]["parameters"], &op["parameters"]] {
        if let Some(list) = list.as_array() {
            out.extend(list.iter().map(|p| resolve(doc, p)));
        }
    }
    out
}

/// The names of the `{name}` segments of a path template, in order.
pub fn template_names(path: &str) -> Vec<String> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
        .map(str::to_owned)
        .collect()
}

/// Appends to `out` every string `$ref` found anywhere in `v` (objects and arrays, recursively),
/// in document order.
pub fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => collect_refs(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_refs(x, out)),
        _ => {}
    }
}
