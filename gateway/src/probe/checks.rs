//! The pure part of the probe: what one call's outcome and what it saw of the answer say, as
//! checks with their verdict, code, meaning and fix.

use super::fixes::{self, own};
use super::report::{Check, Limits, Status};
use crate::domain::{Code, GatewayError};
use crate::fetch::Exchange;
use provider_sdk::contract::{RemoteContentDetailsResponse, ThirdPartyData};
use std::time::Duration;

/// What a call fetched: JSON (details, precondition) or an attachment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Json,
    Pdf,
}

/// One call: its name (`details`, `attachment a1`…), the path it asked for, what it saw, how long
/// it took.
pub struct Call<'a> {
    pub name: &'a str,
    pub path: &'a str,
    pub kind: Kind,
    pub seen: &'a Exchange,
    pub elapsed: Duration,
}

fn ms(d: Duration) -> u64 {
    d.as_millis().try_into().unwrap_or(u64::MAX)
}

/// A check named `name` with `code`'s meaning and fix.
pub fn check(name: String, path: &str, status: Status, code: &str, detail: String) -> Check {
    Check {
        name,
        path: path.to_owned(),
        status,
        code: code.to_owned(),
        meaning: fixes::meaning(code).unwrap_or_default().to_owned(),
        fix: fixes::fix(code).unwrap_or_default().to_owned(),
        detail,
        http_status: None,
        content_type: None,
        bytes: None,
        elapsed_ms: 0,
    }
}

/// The call's verdict: `OK`, or the gateway's code with its detail. A redirect names where it
/// pointed; a 503 its `Retry-After` as read.
pub fn outcome(call: &Call<'_>, result: Result<(), &GatewayError>) -> Check {
    let seen = call.seen;
    let (status, code, detail) = match result {
        Ok(()) => (Status::Pass, own::OK, String::new()),
        Err(e) => {
            let mut detail = e.detail.clone();
            match e.code {
                Code::ENTITY_REDIRECT => {
                    let to = seen.location.as_deref().unwrap_or("(no Location)");
                    detail.push_str(&format!(
                        "; Location: {to} (the gateway never follows redirects)"
                    ));
                }
                Code::ENTITY_UNAVAILABLE => match &seen.retry_after {
                    Some(v) => detail.push_str(&format!("; Retry-After: {v:?}")),
                    None => detail.push_str("; no Retry-After"),
                },
                _ => {}
            }
            if let Some(body) = &seen.refusal {
                let said: String = body
                    .chars()
                    .map(|c| if c.is_control() { ' ' } else { c })
                    .take(200)
                    .collect();
                detail.push_str(&format!("; the entity said: {}", said.trim()));
            }
            (Status::Fail, e.code.as_str(), detail)
        }
    };
    Check {
        http_status: seen.status,
        content_type: seen.content_type.clone(),
        // A refusal's body is not read (its start may be in `detail`).
        bytes: (seen.status == Some(200)).then_some(seen.body_bytes),
        elapsed_ms: ms(call.elapsed),
        ..check(call.name.to_owned(), call.path, status, code, detail)
    }
}

/// Whether `content_type` is one the contract has for `kind` (parameters aside).
pub fn content_type_fits(kind: Kind, content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match kind {
        Kind::Json => essence == "application/json",
        // provider-sdk serves attachments as application/octet-stream, as IO's contract does.
        Kind::Pdf => essence == "application/pdf" || essence == "application/octet-stream",
    }
}

/// What the answer shows besides its verdict: its time against the timeout, its size against
/// the cap, its content type, a 503's `Retry-After`. Only warnings; nothing when all is well.
pub fn measures(call: &Call<'_>, result: Result<(), &GatewayError>, limits: &Limits) -> Vec<Check> {
    let seen = call.seen;
    let mut out = Vec::new();
    let warn = |what: &str, code: &str, detail: String| {
        let mut c = check(
            format!("{}: {what}", call.name),
            call.path,
            Status::Warn,
            code,
            detail,
        );
        c.http_status = seen.status;
        c.content_type = seen.content_type.clone();
        c
    };
    let failed = result.err().map(|e| e.code);
    // The answer's time, to its last byte when it came whole; a timeout is already a failure.
    let answer_ms = ms(seen.body_after.or(seen.head_after).unwrap_or(call.elapsed));
    if failed != Some(Code::ENTITY_TIMEOUT) && answer_ms * 2 > limits.timeout_ms {
        out.push(warn(
            "time",
            own::SLOW_ANSWER,
            format!("{answer_ms} ms of {} ms", limits.timeout_ms),
        ));
    }
    if seen.status == Some(200) {
        let cap = match call.kind {
            Kind::Json => limits.max_json_bytes,
            Kind::Pdf => limits.max_pdf_bytes,
        };
        let size = seen
            .content_length
            .unwrap_or(seen.body_bytes)
            .max(seen.body_bytes);
        if failed != Some(Code::ENTITY_RESPONSE_TOO_LARGE) && size * 2 > cap {
            out.push(warn(
                "size",
                own::NEAR_SIZE_CAP,
                format!("{size} bytes of {cap}"),
            ));
        }
        let fits = seen
            .content_type
            .as_deref()
            .is_some_and(|t| content_type_fits(call.kind, t));
        if !fits {
            let expected = match call.kind {
                Kind::Json => "application/json",
                Kind::Pdf => "application/pdf or application/octet-stream",
            };
            let got = seen.content_type.as_deref().unwrap_or("none");
            out.push(warn(
                "content type",
                own::CONTENT_TYPE,
                format!("Content-Type: {got}; expected {expected}"),
            ));
        }
    }
    if seen.status == Some(503) {
        let usable = seen
            .retry_after
            .as_deref()
            .is_some_and(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()));
        if !usable {
            let read = match &seen.retry_after {
                Some(v) => format!("Retry-After: {v:?}"),
                None => "no Retry-After".into(),
            };
            out.push(warn(
                "retry-after",
                own::RETRY_AFTER_IGNORED,
                format!("{read}; the app is told 10"),
            ));
        }
    }
    out
}

/// What the entity sent that the declared flags make the gateway drop.
pub fn undeclared(
    tpd: &ThirdPartyData,
    answer: &RemoteContentDetailsResponse,
    path: &str,
) -> Vec<Check> {
    let mut out = Vec::new();
    let sent = answer.attachments.as_ref().map_or(0, Vec::len);
    if !tpd.has_attachments && sent > 0 {
        out.push(check(
            "details: flags".into(),
            path,
            Status::Warn,
            own::UNDECLARED_ATTACHMENTS,
            format!("{sent} attachment(s) sent, has_attachments not declared"),
        ));
    }
    if !tpd.has_remote_content && answer.details.is_some() {
        out.push(check(
            "details: flags".into(),
            path,
            Status::Warn,
            own::UNDECLARED_DETAILS,
            "details sent, has_remote_content not declared".into(),
        ));
    }
    out
}

/// The most attachments one probe downloads and validates: the app fetches an attachment when
/// the citizen taps it, a probe fetches them all, so a list of thousands would make one probe a
/// flood of the entity (or of whatever address the probe was aimed at).
pub const MAX_ATTACHMENTS: usize = 20;

/// The attachments a probe checks of those the details list, and the warning when it leaves
/// some out.
pub fn attachments_to_check<T>(listed: Vec<T>, path: &str) -> (Vec<T>, Option<Check>) {
    let total = listed.len();
    let mut listed = listed;
    listed.truncate(MAX_ATTACHMENTS);
    let skipped = (total > MAX_ATTACHMENTS).then(|| {
        check(
            "details: attachments".into(),
            path,
            Status::Warn,
            own::ATTACHMENTS_SKIPPED,
            format!(
                "{total} attachments listed; the first {MAX_ATTACHMENTS} were checked, {} were not",
                total - MAX_ATTACHMENTS
            ),
        )
    });
    (listed, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use provider_sdk::contract::{RemoteContentAttachment, RemoteContentDetails};

    #[test]
    fn a_probe_checks_at_most_max_attachments_and_says_how_many_it_left() {
        let (kept, warning) = attachments_to_check((0..MAX_ATTACHMENTS).collect(), "p");
        assert_eq!((kept.len(), warning), (MAX_ATTACHMENTS, None));
        let (kept, warning) = attachments_to_check((0..MAX_ATTACHMENTS + 5).collect(), "p");
        assert_eq!(kept, (0..MAX_ATTACHMENTS).collect::<Vec<_>>());
        let w = warning.unwrap();
        assert_eq!(
            (w.status, w.code.as_str()),
            (Status::Warn, own::ATTACHMENTS_SKIPPED)
        );
        assert!(w.detail.contains("25 attachments listed"), "{}", w.detail);
        assert!(w.detail.contains("5 were not"), "{}", w.detail);
    }

    fn limits() -> Limits {
        Limits {
            connect_timeout_ms: 2_000,
            timeout_ms: 10_000,
            max_json_bytes: 1_000,
            max_pdf_bytes: 10_000,
            pdf_validation_timeout_ms: 10_000,
        }
    }

    fn ok_json(ms: u64, bytes: u64) -> Exchange {
        Exchange {
            status: Some(200),
            content_type: Some("application/json; charset=utf-8".into()),
            content_length: Some(bytes),
            body_bytes: bytes,
            head_after: Some(Duration::from_millis(ms / 2)),
            body_after: Some(Duration::from_millis(ms)),
            ..Exchange::default()
        }
    }

    fn call<'a>(seen: &'a Exchange, kind: Kind) -> Call<'a> {
        Call {
            name: "details",
            path: "messages/m",
            kind,
            seen,
            elapsed: Duration::from_millis(7),
        }
    }

    fn codes(checks: &[Check]) -> Vec<&str> {
        checks.iter().map(|c| c.code.as_str()).collect()
    }

    #[test]
    fn a_good_answer_passes_with_its_measures_and_no_warning() {
        let seen = ok_json(100, 200);
        let c = outcome(&call(&seen, Kind::Json), Ok(()));
        assert_eq!((c.status, c.code.as_str()), (Status::Pass, "OK"));
        assert_eq!(c.fix, "nothing to change");
        assert_eq!(
            (c.http_status, c.bytes, c.elapsed_ms),
            (Some(200), Some(200), 7)
        );
        assert!(measures(&call(&seen, Kind::Json), Ok(()), &limits()).is_empty());
    }

    #[test]
    fn slow_large_and_mislabelled_answers_warn() {
        let mut seen = ok_json(5_001, 501);
        seen.content_type = Some("text/html".into());
        let w = measures(&call(&seen, Kind::Json), Ok(()), &limits());
        assert_eq!(
            codes(&w),
            [own::SLOW_ANSWER, own::NEAR_SIZE_CAP, own::CONTENT_TYPE]
        );
        assert!(
            w.iter()
                .all(|c| c.status == Status::Warn && !c.fix.is_empty())
        );
        assert_eq!(w[0].detail, "5001 ms of 10000 ms");
        assert_eq!(w[1].detail, "501 bytes of 1000");
        assert_eq!(w[0].name, "details: time");
        // Half the timeout exactly is fine; a PDF is measured against the PDF cap.
        let seen = Exchange {
            content_type: Some("application/octet-stream".into()),
            ..ok_json(5_000, 501)
        };
        assert!(measures(&call(&seen, Kind::Pdf), Ok(()), &limits()).is_empty());
        assert!(content_type_fits(Kind::Pdf, "Application/PDF"));
        assert!(!content_type_fits(Kind::Json, "text/plain"));
    }

    #[test]
    fn a_timeout_or_an_oversized_body_is_a_failure_not_also_a_warning() {
        let seen = Exchange {
            status: Some(200),
            content_type: Some("application/json".into()),
            content_length: Some(5_000),
            head_after: Some(Duration::from_millis(1)),
            ..Exchange::default()
        };
        let e = GatewayError::new(Code::ENTITY_RESPONSE_TOO_LARGE, "too large");
        assert!(measures(&call(&seen, Kind::Json), Err(&e), &limits()).is_empty());
        let c = outcome(&call(&seen, Kind::Json), Err(&e));
        assert_eq!(
            (c.status, c.code.as_str()),
            (Status::Fail, "ENTITY_RESPONSE_TOO_LARGE")
        );
        let timeout = GatewayError::new(Code::ENTITY_TIMEOUT, "late");
        let nothing = Exchange::default();
        let slow = Call {
            elapsed: Duration::from_secs(10),
            ..call(&nothing, Kind::Json)
        };
        assert!(measures(&slow, Err(&timeout), &limits()).is_empty());
    }

    #[test]
    fn redirects_and_503_say_what_the_entity_sent() {
        let seen = Exchange {
            status: Some(302),
            location: Some("https://elsewhere.example/x".into()),
            ..Exchange::default()
        };
        let e = GatewayError::new(Code::ENTITY_REDIRECT, "the entity answered 302");
        let c = outcome(&call(&seen, Kind::Json), Err(&e));
        assert_eq!(c.code, "ENTITY_REDIRECT");
        assert!(
            c.detail.contains("Location: https://elsewhere.example/x"),
            "{}",
            c.detail
        );
        assert!(c.detail.contains("never follows"), "{}", c.detail);

        let e = GatewayError::new(Code::ENTITY_UNAVAILABLE, "the entity answered 503");
        let seen = Exchange {
            status: Some(503),
            retry_after: Some("7".into()),
            ..Exchange::default()
        };
        let c = outcome(&call(&seen, Kind::Json), Err(&e));
        assert!(c.detail.ends_with("Retry-After: \"7\""), "{}", c.detail);
        assert!(measures(&call(&seen, Kind::Json), Err(&e), &limits()).is_empty());
        let seen = Exchange {
            retry_after: Some("Wed, 21 Oct 2026 07:28:00 GMT".into()),
            ..seen
        };
        let w = measures(&call(&seen, Kind::Json), Err(&e), &limits());
        assert_eq!(codes(&w), [own::RETRY_AFTER_IGNORED]);
        let seen = Exchange {
            retry_after: None,
            ..seen
        };
        let c = outcome(&call(&seen, Kind::Json), Err(&e));
        assert!(c.detail.ends_with("no Retry-After"));
        assert_eq!(
            codes(&measures(&call(&seen, Kind::Json), Err(&e), &limits())),
            [own::RETRY_AFTER_IGNORED]
        );
    }

    #[test]
    fn a_refusals_body_is_quoted_short_and_on_one_line() {
        let seen = Exchange {
            status: Some(401),
            content_type: Some("application/problem+json".into()),
            refusal: Some(format!(
                "{{\"code\":\"LOLLIPOP_HEADER_MISSING\",\n\"detail\":\"{}\"}}",
                "x".repeat(300)
            )),
            ..Exchange::default()
        };
        let e = GatewayError::new(Code::ENTITY_UNAUTHORIZED, "the entity answered 401");
        let c = outcome(&call(&seen, Kind::Json), Err(&e));
        assert!(
            c.detail.starts_with("the entity answered 401; the entity said: {\"code\":\"LOLLIPOP_HEADER_MISSING\", \"detail\""),
            "{}",
            c.detail
        );
        assert!(
            !c.detail.contains('\n') && c.detail.len() < 300,
            "{}",
            c.detail
        );
        assert_eq!(c.bytes, None, "a refusal's body is not read");
    }

    #[test]
    fn content_the_flags_do_not_declare_is_named() {
        let tpd = ThirdPartyData {
            id: "m".into(),
            original_sender: None,
            original_receipt_date: None,
            has_attachments: false,
            has_remote_content: false,
            has_precondition: None,
            summary: None,
            configuration_id: None,
        };
        let answer = RemoteContentDetailsResponse {
            details: Some(RemoteContentDetails {
                subject: "s".into(),
                markdown: "m".into(),
            }),
            attachments: Some(vec![RemoteContentAttachment {
                id: "a".into(),
                content_type: None,
                name: None,
                url: "a.pdf".into(),
                category: None,
            }]),
        };
        assert_eq!(
            codes(&undeclared(&tpd, &answer, "messages/m")),
            [own::UNDECLARED_ATTACHMENTS, own::UNDECLARED_DETAILS]
        );
        let declared = ThirdPartyData {
            has_attachments: true,
            has_remote_content: true,
            ..tpd
        };
        assert!(undeclared(&declared, &answer, "messages/m").is_empty());
    }
}
