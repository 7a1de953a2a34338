//! Charts for the Coffer UI: money in and out per period, spending by category, top vendors and
//! the balance over time, rendered to SVG (for the UI) and PNG (for export).
//!
//! Every value arrives as exact integer minor units and stays that way: axis ranges, tick steps,
//! bar lengths and pixel positions are computed in integer (`i128`) arithmetic, and every label is
//! formatted from the integer minor units ([`format_amount`], [`format_compact`]), never from a
//! float. The only float arithmetic in the module is the font size handed to `plotters` (see
//! `plotters_font_size`), which is typography, not money.
//!
//! Each chart also returns [`HitRegion`]s in SVG pixel coordinates, so the UI can lay transparent
//! click targets over the chart and turn a click into a filter.
//!
//! Text is written as SVG `<text>` in "DejaVu Sans, sans-serif". [`svg_to_png`] rasterises with
//! `resvg`, using the system fonts plus an embedded copy of DejaVu Sans
//! (`assets/DejaVuSans.ttf`, Bitstream Vera licence, see `assets/DejaVuSans-LICENSE.txt`) so the
//! PNG looks the same on a machine without that font. Text widths for layout come from DejaVu
//! Sans' advance widths (a table below), which are on the wide side of common sans-serif fonts,
//! so a browser's fallback font never overflows the space reserved for a label.

use std::sync::{Arc, OnceLock};

use chrono::{Datelike, NaiveDate};
use plotters::coord::Shift;
use plotters::prelude::{
    Circle, Color, DrawingArea, FontDesc, FontFamily, FontStyle, IntoDrawingArea, PathElement,
    Polygon, RGBAColor, RGBColor, Rectangle, SVGBackend, TextStyle,
};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use resvg::{tiny_skia, usvg};

/// Light or dark chart colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    Light,
    Dark,
}

/// Chart size in SVG pixels; each side must be within 100–4000.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChartSize {
    pub width: u32,
    pub height: u32,
}

/// One period (month or week) of money in and out, in minor units of `ChartSpec.currency`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodFlow {
    /// Filter key, e.g. "2026-03" or "2026-W12".
    pub key: String,
    /// Axis label, e.g. "Mar 2026" (a bare "Mar 26" reads as a day).
    pub label: String,
    /// Money in, >= 0. A negative value is drawn as its magnitude.
    pub credit_minor: i64,
    /// Magnitude of money out, >= 0. A negative value is drawn as its magnitude.
    pub debit_minor: i64,
    /// The period is still running (today is inside it): its bars are drawn lighter and the
    /// Net line stops at the last full period, so a half month never reads as a bad month.
    pub partial: bool,
}

/// How strongly a running (partial) period's bars are drawn.
const PARTIAL_OPACITY: f64 = 0.4;

/// A slice of spending: a category or a vendor. `minor` is a magnitude >= 0; slices that are
/// zero or negative (a net refund) are left out of the chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    /// Filter value, e.g. the category or vendor name.
    pub key: String,
    pub label: String,
    pub minor: i64,
}

/// The balance at the end of a day, signed, in minor units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalancePoint {
    pub date: NaiveDate,
    pub minor: i64,
}

/// What the caller passes in for every chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartSpec {
    pub title: String,
    /// ISO code, e.g. "NOK".
    pub currency: String,
    /// Minor-unit digits: 2 for NOK, 0 for JPY.
    pub exponent: u32,
    pub size: ChartSize,
    pub theme: Theme,
    /// Month names on date axes and the marks in numbers.
    pub locale: ChartLocale,
}

/// Whose month names and number marks a chart uses: the UI passes the user's locale so the
/// chart reads like the rest of the screen (`nov. 2024`, `1 110 558,45` under nb-NO); other
/// locales, and the files the CLI writes by default, use English (`Nov 2024`, `1,110,558.45`).
/// The Norwegian forms are what `Intl` writes for nb-NO, so the chart and the UI around it
/// agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChartLocale {
    #[default]
    English,
    Norwegian,
}

impl ChartLocale {
    /// By a BCP 47 tag's language: `nb`, `nn` and `no` are Norwegian, everything else English.
    pub fn of_locale(tag: &str) -> ChartLocale {
        let language = tag.trim().split(['-', '_']).next().unwrap_or("");
        if ["nb", "nn", "no"]
            .iter()
            .any(|l| language.eq_ignore_ascii_case(l))
        {
            ChartLocale::Norwegian
        } else {
            ChartLocale::English
        }
    }

    fn short(self, date: NaiveDate) -> &'static str {
        const EN: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        const NB: [&str; 12] = [
            "jan.", "feb.", "mar.", "apr.", "mai", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.",
            "des.",
        ];
        let names = match self {
            ChartLocale::English => &EN,
            ChartLocale::Norwegian => &NB,
        };
        names
            .get(usize::try_from(date.month0()).unwrap_or(0))
            .copied()
            .unwrap_or("")
    }

    /// A number written by [`format_amount`], [`format_compact`] or as a percentage, in this
    /// locale's marks: "-1,234.5" → "−1 234,5" (no-break space, U+2212) in Norwegian.
    fn number(self, text: String) -> String {
        match self {
            ChartLocale::English => text,
            ChartLocale::Norwegian => text
                .chars()
                .map(|c| match c {
                    ',' => '\u{a0}',
                    '.' => ',',
                    '-' => '\u{2212}',
                    other => other,
                })
                .collect(),
        }
    }

    /// "Nov 2024" / "nov. 2024": a month on an axis, with its whole year.
    pub fn month_year(self, date: NaiveDate) -> String {
        format!("{} {}", self.short(date), date.year())
    }

    /// "3 Mar" / "3. mar.".
    fn day_month(self, date: NaiveDate) -> String {
        match self {
            ChartLocale::English => format!("{} {}", date.day(), self.short(date)),
            ChartLocale::Norwegian => format!("{}. {}", date.day(), self.short(date)),
        }
    }

    /// "3 Mar 2025" / "3. mar. 2025".
    fn day_month_year(self, date: NaiveDate) -> String {
        format!("{} {}", self.day_month(date), date.year())
    }
}

/// A clickable area of the chart in SVG pixel coordinates, so the UI can overlay transparent hit
/// targets and turn a click into a filter. Regions always lie inside the chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HitRegion {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub kind: HitKind,
    /// [`PeriodFlow::key`], [`Share::key`], or for [`HitKind::Date`] an ISO date
    /// ("2026-03-14"); when a balance series has more than 200 points the regions are month
    /// buckets keyed "2026-03" (or, beyond 200 months, years keyed "2026").
    pub key: String,
}

/// What a [`HitRegion`] stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HitKind {
    Period,
    Category,
    Vendor,
    Date,
}

/// A rendered chart: the SVG document and its click targets.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub svg: String,
    pub regions: Vec<HitRegion>,
}

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("drawing the chart failed: {0}")]
    Draw(String),
    #[error("rendering the PNG failed: {0}")]
    Png(String),
    #[error("chart size {width}×{height} is out of range (100–4000 px)")]
    Size { width: u32, height: u32 },
}

/// The message an empty chart shows.
const EMPTY_MESSAGE: &str = "No transactions match the current filter";

const MIN_SIDE: u32 = 100;
const MAX_SIDE: u32 = 4000;
/// Exponents beyond this are formatted as if they were this (ISO 4217 uses 0–4).
const MAX_EXPONENT: u32 = 18;
/// Bars shown by the category and vendor charts at most.
const MAX_BARS: usize = 12;
/// Hit regions of the balance chart at most.
const MAX_DATE_REGIONS: usize = 200;

const FAMILY: &str = "DejaVu Sans, sans-serif";

// ---------------------------------------------------------------------------------------------
// Amount formatting: exact, from integer minor units.
// ---------------------------------------------------------------------------------------------

/// Formats minor units exactly, with thousands separators and `exponent` decimals:
/// `format_amount(-1234567, 2)` → "-12,345.67", `format_amount(5, 0)` → "5".
/// Exponents above 18 are treated as 18.
pub fn format_amount(minor: i64, exponent: u32) -> String {
    amount_text(i128::from(minor), exponent)
}

/// Short form for axis ticks: `format_compact(125_000_000, 2)` → "1.25M",
/// `format_compact(4_500_000, 2)` → "45k", `format_compact(1250, 2)` → "12.5". Rounds half away
/// from zero to two decimals of the shown unit (k, M, B, T), in integer arithmetic.
pub fn format_compact(minor: i64, exponent: u32) -> String {
    compact_text(i128::from(minor), exponent)
}

fn unit(exponent: u32) -> i128 {
    10_i128.pow(exponent.min(MAX_EXPONENT))
}

fn group_thousands(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn amount_text(minor: i128, exponent: u32) -> String {
    let exp = usize::try_from(exponent.min(MAX_EXPONENT)).unwrap_or(2);
    let mut digits = minor.unsigned_abs().to_string();
    if digits.len() <= exp {
        digits = format!("{}{digits}", "0".repeat(exp + 1 - digits.len()));
    }
    let (int, frac) = digits.split_at(digits.len() - exp);
    let mut out = String::new();
    if minor < 0 {
        out.push('-');
    }
    out.push_str(&group_thousands(int));
    if exp > 0 {
        out.push('.');
        out.push_str(frac);
    }
    out
}

fn compact_text(minor: i128, exponent: u32) -> String {
    const SUFFIXES: [&str; 5] = ["", "k", "M", "B", "T"];
    let abs = minor.unsigned_abs();
    let unit = unit(exponent).unsigned_abs();
    // The tier's divisor in minor units: unit × 1000^tier (at most 10^30, fits in u128).
    let divisor = |tier: usize| -> u128 { (0..tier).fold(unit, |d, _| d.saturating_mul(1000)) };
    let hundredths = |tier: usize| -> u128 {
        if tier == 0 {
            // abs < 1000 × unit here, so × 100 cannot overflow.
            round_div_u(abs.saturating_mul(100), unit)
        } else {
            round_div_u(abs, divisor(tier) / 100)
        }
    };
    let mut tier = 0;
    while tier + 1 < SUFFIXES.len() && abs >= divisor(tier + 1) {
        tier += 1;
    }
    let mut h = hundredths(tier);
    if h >= 100_000 && tier + 1 < SUFFIXES.len() {
        // 999.996k rounds to 1000k: show it as 1M.
        tier += 1;
        h = hundredths(tier);
    }
    let mut out = String::new();
    if minor < 0 && h > 0 {
        out.push('-');
    }
    out.push_str(&group_thousands(&(h / 100).to_string()));
    let frac = h % 100;
    if frac != 0 {
        if frac.is_multiple_of(10) {
            out.push_str(&format!(".{}", frac / 10));
        } else {
            out.push_str(&format!(".{frac:02}"));
        }
    }
    out.push_str(SUFFIXES[tier]);
    out
}

fn round_div_u(n: u128, d: u128) -> u128 {
    if d == 0 {
        return n;
    }
    n / d + u128::from(n % d >= d - d / 2)
}

/// Labels for axis ticks: compact ("45k") unless that would print two ticks alike, in which case
/// full amounts (without decimals when every tick is a whole unit).
fn tick_labels(ticks: &[i128], exponent: u32) -> Vec<String> {
    let compact: Vec<String> = ticks.iter().map(|t| compact_text(*t, exponent)).collect();
    if compact.windows(2).all(|w| w[0] != w[1]) {
        return compact;
    }
    let whole = ticks.iter().all(|t| t % unit(exponent) == 0);
    ticks
        .iter()
        .map(|t| {
            let text = amount_text(*t, exponent);
            match (whole, text.split_once('.')) {
                (true, Some((int, _))) => int.to_string(),
                _ => text,
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Integer geometry.
// ---------------------------------------------------------------------------------------------

/// `a / b` rounded to nearest (halves up), for `b > 0`.
fn round_div(a: i128, b: i128) -> i128 {
    if b <= 0 {
        return a;
    }
    (a.saturating_mul(2).saturating_add(b)).div_euclid(b.saturating_mul(2))
}

fn ceil_div(a: i128, b: i128) -> i128 {
    if b <= 0 {
        return a;
    }
    -(a.saturating_neg().div_euclid(b))
}

fn to_i32(v: i128) -> i32 {
    i32::try_from(v).unwrap_or(if v < 0 { i32::MIN } else { i32::MAX })
}

/// Maps `v` in `lo..=hi` linearly onto pixels `p0..=p1`, in integer arithmetic.
fn map_px(v: i128, lo: i128, hi: i128, p0: i32, p1: i32) -> i32 {
    if hi == lo {
        return p0;
    }
    let offset = round_div(
        v.saturating_sub(lo)
            .saturating_mul(i128::from(p1) - i128::from(p0)),
        hi - lo,
    );
    to_i32(i128::from(p0).saturating_add(offset))
}

/// A value axis: the range `lo..=hi` shown, with ticks at the multiples of `step` (1, 2, 2.5 or
/// 5 × 10^k minor units) inside it.
#[derive(Debug, Clone, Copy)]
struct Axis {
    lo: i128,
    hi: i128,
    step: i128,
}

impl Axis {
    /// The smallest nice step that puts at most `max_ticks` ticks on the axis. The range ends on a
    /// tick unless that would waste more than 15% of the span on that side; then it ends a little
    /// (4%) beyond the data instead, and the outermost tick lies inside.
    fn nice(min: i128, max: i128, max_ticks: i32) -> Axis {
        let (min, max) = if max > min {
            (min, max)
        } else {
            (min, min.saturating_add(1))
        };
        let span = max - min;
        let max_ticks = i128::from(max_ticks.max(2));
        let slack = span * 15 / 100;
        let pad = (span * 4 / 100).max(1);
        let with_step = |step: i128| {
            let tick_lo = min.div_euclid(step) * step;
            let tick_hi = ceil_div(max, step) * step;
            let lo = if min - tick_lo > slack {
                min - pad
            } else {
                tick_lo
            };
            let hi = if tick_hi - max > slack {
                max + pad
            } else {
                tick_hi
            };
            Axis { lo, hi, step }
        };
        let raw = ceil_div(span, max_ticks).max(1);
        let mut mag: i128 = 1;
        while mag.saturating_mul(10) <= raw {
            mag *= 10;
        }
        let mut fallback = with_step(mag);
        for scale in [mag, mag.saturating_mul(10), mag.saturating_mul(100)] {
            let quarter = if scale >= 10 {
                scale / 10 * 25
            } else {
                scale * 5
            };
            for step in [scale, scale * 2, quarter, scale * 5] {
                let axis = with_step(step);
                let count = axis.ticks().len();
                if count >= 2 && i128::try_from(count).unwrap_or(i128::MAX) <= max_ticks {
                    return axis;
                }
                if count >= 2 {
                    fallback = axis;
                }
            }
        }
        fallback
    }

    fn ticks(&self) -> Vec<i128> {
        let mut out = Vec::new();
        let mut v = ceil_div(self.lo, self.step) * self.step;
        while v <= self.hi && out.len() < 64 {
            out.push(v);
            v += self.step;
        }
        out
    }

    fn y(&self, v: i128, plot: &Plot) -> i32 {
        map_px(v, self.lo, self.hi, plot.bottom, plot.top)
    }
}

#[derive(Debug, Clone, Copy)]
struct Plot {
    left: i32,
    top: i32,
    right: i32,
    bottom: i32,
}

impl Plot {
    fn width(&self) -> i32 {
        (self.right - self.left).max(1)
    }
}

// ---------------------------------------------------------------------------------------------
// Text measurement (DejaVu Sans advance widths, units per em = 2048).
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
struct Font {
    size: u32,
    bold: bool,
}

const TITLE: Font = Font {
    size: 16,
    bold: true,
};
const SUBTITLE: Font = Font {
    size: 11,
    bold: false,
};
const TICK: Font = Font {
    size: 11,
    bold: false,
};
const LEGEND: Font = Font {
    size: 12,
    bold: false,
};
const BAR_LABEL: Font = Font {
    size: 12,
    bold: false,
};
const VALUE: Font = Font {
    size: 11,
    bold: false,
};
const FIGURE: Font = Font {
    size: 16,
    bold: true,
};
const MESSAGE: Font = Font {
    size: 14,
    bold: false,
};

/// Advance widths of U+0020–U+007E followed by U+00A0–U+00FF.
const ADVANCES: [u16; 191] = [
    651, 821, 942, 1716, 1303, 1946, 1597, 563, 799, 799, 1024, 1716, 651, 739, 651, 690, 1303,
    1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 690, 690, 1716, 1716, 1716, 1087, 2048,
    1401, 1405, 1430, 1577, 1294, 1178, 1587, 1540, 604, 604, 1343, 1141, 1767, 1532, 1612, 1235,
    1612, 1423, 1300, 1251, 1499, 1401, 2025, 1403, 1251, 1403, 799, 690, 799, 1716, 1024, 1024,
    1255, 1300, 1126, 1300, 1260, 721, 1300, 1298, 569, 569, 1186, 569, 1995, 1298, 1253, 1300,
    1300, 842, 1067, 803, 1298, 1212, 1675, 1212, 1212, 1075, 1303, 690, 1303, 1716, 651, 821,
    1303, 1303, 1303, 1303, 690, 1024, 1024, 2048, 965, 1253, 1716, 739, 2048, 1024, 1024, 1716,
    821, 821, 1024, 1303, 1303, 651, 1024, 821, 965, 1253, 1985, 1985, 1985, 1087, 1401, 1401,
    1401, 1401, 1401, 1401, 1995, 1430, 1294, 1294, 1294, 1294, 604, 604, 604, 604, 1587, 1532,
    1612, 1612, 1612, 1612, 1612, 1716, 1612, 1499, 1499, 1499, 1499, 1251, 1239, 1290, 1255, 1255,
    1255, 1255, 1255, 1255, 2011, 1126, 1260, 1260, 1260, 1260, 569, 569, 569, 569, 1253, 1298,
    1253, 1253, 1253, 1253, 1253, 1716, 1253, 1298, 1298, 1298, 1298, 1212, 1300, 1212,
];

fn advance(c: char) -> u64 {
    let code = u32::from(c);
    let index = match code {
        0x20..=0x7e => code - 0x20,
        0xa0..=0xff => code - 0xa0 + 95,
        0x2013 | 0x2212 => return 1024,
        0x2014 | 0x2026 => return 2048,
        0x2e80.. => return 2048,
        _ => return 1400,
    };
    usize::try_from(index)
        .ok()
        .and_then(|i| ADVANCES.get(i))
        .map_or(1400, |w| u64::from(*w))
}

/// Pixels (rounded up) of `units` font units; bold text is taken as 10% wider.
fn units_to_px(units: u64, font: Font) -> i32 {
    let scaled = units.saturating_mul(u64::from(font.size));
    let scaled = if font.bold {
        scaled.saturating_mul(11) / 10
    } else {
        scaled
    };
    i32::try_from(scaled.div_ceil(2048)).unwrap_or(i32::MAX)
}

/// Width of `text` in pixels.
fn text_width(text: &str, font: Font) -> i32 {
    units_to_px(text.chars().map(advance).sum(), font)
}

/// `text` shortened with "…" to at most `max` pixels (empty if not even "…" fits).
fn truncate(text: &str, font: Font, max: i32) -> String {
    if text_width(text, font) <= max {
        return text.to_string();
    }
    let room = max - text_width("…", font);
    if room < 0 {
        return String::new();
    }
    let mut kept = String::new();
    let mut units = 0_u64;
    for c in text.chars() {
        units = units.saturating_add(advance(c));
        if units_to_px(units, font) > room {
            break;
        }
        kept.push(c);
    }
    format!("{}…", kept.trim_end())
}

/// Greedy word wrap to lines of at most `max` pixels (a single long word is truncated).
fn wrap(text: &str, font: Font, max: i32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if text_width(&candidate, font) <= max || line.is_empty() {
            line = candidate;
        } else {
            lines.push(std::mem::take(&mut line));
            line = word.to_string();
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines.into_iter().map(|l| truncate(&l, font, max)).collect()
}

// ---------------------------------------------------------------------------------------------
// Colours.
// ---------------------------------------------------------------------------------------------

struct Palette {
    background: RGBColor,
    panel: RGBColor,
    text: RGBColor,
    muted: RGBColor,
    grid: RGBColor,
    baseline: RGBColor,
    credit: RGBColor,
    debit: RGBColor,
    net: RGBColor,
    accent: RGBColor,
    negative: RGBColor,
    other: RGBColor,
    categories: [RGBColor; MAX_BARS],
}

static LIGHT: Palette = Palette {
    background: RGBColor(0xff, 0xff, 0xff),
    panel: RGBColor(0xf6, 0xf8, 0xfa),
    text: RGBColor(0x1f, 0x29, 0x33),
    muted: RGBColor(0x66, 0x72, 0x80),
    grid: RGBColor(0xe9, 0xec, 0xef),
    baseline: RGBColor(0xad, 0xb5, 0xbd),
    // Money in blue and money out orange: told apart by hue under every common colour-vision
    // deficiency and by lightness in greyscale; each at least 3:1 against the background
    // (tests::in_and_out_colours_read_for_everyone checks both themes).
    credit: RGBColor(0x1d, 0x4e, 0xd8),
    debit: RGBColor(0xdd, 0x5b, 0x00),
    net: RGBColor(0x3d, 0x48, 0x52),
    accent: RGBColor(0x4c, 0x6e, 0xf5),
    negative: RGBColor(0xd6, 0x33, 0x3a),
    other: RGBColor(0xad, 0xb5, 0xbd),
    categories: [
        RGBColor(0x4c, 0x6e, 0xf5),
        RGBColor(0x12, 0xb8, 0x86),
        RGBColor(0xfa, 0xb0, 0x05),
        RGBColor(0xf7, 0x67, 0x07),
        RGBColor(0xe6, 0x49, 0x80),
        RGBColor(0x79, 0x50, 0xf2),
        RGBColor(0x15, 0xaa, 0xbf),
        RGBColor(0x82, 0xc9, 0x1e),
        RGBColor(0xfa, 0x52, 0x52),
        RGBColor(0xbe, 0x4b, 0xdb),
        RGBColor(0x22, 0x8b, 0xe6),
        RGBColor(0xa0, 0x78, 0x5a),
    ],
};

static DARK: Palette = Palette {
    background: RGBColor(0x1b, 0x1f, 0x24),
    panel: RGBColor(0x22, 0x27, 0x2e),
    text: RGBColor(0xe6, 0xea, 0xee),
    muted: RGBColor(0x9a, 0xa5, 0xb1),
    grid: RGBColor(0x2c, 0x33, 0x3b),
    baseline: RGBColor(0x5c, 0x66, 0x70),
    credit: RGBColor(0x74, 0xc0, 0xfc),
    debit: RGBColor(0xf7, 0x67, 0x07),
    net: RGBColor(0xe6, 0xea, 0xee),
    accent: RGBColor(0x7c, 0x93, 0xff),
    negative: RGBColor(0xff, 0x87, 0x87),
    other: RGBColor(0x6c, 0x75, 0x7d),
    categories: [
        RGBColor(0x74, 0x8f, 0xfc),
        RGBColor(0x38, 0xd9, 0xa9),
        RGBColor(0xff, 0xd4, 0x3b),
        RGBColor(0xff, 0x92, 0x2b),
        RGBColor(0xf0, 0x65, 0x95),
        RGBColor(0x97, 0x75, 0xfa),
        RGBColor(0x3b, 0xc9, 0xdb),
        RGBColor(0xa9, 0xe3, 0x4b),
        RGBColor(0xff, 0x6b, 0x6b),
        RGBColor(0xda, 0x77, 0xf2),
        RGBColor(0x4d, 0xab, 0xf7),
        RGBColor(0xc0, 0x9a, 0x7a),
    ],
};

fn palette(theme: Theme) -> &'static Palette {
    match theme {
        Theme::Light => &LIGHT,
        Theme::Dark => &DARK,
    }
}

// ---------------------------------------------------------------------------------------------
// Drawing on the plotters SVG backend.
// ---------------------------------------------------------------------------------------------

fn draw_err<E: std::fmt::Display>(e: E) -> ChartError {
    ChartError::Draw(e.to_string())
}

/// The font size to hand to plotters so that the SVG says exactly `px`: plotters' SVG backend
/// writes `size / 1.24`. Not every size can be hit exactly (13 and 15 cannot; the sizes used here,
/// 11, 12, 14 and 16, can, and a test checks that the SVG has no float noise). Float arithmetic is fine here: it is a typographic size, not money.
#[allow(clippy::float_arithmetic)]
fn plotters_font_size(px: u32) -> f64 {
    let target = f64::from(px);
    let base = target * 1.24;
    let bits = base.to_bits();
    [
        bits,
        bits + 1,
        bits.saturating_sub(1),
        bits + 2,
        bits.saturating_sub(2),
    ]
    .into_iter()
    .map(f64::from_bits)
    .find(|c| (c / 1.24).to_bits() == target.to_bits())
    .unwrap_or(base)
}

/// Which corners of a rectangle [`Painter::rounded`] rounds.
#[derive(Debug, Clone, Copy)]
struct Corners {
    top_left: bool,
    top_right: bool,
    bottom_right: bool,
    bottom_left: bool,
}

const ALL_CORNERS: Corners = Corners {
    top_left: true,
    top_right: true,
    bottom_right: true,
    bottom_left: true,
};
const TOP_CORNERS: Corners = Corners {
    top_left: true,
    top_right: true,
    bottom_right: false,
    bottom_left: false,
};
const RIGHT_CORNERS: Corners = Corners {
    top_left: false,
    top_right: true,
    bottom_right: true,
    bottom_left: false,
};

struct Painter<'a> {
    area: DrawingArea<SVGBackend<'a>, Shift>,
    pal: &'static Palette,
    width: i32,
    height: i32,
    /// Outer margin: 16 px, or 10 px on small charts.
    pad: i32,
}

impl Painter<'_> {
    fn rect(&self, x0: i32, y0: i32, x1: i32, y1: i32, color: RGBAColor) -> Result<(), ChartError> {
        if x1 <= x0 || y1 <= y0 {
            return Ok(());
        }
        self.area
            .draw(&Rectangle::new([(x0, y0), (x1, y1)], color.filled()))
            .map_err(draw_err)
    }

    /// A crisp one-pixel horizontal rule.
    fn hrule(&self, x0: i32, x1: i32, y: i32, color: RGBColor) -> Result<(), ChartError> {
        self.rect(x0, y, x1, y + 1, color.to_rgba())
    }

    /// A filled rectangle with the given corners rounded to `radius` (shrunk to fit).
    fn rounded(
        &self,
        rect: [i32; 4],
        radius: i32,
        corners: Corners,
        color: RGBAColor,
    ) -> Result<(), ChartError> {
        let [x0, y0, x1, y1] = rect;
        let r = radius.min((x1 - x0) / 2).min((y1 - y0) / 2);
        if r < 1 {
            return self.rect(x0, y0, x1, y1, color);
        }
        // Quarter circle in 22.5° steps: (1 - cos, 1 - sin) × 1000, from the vertical edge to the
        // horizontal one.
        const ARC: [(i32, i32); 5] = [(0, 1000), (76, 617), (293, 293), (617, 76), (1000, 0)];
        let off = |v: i32| v * r / 1000;
        let mut points: Vec<(i32, i32)> = Vec::with_capacity(20);
        let mut corner =
            |round: bool, at: (i32, i32), arc: &mut dyn Iterator<Item = (i32, i32)>| {
                if round {
                    points.extend(arc);
                } else {
                    points.push(at);
                }
            };
        corner(
            corners.top_left,
            (x0, y0),
            &mut ARC.iter().map(|(a, b)| (x0 + off(*a), y0 + off(*b))),
        );
        corner(
            corners.top_right,
            (x1, y0),
            &mut ARC.iter().rev().map(|(a, b)| (x1 - off(*a), y0 + off(*b))),
        );
        corner(
            corners.bottom_right,
            (x1, y1),
            &mut ARC.iter().map(|(a, b)| (x1 - off(*a), y1 - off(*b))),
        );
        corner(
            corners.bottom_left,
            (x0, y1),
            &mut ARC.iter().rev().map(|(a, b)| (x0 + off(*a), y1 - off(*b))),
        );
        points.dedup();
        self.area
            .draw(&Polygon::new(points, color.filled()))
            .map_err(draw_err)
    }

    fn polyline(
        &self,
        points: Vec<(i32, i32)>,
        color: RGBColor,
        width: u32,
    ) -> Result<(), ChartError> {
        self.area
            .draw(&PathElement::new(points, color.stroke_width(width)))
            .map_err(draw_err)
    }

    fn polygon(&self, points: Vec<(i32, i32)>, color: RGBAColor) -> Result<(), ChartError> {
        self.area
            .draw(&Polygon::new(points, color.filled()))
            .map_err(draw_err)
    }

    fn dot(&self, center: (i32, i32), radius: u32, color: RGBColor) -> Result<(), ChartError> {
        self.area
            .draw(&Circle::new(
                center,
                radius + 2,
                self.pal.background.filled(),
            ))
            .map_err(draw_err)?;
        self.area
            .draw(&Circle::new(center, radius, color.filled()))
            .map_err(draw_err)
    }

    /// Text whose anchor point is (`x`, `y`): `h` says which end of the text `x` is, and `y` is the
    /// vertical middle of the text.
    fn text(
        &self,
        text: &str,
        at: (i32, i32),
        font: Font,
        color: RGBColor,
        h: HPos,
    ) -> Result<(), ChartError> {
        if text.is_empty() {
            return Ok(());
        }
        let style = if font.bold {
            FontStyle::Bold
        } else {
            FontStyle::Normal
        };
        let desc = FontDesc::new(
            FontFamily::Name(FAMILY),
            plotters_font_size(font.size),
            style,
        );
        let text_style: TextStyle = desc.color(&color).pos(Pos::new(h, VPos::Center));
        self.area.draw_text(text, &text_style, at).map_err(draw_err)
    }

    /// A hit region clamped to the chart.
    fn region(&self, x0: i32, y0: i32, x1: i32, y1: i32, kind: HitKind, key: &str) -> HitRegion {
        let x0 = x0.clamp(0, self.width - 1);
        let y0 = y0.clamp(0, self.height - 1);
        let x1 = x1.clamp(x0 + 1, self.width);
        let y1 = y1.clamp(y0 + 1, self.height);
        let u = |v: i32| u32::try_from(v).unwrap_or(0);
        HitRegion {
            x: u(x0),
            y: u(y0),
            width: u(x1 - x0),
            height: u(y1 - y0),
            kind,
            key: key.to_string(),
        }
    }
}

fn check_size(size: ChartSize) -> Result<(), ChartError> {
    let ok = |v: u32| (MIN_SIDE..=MAX_SIDE).contains(&v);
    if ok(size.width) && ok(size.height) {
        Ok(())
    } else {
        Err(ChartError::Size {
            width: size.width,
            height: size.height,
        })
    }
}

/// Draws a chart: background, then `draw`, then adds a `<title>` for accessibility.
fn render<F>(spec: &ChartSpec, draw: F) -> Result<Chart, ChartError>
where
    F: FnOnce(&Painter) -> Result<Vec<HitRegion>, ChartError>,
{
    check_size(spec.size)?;
    let pal = palette(spec.theme);
    let mut svg = String::new();
    let regions = {
        let backend = SVGBackend::with_string(&mut svg, (spec.size.width, spec.size.height));
        let width = to_i32(i128::from(spec.size.width));
        let height = to_i32(i128::from(spec.size.height));
        let painter = Painter {
            area: backend.into_drawing_area(),
            pal,
            width,
            height,
            pad: if width.min(height) < 240 { 10 } else { 16 },
        };
        painter.area.fill(&pal.background).map_err(draw_err)?;
        let regions = draw(&painter)?;
        painter.area.present().map_err(draw_err)?;
        regions
    };
    if let Some(end) = svg.find('>') {
        svg.insert_str(
            end + 1,
            &format!("\n<title>{}</title>", xml_escape(&spec.title)),
        );
    }
    Ok(Chart { svg, regions })
}

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            other => out.push(other),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Shared pieces: header, legend, empty state, value axis.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
enum Mark {
    Bar(RGBColor),
    Line(RGBColor),
}

enum HeaderRight {
    None,
    Legend(Vec<(Mark, &'static str)>),
    /// A headline figure (e.g. a total) and its caption.
    Figure {
        value: String,
        caption: String,
        color: RGBColor,
    },
}

const LEGEND_SWATCH: i32 = 12;
const LEGEND_GAP: i32 = 18;

fn legend_width(items: &[(Mark, &str)]) -> i32 {
    let texts: i32 = items
        .iter()
        .map(|(_, t)| LEGEND_SWATCH + 6 + text_width(t, LEGEND))
        .sum();
    texts + LEGEND_GAP * (to_i32(items.len() as i128) - 1).max(0)
}

fn draw_legend(p: &Painter, items: &[(Mark, &str)], right: i32, y: i32) -> Result<(), ChartError> {
    let mut x = right - legend_width(items);
    for (mark, label) in items {
        match mark {
            Mark::Bar(c) => p.rounded([x, y - 5, x + 10, y + 5], 2, ALL_CORNERS, c.to_rgba())?,
            Mark::Line(c) => {
                p.rect(x, y - 1, x + LEGEND_SWATCH, y + 1, c.to_rgba())?;
                p.area
                    .draw(&Circle::new((x + LEGEND_SWATCH / 2, y), 3, c.filled()))
                    .map_err(draw_err)?;
            }
        }
        x += LEGEND_SWATCH + 6;
        p.text(label, (x, y), LEGEND, p.pal.muted, HPos::Left)?;
        x += text_width(label, LEGEND) + LEGEND_GAP;
    }
    Ok(())
}

/// Draws the title, the subtitle and the right-hand block; returns the y below the header.
fn draw_header(
    p: &Painter,
    title: &str,
    subtitle: &str,
    right: &HeaderRight,
) -> Result<i32, ChartError> {
    let content = p.width - 2 * p.pad;
    let title_y = p.pad + 8;
    let sub_y = p.pad + 27;
    let right_w = match right {
        HeaderRight::None => 0,
        HeaderRight::Legend(items) => legend_width(items),
        HeaderRight::Figure { value, caption, .. } => {
            text_width(value, FIGURE).max(text_width(caption, SUBTITLE))
        }
    };
    // The right block sits beside the title when the title still gets a fair share of the width.
    let beside = right_w > 0 && text_width(title, TITLE) + 24 + right_w <= content;
    let left_max = if beside {
        content - right_w - 24
    } else {
        content
    };
    // A headline figure that does not fit beside the title becomes the subtitle.
    let subtitle = match right {
        HeaderRight::Figure { value, caption, .. } if !beside => format!("{caption}: {value}"),
        _ => subtitle.to_string(),
    };
    let roomy = p.height >= 180;
    let show_subtitle = roomy && !subtitle.is_empty();
    let mut bottom = if show_subtitle {
        p.pad + 34
    } else {
        p.pad + 18
    };
    let title = truncate(title, TITLE, left_max);
    p.text(&title, (p.pad, title_y), TITLE, p.pal.text, HPos::Left)?;
    if show_subtitle {
        let subtitle = truncate(&subtitle, SUBTITLE, left_max);
        p.text(&subtitle, (p.pad, sub_y), SUBTITLE, p.pal.muted, HPos::Left)?;
    }
    let right_x = p.width - p.pad;
    match right {
        HeaderRight::None => {}
        HeaderRight::Legend(items) => {
            if beside {
                draw_legend(p, items, right_x, title_y)?;
            } else if right_w <= content {
                draw_legend(p, items, right_x, bottom + 10)?;
                bottom += 20;
            }
        }
        HeaderRight::Figure {
            value,
            caption,
            color,
        } => {
            if beside {
                p.text(value, (right_x, title_y), FIGURE, *color, HPos::Right)?;
                if roomy {
                    p.text(
                        caption,
                        (right_x, sub_y),
                        SUBTITLE,
                        p.pal.muted,
                        HPos::Right,
                    )?;
                }
            }
        }
    }
    Ok(bottom)
}

fn amounts_in(spec: &ChartSpec) -> String {
    if spec.currency.trim().is_empty() {
        String::new()
    } else {
        format!("Amounts in {}", spec.currency.trim())
    }
}

/// An amount with the currency code, in the chart's number marks.
fn with_currency(amount: String, spec: &ChartSpec) -> String {
    let amount = spec.locale.number(amount);
    if spec.currency.trim().is_empty() {
        amount
    } else {
        format!("{amount} {}", spec.currency.trim())
    }
}

/// The chart frame with the title and a centred "nothing to show" message.
fn empty_chart(spec: &ChartSpec) -> Result<Chart, ChartError> {
    render(spec, |p| {
        let top = draw_header(p, &spec.title, "", &HeaderRight::None)? + 10;
        let bottom = (p.height - p.pad).max(top + 1);
        let panel = [p.pad, top, p.width - p.pad, bottom];
        p.rounded(panel, 8, ALL_CORNERS, p.pal.panel.to_rgba())?;
        let font = if p.width < 300 { TICK } else { MESSAGE };
        let line_h = to_i32(i128::from(font.size)) + 5;
        let width = p.width - 2 * p.pad - 16;
        let mut lines = wrap(EMPTY_MESSAGE, font, width);
        let fit = usize::try_from((bottom - top - 4) / line_h)
            .unwrap_or(0)
            .max(1);
        if lines.len() > fit {
            let rest = lines.split_off(fit - 1).join(" ");
            lines.push(truncate(&format!("{rest}…"), font, width));
        }
        let count = to_i32(lines.len() as i128);
        let first = (top + bottom) / 2 - (count - 1) * line_h / 2;
        for (i, line) in lines.iter().enumerate() {
            let y = first + to_i32(i as i128) * line_h;
            p.text(line, (p.width / 2, y), font, p.pal.muted, HPos::Center)?;
        }
        Ok(Vec::new())
    })
}

/// Draws gridlines and tick labels for `axis` and returns the labels' width.
fn value_axis_labels(
    axis: &Axis,
    exponent: u32,
    locale: ChartLocale,
) -> (Vec<(i128, String)>, i32) {
    let ticks = axis.ticks();
    let labels: Vec<String> = tick_labels(&ticks, exponent)
        .into_iter()
        .map(|l| locale.number(l))
        .collect();
    let width = labels
        .iter()
        .map(|l| text_width(l, TICK))
        .max()
        .unwrap_or(0);
    (ticks.into_iter().zip(labels).collect(), width)
}

fn draw_value_axis(
    p: &Painter,
    axis: &Axis,
    labels: &[(i128, String)],
    plot: &Plot,
) -> Result<(), ChartError> {
    for (value, label) in labels {
        let y = axis.y(*value, plot);
        if *value != 0 {
            p.hrule(plot.left, plot.right, y, p.pal.grid)?;
        }
        p.text(label, (plot.left - 8, y), TICK, p.pal.muted, HPos::Right)?;
    }
    if axis.lo <= 0 && axis.hi >= 0 {
        p.hrule(plot.left, plot.right, axis.y(0, plot), p.pal.baseline)?;
    }
    Ok(())
}

/// At most this many ticks fit a plot of this height.
fn tick_target(plot_height: i32) -> i32 {
    (plot_height / 48 + 1).clamp(3, 6)
}

// ---------------------------------------------------------------------------------------------
// Money in and out per period.
// ---------------------------------------------------------------------------------------------

/// Paired bars per period (money in, money out) with a net line, a zero baseline and a legend.
/// One [`HitKind::Period`] region per period, covering its column and label.
pub fn debit_credit(spec: &ChartSpec, flows: &[PeriodFlow]) -> Result<Chart, ChartError> {
    check_size(spec.size)?;
    let rows: Vec<(i128, i128, i128)> = flows
        .iter()
        .map(|f| {
            let credit = i128::from(f.credit_minor).abs();
            let debit = i128::from(f.debit_minor).abs();
            (credit, debit, credit - debit)
        })
        .collect();
    if rows.iter().all(|(c, d, _)| *c == 0 && *d == 0) {
        return empty_chart(spec);
    }
    render(spec, |p| {
        let pal = p.pal;
        let legend = HeaderRight::Legend(vec![
            (Mark::Bar(pal.credit), "Money in"),
            (Mark::Bar(pal.debit), "Money out"),
            (Mark::Line(pal.net), "Net"),
        ]);
        let header_bottom = draw_header(p, &spec.title, &amounts_in(spec), &legend)?;
        let top = header_bottom + 16;
        let label_row = 20;
        let bottom = (p.height - p.pad - label_row).max(top + 10);

        let min = rows.iter().map(|r| r.2).min().unwrap_or(0).min(0);
        let max = rows
            .iter()
            .map(|r| r.0.max(r.1).max(r.2))
            .max()
            .unwrap_or(0)
            .max(0);
        let axis = Axis::nice(min, max, tick_target(bottom - top));
        let (labels, label_w) = value_axis_labels(&axis, spec.exponent, spec.locale);
        let plot = Plot {
            left: p.pad + label_w + 10,
            top,
            right: p.width - p.pad,
            bottom,
        };
        draw_value_axis(p, &axis, &labels, &plot)?;

        let n = to_i32(rows.len() as i128).max(1);
        let edge =
            |i: i32| plot.left + to_i32(i128::from(plot.width()) * i128::from(i) / i128::from(n));
        let zero_y = axis.y(0, &plot);
        let mut net_points = Vec::with_capacity(rows.len());
        for (i, ((credit, debit, net), flow)) in rows.iter().zip(flows).enumerate() {
            let i = to_i32(i as i128);
            let shade = |c: RGBColor| {
                if flow.partial {
                    c.mix(PARTIAL_OPACITY)
                } else {
                    c.to_rgba()
                }
            };
            let (x0, x1) = (edge(i), edge(i + 1));
            let slot = x1 - x0;
            let group = (slot * 72 / 100).clamp(2, 64);
            let gap = if group >= 16 {
                3
            } else {
                i32::from(group >= 8)
            };
            let bar = ((group - gap) / 2).max(1);
            let radius = (bar / 4).min(3);
            let center = (x0 + x1) / 2;
            let credit_x1 = center - (gap + 1) / 2;
            let debit_x0 = credit_x1 + gap;
            let credit_y = axis.y(*credit, &plot);
            let debit_y = axis.y(*debit, &plot);
            if *credit > 0 {
                let rect = [credit_x1 - bar, credit_y.min(zero_y - 1), credit_x1, zero_y];
                p.rounded(rect, radius, TOP_CORNERS, shade(pal.credit))?;
            }
            if *debit > 0 {
                let rect = [debit_x0, debit_y.min(zero_y - 1), debit_x0 + bar, zero_y];
                p.rounded(rect, radius, TOP_CORNERS, shade(pal.debit))?;
            }
            if !flow.partial {
                net_points.push((center, axis.y(*net, &plot)));
            }
        }
        let slot_w = plot.width() / n;
        if net_points.len() > 1 {
            p.polyline(net_points.clone(), pal.net, 2)?;
        }
        if slot_w >= 12 || net_points.len() == 1 {
            for point in &net_points {
                p.dot(*point, 3, pal.net)?;
            }
        }

        // Period labels, thinned from the latest period backwards so they never overlap.
        let texts: Vec<String> = flows.iter().map(|f| truncate(&f.label, TICK, 96)).collect();
        let widest = texts.iter().map(|t| text_width(t, TICK)).max().unwrap_or(0);
        let every = to_i32(ceil_div(i128::from(widest + 14), i128::from(slot_w.max(1)))).max(1);
        let label_y = plot.bottom + 12;
        let mut regions = Vec::with_capacity(rows.len());
        for (i, (flow, text)) in flows.iter().zip(&texts).enumerate() {
            let i = to_i32(i as i128);
            let (x0, x1) = (edge(i), edge(i + 1));
            if (n - 1 - i) % every == 0 {
                let half = text_width(text, TICK) / 2;
                let x = ((x0 + x1) / 2).clamp(half + 4, (p.width - half - 4).max(half + 4));
                p.text(text, (x, label_y), TICK, pal.muted, HPos::Center)?;
            }
            regions.push(p.region(
                x0,
                plot.top,
                x1,
                plot.bottom + label_row,
                HitKind::Period,
                &flow.key,
            ));
        }
        Ok(regions)
    })
}

// ---------------------------------------------------------------------------------------------
// Horizontal bars: categories and vendors.
// ---------------------------------------------------------------------------------------------

/// Horizontal bars by category, largest first, each in its own colour, with amount and share of
/// the total. Beyond 12 categories (fewer when the chart is short) the rest are grouped as
/// "Other". One [`HitKind::Category`] region per bar except "Other".
pub fn spending_by_category(spec: &ChartSpec, shares: &[Share]) -> Result<Chart, ChartError> {
    horizontal_bars(spec, shares, HitKind::Category)
}

/// Horizontal bars of the top vendors, largest first, in one accent colour; vendors beyond what
/// fits (at most 12) are left out. One [`HitKind::Vendor`] region per bar.
pub fn top_vendors(spec: &ChartSpec, shares: &[Share]) -> Result<Chart, ChartError> {
    horizontal_bars(spec, shares, HitKind::Vendor)
}

struct BarRow {
    key: Option<String>,
    label: String,
    value: i128,
}

fn horizontal_bars(spec: &ChartSpec, shares: &[Share], kind: HitKind) -> Result<Chart, ChartError> {
    check_size(spec.size)?;
    let mut sorted: Vec<&Share> = shares.iter().filter(|s| s.minor > 0).collect();
    if sorted.is_empty() {
        return empty_chart(spec);
    }
    sorted.sort_by(|a, b| b.minor.cmp(&a.minor).then_with(|| a.label.cmp(&b.label)));
    let total: i128 = sorted.iter().map(|s| i128::from(s.minor)).sum();
    let categories = kind == HitKind::Category;

    render(spec, |p| {
        let pal = p.pal;
        let right = if categories {
            HeaderRight::Figure {
                value: with_currency(amount_text(total, spec.exponent), spec),
                caption: "Total spending".to_string(),
                color: pal.text,
            }
        } else {
            HeaderRight::None
        };
        let top = draw_header(p, &spec.title, &amounts_in(spec), &right)? + 12;
        let bottom = p.height - p.pad;
        let avail = (bottom - top).max(16);
        let fit = usize::try_from(avail / 22).unwrap_or(1).clamp(1, MAX_BARS);

        let mut rows: Vec<BarRow> = Vec::new();
        let shown = if categories && sorted.len() > fit && fit >= 2 {
            fit - 1
        } else {
            fit
        };
        for share in sorted.iter().take(shown) {
            rows.push(BarRow {
                key: Some(share.key.clone()),
                label: share.label.clone(),
                value: i128::from(share.minor),
            });
        }
        if categories && sorted.len() > shown {
            let rest: i128 = sorted.iter().skip(shown).map(|s| i128::from(s.minor)).sum();
            rows.push(BarRow {
                key: None,
                label: "Other".to_string(),
                value: rest,
            });
        }
        let max = rows.iter().map(|r| r.value).max().unwrap_or(1).max(1);

        let count = to_i32(rows.len() as i128);
        let row_h = (avail / count).min(40);
        let bar_h = (row_h * 56 / 100).clamp(4, 20);
        let content = p.width - 2 * p.pad;

        let values: Vec<(String, String)> = rows
            .iter()
            .map(|r| {
                let pct = if categories {
                    percent_text(r.value, total)
                } else {
                    String::new()
                };
                (
                    spec.locale.number(amount_text(r.value, spec.exponent)),
                    spec.locale.number(pct),
                )
            })
            .collect();
        let value_w = |amount: &str, pct: &str| {
            let pct_w = if pct.is_empty() {
                0
            } else {
                text_width(pct, VALUE) + 8
            };
            text_width(amount, VALUE) + pct_w
        };
        let value_col = values
            .iter()
            .map(|(a, pct)| value_w(a, pct))
            .max()
            .unwrap_or(0)
            + 8;
        let natural = rows
            .iter()
            .map(|r| text_width(&r.label, BAR_LABEL))
            .max()
            .unwrap_or(0);
        let mut label_col = natural.min(content * 30 / 100).max(0);
        let min_bar = (content / 4).min(120);
        if content - label_col - 12 - value_col < min_bar {
            label_col = (content - 12 - value_col - min_bar)
                .max(content / 5)
                .min(label_col);
        }
        let bars_left = p.pad + label_col + 12;
        let bar_max = (p.width - p.pad - value_col - bars_left).max(4);

        let mut regions = Vec::new();
        for (i, (row, (amount, pct))) in rows.iter().zip(&values).enumerate() {
            let y0 = top + to_i32(i as i128) * row_h;
            let cy = y0 + row_h / 2;
            let color = match (&row.key, categories) {
                (None, _) => pal.other,
                (Some(_), true) => pal.categories[i % MAX_BARS],
                (Some(_), false) => pal.accent,
            };
            let label = truncate(&row.label, BAR_LABEL, label_col);
            p.text(&label, (p.pad, cy), BAR_LABEL, pal.text, HPos::Left)?;
            let len = to_i32(round_div(row.value * i128::from(bar_max), max)).max(2);
            let half = bar_h / 2;
            let rect = [bars_left, cy - half, bars_left + len, cy - half + bar_h];
            p.rounded(rect, 4, RIGHT_CORNERS, color.to_rgba())?;
            let vx = bars_left + len + 8;
            p.text(amount, (vx, cy), VALUE, pal.text, HPos::Left)?;
            if !pct.is_empty() {
                let px = vx + text_width(amount, VALUE) + 8;
                p.text(pct, (px, cy), VALUE, pal.muted, HPos::Left)?;
            }
            if let Some(key) = &row.key {
                regions.push(p.region(p.pad, y0, p.width - p.pad, y0 + row_h, kind, key));
            }
        }
        Ok(regions)
    })
}

fn percent_text(value: i128, total: i128) -> String {
    if total <= 0 {
        return String::new();
    }
    let pct = round_div(value.saturating_mul(100), total);
    if pct == 0 && value > 0 {
        "<1%".to_string()
    } else {
        format!("{pct}%")
    }
}

// ---------------------------------------------------------------------------------------------
// Balance over time.
// ---------------------------------------------------------------------------------------------

/// The balance as a line with a light area fill, a date axis (months and years, or days for a
/// short range) and a zero line when the balance crosses zero. Hit regions are one per point
/// ([`HitKind::Date`], ISO date key), or per month ("2026-03") / year ("2026") bucket when there
/// are more than 200 points. Points are sorted by date; for a repeated date the last one counts.
pub fn balance_over_time(spec: &ChartSpec, points: &[BalancePoint]) -> Result<Chart, ChartError> {
    check_size(spec.size)?;
    let mut series: Vec<(NaiveDate, i128)> = Vec::with_capacity(points.len());
    let mut sorted: Vec<&BalancePoint> = points.iter().collect();
    sorted.sort_by_key(|pt| pt.date);
    for pt in sorted {
        match series.last_mut() {
            Some(last) if last.0 == pt.date => last.1 = i128::from(pt.minor),
            _ => series.push((pt.date, i128::from(pt.minor))),
        }
    }
    let (Some(first), Some(last)) = (series.first().copied(), series.last().copied()) else {
        return empty_chart(spec);
    };
    if series.iter().all(|(_, v)| *v == 0) {
        return empty_chart(spec);
    }

    render(spec, |p| {
        let pal = p.pal;
        let figure = HeaderRight::Figure {
            value: with_currency(amount_text(last.1, spec.exponent), spec),
            caption: format!("Balance on {}", spec.locale.day_month_year(last.0)),
            color: if last.1 < 0 { pal.negative } else { pal.text },
        };
        let header_bottom = draw_header(p, &spec.title, &amounts_in(spec), &figure)?;
        let top = header_bottom + 16;
        let label_row = 20;
        let bottom = (p.height - p.pad - label_row).max(top + 10);

        let min = series.iter().map(|s| s.1).min().unwrap_or(0);
        let max = series.iter().map(|s| s.1).max().unwrap_or(0);
        // Start the axis at zero unless the balance moves within a narrow band far from it.
        let zoom = (min > 0 && (max - min).saturating_mul(3) < max)
            || (max < 0 && (max - min).saturating_mul(3) < -min);
        let (lo, hi) = if zoom && max > min {
            (min, max)
        } else {
            (min.min(0), max.max(0))
        };
        let axis = Axis::nice(lo, hi, tick_target(bottom - top));
        let (labels, label_w) = value_axis_labels(&axis, spec.exponent, spec.locale);
        let plot = Plot {
            left: p.pad + label_w + 10,
            top,
            right: p.width - p.pad - 6,
            bottom,
        };
        draw_value_axis(p, &axis, &labels, &plot)?;

        let span = (last.0 - first.0).num_days();
        let x_of = |d: NaiveDate| -> i32 {
            if span == 0 {
                (plot.left + plot.right) / 2
            } else {
                map_px(
                    i128::from((d - first.0).num_days()),
                    0,
                    i128::from(span),
                    plot.left,
                    plot.right,
                )
            }
        };
        // The series as (pixel x, exact value), with a point added wherever it crosses zero so
        // that the parts above and below zero can be coloured apart.
        let mut trace: Vec<(i32, i128)> = Vec::with_capacity(series.len() + 8);
        for (date, value) in &series {
            let x = x_of(*date);
            if let Some(&(prev_x, prev)) = trace.last() {
                if (prev < 0 && *value > 0) || (prev > 0 && *value < 0) {
                    let dx = i128::from(x - prev_x) * prev.abs();
                    let cross = prev_x + to_i32(round_div(dx, prev.abs() + value.abs()));
                    trace.push((cross, 0));
                }
            }
            trace.push((x, *value));
        }
        let to_px = |(x, v): (i32, i128)| (x, axis.y(v, &plot));
        let base = 0_i128.clamp(axis.lo, axis.hi);
        let base_y = axis.y(base, &plot);
        if let (Some(first_pt), Some(last_pt)) = (trace.first().copied(), trace.last().copied()) {
            if trace.len() > 1 {
                for negative in [false, true] {
                    if !trace.iter().any(|(_, v)| (*v < 0) == negative && *v != 0) {
                        continue;
                    }
                    let mut area = vec![(first_pt.0, base_y)];
                    area.extend(trace.iter().map(|&(x, v)| {
                        to_px((x, if negative { v.min(base) } else { v.max(base) }))
                    }));
                    area.push((last_pt.0, base_y));
                    area.dedup();
                    let color = if negative { pal.negative } else { pal.accent };
                    p.polygon(area, color.mix(if negative { 0.1 } else { 0.14 }))?;
                }
                if axis.lo < 0 && axis.hi > 0 {
                    p.hrule(plot.left, plot.right, base_y, pal.baseline)?;
                }
                // The line, in runs above and below zero.
                let mut run: Vec<(i32, i32)> = Vec::new();
                let mut run_negative = false;
                for pair in trace.windows(2) {
                    let (a, b) = (pair[0], pair[1]);
                    let negative = a.1 + b.1 < 0;
                    if negative != run_negative && !run.is_empty() {
                        let color = if run_negative {
                            pal.negative
                        } else {
                            pal.accent
                        };
                        p.polyline(std::mem::take(&mut run), color, 2)?;
                    }
                    run_negative = negative;
                    for point in [to_px(a), to_px(b)] {
                        if run.last() != Some(&point) {
                            run.push(point);
                        }
                    }
                }
                let color = if run_negative {
                    pal.negative
                } else {
                    pal.accent
                };
                p.polyline(run, color, 2)?;
            }
            let color = if last_pt.1 < 0 {
                pal.negative
            } else {
                pal.accent
            };
            p.dot(to_px(last_pt), 3, color)?;
        }

        // Date labels.
        let label_y = plot.bottom + 12;
        for (date, text) in date_ticks(first.0, last.0, plot.width(), spec.locale) {
            let x = x_of(date);
            let half = text_width(&text, TICK) / 2;
            let x = x.clamp(half + 4, (p.width - half - 4).max(half + 4));
            p.rect(
                x_of(date),
                plot.bottom + 1,
                x_of(date) + 1,
                plot.bottom + 5,
                pal.baseline.to_rgba(),
            )?;
            p.text(&text, (x, label_y), TICK, pal.muted, HPos::Center)?;
        }

        // Hit regions: buckets of points, each spanning half-way to its neighbours.
        let buckets = date_buckets(&series);
        let mut regions = Vec::with_capacity(buckets.len());
        for (b, bucket) in buckets.iter().enumerate() {
            let start_x = series.get(bucket.start).map_or(plot.left, |s| x_of(s.0));
            let end_x = series.get(bucket.end - 1).map_or(plot.right, |s| x_of(s.0));
            let x0 = match b.checked_sub(1).and_then(|prev| buckets.get(prev)) {
                Some(prev) => series
                    .get(prev.end - 1)
                    .map_or(plot.left, |s| (x_of(s.0) + start_x + 1) / 2),
                None => plot.left,
            };
            let x1 = match buckets.get(b + 1) {
                Some(next) => series
                    .get(next.start)
                    .map_or(plot.right, |s| (end_x + x_of(s.0) + 1) / 2),
                None => plot.right,
            };
            regions.push(p.region(
                x0,
                plot.top,
                x1,
                plot.bottom + label_row,
                HitKind::Date,
                &bucket.key,
            ));
        }
        Ok(regions)
    })
}

struct Bucket {
    start: usize,
    end: usize,
    key: String,
}

fn group_by<K: PartialEq>(
    series: &[(NaiveDate, i128)],
    key: impl Fn(NaiveDate) -> K,
    label: impl Fn(NaiveDate) -> String,
) -> Vec<Bucket> {
    let mut out: Vec<Bucket> = Vec::new();
    for (i, (date, _)) in series.iter().enumerate() {
        let same = out
            .last()
            .is_some_and(|b| series.get(b.start).is_some_and(|s| key(s.0) == key(*date)));
        match out.last_mut() {
            Some(b) if same => b.end = i + 1,
            _ => out.push(Bucket {
                start: i,
                end: i + 1,
                key: label(*date),
            }),
        }
    }
    out
}

fn date_buckets(series: &[(NaiveDate, i128)]) -> Vec<Bucket> {
    let iso = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    if series.len() <= MAX_DATE_REGIONS {
        return group_by(series, |d| d, iso);
    }
    let months = group_by(
        series,
        |d| (d.year(), d.month()),
        |d| d.format("%Y-%m").to_string(),
    );
    if months.len() <= MAX_DATE_REGIONS {
        return months;
    }
    let years = group_by(series, |d| d.year(), |d| d.format("%Y").to_string());
    if years.len() <= MAX_DATE_REGIONS {
        return years;
    }
    // Centuries of data: even chunks keyed by their first date.
    let chunk = series.len().div_ceil(MAX_DATE_REGIONS);
    (0..series.len())
        .step_by(chunk)
        .map(|start| Bucket {
            start,
            end: (start + chunk).min(series.len()),
            key: series.get(start).map_or_else(String::new, |s| iso(s.0)),
        })
        .collect()
}

/// Tick dates and labels for the date axis: days ("3 Mar") up to three months, then months
/// ("Mar 2025"), then years, spaced so that labels never overlap.
fn date_ticks(
    first: NaiveDate,
    last: NaiveDate,
    plot_w: i32,
    months: ChartLocale,
) -> Vec<(NaiveDate, String)> {
    let span = (last - first).num_days();
    if span <= 0 {
        return vec![(first, months.day_month_year(first))];
    }
    let span = i128::from(span);
    let px_per = |days: i128| i128::from(plot_w) * days / span;
    if span <= 92 {
        // The widest day label in these month names ("30 Sep", "30. sep.").
        let widest = NaiveDate::from_ymd_opt(2025, 9, 30)
            .map_or(0, |d| text_width(&months.day_month(d), TICK));
        let need = i128::from(widest + 18);
        let step = [1_i64, 2, 7, 14, 28]
            .into_iter()
            .find(|s| px_per(i128::from(*s)) >= need)
            .unwrap_or(28);
        let mut out = Vec::new();
        let mut d = first;
        while d <= last && out.len() < 100 {
            out.push((d, months.day_month(d)));
            match d.checked_add_days(chrono::Days::new(step.unsigned_abs())) {
                Some(next) => d = next,
                None => break,
            }
        }
        return out;
    }
    // Month steps; a month is taken as 30.44 days for spacing.
    let month_px = |months: i128| i128::from(plot_w) * months * 3044 / (span * 100);
    let widest =
        NaiveDate::from_ymd_opt(2025, 9, 1).map_or(0, |d| text_width(&months.month_year(d), TICK));
    let need = i128::from(widest + 18);
    let year_need = i128::from(text_width("2025", TICK) + 18);
    let mut step: i128 = 1;
    for candidate in [1, 2, 3, 4, 6, 12] {
        step = candidate;
        if month_px(candidate) >= need {
            break;
        }
    }
    if month_px(step) < need {
        step = 12;
        while month_px(step) < year_need && step < 12 * 100_000 {
            step = match step / 12 {
                1 | 10 | 100 | 1000 | 10_000 => step * 2,
                2 | 20 | 200 | 2000 | 20_000 => step / 2 * 5,
                _ => step * 2,
            };
        }
    }
    let index = |d: NaiveDate| i128::from(d.year()) * 12 + i128::from(d.month0());
    let first_index = index(first) + 1 - i128::from(first.day() == 1);
    let mut m = ceil_div(first_index, step) * step;
    let mut out = Vec::new();
    while out.len() < 100 {
        let year = i32::try_from(m.div_euclid(12)).ok();
        let month = u32::try_from(m.rem_euclid(12) + 1).ok();
        let Some(date) = year
            .zip(month)
            .and_then(|(y, mo)| NaiveDate::from_ymd_opt(y, mo, 1))
        else {
            break;
        };
        if date > last {
            break;
        }
        let text = if step >= 12 {
            date.format("%Y").to_string()
        } else {
            months.month_year(date)
        };
        out.push((date, text));
        m += step;
    }
    out
}

// ---------------------------------------------------------------------------------------------
// PNG.
// ---------------------------------------------------------------------------------------------

static DEJAVU_SANS: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

/// The embedded DejaVu Sans first (so charts look the same everywhere), then the system fonts (for
/// glyphs DejaVu lacks). Loaded once.
fn font_db() -> Arc<usvg::fontdb::Database> {
    static DB: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        db.load_font_source(usvg::fontdb::Source::Binary(Arc::new(DEJAVU_SANS)));
        db.load_system_fonts();
        db.set_sans_serif_family("DejaVu Sans");
        Arc::new(db)
    })
    .clone()
}

/// Rasterises an SVG (e.g. [`Chart::svg`]) to PNG bytes at its own pixel size (100–4000 px a side
/// for charts; anything up to 4000 px is accepted).
pub fn svg_to_png(svg: &str) -> Result<Vec<u8>, ChartError> {
    let options = usvg::Options {
        fontdb: font_db(),
        font_family: "DejaVu Sans".to_string(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| ChartError::Png(e.to_string()))?;
    let size = tree.size().to_int_size();
    if size.width() > MAX_SIDE || size.height() > MAX_SIDE {
        return Err(ChartError::Png(format!(
            "image size {}×{} is larger than {MAX_SIDE} px",
            size.width(),
            size.height()
        )));
    }
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| ChartError::Png("could not allocate the image".to_string()))?;
    resvg::render(
        &tree,
        tiny_skia::Transform::identity(),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| ChartError::Png(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(title: &str, theme: Theme) -> ChartSpec {
        sized(title, theme, 900, 360)
    }

    fn sized(title: &str, theme: Theme, width: u32, height: u32) -> ChartSpec {
        ChartSpec {
            title: title.to_string(),
            currency: "NOK".to_string(),
            exponent: 2,
            size: ChartSize { width, height },
            theme,
            locale: ChartLocale::English,
        }
    }

    /// Whole kroner in øre.
    fn nok(kroner: i64) -> i64 {
        kroner * 100
    }

    /// Whether the SVG draws `text` as one `<text>` element.
    fn has_text(svg: &str, text: &str) -> bool {
        svg.contains(&format!(">\n{}\n</text>", xml_escape(text)))
    }

    fn month_label(i: usize) -> (String, String) {
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let year = 2024 + i / 12;
        let month = i % 12;
        (
            format!("{year}-{:02}", month + 1),
            format!("{} {}", MONTHS[month], year),
        )
    }

    fn flows(n: usize, credit: i64, debit: i64) -> Vec<PeriodFlow> {
        (0..n)
            .map(|i| {
                let (key, label) = month_label(i);
                PeriodFlow {
                    key,
                    label,
                    credit_minor: credit,
                    debit_minor: debit,
                    partial: false,
                }
            })
            .collect()
    }

    /// The running period is drawn lighter and the Net line stops before it: the SVG holds
    /// exactly two see-through bars (its money in and out) and a Net line through the full
    /// periods only.
    #[test]
    fn the_running_period_is_marked_partial() {
        let mut data = flows(4, nok(500), nok(300));
        let full = debit_credit(&spec("Money in and out", Theme::Light), &data).unwrap();
        data[3].partial = true;
        let marked = debit_credit(&spec("Money in and out", Theme::Light), &data).unwrap();
        let see_through = |svg: &str| svg.matches("opacity=\"0.4\"").count();
        assert_eq!(see_through(&full.svg), 0);
        assert_eq!(see_through(&marked.svg), 2, "{}", marked.svg);
        let net_points = |svg: &str| {
            svg.lines()
                .find(|l| l.contains("<polyline"))
                .map(|l| l.matches(',').count())
                .unwrap_or(0)
        };
        assert_eq!(net_points(&full.svg), 4);
        assert_eq!(net_points(&marked.svg), 3);
        assert_eq!(
            marked.regions.len(),
            4,
            "the running period can still be clicked"
        );
    }

    fn share(key: &str, minor: i64) -> Share {
        Share {
            key: key.to_string(),
            label: key.to_string(),
            minor,
        }
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    /// Well-formed XML, an `<svg` root of the chart's size, and regions inside the chart.
    fn check(chart: &Chart, spec: &ChartSpec) {
        assert!(
            chart.svg.starts_with("<svg"),
            "{}",
            &chart.svg[..80.min(chart.svg.len())]
        );
        let doc = usvg::roxmltree::Document::parse(&chart.svg).expect("well-formed SVG");
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(
            root.attribute("width"),
            Some(spec.size.width.to_string().as_str())
        );
        assert_eq!(
            root.attribute("height"),
            Some(spec.size.height.to_string().as_str())
        );
        for r in &chart.regions {
            assert!(r.width > 0 && r.height > 0, "{r:?}");
            assert!(r.x + r.width <= spec.size.width, "{r:?}");
            assert!(r.y + r.height <= spec.size.height, "{r:?}");
        }
    }

    #[test]
    fn format_amount_is_exact_with_thousands_separators() {
        let cases: &[(i64, u32, &str)] = &[
            (0, 2, "0.00"),
            (5, 2, "0.05"),
            (-5, 2, "-0.05"),
            (100, 2, "1.00"),
            (-1_234_567, 2, "-12,345.67"),
            (123_456_789, 0, "123,456,789"),
            (999, 0, "999"),
            (1000, 0, "1,000"),
            (-1000, 0, "-1,000"),
            (1234, 3, "1.234"),
            (-1, 3, "-0.001"),
            (1_234_567_890, 3, "1,234,567.890"),
            (i64::MAX, 2, "92,233,720,368,547,758.07"),
            (i64::MIN, 2, "-92,233,720,368,547,758.08"),
            (i64::MIN, 0, "-9,223,372,036,854,775,808"),
            (i64::MAX, 18, "9.223372036854775807"),
            (1, 40, "0.000000000000000001"),
        ];
        for (minor, exponent, expected) in cases {
            assert_eq!(
                format_amount(*minor, *exponent),
                *expected,
                "{minor} e{exponent}"
            );
        }
    }

    #[test]
    fn format_compact_rounds_in_integers() {
        let cases: &[(i64, u32, &str)] = &[
            (0, 2, "0"),
            (125_000_000, 2, "1.25M"),
            (4_500_000, 2, "45k"),
            (-4_500_000, 2, "-45k"),
            (250_000, 2, "2.5k"),
            (1250, 2, "12.5"),
            (-1, 2, "-0.01"),
            (-4, 3, "0"),
            (1000, 3, "1"),
            (99_999, 2, "999.99"),
            (99_999_999, 2, "1M"),
            (1_234_567, 0, "1.23M"),
            (1_235_000, 0, "1.24M"),
            (-1_235_000, 0, "-1.24M"),
            (500_000_000_000, 0, "500B"),
            (7_000_000_000_000, 0, "7T"),
            (i64::MAX, 2, "92,233.72T"),
            (i64::MIN, 0, "-9,223,372.04T"),
            (123_456_789, 40, "0"),
        ];
        for (minor, exponent, expected) in cases {
            assert_eq!(
                format_compact(*minor, *exponent),
                *expected,
                "{minor} e{exponent}"
            );
        }
    }

    #[test]
    fn tick_labels_fall_back_to_full_amounts_when_compact_repeats() {
        assert_eq!(
            tick_labels(&[0, 2_000_000, 4_000_000], 2),
            ["0", "20k", "40k"]
        );
        assert_eq!(
            tick_labels(&[100_000_000, 100_250_000, 100_500_000], 2),
            ["1,000,000", "1,002,500", "1,005,000"]
        );
        assert_eq!(
            tick_labels(&[100_000_050, 100_000_100], 2),
            ["1,000,000.50", "1,000,001.00"]
        );
    }

    #[test]
    fn nice_axis_covers_the_data_with_few_round_ticks() {
        let ranges: &[(i128, i128)] = &[
            (0, 8_712_345),
            (-1_200_000, 8_700_000),
            (-250_000, 10_850_000),
            (0, 1),
            (5, 5),
            (-30_000_000, -19_000_000),
            (i128::from(i64::MIN), i128::from(i64::MAX)),
            (0, i128::from(i64::MAX) * 3),
        ];
        for (min, max) in ranges {
            for max_ticks in 3..=6 {
                let axis = Axis::nice(*min, *max, max_ticks);
                let ticks = axis.ticks();
                assert!(axis.lo <= *min && axis.hi >= *max, "{min}..{max}: {axis:?}");
                assert!(ticks.len() >= 2, "{min}..{max}: {axis:?}");
                assert!(
                    ticks.len() <= usize::try_from(max_ticks).unwrap_or(0),
                    "{axis:?}"
                );
                assert!(ticks.iter().all(|t| *t >= axis.lo && *t <= axis.hi));
                let mantissa = {
                    let mut s = axis.step;
                    while s % 10 == 0 {
                        s /= 10;
                    }
                    s
                };
                assert!([1, 2, 25, 5].contains(&mantissa), "step {}", axis.step);
            }
        }
        // Bars start at zero: zero is a tick.
        assert!(Axis::nice(0, 8_712_345, 6).ticks().contains(&0));
    }

    #[test]
    fn text_is_measured_and_truncated_with_an_ellipsis() {
        assert_eq!(text_width("", TICK), 0);
        assert!(text_width("WWW", TICK) > text_width("iii", TICK));
        assert!(text_width("Abc", TITLE) > text_width("Abc", LEGEND));
        assert_eq!(truncate("Groceries", BAR_LABEL, 500), "Groceries");
        let short = truncate("Norwegian Air Shuttle ASA", BAR_LABEL, 80);
        assert!(
            short.ends_with('…') && text_width(&short, BAR_LABEL) <= 80,
            "{short}"
        );
        assert_eq!(truncate("Groceries", BAR_LABEL, 2), "");
        let long = "x".repeat(100_000);
        assert!(truncate(&long, TICK, 50).ends_with('…'));
    }

    #[test]
    fn font_sizes_are_written_exactly() {
        let chart =
            debit_credit(&spec("Money in and out", Theme::Light), &flows(3, 10, 5)).expect("chart");
        assert!(chart.svg.contains("font-size=\"16\""));
        assert!(chart.svg.contains("font-size=\"11\""));
        assert!(chart
            .svg
            .contains("font-family=\"DejaVu Sans, sans-serif\""));
        assert!(!chart.svg.contains("0000000"), "float noise in the SVG");
        let empty = debit_credit(&spec("Empty", Theme::Light), &[]).expect("empty");
        assert!(empty.svg.contains("font-size=\"14\""));
        assert!(!empty.svg.contains("0000000"), "float noise in the SVG");
    }

    #[test]
    fn debit_credit_draws_bars_net_line_legend_and_axis() {
        let spec = spec("Money in and out", Theme::Light);
        let flows = flows(24, nok(60_000), nok(40_000));
        let chart = debit_credit(&spec, &flows).expect("chart");
        check(&chart, &spec);
        assert!(chart.svg.contains("<title>Money in and out</title>"));
        for text in [
            "Money in and out",
            "Amounts in NOK",
            "Money in",
            "Money out",
            "Net",
        ] {
            assert!(has_text(&chart.svg, text), "{text}");
        }
        for tick in ["0", "20k", "40k", "60k"] {
            assert!(has_text(&chart.svg, tick), "tick {tick}");
        }
        assert!(chart.svg.contains("<polyline"), "net line");
        // Labels are thinned from the latest period backwards.
        assert!(has_text(&chart.svg, &flows[23].label));
        assert!(!has_text(&chart.svg, &flows[22].label));
        // One region per period, left to right, keyed by the period.
        assert_eq!(chart.regions.len(), 24);
        for (region, flow) in chart.regions.iter().zip(&flows) {
            assert_eq!(region.kind, HitKind::Period);
            assert_eq!(region.key, flow.key);
        }
        for pair in chart.regions.windows(2) {
            assert_eq!(
                pair[0].x + pair[0].width,
                pair[1].x,
                "regions tile the plot"
            );
        }
    }

    #[test]
    fn debit_credit_colours_follow_the_theme() {
        let flows = flows(6, nok(55_000), nok(48_000));
        let light = debit_credit(&spec("Flows", Theme::Light), &flows).expect("light");
        let dark = debit_credit(&spec("Flows", Theme::Dark), &flows).expect("dark");
        assert!(light.svg.contains("fill=\"#FFFFFF\""));
        assert!(dark.svg.contains("fill=\"#1B1F24\""));
        assert!(light.svg.contains("fill=\"#1D4ED8\"") && light.svg.contains("fill=\"#DD5B00\""));
        assert!(dark.svg.contains("fill=\"#74C0FC\"") && dark.svg.contains("fill=\"#F76707\""));
        assert!(
            dark.svg.contains("fill=\"#E6EAEE\""),
            "light title text on dark"
        );
    }

    #[test]
    fn debit_credit_many_periods_keeps_labels_apart() {
        let flows = flows(104, nok(12_000), nok(9_000));
        let chart = debit_credit(&spec("Weekly", Theme::Dark), &flows).expect("chart");
        check(&chart, &spec("Weekly", Theme::Dark));
        assert_eq!(chart.regions.len(), 104);
        let shown = flows
            .iter()
            .filter(|f| has_text(&chart.svg, &f.label))
            .count();
        assert!((5..=16).contains(&shown), "{shown} labels");
    }

    #[test]
    fn spending_by_category_sorts_groups_other_and_truncates() {
        let spec = spec("Spending by category", Theme::Light);
        let mut shares: Vec<Share> = (1..=14)
            .map(|i| share(&format!("cat{i}"), nok(i * 1000)))
            .collect();
        shares.push(Share {
            key: "long".to_string(),
            label: "Utilities, power, internet, phone, water and a very long tail of words"
                .to_string(),
            minor: nok(500),
        });
        shares[0].minor = nok(100_000);
        let chart = spending_by_category(&spec, &shares).expect("chart");
        check(&chart, &spec);
        // 12 bars: the 11 largest and "Other", which has no region.
        assert_eq!(chart.regions.len(), 11);
        let keys: Vec<&str> = chart.regions.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys[..3], ["cat1", "cat14", "cat13"]);
        assert!(chart.regions.iter().all(|r| r.kind == HitKind::Category));
        assert!(chart.regions.windows(2).all(|w| w[0].y < w[1].y));
        assert!(has_text(&chart.svg, "Other"));
        assert!(has_text(&chart.svg, "100,000.00"));
        assert!(has_text(&chart.svg, "Total spending"));
        // Distinct colours per bar.
        assert!(chart.svg.contains("#4C6EF5") && chart.svg.contains("#12B886"));

        let few = vec![
            share("groceries", nok(4_210)),
            share("x", 0),
            share("refund", -nok(20)),
        ];
        let mut long = share("long", nok(900));
        long.label =
            "Utilities, power, internet, phone, water and a very long tail of words".into();
        let chart = spending_by_category(&spec, &[few, vec![long]].concat()).expect("chart");
        assert_eq!(
            chart.regions.len(),
            2,
            "zero and negative shares are left out"
        );
        assert!(chart.svg.contains('…'), "long label truncated");
    }

    #[test]
    fn top_vendors_takes_the_top_in_one_colour_and_escapes_names() {
        let spec = spec("Top vendors", Theme::Dark);
        let names = [
            "Rema 1000",
            "Kiwi",
            "Foodora",
            "Ruter",
            "Spotify",
            "Vinmonopolet",
            "Coop Extra",
            "Elkjøp",
            "Fjordkraft",
            "Telenor",
            "Apotek 1",
            "H&M <Outlet>",
            "Zzz smallest",
        ];
        let shares: Vec<Share> = names
            .iter()
            .enumerate()
            .map(|(i, n)| share(n, nok(20_000 - i64::try_from(i).unwrap_or(0) * 1000)))
            .collect();
        let chart = top_vendors(&spec, &shares).expect("chart");
        check(&chart, &spec);
        assert_eq!(chart.regions.len(), 12);
        assert!(chart.regions.iter().all(|r| r.kind == HitKind::Vendor));
        assert_eq!(chart.regions[0].key, "Rema 1000");
        assert_eq!(chart.regions[11].key, "H&M <Outlet>");
        assert!(chart.svg.contains("H&amp;M &lt;Outlet&gt;"));
        assert!(!has_text(&chart.svg, "Zzz smallest") && !has_text(&chart.svg, "Other"));
        assert!(has_text(&chart.svg, "20,000.00"));
        assert!(
            !chart.svg.contains("%\n</text>"),
            "no percentages for vendors"
        );
    }

    fn daily_balance(days: u64) -> Vec<BalancePoint> {
        let start = date(2024, 5, 1);
        (0..days)
            .map(|i| {
                let day = start + chrono::Days::new(i);
                let minor = nok(20_000) + i64::try_from(i).unwrap_or(0) * 5_000;
                BalancePoint { date: day, minor }
            })
            .collect()
    }

    #[test]
    fn balance_buckets_many_points_by_month() {
        let spec = spec("Balance", Theme::Light);
        let points = daily_balance(730);
        let chart = balance_over_time(&spec, &points).expect("chart");
        check(&chart, &spec);
        assert_eq!(chart.regions.len(), 24, "May 2024 – Apr 2026");
        assert_eq!(chart.regions[0].key, "2024-05");
        assert_eq!(chart.regions[23].key, "2026-04");
        assert!(chart.regions.iter().all(|r| r.kind == HitKind::Date));
        for pair in chart.regions.windows(2) {
            assert_eq!(
                pair[0].x + pair[0].width,
                pair[1].x,
                "regions tile the plot"
            );
        }
        assert!(has_text(&chart.svg, "Jan 2025"));
        let last = points.last().map(|p| p.minor).unwrap_or(0);
        assert!(has_text(
            &chart.svg,
            &format!("{} NOK", format_amount(last, 2))
        ));
        assert!(has_text(&chart.svg, "Balance on 30 Apr 2026"));
    }

    #[test]
    fn balance_with_few_points_has_a_region_per_date() {
        let spec = spec("Balance", Theme::Dark);
        // Unsorted, with a repeated date (the last one wins).
        let points = vec![
            BalancePoint {
                date: date(2026, 1, 20),
                minor: nok(900),
            },
            BalancePoint {
                date: date(2026, 1, 5),
                minor: nok(1_500),
            },
            BalancePoint {
                date: date(2026, 1, 12),
                minor: -nok(300),
            },
            BalancePoint {
                date: date(2026, 1, 12),
                minor: -nok(250),
            },
        ];
        let chart = balance_over_time(&spec, &points).expect("chart");
        check(&chart, &spec);
        let keys: Vec<&str> = chart.regions.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, ["2026-01-05", "2026-01-12", "2026-01-20"]);
        assert!(
            has_text(&chart.svg, "5 Jan"),
            "day labels for a short range"
        );
        // Crosses zero: the negative part is drawn in the negative colour.
        assert!(chart.svg.contains(&format!(
            "#{:02X}{:02X}{:02X}",
            DARK.negative.0, DARK.negative.1, DARK.negative.2
        )));
        assert!(has_text(&chart.svg, "0"));
    }

    #[test]
    fn empty_or_all_zero_data_shows_the_message() {
        for theme in [Theme::Light, Theme::Dark] {
            let spec = spec("Nothing here", theme);
            let zero_flows = flows(3, 0, 0);
            let zero_points = vec![BalancePoint {
                date: date(2026, 1, 1),
                minor: 0,
            }];
            let charts = [
                debit_credit(&spec, &[]),
                debit_credit(&spec, &zero_flows),
                spending_by_category(&spec, &[]),
                spending_by_category(&spec, &[share("a", 0)]),
                top_vendors(&spec, &[]),
                balance_over_time(&spec, &[]),
                balance_over_time(&spec, &zero_points),
            ];
            for chart in charts {
                let chart = chart.expect("empty chart");
                check(&chart, &spec);
                assert!(has_text(&chart.svg, EMPTY_MESSAGE));
                assert!(has_text(&chart.svg, "Nothing here"));
                assert!(chart.regions.is_empty());
                assert!(!has_text(&chart.svg, "0") && !has_text(&chart.svg, "Money in"));
            }
        }
        // A tiny chart wraps the message instead of spilling out.
        let tiny = sized("Top vendors", Theme::Light, 100, 100);
        let chart = top_vendors(&tiny, &[]).expect("tiny");
        check(&chart, &tiny);
    }

    #[test]
    fn extreme_inputs_do_not_panic() {
        let sizes = [
            (100, 100),
            (4000, 4000),
            (4000, 100),
            (100, 4000),
            (320, 200),
        ];
        let big_flows = vec![
            PeriodFlow {
                key: "a".into(),
                label: "A".into(),
                credit_minor: i64::MAX,
                debit_minor: i64::MIN,
                partial: false,
            },
            PeriodFlow {
                key: "b".into(),
                label: "B".into(),
                credit_minor: i64::MIN,
                debit_minor: 0,
                partial: false,
            },
            PeriodFlow {
                key: "c".into(),
                label: "C".repeat(500),
                credit_minor: 0,
                debit_minor: i64::MAX,
                partial: false,
            },
        ];
        let one = flows(1, -nok(5), nok(7));
        let huge_shares: Vec<Share> = (0..40)
            .map(|i| share(&format!("s{i}"), i64::MAX - i))
            .collect();
        let points = vec![
            BalancePoint {
                date: NaiveDate::MIN,
                minor: i64::MIN,
            },
            BalancePoint {
                date: NaiveDate::MAX,
                minor: i64::MAX,
            },
        ];
        let single = vec![BalancePoint {
            date: date(2026, 3, 1),
            minor: -nok(42),
        }];
        let many_years: Vec<BalancePoint> = (0..5000)
            .map(|i| BalancePoint {
                date: date(1800, 1, 1) + chrono::Days::new(i * 10),
                minor: i64::try_from(i).unwrap_or(0) * 1000 - 2_000_000,
            })
            .collect();
        for (width, height) in sizes {
            for exponent in [0, 2, 3, 40] {
                let spec = ChartSpec {
                    exponent,
                    ..sized("Extreme", Theme::Dark, width, height)
                };
                let charts = [
                    debit_credit(&spec, &big_flows),
                    debit_credit(&spec, &one),
                    debit_credit(&spec, &flows(2000, 1, 2)),
                    spending_by_category(&spec, &huge_shares),
                    top_vendors(&spec, &huge_shares),
                    balance_over_time(&spec, &points),
                    balance_over_time(&spec, &single),
                    balance_over_time(&spec, &many_years),
                ];
                for chart in charts {
                    let chart = chart.expect("chart");
                    check(&chart, &spec);
                    assert!(chart.regions.len() <= 2000);
                }
            }
        }
        let spec = spec("Years", Theme::Light);
        let chart = balance_over_time(&spec, &many_years).expect("chart");
        assert!(chart.regions.len() <= MAX_DATE_REGIONS);
        assert!(
            chart.regions.iter().all(|r| r.key.len() == 4),
            "year buckets"
        );
        let chart = debit_credit(&spec, &one).expect("chart");
        assert_eq!(chart.regions.len(), 1);
    }

    #[test]
    fn sizes_outside_100_to_4000_are_rejected() {
        for (width, height) in [(99, 360), (900, 4001), (0, 0), (u32::MAX, 360)] {
            let spec = sized("x", Theme::Light, width, height);
            let err = debit_credit(&spec, &flows(2, 1, 1)).expect_err("size error");
            assert!(matches!(err, ChartError::Size { .. }), "{err}");
            assert!(balance_over_time(&spec, &[]).is_err());
            assert!(top_vendors(&spec, &[]).is_err());
        }
    }

    #[test]
    fn titles_are_escaped() {
        let spec = spec("Tom & Jerry's <budget>", Theme::Light);
        let chart = debit_credit(&spec, &flows(2, 100, 50)).expect("chart");
        check(&chart, &spec);
        assert!(chart.svg.contains("Tom &amp; Jerry&apos;s &lt;budget&gt;"));
    }

    #[test]
    fn png_has_the_signature_and_the_chart_size() {
        let spec = spec("Money in and out", Theme::Light);
        let chart = debit_credit(&spec, &flows(12, nok(55_000), nok(41_000))).expect("chart");
        let png = svg_to_png(&chart.svg).expect("png");
        assert_eq!(png[..8], [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a]);
        assert_eq!(&png[12..16], b"IHDR");
        assert_eq!(
            u32::from_be_bytes([png[16], png[17], png[18], png[19]]),
            900
        );
        assert_eq!(
            u32::from_be_bytes([png[20], png[21], png[22], png[23]]),
            360
        );
        let pixmap = tiny_skia::Pixmap::decode_png(&png).expect("decodes");
        assert_eq!((pixmap.width(), pixmap.height()), (900, 360));
        // Opaque white background in the corner, and some dark (text) pixels.
        let corner = pixmap.pixel(0, 0).expect("pixel");
        assert_eq!(
            (corner.red(), corner.green(), corner.blue(), corner.alpha()),
            (255, 255, 255, 255)
        );
        assert!(pixmap
            .pixels()
            .iter()
            .any(|p| p.red() < 80 && p.green() < 80 && p.blue() < 80));

        let tiny = sized("Empty", Theme::Dark, 100, 100);
        let png = svg_to_png(&top_vendors(&tiny, &[]).expect("chart").svg).expect("png");
        let pixmap = tiny_skia::Pixmap::decode_png(&png).expect("decodes");
        assert_eq!((pixmap.width(), pixmap.height()), (100, 100));
    }

    #[test]
    fn png_rejects_bad_svg() {
        assert!(matches!(svg_to_png("not an svg"), Err(ChartError::Png(_))));
        let huge = r#"<svg xmlns="http://www.w3.org/2000/svg" width="9000" height="10"/>"#;
        assert!(matches!(svg_to_png(huge), Err(ChartError::Png(_))));
    }

    /// sRGB channel to linear light (IEC 61966-2-1), as WCAG 2 and the simulations use it.
    // Colour science, not money: floats are the right tool here.
    #[allow(clippy::float_arithmetic)]
    fn linear(channel: u8) -> f64 {
        let c = f64::from(channel) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    }

    fn rgb_linear(c: RGBColor) -> [f64; 3] {
        [linear(c.0), linear(c.1), linear(c.2)]
    }

    // Colour science, not money: floats are the right tool here.
    #[allow(clippy::float_arithmetic)]
    fn luminance(rgb: [f64; 3]) -> f64 {
        0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]
    }

    /// WCAG 2 contrast ratio, 1–21.
    // Colour science, not money: floats are the right tool here.
    #[allow(clippy::float_arithmetic)]
    fn contrast(a: [f64; 3], b: [f64; 3]) -> f64 {
        let (la, lb) = (luminance(a), luminance(b));
        (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
    }

    /// What a deuteranope (no green cones) sees: Machado, Oliveira & Fernandes (2009),
    /// severity 1.0, applied to linear RGB.
    // Colour science, not money: floats are the right tool here.
    #[allow(clippy::float_arithmetic)]
    fn deuteranopia(rgb: [f64; 3]) -> [f64; 3] {
        const M: [[f64; 3]; 3] = [
            [0.367_322, 0.860_646, -0.227_968],
            [0.280_085, 0.672_501, 0.047_413],
            [-0.011_820, 0.042_940, 0.968_881],
        ];
        M.map(|row| (row[0] * rgb[0] + row[1] * rgb[1] + row[2] * rgb[2]).clamp(0.0, 1.0))
    }

    /// CIE L*a*b* (D65) of a linear RGB colour.
    // Colour science, not money: floats are the right tool here.
    #[allow(clippy::float_arithmetic)]
    fn lab(rgb: [f64; 3]) -> [f64; 3] {
        let x = (0.4124 * rgb[0] + 0.3576 * rgb[1] + 0.1805 * rgb[2]) / 0.950_47;
        let y = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
        let z = (0.0193 * rgb[0] + 0.1192 * rgb[1] + 0.9505 * rgb[2]) / 1.088_83;
        let f = |t: f64| {
            if t > 216.0 / 24389.0 {
                t.cbrt()
            } else {
                (24389.0 / 27.0 * t + 16.0) / 116.0
            }
        };
        let (fx, fy, fz) = (f(x), f(y), f(z));
        [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
    }

    /// CIE76 colour difference.
    // Colour science, not money: floats are the right tool here.
    #[allow(clippy::float_arithmetic)]
    fn delta_e(a: [f64; 3], b: [f64; 3]) -> f64 {
        let (a, b) = (lab(a), lab(b));
        ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
    }

    /// Money in and money out must be told apart by everyone, on both themes:
    /// - each against the background at least 3:1 (WCAG 2.1, 1.4.11 non-text contrast);
    /// - under a deuteranopia simulation, a CIE76 ΔE of at least 60. A ΔE of 2.3 is just
    ///   noticeable side by side; bars are thin and the legend swatch is 10 px, so the pair
    ///   needs a difference as plain as two different hues, not a shade. The old green/red
    ///   pair came to 29 (light) and 22 (dark) and fails;
    /// - a luminance contrast between the two of at least 1.2:1, so they also differ in
    ///   greyscale (a print, achromatopsia). The old pair was 1.01:1.
    #[test]
    fn in_and_out_colours_read_for_everyone() {
        for (theme, pal) in [("light", &LIGHT), ("dark", &DARK)] {
            let bg = rgb_linear(pal.background);
            let (credit, debit) = (rgb_linear(pal.credit), rgb_linear(pal.debit));
            for (name, c) in [("money in", credit), ("money out", debit)] {
                let ratio = contrast(c, bg);
                assert!(
                    ratio >= 3.0,
                    "{theme}: {name} is {ratio:.2}:1 on the background"
                );
            }
            let seen = delta_e(deuteranopia(credit), deuteranopia(debit));
            assert!(seen >= 60.0, "{theme}: ΔE {seen:.1} under deuteranopia");
            let apart = contrast(credit, debit);
            assert!(
                apart >= 1.2,
                "{theme}: in and out differ {apart:.2}:1 in lightness"
            );
        }
        // The check itself tells a bad pair: the old green/red fails it.
        let (old_in, old_out) = (
            rgb_linear(RGBColor(0x1c, 0xa3, 0x78)),
            rgb_linear(RGBColor(0xef, 0x63, 0x5b)),
        );
        assert!(delta_e(deuteranopia(old_in), deuteranopia(old_out)) < 60.0);
        assert!(contrast(old_in, old_out) < 1.2);
    }

    /// Month axes carry the whole year ("Nov 2024", never "Nov 24", which reads as a day),
    /// in the locale's month names; period labels come from the report the same way.
    #[test]
    fn month_axes_name_the_whole_year_in_the_locale() {
        let points = daily_balance(730);
        let english = balance_over_time(&spec("Balance", Theme::Light), &points).unwrap();
        let norwegian = ChartSpec {
            locale: ChartLocale::Norwegian,
            ..spec("Balance", Theme::Light)
        };
        let norwegian = balance_over_time(&norwegian, &points).unwrap();
        assert!(has_text(&english.svg, "Jan 2025"), "{}", english.svg);
        assert!(!has_text(&english.svg, "Jan 25"));
        assert!(has_text(&norwegian.svg, "jan. 2025"), "{}", norwegian.svg);
        assert!(!norwegian.svg.contains("Jan 2025"));
        let short = daily_balance(40);
        let days = ChartSpec {
            locale: ChartLocale::Norwegian,
            ..spec("Balance", Theme::Light)
        };
        assert!(has_text(
            &balance_over_time(&days, &short).unwrap().svg,
            "1. mai"
        ));
        assert!(has_text(
            &balance_over_time(&spec("Balance", Theme::Light), &short)
                .unwrap()
                .svg,
            "1 May"
        ));
        assert_eq!(ChartLocale::of_locale("nb-NO"), ChartLocale::Norwegian);
        assert_eq!(ChartLocale::of_locale("nn"), ChartLocale::Norwegian);
        assert_eq!(ChartLocale::of_locale("en-GB"), ChartLocale::English);
        assert_eq!(ChartLocale::of_locale(""), ChartLocale::English);
        let nov = date(2024, 11, 4);
        assert_eq!(ChartLocale::English.month_year(nov), "Nov 2024");
        assert_eq!(ChartLocale::Norwegian.month_year(nov), "nov. 2024");
        // Numbers in the locale's marks: the total, the bars' amounts and the axis.
        let shares = [share("groceries", 123_456_789), share("travel", 50)];
        let nb = ChartSpec {
            locale: ChartLocale::Norwegian,
            ..spec("Spending", Theme::Light)
        };
        let svg = spending_by_category(&nb, &shares).unwrap().svg;
        assert!(has_text(&svg, "1\u{a0}234\u{a0}568,39 NOK"), "{svg}");
        assert!(has_text(&svg, "1\u{a0}234\u{a0}567,89"), "{svg}");
        let svg = spending_by_category(&spec("Spending", Theme::Light), &shares)
            .unwrap()
            .svg;
        assert!(has_text(&svg, "1,234,568.39 NOK"), "{svg}");
        // The flows chart draws the labels it is given, the whole year included.
        let chart = debit_credit(&spec("Flows", Theme::Light), &flows(3, nok(10), nok(5))).unwrap();
        assert!(has_text(&chart.svg, "Mar 2024"), "{}", chart.svg);
    }
}
