//! How well the built-in rules name vendors, measured on a labelled set of bank lines written by
//! hand (`crates/coffer-core/data/vendor-eval.tsv`), per language and overall.
//!
//! `cargo run -p coffer-core --example vendor-eval` prints the scores and every miss; a unit test
//! holds the floors. Scores are per mille, in integers: they are counts, not measurements.

use super::VendorNormaliser;

/// The labelled set, embedded so the test and the example read the same lines.
pub const EVAL_SET: &str = include_str!("../../data/vendor-eval.tsv");

/// The expected-vendor column's word for "no vendor": money between people.
pub const NO_VENDOR: &str = "(none)";

/// One labelled line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// Line number in the file, for pointing at a miss.
    pub line: usize,
    pub language: &'static str,
    /// The bank and text shape, e.g. "vn-qr", "card".
    pub shape: &'static str,
    pub text: &'static str,
    /// None: the line names no vendor.
    pub expected: Option<&'static str>,
}

/// The labelled lines, or the first malformed one.
pub fn cases() -> Result<Vec<Case>, String> {
    let mut out = Vec::new();
    let mut header_seen = false;
    for (n, line) in EVAL_SET.lines().enumerate() {
        let line_no = n + 1;
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let columns: Vec<&str> = line.split('\t').collect();
        let [language, shape, text, expected] = columns[..] else {
            return Err(format!(
                "vendor-eval.tsv:{line_no}: {} tab-separated columns, expected 4 \
                 (language, shape, text, expected)",
                columns.len()
            ));
        };
        if !header_seen {
            header_seen = true;
            if language == "language" {
                continue;
            }
        }
        let (text, expected) = (text.trim(), expected.trim());
        if language.is_empty() || text.is_empty() || expected.is_empty() {
            return Err(format!(
                "vendor-eval.tsv:{line_no}: empty column; write {NO_VENDOR} for no vendor"
            ));
        }
        out.push(Case {
            line: line_no,
            language: language.trim(),
            shape: shape.trim(),
            text,
            expected: (expected != NO_VENDOR).then_some(expected),
        });
    }
    Ok(out)
}

/// A line the normaliser got wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Miss {
    pub case: Case,
    pub got: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Score {
    pub language: &'static str,
    pub total: usize,
    pub correct: usize,
}

impl Score {
    /// Correct lines per thousand, rounded down: 95% is 950.
    pub fn per_mille(&self) -> usize {
        (self.correct * 1000).checked_div(self.total).unwrap_or(0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// In the order languages first appear in the file.
    pub languages: Vec<Score>,
    pub overall: Score,
    pub misses: Vec<Miss>,
}

/// Runs every labelled line through `normaliser`.
pub fn evaluate(normaliser: &VendorNormaliser) -> Result<Report, String> {
    let cases = cases()?;
    let mut languages: Vec<Score> = Vec::new();
    let mut overall = Score {
        language: "overall",
        total: 0,
        correct: 0,
    };
    let mut misses = Vec::new();
    for case in cases {
        let got = normaliser.normalise(case.text).map(|m| m.vendor);
        let correct = got.as_deref() == case.expected;
        let at = match languages.iter().position(|s| s.language == case.language) {
            Some(at) => at,
            None => {
                languages.push(Score {
                    language: case.language,
                    total: 0,
                    correct: 0,
                });
                languages.len() - 1
            }
        };
        for score in languages.get_mut(at).into_iter().chain([&mut overall]) {
            score.total += 1;
            score.correct += usize::from(correct);
        }
        if !correct {
            misses.push(Miss { case, got });
        }
    }
    Ok(Report {
        languages,
        overall,
        misses,
    })
}

fn percent(per_mille: usize) -> String {
    format!("{}.{}%", per_mille / 10, per_mille % 10)
}

impl Report {
    /// The scores, then each miss with what was expected and what came out.
    pub fn render(&self) -> String {
        let mut out = String::from("vendor accuracy on data/vendor-eval.tsv\n");
        for score in self.languages.iter().chain([&self.overall]) {
            out.push_str(&format!(
                "  {:<8} {:>4}/{:<4} {:>6}\n",
                score.language,
                score.correct,
                score.total,
                percent(score.per_mille())
            ));
        }
        if self.misses.is_empty() {
            out.push_str("no misses\n");
            return out;
        }
        out.push_str(&format!("{} misses:\n", self.misses.len()));
        let shown = |v: Option<&str>| v.unwrap_or(NO_VENDOR).to_owned();
        for miss in &self.misses {
            let case = &miss.case;
            out.push_str(&format!(
                "  line {} [{} {}] {}\n      expected {:?}, got {:?}\n",
                case.line,
                case.language,
                case.shape,
                case.text,
                shown(case.expected),
                shown(miss.got.as_deref())
            ));
        }
        out
    }
}
