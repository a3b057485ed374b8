//! Checks on what an entity serves, against what it declared when it submitted the message
//! (IO's `validateThirdPartyMessageResponse`, plus a markdown policy and attachment rules).

use super::configuration::{Configuration, Environment};
use super::error::{Code, GatewayError, Result};
use provider_sdk::contract::message::{MARKDOWN_LEN, SUBJECT_LEN};
use provider_sdk::contract::probe::ProbeEnvironment;
use provider_sdk::contract::{
    FiscalCode, HasPrecondition, PreconditionContent, RemoteContentAttachment,
    RemoteContentDetails, RemoteContentDetailsResponse, ThirdPartyData,
};
use pulldown_cmark::{Event, Parser, Tag};
use serde::Serialize;
use std::collections::HashSet;

fn err(code: Code, detail: impl Into<String>) -> GatewayError {
    GatewayError::new(code, detail)
}

/// Link schemes the app can open safely. Everything else (`javascript:`, `data:`, `vbscript:`,
/// `file:`…) is refused; relative links and fragments are allowed.
const SAFE_SCHEMES: &[&str] = &["https", "http", "mailto", "tel", "ioit"];

/// The markdown policy: raw HTML (block or inline) and links or images with an unsafe scheme are
/// refused — not neutralized, so the entity learns about it instead of its citizens seeing a
/// silently altered message.
pub fn markdown_is_safe(markdown: &str) -> std::result::Result<(), String> {
    for event in Parser::new(markdown) {
        match event {
            Event::Html(_) | Event::InlineHtml(_) => return Err("raw HTML is not allowed".into()),
            Event::Start(Tag::Link { dest_url, .. })
            | Event::Start(Tag::Image { dest_url, .. }) => {
                let url = dest_url.trim();
                if let Some((scheme, _)) = url.split_once(':') {
                    let plain = scheme
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
                    let lowered = scheme.to_ascii_lowercase();
                    if plain && !SAFE_SCHEMES.contains(&lowered.as_str()) {
                        return Err(format!("links with scheme {lowered:?} are not allowed"));
                    }
                    if !plain
                        && !url.starts_with('/')
                        && !url.starts_with('#')
                        && !url.starts_with('?')
                    {
                        return Err(format!("link {url:?} is not a plain URL"));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// IO's rule: the precondition is shown when `has_precondition` is ALWAYS, or ONCE and the
/// message is unread. Otherwise it is not needed, which IO's app API answers with `204`: the app
/// opens the message, so this is not an error.
pub fn precondition_needed(tpd: &ThirdPartyData, is_read: bool) -> bool {
    match tpd.has_precondition {
        Some(HasPrecondition::Always) => true,
        Some(HasPrecondition::Once) => !is_read,
        Some(HasPrecondition::Never) | None => false,
    }
}

pub fn check_precondition(p: &PreconditionContent) -> Result<()> {
    if p.title.trim().is_empty() || p.markdown.trim().is_empty() {
        return Err(err(
            Code::PRECONDITION_VALIDATION_ERROR,
            "the precondition needs a title and markdown",
        ));
    }
    markdown_is_safe(&p.markdown).map_err(|why| {
        err(
            Code::PRECONDITION_VALIDATION_ERROR,
            format!("precondition markdown: {why}"),
        )
    })
}

/// An attachment url the gateway may request: relative, no scheme or host, no `..` segment, no
/// backslash, no control characters.
pub fn attachment_url_is_safe(url: &str) -> bool {
    let path = url.split(['?', '#']).next().unwrap_or("");
    !url.is_empty()
        && !url.contains('\\')
        && !url.contains("://")
        && !url.starts_with("//")
        && !url.chars().any(|c| c.is_control() || c == ' ')
        && !path
            .split('/')
            .any(|seg| seg == ".." || seg == "." || seg.eq_ignore_ascii_case("%2e%2e"))
        && path
            .split_once(':')
            .is_none_or(|(scheme, _)| scheme.contains('/'))
        && !path.to_ascii_lowercase().contains("%2f")
        && !path.to_ascii_lowercase().contains("%5c")
}

fn check_attachment(a: &RemoteContentAttachment) -> std::result::Result<(), String> {
    if a.id.trim().is_empty() {
        return Err("an attachment has an empty id".into());
    }
    if a.content_type.as_deref() != Some("application/pdf") {
        return Err(format!(
            "attachment {}: content_type must be application/pdf",
            a.id
        ));
    }
    let name_ok = a.name.as_deref().is_some_and(|n| {
        n.len() > 4 && n.to_ascii_lowercase().ends_with(".pdf") && !n.contains(['/', '\\'])
    });
    if !name_ok {
        return Err(format!("attachment {}: name must end in .pdf", a.id));
    }
    if !attachment_url_is_safe(&a.url) {
        return Err(format!(
            "attachment {}: url must be relative, without scheme, host, '..' or backslash",
            a.id
        ));
    }
    if let Some(c) = &a.category {
        let ok = (2..=30).contains(&c.len())
            && c.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
        if !ok {
            return Err(format!(
                "attachment {}: category must match [A-Z0-9_]{{2,30}}",
                a.id
            ));
        }
    }
    Ok(())
}

/// The third-party message as the app gets it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ThirdPartyMessage {
    pub details: RemoteContentDetails,
    /// Empty unless the message has `has_attachments`.
    pub attachments: Vec<RemoteContentAttachment>,
}

/// Checks the entity's details against the declared flags. Undeclared structures are dropped:
/// no attachments unless `has_attachments`; the stored subject and markdown unless
/// `has_remote_content`.
pub fn check_details(
    tpd: &ThirdPartyData,
    stored: &RemoteContentDetails,
    answer: RemoteContentDetailsResponse,
) -> Result<ThirdPartyMessage> {
    let attachments = answer.attachments.unwrap_or_default();
    if tpd.has_attachments && attachments.is_empty() {
        return Err(err(
            Code::ATTACHMENTS_NOT_PRESENT,
            "has_attachments is declared but no attachments came",
        ));
    }
    let details = if tpd.has_remote_content {
        let d = answer.details.ok_or_else(|| {
            err(
                Code::REMOTE_CONTENT_NOT_PRESENT,
                "has_remote_content is declared but no details came",
            )
        })?;
        if !SUBJECT_LEN.contains(&d.subject.chars().count()) {
            return Err(err(
                Code::SUBJECT_VALIDATION_ERROR,
                "the subject must be 10..120 characters",
            ));
        }
        if !MARKDOWN_LEN.contains(&d.markdown.chars().count()) {
            return Err(err(
                Code::MARKDOWN_VALIDATION_ERROR,
                "the markdown must be 80..10000 characters",
            ));
        }
        markdown_is_safe(&d.markdown).map_err(|why| err(Code::MARKDOWN_UNSAFE, why))?;
        d
    } else {
        stored.clone()
    };
    let attachments = if tpd.has_attachments {
        let mut ids = HashSet::new();
        for a in &attachments {
            check_attachment(a).map_err(|why| err(Code::ATTACHMENT_METADATA_INVALID, why))?;
            if !ids.insert(a.id.as_str()) {
                return Err(err(
                    Code::ATTACHMENT_METADATA_INVALID,
                    format!("attachment id {} appears twice", a.id),
                ));
            }
        }
        attachments
    } else {
        Vec::new()
    };
    Ok(ThirdPartyMessage {
        details,
        attachments,
    })
}

/// Where a citizen's requests go: test users to the test environment; everybody else to
/// production, and nowhere when only a test environment is configured (IO would send everyone to
/// it).
pub fn environment<'a>(c: &'a Configuration, fiscal_code: &FiscalCode) -> Result<&'a Environment> {
    if let Some(t) = &c.test
        && t.test_users.contains(fiscal_code)
    {
        return Ok(&t.environment);
    }
    match &c.prod {
        Some(p) => Ok(p),
        None => Err(err(
            Code::NOT_A_TEST_USER,
            "only a test environment is configured and this citizen is not a test user",
        )),
    }
}

/// The environment a probe of `c` calls: production, or the test environment for one of its
/// `test_users` (a probe asks as that citizen, so it may only reach what the gateway would send
/// them to). An environment the configuration lacks blames the request's `environment`.
pub fn probed_environment<'a>(
    c: &'a Configuration,
    which: ProbeEnvironment,
    fiscal_code: &FiscalCode,
) -> Result<&'a Environment> {
    let missing =
        |name: &str| GatewayError::field("environment", format!("the configuration has no {name}"));
    match which {
        ProbeEnvironment::Prod => c.prod.as_ref().ok_or_else(|| missing("prod_environment")),
        ProbeEnvironment::Test => {
            let t = c.test.as_ref().ok_or_else(|| missing("test_environment"))?;
            if t.test_users.contains(fiscal_code) {
                Ok(&t.environment)
            } else {
                Err(err(
                    Code::NOT_A_TEST_USER,
                    "this citizen is not one of the test environment's test_users",
                )
                .with_fields(vec!["fiscal_code".into()]))
            }
        }
    }
}

/// The preview's rule: an entity sees what a citizen would see only if the citizen is one of the
/// `test_users` of one of its own `configurations`.
pub fn previewable(configurations: &[Configuration], fiscal_code: &FiscalCode) -> Result<()> {
    let listed = configurations.iter().any(|c| {
        c.test
            .as_ref()
            .is_some_and(|t| t.test_users.contains(fiscal_code))
    });
    if listed {
        Ok(())
    } else {
        Err(err(
            Code::NOT_YOUR_TEST_USER,
            "this fiscal code is not a test user of any of your configurations",
        ))
    }
}

/// Whether lollipop headers must be passed for this citizen.
pub fn lollipop_enabled(c: &Configuration, fiscal_code: &FiscalCode) -> bool {
    c.is_lollipop_enabled && !c.disable_lollipop_for.contains(fiscal_code)
}

/// Everything but RFC 3986's unreserved characters, so that a `third_party_data.id` holding
/// `/`, `?`, `#` or `%` stays one path segment and changes nothing else of the URL.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `third_party_data.id` as the one path segment of `{base_url}/messages/{id}` (UTF-8, then
/// percent-encoded). The entity decodes it back to the id.
pub fn entity_segment(id: &str) -> String {
    percent_encoding::utf8_percent_encode(id, SEGMENT).to_string()
}

/// `.` and `..` are dot segments however they are escaped (URL parsers and servers read `%2E`
/// as `.`): the only ids that cannot be one segment, refused at submission.
pub fn is_dot_segment(id: &str) -> bool {
    id == "." || id == ".."
}

/// The path the entity serves an attachment at: `url` with its leading `/` removed once (IO).
pub fn attachment_path(url: &str) -> &str {
    url.strip_prefix('/').unwrap_or(url)
}

/// How an entity's non-200 status reaches the app (IO's mapping, with named causes instead of
/// bare 500s).
pub fn entity_status(status: u16) -> Code {
    match status {
        400 => Code::ENTITY_BAD_REQUEST,
        401 => Code::ENTITY_UNAUTHORIZED,
        403 => Code::ENTITY_FORBIDDEN,
        404 => Code::ENTITY_NOT_FOUND,
        429 => Code::ENTITY_TOO_MANY_REQUESTS,
        503 => Code::ENTITY_UNAVAILABLE,
        300..=399 => Code::ENTITY_REDIRECT,
        500..=599 => Code::ENTITY_ERROR,
        _ => Code::ENTITY_UNEXPECTED_STATUS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preview_needs_a_test_user_of_one_of_the_callers_configurations() {
        let config = |test_users: &[&str]| -> Configuration {
            let mut v = serde_json::json!({
                "configuration_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "user_id": "tenant-1",
                "name": "Tari", "description": "Avvisi", "has_precondition": "NEVER",
                "is_lollipop_enabled": false, "disable_lollipop_for": [],
                "prod_environment": {"base_url": "https://rc.example.it/api/",
                    "details_authentication": {"type": "API_KEY", "header_key_name": "X-Key", "key": "k"}}
            });
            if !test_users.is_empty() {
                v["test_environment"] = serde_json::json!({"base_url": "https://test.example.it/",
                    "details_authentication": {"type": "API_KEY", "header_key_name": "X-Key", "key": "k"},
                    "test_users": test_users});
            }
            serde_json::from_value(v).unwrap()
        };
        let alice = FiscalCode::parse("SPNDNL80R13C555X").unwrap();
        let bob = FiscalCode::parse("RSSMRA85T10A562S").unwrap();
        let both = [config(&[]), config(&["SPNDNL80R13C555X"])];
        assert_eq!(previewable(&both, &alice), Ok(()));
        let refused = previewable(&both, &bob).unwrap_err();
        assert_eq!(refused.code, Code::NOT_YOUR_TEST_USER);
        assert!(previewable(&[], &alice).is_err());
        assert!(previewable(&[config(&[])], &alice).is_err());
    }

    fn tpd(att: bool, rc: bool, pre: Option<HasPrecondition>) -> ThirdPartyData {
        ThirdPartyData {
            id: "x".into(),
            original_sender: None,
            original_receipt_date: None,
            has_attachments: att,
            has_remote_content: rc,
            has_precondition: pre,
            summary: None,
            configuration_id: None,
        }
    }

    fn stored() -> RemoteContentDetails {
        RemoteContentDetails {
            subject: "Stored subject".into(),
            markdown: "s".repeat(80),
        }
    }

    fn pdf(id: &str, url: &str) -> RemoteContentAttachment {
        RemoteContentAttachment {
            id: id.into(),
            content_type: Some("application/pdf".into()),
            name: Some("avviso.pdf".into()),
            url: url.into(),
            category: Some("DOCUMENT".into()),
        }
    }

    fn answer(
        details: Option<RemoteContentDetails>,
        attachments: Option<Vec<RemoteContentAttachment>>,
    ) -> RemoteContentDetailsResponse {
        RemoteContentDetailsResponse {
            details,
            attachments,
        }
    }

    fn good() -> RemoteContentDetails {
        RemoteContentDetails {
            subject: "Remote subject".into(),
            markdown: "r".repeat(100),
        }
    }

    #[test]
    fn flags_against_the_answer_give_ios_four_codes() {
        let code = |t, a| check_details(&t, &stored(), a).unwrap_err().code;
        assert_eq!(
            code(tpd(true, false, None), answer(None, Some(vec![]))),
            Code::ATTACHMENTS_NOT_PRESENT
        );
        assert_eq!(
            code(tpd(true, false, None), answer(None, None)),
            Code::ATTACHMENTS_NOT_PRESENT
        );
        assert_eq!(
            code(tpd(false, true, None), answer(None, None)),
            Code::REMOTE_CONTENT_NOT_PRESENT
        );
        let short = RemoteContentDetails {
            subject: "short".into(),
            ..good()
        };
        assert_eq!(
            code(tpd(false, true, None), answer(Some(short), None)),
            Code::SUBJECT_VALIDATION_ERROR
        );
        let long = RemoteContentDetails {
            markdown: "m".repeat(10_001),
            ..good()
        };
        assert_eq!(
            code(tpd(false, true, None), answer(Some(long), None)),
            Code::MARKDOWN_VALIDATION_ERROR
        );
    }

    #[test]
    fn undeclared_structures_are_dropped() {
        let m = check_details(
            &tpd(false, false, None),
            &stored(),
            answer(Some(good()), Some(vec![pdf("a", "a.pdf")])),
        )
        .unwrap();
        assert_eq!(m.details, stored());
        assert!(m.attachments.is_empty());
        let m = check_details(
            &tpd(true, true, None),
            &stored(),
            answer(Some(good()), Some(vec![pdf("a", "a.pdf")])),
        )
        .unwrap();
        assert_eq!(m.details, good());
        assert_eq!(m.attachments.len(), 1);
    }

    #[test]
    fn attachment_rules() {
        let bad = |a: RemoteContentAttachment| {
            check_details(
                &tpd(true, false, None),
                &stored(),
                answer(None, Some(vec![a])),
            )
            .unwrap_err()
            .code
        };
        assert_eq!(
            bad(RemoteContentAttachment {
                content_type: Some("text/html".into()),
                ..pdf("a", "a.pdf")
            }),
            Code::ATTACHMENT_METADATA_INVALID
        );
        assert_eq!(
            bad(RemoteContentAttachment {
                name: Some("a.exe".into()),
                ..pdf("a", "a.pdf")
            }),
            Code::ATTACHMENT_METADATA_INVALID
        );
        assert_eq!(
            bad(RemoteContentAttachment {
                category: Some("doc".into()),
                ..pdf("a", "a.pdf")
            }),
            Code::ATTACHMENT_METADATA_INVALID
        );
        assert_eq!(
            bad(RemoteContentAttachment {
                category: Some("A".repeat(31)),
                ..pdf("a", "a.pdf")
            }),
            Code::ATTACHMENT_METADATA_INVALID
        );
        for url in [
            "https://evil.example/a.pdf",
            "//evil.example/a.pdf",
            "../a.pdf",
            "a/../../b.pdf",
            "a\\b.pdf",
            "javascript:alert(1)",
            "a/%2e%2e/b.pdf",
            "a%2Fb",
            "",
        ] {
            assert_eq!(
                bad(pdf("a", url)),
                Code::ATTACHMENT_METADATA_INVALID,
                "{url}"
            );
        }
        for url in ["a.pdf", "/attachments/a.pdf", "docs/a.pdf?token=1&x=y"] {
            assert!(attachment_url_is_safe(url), "{url}");
        }
        assert!(
            !attachment_url_is_safe("a:b/c.pdf"),
            "a scheme-like prefix is refused"
        );
        let dup = check_details(
            &tpd(true, false, None),
            &stored(),
            answer(None, Some(vec![pdf("a", "1.pdf"), pdf("a", "2.pdf")])),
        );
        assert_eq!(dup.unwrap_err().code, Code::ATTACHMENT_METADATA_INVALID);
    }

    #[test]
    fn markdown_policy_refuses_html_and_unsafe_links() {
        for bad in [
            "<script>alert(1)</script>",
            "text <b>bold</b>",
            "[x](javascript:alert(1))",
            "[x](JavaScript:alert(1))",
            "![i](data:image/png;base64,AAAA)",
            "[x](vbscript:msgbox)",
            "[x](file:///etc/passwd)",
        ] {
            assert!(markdown_is_safe(bad).is_err(), "{bad}");
        }
        for ok in [
            "# Title\n\n**bold** and _it_",
            "[site](https://comune.example)",
            "[mail](mailto:a@b.it)",
            "[rel](/path)",
            "[frag](#top)",
            "`<b>` in code is text",
        ] {
            assert!(markdown_is_safe(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn ids_become_one_percent_encoded_segment() {
        assert_eq!(entity_segment("TARI:2026:0001"), "TARI%3A2026%3A0001");
        assert_eq!(entity_segment("a/../b?x#y%"), "a%2F..%2Fb%3Fx%23y%25");
        assert_eq!(entity_segment("Az09-._~"), "Az09-._~");
        assert_eq!(entity_segment("è "), "%C3%A8%20");
    }

    proptest::proptest! {
        /// Whatever the id, the entity sees one segment (nothing a URL parser splits or cuts at,
        /// and no dot segment unless the id is one; an empty id is refused), which decodes back.
        #[test]
        fn any_id_is_one_segment_that_decodes_back(id in "\\PC*|[./?#%\\\\]{0,6}") {
            let seg = entity_segment(&id);
            proptest::prop_assert!(seg.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
            let dot = url::Url::parse("http://h/rc/messages/")
                .unwrap()
                .join(&format!("{seg}/precondition"))
                .unwrap();
            if !id.is_empty() && !is_dot_segment(&id) {
                proptest::prop_assert_eq!(dot.path(), format!("/rc/messages/{seg}/precondition"));
            }
            let back = percent_encoding::percent_decode_str(&seg).decode_utf8().unwrap();
            proptest::prop_assert_eq!(back, id.as_str());
        }
    }

    #[test]
    fn precondition_rule_is_ios() {
        use HasPrecondition::*;
        assert!(precondition_needed(&tpd(false, false, Some(Always)), true));
        assert!(precondition_needed(&tpd(false, false, Some(Once)), false));
        assert!(!precondition_needed(&tpd(false, false, Some(Once)), true));
        assert!(!precondition_needed(&tpd(false, false, Some(Never)), false));
        assert!(!precondition_needed(&tpd(false, false, None), false));
    }

    #[test]
    fn entity_statuses_map_as_io_with_named_causes() {
        assert_eq!(entity_status(400), Code::ENTITY_BAD_REQUEST);
        assert_eq!(entity_status(401), Code::ENTITY_UNAUTHORIZED);
        assert_eq!(entity_status(403), Code::ENTITY_FORBIDDEN);
        assert_eq!(entity_status(404), Code::ENTITY_NOT_FOUND);
        assert_eq!(entity_status(429), Code::ENTITY_TOO_MANY_REQUESTS);
        assert_eq!(entity_status(503), Code::ENTITY_UNAVAILABLE);
        assert_eq!(entity_status(302), Code::ENTITY_REDIRECT);
        assert_eq!(entity_status(500), Code::ENTITY_ERROR);
        assert_eq!(entity_status(418), Code::ENTITY_UNEXPECTED_STATUS);
    }
}
