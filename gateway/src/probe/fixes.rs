//! What each finding means and what the entity should change: one table, for the terminal, the
//! JSON report and docs/probe.md. Every code the fetch path can produce has a row (tested by
//! reading the fetch path's sources), and so has every code of the probe's own.

use crate::domain::Code;

/// The probe's own codes, for what the gateway does not refuse but an entity should know.
pub mod own {
    /// The check passed.
    pub const OK: &str = "OK";
    /// The answer took more than half the gateway's timeout.
    pub const SLOW_ANSWER: &str = "PROBE_SLOW_ANSWER";
    /// The body is more than half the gateway's cap.
    pub const NEAR_SIZE_CAP: &str = "PROBE_NEAR_SIZE_CAP";
    /// The answer's `Content-Type` is not the contract's.
    pub const CONTENT_TYPE: &str = "PROBE_CONTENT_TYPE";
    /// Attachments came though `has_attachments` is not declared.
    pub const UNDECLARED_ATTACHMENTS: &str = "PROBE_UNDECLARED_ATTACHMENTS";
    /// Details came though `has_remote_content` is not declared.
    pub const UNDECLARED_DETAILS: &str = "PROBE_UNDECLARED_DETAILS";
    /// A 503's `Retry-After` is not delta-seconds (or absent): the app is told 10 s.
    pub const RETRY_AFTER_IGNORED: &str = "PROBE_RETRY_AFTER_IGNORED";
    /// The details list more attachments than one probe checks.
    pub const ATTACHMENTS_SKIPPED: &str = "PROBE_ATTACHMENTS_SKIPPED";

    pub const ALL: &[&str] = &[
        OK,
        SLOW_ANSWER,
        NEAR_SIZE_CAP,
        CONTENT_TYPE,
        UNDECLARED_ATTACHMENTS,
        UNDECLARED_DETAILS,
        RETRY_AFTER_IGNORED,
        ATTACHMENTS_SKIPPED,
    ];
}

/// (code, what it means, the fix). The gateway's codes mean what `Code::describe` says; the
/// meaning here is the probe's own codes'.
const OWN: &[(&str, &str, &str)] = &[
    (
        own::OK,
        "the gateway would accept this answer",
        "nothing to change",
    ),
    (
        own::SLOW_ANSWER,
        "the answer took more than half the gateway's timeout (`fetch.timeout_ms`)",
        "answer faster (cache, index, precompute the PDF): a busier day will cross the timeout and citizens will get ENTITY_TIMEOUT",
    ),
    (
        own::NEAR_SIZE_CAP,
        "the body is more than half the gateway's cap (`fetch.max_json_bytes` or `fetch.max_pdf_bytes`)",
        "make it smaller (compress images, split documents): a larger one is refused with ENTITY_RESPONSE_TOO_LARGE",
    ),
    (
        own::CONTENT_TYPE,
        "the answer's Content-Type is not the contract's (application/json for the details and the precondition, application/pdf for an attachment)",
        "send the right Content-Type: the gateway reads the body regardless, but proxies and IO's own backend may not",
    ),
    (
        own::UNDECLARED_ATTACHMENTS,
        "the entity sent attachments but the message does not declare `has_attachments`: the gateway drops them",
        "submit the message with `has_attachments: true` (and `feature_level_type: ADVANCED`), or stop listing attachments for it",
    ),
    (
        own::UNDECLARED_DETAILS,
        "the entity sent details but the message does not declare `has_remote_content`: the app shows the submitted subject and markdown instead",
        "submit the message with `has_remote_content: true`, or stop sending details for it",
    ),
    (
        own::RETRY_AFTER_IGNORED,
        "the 503 had no Retry-After in seconds (absent, or an HTTP date): the gateway tells the app to retry in 10 seconds",
        "send `Retry-After: <seconds>` with every 503",
    ),
    (
        own::ATTACHMENTS_SKIPPED,
        "the details list more attachments than one probe checks (20): the first were downloaded and validated, the others not",
        "check the others with `gateway check-pdf FILE` (citizens download each when they tap it), or probe a message with fewer attachments",
    ),
];

/// The fix for each of the gateway's codes the fetch path can produce.
fn gateway_fix(code: Code) -> Option<&'static str> {
    Some(match code {
        Code::CONFIGURATION_GONE => {
            "give an absolute http(s) base_url without credentials, query or fragment"
        }
        Code::NOT_A_TEST_USER => {
            "add the citizen to the test environment's `test_users`, or configure a production environment"
        }
        Code::NOT_YOUR_TEST_USER => {
            "add the fiscal code to the `test_users` of one of your configurations' test environment, or preview one that is"
        }
        Code::LOLLIPOP_HEADERS_MISSING | Code::LOLLIPOP_HEADERS_INVALID => {
            "nothing on the entity's side: the app's lollipop headers were refused by the gateway before the call"
        }
        Code::ENTITY_BAD_REQUEST => {
            "accept the gateway's request as IO sends it: `GET {base_url}/messages/{id}` with the `fiscal_code` header and the configured authentication"
        }
        Code::ENTITY_UNAUTHORIZED => {
            "accept the configured credentials (API key header and value, or vouchers for your e-service's audience); if you require lollipop, declare `is_lollipop_enabled` and probe with --lollipop"
        }
        Code::ENTITY_FORBIDDEN => {
            "let this citizen read this message: the fiscal_code header names them"
        }
        Code::ENTITY_NOT_FOUND => {
            "serve the message for this id and citizen (`third_party_data.id` is the path segment, percent-decoded; the citizen is the `fiscal_code` header)"
        }
        Code::ENTITY_TOO_MANY_REQUESTS => {
            "raise the rate limit for the gateway: it calls once per citizen opening a message, up to `fetch.per_entity_concurrency` at once"
        }
        Code::ENTITY_UNAVAILABLE => {
            "answer 200 when up; when down for maintenance, send 503 with `Retry-After: <seconds>`"
        }
        Code::ENTITY_ERROR => {
            "fix the server error (your logs have it): the gateway passes a 5xx on as ENTITY_ERROR"
        }
        Code::ENTITY_REDIRECT => {
            "serve the content at the configured base_url itself: the gateway never follows redirects (update base_url to the final address)"
        }
        Code::ENTITY_UNEXPECTED_STATUS => {
            "answer 200 with the content, or one of the contract's statuses (400, 401, 403, 404, 429, 5xx)"
        }
        Code::ENTITY_UNREACHABLE => {
            "make base_url reachable from the gateway (DNS, firewall, TLS certificate valid for the host) and send complete answers"
        }
        Code::ENTITY_ADDRESS_NOT_ALLOWED => {
            "publish the endpoints on a public address, or have the gateway's operator add your network to `fetch.egress_allow`"
        }
        Code::ENTITY_TIMEOUT => {
            "answer within the gateway's timeouts (`fetch.connect_timeout_ms`, `fetch.timeout_ms` for the whole answer)"
        }
        Code::ENTITY_INVALID_RESPONSE => {
            "answer the contract's JSON (see IO's third-party message schemas) with no extra wrapping"
        }
        Code::ENTITY_RESPONSE_TOO_LARGE => {
            "keep answers under the caps (`fetch.max_json_bytes` for JSON, `fetch.max_pdf_bytes` per attachment)"
        }
        Code::ENTITY_BUSY => {
            "nothing on the entity's side unless its answers are slow: the gateway had too many requests to you in flight"
        }
        Code::ENTITY_CIRCUIT_OPEN => {
            "fix the failures above: after repeated failures the gateway pauses calls to you for `fetch.breaker_open_ms`"
        }
        Code::ATTACHMENT_VALIDATION_BUSY => {
            "nothing on the entity's side: every PDF validation slot was busy; retry"
        }
        Code::VOUCHER_REFUSED => {
            "check the Interop client (client id, kid, key) and that the purpose is active on an active agreement for your e-service"
        }
        Code::INTEROP_UNAVAILABLE => {
            "check the Interop token endpoint's URL and that it is reachable"
        }
        Code::ATTACHMENTS_NOT_PRESENT => {
            "list the attachments in the details' `attachments`, or submit the message without `has_attachments`"
        }
        Code::REMOTE_CONTENT_NOT_PRESENT => {
            "send `details` (subject and markdown), or submit the message without `has_remote_content`"
        }
        Code::SUBJECT_VALIDATION_ERROR => "send a subject of 10 to 120 characters",
        Code::MARKDOWN_VALIDATION_ERROR => "send markdown of 80 to 10000 characters",
        Code::MARKDOWN_UNSAFE => {
            "remove raw HTML and links other than https, http, mailto, tel and ioit from the markdown"
        }
        Code::PRECONDITION_VALIDATION_ERROR => {
            "send a precondition with a title and safe markdown (no raw HTML, no unsafe links)"
        }
        Code::ATTACHMENT_METADATA_INVALID => {
            "give each attachment a unique id, a name ending in .pdf, content_type application/pdf, a relative url without '..' or a host, and a category of [A-Z0-9_]{2,30}"
        }
        Code::ATTACHMENT_NOT_PDF => {
            "serve the PDF's bytes at the attachment's url (not an HTML page or an error body)"
        }
        Code::ATTACHMENT_ENCRYPTED => {
            "serve the PDF without encryption or a password: PDF/A forbids it"
        }
        Code::ATTACHMENT_NOT_PDFA => {
            "produce the attachment as PDF/A-2 (the detail names the broken rule; `gateway check-pdf FILE` lists every one)"
        }
        Code::ATTACHMENT_TOO_COMPLEX => {
            "simplify the PDF (fewer objects, smaller images, flattened forms) so it validates within `fetch.pdf_validation_timeout_ms`"
        }
        _ => return None,
    })
}

/// What `code` means (the gateway's description, or the probe's own).
pub fn meaning(code: &str) -> Option<&'static str> {
    if let Some((_, meaning, _)) = OWN.iter().find(|(c, _, _)| *c == code) {
        return Some(meaning);
    }
    Code::ALL
        .iter()
        .find(|c| c.as_str() == code)
        .map(|c| c.describe())
}

/// What the entity should change for `code`.
pub fn fix(code: &str) -> Option<&'static str> {
    if let Some((_, _, fix)) = OWN.iter().find(|(c, _, _)| *c == code) {
        return Some(fix);
    }
    Code::ALL
        .iter()
        .find(|c| c.as_str() == code)
        .and_then(|c| gateway_fix(*c))
}

/// Every code with a fix: the probe's own, then the gateway's, in their table's order.
pub fn table() -> Vec<(&'static str, &'static str, &'static str)> {
    let mut rows: Vec<_> = OWN.to_vec();
    rows.extend(
        Code::ALL
            .iter()
            .filter_map(|c| gateway_fix(*c).map(|f| (c.as_str(), c.describe(), f))),
    );
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The codes named in a source file, outside its tests.
    fn codes_in(source: &str) -> Vec<String> {
        let code = source.split("#[cfg(test)]").next().unwrap_or(source);
        code.split("Code::")
            .skip(1)
            .map(|rest| {
                rest.chars()
                    .take_while(|c| c.is_ascii_uppercase() || *c == '_')
                    .collect::<String>()
            })
            .filter(|c| !c.is_empty() && c != "ALL")
            .collect()
    }

    #[test]
    fn every_code_the_fetch_path_can_produce_has_a_fix() {
        let sources = [
            include_str!("../fetch/mod.rs"),
            include_str!("../fetch/consumer.rs"),
            include_str!("../fetch/gate.rs"),
            include_str!("../fetch/lollipop.rs"),
            include_str!("../domain/remote.rs"),
        ];
        let mut seen = 0;
        for source in sources {
            for code in codes_in(source) {
                seen += 1;
                assert!(fix(&code).is_some(), "{code} has no fix");
                assert!(meaning(&code).is_some(), "{code} is not a code");
            }
        }
        assert!(seen > 30, "the sources were read ({seen} codes)");
        // Every status an entity can answer maps to a code with a fix.
        for status in 100..=599 {
            let code = crate::domain::remote::entity_status(status);
            assert!(fix(code.as_str()).is_some(), "{status}: {code:?}");
        }
    }

    #[test]
    fn the_probes_own_codes_have_a_row_each_and_no_gateway_code_is_shadowed() {
        for code in own::ALL {
            assert_eq!(
                OWN.iter().filter(|(c, _, _)| c == code).count(),
                1,
                "{code}"
            );
            assert!(Code::ALL.iter().all(|g| g.as_str() != *code), "{code}");
        }
        assert_eq!(OWN.len(), own::ALL.len());
        for (code, meaning, fix) in table() {
            assert!(!meaning.is_empty() && !fix.is_empty(), "{code}");
            assert!(!fix.ends_with('.'), "{code}: one sentence, no final stop");
        }
    }

    /// The table docs/probe.md shows, in this order.
    pub(crate) fn doc_table() -> String {
        let mut t = String::from("| code | meaning | fix |\n| --- | --- | --- |\n");
        for (code, meaning, fix) in table() {
            let cell = |s: &str| s.replace('|', "\\|");
            t.push_str(&format!(
                "| `{code}` | {} | {} |\n",
                cell(meaning),
                cell(fix)
            ));
        }
        t
    }

    #[test]
    fn docs_list_every_code_with_its_meaning_and_fix() {
        let doc = include_str!("../../../docs/probe.md");
        let table = doc_table();
        assert!(
            doc.contains(&table),
            "docs/probe.md lacks the table of codes; it is:\n{table}"
        );
    }
}
