//! The reference contracts' named schemas that no wire type spells on its own (feature
//! `openapi`): a wire type keeps these members as plain strings, numbers or JSON values and its
//! receiver checks them, so the schema says what the check accepts. The wire types refer to them
//! with `#[schema(value_type = ...)]`.

use super::message::{MARKDOWN_LEN, SUBJECT_LEN, TIME_TO_LIVE};
use std::borrow::Cow;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

/// A schema named after its type, built by `$schema`; `$deps` are the named schemas it refers to.
macro_rules! named_schema {
    ($(#[$doc:meta])* $name:ident $(uses [$($dep:ty),*])? => $schema:expr) => {
        $(#[$doc])*
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                Schema::from($schema).into()
            }
        }

        impl ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }

            #[allow(unused_variables)]
            fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
                $($(
                    schemas.push((<$dep as ToSchema>::name().into(), <$dep as PartialSchema>::schema()));
                    <$dep as ToSchema>::schemas(schemas);
                )*)?
            }
        }
    };
}

fn string(description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
}

fn lengths(b: ObjectBuilder, r: &std::ops::RangeInclusive<usize>) -> ObjectBuilder {
    b.min_length(Some(*r.start())).max_length(Some(*r.end()))
}

named_schema!(
    /// A ULID (message and configuration ids).
    Ulid => string("A ULID: 26 Crockford base32 characters.")
        .min_length(Some(26))
        .max_length(Some(26))
        .pattern(Some("[0-9a-hjkmnp-tv-zA-HJKMNP-TV-Z]{26}"))
        .examples(["01ARZ3NDEKTSV4RRFFQ69G5FAV"])
);

named_schema!(
    /// An RFC 3339 timestamp (`due_date`, `original_receipt_date`, `created_at`).
    Timestamp => string("An RFC 3339 (ISO-8601) timestamp, UTC.")
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
        .examples(["2018-10-13T00:00:00.000Z"])
);

named_schema!(
    /// `time_to_live` ([`TIME_TO_LIVE`]).
    TimeToLiveSeconds => ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(*TIME_TO_LIVE.start()))
        .maximum(Some(*TIME_TO_LIVE.end()))
        .default(Some((*TIME_TO_LIVE.start()).into()))
        .description(Some("For how long (in seconds) delivery is attempted."))
        .examples([*TIME_TO_LIVE.start()])
);

named_schema!(
    /// `sender_service_id`.
    ServiceId => string(
        "The sender's service: the `purposeId` of the voucher the message was submitted with.",
    )
    .min_length(Some(1))
);

named_schema!(
    /// A subject ([`SUBJECT_LEN`]).
    MessageSubject => lengths(string("The subject (characters, not bytes)."), &SUBJECT_LEN)
);

named_schema!(
    /// A markdown body ([`MARKDOWN_LEN`]).
    MessageBodyMarkdown => lengths(
        string("The body, plain text or Markdown (characters, not bytes)."),
        &MARKDOWN_LEN,
    )
);

named_schema!(
    /// IO's `Payee`.
    Payee => ObjectBuilder::new()
        .property(
            "fiscal_code",
            string("The creditor organization's fiscal code.").pattern(Some("^[0-9]{11}$")),
        )
        .required("fiscal_code")
);

named_schema!(
    /// IO's `PaymentData` (`content.payment_data`, kept as a JSON value and checked by the
    /// receiver).
    PaymentData uses [Payee] => ObjectBuilder::new()
        .description(Some(
            "IO's `PaymentData`. `payee` is required here: IO fills a missing payee with the \
             sender organization's fiscal code from its service registry; the gateway has no \
             registry and does not guess a creditor. Kept and returned as given, so the app gets \
             IO's `PaymentDataWithRequiredPayee`. No member may be `null`.",
        ))
        .property(
            "amount",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1))
                .maximum(Some(9_999_999_999_u64))
                .description(Some("Euro cents.")),
        )
        .property(
            "notice_number",
            string("pagoPA's notice number (numero avviso).").pattern(Some("^[0123][0-9]{17}$")),
        )
        .property(
            "invalid_after_due_date",
            ObjectBuilder::new()
                .schema_type(Type::Boolean)
                .default(Some(false.into())),
        )
        .property("payee", Ref::from_schema_name("Payee"))
        .required("amount")
        .required("notice_number")
        .required("payee")
);

named_schema!(
    /// IO's `EUCovidCert` (`content.eu_covid_cert`, kept as a JSON value).
    EUCovidCert => ObjectBuilder::new()
        .description(Some("IO's EU Covid certificate payload: kept and returned as given."))
        .property("auth_code", ObjectBuilder::new().schema_type(Type::String))
        .required("auth_code")
);

named_schema!(
    /// `default_addresses` of a submission (inlined where used).
    DefaultAddresses => ObjectBuilder::new()
        .description(Some(
            "Accepted for compatibility with IO and not used: the gateway sends no notifications.",
        ))
        .property(
            "email",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Email))),
        )
);

/// Attachments are PDFs.
#[derive(utoipa::ToSchema)]
pub enum PdfContentType {
    #[serde(rename = "application/pdf")]
    Pdf,
}
