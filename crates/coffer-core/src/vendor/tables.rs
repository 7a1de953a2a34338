//! The built-in vendor tables, read from the data files under `crates/coffer-core/data/vendors/`
//! (see the README there): embedded at build time so a release carries them, parsed once on
//! first use, and checked by a unit test so a bad line fails the build's tests with its file and
//! line instead of quietly dropping a rule at run time.

use crate::category::Category;

/// Market and shared wording, in the order phrases are added: earlier files win ties between
/// phrases of equal length.
pub(super) const SECTION_FILES: &[(&str, &str)] = &[
    ("common.txt", include_str!("../../data/vendors/common.txt")),
    ("no.txt", include_str!("../../data/vendors/no.txt")),
    ("vi.txt", include_str!("../../data/vendors/vi.txt")),
    ("bg.txt", include_str!("../../data/vendors/bg.txt")),
    ("ro.txt", include_str!("../../data/vendors/ro.txt")),
    ("en.txt", include_str!("../../data/vendors/en.txt")),
];

pub(super) const MERCHANT_FILE: (&str, &str) = (
    "merchants.txt",
    include_str!("../../data/vendors/merchants.txt"),
);

/// Rule ids of generic results start with this; a shape may follow after a colon.
pub(super) const GENERIC: &str = "card-boilerplate";

/// A line of the data files that cannot be used, by file and line (1-based).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("data/vendors/{file}:{line}: {why}")]
pub struct TableError {
    pub file: &'static str,
    pub line: usize,
    pub why: String,
}

/// How likely the payee after a channel is a person, whose name is no vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub(super) enum People {
    #[default]
    No,
    /// A person when the name looks like one ("Nettgiro til: Kari Nordmann").
    Payee,
    /// A person unless the name shows a business ("CT DEN: ...", "Превод към ...").
    Default,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Lead {
        /// The rule id of a generic result after this boilerplate, when it names a shape.
        shape: Option<&'static str>,
    },
    FollowOn,
    Channel {
        rule: &'static str,
        people: People,
    },
    Processor {
        rule: &'static str,
        name: &'static str,
        channel: Option<&'static str>,
        people: People,
    },
    Atm {
        name: &'static str,
    },
    Bank,
    TransferNote,
    Business,
    CompanyPrefix,
    Label,
    City,
    District,
    Country,
    LegalForm,
    // One-word kinds: looked up per word, not as phrases.
    GivenName,
    FamilyName,
    SurnameEnding,
    Connector,
    Venue,
    Month,
    MonthCode,
    Currency,
    Note,
    OwnAccount,
    Tld,
}

impl Kind {
    fn one_word(self) -> bool {
        matches!(
            self,
            Kind::GivenName
                | Kind::FamilyName
                | Kind::SurnameEnding
                | Kind::Connector
                | Kind::Venue
                | Kind::Month
                | Kind::MonthCode
                | Kind::Currency
                | Kind::Note
                | Kind::OwnAccount
                | Kind::Tld
        )
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Entry {
    pub kind: Kind,
    pub phrase: &'static str,
}

#[derive(Debug, Clone)]
pub(super) struct Merchant {
    pub rule: &'static str,
    pub name: &'static str,
    pub category: Option<Category>,
    /// Distinctive enough to trust anywhere in the text ("help.uber.com" at the very end).
    pub anywhere: Vec<&'static str>,
    /// Short or everyday words: only as the first word of the merchant part.
    pub first: Vec<&'static str>,
}

#[derive(Debug, Clone, Default)]
pub(super) struct Tables {
    pub merchants: Vec<Merchant>,
    pub entries: Vec<Entry>,
    /// Rule id → what it means, for every channel and shape the files declare.
    pub descriptions: Vec<(&'static str, &'static str)>,
}

/// Every table, or the first bad line.
pub(super) fn parse() -> Result<Tables, TableError> {
    let mut tables = Tables::default();
    let (file, text) = MERCHANT_FILE;
    parse_merchants(file, text, &mut tables)?;
    for &(file, text) in SECTION_FILES {
        parse_sections(file, text, &mut tables)?;
    }
    Ok(tables)
}

fn lines(text: &'static str) -> impl Iterator<Item = (usize, &'static str)> {
    text.lines()
        .enumerate()
        .map(|(n, line)| (n + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn known_rule(rule: &str) -> bool {
    rule.strip_prefix("known:").is_some_and(is_slug)
}

/// A phrase must leave at least one word once punctuation is gone ("A/S" is two).
fn has_words(phrase: &str) -> bool {
    phrase.chars().any(char::is_alphanumeric) || phrase == "&"
}

pub(super) fn parse_merchants(
    file: &'static str,
    text: &'static str,
    tables: &mut Tables,
) -> Result<(), TableError> {
    for (line, content) in lines(text) {
        let bad = |why: String| TableError { file, line, why };
        let columns: Vec<&'static str> = content.split('|').map(str::trim).collect();
        let [rule, name, category, anywhere, first] = columns[..] else {
            return Err(bad(format!(
                "a merchant has 5 columns separated by '|' \
                 (rule id | name | category | aliases | first-word aliases), not {}",
                columns.len()
            )));
        };
        if !known_rule(rule) {
            return Err(bad(format!(
                "'{rule}' is not a merchant rule id like known:rema-1000"
            )));
        }
        if tables.merchants.iter().any(|m| m.rule == rule) {
            return Err(bad(format!("{rule} is listed twice")));
        }
        if name.is_empty() {
            return Err(bad(format!("{rule} has no display name")));
        }
        let category = match category {
            "-" | "" => None,
            other => Some(Category::parse(other).map_err(|e| bad(e.to_string()))?),
        };
        let aliases = |column: &'static str| -> Result<Vec<&'static str>, TableError> {
            column
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(|alias| {
                    if has_words(alias) {
                        Ok(alias)
                    } else {
                        Err(bad(format!("alias '{alias}' of {rule} has no letters")))
                    }
                })
                .collect()
        };
        let merchant = Merchant {
            rule,
            name,
            category,
            anywhere: aliases(anywhere)?,
            first: aliases(first)?,
        };
        if merchant.anywhere.is_empty() && merchant.first.is_empty() {
            return Err(bad(format!("{rule} has no alias to recognise it by")));
        }
        // One spelling, one merchant: otherwise the file's order would silently decide.
        for alias in merchant.anywhere.iter().chain(&merchant.first) {
            let key = alias_key(alias);
            let taken = tables.merchants.iter().find(|m| {
                m.anywhere
                    .iter()
                    .chain(&m.first)
                    .any(|other| alias_key(other) == key)
            });
            if let Some(other) = taken {
                return Err(bad(format!(
                    "alias '{alias}' of {rule} already names {}",
                    other.rule
                )));
            }
        }
        tables.merchants.push(merchant);
    }
    Ok(())
}

/// An alias as the lexicon will key it: words upper-cased, accents folded, punctuation gone.
fn alias_key(alias: &str) -> Vec<String> {
    alias
        .split(|c: char| c.is_whitespace() || matches!(c, '*' | '_' | '/' | ':'))
        .map(|word| super::key_of(word).into_owned())
        .filter(|key| !key.is_empty())
        .collect()
}

pub(super) fn parse_sections(
    file: &'static str,
    text: &'static str,
    tables: &mut Tables,
) -> Result<(), TableError> {
    let mut kind: Option<Kind> = None;
    for (line, content) in lines(text) {
        let bad = |why: String| TableError { file, line, why };
        if let Some(header) = content.strip_prefix('[') {
            let Some((inside, description)) = header.split_once(']') else {
                return Err(bad("a section header ends with ']'".into()));
            };
            kind = Some(section(inside.trim(), description.trim(), tables).map_err(bad)?);
            continue;
        }
        let Some(kind) = kind else {
            return Err(bad(
                "a phrase before any [section]: say what it is first".into()
            ));
        };
        for phrase in content.split(',').map(str::trim) {
            if !has_words(phrase) {
                return Err(bad(format!("'{phrase}' is no phrase: it has no letters")));
            }
            if kind.one_word() && phrase.split_whitespace().nth(1).is_some() {
                return Err(bad(format!("'{phrase}': this section takes single words")));
            }
            tables.entries.push(Entry { kind, phrase });
        }
    }
    Ok(())
}

/// Reads `kind [rule-id] [flags…]` and registers the description that followed the header.
fn section(
    inside: &'static str,
    description: &'static str,
    tables: &mut Tables,
) -> Result<Kind, String> {
    let mut words = inside.split_whitespace();
    let name = words.next().unwrap_or_default();
    let argument = words.next();
    let mut people = People::No;
    let mut channel = None;
    for flag in words {
        match flag {
            "people" => people = People::Default,
            "payee" => people = People::Payee,
            _ => match flag.strip_prefix("channel=") {
                Some(id) if is_slug(id) => channel = Some(id),
                _ => return Err(format!("unknown flag '{flag}' in [{inside}]")),
            },
        }
    }
    let no_argument = |kind: Kind| match argument {
        None => Ok(kind),
        Some(arg) => Err(format!("[{name}] takes no argument, not '{arg}'")),
    };
    let kind = match name {
        "lead" => match argument {
            None => Kind::Lead { shape: None },
            Some(rule) => {
                let shape_ok = rule
                    .strip_prefix(GENERIC)
                    .and_then(|s| s.strip_prefix(':'))
                    .is_some_and(is_slug);
                if !shape_ok {
                    return Err(format!(
                        "a lead's rule id is {GENERIC}:<shape>, not '{rule}'"
                    ));
                }
                describe(tables, rule, description)?;
                Kind::Lead { shape: Some(rule) }
            }
        },
        "channel" => {
            let rule = argument.ok_or("[channel] needs a rule id, e.g. [channel nettgiro]")?;
            if !is_slug(rule) {
                return Err(format!("'{rule}' is not a rule id of lower-case words"));
            }
            describe(tables, rule, description)?;
            Kind::Channel { rule, people }
        }
        "processor" => {
            let rule = argument.ok_or("[processor] needs a rule id like known:paypal")?;
            if !known_rule(rule) {
                return Err(format!("'{rule}' is not a rule id like known:paypal"));
            }
            if description.is_empty() {
                return Err(format!("[processor {rule}] needs the processor's name"));
            }
            Kind::Processor {
                rule,
                name: description,
                channel,
                people,
            }
        }
        "atm" => {
            if description.is_empty() {
                return Err("[atm] needs the vendor shown for a withdrawal, e.g. ATM".into());
            }
            no_argument(Kind::Atm { name: description })?
        }
        "follow-on" => no_argument(Kind::FollowOn)?,
        "bank" => no_argument(Kind::Bank)?,
        "transfer-note" => no_argument(Kind::TransferNote)?,
        "business" => no_argument(Kind::Business)?,
        "company-prefix" => no_argument(Kind::CompanyPrefix)?,
        "label" => no_argument(Kind::Label)?,
        "city" => no_argument(Kind::City)?,
        "district" => no_argument(Kind::District)?,
        "country" => no_argument(Kind::Country)?,
        "legal-form" => no_argument(Kind::LegalForm)?,
        "given-name" => no_argument(Kind::GivenName)?,
        "family-name" => no_argument(Kind::FamilyName)?,
        "surname-ending" => no_argument(Kind::SurnameEnding)?,
        "connector" => no_argument(Kind::Connector)?,
        "venue" => no_argument(Kind::Venue)?,
        "month" => no_argument(Kind::Month)?,
        "month-code" => no_argument(Kind::MonthCode)?,
        "currency" => no_argument(Kind::Currency)?,
        "note" => no_argument(Kind::Note)?,
        "own-account" => no_argument(Kind::OwnAccount)?,
        "tld" => no_argument(Kind::Tld)?,
        other => return Err(format!("unknown section kind '{other}'")),
    };
    let flagged = people != People::No || channel.is_some();
    if flagged && !matches!(kind, Kind::Channel { .. } | Kind::Processor { .. }) {
        return Err(format!("[{name}] takes no flags"));
    }
    Ok(kind)
}

/// A rule id is described once; later sections with the same id may repeat the text or leave
/// it out, but not contradict it.
fn describe(tables: &mut Tables, rule: &'static str, text: &'static str) -> Result<(), String> {
    match tables.descriptions.iter().find(|(id, _)| *id == rule) {
        Some((_, known)) if !text.is_empty() && *known != text => Err(format!(
            "{rule} is already described as '{known}', not '{text}'"
        )),
        Some(_) => Ok(()),
        None if text.is_empty() => Err(format!(
            "{rule} needs a description after the header, e.g. [channel {rule}] What it is"
        )),
        None => {
            tables.descriptions.push((rule, text));
            Ok(())
        }
    }
}
