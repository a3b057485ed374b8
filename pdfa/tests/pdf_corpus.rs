//! The PDF/A-2 validator against the veraPDF corpus (issue 7).
//!
//! The oracle is the corpus itself: every file name says `-pass-` or `-fail-`, and its folder
//! names the clause it exercises. This test validates every file, counts per clause folder how
//! many verdicts agree with the name, prints the table, and asserts each clause's agreed count
//! against `pdf_thresholds.txt` (clause, TAB, minimum agreed files), which only ever goes up.
//!
//! `PDF_CORPUS_BLESS=1` rewrites the thresholds file with the counts reached (never lowering a
//! line); `PDF_CORPUS_VERBOSE=1` lists the files whose verdict disagrees, with our reason.
//! `PDF_CORPUS_DIR` points at another copy of the corpus.
//!
//! The second half mutates corpus files (flip, truncate, insert, splice) and asserts `validate`
//! returns without panicking on every mutant.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use proptest::prelude::*;

const THRESHOLDS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/pdf_thresholds.txt");

fn corpus_dir() -> PathBuf {
    match std::env::var_os("PDF_CORPUS_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/verapdf"),
    }
}

/// Every `.pdf` under `dir`, sorted, so runs are comparable.
fn pdf_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("pdf"))
            {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The clause folder of a corpus file: its directory below the flavour folder (`PDF_A-2b`),
/// e.g. `6.1 File structure/6.1.2 File header`.
fn clause_of(root: &Path, file: &Path) -> String {
    let rel = file
        .parent()
        .expect("a file has a parent")
        .strip_prefix(root)
        .expect("under the corpus root");
    let mut parts = rel.iter().map(|p| p.to_string_lossy().into_owned());
    let _flavour = parts.next();
    parts.collect::<Vec<_>>().join("/")
}

/// The flavour veraPDF's run checked a corpus file against: its top folder (`PDF_A-2a`).
fn flavour_of(root: &Path, file: &Path) -> pdfa::Flavour {
    let rel = file.strip_prefix(root).expect("under the corpus root");
    let top = rel
        .iter()
        .next()
        .expect("a flavour folder")
        .to_string_lossy();
    top.strip_prefix("PDF_A-")
        .and_then(|f| f.parse().ok())
        .unwrap_or_else(|| panic!("{}: not under PDF_A-2a, 2b or 2u", file.display()))
}

/// The rule a corpus file name names, `6-1-13-t05` → `6.1.13-5`, if the profiles hold it
/// (the corpus numbers some tests of its own).
fn rule_of(file: &Path) -> Option<pdfa::RuleId> {
    let name = file.file_name()?.to_string_lossy().into_owned();
    let name = name.strip_prefix("veraPDF test suite ")?;
    let (clause, rest) = name.split_once("-t")?;
    let test: u16 = rest.get(..2)?.parse().ok()?;
    let clause = clause.replace('-', ".");
    pdfa::rules::RULES
        .iter()
        .map(|r| r.id)
        .find(|id| id.clause() == clause && id.test_number() == test)
}

/// The verdict the file name announces.
fn expected_pass(file: &Path) -> Option<bool> {
    let name = file.file_name()?.to_string_lossy();
    if name.contains("-pass-") {
        Some(true)
    } else if name.contains("-fail-") {
        Some(false)
    } else {
        None
    }
}

fn read_thresholds() -> BTreeMap<String, usize> {
    let text = std::fs::read_to_string(THRESHOLDS).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (clause, n) = l
                .rsplit_once('\t')
                .unwrap_or_else(|| panic!("pdf_thresholds.txt: no TAB in {l:?}"));
            let n = n
                .trim()
                .parse()
                .unwrap_or_else(|_| panic!("pdf_thresholds.txt: bad count in {l:?}"));
            (clause.to_owned(), n)
        })
        .collect()
}

fn write_thresholds(map: &BTreeMap<String, usize>) {
    let mut text = String::from(
        "# Minimum files per veraPDF clause folder whose verdict agrees with the file name.\n\
         # Only ever raise these (PDF_CORPUS_BLESS=1 cargo test -p pdfa --test pdf_corpus).\n",
    );
    for (clause, n) in map {
        text.push_str(&format!("{clause}\t{n}\n"));
    }
    std::fs::write(THRESHOLDS, text).expect("write pdf_thresholds.txt");
}

#[derive(Default)]
struct Row {
    files: usize,
    agreed: usize,
    pass_files: usize,
    pass_agreed: usize,
}

/// The bounds against PDF bombs refuse no file of the corpus, and every file (pass or fail) fits
/// each budget with room to spare: a tenth of the decompression and work budgets at most, and
/// lopdf's per-stream limit above what it needed (a file it could not load within it would be
/// refused as too complex). Measured without the deadline, which a debug build could hit.
#[test]
fn every_corpus_file_fits_the_validation_budgets_comfortably() {
    use pdfa::{FailureKind, Limits, MAX_DECODED_TOTAL, MAX_WORK, validate_measured};
    let root = corpus_dir();
    let limits = Limits::with_timeout(std::time::Duration::from_secs(3600));
    let (mut decoded, mut work, mut files) = (0, 0, 0);
    let mut smallest_loader_limit = usize::MAX;
    for file in pdf_files(&root) {
        let bytes = std::fs::read(&file).expect("read corpus file");
        let (verdict, spent) = validate_measured(&bytes, limits);
        if let Err(f) = &verdict {
            assert_ne!(f.kind, FailureKind::TooComplex, "{}: {f}", file.display());
        }
        files += 1;
        decoded = decoded.max(spent.decoded);
        work = work.max(spent.work);
        if spent.loader_stream_limit > 0 {
            smallest_loader_limit = smallest_loader_limit.min(spent.loader_stream_limit);
        }
    }
    println!(
        "{files} files: at most {decoded} bytes decoded (budget {MAX_DECODED_TOTAL}), {work} \
         units of work (budget {MAX_WORK}); lopdf's per-stream limit at least \
         {smallest_loader_limit} bytes"
    );
    assert!(files > 1000);
    assert!(decoded <= MAX_DECODED_TOTAL / 10, "{decoded}");
    assert!(work <= MAX_WORK / 10, "{work}");
}

#[test]
fn agreement_with_the_verapdf_corpus_never_drops() {
    let root = corpus_dir();
    assert!(
        root.is_dir(),
        "the veraPDF corpus is not at {} (set PDF_CORPUS_DIR)",
        root.display()
    );
    let verbose = std::env::var_os("PDF_CORPUS_VERBOSE").is_some();
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    // Fail files naming a rule of the profiles, and those of them whose findings name it.
    let (mut named, mut named_found) = (0, 0);
    for file in pdf_files(&root) {
        let Some(expected) = expected_pass(&file) else {
            continue;
        };
        let bytes = std::fs::read(&file).expect("read corpus file");
        // As veraPDF's runs did: the flavour the folder names.
        let options = pdfa::Options {
            flavour: Some(flavour_of(&root, &file)),
            ..pdfa::Options::default()
        };
        let report = pdfa::check(&bytes, &options);
        let verdict = report.passed();
        let agreed = verdict == expected;
        if !expected && let Some(rule) = rule_of(&file) {
            named += 1;
            let found = report.findings.iter().any(|f| f.rule == rule);
            named_found += usize::from(found);
            if verbose && !found {
                let rules: Vec<String> =
                    report.findings.iter().map(|f| f.rule.to_string()).collect();
                println!("named {rule}, found {rules:?}: {}", file.display());
            }
        }
        let row = rows.entry(clause_of(&root, &file)).or_default();
        row.files += 1;
        row.agreed += usize::from(agreed);
        if expected {
            row.pass_files += 1;
            row.pass_agreed += usize::from(agreed);
        }
        if verbose && !agreed {
            let why = match report.findings.first() {
                None => "PASS".to_owned(),
                Some(f) => format!("FAIL {f} ({} findings)", report.findings.len()),
            };
            println!("disagree: {} -> {why}", file.display());
        }
    }
    println!(
        "\n{named_found} of the {named} fail files whose name is a rule of the profiles report that rule"
    );
    assert!(!rows.is_empty(), "no corpus files under {}", root.display());

    let mut thresholds = read_thresholds();
    let (mut files, mut agreed) = (0, 0);
    println!("\n| clause | files | agreed | pass files agreed | threshold |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    for (clause, row) in &rows {
        files += row.files;
        agreed += row.agreed;
        let min = thresholds.get(clause).copied().unwrap_or(0);
        println!(
            "| {clause} | {} | {} | {}/{} | {min} |",
            row.files, row.agreed, row.pass_agreed, row.pass_files
        );
    }
    println!("| **all** | {files} | {agreed} | | |\n");

    if std::env::var_os("PDF_CORPUS_BLESS").is_some() {
        let mut raised = thresholds.clone();
        for (clause, row) in &rows {
            let t = raised.entry(clause.clone()).or_insert(0);
            *t = (*t).max(row.agreed);
        }
        write_thresholds(&raised);
        thresholds = raised;
    }

    let mut failures = Vec::new();
    for (clause, min) in &thresholds {
        match rows.get(clause) {
            None => failures.push(format!("{clause}: no such clause folder in the corpus")),
            Some(row) if row.agreed < *min => failures.push(format!(
                "{clause}: {} agreed, the threshold is {min}",
                row.agreed
            )),
            Some(_) => {}
        }
    }
    let missing: Vec<_> = rows
        .keys()
        .filter(|c| !thresholds.contains_key(*c))
        .collect();
    assert!(
        missing.is_empty(),
        "clauses without a threshold (PDF_CORPUS_BLESS=1 adds them): {missing:?}"
    );
    assert!(
        failures.is_empty(),
        "agreement dropped:\n{}",
        failures.join("\n")
    );
}

/// A conforming file from the corpus (the first `-pass-` file that still passes once lopdf
/// has re-saved it), as lopdf's object model, to inject forbidden constructs into.
fn conforming_document() -> lopdf::Document {
    let root = corpus_dir();
    for file in pdf_files(&root) {
        if expected_pass(&file) != Some(true) {
            continue;
        }
        let bytes = std::fs::read(&file).expect("read corpus file");
        let Ok(mut doc) = lopdf::Document::load_mem(&bytes) else {
            continue;
        };
        if save(&mut doc).is_ok() {
            return doc;
        }
    }
    panic!("no conforming corpus file survives a lopdf round trip");
}

fn save(doc: &mut lopdf::Document) -> Result<(), pdfa::PdfFailure> {
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("lopdf saves");
    pdfa::validate(&out)
}

fn catalog_mut(doc: &mut lopdf::Document) -> &mut lopdf::Dictionary {
    let root = doc
        .trailer
        .get(b"Root")
        .and_then(|r| r.as_reference())
        .expect("Root");
    doc.get_dictionary_mut(root).expect("catalog")
}

fn saved(doc: &mut lopdf::Document) -> Vec<u8> {
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("lopdf saves");
    out
}

/// `check` goes on after a finding: every broken rule of a file is reported, with its id,
/// veraPDF's message filled with the offending value, and the object; up to the cap.
#[test]
fn every_broken_rule_is_reported_with_its_id_message_and_object() {
    use lopdf::{Object, Stream, dictionary};
    use pdfa::rules::{R6_1_7_2_1, R6_1_13_1, R6_4_2_1, R6_4_2_2, R6_5_1_1};
    let mut doc = conforming_document();
    let js = doc.add_object(dictionary! {
        "Type" => "Action", "S" => "JavaScript", "JS" => Object::string_literal("app.alert(1)"),
    });
    let lzw = doc.add_object(Stream::new(
        dictionary! { "Filter" => "LZWDecode" },
        b"x".to_vec(),
    ));
    let big = doc.add_object(Object::Integer(1 << 40));
    let catalog = catalog_mut(&mut doc);
    catalog.set("OpenAction", js);
    catalog.set("NeedsRendering", true);
    catalog.set(
        "AcroForm",
        dictionary! { "Fields" => vec![], "XFA" => Object::string_literal("<xdp/>") },
    );
    let bytes = saved(&mut doc);
    let report = pdfa::check(&bytes, &pdfa::Options::default());
    let rules: Vec<pdfa::RuleId> = report.findings.iter().map(|f| f.rule).collect();
    for rule in [R6_5_1_1, R6_4_2_2, R6_4_2_1, R6_1_7_2_1, R6_1_13_1] {
        assert!(rules.contains(&rule), "{rule} missing from {rules:?}");
    }
    assert!(!report.truncated);
    let find = |rule| report.findings.iter().find(|f| f.rule == rule).unwrap();
    assert_eq!(
        find(R6_5_1_1).message,
        "Unknown or not permitted Action type JavaScript"
    );
    assert_eq!(find(R6_5_1_1).clause, "6.5.1");
    assert_eq!(
        find(R6_1_7_2_1).object,
        format!("obj {} {} R (CosFilter)", lzw.0, lzw.1)
    );
    assert_eq!(
        find(R6_1_13_1).message,
        format!("Integer value {} out of range", 1i64 << 40)
    );
    assert_eq!(
        find(R6_1_13_1).object,
        format!("obj {} {} R (CosInteger)", big.0, big.1)
    );
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.kind == pdfa::FailureKind::NotPdfA)
    );

    // Capped: the first findings, and the report says more were left out.
    let capped = pdfa::check(
        &bytes,
        &pdfa::Options {
            max_findings: 2,
            ..pdfa::Options::default()
        },
    );
    assert_eq!(capped.findings, report.findings[..2]);
    assert!(capped.truncated);
    // validate answers the first finding, as it always did.
    let first = pdfa::validate(&bytes).unwrap_err();
    assert_eq!(first.rule, report.findings[0].rule);
    assert_eq!(first.reason, report.findings[0].message);
}

/// Within a content stream the walk goes on after a finding: an undefined operator and a
/// non-standard rendering intent are both reported, naming the page's content stream.
#[test]
fn a_content_stream_reports_each_broken_rule() {
    use lopdf::{Object, Stream, dictionary};
    use pdfa::rules::{R6_2_2_1, R6_2_6_1};
    let mut doc = conforming_document();
    let page = *doc.get_pages().values().next().expect("a page");
    let extra = doc.add_object(Stream::new(
        dictionary! {},
        b"q /Bogus ri foo Q q /Other ri Q".to_vec(),
    ));
    let page_dict = doc.get_dictionary_mut(page).expect("page");
    let contents = match page_dict.get(b"Contents") {
        Ok(Object::Array(a)) => a.clone(),
        Ok(c) => vec![c.clone()],
        Err(_) => vec![],
    };
    let mut all = contents;
    all.push(Object::Reference(extra));
    page_dict.set("Contents", all);
    let report = pdfa::check(&saved(&mut doc), &pdfa::Options::default());
    let on_page: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.object.starts_with("page 1 content stream"))
        .map(|f| (f.rule, f.message.clone()))
        .collect();
    assert!(
        on_page.contains(&(
            R6_2_2_1,
            "A content stream contains operator foo not defined in ISO 32000-1".into()
        )),
        "{on_page:?}"
    );
    assert!(
        on_page.contains(&(
            R6_2_6_1,
            "A rendering intent with non-standard value Bogus is used".into()
        )),
        "{on_page:?}"
    );
    assert!(
        on_page.contains(&(
            R6_2_6_1,
            "A rendering intent with non-standard value Other is used".into()
        )),
        "{on_page:?}"
    );
}

/// The catalog rules of 6.9 (optional content), 6.10 (alternate presentations) and 6.11
/// (requirements), each reported with its own id.
#[test]
fn optional_content_presentations_and_requirements_are_reported_by_rule() {
    use lopdf::{Object, dictionary};
    use pdfa::rules::{R6_9_1, R6_9_2, R6_9_3, R6_9_4, R6_10_1, R6_11_1};
    let mut doc = conforming_document();
    let a = doc.add_object(dictionary! { "Type" => "OCG", "Name" => Object::string_literal("a") });
    let b = doc.add_object(dictionary! { "Type" => "OCG", "Name" => Object::string_literal("b") });
    let catalog = catalog_mut(&mut doc);
    catalog.set("Requirements", vec![]);
    catalog.set(
        "Names",
        dictionary! { "AlternatePresentations" => dictionary! { "Names" => vec![] } },
    );
    catalog.set(
        "OCProperties",
        dictionary! {
            "OCGs" => vec![Object::Reference(a), Object::Reference(b)],
            "D" => dictionary! { "Name" => Object::string_literal("view"), "Order" => vec![Object::Reference(a)] },
            "Configs" => vec![
                Object::Dictionary(dictionary! { "Name" => Object::string_literal("view"), "Order" => vec![Object::Reference(a), Object::Reference(b)] }),
                Object::Dictionary(dictionary! { "AS" => vec![], "Order" => vec![Object::Reference(a), Object::Reference(b)] }),
            ],
        },
    );
    let report = pdfa::check(&saved(&mut doc), &pdfa::Options::default());
    let rules: Vec<pdfa::RuleId> = report.findings.iter().map(|f| f.rule).collect();
    for rule in [R6_9_1, R6_9_2, R6_9_3, R6_9_4, R6_10_1, R6_11_1] {
        assert!(rules.contains(&rule), "{rule} missing from {rules:?}");
    }
    let order = report.findings.iter().find(|f| f.rule == R6_9_3).unwrap();
    assert_eq!(
        order.message,
        format!(
            "Optional content group(s) {} {} R not present in the Order entry of the optional content configuration dictionary",
            b.0, b.1
        )
    );
}

/// The flavour: claimed by the file, forced by the options, 2b when the file claims none; the
/// rules of 2a (structure) and 2a/2u (Unicode) run only for them.
#[test]
fn the_flavour_is_claimed_forced_or_2b_and_selects_the_rules() {
    use lopdf::{Object, Stream, dictionary};
    use pdfa::rules::{R6_6_4_1, R6_7_2_2_1};
    use pdfa::{Flavour, FlavourSource, Options};
    let mut doc = conforming_document();
    let base = saved(&mut doc);
    let claimed = pdfa::check(&base, &Options::default());
    assert!(claimed.passed(), "{:?}", claimed.findings);
    assert_eq!(claimed.flavour_source, FlavourSource::Claimed);

    // Without MarkInfo: only 2a's profile holds 6.7.2.2-1.
    catalog_mut(&mut doc).remove(b"MarkInfo");
    let unmarked = saved(&mut doc);
    let forced = |flavour| {
        pdfa::check(
            &unmarked,
            &Options {
                flavour: Some(flavour),
                ..Options::default()
            },
        )
    };
    let a = forced(Flavour::A);
    assert_eq!(a.flavour, Flavour::A);
    assert_eq!(a.flavour_source, FlavourSource::Forced);
    assert!(
        a.findings.iter().any(|f| f.rule == R6_7_2_2_1),
        "{:?}",
        a.findings
    );
    for flavour in [Flavour::B, Flavour::U] {
        let r = forced(flavour);
        assert!(
            r.findings.iter().all(|f| f.rule != R6_7_2_2_1),
            "{:?}",
            r.findings
        );
    }

    // A file claiming no PDF/A level is checked as 2b, and says so.
    let xmp = br#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:format>application/pdf</dc:format></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="r"?>"#;
    let metadata = doc.add_object(Stream::new(
        dictionary! { "Type" => "Metadata", "Subtype" => "XML" },
        xmp.to_vec(),
    ));
    catalog_mut(&mut doc).set("Metadata", Object::Reference(metadata));
    let unclaimed = pdfa::check(&saved(&mut doc), &Options::default());
    assert_eq!(unclaimed.flavour, Flavour::B);
    assert_eq!(unclaimed.flavour_source, FlavourSource::Default);
    let rules: Vec<_> = unclaimed.findings.iter().map(|f| f.rule).collect();
    assert_eq!(rules, [R6_6_4_1]);
}

/// The rules a gateway must never relax, each checked by injecting the construct into a
/// conforming file through lopdf's object model (independently of the corpus' fail files).
#[test]
fn forbidden_constructs_injected_into_a_conforming_file_fail() {
    use lopdf::{Object, Stream, dictionary};
    let base = conforming_document();
    type Inject = Box<dyn Fn(&mut lopdf::Document)>;
    let cases: Vec<(&str, Inject)> = vec![
        (
            "6.5.1",
            Box::new(|d| {
                let js = d.add_object(dictionary! {
                "Type" => "Action", "S" => "JavaScript", "JS" => Object::string_literal("app.alert(1)"),
            });
                catalog_mut(d).set("OpenAction", js);
            }),
        ),
        (
            "6.5.1",
            Box::new(|d| {
                let launch =
                    dictionary! { "S" => "Launch", "F" => Object::string_literal("calc.exe") };
                let next = dictionary! { "S" => "GoTo", "D" => vec![Object::Integer(0)], "Next" => launch };
                catalog_mut(d).set("OpenAction", next);
            }),
        ),
        (
            "6.5.2",
            Box::new(|d| {
                let aa = dictionary! { "WC" => dictionary! { "S" => "GoTo", "D" => vec![Object::Integer(0)] } };
                catalog_mut(d).set("AA", aa);
            }),
        ),
        (
            "6.4.2",
            Box::new(|d| {
                let form =
                    dictionary! { "Fields" => vec![], "XFA" => Object::string_literal("<xdp/>") };
                catalog_mut(d).set("AcroForm", form);
            }),
        ),
        (
            "6.8",
            Box::new(|d| {
                let data = d.add_object(Stream::new(
                    dictionary! { "Type" => "EmbeddedFile" },
                    b"MZ not a PDF".to_vec(),
                ));
                let spec = dictionary! {
                    "Type" => "Filespec", "F" => Object::string_literal("a.exe"),
                    "UF" => Object::string_literal("a.exe"), "EF" => dictionary! { "F" => data },
                };
                let names = dictionary! { "EmbeddedFiles" => dictionary! {
                    "Names" => vec![Object::string_literal("a.exe"), Object::Dictionary(spec)],
                } };
                catalog_mut(d).set("Names", names);
            }),
        ),
        (
            "6.1.7.2",
            Box::new(|d| {
                d.add_object(Stream::new(
                    dictionary! { "Filter" => "LZWDecode" },
                    b"x".to_vec(),
                ));
            }),
        ),
        (
            "6.6.2.1",
            Box::new(|d| {
                catalog_mut(d).remove(b"Metadata");
            }),
        ),
    ];
    for (clause, inject) in cases {
        let mut doc = base.clone();
        inject(&mut doc);
        let verdict = save(&mut doc);
        assert_eq!(
            verdict.as_ref().map_err(|f| f.clause),
            Err(clause),
            "expected a {clause} failure, got {verdict:?}"
        );
    }
    // An encrypted file is refused as such.
    let mut doc = base.clone();
    let enc = doc.add_object(dictionary! { "Filter" => "Standard", "V" => 1, "R" => 2 });
    doc.trailer.set("Encrypt", enc);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("lopdf saves");
    assert!(pdfa::validate(&out).is_err());
}

/// Corpus files are the seeds for mutation: small ones first, so shrinking stays quick.
fn seeds() -> Vec<Vec<u8>> {
    let root = corpus_dir();
    if !root.is_dir() {
        return vec![
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n".to_vec(),
        ];
    }
    let mut files = pdf_files(&root);
    files.sort_by_key(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(u64::MAX));
    files
        .into_iter()
        .step_by(7)
        .take(64)
        .filter_map(|f| std::fs::read(f).ok())
        .collect()
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip {
        at: usize,
        mask: u8,
    },
    Set {
        at: usize,
        byte: u8,
    },
    Truncate {
        at: usize,
    },
    Insert {
        at: usize,
        bytes: Vec<u8>,
    },
    Remove {
        at: usize,
        len: usize,
    },
    /// Copies a slice of the file over another place: moves keywords, numbers and brackets around.
    Splice {
        from: usize,
        to: usize,
        len: usize,
    },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let tokens = prop::sample::select(vec![
        b"<<".to_vec(),
        b">>".to_vec(),
        b"[".to_vec(),
        b"]".to_vec(),
        b"(".to_vec(),
        b")".to_vec(),
        b" 0 R".to_vec(),
        b"999999999999 0 R".to_vec(),
        b"stream\n".to_vec(),
        b"endstream".to_vec(),
        b"endobj".to_vec(),
        b"xref\n0 1\n".to_vec(),
        b"/Filter/FlateDecode".to_vec(),
        b"/Length 99999999".to_vec(),
        b"-2147483649".to_vec(),
        b"1e400".to_vec(),
        b"#".to_vec(),
        b"\\".to_vec(),
        b"%%EOF".to_vec(),
    ]);
    prop_oneof![
        (any::<usize>(), 1u8..).prop_map(|(at, mask)| Mutation::Flip { at, mask }),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Set { at, byte }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
        (
            any::<usize>(),
            prop_oneof![tokens, prop::collection::vec(any::<u8>(), 1..16)]
        )
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        (any::<usize>(), 1usize..64).prop_map(|(at, len)| Mutation::Remove { at, len }),
        (any::<usize>(), any::<usize>(), 1usize..256)
            .prop_map(|(from, to, len)| Mutation::Splice { from, to, len }),
    ]
}

fn apply(data: &mut Vec<u8>, m: &Mutation) {
    let n = data.len().max(1);
    match m {
        Mutation::Flip { at, mask } => {
            if let Some(b) = data.get_mut(at % n) {
                *b ^= mask;
            }
        }
        Mutation::Set { at, byte } => {
            if let Some(b) = data.get_mut(at % n) {
                *b = *byte;
            }
        }
        Mutation::Truncate { at } => data.truncate(at % n),
        Mutation::Insert { at, bytes } => {
            let at = at % (data.len() + 1);
            data.splice(at..at, bytes.iter().copied());
        }
        Mutation::Remove { at, len } => {
            let at = at % n;
            let end = (at + len).min(data.len());
            if at < end {
                data.drain(at..end);
            }
        }
        Mutation::Splice { from, to, len } => {
            let from = from % n;
            let end = (from + len).min(data.len());
            if from < end {
                let chunk = data[from..end].to_vec();
                let to = to % (data.len() + 1);
                let stop = (to + chunk.len()).min(data.len());
                data.splice(to..stop, chunk);
            }
        }
    }
}

thread_local! {
    static PANICS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Panics seen on this thread, caught or not: a hook counts them before unwinding starts.
fn panics_on_this_thread() -> usize {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.with(|p| p.set(p.get() + 1));
            previous(info);
        }));
    });
    PANICS.with(|p| p.get())
}

fn proptest_cases() -> u32 {
    std::env::var("PDF_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: proptest_cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Whatever the bytes, `validate` answers: PASS or FAIL, never a panic or a hang.
    #[test]
    fn mutated_corpus_files_never_panic(
        seed in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..8),
    ) {
        thread_local! {
            static SEEDS: Vec<Vec<u8>> = seeds();
        }
        let mut data = SEEDS.with(|s| s[seed.index(s.len())].clone());
        for m in &mutations {
            apply(&mut data, m);
        }
        let before = panics_on_this_thread();
        let outcome = std::panic::catch_unwind(|| pdfa::validate(&data));
        prop_assert!(outcome.is_ok(), "validate panicked");
        // validate catches a parser panic and answers FAIL; still count it as a finding.
        prop_assert_eq!(panics_on_this_thread(), before, "a panic was caught inside validate");
        // `check` goes on after each finding (the raw walk resumes after `endobj`): every
        // finding, 2a's rules too.
        let options = pdfa::Options {
            flavour: Some(pdfa::Flavour::A),
            ..pdfa::Options::default()
        };
        let outcome = std::panic::catch_unwind(|| pdfa::check(&data, &options));
        prop_assert!(outcome.is_ok(), "check panicked");
        prop_assert_eq!(panics_on_this_thread(), before, "a panic was caught inside check");
        if let Ok(report) = outcome {
            prop_assert!(report.findings.len() <= options.max_findings);
        }
    }
}
