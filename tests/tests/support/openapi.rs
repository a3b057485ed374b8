//! Helpers shared by the OpenAPI tests (`interop_openapi`, `gateway_openapi`): reading an
//! OpenAPI document (`$ref` resolution, operations, parameters, path templates, the `$ref`s it
//! holds) and finding the routes an axum router declares in Rust source (a small tokenizer and
//! the `.route(...)` scanner built on it).

use serde_json::Value;

/// The HTTP methods an OpenAPI path item may hold an operation under (and the only axum
/// method-router functions [`declared_routes`] understands).
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

// ------------------------------------------------------------------------------------------------
// Routes declared in Rust source.

/// A token of Rust source, as far as the route scanner needs one.
#[derive(Debug, PartialEq)]
pub enum Tok {
    /// An identifier or keyword (also a number: the scanner does not tell them apart).
    Ident(String),
    /// The contents of a string literal, plain (escapes kept as written) or raw.
    Str(String),
    /// Any other character, one at a time (a lifetime's `'` included).
    Punct(char),
}

/// At `i`, the start of a raw string `r##"`: its number of `#`.
fn raw_string_at(c: &[char], i: usize) -> Option<usize> {
    let prev_is_ident = i > 0 && (c[i - 1].is_alphanumeric() || c[i - 1] == '_');
    if c[i] != 'r' || prev_is_ident {
        return None;
    }
    let hashes = c[i + 1..].iter().take_while(|&&x| x == '#').count();
    (c.get(i + 1 + hashes) == Some(&'"')).then_some(hashes)
}

/// A small Rust tokenizer: identifiers, string literals (plain and raw) and punctuation;
/// comments (nested block comments included), whitespace, char literals and lifetimes are dealt
/// with so they cannot confuse the route scanner.
///
/// Panics on an unterminated raw string.
pub fn tokenize(src: &str) -> Vec<Tok> {
    let c: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    while i < c.len() {
        let ch = c[i];
        if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && c.get(i + 1) == Some(&'/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && c.get(i + 1) == Some(&'*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if let Some(hashes) = raw_string_at(&c, i) {
            // Raw string r#"..."#.
            let mut j = i + 2 + hashes;
            let start = j;
            loop {
                if j >= c.len() {
                    panic!("unterminated raw string");
                }
                if c[j] == '"' && (0..hashes).all(|k| c.get(j + 1 + k) == Some(&'#')) {
                    break;
                }
                j += 1;
            }
            out.push(Tok::Str(c[start..j].iter().collect()));
            i = j + 1 + hashes;
        } else if ch == '"' {
            let mut s = String::new();
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    s.push(c[i]);
                    i += 1;
                }
                s.push(c[i]);
                i += 1;
            }
            i += 1;
            out.push(Tok::Str(s));
        } else if ch == '\'' {
            if c.get(i + 1) == Some(&'\\') {
                // '\n', '\'', '\u{..}'
                let mut j = i + 3;
                while j < c.len() && c[j] != '\'' {
                    j += 1;
                }
                i = j + 1;
            } else if c.get(i + 2) == Some(&'\'') {
                i += 3; // 'x'
            } else {
                out.push(Tok::Punct('\'')); // a lifetime
                i += 1;
            }
        } else if ident(ch) {
            let start = i;
            while i < c.len() && ident(c[i]) {
                i += 1;
            }
            out.push(Tok::Ident(c[start..i].iter().collect()));
        } else {
            out.push(Tok::Punct(ch));
            i += 1;
        }
    }
    out
}

/// The `.route("PATH", get(h).post(h2))` calls of the Rust source `src`: each path with the
/// methods chained on it, in source order. `file` only names the source in panic messages.
///
/// Panics (so the calling test must be taught) on a `.route(...)` whose path is not a string
/// literal, that is unbalanced, that has no method, or that calls at its top level a function
/// other than the lowercase [`METHODS`].
pub fn declared_routes(file: &str, src: &str) -> Vec<(String, Vec<String>)> {
    let t = tokenize(src);
    let mut routes = Vec::new();
    let mut i = 0;
    while i + 2 < t.len() {
        let is_route = t[i] == Tok::Punct('.')
            && t[i + 1] == Tok::Ident("route".into())
            && t[i + 2] == Tok::Punct('(');
        if !is_route {
            i += 1;
            continue;
        }
        let Some(Tok::Str(path)) = t.get(i + 3) else {
            panic!(
                "{file}: a .route(...) whose path is not a string literal: {:?}",
                t.get(i + 3)
            );
        };
        let mut methods = Vec::new();
        let mut depth = 1;
        let mut j = i + 4;
        while depth > 0 {
            match t.get(j) {
                None => panic!("{file}: unbalanced .route({path:?}, ...)"),
                Some(Tok::Punct('(' | '[' | '{')) => depth += 1,
                Some(Tok::Punct(')' | ']' | '}')) => depth -= 1,
                Some(Tok::Ident(name)) if depth == 1 && t.get(j + 1) == Some(&Tok::Punct('(')) => {
                    assert!(
                        METHODS.contains(&name.as_str()),
                        "{file}: .route({path:?}, ...) uses `{name}(...)`, which this test does \
                         not understand: teach it (or use get/post/put/patch/delete)"
                    );
                    methods.push(name.clone());
                }
                _ => {}
            }
            j += 1;
        }
        assert!(
            !methods.is_empty(),
            "{file}: no method found on .route({path:?}, ...)"
        );
        routes.push((path.clone(), methods));
        i = j;
    }
    routes
}
