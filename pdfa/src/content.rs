//! Content streams and what they use for rendering (6.1.6, 6.1.10, 6.1.13, 6.2).
//!
//! Only resources a content stream names are "used for rendering" (ISO 19005-2, 6.2.2 note):
//! the walk starts at each page's contents and annotation appearances and follows `Do`, `Tf`
//! (Type 3 glyphs), patterns and soft masks, with the resources each stream inherits.

use std::collections::{HashMap, HashSet};

use lopdf::{Dictionary, Object, Stream};

use super::lexer::{Lexer, Val, is_white};
use super::model::{Page, page_annotations};
use super::rules::{self as rule, RuleId};
use super::{Check, Ctx, Finding, nope, nope_why};

fn lossy(b: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(b)
}

/// 6.1.13: q/Q nesting.
const MAX_Q_NESTING: usize = 28;
/// 6.1.13: DeviceN colourants.
const MAX_DEVICEN: usize = 32;
/// How deep forms, patterns and glyphs may invoke each other.
const MAX_INVOCATION_DEPTH: usize = 32;
/// Content streams walked at most per file (every form and glyph counts once).
const MAX_STREAMS: usize = 100_000;

/// The operators of ISO 32000-1, Annex A (6.2.2).
const OPERATORS: &[&[u8]] = &[
    b"b", b"B", b"b*", b"B*", b"BDC", b"BI", b"BMC", b"BT", b"BX", b"c", b"cm", b"CS", b"cs", b"d",
    b"d0", b"d1", b"Do", b"DP", b"EI", b"EMC", b"ET", b"EX", b"f", b"F", b"f*", b"G", b"g", b"gs",
    b"h", b"i", b"ID", b"j", b"J", b"K", b"k", b"l", b"m", b"M", b"MP", b"n", b"q", b"Q", b"re",
    b"RG", b"rg", b"ri", b"s", b"S", b"SC", b"sc", b"SCN", b"scn", b"sh", b"T*", b"Tc", b"Td",
    b"TD", b"Tf", b"Tj", b"TJ", b"TL", b"Tm", b"Tr", b"Ts", b"Tw", b"Tz", b"v", b"w", b"W", b"W*",
    b"y", b"'", b"\"",
];

/// 6.2.6: the rendering intents of ISO 32000-1, Table 70.
pub(crate) const INTENTS: &[&[u8]] = &[
    b"RelativeColorimetric",
    b"AbsoluteColorimetric",
    b"Perceptual",
    b"Saturation",
];

/// The device colour families 6.2.4.3 restricts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Device {
    Gray,
    Rgb,
    Cmyk,
}

/// The output intent's colour space, as the ICC profile header says (6.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Intent {
    None,
    Gray,
    Rgb,
    Cmyk,
    Other,
}

pub(crate) fn check(ctx: &Ctx<'_>, catalog: &Dictionary, pages: &[Page<'_>]) -> Check {
    let intent = super::model::output_intent_space(ctx, catalog)?;
    let mut w = Walker {
        ctx,
        intent,
        seen: HashSet::new(),
        streams: 0,
        transparency: false,
        separations: HashMap::new(),
        checked_separations: HashSet::new(),
        icc: HashMap::new(),
        fonts: Vec::new(),
        seen_fonts: HashMap::new(),
        codes: Vec::new(),
        bare: Vec::new(),
        usage: Vec::new(),
        code_bytes: Vec::new(),
        pua: ctx.has_rule(rule::R6_2_11_7_3_1),
        page_mcids: HashSet::new(),
        own: true,
    };
    // 6.2.11.7.3 (2a): the marked content of each page that structure elements with
    // ActualText cover, by MCID.
    let mut covered = if w.pua {
        super::logical::actual_text_mcids(ctx, catalog)?
    } else {
        HashMap::new()
    };
    for (i, page) in pages.iter().enumerate() {
        let n = i + 1;
        w.transparency = false;
        w.page_mcids = covered.remove(&page.id).unwrap_or_default();
        let res = page.resources;
        let contents = ctx.within(format_args!("page {n} content stream"), || {
            let data = page_contents(ctx, page)?;
            w.own = page.dict.has(b"Resources");
            w.content(&data, res, 0, State::default())
        });
        ctx.collect(format_args!("page {n} content stream"), contents)?;
        if let Some(g) = ctx.get_dict(page.dict, b"Group") {
            ctx.collect(format_args!("page {n} group"), w.group(g, res))?;
        }
        for (a, annot) in page_annotations(ctx, page).into_iter().enumerate() {
            let unit = format!("page {n} annotation {} appearance", a + 1);
            let appearance = ctx.within(&unit, || {
                if let Some(ap) = ctx.get_dict(annot, b"AP") {
                    for (_, v) in ap.iter() {
                        match ctx.resolve(v) {
                            Object::Stream(s) => w.form(s, res, 0, State::default())?,
                            Object::Dictionary(states) => {
                                for (_, s) in states.iter() {
                                    if let Object::Stream(s) = ctx.resolve(s) {
                                        w.form(s, res, 0, State::default())?;
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                }
                Ok(())
            });
            ctx.collect(&unit, appearance)?;
        }
        // 6.2.10: without a PDF/A output intent, a page with transparency names its blending
        // colour space in a Group entry.
        if w.transparency && intent == Intent::None {
            let cs = ctx
                .get_dict(page.dict, b"Group")
                .and_then(|g| ctx.get(g, b"CS"));
            if cs.is_none() {
                ctx.collect(format_args!("page {n}"), Err(nope(rule::R6_2_10_2, &[])))?;
            }
        }
    }
    super::fonts::check(ctx, &w.fonts, &w.codes, &w.bare, &w.usage)
}

/// A conformance finding is recorded and the walk goes on with the next operator; the cap, a
/// budget or an unreadable file stop it.
fn keep(ctx: &Ctx<'_>, r: Check) -> Check {
    match r {
        Err(f) if f.kind == super::FailureKind::NotPdfA => ctx.report(f),
        other => other,
    }
}

/// A page's content streams, decoded and joined.
fn page_contents(ctx: &Ctx<'_>, page: &Page<'_>) -> Result<Vec<u8>, Finding> {
    let mut out = Vec::new();
    let streams: Vec<&Object> = match page.dict.get(b"Contents").ok().map(|c| ctx.resolve(c)) {
        Some(Object::Array(a)) => a.iter().collect(),
        Some(o) => vec![o],
        None => vec![],
    };
    for s in streams {
        if let Object::Stream(s) = ctx.resolve(s) {
            out.extend(decoded(ctx, s)?);
            out.push(b'\n');
        }
    }
    Ok(out)
}

fn decoded(ctx: &Ctx<'_>, s: &Stream) -> Result<Vec<u8>, Finding> {
    ctx.decode(s)?.ok_or_else(|| {
        nope_why(
            RuleId::clause_only("6.2.2"),
            "a content stream cannot be decoded",
        )
    })
}

/// Graphics state the checks follow: colour spaces in use and overprint (6.2.4.2).
#[derive(Clone, Copy, Default)]
struct State {
    /// A colour was set for filling / stroking (else painting uses the initial DeviceGray).
    fill_set: bool,
    stroke_set: bool,
    fill_cmyk_icc: bool,
    stroke_cmyk_icc: bool,
    op_fill: bool,
    op_stroke: bool,
    opm1: bool,
    /// The text rendering mode (Tr).
    text_mode: u8,
    /// Inside marked content with replacement text (`ActualText` in its properties or on the
    /// structure element its MCID belongs to), 6.2.11.7.3.
    covered: bool,
    /// The current font, an index into `Walker::fonts`.
    font: Option<usize>,
}

impl State {
    /// For streams whose colour comes from elsewhere (glyphs, patterns, soft masks).
    fn coloured() -> Self {
        State {
            fill_set: true,
            stroke_set: true,
            ..State::default()
        }
    }
}

/// How a content stream uses a font.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Usage {
    /// A string was shown with it.
    pub shown: bool,
    /// A string was shown with it in a rendering mode other than 3 (invisible).
    pub visible: bool,
}

impl Usage {
    /// 6.2.11.4.1: its program must be embedded. veraPDF (6.2.11.4.1-1) exempts a font used only
    /// in rendering mode 3; a font selected but never shown is held to embedding, as before.
    pub fn needs_embedding(self) -> bool {
        self.visible || !self.shown
    }
}

struct Walker<'a, 'c> {
    ctx: &'c Ctx<'a>,
    intent: Intent,
    /// Forms, patterns and glyph procedures already walked.
    seen: HashSet<*const Stream>,
    streams: usize,
    /// The current page uses transparency.
    transparency: bool,
    /// 6.2.4.4: Separation colorant name → (alternate, tint transform) first seen.
    separations: HashMap<Vec<u8>, (Object, Object)>,
    /// Separation arrays already compared, and ICC profiles already read (by address: both
    /// live in the document), so a stream repeating `cs` costs nothing more.
    checked_separations: HashSet<*const Object>,
    icc: HashMap<*const Stream, Intent>,
    /// Fonts used for rendering, each once.
    fonts: Vec<&'a Dictionary>,
    seen_fonts: HashMap<*const Dictionary, usize>,
    /// The character codes each font shows (when its codes are one or two bytes).
    codes: Vec<HashSet<u32>>,
    /// The codes each font shows outside marked content with replacement text (2a).
    bare: Vec<HashSet<u32>>,
    /// How each font is used: shown at all, shown visibly (6.2.11.4.1).
    usage: Vec<Usage>,
    code_bytes: Vec<Option<usize>>,
    /// Whether 6.2.11.7.3 is checked (2a), and the MCIDs of the current page covered by a
    /// structure element's ActualText.
    pua: bool,
    page_mcids: HashSet<i64>,
    /// The stream being walked has its own Resources (6.2.2: named resources must come from
    /// an explicitly associated dictionary, not an inherited one).
    own: bool,
}

impl<'a> Walker<'a, '_> {
    /// `resource`, its 6.2.2 finding recorded (then it counts as absent).
    fn resource_kept(
        &self,
        res: Option<&'a Dictionary>,
        kind: &[u8],
        name: &[u8],
    ) -> Result<Option<&'a Object>, Finding> {
        match self.resource(res, kind, name) {
            Err(f) if f.kind == super::FailureKind::NotPdfA => {
                self.ctx.report(f)?;
                Ok(None)
            }
            other => other,
        }
    }

    /// A named resource; 6.2.2 when the stream has no Resources of its own.
    fn resource(
        &self,
        res: Option<&'a Dictionary>,
        kind: &[u8],
        name: &[u8],
    ) -> Result<Option<&'a Object>, Finding> {
        let found = res
            .and_then(|r| self.ctx.get_dict(r, kind))
            .and_then(|cat| self.ctx.get(cat, name));
        if found.is_some() && !self.own {
            return Err(nope(rule::R6_2_2_2, &[&lossy(name)]));
        }
        Ok(found)
    }

    /// Whether a Default colour space is set in the resources in effect (no 6.2.2 question).
    fn has_default(&self, res: Option<&'a Dictionary>, name: &[u8]) -> bool {
        res.and_then(|r| self.ctx.get_dict(r, b"ColorSpace"))
            .and_then(|cat| self.ctx.get(cat, name))
            .is_some()
    }

    /// A form XObject, pattern or glyph procedure: its own resources, else its parent's.
    fn form(
        &mut self,
        s: &'a Stream,
        parent: Option<&'a Dictionary>,
        depth: usize,
        init: State,
    ) -> Check {
        if depth > MAX_INVOCATION_DEPTH {
            return Err(nope_why(
                RuleId::clause_only("6.2.2"),
                "forms invoke each other too deep",
            ));
        }
        if !self.seen.insert(s as *const Stream) {
            return Ok(());
        }
        self.streams += 1;
        if self.streams > MAX_STREAMS {
            return Err(nope_why(
                RuleId::clause_only("6.1.13"),
                "too many content streams",
            ));
        }
        self.stream(
            s,
            self.ctx.get_dict(&s.dict, b"Resources"),
            parent,
            depth,
            init,
        )
    }

    /// A content stream with its resources (`own`), else the inherited ones.
    fn stream(
        &mut self,
        s: &'a Stream,
        own: Option<&'a Dictionary>,
        parent: Option<&'a Dictionary>,
        depth: usize,
        init: State,
    ) -> Check {
        let res = own.or(parent);
        if let Some(g) = self.ctx.get_dict(&s.dict, b"Group") {
            self.group(g, res)?;
        }
        let data = decoded(self.ctx, s)?;
        let outer = self.own;
        self.own = own.is_some();
        let result = self.content(&data, res, depth + 1, init);
        self.own = outer;
        result
    }

    /// A transparency group: it is transparency; its blending space is a colour use (6.2.10).
    fn group(&mut self, g: &'a Dictionary, res: Option<&'a Dictionary>) -> Check {
        if self.ctx.get_name(g, b"S") == Some(b"Transparency")
            && let Ok(cs) = g.get(b"CS")
        {
            self.colour_space(cs, res, 0, &mut State::default(), false)?;
        }
        Ok(())
    }

    /// Tokenizes a content stream, checking operators and operands, and follows what it uses.
    fn content(
        &mut self,
        data: &[u8],
        res: Option<&'a Dictionary>,
        depth: usize,
        init: State,
    ) -> Check {
        let mut lx = Lexer::new(data, 0);
        let mut operands: Vec<Val> = Vec::new();
        let mut nesting = 0usize;
        let mut state = init;
        let mut saved: Vec<State> = Vec::new();
        // Marked content open in this stream: whether each has replacement text.
        let mut marked: Vec<bool> = Vec::new();
        loop {
            lx.skip_ws();
            if lx.at_end() {
                return Ok(());
            }
            self.ctx.tick(1)?;
            let v = lx.value(0).map_err(|e| {
                if e.rule == rule::UNREADABLE {
                    nope_why(
                        RuleId::clause_only("6.2.2"),
                        format!("a content stream is malformed: {}", e.message),
                    )
                } else {
                    e
                }
            })?;
            let Val::Keyword(op) = v else {
                if operands.len() < 64 {
                    operands.push(v);
                }
                continue;
            };
            if !OPERATORS.contains(&op.as_slice()) {
                self.ctx.report(nope(rule::R6_2_2_1, &[&lossy(&op)]))?;
                operands.clear();
                continue;
            }
            let name = |i: usize| match operands.get(i) {
                Some(Val::Name(n)) => Some(n.as_slice()),
                _ => None,
            };
            let last_name = match operands.last() {
                Some(Val::Name(n)) => Some(n.as_slice()),
                _ => None,
            };
            if self.pua {
                match op.as_slice() {
                    b"BMC" => marked.push(false),
                    b"BDC" => {
                        let covers = match operands.get(1) {
                            Some(Val::Dict(d)) => {
                                d.has(b"ActualText")
                                    || (depth == 0
                                        && matches!(d.get(b"MCID"), Some(Val::Int(m)) if self.page_mcids.contains(m)))
                            }
                            Some(Val::Name(n)) => {
                                match self
                                    .resource_kept(res, b"Properties", n)?
                                    .and_then(|o| self.ctx.dict(o))
                                {
                                    Some(p) => {
                                        p.has(b"ActualText")
                                            || (depth == 0
                                                && matches!(self.ctx.get(p, b"MCID"), Some(Object::Integer(m)) if self.page_mcids.contains(m)))
                                    }
                                    None => false,
                                }
                            }
                            _ => false,
                        };
                        marked.push(covers);
                    }
                    b"EMC" => {
                        marked.pop();
                    }
                    _ => {}
                }
            }
            match op.as_slice() {
                b"q" => {
                    nesting += 1;
                    saved.push(state);
                    // Reported once per stream, at the first level too deep.
                    if nesting == MAX_Q_NESTING + 1 {
                        self.ctx.report(nope(rule::R6_1_13_8, &[&nesting]))?;
                    }
                }
                b"Q" => {
                    nesting = nesting.saturating_sub(1);
                    state = saved.pop().unwrap_or_default();
                }
                b"BI" => self.inline_image(&mut lx, res, &mut state)?,
                b"BDC" | b"DP" if self.ctx.has_rule(rule::R6_7_4_1) => match operands.get(1) {
                    Some(Val::Dict(d)) => {
                        if let Some(Val::Str(lang)) = d.get(b"Lang") {
                            keep(self.ctx, super::logical::language_bytes(lang))?;
                        }
                    }
                    Some(Val::Name(n)) => {
                        if let Some(p) = self
                            .resource_kept(res, b"Properties", n)?
                            .and_then(|o| self.ctx.dict(o))
                            && let Some(lang) = self.ctx.get(p, b"Lang")
                        {
                            keep(self.ctx, super::logical::language(lang))?;
                        }
                    }
                    _ => {}
                },
                b"ri" => {
                    if let Some(n) = name(0)
                        && !INTENTS.contains(&n)
                    {
                        self.ctx.report(nope(rule::R6_2_6_1, &[&lossy(n)]))?;
                    }
                }
                b"rg" | b"RG" => keep(self.ctx, self.device(Device::Rgb, res))?,
                b"k" | b"K" => keep(self.ctx, self.device(Device::Cmyk, res))?,
                b"g" | b"G" => keep(self.ctx, self.device(Device::Gray, res))?,
                b"Tr" => {
                    if let Some(Val::Int(m)) = operands.first() {
                        state.text_mode = u8::try_from(*m).unwrap_or(0);
                    }
                }
                b"cs" | b"CS" => {
                    if let Some(n) = name(0) {
                        let stroke = op == b"CS";
                        let mut cs_state = State::default();
                        keep(
                            self.ctx,
                            self.colour_space(
                                &Object::Name(n.to_vec()),
                                res,
                                0,
                                &mut cs_state,
                                true,
                            ),
                        )?;
                        if stroke {
                            state.stroke_cmyk_icc = cs_state.fill_cmyk_icc;
                        } else {
                            state.fill_cmyk_icc = cs_state.fill_cmyk_icc;
                        }
                    }
                }
                b"scn" | b"SCN" => {
                    if let Some(n) = last_name {
                        match self.resource_kept(res, b"Pattern", n)? {
                            Some(Object::Stream(p)) => keep(self.ctx, self.pattern(p, res, depth))?,
                            Some(Object::Dictionary(p)) => {
                                if let Ok(sh) = p.get(b"Shading") {
                                    keep(self.ctx, self.shading(sh, res))?;
                                }
                                if let Some(gs) = self.ctx.get_dict(p, b"ExtGState") {
                                    keep(
                                        self.ctx,
                                        self.ext_gstate(gs, res, &mut State::default(), depth),
                                    )?;
                                }
                            }
                            _ => {}
                        }
                    }
                }
                b"sh" => {
                    if let Some(n) = name(0)
                        && let Some(sh) = self.resource_kept(res, b"Shading", n)?
                    {
                        keep(self.ctx, self.shading(sh, res))?;
                    }
                }
                b"gs" => {
                    if let Some(n) = name(0)
                        && let Some(gs) = self
                            .resource_kept(res, b"ExtGState", n)?
                            .and_then(|o| self.ctx.dict(o))
                    {
                        keep(self.ctx, self.ext_gstate(gs, res, &mut state, depth))?;
                    }
                }
                b"Do" => {
                    if let Some(n) = name(0)
                        && let Some(Object::Stream(x)) = self.resource_kept(res, b"XObject", n)?
                    {
                        keep(self.ctx, self.xobject(x, res, depth, &mut state))?;
                    }
                }
                b"Tf" => {
                    if let Some(n) = name(0)
                        && let Some(f) = self
                            .resource_kept(res, b"Font", n)?
                            .and_then(|o| self.ctx.dict(o))
                    {
                        match self.font(f, res, depth) {
                            Ok(i) => state.font = Some(i),
                            Err(e) => keep(self.ctx, Err(e))?,
                        }
                    }
                }
                _ => {}
            }
            if self.pua {
                state.covered = init.covered || marked.contains(&true);
            }
            if let Some(font) = state.font {
                let covered = state.covered;
                let invisible = state.text_mode == 3;
                match (op.as_slice(), operands.last()) {
                    (b"Tj" | b"'" | b"\"", Some(Val::Str(s))) => {
                        self.shown(font, s, covered, invisible)
                    }
                    (b"TJ", Some(Val::Array(items))) => {
                        for i in items {
                            if let Val::Str(s) = i {
                                self.shown(font, s, covered, invisible);
                            }
                        }
                    }
                    _ => {}
                }
            }
            match op.as_slice() {
                b"rg" | b"k" | b"g" | b"cs" | b"sc" | b"scn" => state.fill_set = true,
                b"RG" | b"K" | b"G" | b"CS" | b"SC" | b"SCN" => state.stroke_set = true,
                _ => {}
            }
            let text = matches!(op.as_slice(), b"Tj" | b"TJ" | b"'" | b"\"");
            let fills = matches!(
                op.as_slice(),
                b"f" | b"F" | b"f*" | b"B" | b"B*" | b"b" | b"b*"
            ) || (text && matches!(state.text_mode, 0 | 2 | 4 | 6));
            let strokes = matches!(op.as_slice(), b"S" | b"s" | b"B" | b"B*" | b"b" | b"b*")
                || (text && matches!(state.text_mode, 1 | 2 | 5 | 6));
            // 6.2.4.3: painting before any colour is set uses the initial DeviceGray.
            if (fills && !state.fill_set) || (strokes && !state.stroke_set) {
                keep(self.ctx, self.device(Device::Gray, res))?;
            }
            // 6.2.4.2: overprinting CMYK with OPM 1.
            if state.opm1
                && ((fills && state.fill_cmyk_icc && state.op_fill)
                    || (strokes && state.stroke_cmyk_icc && state.op_stroke))
            {
                self.ctx.report(nope(rule::R6_2_4_2_2, &[&1]))?;
            }
            operands.clear();
        }
    }

    /// A device colour: needs a matching PDF/A output intent or a Default colour space.
    fn device(&mut self, d: Device, res: Option<&'a Dictionary>) -> Check {
        let default: &[u8] = match d {
            Device::Gray => b"DefaultGray",
            Device::Rgb => b"DefaultRGB",
            Device::Cmyk => b"DefaultCMYK",
        };
        if self.has_default(res, default) {
            return Ok(());
        }
        let ok = match d {
            Device::Gray => self.intent != Intent::None,
            Device::Rgb => self.intent == Intent::Rgb,
            Device::Cmyk => self.intent == Intent::Cmyk,
        };
        if ok {
            return Ok(());
        }
        Err(nope(
            match d {
                Device::Gray => rule::R6_2_4_3_4,
                Device::Rgb => rule::R6_2_4_3_2,
                Device::Cmyk => rule::R6_2_4_3_3,
            },
            &[],
        ))
    }

    /// A colour space in use (6.2.4): device families, ICC profiles, special families.
    /// `state.fill_cmyk_icc` reports whether it is (or is based on) an ICCBased CMYK space.
    fn colour_space(
        &mut self,
        cs: &Object,
        res: Option<&'a Dictionary>,
        depth: usize,
        state: &mut State,
        named_lookup: bool,
    ) -> Check {
        if depth > 8 {
            return Err(nope_why(
                RuleId::clause_only("6.2.4"),
                "colour spaces nest too deep",
            ));
        }
        let cs = self.ctx.resolve_any(cs);
        match cs {
            Object::Name(n) => match n.as_slice() {
                b"DeviceRGB" | b"RGB" => self.device(Device::Rgb, res),
                b"DeviceCMYK" | b"CMYK" => self.device(Device::Cmyk, res),
                b"DeviceGray" | b"G" => self.device(Device::Gray, res),
                b"Pattern" => Ok(()),
                other if named_lookup => match self.resource(res, b"ColorSpace", other)? {
                    Some(o) => self.colour_space(o, res, depth + 1, state, false),
                    None => Ok(()),
                },
                _ => Ok(()),
            },
            Object::Array(a) => {
                let family = a.first().map(|f| self.ctx.resolve_any(f));
                let Some(Object::Name(family)) = family else {
                    return Ok(());
                };
                match family.as_slice() {
                    b"ICCBased" => {
                        if let Some(Object::Stream(p)) = a.get(1).map(|p| self.ctx.resolve_any(p)) {
                            let space = match self.icc.get(&(p as *const Stream)) {
                                Some(space) => *space,
                                None => {
                                    let space = super::model::icc_profile(self.ctx, p, false)?;
                                    self.icc.insert(p as *const Stream, space);
                                    space
                                }
                            };
                            if space == Intent::Cmyk {
                                state.fill_cmyk_icc = true;
                            }
                        }
                        Ok(())
                    }
                    b"Indexed" | b"I" => match a.get(1) {
                        Some(base) => self.colour_space(base, res, depth + 1, state, true),
                        None => Ok(()),
                    },
                    b"Pattern" => match a.get(1) {
                        Some(base) => self.colour_space(base, res, depth + 1, state, true),
                        None => Ok(()),
                    },
                    b"Separation" => {
                        if let Some(Object::Name(name)) = a.get(1).map(|n| self.ctx.resolve_any(n))
                        {
                            colorant_name(name)?;
                            if let (Some(alt), Some(tint)) = (a.get(2), a.get(3))
                                && self.checked_separations.insert(cs as *const Object)
                            {
                                let alt_v = self.ctx.resolve_any(alt).clone();
                                let tint_v = self.ctx.resolve_any(tint).clone();
                                match self.separations.get(name) {
                                    Some((a0, t0)) if name != b"All" && name != b"None" => {
                                        if !same_object(self.ctx, a0, &alt_v, 0)
                                            || !same_object(self.ctx, t0, &tint_v, 0)
                                        {
                                            self.ctx.report(nope(rule::R6_2_4_4_2, &[]))?;
                                        }
                                    }
                                    Some(_) => {}
                                    None => {
                                        self.separations.insert(name.clone(), (alt_v, tint_v));
                                    }
                                }
                            }
                        }
                        match a.get(2) {
                            Some(alt) => {
                                self.colour_space(alt, res, depth + 1, &mut State::default(), true)
                            }
                            None => Ok(()),
                        }
                    }
                    b"DeviceN" => {
                        let names: Vec<&[u8]> = match a.get(1).map(|n| self.ctx.resolve_any(n)) {
                            Some(Object::Array(n)) => n
                                .iter()
                                .filter_map(|x| match self.ctx.resolve_any(x) {
                                    Object::Name(n) => Some(n.as_slice()),
                                    _ => None,
                                })
                                .collect(),
                            _ => vec![],
                        };
                        if names.len() > MAX_DEVICEN {
                            self.ctx.report(nope(rule::R6_1_13_9, &[&names.len()]))?;
                        }
                        for n in &names {
                            colorant_name(n)?;
                        }
                        // 6.2.4.4: every spot colorant is in the Colorants dictionary.
                        let attrs = a.get(4).and_then(|x| match self.ctx.resolve_any(x) {
                            Object::Dictionary(d) => Some(d),
                            _ => None,
                        });
                        let colorants = attrs.and_then(|d| self.ctx.get_dict(d, b"Colorants"));
                        let process: Vec<&[u8]> = attrs
                            .and_then(|d| self.ctx.get_dict(d, b"Process"))
                            .and_then(|p| self.ctx.get_array(p, b"Components"))
                            .map(|c| {
                                c.iter()
                                    .filter_map(|x| match self.ctx.resolve_any(x) {
                                        Object::Name(n) => Some(n.as_slice()),
                                        _ => None,
                                    })
                                    .collect()
                            })
                            .unwrap_or_default();
                        for n in &names {
                            let standard = matches!(
                                *n,
                                b"None" | b"All" | b"Cyan" | b"Magenta" | b"Yellow" | b"Black"
                            ) || process.contains(n);
                            if !standard && !colorants.is_some_and(|c| c.has(n)) {
                                self.ctx.report(nope(rule::R6_2_4_4_1, &[]))?;
                                break;
                            }
                        }
                        if let Some(c) = colorants {
                            for (_, sep) in c.iter() {
                                self.colour_space(
                                    sep,
                                    res,
                                    depth + 1,
                                    &mut State::default(),
                                    false,
                                )?;
                            }
                        }
                        match a.get(2) {
                            Some(alt) => {
                                self.colour_space(alt, res, depth + 1, &mut State::default(), true)
                            }
                            None => Ok(()),
                        }
                    }
                    b"DeviceRGB" | b"DeviceCMYK" | b"DeviceGray" => self.colour_space(
                        a.first().unwrap_or(&Object::Null),
                        res,
                        depth + 1,
                        state,
                        false,
                    ),
                    _ => Ok(()),
                }
            }
            _ => Ok(()),
        }
    }

    fn shading(&mut self, sh: &'a Object, res: Option<&'a Dictionary>) -> Check {
        if let Some(d) = self.ctx.dict(sh)
            && let Some(cs) = d.get(b"ColorSpace").ok()
        {
            self.colour_space(cs, res, 0, &mut State::default(), true)?;
        }
        Ok(())
    }

    fn pattern(&mut self, p: &'a Stream, res: Option<&'a Dictionary>, depth: usize) -> Check {
        if let Ok(sh) = p.dict.get(b"Shading") {
            return self.shading(sh, res);
        }
        self.form(p, res, depth + 1, State::coloured())
    }

    /// 6.2.5 and 6.2.10 for an ExtGState in use; tracks overprint for 6.2.4.2.
    fn ext_gstate(
        &mut self,
        gs: &'a Dictionary,
        res: Option<&'a Dictionary>,
        state: &mut State,
        depth: usize,
    ) -> Check {
        if gs.has(b"TR") {
            self.ctx.report(nope(rule::R6_2_5_1, &[]))?;
        }
        if let Some(tr2) = self.ctx.get(gs, b"TR2")
            && tr2 != &Object::Name(b"Default".to_vec())
        {
            self.ctx.report(nope(rule::R6_2_5_2, &[]))?;
        }
        if gs.has(b"HTP") {
            self.ctx.report(nope(rule::R6_2_5_3, &[]))?;
        }
        if let Some(ri) = self.ctx.get_name(gs, b"RI")
            && !INTENTS.contains(&ri)
        {
            self.ctx.report(nope(rule::R6_2_6_1, &[&lossy(ri)]))?;
        }
        if let Ok(ht) = gs.get(b"HT") {
            halftone(self.ctx, ht, 0)?;
        }
        // Transparency (6.2.10).
        if let Some(bm) = self.ctx.get(gs, b"BM") {
            let modes: Vec<&[u8]> = match bm {
                Object::Name(n) => vec![n],
                Object::Array(a) => a
                    .iter()
                    .filter_map(|x| match self.ctx.resolve(x) {
                        Object::Name(n) => Some(n.as_slice()),
                        _ => None,
                    })
                    .collect(),
                _ => vec![],
            };
            for m in modes {
                if !BLEND_MODES.contains(&m) {
                    return Err(nope(rule::R6_2_10_1, &[&lossy(m)]));
                }
                if m != b"Normal" && m != b"Compatible" {
                    self.transparency = true;
                }
            }
        }
        for key in [&b"ca"[..], b"CA"] {
            if let Some(a) = gs.get(key).ok().and_then(|a| self.ctx.number(a))
                && a < 1.0
            {
                self.transparency = true;
            }
        }
        if let Some(sm) = self.ctx.get(gs, b"SMask")
            && sm != &Object::Name(b"None".to_vec())
        {
            self.transparency = true;
            if let Some(sm) = self.ctx.dict(sm)
                && let Some(Object::Stream(g)) = self.ctx.get(sm, b"G")
            {
                self.form(g, res, depth + 1, State::coloured())?;
            }
        }
        // Overprint (6.2.4.2).
        let flag = |k: &[u8]| match self.ctx.get(gs, k) {
            Some(Object::Boolean(b)) => Some(*b),
            _ => None,
        };
        if let Some(op) = flag(b"OP") {
            state.op_stroke = op;
            if !gs.has(b"op") {
                state.op_fill = op;
            }
        }
        if let Some(op) = flag(b"op") {
            state.op_fill = op;
        }
        if let Some(m) = gs.get(b"OPM").ok().and_then(|m| self.ctx.number(m)) {
            state.opm1 = m == 1.0;
        }
        Ok(())
    }

    /// 6.2.8 and 6.2.9 for an XObject in use.
    fn xobject(
        &mut self,
        x: &'a Stream,
        res: Option<&'a Dictionary>,
        depth: usize,
        state: &mut State,
    ) -> Check {
        let d = &x.dict;
        match self.ctx.get_name(d, b"Subtype") {
            Some(b"Image") => self.image(x, res, state),
            Some(b"Form") => {
                if d.has(b"OPI") || d.has(b"PS") {
                    return Err(nope(rule::R6_2_9_1, &[]));
                }
                if self.ctx.get_name(d, b"Subtype2") == Some(b"PS") {
                    return Err(nope(rule::R6_2_9_1, &[]));
                }
                if d.has(b"Ref") {
                    return Err(nope(rule::R6_2_9_2, &[]));
                }
                self.form(x, res, depth, *state)
            }
            Some(b"PS") => Err(nope(rule::R6_2_9_3, &[])),
            _ => Ok(()),
        }
    }

    fn image(&mut self, x: &'a Stream, res: Option<&'a Dictionary>, state: &mut State) -> Check {
        let d = &x.dict;
        if d.has(b"Alternates") {
            self.ctx.report(nope(rule::R6_2_8_1, &[]))?;
        }
        if d.has(b"OPI") {
            self.ctx.report(nope(rule::R6_2_8_2, &[]))?;
        }
        if matches!(self.ctx.get(d, b"Interpolate"), Some(Object::Boolean(true))) {
            return Err(nope(rule::R6_2_8_3, &[]));
        }
        let mask = matches!(self.ctx.get(d, b"ImageMask"), Some(Object::Boolean(true)));
        if let Some(bpc) = self.ctx.get(d, b"BitsPerComponent") {
            let n = self.ctx.number(bpc);
            if mask && n != Some(1.0) {
                return Err(nope(
                    rule::R6_2_8_5,
                    &[&n.map_or("?".into(), |n| n.to_string())],
                ));
            }
            if !mask && !matches!(n, Some(b) if [1.0, 2.0, 4.0, 8.0, 16.0].contains(&b)) {
                return Err(nope(
                    rule::R6_2_8_4,
                    &[&n.map_or("?".into(), |n| n.to_string())],
                ));
            }
        }
        if let Some(i) = self.ctx.get_name(d, b"Intent")
            && !INTENTS.contains(&i)
        {
            return Err(nope(rule::R6_2_6_1, &[&lossy(i)]));
        }
        if let Some(sm) = self.ctx.get(d, b"SMask")
            && matches!(sm, Object::Stream(_))
        {
            self.transparency = true;
        }
        let jpx = match self.ctx.get(d, b"Filter") {
            Some(Object::Name(n)) => n == b"JPXDecode",
            Some(Object::Array(a)) => a
                .iter()
                .any(|f| self.ctx.resolve(f) == &Object::Name(b"JPXDecode".to_vec())),
            _ => false,
        };
        if jpx {
            super::model::jpeg2000(x, d.has(b"ColorSpace"))?;
        }
        let mask = matches!(self.ctx.get(d, b"ImageMask"), Some(Object::Boolean(true)));
        if !mask && let Some(cs) = d.get(b"ColorSpace").ok() {
            self.colour_space(cs, res, 0, state, true)?;
        }
        Ok(())
    }

    /// `BI … ID data EI`: 6.1.10 filters, 6.2.8 keys, colour space.
    fn inline_image(
        &mut self,
        lx: &mut Lexer<'_>,
        res: Option<&'a Dictionary>,
        state: &mut State,
    ) -> Check {
        let dict = lx.entries(0, b"ID")?;
        let get = |a: &[u8], b: &[u8]| dict.get(a).or_else(|| dict.get(b));
        let filters: Vec<Vec<u8>> = match get(b"F", b"Filter") {
            Some(Val::Name(n)) => vec![n.clone()],
            Some(Val::Array(a)) => a
                .iter()
                .filter_map(|v| match v {
                    Val::Name(n) => Some(n.clone()),
                    _ => None,
                })
                .collect(),
            _ => vec![],
        };
        for f in &filters {
            let allowed = matches!(
                f.as_slice(),
                b"AHx"
                    | b"ASCIIHexDecode"
                    | b"A85"
                    | b"ASCII85Decode"
                    | b"Fl"
                    | b"FlateDecode"
                    | b"RL"
                    | b"RunLengthDecode"
                    | b"CCF"
                    | b"CCITTFaxDecode"
                    | b"DCT"
                    | b"DCTDecode"
            );
            if !allowed {
                return Err(nope(rule::R6_1_10_1, &[&lossy(f)]));
            }
        }
        if get(b"I", b"Interpolate") == Some(&Val::Bool(true)) {
            return Err(nope(rule::R6_2_8_3, &[]));
        }
        if let Some(Val::Name(i)) = get(b"Intent", b"Intent")
            && !INTENTS.contains(&i.as_slice())
        {
            return Err(nope(rule::R6_2_6_1, &[&lossy(i)]));
        }
        let mask = get(b"IM", b"ImageMask") == Some(&Val::Bool(true));
        if !mask {
            match get(b"CS", b"ColorSpace") {
                Some(Val::Name(n)) => {
                    self.colour_space(&Object::Name(n.clone()), res, 0, state, true)?;
                }
                Some(Val::Array(items)) if matches!(items.first(), Some(Val::Name(f)) if f == b"I" || f == b"Indexed") => {
                    if let Some(Val::Name(base)) = items.get(1) {
                        self.colour_space(&Object::Name(base.clone()), res, 0, state, true)?;
                    }
                }
                _ => {}
            }
        }
        // The data: one white-space byte after ID, then up to `EI` between white space.
        let start = lx.pos + 1;
        let data = lx.buf.get(start..).unwrap_or(&[]);
        let end = data
            .windows(4)
            .position(|w| is_white(w[0]) && &w[1..3] == b"EI" && (is_white(w[3])))
            .map(|p| p + 3)
            .or_else(|| data.ends_with(b"EI").then_some(data.len()))
            .ok_or_else(|| nope_why(RuleId::clause_only("6.2.2"), "an inline image without EI"))?;
        lx.pos = start + end;
        Ok(())
    }

    /// Records the codes of a string shown with the font `font`.
    /// `covered`: inside marked content with replacement text; `invisible`: in text rendering
    /// mode 3 (neither filled nor stroked).
    fn shown(&mut self, font: usize, s: &[u8], covered: bool, invisible: bool) {
        if let Some(u) = self.usage.get_mut(font) {
            u.shown = true;
            u.visible |= !invisible;
        }
        let (Some(Some(n)), Some(codes)) = (self.code_bytes.get(font), self.codes.get_mut(font))
        else {
            return;
        };
        let bare = self.bare.get_mut(font).filter(|_| self.pua && !covered);
        let mut bare = bare;
        for c in s.chunks(*n) {
            if codes.len() >= 1 << 16 {
                return;
            }
            let code = c.iter().fold(0u32, |a, &b| (a << 8) | u32::from(b));
            codes.insert(code);
            if let Some(b) = bare.as_deref_mut() {
                b.insert(code);
            }
        }
    }

    /// A font in use (its index in `fonts`): Type 3 glyph procedures are content streams too.
    fn font(
        &mut self,
        f: &'a Dictionary,
        res: Option<&'a Dictionary>,
        depth: usize,
    ) -> Result<usize, Finding> {
        if let Some(i) = self.seen_fonts.get(&(f as *const Dictionary)) {
            return Ok(*i);
        }
        let index = self.fonts.len();
        self.seen_fonts.insert(f as *const Dictionary, index);
        self.fonts.push(f);
        self.codes.push(HashSet::new());
        self.bare.push(HashSet::new());
        self.usage.push(Usage::default());
        // Simple fonts show one byte per code; composite fonts with the Identity CMaps two.
        let code_bytes = match self.ctx.get_name(f, b"Subtype") {
            Some(b"Type0") => match self.ctx.get(f, b"Encoding") {
                Some(Object::Name(n)) if n == b"Identity-H" || n == b"Identity-V" => Some(2),
                _ => None,
            },
            Some(_) => Some(1),
            None => None,
        };
        self.code_bytes.push(code_bytes);
        if self.ctx.get_name(f, b"Subtype") == Some(b"Type3") {
            let own = self.ctx.get_dict(f, b"Resources");
            if let Some(procs) = self.ctx.get_dict(f, b"CharProcs") {
                for (_, p) in procs.iter() {
                    if let Object::Stream(p) = self.ctx.resolve(p)
                        && self.seen.insert(p as *const Stream)
                    {
                        self.stream(p, own, res, depth + 1, State::coloured())?;
                    }
                }
            }
        }
        Ok(index)
    }
}

/// The blend modes of ISO 32000-1, Tables 136 and 137.
const BLEND_MODES: &[&[u8]] = &[
    b"Normal",
    b"Compatible",
    b"Multiply",
    b"Screen",
    b"Overlay",
    b"Darken",
    b"Lighten",
    b"ColorDodge",
    b"ColorBurn",
    b"HardLight",
    b"SoftLight",
    b"Difference",
    b"Exclusion",
    b"Hue",
    b"Saturation",
    b"Color",
    b"Luminosity",
];

/// 6.2.5: halftones of type 1 or 5, without HalftoneName; type 5 components other than the
/// primaries have a transfer function.
fn halftone(ctx: &Ctx<'_>, ht: &Object, depth: usize) -> Check {
    if depth > 4 {
        return Ok(());
    }
    let Some(d) = ctx.dict(ht) else { return Ok(()) };
    let ty = d.get(b"HalftoneType").ok().and_then(|t| ctx.number(t));
    if !matches!(ty, Some(t) if t == 1.0 || t == 5.0) {
        return Err(nope(
            rule::R6_2_5_4,
            &[&ty.map_or("null".into(), |t| t.to_string())],
        ));
    }
    if d.has(b"HalftoneName") {
        return Err(nope(rule::R6_2_5_5, &[]));
    }
    if ty == Some(5.0) {
        for (k, v) in d.iter() {
            if k == b"Type" || k == b"HalftoneType" || k == b"Default" {
                continue;
            }
            let primary = matches!(k.as_slice(), b"Cyan" | b"Magenta" | b"Yellow" | b"Black");
            if let Some(c) = ctx.dict(v) {
                if !primary && !c.has(b"TransferFunction") {
                    return Err(nope(rule::R6_2_5_6, &[]));
                }
                halftone(ctx, v, depth + 1)?;
            }
        }
    }
    Ok(())
}

/// 6.1.8: colorant names are UTF-8.
fn colorant_name(n: &[u8]) -> Check {
    if std::str::from_utf8(n).is_err() {
        return Err(nope(rule::R6_1_8_1, &[&lossy(n)]));
    }
    Ok(())
}

/// Two objects compared as PDF objects, references followed, compression ignored.
fn same_object(ctx: &Ctx<'_>, a: &Object, b: &Object, depth: usize) -> bool {
    if depth > 16 {
        return false;
    }
    match (ctx.resolve(a), ctx.resolve(b)) {
        (Object::Array(x), Object::Array(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|(p, q)| same_object(ctx, p, q, depth + 1))
        }
        (Object::Dictionary(x), Object::Dictionary(y)) => same_dict(ctx, x, y, depth),
        (Object::Stream(x), Object::Stream(y)) => {
            let strip = |d: &Dictionary| {
                let mut d = d.clone();
                d.remove(b"Length");
                d.remove(b"Filter");
                d.remove(b"DecodeParms");
                d
            };
            same_dict(ctx, &strip(&x.dict), &strip(&y.dict), depth)
                && x.get_plain_content_with_limit(1 << 20).ok()
                    == y.get_plain_content_with_limit(1 << 20).ok()
        }
        (Object::Integer(i), Object::Real(r)) | (Object::Real(r), Object::Integer(i)) => {
            (*i as f32) == *r
        }
        (x, y) => x == y,
    }
}

fn same_dict(ctx: &Ctx<'_>, x: &Dictionary, y: &Dictionary, depth: usize) -> bool {
    x.len() == y.len()
        && x.iter()
            .all(|(k, v)| y.get(k).is_ok_and(|w| same_object(ctx, v, w, depth + 1)))
}
