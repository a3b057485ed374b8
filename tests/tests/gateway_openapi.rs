//! Keeps the gateway's OpenAPI document (generated from the code by `gateway::api::openapi::openapi`,
//! served at `/openapi.json`) consistent with the reference contracts and with the code:
//!
//! - the document is OpenAPI 3.1, titled "Recapito gateway", and is what the gateway serves
//!   (`gateway::api::ops::openapi_json`);
//! - it hangs together: `$ref`s resolve, path parameters are declared, operation ids are unique,
//!   the security of each operation matches its API, error answers are `Problem`s whose listed
//!   codes have the answer's status;
//! - every route is documented by construction (the routers are `utoipa_axum` `OpenApiRouter`s
//!   fed with `routes!`, which documents each handler it routes); the test only checks that no
//!   `gateway/src/api/*.rs` routes around them (`.route(`, which `OpenApiRouter` also offers);
//! - the `Problem.code` enum is `gateway::domain::Code::ALL`, and its table gives each code's
//!   status and meaning as `error.rs` does;
//! - the reference paths are served under our prefixes with the same methods, operation ids,
//!   parameters, request bodies and success answers (or are listed in [`NOT_SERVED`]);
//! - every schema the gateway implements from a reference ([`PAIRS`]) has the reference's
//!   properties, at least its `required` list, and its enums, lengths, bounds and patterns —
//!   each deliberate difference is listed in [`EXCEPTIONS`] with its reason, and an exception
//!   that is no longer needed fails the test too.
//!
//! The references are read from `fixtures/reference/*.json`, JSON excerpts of
//! `/work/shared/specs/*.yaml` made by `fixtures/reference/extract.py` (see the README there), so
//! the test needs no YAML parser.

use e2e::openapi::{collect_refs, operations, parameters, resolve, template_names};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

const RC: &str = "io-rc-configuration";
const SUBMISSION: &str = "io-message-submission";
const APP: &str = "io-app-communication";

/// Each reference and the prefix its paths are served under (IO's `/` becomes the prefix itself).
const SERVED: &[(&str, &str)] = &[
    (RC, "/api/v1"),
    (SUBMISSION, "/api/v1/messages"),
    (APP, "/api/communication/v1"),
];

/// Reference operations the gateway does not serve: (reference, path, method, reason).
const NOT_SERVED: &[(&str, &str, &str, &str)] = &[
    (
        SUBMISSION,
        "/{fiscal_code}",
        "post",
        "SPEC §2: one submission endpoint, the fiscal code in the body (IO's \
         submitMessageforUserWithFiscalCodeInBody); a fiscal code in a path ends up in access logs",
    ),
    (
        SUBMISSION,
        "/{fiscal_code}/{id}",
        "get",
        "the sender reads a message back at the submission's Location, GET /api/v1/messages/{id} \
         (getSentMessage: the message itself, not IO's {message, status, notification} wrapper)",
    ),
    (
        APP,
        "/send/activation",
        "get",
        "SEND (PN) activation is IO's, outside Recapito",
    ),
    (
        APP,
        "/send/activation",
        "post",
        "SEND (PN) activation is IO's, outside Recapito",
    ),
    (
        APP,
        "/installations/{installationID}",
        "put",
        "push-notification installations are IO's, outside Recapito",
    ),
    (
        APP,
        "/payment/info/{rptId}",
        "get",
        "payments are outside Recapito",
    ),
];

/// Success answers of served reference operations the gateway does not give:
/// (reference, path, method, status, reason).
const ANSWERS_NOT_GIVEN: &[(&str, &str, &str, &str, &str)] = &[];

/// Reference parameters of served operations the gateway does not take:
/// (reference, path, method, parameter, reason).
const PARAMETERS_NOT_TAKEN: &[(&str, &str, &str, &str, &str)] = &[(
    APP,
    "/messages/{id}",
    "get",
    "public_message",
    "there is one shape of message (with content); the parameter is ignored",
)];

/// Our schema, the reference it implements, and where that schema is in the reference excerpt.
const PAIRS: &[(&str, &str, &str)] = &[
    // Remote-content configurations.
    (
        "NewRCConfigurationPublic",
        RC,
        "/schemas/NewRCConfigurationPublic",
    ),
    (
        "RCConfigurationPublic",
        RC,
        "/schemas/RCConfigurationPublic",
    ),
    // IO answers GET one with RCConfigurationResponse (RCConfigurationPublic + user_id) and
    // POST with RCConfigurationPublic; the gateway always includes the owner.
    (
        "RCConfigurationPublic",
        RC,
        "/schemas/RCConfigurationResponse",
    ),
    (
        "RCConfigurationListResponse",
        RC,
        "/schemas/RCConfigurationListResponse",
    ),
    (
        "RCConfigurationProdEnvironment",
        RC,
        "/schemas/RCConfigurationProdEnvironment",
    ),
    (
        "RCConfigurationTestEnvironment",
        RC,
        "/schemas/RCConfigurationTestEnvironment",
    ),
    (
        "RCAuthenticationConfig",
        RC,
        "/schemas/RCAuthenticationConfig",
    ),
    ("HasPrecondition", RC, "/schemas/HasPrecondition"),
    // What a submission's payment_data and eu_covid_cert must be, and what the app reads back.
    ("PaymentData", SUBMISSION, "/schemas/PaymentData"),
    ("PaymentData", APP, "/schemas/PaymentDataWithRequiredPayee"),
    ("Payee", SUBMISSION, "/schemas/Payee"),
    ("Payee", APP, "/schemas/Payee"),
    ("EUCovidCert", SUBMISSION, "/schemas/EUCovidCert"),
    ("EUCovidCert", APP, "/schemas/EUCovidCert"),
    ("FiscalCode", RC, "/schemas/FiscalCode"),
    ("Problem", RC, "/schemas/ProblemJson"),
    // Message submission.
    ("NewMessage", SUBMISSION, "/schemas/NewMessage"),
    ("MessageContent", SUBMISSION, "/schemas/MessageContent"),
    ("ThirdPartyData", SUBMISSION, "/schemas/ThirdPartyData"),
    ("CreatedMessage", SUBMISSION, "/schemas/CreatedMessage"),
    ("FiscalCode", SUBMISSION, "/schemas/FiscalCode"),
    ("FiscalCode", SUBMISSION, "/parameters/FiscalCode/schema"),
    (
        "TimeToLiveSeconds",
        SUBMISSION,
        "/schemas/TimeToLiveSeconds",
    ),
    ("FeatureLevelType", SUBMISSION, "/schemas/FeatureLevelType"),
    ("HasPrecondition", SUBMISSION, "/schemas/HasPrecondition"),
    ("Timestamp", SUBMISSION, "/schemas/Timestamp"),
    ("ServiceId", SUBMISSION, "/schemas/ServiceId"),
    ("Problem", SUBMISSION, "/schemas/ProblemJson"),
    // The app API.
    (
        "PaginatedPublicMessagesCollection",
        APP,
        "/schemas/PaginatedPublicMessagesCollection",
    ),
    ("PublicMessage", APP, "/schemas/PublicMessage"),
    (
        "CreatedMessageWithContentAndAttachments",
        APP,
        "/schemas/CreatedMessageWithContentAndAttachments",
    ),
    // The `content` of a message the app reads.
    (
        "MessageContent",
        APP,
        "/schemas/MessageContentWithAttachments",
    ),
    ("MessageContent", APP, "/schemas/NewMessageContent"),
    ("MessageSubject", APP, "/schemas/MessageSubject"),
    ("MessageBodyMarkdown", APP, "/schemas/MessageBodyMarkdown"),
    ("ThirdPartyData", APP, "/schemas/ThirdPartyData"),
    ("MessageStatusChange", APP, "/schemas/MessageStatusChange"),
    (
        "ThirdPartyMessageWithContent",
        APP,
        "/schemas/ThirdPartyMessageWithContent",
    ),
    ("ThirdPartyMessage", APP, "/schemas/ThirdPartyMessage"),
    ("ThirdPartyAttachment", APP, "/schemas/ThirdPartyAttachment"),
    (
        "ThirdPartyMessagePrecondition",
        APP,
        "/schemas/ThirdPartyMessagePrecondition",
    ),
    (
        "MessageStatusReadingChange",
        APP,
        "/schemas/MessageStatusReadingChange",
    ),
    (
        "MessageStatusArchivingChange",
        APP,
        "/schemas/MessageStatusArchivingChange",
    ),
    (
        "MessageStatusBulkChange",
        APP,
        "/schemas/MessageStatusBulkChange",
    ),
    (
        "MessageStatusAttributes",
        APP,
        "/schemas/MessageStatusAttributes",
    ),
    ("TimeToLiveSeconds", APP, "/schemas/TimeToLiveSeconds"),
    ("HasPrecondition", APP, "/schemas/HasPrecondition"),
    ("FiscalCode", APP, "/schemas/FiscalCode"),
    ("Ulid", APP, "/schemas/Ulid"),
    ("Ulid", APP, "/parameters/MessageId/schema"),
    ("Timestamp", APP, "/schemas/Timestamp"),
    ("ServiceId", APP, "/schemas/ServiceId"),
    ("Problem", APP, "/schemas/ProblemJson"),
];

/// What an exception allows.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Allow {
    /// The reference property is not part of our schema.
    NotImplemented,
    /// The reference requires the property; we do not.
    NotRequired,
    /// We constrain the property more than the reference, with these keywords.
    Stricter(&'static [&'static str]),
    /// The property's constraints are not compared (its shape differs on purpose).
    Unchecked,
}

/// A deliberate difference from a reference: in our `schema` (for every reference it is paired
/// with), the `properties` (`""` is the schema itself, `name[]` the items of an array).
struct Exception {
    schema: &'static str,
    properties: &'static [&'static str],
    allow: Allow,
    reason: &'static str,
}

const ULID: &[&str] = &["minLength", "maxLength", "pattern"];

const EXCEPTIONS: &[Exception] = &[
    // Remote-content configurations.
    Exception {
        schema: "NewRCConfigurationPublic",
        properties: &["disable_lollipop_for"],
        allow: Allow::NotRequired,
        reason: "the gateway accepts a configuration without it (serde default: no exemption); it \
                 is always present in answers (RCConfigurationPublic requires it)",
    },
    Exception {
        schema: "RCAuthenticationConfig",
        properties: &["header_key_name", "key"],
        allow: Allow::NotRequired,
        reason: "SPEC §2: besides IO's API_KEY {type, header_key_name, key}, details_authentication \
                 may be INTEROP_VOUCHER {type, purpose_id}, which has neither (oneOf on `type`)",
    },
    Exception {
        schema: "RCAuthenticationConfig",
        properties: &["type"],
        allow: Allow::Stricter(&["enum"]),
        reason: "IO's `type` is a free string (its examples even say \"API-KEY\"); the valid values \
                 are API_KEY (specs/README) and our INTEROP_VOUCHER",
    },
    Exception {
        schema: "RCAuthenticationConfig",
        properties: &["header_key_name"],
        allow: Allow::Stricter(&["pattern"]),
        reason: "it must be a valid HTTP header name (and not one the gateway sets itself)",
    },
    Exception {
        schema: "NewRCConfigurationPublic",
        properties: &["name", "description"],
        allow: Allow::Stricter(&["maxLength"]),
        reason: "bounded (200 / 1000 characters) so a configuration stays a small record",
    },
    Exception {
        schema: "RCConfigurationPublic",
        properties: &["name", "description"],
        allow: Allow::Stricter(&["maxLength"]),
        reason: "as in NewRCConfigurationPublic",
    },
    // Message submission.
    Exception {
        schema: "ThirdPartyData",
        properties: &["original_sender", "summary"],
        allow: Allow::Stricter(&["maxLength"]),
        reason: "bounded (200 / 1000 characters); IO sets no maximum",
    },
    Exception {
        schema: "MessageContent",
        properties: &["prescription_data", "legal_data"],
        allow: Allow::NotImplemented,
        reason: "IO's own message kinds (medical prescription, PEC), outside Recapito; a \
                 submission carrying them is accepted and they are dropped",
    },
    Exception {
        schema: "MessageContent",
        properties: &["attachments"],
        allow: Allow::NotImplemented,
        reason: "IO's legacy inline attachments (base64 `content`); Recapito's attachments are the \
                 entity's PDFs, listed by the third-party message",
    },
    Exception {
        schema: "CreatedMessage",
        properties: &["id"],
        allow: Allow::Stricter(ULID),
        reason: "message ids are ULIDs",
    },
    // The app API.
    Exception {
        schema: "PaginatedPublicMessagesCollection",
        properties: &["prev", "next"],
        allow: Allow::Stricter(ULID),
        reason: "they are message ids (ULIDs), to pass back as maximum_id / minimum_id",
    },
    Exception {
        schema: "PublicMessage",
        properties: &["id"],
        allow: Allow::Stricter(ULID),
        reason: "message ids are ULIDs",
    },
    Exception {
        schema: "PublicMessage",
        properties: &["category"],
        allow: Allow::NotImplemented,
        reason: "IO derives it from payment data, PN and its service registry; the gateway has none",
    },
    Exception {
        schema: "PublicMessage",
        properties: &["organization_fiscal_code"],
        allow: Allow::Unchecked,
        reason: "the gateway has no service registry: the organization's fiscal code is unknown and \
                 sent as the empty string (documented as such)",
    },
    Exception {
        schema: "CreatedMessageWithContentAndAttachments",
        properties: &["id"],
        allow: Allow::Stricter(ULID),
        reason: "message ids are ULIDs",
    },
    Exception {
        schema: "CreatedMessageWithContentAndAttachments",
        properties: &[
            "service_name",
            "organization_name",
            "organization_fiscal_code",
            "message_title",
            "category",
            "has_attachments",
            "has_precondition",
        ],
        allow: Allow::NotImplemented,
        reason: "IO's answer is a oneOf of CreatedMessageWithContent and its enriched variant; the \
                 gateway answers the plain one (plus is_read / is_archived)",
    },
    Exception {
        schema: "ThirdPartyMessageWithContent",
        properties: &["id"],
        allow: Allow::Stricter(ULID),
        reason: "message ids are ULIDs",
    },
    Exception {
        schema: "ThirdPartyMessagePrecondition",
        properties: &["title", "markdown"],
        allow: Allow::Stricter(&["minLength"]),
        reason: "SPEC §2: the entity's precondition is checked; a blank title or markdown is \
                 PRECONDITION_VALIDATION_ERROR",
    },
    Exception {
        schema: "ThirdPartyAttachment",
        properties: &["content_type"],
        allow: Allow::Stricter(&["enum"]),
        reason: "SPEC §2: attachments are PDFs, content_type application/pdf",
    },
    Exception {
        schema: "ThirdPartyAttachment",
        properties: &["name"],
        allow: Allow::Stricter(&["minLength", "pattern"]),
        reason: "SPEC §2: a file name ending in .pdf (no slash or backslash)",
    },
    Exception {
        schema: "ThirdPartyAttachment",
        properties: &["category"],
        allow: Allow::Stricter(&["pattern"]),
        reason: "SPEC §2: category matches [A-Z0-9_]+ (README: at most 30, IO's misspelt maxLenght)",
    },
    // Problems.
    Exception {
        schema: "Problem",
        properties: &["instance"],
        allow: Allow::NotImplemented,
        reason: "no per-occurrence URI; `type` and the stable `code` identify the problem",
    },
];

/// Custom formats of the references (io-ts types of `@pagopa/ts-commons`), as the constraints
/// they stand for: (format, reference, pointer to a schema with those constraints).
const FORMATS: &[(&str, &str, &str)] = &[
    ("FiscalCode", SUBMISSION, "/parameters/FiscalCode/schema"),
    ("Ulid", APP, "/parameters/MessageId/schema"),
];

/// ts-commons' `OrganizationFiscalCode` is `PatternString("^[0-9]{11}$")`; no reference spells it.
const ORGANIZATION_FISCAL_CODE: &str = "^[0-9]{11}$";

/// Operations reachable without credentials.
const PUBLIC: &[(&str, &str)] = &[
    ("/healthz", "get"),
    ("/readyz", "get"),
    ("/metrics", "get"),
    ("/openapi.json", "get"),
];

// ------------------------------------------------------------------------------------------------
// Reading.

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &str) -> String {
    let p = workspace().join(path);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The served document.
fn document() -> Value {
    serde_json::from_str(gateway::api::ops::openapi_json()).expect("the document is JSON")
}

fn reference(name: &str) -> Value {
    serde_json::from_str(&read(&format!("fixtures/reference/{name}.json")))
        .unwrap_or_else(|e| panic!("fixtures/reference/{name}.json: {e}"))
}

fn references() -> BTreeMap<&'static str, Value> {
    [RC, SUBMISSION, APP]
        .into_iter()
        .map(|n| (n, reference(n)))
        .collect()
}

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The name of the schema a `$ref` points to.
fn schema_name(v: &Value) -> Option<&str> {
    v.get("$ref")?.as_str()?.rsplit('/').next()
}

// ------------------------------------------------------------------------------------------------
// (a) The document and what is served.

#[test]
fn document_is_openapi_3_1_and_is_the_served_one() {
    let doc = document();
    assert_eq!(
        serde_json::to_value(gateway::api::openapi::openapi()).unwrap(),
        doc,
        "the served document (gateway::api::ops::openapi_json) is the generated one"
    );
    let version = doc["openapi"].as_str().unwrap_or_default();
    let minor = version
        .strip_prefix("3.1.")
        .unwrap_or_else(|| panic!("openapi is {version:?}, expected 3.1.x"));
    assert!(
        !minor.is_empty() && minor.bytes().all(|b| b.is_ascii_digit()),
        "openapi is {version:?}"
    );
    assert_eq!(doc["info"]["title"], "Recapito gateway");
    assert!(doc["info"]["version"].is_string());
}

// ------------------------------------------------------------------------------------------------
// (b) The document hangs together.

#[test]
fn document_hangs_together() {
    let doc = document();
    let mut failures = Vec::new();
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    for r in &refs {
        let ok = r
            .strip_prefix('#')
            .is_some_and(|p| doc.pointer(p).is_some());
        if !ok {
            failures.push(format!("dangling $ref {r}"));
        }
    }
    // Discriminator mappings are references too.
    for (name, s) in doc["components"]["schemas"].as_object().unwrap() {
        for (value, target) in s["discriminator"]["mapping"]
            .as_object()
            .into_iter()
            .flatten()
        {
            let target = target.as_str().unwrap_or_default();
            let pointer = target.strip_prefix('#').unwrap_or(target);
            match doc.pointer(pointer) {
                None => failures.push(format!("{name}: discriminator {value} → {target}")),
                Some(t) => {
                    let prop = s["discriminator"]["propertyName"].as_str().unwrap();
                    let e = &resolve(&doc, t)["properties"][prop]["enum"];
                    if e != &Value::Array(vec![Value::String(value.clone())]) {
                        failures.push(format!(
                            "{name}: discriminator {value} → {target}, whose {prop} is {e}"
                        ));
                    }
                }
            }
        }
    }
    let mut ids = BTreeSet::new();
    for (path, method, op) in operations(&doc) {
        let what = format!("{} {path}", method.to_uppercase());
        let id = op["operationId"].as_str().unwrap_or_default().to_owned();
        if id.is_empty() || !ids.insert(id.clone()) {
            failures.push(format!("{what}: operationId {id:?} missing or repeated"));
        }
        let params = parameters(&doc, &path, &op);
        for name in template_names(&path) {
            let declared = params
                .iter()
                .any(|p| p["in"] == "path" && p["name"] == name.as_str() && p["required"] == true);
            if !declared {
                failures.push(format!(
                    "{what}: path parameter {name} not declared (required)"
                ));
            }
        }
        for p in params.iter().filter(|p| p["in"] == "path") {
            let name = p["name"].as_str().unwrap_or_default();
            if !template_names(&path).iter().any(|n| n == name) {
                failures.push(format!("{what}: path parameter {name} is not in the path"));
            }
        }
        let responses = op["responses"].as_object().cloned().unwrap_or_default();
        if !responses.keys().any(|s| s.starts_with('2')) {
            failures.push(format!("{what}: no success answer"));
        }
        // Security by API.
        let security = op["security"].clone();
        let public = PUBLIC.contains(&(path.as_str(), method.as_str()));
        let expected = if public {
            serde_json::json!([])
        } else if path.starts_with("/api/v1/") {
            serde_json::json!([{"interopVoucher": []}])
        } else if path.starts_with("/api/communication/v1/") {
            serde_json::json!([{"appApiKey": []}])
        } else {
            failures.push(format!("{what}: neither public nor under an API prefix"));
            continue;
        };
        if security != expected {
            failures.push(format!("{what}: security {security}, expected {expected}"));
        }
        if path.starts_with("/api/communication/v1/") {
            let fc = params
                .iter()
                .find(|p| p["in"] == "header" && p["name"] == "fiscal_code");
            match fc {
                Some(p) if p["required"] == true => {
                    let s = resolve(&doc, &p["schema"]);
                    if s != resolve(
                        &doc,
                        &serde_json::json!({"$ref": "#/components/schemas/FiscalCode"}),
                    ) {
                        failures.push(format!(
                            "{what}: the fiscal_code header is not a FiscalCode"
                        ));
                    }
                }
                _ => failures.push(format!("{what}: no required fiscal_code header")),
            }
        }
        // Error answers: Problems, with codes of their status.
        for (status, r) in &responses {
            let r = resolve(&doc, r);
            let n: u16 = status.parse().unwrap_or(0);
            let problem = &r["content"]["application/problem+json"]["schema"];
            if n >= 400 && !public {
                if schema_name(problem) != Some("Problem") {
                    failures.push(format!(
                        "{what} → {status}: not an application/problem+json Problem"
                    ));
                }
                let codes = strings(&r["x-problem-codes"]);
                if codes.is_empty() {
                    failures.push(format!("{what} → {status}: no x-problem-codes"));
                }
                for c in codes {
                    match gateway::domain::Code::ALL.iter().find(|k| k.as_str() == c) {
                        None => failures.push(format!("{what} → {status}: unknown code {c}")),
                        Some(k) if k.status() != n => failures.push(format!(
                            "{what} → {status}: {c} is answered with {}",
                            k.status()
                        )),
                        Some(_) => {}
                    }
                }
            }
        }
        if op["requestBody"].is_object() {
            let s = &op["requestBody"]["content"]["application/json"]["schema"];
            if schema_name(s).is_none() || op["requestBody"]["required"] != true {
                failures.push(format!(
                    "{what}: the request body is not a required named JSON schema"
                ));
            }
        }
    }
    // Every schema is used.
    let used: BTreeSet<&str> = refs
        .iter()
        .filter_map(|r| r.strip_prefix("#/components/schemas/"))
        .collect();
    for name in doc["components"]["schemas"].as_object().unwrap().keys() {
        if !used.contains(name.as_str()) {
            failures.push(format!("schema {name} is never used"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

// ------------------------------------------------------------------------------------------------
// (c) The code's routes are the documented operations.

/// The routers document every route they serve by construction (`OpenApiRouter::routes` with
/// `routes!`); `OpenApiRouter::route` and axum's `Router::route` would serve a route the document
/// does not have, so the API modules do not use them.
#[test]
fn routes_are_added_only_with_their_documentation() {
    let dir = workspace().join("gateway/src/api");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect();
    files.sort();
    for expected in [
        "configurations.rs",
        "messages.rs",
        "communication.rs",
        "third_party.rs",
        "test_users.rs",
        "probe.rs",
        "ops.rs",
    ] {
        assert!(
            files.iter().any(|p| p.ends_with(expected)),
            "gateway/src/api/{expected} is gone: update this test"
        );
    }
    let mut failures = Vec::new();
    for p in &files {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let src = std::fs::read_to_string(p).unwrap();
        for undocumented in [".route(", ".route_service(", ".nest_service("] {
            if src.contains(undocumented) {
                failures.push(format!(
                    "{name}: {undocumented}...) serves an undocumented route"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    // What the routers declare is what the document has (24 operations today).
    let documented = operations(&document());
    assert!(
        documented.len() >= 24,
        "only {} operations",
        documented.len()
    );
}

/// The sender's listing: its filters (each optional, typed and bounded), its page and its
/// refusals are in the document.
#[test]
fn sent_messages_are_documented_with_their_filters_and_answers() {
    let doc = document();
    let op = &doc["paths"]["/api/v1/messages"]["get"];
    assert_eq!(op["operationId"], "getSentMessages");
    let params: BTreeMap<&str, &Value> = parameters(&doc, "/api/v1/messages", op)
        .into_iter()
        .map(|p| (p["name"].as_str().unwrap(), p))
        .collect();
    assert_eq!(
        params.keys().copied().collect::<Vec<_>>(),
        ["configuration", "cursor", "from", "limit", "to"]
    );
    for (name, p) in &params {
        assert_eq!(p["in"], "query", "{name}");
        assert_ne!(p["required"], true, "{name}");
    }
    let limit = resolve(&doc, &params["limit"]["schema"]);
    assert_eq!(
        (limit["minimum"].clone(), limit["maximum"].clone()),
        (json!(1), json!(100))
    );
    assert_eq!(limit["default"], 20);
    let answers = &op["responses"];
    let page = resolve(
        &doc,
        &answers["200"]["content"]["application/json"]["schema"],
    );
    assert_eq!(page["required"], json!(["items"]));
    let item = resolve(&doc, &page["properties"]["items"]["items"]);
    for member in [
        "id",
        "fiscal_code",
        "subject",
        "created_at",
        "configuration_id",
        "is_read",
        "is_archived",
    ] {
        assert!(item["properties"].get(member).is_some(), "{member}: {item}");
    }
    assert_eq!(answers["400"]["x-problem-codes"], json!(["INVALID_QUERY"]));
    assert!(
        answers["401"]["x-problem-codes"]
            .as_array()
            .unwrap()
            .contains(&json!("VOUCHER_MISSING"))
    );
    assert_eq!(op["security"], json!([{"interopVoucher": []}]));
}

/// The probe API: its request, its report, its refusals (the budget's with `Retry-After`).
#[test]
fn the_probe_api_is_documented_with_its_report_and_refusals() {
    let doc = document();
    let path = "/api/v1/remote-contents/configurations/{configurationId}/probe";
    let op = &doc["paths"][path]["post"];
    assert_eq!(op["operationId"], "probeRCConfiguration");
    assert_eq!(op["security"], json!([{"interopVoucher": []}]));
    let request = resolve(
        &doc,
        &op["requestBody"]["content"]["application/json"]["schema"],
    );
    for member in [
        "fiscal_code",
        "message_id",
        "environment",
        "has_precondition",
        "has_remote_content",
        "has_attachments",
        "lollipop",
    ] {
        assert!(
            request["properties"].get(member).is_some(),
            "{member}: {request}"
        );
    }
    let answers = &op["responses"];
    let report = resolve(
        &doc,
        &answers["200"]["content"]["application/json"]["schema"],
    );
    for member in [
        "schema", "base_url", "checks", "summary", "limits", "declared",
    ] {
        assert!(
            report["properties"].get(member).is_some(),
            "{member}: {report}"
        );
    }
    let codes = |status: &str| answers[status]["x-problem-codes"].clone();
    assert_eq!(codes("429"), json!(["PROBE_LIMITED"]));
    assert!(
        answers["429"]["headers"].get("Retry-After").is_some(),
        "{}",
        answers["429"]
    );
    assert_eq!(
        codes("403"),
        json!(["NOT_YOUR_CONFIGURATION", "NOT_A_TEST_USER"])
    );
    assert_eq!(codes("404"), json!(["CONFIGURATION_NOT_FOUND"]));
    assert!(
        codes("503")
            .as_array()
            .unwrap()
            .contains(&json!("PROBE_UNAVAILABLE"))
    );
}

// ------------------------------------------------------------------------------------------------
// (d) Error codes.

#[test]
fn problem_code_enum_is_the_code_table() {
    let doc = document();
    let code = &doc["components"]["schemas"]["Problem"]["properties"]["code"];
    let documented: Vec<&str> = code["enum"]
        .as_array()
        .expect("Problem.code has an enum")
        .iter()
        .map(|v| v.as_str().expect("string codes"))
        .collect();
    let all: Vec<&str> = gateway::domain::Code::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    let missing: Vec<_> = all.iter().filter(|c| !documented.contains(c)).collect();
    let stale: Vec<_> = documented.iter().filter(|c| !all.contains(c)).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "Problem.code enum: missing {missing:?}, not in Code::ALL {stale:?}"
    );
    assert_eq!(documented.len(), all.len(), "a code is listed twice");
    let table = code["description"].as_str().unwrap_or_default();
    for c in gateway::domain::Code::ALL {
        let row = format!("| `{}` | {} | {} |", c.as_str(), c.status(), c.describe());
        assert!(
            table.lines().any(|l| l == row),
            "Problem.code's table lacks the row {row}"
        );
    }
    assert_eq!(
        doc["components"]["schemas"]["Problem"]["required"],
        serde_json::json!(["type", "title", "status", "code", "detail"])
    );
}

// ------------------------------------------------------------------------------------------------
// (e) The reference paths.

fn served_path(base: &str, path: &str) -> String {
    if path == "/" {
        base.to_owned()
    } else {
        format!("{base}{path}")
    }
}

/// Our schema for a reference schema name, from [`PAIRS`].
fn paired(reference: &str, name: &str) -> Vec<&'static str> {
    let pointer = format!("/schemas/{name}");
    PAIRS
        .iter()
        .filter(|(_, r, p)| *r == reference && *p == pointer)
        .map(|(o, _, _)| *o)
        .collect()
}

#[test]
fn reference_paths_are_served_with_their_methods() {
    let doc = document();
    let refs = references();
    let mut failures = Vec::new();
    let mut not_served_seen = BTreeSet::new();
    let mut params_seen = BTreeSet::new();
    let mut answers_seen = BTreeSet::new();
    let mut served = 0;
    for (name, base) in SERVED {
        let r = &refs[name];
        for (path, item) in r["operations"].as_object().unwrap() {
            let ours = served_path(base, path);
            for (method, rop) in item.as_object().unwrap() {
                let what = format!("{name} {} {path} (ours: {ours})", method.to_uppercase());
                let op = &doc["paths"][&ours][method];
                if let Some(n) = NOT_SERVED
                    .iter()
                    .position(|(f, p, m, _)| f == name && p == path && m == method)
                {
                    not_served_seen.insert(n);
                    if !op.is_null() {
                        failures.push(format!("{what}: served, remove it from NOT_SERVED"));
                    }
                    continue;
                }
                if !op.is_object() {
                    failures.push(format!("{what}: not in the document"));
                    continue;
                }
                served += 1;
                if op["operationId"] != rop["operationId"] {
                    failures.push(format!(
                        "{what}: operationId {} (the reference's is {})",
                        op["operationId"], rop["operationId"]
                    ));
                }
                // Parameters.
                let ours_params = parameters(&doc, &ours, op);
                for rp in rop["parameters"].as_array().unwrap() {
                    let pname = rp["name"].as_str().unwrap();
                    let pin = rp["in"].as_str().unwrap();
                    if let Some(n) = PARAMETERS_NOT_TAKEN.iter().position(|(f, p, m, q, _)| {
                        f == name && p == path && m == method && *q == pname
                    }) {
                        params_seen.insert(n);
                        if ours_params.iter().any(|p| p["name"] == pname) {
                            failures.push(format!(
                                "{what}: takes {pname}: remove it from PARAMETERS_NOT_TAKEN"
                            ));
                        }
                        continue;
                    }
                    let same = |p: &&&Value| {
                        p["in"] == pin
                            && p["name"].as_str().is_some_and(|n| {
                                if pin == "header" {
                                    n.eq_ignore_ascii_case(pname)
                                } else {
                                    n == pname
                                }
                            })
                    };
                    let Some(p) = ours_params.iter().find(same) else {
                        failures.push(format!("{what}: no {pin} parameter {pname}"));
                        continue;
                    };
                    if rp["required"] == true && p["required"] != true {
                        failures.push(format!("{what}: {pname} is required in the reference"));
                    }
                    let theirs = Constraints::of(r, &refs, &[rp["schema"].clone()]);
                    let mine = Constraints::of(&doc, &refs, &[p["schema"].clone()]);
                    for f in compare(&theirs, &mine) {
                        failures.push(format!("{what}: parameter {}", f.at(pname)));
                    }
                }
                // Request body.
                if let Some(body) = rop["requestBody"].as_str() {
                    let s = &op["requestBody"]["content"]["application/json"]["schema"];
                    let mine = schema_name(s).unwrap_or("(none)");
                    if !paired(name, body).contains(&mine) {
                        failures.push(format!(
                            "{what}: the body is {mine}, not paired with {body}"
                        ));
                    }
                }
                // Success answers.
                for (status, rr) in rop["responses"].as_object().unwrap() {
                    if !status.starts_with('2') {
                        continue;
                    }
                    if let Some(n) = ANSWERS_NOT_GIVEN.iter().position(|(f, p, m, s, _)| {
                        f == name && p == path && m == method && s == status
                    }) {
                        answers_seen.insert(n);
                        if op["responses"].get(status).is_some() {
                            failures.push(format!(
                                "{what}: answers {status}: remove it from ANSWERS_NOT_GIVEN"
                            ));
                        }
                        continue;
                    }
                    let Some(resp) = op["responses"].get(status).map(|x| resolve(&doc, x)) else {
                        failures.push(format!("{what}: no {status} answer"));
                        continue;
                    };
                    if let Some(rs) = rr["schema"].as_str().filter(|s| *s != "inline") {
                        let s = &resp["content"]["application/json"]["schema"];
                        let mine = schema_name(s).unwrap_or("(none)");
                        if !paired(name, rs).contains(&mine) {
                            failures
                                .push(format!("{what} → {status}: {mine}, not paired with {rs}"));
                        }
                    }
                    for h in strings(&rr["headers"]) {
                        if resp["headers"].get(&h).is_none() {
                            failures.push(format!("{what} → {status}: no {h} header"));
                        }
                    }
                }
            }
        }
    }
    for (n, (f, p, m, _)) in NOT_SERVED.iter().enumerate() {
        if !not_served_seen.contains(&n) {
            failures.push(format!(
                "NOT_SERVED lists {f} {m} {p}, which the reference does not have"
            ));
        }
    }
    for (n, (f, p, m, q, _)) in PARAMETERS_NOT_TAKEN.iter().enumerate() {
        if !params_seen.contains(&n) {
            failures.push(format!(
                "PARAMETERS_NOT_TAKEN lists {f} {m} {p} {q}, which is not needed"
            ));
        }
    }
    for (n, (f, p, m, st, _)) in ANSWERS_NOT_GIVEN.iter().enumerate() {
        if !answers_seen.contains(&n) {
            failures.push(format!(
                "ANSWERS_NOT_GIVEN lists {f} {m} {p} {st}, which is not needed"
            ));
        }
    }
    assert!(served >= 11, "only {served} reference operations served");
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

// ------------------------------------------------------------------------------------------------
// (f) The schemas.

/// A schema's properties (each with every variant that declares it) and required list, through
/// `allOf` (IO's `x-one-of: true` allOf means oneOf), `oneOf` and `anyOf`.
#[derive(Default, Debug)]
struct Flat {
    props: BTreeMap<String, Vec<Value>>,
    required: BTreeSet<String>,
}

impl Flat {
    fn of(root: &Value, schema: &Value) -> Flat {
        let s = resolve(root, schema);
        let mut f = Flat::default();
        for (k, v) in s["properties"].as_object().into_iter().flatten() {
            f.props.entry(k.clone()).or_default().push(v.clone());
        }
        f.required.extend(strings(&s["required"]));
        let one_of_style = s["x-one-of"] == true;
        if let Some(all) = s["allOf"].as_array() {
            let parts: Vec<Flat> = all.iter().map(|x| Flat::of(root, x)).collect();
            if one_of_style {
                f.alternatives(parts);
            } else {
                for p in parts {
                    for (k, v) in p.props {
                        // allOf: every part applies; the first declaration stands for the rest.
                        f.props.entry(k).or_insert(v);
                    }
                    f.required.extend(p.required);
                }
            }
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(alts) = s[key].as_array() {
                let parts = alts.iter().map(|x| Flat::of(root, x)).collect();
                f.alternatives(parts);
            }
        }
        f
    }

    /// One of `parts`: any of their properties, the properties all of them require.
    fn alternatives(&mut self, parts: Vec<Flat>) {
        let mut common: Option<BTreeSet<String>> = None;
        for p in parts {
            common = Some(match common {
                None => p.required.clone(),
                Some(c) => c.intersection(&p.required).cloned().collect(),
            });
            for (k, v) in p.props {
                self.props.entry(k).or_default().extend(v);
            }
        }
        self.required.extend(common.unwrap_or_default());
    }
}

const KEYWORDS: &[&str] = &[
    "type",
    "enum",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
];

/// The compared constraints of a schema ("" ) and of its array items ("[]", "[][]", …).
#[derive(Debug, Default)]
struct Constraints(BTreeMap<String, BTreeMap<String, Value>>);

impl Constraints {
    /// The constraints `variants` (alternatives) allow together.
    fn of(root: &Value, refs: &BTreeMap<&str, Value>, variants: &[Value]) -> Constraints {
        let mut per: Vec<BTreeMap<String, BTreeMap<String, Value>>> = Vec::new();
        for v in variants {
            let mut m = BTreeMap::new();
            one(root, refs, v, "", &mut m);
            per.push(m);
        }
        let mut out = BTreeMap::new();
        let paths: BTreeSet<String> = per.iter().flat_map(|m| m.keys().cloned()).collect();
        for path in paths {
            let mut merged = BTreeMap::new();
            for k in KEYWORDS {
                let values: Vec<Option<&Value>> = per
                    .iter()
                    .map(|m| m.get(&path).and_then(|c| c.get(*k)))
                    .collect();
                if values.iter().any(Option::is_none) {
                    continue; // one variant leaves it free
                }
                let values: Vec<&Value> = values.into_iter().flatten().collect();
                let v = match *k {
                    "enum" => {
                        let mut all: Vec<Value> = values
                            .iter()
                            .flat_map(|v| v.as_array().cloned().unwrap_or_default())
                            .collect();
                        all.sort_by_key(Value::to_string);
                        all.dedup();
                        Some(Value::Array(all))
                    }
                    "minLength" | "minimum" | "exclusiveMinimum" => values
                        .iter()
                        .min_by(|a, b| num(a).total_cmp(&num(b)))
                        .map(|v| (*v).clone()),
                    "maxLength" | "maximum" | "exclusiveMaximum" => values
                        .iter()
                        .max_by(|a, b| num(a).total_cmp(&num(b)))
                        .map(|v| (*v).clone()),
                    _ => values
                        .iter()
                        .all(|v| *v == values[0])
                        .then(|| values[0].clone()),
                };
                if let Some(v) = v {
                    merged.insert(k.to_string(), v);
                }
            }
            out.insert(path, merged);
        }
        Constraints(out)
    }
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

/// The constraints of one schema (and its items), normalized: `x-extensible-enum` is an enum,
/// Swagger 2.0's boolean `exclusiveMaximum` is OpenAPI 3.1's number, custom formats are the
/// constraints they stand for.
fn one(
    root: &Value,
    refs: &BTreeMap<&str, Value>,
    schema: &Value,
    path: &str,
    out: &mut BTreeMap<String, BTreeMap<String, Value>>,
) {
    let s = resolve(root, schema);
    let mut c = BTreeMap::new();
    for k in KEYWORDS {
        if let Some(v) = s.get(*k) {
            c.insert(k.to_string(), v.clone());
        }
    }
    if let Some(e) = s.get("x-extensible-enum").or_else(|| s.get("const")) {
        let e = if e.is_array() {
            e.clone()
        } else {
            Value::Array(vec![e.clone()])
        };
        c.insert("enum".into(), e);
    }
    if let Some(Value::Array(e)) = c.get_mut("enum") {
        e.sort_by_key(Value::to_string);
    }
    for (bound, limit) in [
        ("exclusiveMaximum", "maximum"),
        ("exclusiveMinimum", "minimum"),
    ] {
        if c.get(bound) == Some(&Value::Bool(true)) {
            let v = c
                .remove(limit)
                .expect("a boolean exclusive bound has its limit");
            c.insert(bound.into(), v);
        } else if c.get(bound) == Some(&Value::Bool(false)) {
            c.remove(bound);
        }
    }
    match s["format"].as_str() {
        Some("OrganizationFiscalCode") => {
            c.entry("pattern".into())
                .or_insert_with(|| ORGANIZATION_FISCAL_CODE.into());
        }
        Some(f) => {
            if let Some((_, r, p)) = FORMATS.iter().find(|(name, _, _)| *name == f) {
                let stands_for = refs[r].pointer(p).expect("FORMATS pointer");
                for k in ["pattern", "minLength", "maxLength"] {
                    if let Some(v) = stands_for.get(k) {
                        c.entry(k.into()).or_insert_with(|| v.clone());
                    }
                }
            }
        }
        None => {}
    }
    out.insert(path.to_owned(), c);
    if s["type"] == "array" && s.get("items").is_some() {
        one(root, refs, &s["items"], &format!("{path}[]"), out);
    }
}

/// A difference between a reference's constraints and ours.
#[derive(Debug, PartialEq)]
struct Finding {
    path: String,
    keyword: String,
    stricter: bool,
    text: String,
}

impl Finding {
    /// The finding, at `prefix` (a property name, or nothing).
    fn at(&self, prefix: &str) -> String {
        let place = format!("{prefix}{}", self.path);
        if place.is_empty() {
            self.text.clone()
        } else {
            format!("{place}: {}", self.text)
        }
    }
}

fn compare(theirs: &Constraints, ours: &Constraints) -> Vec<Finding> {
    let mut out = Vec::new();
    for (path, t) in &theirs.0 {
        let Some(o) = ours.0.get(path) else {
            if !t.is_empty() {
                out.push(Finding {
                    path: path.clone(),
                    keyword: "items".into(),
                    stricter: false,
                    text: "is not an array in our schema".into(),
                });
            }
            continue;
        };
        let finding = |k: &str, stricter: bool, text: String| Finding {
            path: path.clone(),
            keyword: k.into(),
            stricter,
            text,
        };
        let our_enum: Option<Vec<Value>> = o.get("enum").and_then(|v| v.as_array().cloned());
        for k in KEYWORDS {
            let (tv, ov) = (t.get(*k), o.get(*k));
            match (*k, tv, ov) {
                (_, None, None) => {}
                ("type", Some(a), Some(b)) if a != b => out.push(finding(
                    k,
                    false,
                    format!("type {b}, the reference's is {a}"),
                )),
                ("type", _, _) => {}
                (_, Some(a), Some(b)) if a == b => {}
                (_, None, Some(b)) => out.push(finding(k, true, format!("adds {k} {b}"))),
                ("enum", Some(a), Some(b)) => {
                    let a = a.as_array().unwrap();
                    let extra: Vec<_> = b
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter(|x| !a.contains(x))
                        .collect();
                    if extra.is_empty() {
                        out.push(finding(
                            k,
                            true,
                            format!("enum {b} is narrower than {}", Value::Array(a.clone())),
                        ));
                    } else {
                        out.push(finding(
                            k,
                            false,
                            format!(
                                "enum has {extra:?}, which the reference's {} lacks",
                                Value::Array(a.clone())
                            ),
                        ));
                    }
                }
                ("minLength" | "maxLength", Some(a), None) => {
                    // An enum of strings that all satisfy the bound needs no length.
                    let n = a.as_u64().unwrap_or(0) as usize;
                    let satisfied = our_enum.as_ref().is_some_and(|e| {
                        e.iter().all(|x| {
                            let len = x.as_str().map_or(0, |s| s.chars().count());
                            if *k == "minLength" {
                                len >= n
                            } else {
                                len <= n
                            }
                        })
                    });
                    if !satisfied {
                        out.push(finding(k, false, format!("lacks the reference's {k} {a}")));
                    }
                }
                (_, Some(a), None) => {
                    out.push(finding(k, false, format!("lacks the reference's {k} {a}")))
                }
                ("minLength" | "minimum" | "exclusiveMinimum", Some(a), Some(b)) => {
                    let stricter = num(b) > num(a);
                    out.push(finding(
                        k,
                        stricter,
                        format!("{k} {b}, the reference's is {a}"),
                    ));
                }
                ("maxLength" | "maximum" | "exclusiveMaximum", Some(a), Some(b)) => {
                    let stricter = num(b) < num(a);
                    out.push(finding(
                        k,
                        stricter,
                        format!("{k} {b}, the reference's is {a}"),
                    ));
                }
                (_, Some(a), Some(b)) => out.push(finding(
                    k,
                    false,
                    format!("{k} {b}, the reference's is {a}"),
                )),
            }
        }
    }
    out
}

#[test]
fn implemented_schemas_match_the_references() {
    let doc = document();
    let refs = references();
    let mut failures = Vec::new();
    let mut used = vec![false; EXCEPTIONS.len()];
    let mut allowed = |schema: &str, prop: &str, want: &dyn Fn(Allow) -> bool| -> bool {
        let mut hit = false;
        for (n, e) in EXCEPTIONS.iter().enumerate() {
            if e.schema == schema && e.properties.contains(&prop) && want(e.allow) {
                used[n] = true;
                hit = true;
            }
        }
        hit
    };
    let schemas = &doc["components"]["schemas"];
    for (ours, rname, pointer) in PAIRS {
        let what = format!("{ours} ↔ {rname}{pointer}");
        let r = &refs[rname];
        let theirs_schema = r
            .pointer(pointer)
            .unwrap_or_else(|| panic!("{what}: not in the reference excerpt"));
        let Some(ours_schema) = schemas.get(*ours) else {
            failures.push(format!("{what}: no schema {ours} in the document"));
            continue;
        };
        let theirs = Flat::of(r, theirs_schema);
        let mine = Flat::of(&doc, ours_schema);
        // The schema itself (enums, bounds of scalar schemas).
        let t = Constraints::of(r, &refs, std::slice::from_ref(theirs_schema));
        let o = Constraints::of(&doc, &refs, std::slice::from_ref(ours_schema));
        for f in compare(&t, &o) {
            let ok = allowed(ours, "", &|a| a == Allow::Unchecked)
                || (f.stricter
                    && allowed(
                        ours,
                        "",
                        &|a| matches!(a, Allow::Stricter(ks) if ks.contains(&f.keyword.as_str())),
                    ));
            if !ok {
                failures.push(format!("{what}: {}", f.at("")));
            }
        }
        for (prop, variants) in &theirs.props {
            let Some(my_variants) = mine.props.get(prop) else {
                if !allowed(ours, prop, &|a| a == Allow::NotImplemented) {
                    failures.push(format!("{what}: lacks the property {prop}"));
                }
                continue;
            };
            if allowed(ours, prop, &|a| a == Allow::NotImplemented) {
                failures.push(format!("{what}: has {prop}, listed as not implemented"));
            }
            if theirs.required.contains(prop)
                && !mine.required.contains(prop)
                && !allowed(ours, prop, &|a| a == Allow::NotRequired)
            {
                failures.push(format!("{what}: {prop} is required in the reference"));
            }
            if allowed(ours, prop, &|a| a == Allow::Unchecked) {
                continue;
            }
            let t = Constraints::of(r, &refs, variants);
            let o = Constraints::of(&doc, &refs, my_variants);
            for f in compare(&t, &o) {
                let at = format!("{prop}{}", f.path);
                let ok = f.stricter
                    && allowed(
                        ours,
                        &at,
                        &|a| matches!(a, Allow::Stricter(ks) if ks.contains(&f.keyword.as_str())),
                    );
                if !ok {
                    failures.push(format!("{what}: {}", f.at(prop)));
                }
            }
        }
        for prop in &theirs.required {
            if !theirs.props.contains_key(prop) && !mine.required.contains(prop) {
                failures.push(format!("{what}: {prop} is required in the reference"));
            }
        }
    }
    for (n, e) in EXCEPTIONS.iter().enumerate() {
        if !used[n] {
            failures.push(format!(
                "EXCEPTIONS: {} {:?} {:?} is no longer needed: remove it",
                e.schema, e.properties, e.allow
            ));
        }
        assert!(!e.reason.is_empty());
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// The comparison itself catches what it should.
#[test]
fn the_comparison_catches_differences() {
    let refs = references();
    let root = serde_json::json!({});
    let c = |s: Value| Constraints::of(&root, &refs, &[s]);
    let t = c(serde_json::json!({"type": "string", "minLength": 10, "maxLength": 120}));
    assert!(
        compare(
            &t,
            &c(serde_json::json!({"type": "string", "minLength": 10, "maxLength": 120}))
        )
        .is_empty()
    );
    let looser = compare(
        &t,
        &c(serde_json::json!({"type": "string", "minLength": 1, "maxLength": 120})),
    );
    assert_eq!(looser.len(), 1);
    assert!(!looser[0].stricter);
    let stricter = compare(
        &t,
        &c(serde_json::json!({"type": "string", "minLength": 10, "maxLength": 100})),
    );
    assert!(stricter.len() == 1 && stricter[0].stricter);
    let missing = compare(&t, &c(serde_json::json!({"type": "string"})));
    assert_eq!(missing.len(), 2);
    let e =
        c(serde_json::json!({"type": "string", "x-extensible-enum": ["ALWAYS", "ONCE", "NEVER"]}));
    assert!(
        compare(
            &e,
            &c(serde_json::json!({"type": "string", "enum": ["NEVER", "ONCE", "ALWAYS"]}))
        )
        .is_empty()
    );
    assert!(
        !compare(
            &e,
            &c(serde_json::json!({"type": "string", "enum": ["ALWAYS", "ONCE", "NEVER", "NONE"]}))
        )[0]
        .stricter
    );
    // A custom format is the constraints it stands for.
    let f = c(serde_json::json!({"type": "string", "format": "FiscalCode"}));
    assert_eq!(f.0[""]["minLength"], 16);
    assert!(f.0[""]["pattern"].as_str().unwrap().starts_with("[A-Z]{6}"));
    // Swagger 2.0 exclusive bounds.
    let b = c(
        serde_json::json!({"type": "integer", "minimum": 100, "maximum": 600, "exclusiveMaximum": true}),
    );
    assert!(
        compare(
            &b,
            &c(serde_json::json!({"type": "integer", "minimum": 100, "exclusiveMaximum": 600}))
        )
        .is_empty()
    );
    // Alternatives: required is what they all require.
    let one_of = serde_json::json!({"oneOf": [
        {"properties": {"a": {}, "b": {}}, "required": ["a", "b"]},
        {"properties": {"a": {}}, "required": ["a"]}
    ]});
    let flat = Flat::of(&root, &one_of);
    assert_eq!(flat.required, BTreeSet::from(["a".to_owned()]));
    assert_eq!(flat.props.len(), 2);
}
