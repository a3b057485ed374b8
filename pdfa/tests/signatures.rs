//! Signatures' PKCS#7 objects (6.4.3-2, 6.4.3-3) beyond the one case per rule of `rules.rs`:
//! which signature dictionaries are read (those of the form's signature fields, as veraPDF's
//! model reaches them) and what an unreadable `Contents` gives (both rules broken, as veraPDF's
//! empty PKCS#7 object).

mod support;

use support::*;

/// A level B file whose form's `Fields` is `fields(widget, sig)`, `widget` a signature widget
/// on the page (without `FT`, `T` and `V`: `widget_extra` adds them), `sig` a signature
/// dictionary holding `contents` (hexadecimal, zero-padded) referred to by nothing else.
fn file(contents: &[u8], widget_extra: &str, fields: impl Fn(usize, usize) -> String) -> Vec<u8> {
    let mut p = flavour("2b");
    let sig = p.add(signature(contents, ""));
    let w = p.add(format!(
        "<< /Type /Annot /Subtype /Widget /Rect [0 0 0 0] /F 132 /P 3 0 R {} >>",
        widget_extra.replace("{sig}", &sig.to_string())
    ));
    p.page.push_str(&format!(" /Annots [{w} 0 R]"));
    let fields = fields(w, sig);
    p.catalog
        .push_str(&format!(" /AcroForm << /Fields [{fields}] /SigFlags 3 >>"));
    sign(p.build(), 0)
}

/// A signature field of its own (the widget is the field).
fn field(contents: &[u8]) -> Vec<u8> {
    file(contents, "/FT /Sig /T (Signature) /V {sig} 0 R", |w, _| {
        format!("{w} 0 R")
    })
}

#[test]
fn the_fixtures_as_the_rules_read_them() {
    let one = field(&pkcs7("one-signer"));
    assert!(conforms(&one), "{}", verdict(&one));
    let none = field(&pkcs7("no-certificate"));
    assert!(breaks(&none, "6.4.3-2") && !breaks(&none, "6.4.3-3"));
    let two = field(&pkcs7("two-signers"));
    assert!(breaks(&two, "6.4.3-3") && !breaks(&two, "6.4.3-2"));
    assert!(
        verdict(&two).contains("has 2 signer(s)"),
        "{}",
        verdict(&two)
    );
}

#[test]
fn an_unreadable_contents_breaks_both_rules_with_no_signer() {
    let mut truncated = pkcs7("one-signer");
    truncated.truncate(truncated.len() / 2);
    for contents in [&b""[..], &[0; 64], b"not DER at all", &truncated] {
        let f = field(contents);
        let v = verdict(&f);
        assert!(breaks(&f, "6.4.3-2"), "{v}");
        assert!(
            breaks(&f, "6.4.3-3") && v.contains("has 0 signer(s)"),
            "{v}"
        );
    }
}

#[test]
fn a_field_under_kids_inheriting_its_type_is_read() {
    // The widget is the kid of a field that holds `FT /Sig` (inherited) and the name.
    let f = |name: &str| {
        let contents = pkcs7(name);
        let mut p = flavour("2b");
        let sig = p.add(signature(&contents, ""));
        let parent = sig + 2;
        let w = p.add(format!(
            "<< /Type /Annot /Subtype /Widget /Rect [0 0 0 0] /F 132 /P 3 0 R \
             /Parent {parent} 0 R /V {sig} 0 R >>"
        ));
        let added = p.add(format!("<< /FT /Sig /T (Signature) /Kids [{w} 0 R] >>"));
        assert_eq!(added, parent);
        p.page.push_str(&format!(" /Annots [{w} 0 R]"));
        p.catalog.push_str(&format!(
            " /AcroForm << /Fields [{parent} 0 R] /SigFlags 3 >>"
        ));
        sign(p.build(), 0)
    };
    assert!(conforms(&f("one-signer")), "{}", verdict(&f("one-signer")));
    assert!(breaks(&f("no-certificate"), "6.4.3-2"));
    assert!(breaks(&f("two-signers"), "6.4.3-3"));
}

#[test]
fn signature_dictionaries_outside_signature_fields_are_not_read() {
    // A widget that is no field of the form, and a field of another type: veraPDF reaches a
    // signature dictionary only through a signature field's `V`.
    let off_form = file(
        &pkcs7("two-signers"),
        "/FT /Sig /T (Signature) /V {sig} 0 R",
        |_, _| String::new(),
    );
    assert!(conforms(&off_form), "{}", verdict(&off_form));
    let text = file(
        &pkcs7("two-signers"),
        "/FT /Tx /T (Text) /V {sig} 0 R",
        |w, _| format!("{w} 0 R"),
    );
    assert!(conforms(&text), "{}", verdict(&text));
}
