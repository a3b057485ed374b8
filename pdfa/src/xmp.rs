//! 6.6: XMP metadata. The catalog's metadata stream identifies the file (6.6.4); every
//! metadata stream uses only properties of the schemas XMP 2005 predefines, or of extension
//! schemas it declares in the `pdfaExtension` container (6.6.2.3), each with a value of its
//! declared type.

use std::collections::{HashMap, HashSet};

use lopdf::{Dictionary, Object, Stream};
use roxmltree::Node;

use super::rules::{self as rule, RuleId};
use super::{Check, Ctx, Finding, Flavour, PDFAID, nope, nope_why};

const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const XML: &str = "http://www.w3.org/XML/1998/namespace";
const EXTENSION: &str = "http://www.aiim.org/pdfa/ns/extension/";
const SCHEMA: &str = "http://www.aiim.org/pdfa/ns/schema#";
const PROPERTY: &str = "http://www.aiim.org/pdfa/ns/property#";
const TYPE: &str = "http://www.aiim.org/pdfa/ns/type#";
const FIELD: &str = "http://www.aiim.org/pdfa/ns/field#";

const DC: &str = "http://purl.org/dc/elements/1.1/";
const XMP: &str = "http://ns.adobe.com/xap/1.0/";
const XMP_RIGHTS: &str = "http://ns.adobe.com/xap/1.0/rights/";
const XMP_MM: &str = "http://ns.adobe.com/xap/1.0/mm/";
const XMP_BJ: &str = "http://ns.adobe.com/xap/1.0/bj/";
const XMP_TPG: &str = "http://ns.adobe.com/xap/1.0/t/pg/";
const XMP_DM: &str = "http://ns.adobe.com/xmp/1.0/DynamicMedia/";
const PDF: &str = "http://ns.adobe.com/pdf/1.3/";
const PHOTOSHOP: &str = "http://ns.adobe.com/photoshop/1.0/";
const CRS: &str = "http://ns.adobe.com/camera-raw-settings/1.0/";
const TIFF: &str = "http://ns.adobe.com/tiff/1.0/";
const EXIF: &str = "http://ns.adobe.com/exif/1.0/";
const AUX: &str = "http://ns.adobe.com/exif/1.0/aux/";

/// XMP 2005's predefined properties and PDF/A-2's additions (ISO 19005-2, 6.6.2.3.1), with
/// their value types. A closed choice is written `Choice:<regex>` over its base type's text.
const PREDEFINED: &[(&str, &[(&str, &str)])] = &[
    (
        PDFAID,
        &[
            ("part", "Integer"),
            ("amd", "Text"),
            ("corr", "Text"),
            ("conformance", "Choice:A|B|U"),
        ],
    ),
    (
        DC,
        &[
            ("contributor", "Bag ProperName"),
            ("coverage", "Text"),
            ("creator", "Seq ProperName"),
            ("date", "Seq Date"),
            ("description", "Lang Alt"),
            ("format", "MIMEType"),
            ("identifier", "Text"),
            ("language", "Bag Locale"),
            ("publisher", "Bag ProperName"),
            ("relation", "Bag Text"),
            ("rights", "Lang Alt"),
            ("source", "Text"),
            ("subject", "Bag Text"),
            ("title", "Lang Alt"),
            ("type", "Bag Text"),
        ],
    ),
    (
        XMP,
        &[
            ("Advisory", "Bag XPath"),
            ("BaseURL", "URL"),
            ("CreateDate", "Date"),
            ("CreatorTool", "AgentName"),
            ("Identifier", "Bag Text"),
            ("Label", "Text"),
            ("MetadataDate", "Date"),
            ("ModifyDate", "Date"),
            ("Nickname", "Text"),
            ("Rating", "Real"),
            ("Thumbnails", "Alt Thumbnail"),
        ],
    ),
    (
        XMP_RIGHTS,
        &[
            ("Certificate", "URL"),
            ("Marked", "Boolean"),
            ("Owner", "Bag ProperName"),
            ("UsageTerms", "Lang Alt"),
            ("WebStatement", "URL"),
        ],
    ),
    (
        XMP_MM,
        &[
            ("DerivedFrom", "ResourceRef"),
            ("DocumentID", "URI"),
            ("History", "Seq ResourceEvent"),
            ("InstanceID", "URI"),
            ("ManagedFrom", "ResourceRef"),
            ("Manager", "AgentName"),
            ("ManageTo", "URI"),
            ("ManageUI", "URI"),
            ("ManagerVariant", "Text"),
            ("RenditionClass", "RenditionClass"),
            ("RenditionParams", "Text"),
            ("VersionID", "Text"),
            ("Versions", "Seq Version"),
            ("LastURL", "URL"),
            ("RenditionOf", "ResourceRef"),
            ("SaveID", "Integer"),
        ],
    ),
    (XMP_BJ, &[("JobRef", "Bag Job")]),
    (
        XMP_TPG,
        &[
            ("MaxPageSize", "Dimensions"),
            ("NPages", "Integer"),
            ("Fonts", "Bag Font"),
            ("Colorants", "Seq Colorant"),
            ("PlateNames", "Seq Text"),
        ],
    ),
    (
        PDF,
        &[
            ("Keywords", "Text"),
            ("PDFVersion", "Text"),
            ("Producer", "AgentName"),
        ],
    ),
    (
        PHOTOSHOP,
        &[
            ("AuthorsPosition", "Text"),
            ("CaptionWriter", "ProperName"),
            ("Category", "Text"),
            ("City", "Text"),
            ("Country", "Text"),
            ("Credit", "Text"),
            ("DateCreated", "Date"),
            ("Headline", "Text"),
            ("Instructions", "Text"),
            ("Source", "Text"),
            ("State", "Text"),
            ("SupplementalCategories", "Bag Text"),
            ("TransmissionReference", "Text"),
            ("Urgency", "Integer"),
        ],
    ),
    (
        CRS,
        &[
            ("AutoBrightness", "Boolean"),
            ("AutoContrast", "Boolean"),
            ("AutoExposure", "Boolean"),
            ("AutoShadows", "Boolean"),
            ("BlueHue", "Integer"),
            ("BlueSaturation", "Integer"),
            ("Brightness", "Integer"),
            ("CameraProfile", "Text"),
            ("ChromaticAberrationB", "Integer"),
            ("ChromaticAberrationR", "Integer"),
            ("ColorNoiseReduction", "Integer"),
            ("Contrast", "Integer"),
            ("CropTop", "Real"),
            ("CropLeft", "Real"),
            ("CropBottom", "Real"),
            ("CropRight", "Real"),
            ("CropAngle", "Real"),
            ("CropWidth", "Real"),
            ("CropHeight", "Real"),
            ("CropUnits", "Integer"),
            ("Exposure", "Real"),
            ("GreenHue", "Integer"),
            ("GreenSaturation", "Integer"),
            ("HasCrop", "Boolean"),
            ("HasSettings", "Boolean"),
            ("LuminanceSmoothing", "Integer"),
            ("RawFileName", "Text"),
            ("RedHue", "Integer"),
            ("RedSaturation", "Integer"),
            ("Saturation", "Integer"),
            ("Shadows", "Integer"),
            ("ShadowTint", "Integer"),
            ("Sharpness", "Integer"),
            ("Temperature", "Integer"),
            ("Tint", "Integer"),
            ("ToneCurve", "Seq Point"),
            ("ToneCurveName", "Text"),
            ("Version", "Text"),
            ("VignetteAmount", "Integer"),
            ("VignetteMidpoint", "Integer"),
            (
                "WhiteBalance",
                "Choice:As Shot|Auto|Daylight|Cloudy|Shade|Tungsten|Fluorescent|Flash|Custom",
            ),
        ],
    ),
    (
        TIFF,
        &[
            ("ImageWidth", "Integer"),
            ("ImageLength", "Integer"),
            ("BitsPerSample", "Seq Integer"),
            ("Compression", "Choice:1|6"),
            ("PhotometricInterpretation", "Choice:2|6"),
            ("Orientation", "Choice:1|2|3|4|5|6|7|8"),
            ("SamplesPerPixel", "Integer"),
            ("PlanarConfiguration", "Choice:1|2"),
            ("YCbCrSubSampling", "Seq Integer"),
            ("YCbCrPositioning", "Choice:1|2"),
            ("XResolution", "Rational"),
            ("YResolution", "Rational"),
            ("ResolutionUnit", "Choice:2|3"),
            ("TransferFunction", "Seq Integer"),
            ("WhitePoint", "Seq Rational"),
            ("PrimaryChromaticities", "Seq Rational"),
            ("YCbCrCoefficients", "Seq Rational"),
            ("ReferenceBlackWhite", "Seq Rational"),
            ("DateTime", "Date"),
            ("ImageDescription", "Lang Alt"),
            ("Make", "ProperName"),
            ("Model", "ProperName"),
            ("Software", "AgentName"),
            ("Artist", "ProperName"),
            ("Copyright", "Lang Alt"),
        ],
    ),
    (
        EXIF,
        &[
            ("ExifVersion", "Text"),
            ("FlashpixVersion", "Text"),
            ("ColorSpace", "Choice:1|65535"),
            ("ComponentsConfiguration", "Seq Integer"),
            ("CompressedBitsPerPixel", "Rational"),
            ("PixelXDimension", "Integer"),
            ("PixelYDimension", "Integer"),
            ("UserComment", "Lang Alt"),
            ("RelatedSoundFile", "Text"),
            ("DateTimeOriginal", "Date"),
            ("DateTimeDigitized", "Date"),
            ("ExposureTime", "Rational"),
            ("FNumber", "Rational"),
            ("ExposureProgram", "Choice:[0-8]"),
            ("SpectralSensitivity", "Text"),
            ("ISOSpeedRatings", "Seq Integer"),
            ("OECF", "OECF/SFR"),
            ("ShutterSpeedValue", "Rational"),
            ("ApertureValue", "Rational"),
            ("BrightnessValue", "Rational"),
            ("ExposureBiasValue", "Rational"),
            ("MaxApertureValue", "Rational"),
            ("SubjectDistance", "Rational"),
            ("MeteringMode", "Choice:[0-6]|255"),
            ("LightSource", "Choice:[0-4]|9|1[0-5]|1[7-9]|2[0-4]|255"),
            ("Flash", "Flash"),
            ("FocalLength", "Rational"),
            ("SubjectArea", "Seq Integer"),
            ("FlashEnergy", "Rational"),
            ("SpatialFrequencyResponse", "OECF/SFR"),
            ("FocalPlaneXResolution", "Rational"),
            ("FocalPlaneYResolution", "Rational"),
            ("FocalPlaneResolutionUnit", "Choice:2|3"),
            ("SubjectLocation", "Seq Integer"),
            ("ExposureIndex", "Rational"),
            ("SensingMethod", "Choice:[1-8]"),
            ("FileSource", "Choice:3"),
            ("SceneType", "Choice:1"),
            ("CFAPattern", "CFAPattern"),
            ("CustomRendered", "Choice:0|1"),
            ("ExposureMode", "Choice:[0-2]"),
            ("WhiteBalance", "Choice:0|1"),
            ("DigitalZoomRatio", "Rational"),
            ("FocalLengthIn35mmFilm", "Integer"),
            ("SceneCaptureType", "Choice:[0-3]"),
            ("GainControl", "Choice:[0-4]"),
            ("Contrast", "Choice:[0-2]"),
            ("Saturation", "Choice:[0-2]"),
            ("Sharpness", "Choice:[0-2]"),
            ("DeviceSettingDescription", "DeviceSettings"),
            ("SubjectDistanceRange", "Choice:[0-3]"),
            ("ImageUniqueID", "Text"),
            ("GPSVersionID", "Text"),
            ("GPSLatitude", "GPSCoordinate"),
            ("GPSLongitude", "GPSCoordinate"),
            ("GPSAltitudeRef", "Choice:0|1"),
            ("GPSAltitude", "Rational"),
            ("GPSTimeStamp", "Date"),
            ("GPSSatellites", "Text"),
            ("GPSStatus", "Choice:A|V"),
            ("GPSMeasureMode", "Text"),
            ("GPSDOP", "Rational"),
            ("GPSSpeedRef", "Choice:K|M|N"),
            ("GPSSpeed", "Rational"),
            ("GPSTrackRef", "Choice:T|M"),
            ("GPSTrack", "Rational"),
            ("GPSImgDirectionRef", "Choice:T|M"),
            ("GPSImgDirection", "Rational"),
            ("GPSMapDatum", "Text"),
            ("GPSDestLatitude", "GPSCoordinate"),
            ("GPSDestLongitude", "GPSCoordinate"),
            ("GPSDestBearingRef", "Choice:T|M"),
            ("GPSDestBearing", "Rational"),
            ("GPSDestDistanceRef", "Choice:K|M|N"),
            ("GPSDestDistance", "Rational"),
            ("GPSProcessingMethod", "Text"),
            ("GPSAreaInformation", "Text"),
            ("GPSDifferential", "Choice:0|1"),
        ],
    ),
    (AUX, &[("Lens", "Text"), ("SerialNumber", "Text")]),
    (
        XMP_DM,
        &[
            ("projectRef", "ProjectLink"),
            ("videoFrameRate", "Text"),
            ("videoFrameSize", "Dimensions"),
            ("videoPixelAspectRatio", "Rational"),
            ("videoPixelDepth", "Choice:8Int|16Int|32Int|32Float"),
            ("videoColorSpace", "Choice:sRGB|CCIR-601|CCIR-709"),
            ("videoAlphaMode", "Choice:straight|pre-multiplied"),
            ("videoAlphaPremultipleColor", "Colorant"),
            ("videoAlphaUnityIsTransparent", "Boolean"),
            ("videoCompressor", "Text"),
            ("videoFieldOrder", "Choice:Upper|Lower|Progressive"),
            ("pullDown", "Choice:(WSSWW|SSWWW|SWWWS|WWWSS|WWSSW)(_24p)?"),
            ("audioSampleRate", "Integer"),
            ("audioSampleType", "Choice:8Int|16Int|32Int|32Float"),
            ("audioChannelType", "Choice:Mono|Stereo|5.1|7.1"),
            ("audioCompressor", "Text"),
            ("speakerPlacement", "Text"),
            ("fileDataRate", "Rational"),
            ("tapeName", "Text"),
            ("altTapeName", "Text"),
            ("startTimecode", "Timecode"),
            ("altTimecode", "Timecode"),
            ("duration", "Time"),
            ("scene", "Text"),
            ("shotName", "Text"),
            ("shotDate", "Date"),
            ("shotLocation", "Text"),
            ("logComment", "Text"),
            ("markers", "Seq Marker"),
            ("contributedMedia", "Bag Media"),
            ("absPeakAudioFilePath", "URI"),
            ("relativePeakAudioFilePath", "URI"),
            ("videoModDate", "Date"),
            ("audioModDate", "Date"),
            ("metadataModDate", "Date"),
            ("artist", "Text"),
            ("album", "Text"),
            ("trackNumber", "Integer"),
            ("genre", "Text"),
            ("copyright", "Text"),
            ("releaseDate", "Date"),
            ("composer", "Text"),
            ("engineer", "Text"),
            ("tempo", "Real"),
            ("instrument", "Text"),
            ("introTime", "Time"),
            ("outCue", "Time"),
            ("relativeTimestamp", "Time"),
            ("loop", "Boolean"),
            ("numberOfBeats", "Real"),
            ("key", "Choice:[ACDFG]#?|[BE]"),
            (
                "stretchMode",
                "Choice:Fixed length|Time-Scale|Resample|Beat Splice|Hybrid",
            ),
            ("timeScaleParams", "timeScaleStretch"),
            ("resampleParams", "resampleStretch"),
            ("beatSpliceParams", "beatSpliceStretch"),
            (
                "timeSignature",
                "Choice:2/4|3/4|4/4|5/4|7/4|6/8|9/8|12/8|other",
            ),
            ("scaleType", "Choice:Major|Minor|Both|Neither"),
        ],
    ),
];

/// The structured value types of XMP 2005 (and PDF/A-2's additions): namespace and fields.
/// A structured type: its name, its fields' namespace, its fields and their types.
type StructType = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const STRUCTS: &[StructType] = &[
    (
        "Dimensions",
        "http://ns.adobe.com/xap/1.0/sType/Dimensions#",
        &[("w", "Real"), ("h", "Real"), ("unit", "Text")],
    ),
    (
        "Thumbnail",
        "http://ns.adobe.com/xap/1.0/g/img/",
        &[
            ("height", "Integer"),
            ("width", "Integer"),
            ("format", "Choice:JPEG"),
            ("image", "Text"),
        ],
    ),
    (
        "ResourceEvent",
        "http://ns.adobe.com/xap/1.0/sType/ResourceEvent#",
        &[
            ("action", "Text"),
            ("changed", "Text"),
            ("instanceID", "URI"),
            ("parameters", "Text"),
            ("softwareAgent", "AgentName"),
            ("when", "Date"),
        ],
    ),
    (
        "ResourceRef",
        "http://ns.adobe.com/xap/1.0/sType/ResourceRef#",
        &[
            ("instanceID", "URI"),
            ("documentID", "URI"),
            ("versionID", "Text"),
            ("renditionClass", "RenditionClass"),
            ("renditionParams", "Text"),
            ("manager", "AgentName"),
            ("managerVariant", "Text"),
            ("manageTo", "URI"),
            ("manageUI", "URI"),
        ],
    ),
    (
        "Version",
        "http://ns.adobe.com/xap/1.0/sType/Version#",
        &[
            ("comments", "Text"),
            ("event", "ResourceEvent"),
            ("modifyDate", "Date"),
            ("modifier", "ProperName"),
            ("version", "Text"),
        ],
    ),
    (
        "Job",
        "http://ns.adobe.com/xap/1.0/sType/Job#",
        &[("name", "Text"), ("id", "Text"), ("url", "URL")],
    ),
    (
        "Font",
        "http://ns.adobe.com/xap/1.0/sType/Font#",
        &[
            ("fontName", "Text"),
            ("fontFamily", "Text"),
            ("fontFace", "Text"),
            ("fontType", "Text"),
            ("versionString", "Text"),
            ("composite", "Boolean"),
            ("fontFileName", "Text"),
            ("childFontFiles", "Seq Text"),
        ],
    ),
    (
        "Colorant",
        "http://ns.adobe.com/xap/1.0/g/",
        &[
            ("swatchName", "Text"),
            ("mode", "Choice:CMYK|RGB|LAB"),
            ("type", "Choice:PROCESS|SPOT"),
            ("cyan", "Real"),
            ("magenta", "Real"),
            ("yellow", "Real"),
            ("black", "Real"),
            ("red", "Integer"),
            ("green", "Integer"),
            ("blue", "Integer"),
            ("L", "Real"),
            ("A", "Integer"),
            ("B", "Integer"),
        ],
    ),
    (
        "Flash",
        EXIF,
        &[
            ("Fired", "Boolean"),
            ("Return", "Choice:0|2|3"),
            ("Mode", "Choice:[0-3]"),
            ("Function", "Boolean"),
            ("RedEyeMode", "Boolean"),
        ],
    ),
    (
        "OECF/SFR",
        EXIF,
        &[
            ("Columns", "Integer"),
            ("Rows", "Integer"),
            ("Names", "Seq Text"),
            ("Values", "Seq Rational"),
        ],
    ),
    (
        "CFAPattern",
        EXIF,
        &[
            ("Columns", "Integer"),
            ("Rows", "Integer"),
            ("Values", "Seq Integer"),
        ],
    ),
    (
        "DeviceSettings",
        EXIF,
        &[
            ("Columns", "Integer"),
            ("Rows", "Integer"),
            ("Settings", "Seq Text"),
        ],
    ),
    (
        "beatSpliceStretch",
        XMP_DM,
        &[
            ("useFileBeatsMarker", "Boolean"),
            ("riseInDecibel", "Real"),
            ("riseInTimeDuration", "Time"),
        ],
    ),
    (
        "Marker",
        XMP_DM,
        &[
            ("startTime", "Time"),
            ("duration", "Time"),
            ("comment", "Text"),
            ("name", "Text"),
            ("location", "URI"),
            ("target", "Text"),
            ("type", "Choice:Chapter|Cue|Beat|Track|Index"),
        ],
    ),
    (
        "Media",
        XMP_DM,
        &[
            ("path", "URI"),
            ("track", "Text"),
            ("startTime", "Time"),
            ("duration", "Time"),
            ("managed", "Boolean"),
            ("webStatement", "URI"),
        ],
    ),
    (
        "ProjectLink",
        XMP_DM,
        &[("type", "Choice:movie|still|audio|custom"), ("path", "URI")],
    ),
    (
        "resampleStretch",
        XMP_DM,
        &[("quality", "Choice:High|Medium|Low")],
    ),
    (
        "Time",
        XMP_DM,
        &[("value", "Integer"), ("scale", "Rational")],
    ),
    (
        "Timecode",
        XMP_DM,
        &[
            ("timeValue", "Text"),
            (
                "timeFormat",
                "Choice:(24|25|2997Drop|2997NonDrop|30|50|5994Drop|5994NonDrop|60|23976)Timecode",
            ),
        ],
    ),
    (
        "timeScaleStretch",
        XMP_DM,
        &[
            ("quality", "Choice:High|Medium|Low"),
            ("frameSize", "Real"),
            ("frameOverlappingPercentage", "Real"),
        ],
    ),
];

/// The preferred prefixes of the PDF/A schemas, which 6.6.2.3.3 and 6.6.4 require.
const REQUIRED_PREFIXES: &[(&str, &str)] = &[
    (PDFAID, "pdfaid"),
    (EXTENSION, "pdfaExtension"),
    (SCHEMA, "pdfaSchema"),
    (PROPERTY, "pdfaProperty"),
    (TYPE, "pdfaType"),
    (FIELD, "pdfaField"),
];

/// Metadata streams parsed at most per file.
const MAX_METADATA_STREAMS: usize = 10_000;
/// XML nesting accepted in a metadata packet (roxmltree has its own limit too).
const MAX_DEPTH: usize = 64;

/// The catalog's metadata (6.6.2.1, 6.6.4), then every other metadata stream (6.6.2.3).
pub(crate) fn check(ctx: &Ctx<'_>, catalog: &Dictionary) -> Check {
    let Some(Object::Stream(main)) = ctx.get(catalog, b"Metadata") else {
        return Err(nope(rule::R6_6_2_1_1, &[]));
    };
    let text = packet_text(ctx, main)?;
    let doc = parse(&text)?;
    if let Some(flavour) = claimed_flavour(&doc) {
        ctx.claimed(flavour);
    }
    ctx.check_unit("catalog metadata", || {
        identification(ctx, &doc, ctx.embedding > 0)
    })?;
    // An invalid extension schema container: its properties are not checked (each would be
    // undefined), the other metadata streams still are.
    let main_defs = match Definitions::from_packet(&doc) {
        Ok(defs) => {
            properties(ctx, &doc, &defs, None)?;
            defs
        }
        Err(f) => {
            ctx.collect("catalog metadata", Err(f))?;
            Definitions::default()
        }
    };
    // Other metadata streams: pages, fonts, images… checked with the catalog's extension
    // schemas and their own.
    let mut seen = HashSet::new();
    seen.insert(main as *const Stream);
    for obj in ctx.doc.objects.values() {
        ctx.tick(1)?;
        let Some(d) = ctx.dict(obj) else { continue };
        let Some(Object::Stream(s)) = ctx.get(d, b"Metadata") else {
            continue;
        };
        if !seen.insert(s as *const Stream) {
            continue;
        }
        if seen.len() > MAX_METADATA_STREAMS {
            return Err(nope_why(
                RuleId::clause_only("6.6.2.1"),
                "too many metadata streams",
            ));
        }
        let other = || {
            let text = packet_text(ctx, s)?;
            let doc = parse(&text)?;
            let own = Definitions::from_packet(&doc)?;
            properties(ctx, &doc, &main_defs, Some(&own))
        };
        ctx.check_unit("metadata stream", other)?;
    }
    Ok(())
}

fn packet_text(ctx: &Ctx<'_>, s: &Stream) -> Result<String, Finding> {
    let Some(xmp) = ctx.decode(s)? else {
        return Err(nope(rule::R6_6_2_1_4, &[]));
    };
    // Parsing and walking the XML is linear in its size; roxmltree cannot be interrupted, so
    // its cost is counted up front.
    ctx.tick(xmp.len() as u64 / 64)?;
    packet(&xmp)?;
    String::from_utf8(xmp).map_err(|_| nope(rule::R6_6_2_1_5, &[&"not UTF-8"]))
}

fn parse(text: &str) -> Result<roxmltree::Document<'_>, Finding> {
    roxmltree::Document::parse_with_options(
        text,
        roxmltree::ParsingOptions {
            allow_dtd: false,
            ..Default::default()
        },
    )
    .map_err(|_| nope(rule::R6_6_2_1_4, &[]))
}

/// 6.6.2.1: the `xpacket` header has neither `bytes` nor `encoding`.
fn packet(xmp: &[u8]) -> Check {
    if let Some(start) = super::syntax::find(xmp, b"<?xpacket") {
        let end = super::syntax::find(&xmp[start..], b"?>").map_or(xmp.len(), |e| start + e);
        let header = &xmp[start..end];
        for attr in [&b"bytes="[..], b"encoding="] {
            if super::syntax::find(header, attr).is_some() {
                return Err(nope(
                    if attr == b"bytes=" {
                        rule::R6_6_2_1_2
                    } else {
                        rule::R6_6_2_1_3
                    },
                    &[],
                ));
            }
        }
    }
    Ok(())
}

/// The PDF/A-2 level the identification claims (`pdfaid:part` 2, `pdfaid:conformance` A, B or
/// U, under any prefix), as veraPDF picks its profile.
fn claimed_flavour(doc: &roxmltree::Document<'_>) -> Option<Flavour> {
    let mut part = None;
    let mut conformance = None;
    for (node, value) in descriptions(doc).flat_map(simple_properties) {
        if node.0 == PDFAID {
            match node.1 {
                "part" => part = Some(value),
                "conformance" => conformance = Some(value),
                _ => {}
            }
        }
    }
    if part?.trim() != "2" {
        return None;
    }
    match conformance?.trim() {
        "A" => Some(Flavour::A),
        "B" => Some(Flavour::B),
        "U" => Some(Flavour::U),
        _ => None,
    }
}

/// 6.6.4: `pdfaid:part` 2 and `pdfaid:conformance` A, B or U, with the `pdfaid` prefix.
/// An embedded file (`embedded`) may be PDF/A-1 too (6.8).
fn identification(ctx: &Ctx<'_>, doc: &roxmltree::Document<'_>, embedded: bool) -> Check {
    let mut part = None;
    let mut conformance = None;
    for (node, value) in descriptions(doc).flat_map(simple_properties) {
        if node.0 == PDFAID {
            match node.1 {
                "part" => part = Some(value),
                "conformance" => conformance = Some(value),
                _ => {}
            }
        }
    }
    let (Some(part), Some(conformance)) = (part, conformance) else {
        return Err(nope(rule::R6_6_4_1, &[]));
    };
    if part.trim() != "2" && !(embedded && part.trim() == "1") {
        ctx.report(nope(rule::R6_6_4_2, &[&part]))?;
    }
    // The flavour checked decides which levels conform: 2a only A, 2u A or U, 2b any.
    let ok = match ctx.flavour() {
        Flavour::A => conformance == "A",
        Flavour::U => conformance == "A" || conformance == "U",
        Flavour::B => matches!(conformance.as_str(), "A" | "B" | "U"),
    };
    if !ok {
        return Err(ctx.nope(rule::R6_6_4_3, &[&conformance]));
    }
    Ok(())
}

/// The `rdf:Description` elements under `rdf:RDF`.
fn descriptions<'a, 'i>(doc: &'a roxmltree::Document<'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    doc.descendants()
        .filter(|n| is(n, RDF, "RDF"))
        .flat_map(|rdf| rdf.children().filter(|n| is(n, RDF, "Description")))
}

fn is(n: &Node<'_, '_>, ns: &str, name: &str) -> bool {
    n.is_element() && n.tag_name().namespace() == Some(ns) && n.tag_name().name() == name
}

/// The simple properties of a description, as attributes or text-only elements.
fn simple_properties<'a>(d: Node<'a, '_>) -> Vec<((&'a str, &'a str), String)> {
    let mut out = Vec::new();
    for a in d.attributes() {
        if let Some(ns) = a.namespace()
            && ns != RDF
            && ns != XML
        {
            out.push(((ns, a.name()), a.value().to_owned()));
        }
    }
    for c in d.children().filter(|c| c.is_element()) {
        if let Some(ns) = c.tag_name().namespace()
            && !c.children().any(|x| x.is_element())
        {
            out.push(((ns, c.tag_name().name()), c.text().unwrap_or("").to_owned()));
        }
    }
    out
}

/// An RDF value, as XMP sees it.
#[derive(Debug)]
enum Value<'a> {
    Simple(String),
    Array(ArrayKind, Vec<Item<'a>>),
    Struct(Vec<Field<'a>>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ArrayKind {
    Bag,
    Seq,
    Alt,
}

#[derive(Debug)]
struct Item<'a> {
    value: Value<'a>,
    has_lang: bool,
}

#[derive(Debug)]
struct Field<'a> {
    ns: &'a str,
    name: &'a str,
    value: Value<'a>,
}

/// The value of a property element (or array item).
fn value<'a>(e: Node<'a, '_>, depth: usize) -> Result<Value<'a>, Finding> {
    if depth > MAX_DEPTH {
        return Err(nope_why(
            RuleId::clause_only("6.6.2.1"),
            "metadata nested too deep",
        ));
    }
    if let Some(r) = e.attribute((RDF, "resource")) {
        return Ok(Value::Simple(r.to_owned()));
    }
    let element_children: Vec<_> = e.children().filter(|c| c.is_element()).collect();
    if e.attribute((RDF, "parseType")) == Some("Resource") {
        return fields(e, &element_children, false, depth);
    }
    if let [only] = element_children.as_slice() {
        let kind = match (only.tag_name().namespace(), only.tag_name().name()) {
            (Some(RDF), "Bag") => Some(ArrayKind::Bag),
            (Some(RDF), "Seq") => Some(ArrayKind::Seq),
            (Some(RDF), "Alt") => Some(ArrayKind::Alt),
            _ => None,
        };
        if let Some(kind) = kind {
            let mut items = Vec::new();
            for li in only.children().filter(|c| c.is_element()) {
                if !is(&li, RDF, "li") {
                    return Err(nope(rule::R6_6_2_1_4, &[]));
                }
                items.push(Item {
                    value: value(li, depth + 1)?,
                    has_lang: li.attribute((XML, "lang")).is_some(),
                });
            }
            return Ok(Value::Array(kind, items));
        }
        if is(only, RDF, "Description") {
            // A struct, or a qualified value (rdf:value plus qualifiers).
            if let Some(v) = only.children().find(|c| is(c, RDF, "value")) {
                return value(v, depth + 1);
            }
            let inner: Vec<_> = only.children().filter(|c| c.is_element()).collect();
            return fields(*only, &inner, true, depth);
        }
    }
    if let Some(v) = element_children.iter().find(|c| is(c, RDF, "value")) {
        return value(*v, depth + 1);
    }
    if !element_children.is_empty() {
        return fields(e, &element_children, false, depth);
    }
    let attr_fields = e
        .attributes()
        .any(|a| a.namespace().is_some_and(|ns| ns != RDF && ns != XML));
    if attr_fields {
        return fields(e, &[], true, depth);
    }
    Ok(Value::Simple(e.text().unwrap_or("").to_owned()))
}

/// A struct's fields: child elements, and attributes when `with_attributes`.
fn fields<'a>(
    e: Node<'a, '_>,
    children: &[Node<'a, '_>],
    with_attributes: bool,
    depth: usize,
) -> Result<Value<'a>, Finding> {
    let mut out = Vec::new();
    if with_attributes {
        for a in e.attributes() {
            if let Some(ns) = a.namespace()
                && ns != RDF
                && ns != XML
            {
                out.push(Field {
                    ns,
                    name: a.name(),
                    value: Value::Simple(a.value().to_owned()),
                });
            }
        }
    }
    for c in children {
        let Some(ns) = c.tag_name().namespace() else {
            continue;
        };
        out.push(Field {
            ns,
            name: c.tag_name().name(),
            value: value(*c, depth + 1)?,
        });
    }
    Ok(Value::Struct(out))
}

/// The properties and value types a packet's extension schemas declare (6.6.2.3.2).
#[derive(Debug, Default)]
struct Definitions {
    properties: HashMap<(String, String), String>,
    types: HashMap<String, (String, HashMap<String, String>)>,
}

impl Definitions {
    /// Reads (and checks, 6.6.2.3.3) the `pdfaExtension:schemas` container of a packet.
    fn from_packet(doc: &roxmltree::Document<'_>) -> Result<Definitions, Finding> {
        let mut defs = Definitions::default();
        for d in descriptions(doc) {
            for c in d.children().filter(|c| c.is_element()) {
                if c.tag_name().namespace() != Some(EXTENSION) {
                    continue;
                }
                if c.tag_name().name() != "schemas" {
                    return Err(nope(rule::R6_6_2_3_3_1, &[&"false", &"pdfaExtension"]));
                }
                let Value::Array(ArrayKind::Bag, schemas) = value(c, 0)? else {
                    return Err(nope(rule::R6_6_2_3_3_1, &[&"false", &"pdfaExtension"]));
                };
                for s in schemas {
                    defs.schema(&s.value)?;
                }
            }
        }
        Ok(defs)
    }

    fn schema(&mut self, v: &Value<'_>) -> Check {
        let f = struct_fields(
            v,
            SCHEMA,
            &["schema", "namespaceURI", "prefix"],
            &["property", "valueType"],
            "schema",
        )?;
        let ns = simple_text(f.get("namespaceURI"), "pdfaSchema:namespaceURI")?;
        simple_text(f.get("schema"), "pdfaSchema:schema")?;
        simple_text(f.get("prefix"), "pdfaSchema:prefix")?;
        if let Some(types) = f.get("valueType") {
            let Value::Array(ArrayKind::Seq, items) = types else {
                return Err(nope(rule::R6_6_2_3_3_6, &[&"pdfaSchema", &"false"]));
            };
            for t in items {
                self.value_type(&t.value)?;
            }
        }
        if let Some(props) = f.get("property") {
            let Value::Array(ArrayKind::Seq, items) = props else {
                return Err(nope(rule::R6_6_2_3_3_5, &[&"pdfaSchema", &"false"]));
            };
            for p in items {
                let pf = struct_fields(
                    &p.value,
                    PROPERTY,
                    &["name", "valueType", "category", "description"],
                    &[],
                    "property",
                )?;
                let name = simple_text(pf.get("name"), "pdfaProperty:name")?;
                let ty = simple_text(pf.get("valueType"), "pdfaProperty:valueType")?;
                simple_text(pf.get("description"), "pdfaProperty:description")?;
                let category = simple_text(pf.get("category"), "pdfaProperty:category")?;
                if category != "internal" && category != "external" {
                    return Err(nope(
                        rule::R6_6_2_3_3_9,
                        &[&"pdfaProperty", &"true", &category],
                    ));
                }
                self.properties.insert((ns.clone(), name), ty);
            }
        }
        Ok(())
    }

    fn value_type(&mut self, v: &Value<'_>) -> Check {
        let f = struct_fields(
            v,
            TYPE,
            &["type", "namespaceURI", "prefix", "description"],
            &["field"],
            "value type",
        )?;
        let name = simple_text(f.get("type"), "pdfaType:type")?;
        let ns = simple_text(f.get("namespaceURI"), "pdfaType:namespaceURI")?;
        simple_text(f.get("prefix"), "pdfaType:prefix")?;
        simple_text(f.get("description"), "pdfaType:description")?;
        let mut fields = HashMap::new();
        if let Some(fl) = f.get("field") {
            let Value::Array(ArrayKind::Seq, items) = fl else {
                return Err(nope(rule::R6_6_2_3_3_15, &[&"pdfaType", &"false"]));
            };
            for i in items {
                let ff = struct_fields(
                    &i.value,
                    FIELD,
                    &["name", "valueType", "description"],
                    &[],
                    "field",
                )?;
                let fname = simple_text(ff.get("name"), "pdfaField:name")?;
                let fty = simple_text(ff.get("valueType"), "pdfaField:valueType")?;
                simple_text(ff.get("description"), "pdfaField:description")?;
                fields.insert(fname, fty);
            }
        }
        // A value type without fields describes nothing a value could be checked against.
        if !fields.is_empty() {
            self.types.insert(name, (ns, fields));
        }
        Ok(())
    }
}

/// A struct of the namespace `ns` with the `required` fields and possibly the `optional` ones.
fn struct_fields<'v, 'a>(
    v: &'v Value<'a>,
    ns: &str,
    required: &[&str],
    optional: &[&str],
    what: &str,
) -> Result<HashMap<&'a str, &'v Value<'a>>, Finding> {
    let Value::Struct(fields) = v else {
        return Err(nope_why(
            RuleId::clause_only("6.6.2.3.3"),
            format!("an extension {what} is not a structure"),
        ));
    };
    let mut out = HashMap::new();
    for f in fields {
        if f.ns != ns || !(required.contains(&f.name) || optional.contains(&f.name)) {
            return Err(nope(rule::R6_6_2_3_2_1, &[&f.name]));
        }
        out.insert(f.name, &f.value);
    }
    for r in required {
        if !out.contains_key(r) {
            return Err(missing_field(ns, r, "null"));
        }
    }
    Ok(out)
}

fn simple_text(v: Option<&&Value<'_>>, what: &str) -> Result<String, Finding> {
    match v {
        Some(Value::Simple(s)) => Ok(s.clone()),
        _ => {
            let (prefix, field) = what.split_once(':').unwrap_or(("", what));
            let ns = REQUIRED_PREFIXES
                .iter()
                .find(|(_, p)| *p == prefix)
                .map_or("", |(n, _)| *n);
            Err(missing_field(ns, field, prefix))
        }
    }
}

/// 6.6.2.3.3: the rule for a field of the extension schema value types that is missing or
/// not text (`prefix`: the prefix it has, for veraPDF's message).
fn missing_field(ns: &str, field: &str, prefix: &str) -> Finding {
    let r = match (ns, field) {
        (SCHEMA, "schema") => rule::R6_6_2_3_3_2,
        (SCHEMA, "namespaceURI") => rule::R6_6_2_3_3_3,
        (SCHEMA, _) => rule::R6_6_2_3_3_4,
        (PROPERTY, "name") => rule::R6_6_2_3_3_7,
        (PROPERTY, "valueType") => rule::R6_6_2_3_3_8,
        (PROPERTY, "category") => rule::R6_6_2_3_3_9,
        (PROPERTY, _) => rule::R6_6_2_3_3_10,
        (TYPE, "type") => rule::R6_6_2_3_3_11,
        (TYPE, "namespaceURI") => rule::R6_6_2_3_3_12,
        (TYPE, "prefix") => rule::R6_6_2_3_3_13,
        (TYPE, _) => rule::R6_6_2_3_3_14,
        (FIELD, "name") => rule::R6_6_2_3_3_16,
        (FIELD, "valueType") => rule::R6_6_2_3_3_17,
        _ => rule::R6_6_2_3_3_18,
    };
    nope(r, &[&prefix, &false, &"null"])
}

/// 6.6.2.3: every property is predefined or declared, with a value of its type; the PDF/A
/// schemas use their preferred prefixes.
fn properties(
    ctx: &Ctx<'_>,
    doc: &roxmltree::Document<'_>,
    main: &Definitions,
    own: Option<&Definitions>,
) -> Check {
    for n in doc.descendants().filter(|n| n.is_element()) {
        for (ns, prefix) in REQUIRED_PREFIXES {
            let uses = n.tag_name().namespace() == Some(*ns)
                || n.attributes().any(|a| a.namespace() == Some(*ns));
            if uses && n.lookup_prefix(ns) != Some(*prefix) {
                let found = n.lookup_prefix(ns).unwrap_or("null");
                if *ns == PDFAID {
                    // Each identification property has its own rule, written as an element
                    // (`<pdfaid:part>`) or as an attribute of a description (`pdfaid:part="2"`).
                    let element =
                        (n.tag_name().namespace() == Some(PDFAID)).then(|| n.tag_name().name());
                    let attributes = n
                        .attributes()
                        .filter(|a| a.namespace() == Some(PDFAID))
                        .map(|a| a.name());
                    for name in element.into_iter().chain(attributes) {
                        let r = match name {
                            "conformance" => rule::R6_6_4_5,
                            "amd" => rule::R6_6_4_6,
                            "corr" => rule::R6_6_4_7,
                            _ => rule::R6_6_4_4,
                        };
                        ctx.report(nope(r, &[&found]))?;
                    }
                    continue;
                }
                let f = match *ns {
                    EXTENSION => nope(rule::R6_6_2_3_3_1, &[&true, &found]),
                    _ => missing_field(ns, n.tag_name().name(), found),
                };
                ctx.report(f)?;
            }
        }
    }
    let defs = [Some(main), own];
    for d in descriptions(doc) {
        let mut props: Vec<(&str, &str, Value<'_>)> = Vec::new();
        for a in d.attributes() {
            if let Some(ns) = a.namespace()
                && ns != RDF
                && ns != XML
            {
                props.push((ns, a.name(), Value::Simple(a.value().to_owned())));
            }
        }
        for c in d.children().filter(|c| c.is_element()) {
            let Some(ns) = c.tag_name().namespace() else {
                return Err(nope(rule::R6_6_2_3_1_1, &[]));
            };
            props.push((ns, c.tag_name().name(), value(c, 0)?));
        }
        for (ns, name, v) in props {
            if ns == EXTENSION {
                continue;
            }
            let ty = PREDEFINED
                .iter()
                .find(|(n, _)| *n == ns)
                .and_then(|(_, ps)| ps.iter().find(|(p, _)| *p == name))
                .map(|(_, t)| (*t).to_owned())
                .or_else(|| {
                    defs.iter()
                        .rev()
                        .flatten()
                        .find_map(|d| d.properties.get(&(ns.to_owned(), name.to_owned())).cloned())
                });
            let property = |mut f: Finding| {
                f.object = format!("{ns}{name} (XMPProperty)");
                f
            };
            let Some(ty) = ty else {
                ctx.report(property(nope(rule::R6_6_2_3_1_1, &[])))?;
                continue;
            };
            if !valid(&v, &ty, &defs, 0) {
                ctx.report(property(nope(rule::R6_6_2_3_1_2, &[&ty])))?;
            }
        }
    }
    Ok(())
}

/// Whether `v` is a value of the XMP type `ty`.
fn valid(v: &Value<'_>, ty: &str, defs: &[Option<&Definitions>; 2], depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    if let Some(re) = ty.strip_prefix("Choice:") {
        return matches!(v, Value::Simple(s) if choice(re, s));
    }
    let t = simplify(ty);
    for (prefix, kind) in [
        ("bag", ArrayKind::Bag),
        ("seq", ArrayKind::Seq),
        ("alt", ArrayKind::Alt),
    ] {
        let item_type = if t == prefix {
            Some("text".to_owned())
        } else {
            t.strip_prefix(prefix)
                .and_then(|r| r.strip_prefix(' '))
                .map(str::to_owned)
        };
        if let Some(item_type) = item_type {
            return matches!(v, Value::Array(k, items) if *k == kind
                && items.iter().all(|i| valid(&i.value, &item_type, defs, depth + 1)));
        }
    }
    if t == "lang alt" {
        return matches!(v, Value::Array(ArrayKind::Alt, items)
            if items.iter().any(|i| i.has_lang) && items.iter().all(|i| matches!(i.value, Value::Simple(_))));
    }
    let simple = |f: &dyn Fn(&str) -> bool| matches!(v, Value::Simple(s) if f(s));
    match t.as_str() {
        "text" | "propername" | "agentname" | "renditionclass" => simple(&|_| true),
        "boolean" => simple(&|s| s == "True" || s == "False"),
        "integer" => simple(&is_integer),
        "real" => simple(&is_real),
        "rational" => simple(&|s| {
            s.split_once('/')
                .is_some_and(|(a, b)| is_integer(a) && is_integer(b))
        }),
        "date" => simple(&is_date),
        "uri" => simple(&is_uri),
        "url" => simple(&is_url),
        "xpath" => simple(&|s| !s.trim().is_empty()),
        // veraPDF accepts any text as a Locale (its corpus has a URI in dc:language).
        "locale" => simple(&|_| true),
        "mimetype" => simple(&is_mime),
        "gpscoordinate" => simple(&is_gps),
        "point" => simple(&is_point),
        _ => {
            // A structure: predefined, or declared by an extension schema.
            let predefined = STRUCTS.iter().find(|(n, _, _)| n.eq_ignore_ascii_case(&t));
            let Value::Struct(fields) = v else {
                return false;
            };
            if let Some((_, ns, spec)) = predefined {
                return fields.iter().all(|f| {
                    f.ns == *ns
                        && spec
                            .iter()
                            .find(|(n, _)| *n == f.name)
                            .is_some_and(|(_, ft)| valid(&f.value, ft, defs, depth + 1))
                });
            }
            let declared = defs.iter().rev().flatten().find_map(|d| {
                d.types
                    .iter()
                    .find(|(n, _)| simplify(n) == t)
                    .map(|(_, v)| v)
            });
            let Some((ns, spec)) = declared else {
                return false;
            };
            fields.iter().all(|f| {
                f.ns == ns
                    && spec
                        .get(f.name)
                        .is_some_and(|ft| valid(&f.value, ft, defs, depth + 1))
            })
        }
    }
}

/// A type name as veraPDF compares them: lower case, "open/closed choice of" dropped.
fn simplify(ty: &str) -> String {
    let mut t = ty.trim().to_ascii_lowercase();
    for noise in [
        "open choice of ",
        "closed choice of ",
        "choice of ",
        "open ",
        "closed ",
    ] {
        t = t.replace(noise, "");
    }
    let t = t.trim().to_owned();
    if t.is_empty() || t == "choice" {
        "text".to_owned()
    } else {
        t
    }
}

/// A closed choice: `|`-separated alternatives, each a literal with `[a-b]` classes, `#?`, or
/// one `( … )` group; enough for the XMP 2005 tables above.
fn choice(re: &str, s: &str) -> bool {
    expand(re, 0).iter().any(|alt| alt == s)
}

/// The strings a small pattern stands for (bounded: the tables above expand to a few hundred).
fn expand(re: &str, depth: usize) -> Vec<String> {
    if depth > 4 {
        return vec![];
    }
    // Split the top level on `|`.
    let mut parts = Vec::new();
    let mut level = 0;
    let mut start = 0;
    for (i, c) in re.char_indices() {
        match c {
            '(' => level += 1,
            ')' => level -= 1,
            '|' if level == 0 => {
                parts.push(&re[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&re[start..]);
    if parts.len() > 1 {
        return parts.iter().flat_map(|p| expand(p, depth + 1)).collect();
    }
    let mut out = vec![String::new()];
    let chars: Vec<char> = re.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let alts: Vec<String> = match chars[i] {
            '(' => {
                let mut level = 0;
                let mut j = i;
                while j < chars.len() {
                    match chars[j] {
                        '(' => level += 1,
                        ')' => {
                            level -= 1;
                            if level == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                let inner: String = chars[i + 1..j.min(chars.len())].iter().collect();
                i = j + 1;
                expand(&inner, depth + 1)
            }
            '[' => {
                let j = chars[i..]
                    .iter()
                    .position(|&c| c == ']')
                    .map_or(chars.len(), |p| i + p);
                let set = &chars[i + 1..j];
                let mut alts = Vec::new();
                let mut k = 0;
                while k < set.len() {
                    if k + 2 < set.len() && set[k + 1] == '-' {
                        for c in set[k]..=set[k + 2] {
                            alts.push(c.to_string());
                        }
                        k += 3;
                    } else {
                        alts.push(set[k].to_string());
                        k += 1;
                    }
                }
                i = j + 1;
                alts
            }
            c => {
                i += 1;
                vec![c.to_string()]
            }
        };
        let optional = chars.get(i) == Some(&'?');
        if optional {
            i += 1;
        }
        let mut next = Vec::new();
        for o in &out {
            if optional {
                next.push(o.clone());
            }
            for a in &alts {
                next.push(format!("{o}{a}"));
            }
        }
        out = next;
        if out.len() > 4096 {
            return out;
        }
    }
    out
}

fn is_integer(s: &str) -> bool {
    let d = s.strip_prefix(['+', '-']).unwrap_or(s);
    !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())
}

fn is_real(s: &str) -> bool {
    let d = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (a, b) = d.split_once('.').unwrap_or((d, ""));
    !(a.is_empty() && b.is_empty())
        && a.bytes().all(|c| c.is_ascii_digit())
        && b.bytes().all(|c| c.is_ascii_digit())
        && d.matches('.').count() <= 1
}

/// ISO 8601 as XMP writes dates: YYYY[-MM[-DD[Thh:mm[:ss[.s+]][TZD]]]].
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b.get(r.clone())
            .is_some_and(|x| x.iter().all(u8::is_ascii_digit))
    };
    let num = |r: std::ops::Range<usize>| -> u32 {
        std::str::from_utf8(&b[r])
            .ok()
            .and_then(|x| x.parse().ok())
            .unwrap_or(99)
    };
    if !digits(0..4) {
        return false;
    }
    if b.len() == 4 {
        return true;
    }
    if b.get(4) != Some(&b'-') || !digits(5..7) || !(1..=12).contains(&num(5..7)) {
        return false;
    }
    if b.len() == 7 {
        return true;
    }
    if b.get(7) != Some(&b'-') || !digits(8..10) || !(1..=31).contains(&num(8..10)) {
        return false;
    }
    if b.len() == 10 {
        return true;
    }
    if b.get(10) != Some(&b'T') || !digits(11..13) || b.get(13) != Some(&b':') || !digits(14..16) {
        return false;
    }
    if num(11..13) > 23 || num(14..16) > 59 {
        return false;
    }
    let mut i = 16;
    if b.get(i) == Some(&b':') {
        if !digits(i + 1..i + 3) || num(i + 1..i + 3) > 59 {
            return false;
        }
        i += 3;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == start {
                return false;
            }
        }
    }
    match &b[i..] {
        [] | [b'Z'] => true,
        [b'+' | b'-', rest @ ..] => {
            rest.len() == 5
                && rest[2] == b':'
                && rest[..2].iter().chain(&rest[3..]).all(u8::is_ascii_digit)
                && num(i + 1..i + 3) <= 23
                && num(i + 4..i + 6) <= 59
        }
        _ => false,
    }
}

/// A URI reference as `java.net.URI` parses it: no spaces or excluded characters, `%`
/// escapes well formed, a scheme (if any) that starts with a letter.
fn is_uri(s: &str) -> bool {
    let b = s.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        match c {
            b' ' | b'"' | b'<' | b'>' | b'\\' | b'^' | b'`' | b'{' | b'|' | b'}' => return false,
            0..=0x1f | 0x7f => return false,
            b'%' if !(b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit)) =>
            {
                return false;
            }
            _ => {}
        }
    }
    if s.matches('#').count() > 1 {
        return false;
    }
    match s.find(':') {
        Some(0) => false,
        Some(p) if !s[..p].contains(['/', '?', '#']) => {
            let scheme = &s[..p];
            scheme.as_bytes()[0].is_ascii_alphabetic()
                && scheme
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"+-.".contains(&c))
                && p + 1 < s.len()
        }
        _ => true,
    }
}

/// A URL as `java.net.URL` accepts it: a protocol it knows, then anything.
fn is_url(s: &str) -> bool {
    let Some((scheme, _)) = s.split_once(':') else {
        return false;
    };
    matches!(
        scheme.to_ascii_lowercase().as_str(),
        "http" | "https" | "ftp" | "file" | "jar" | "mailto"
    )
}

fn is_mime(s: &str) -> bool {
    let ok =
        |p: &str| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || "-_+.".contains(c));
    s.split_once('/').is_some_and(|(a, b)| ok(a) && ok(b))
}

/// `DDD,MM,SSk` or `DDD,MM.mmk` (k one of N, S, E, W).
fn is_gps(s: &str) -> bool {
    let Some(body) = s.strip_suffix(['N', 'S', 'E', 'W']) else {
        return false;
    };
    let Some((deg, rest)) = body.split_once(',') else {
        return false;
    };
    let all_digits = |x: &str, lo: usize, hi: usize| {
        (lo..=hi).contains(&x.len()) && x.bytes().all(|c| c.is_ascii_digit())
    };
    if !all_digits(deg, 1, 3) {
        return false;
    }
    if let Some((min, sec)) = rest.split_once(',') {
        all_digits(min, 1, 2) && all_digits(sec, 1, 2)
    } else if let Some((min, frac)) = rest.split_once('.') {
        all_digits(min, 1, 2) && all_digits(frac, 1, 64)
    } else {
        false
    }
}

/// A Camera Raw tone curve point, `(x, y)`.
fn is_point(s: &str) -> bool {
    s.strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .and_then(|r| r.split_once(", "))
        .is_some_and(|(a, b)| is_integer(a) && is_integer(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_type_primitives() {
        assert!(is_date("2016-02-01T13:19:21+01:00"));
        assert!(is_date("2016-02-01"));
        assert!(is_date("1997-07-16T19:20:15.45Z"));
        assert!(!is_date("1997-07-16T19:20:15.45Z+01:00"));
        assert!(!is_date("Date: 2016-02-01"));
        assert!(is_real("-3.5") && is_real(".5") && is_real("2") && !is_real("2/1"));
        assert!(is_integer("+26") && !is_integer("8.0"));
        assert!(is_gps("67,19,26S") && is_gps("43,40.53W") && !is_gps("43,40,53"));
        assert!(choice("(WSSWW|SSWWW)(_24p)?", "SSWWW_24p"));
        assert!(choice("[ACDFG]#?|[BE]", "D#") && !choice("[ACDFG]#?|[BE]", "B#"));
        assert!(choice("[0-6]|255", "255") && !choice("[0-6]|255", "7"));
        assert!(is_uri("file:///C:/Audio/sound.mp3") && !is_uri("a b"));
    }
}
