//! Vendor (merchant) names from raw bank descriptions.
//!
//! A bank line buries the merchant among card numbers, channel prefixes, dates, amounts,
//! exchange rates, terminal ids, places and legal forms, and every bank and country arranges
//! them differently. [`VendorNormaliser`] turns such a line into a short display name and says
//! which rule produced it, so the UI can explain every vendor ([`describe_rule`]) and the user
//! can override it.
//!
//! What the rules know (boilerplate, channels, places, legal forms, known merchants) lives in
//! data files, one per market, under `crates/coffer-core/data/vendors/`; this file only reads
//! them. The steps, in order:
//! 1. user rules, as one `RegexSet` over the raw text; the first rule in the user's order wins;
//! 2. reading: the text is split into words while card masks, dates, amounts, exchange rates and
//!    reference codes are dropped, together with the label that introduced them ("Kurs:",
//!    "NGAY", "TID", "авт.код:"); '/' separates fields ("LIDL EOOD/BURGAS/PAN:…");
//! 3. leading boilerplate (card networks, channels, giro types, payment processors) is skipped;
//!    the first channel seen, or else the shape of the card text, names the rule of a generic
//!    result ("nettgiro", "card-boilerplate:vn-qr", ...);
//! 4. cash withdrawals, the bank's own rows and transfers between own accounts keep fixed
//!    wording;
//! 5. known brands anywhere in what is left (short or everyday words only as its first word);
//! 6. money to or from a person has no vendor: a friend is not a merchant;
//! 7. otherwise what is left, cut at a store number, a new field or a payer's note, minus
//!    trailing places, countries and legal forms, title-cased.
//!
//! Transfers between own accounts keep their text ("Overføring til sparekonto"): that is what
//! the user recognises, and there is no third party to name. Salaries name the employer.
//!
//! Everything is matched on words, never on substrings, so "VY" cannot match "VYSOKE" and
//! "OBS" cannot match "OBSERVATORIET".

mod tables;

pub mod eval;

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

use crate::category::Category;
use tables::{Kind, People, Tables, GENERIC};

pub use tables::TableError;

/// Which rule produced a vendor: shown to the user next to every vendor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VendorRule {
    /// A built-in rule, by its stable id, e.g. "known:uber", "card-boilerplate:vn-qr".
    Builtin(&'static str),
    /// A user rule, by its row id in the store.
    User(i64),
}

/// A clean vendor name and the rule that produced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorMatch {
    pub vendor: String,
    pub rule: VendorRule,
}

/// A user's rule: when `pattern` (case-insensitive substring, or a regex when `is_regex`) matches
/// the raw description, the vendor is `vendor`.
///
/// Regex rules are case-insensitive too, like the bank text users copy them from; `(?-i)` in
/// the pattern opts out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserVendorRule {
    pub id: i64,
    pub pattern: String,
    pub is_regex: bool,
    pub vendor: String,
}

/// Why a set of user rules could not be compiled; names the offending rule so the UI can point
/// at it.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VendorError {
    #[error("vendor rule {id}: '{pattern}' is not a valid pattern: {why}")]
    BadPattern {
        id: i64,
        pattern: String,
        why: String,
    },
}

/// What a stored rule id means, in words for the vendor list: "Known merchant: Kiwi", "Card
/// payment text (Vietnamese QR payment)", "Your rule #3", "…, renamed by you".
///
/// Takes every id the store holds, including ids of rules since removed from the tables, and
/// never returns the id itself.
pub fn describe_rule(id: &str) -> String {
    let id = id.trim();
    if let Some(base) = id
        .strip_suffix("renamed")
        .and_then(|s| s.trim_end().strip_suffix('→'))
    {
        return format!("{}, renamed by you", describe_rule(base));
    }
    if let Some(number) = id.strip_prefix("user:") {
        return match number.trim().parse::<i64>() {
            Ok(n) => format!("Your rule #{n}"),
            Err(_) => "Your rule".to_owned(),
        };
    }
    lexicon().describe(id)
}

/// The built-in category of a known merchant, by its display name (any case): the merchant
/// table's category column.
pub fn known_category(vendor: &str) -> Option<Category> {
    lexicon().categories.get(&vendor.to_lowercase()).copied()
}

/// The built-in tables, or the first bad line of the data files.
pub fn check_tables() -> Result<(), TableError> {
    tables::parse().map(|_| ())
}

/// Compiled once, used for millions of rows: must be fast (no per-call regex compilation;
/// target ≥ 300k descriptions/second single-threaded in release).
#[derive(Debug, Clone)]
pub struct VendorNormaliser {
    user: Option<UserRules>,
    lexicon: &'static Lexicon,
}

impl VendorNormaliser {
    /// Built-in rules only.
    pub fn builtin() -> VendorNormaliser {
        VendorNormaliser {
            user: None,
            lexicon: lexicon(),
        }
    }

    /// User rules are tried first, in the given order; then built-in rules.
    ///
    /// A rule with an empty pattern (it would claim every row) or an empty vendor (the result
    /// must always be displayable) is rejected as a bad pattern too.
    pub fn with_user_rules(rules: &[UserVendorRule]) -> Result<VendorNormaliser, VendorError> {
        Ok(VendorNormaliser {
            user: UserRules::compile(rules)?,
            lexicon: lexicon(),
        })
    }

    /// None when nothing vendor-like remains (e.g. "VISA 422149...0052 27.03" or a bare
    /// "LØNN") and for money to or from a person ("Vipps fra Kari Nordmann"). Salaries, cash
    /// withdrawals, bank fees and transfers between own accounts do get a vendor.
    pub fn normalise(&self, raw: &str) -> Option<VendorMatch> {
        if let Some((id, vendor)) = self.user.as_ref().and_then(|user| user.first_match(raw)) {
            return Some(VendorMatch {
                vendor: vendor.to_owned(),
                rule: VendorRule::User(id),
            });
        }
        self.builtin_match(raw)
    }

    fn builtin_match(&self, raw: &str) -> Option<VendorMatch> {
        let found = |vendor: String, rule: &'static str| {
            Some(VendorMatch {
                vendor,
                rule: VendorRule::Builtin(rule),
            })
        };
        let lexicon = self.lexicon;
        let tokens = Reader::read(lexicon, raw);
        let lead = skip_lead(&tokens);
        let rest = tokens.get(lead.start..).unwrap_or_default();

        // The longest phrase decides: "ATM MILANO" is a transit company, "ATM" a withdrawal.
        let opening = phrase_at(rest, 0, |p| {
            matches!(
                p.meaning,
                Meaning::Brand { .. } | Meaning::Atm(_) | Meaning::Bank
            )
        });
        match opening.map(|p| p.meaning) {
            Some(Meaning::Atm(name)) => return found(name.to_owned(), ATM),
            Some(Meaning::Bank) => return sentence_case(rest).and_then(|v| found(v, BANK)),
            _ => {}
        }
        if lead.channel == Some(TRANSFER) && rest.first().is_none_or(Token::is_own_account) {
            let transfer = tokens.get(lead.transfer_at..).unwrap_or_default();
            return sentence_case(transfer).and_then(|v| found(v, TRANSFER));
        }
        // "CONG TY TNHH DIEN MAY XANH", "SC ...": a legal form in front says business.
        let company = phrase_at(rest, 0, |p| p.meaning == Meaning::CompanyPrefix);
        let rest = match company {
            Some(prefix) => rest.get(prefix.words.len()..).unwrap_or_default(),
            None => rest,
        };
        if let Some((id, name)) = brand_in(rest) {
            return found(name.to_owned(), id);
        }
        // Money to or from a person has no vendor: a friend in the vendor list would read as a
        // merchant and skew spending by vendor. The channel says how likely a person is; a
        // note like "chuyen tien" anywhere says money went between people.
        let mut people = lead.people;
        let transfer_note = (0..tokens.len())
            .any(|at| phrase_at(&tokens, at, |p| p.meaning == Meaning::TransferNote).is_some());
        if transfer_note {
            people = people.max(People::Payee);
        }
        let name = lexicon.name_part(rest);
        if people != People::No {
            let payee = lexicon.payee(name, company.is_some());
            let person = match people {
                People::Default => payee != Payee::Business,
                _ => payee == Payee::Person,
            };
            if person {
                return None;
            }
        }
        if let Some(vendor) = lexicon.generic_name(name) {
            let rule = lead.channel.or(lead.shape).unwrap_or(GENERIC);
            return found(vendor, rule);
        }
        // "PAYPAL *4029357733": nothing after the processor, so the processor is the vendor.
        lead.fallback
            .and_then(|(id, name)| found(name.to_owned(), id))
    }
}

// ---------------------------------------------------------------------------------------------
// User rules
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct UserRules {
    matcher: UserMatcher,
    /// (rule id, vendor) by position in the user's order.
    outcomes: Vec<(i64, String)>,
}

#[derive(Debug, Clone)]
enum UserMatcher {
    /// One pass over the text whatever the number of rules.
    Set(RegexSet),
    /// Only when the combined automaton exceeds the size limit; each rule alone fits.
    Each(Vec<Regex>),
}

impl UserRules {
    fn compile(rules: &[UserVendorRule]) -> Result<Option<UserRules>, VendorError> {
        if rules.is_empty() {
            return Ok(None);
        }
        let mut patterns = Vec::with_capacity(rules.len());
        let mut singles = Vec::with_capacity(rules.len());
        let mut outcomes = Vec::with_capacity(rules.len());
        for rule in rules {
            let bad = |why: String| VendorError::BadPattern {
                id: rule.id,
                pattern: rule.pattern.clone(),
                why,
            };
            if rule.pattern.trim().is_empty() {
                return Err(bad("the pattern is empty and would match every row".into()));
            }
            let vendor = rule.vendor.trim();
            if vendor.is_empty() {
                return Err(bad("the rule has no vendor name".into()));
            }
            let pattern = if rule.is_regex {
                rule.pattern.clone()
            } else {
                regex::escape(&rule.pattern)
            };
            let single = RegexBuilder::new(&pattern)
                .case_insensitive(true)
                .build()
                .map_err(|e| bad(e.to_string()))?;
            patterns.push(pattern);
            singles.push(single);
            outcomes.push((rule.id, vendor.to_owned()));
        }
        let matcher = match RegexSetBuilder::new(&patterns)
            .case_insensitive(true)
            .build()
        {
            Ok(set) => UserMatcher::Set(set),
            Err(_) => UserMatcher::Each(singles),
        };
        Ok(Some(UserRules { matcher, outcomes }))
    }

    fn first_match(&self, raw: &str) -> Option<(i64, &str)> {
        let index = match &self.matcher {
            UserMatcher::Set(set) => set.matches(raw).iter().next(),
            UserMatcher::Each(each) => each.iter().position(|r| r.is_match(raw)),
        }?;
        self.outcomes
            .get(index)
            .map(|(id, vendor)| (*id, vendor.as_str()))
    }
}

// ---------------------------------------------------------------------------------------------
// Rule ids with fixed meaning
// ---------------------------------------------------------------------------------------------

const TRANSFER: &str = "transfer";
const ATM: &str = "atm";
const BANK: &str = "bank";

/// Second-level labels of country domains: "tfl.gov.uk" is TfL's, not GOV's.
const SECOND_LEVEL: &[&str] = &["CO", "COM", "GOV", "AC", "ORG", "NET"];

// ---------------------------------------------------------------------------------------------
// The lexicon: every word the rules know, looked up once per word of a description
// ---------------------------------------------------------------------------------------------

const MONTH: u8 = 1;
const CURRENCY: u8 = 1 << 1;
const CONNECTOR: u8 = 1 << 2;
const OWN_ACCOUNT: u8 = 1 << 3;
const VENUE: u8 = 1 << 4;
const NOTE: u8 = 1 << 5;
const GIVEN_NAME: u8 = 1 << 6;
const FAMILY_NAME: u8 = 1 << 7;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Meaning {
    /// Boilerplate before the merchant.
    Lead {
        channel: Option<&'static str>,
        shape: Option<&'static str>,
        follow_on: bool,
        /// (rule id, vendor) when nothing follows: processors.
        fallback: Option<(&'static str, &'static str)>,
        people: People,
    },
    Brand {
        id: &'static str,
        name: &'static str,
        first_only: bool,
    },
    Atm(&'static str),
    Bank,
    TransferNote,
    Business,
    CompanyPrefix,
    Label,
    City,
    District,
    Country,
    LegalForm,
}

#[derive(Debug)]
struct Phrase {
    words: Box<[Box<str>]>,
    meaning: Meaning,
}

impl Phrase {
    fn matches(&self, tokens: &[Token<'_>], at: usize) -> bool {
        tokens.get(at..at + self.words.len()).is_some_and(|window| {
            window
                .iter()
                .zip(self.words.iter())
                .all(|(token, word)| token.key.as_ref() == word.as_ref())
        })
    }
}

#[derive(Debug, Default)]
struct WordInfo {
    flags: u8,
    /// Phrases starting with this word, longest first.
    phrases: Vec<Phrase>,
}

#[derive(Debug, Default)]
struct Lexicon {
    words: HashMap<Box<str>, WordInfo>,
    longest_phrase: usize,
    month_codes: HashSet<Box<str>>,
    tlds: HashSet<Box<str>>,
    surname_endings: Vec<Box<str>>,
    /// Rule id → its description for the vendor list.
    descriptions: HashMap<&'static str, String>,
    /// Lower-cased merchant display name → its built-in category.
    categories: HashMap<String, Category>,
}

fn lexicon() -> &'static Lexicon {
    static LEXICON: OnceLock<Lexicon> = OnceLock::new();
    LEXICON.get_or_init(|| match tables::parse() {
        Ok(tables) => Lexicon::build(&tables),
        // The data ships inside the binary and a unit test parses it, so this is a build that
        // skipped its tests; without tables every row still gets its cleaned text.
        Err(e) => {
            tracing::error!("vendor tables unusable, built-in vendor rules are off: {e}");
            Lexicon::default()
        }
    })
}

impl Lexicon {
    fn build(tables: &Tables) -> Lexicon {
        let mut lexicon = Lexicon::default();
        // Insertion order breaks ties between phrases of equal length: brands first, and a
        // follow-on before a channel spelt the same ("CARD PAYMENT … TO" is not Revolut's "To").
        for merchant in &tables.merchants {
            for (aliases, first_only) in [(&merchant.anywhere, false), (&merchant.first, true)] {
                for alias in aliases {
                    let meaning = Meaning::Brand {
                        id: merchant.rule,
                        name: merchant.name,
                        first_only,
                    };
                    lexicon.add(alias, meaning);
                }
            }
            lexicon.describe_as(merchant.rule, format!("Known merchant: {}", merchant.name));
            if let Some(category) = merchant.category {
                lexicon
                    .categories
                    .insert(merchant.name.to_lowercase(), category);
            }
        }
        let rank = |kind: &Kind| match kind {
            Kind::Atm { .. } => 0,
            Kind::Bank => 1,
            Kind::Processor { .. } => 2,
            Kind::FollowOn => 3,
            Kind::Lead { .. } => 4,
            Kind::Channel { .. } => 5,
            _ => 6,
        };
        let mut entries: Vec<_> = tables.entries.iter().collect();
        entries.sort_by_key(|e| rank(&e.kind));
        for entry in entries {
            lexicon.add_entry(entry.kind, entry.phrase);
        }
        for &(rule, text) in &tables.descriptions {
            let text = if rule.starts_with(GENERIC) {
                format!("Card payment text ({text})")
            } else {
                text.to_owned()
            };
            lexicon.describe_as(rule, text);
        }
        lexicon.describe_as(GENERIC, "Card payment text".into());
        lexicon.describe_as(ATM, "Cash withdrawal".into());
        lexicon.describe_as(BANK, "The bank's own entry (fee or interest)".into());
        for info in lexicon.words.values_mut() {
            info.phrases.sort_by_key(|p| Reverse(p.words.len()));
        }
        lexicon
    }

    fn describe_as(&mut self, rule: &'static str, text: String) {
        self.descriptions.entry(rule).or_insert(text);
    }

    fn add_entry(&mut self, kind: Kind, phrase: &str) {
        let lead = |channel, shape, follow_on, fallback, people| Meaning::Lead {
            channel,
            shape,
            follow_on,
            fallback,
            people,
        };
        let meaning = match kind {
            Kind::Lead { shape } => lead(None, shape, false, None, People::No),
            Kind::FollowOn => lead(None, None, true, None, People::No),
            Kind::Channel { rule, people } => lead(Some(rule), None, false, None, people),
            Kind::Processor {
                rule,
                name,
                channel,
                people,
            } => {
                self.describe_as(rule, format!("Known merchant: {name}"));
                lead(channel, None, false, Some((rule, name)), people)
            }
            Kind::Atm { name } => Meaning::Atm(name),
            Kind::Bank => Meaning::Bank,
            Kind::TransferNote => Meaning::TransferNote,
            Kind::Business => Meaning::Business,
            Kind::CompanyPrefix => Meaning::CompanyPrefix,
            Kind::Label => Meaning::Label,
            Kind::City => Meaning::City,
            Kind::District => Meaning::District,
            Kind::Country => Meaning::Country,
            Kind::LegalForm => Meaning::LegalForm,
            Kind::MonthCode => {
                self.month_codes.insert(key_of(phrase).into_owned().into());
                return;
            }
            Kind::Tld => {
                self.tlds.insert(key_of(phrase).into_owned().into());
                return;
            }
            Kind::SurnameEnding => {
                self.surname_endings
                    .push(key_of(phrase).into_owned().into());
                return;
            }
            Kind::GivenName => return self.flag(phrase, GIVEN_NAME),
            Kind::FamilyName => return self.flag(phrase, FAMILY_NAME),
            Kind::Connector => return self.flag(phrase, CONNECTOR),
            Kind::Venue => return self.flag(phrase, VENUE),
            Kind::Month => return self.flag(phrase, MONTH),
            Kind::Currency => return self.flag(phrase, CURRENCY),
            Kind::Note => return self.flag(phrase, NOTE),
            Kind::OwnAccount => return self.flag(phrase, OWN_ACCOUNT),
        };
        self.add(phrase, meaning);
    }

    fn flag(&mut self, word: &str, flag: u8) {
        self.words
            .entry(key_of(word).into_owned().into_boxed_str())
            .or_default()
            .flags |= flag;
    }

    /// Phrases are split exactly like descriptions, so "A/S" and "NON-BT" match what the
    /// reader makes of them.
    fn add(&mut self, text: &str, meaning: Meaning) {
        let words: Box<[Box<str>]> = text
            .split(|c: char| c.is_whitespace() || matches!(c, '*' | '_' | '/' | ':'))
            .map(key_of)
            .filter(|key| !key.is_empty())
            .map(|key| key.into_owned().into_boxed_str())
            .collect();
        let Some(first) = words.first().cloned() else {
            return;
        };
        self.longest_phrase = self.longest_phrase.max(words.len());
        self.words
            .entry(first)
            .or_default()
            .phrases
            .push(Phrase { words, meaning });
    }

    fn info(&self, key: &str) -> Option<&WordInfo> {
        self.words.get(key)
    }

    fn describe(&self, id: &str) -> String {
        if let Some(text) = self.descriptions.get(id) {
            return text.clone();
        }
        // A merchant or shape since removed from the tables: still say what kind it was.
        if let Some(slug) = id.strip_prefix("known:") {
            let name: Vec<String> = slug
                .split('-')
                .filter(|w| !w.is_empty())
                .map(|w| {
                    let mut out = String::new();
                    push_title(&mut out, w);
                    out
                })
                .collect();
            return format!("Known merchant: {}", name.join(" "));
        }
        if id.starts_with(GENERIC) {
            return "Card payment text".to_owned();
        }
        "Built-in rule".to_owned()
    }

    /// The longest phrase that ends exactly at the end of `tokens`, with where it starts.
    fn phrase_ending(
        &self,
        tokens: &[Token<'_>],
        accept: impl Fn(Meaning) -> bool,
    ) -> Option<(usize, Meaning)> {
        let end = tokens.len();
        (end.saturating_sub(self.longest_phrase)..end).find_map(|start| {
            phrase_at(tokens, start, |p| {
                p.words.len() == end - start && accept(p.meaning)
            })
            .map(|p| (start, p.meaning))
        })
    }

    /// The merchant part: up to a payer's note ("REF RENT", "chuyen tien"), a new '/' field
    /// ("LIDL EOOD/BURGAS") or a store or house number with the address after it ("KIWI 123
    /// MAJORSTUA", "CƠM TẤM CÁT 12 TRẦN QUANG KHẢI").
    fn name_part<'t, 'a>(&self, rest: &'t [Token<'a>]) -> &'t [Token<'a>] {
        // Words of an address, not places or legal forms: "12 TRẦN QUANG KHẢI" but not
        // "SPAREBANK 1 FORSIKRING AS".
        let words_after = |at: usize| {
            (at + 1..rest.len())
                .filter(|&i| {
                    rest.get(i).is_some_and(|t| !t.number)
                        && phrase_at(rest, i, |p| {
                            matches!(
                                p.meaning,
                                Meaning::City
                                    | Meaning::District
                                    | Meaning::Country
                                    | Meaning::LegalForm
                            )
                        })
                        .is_none()
                })
                .count()
        };
        let end = (1..rest.len())
            .find(|&at| {
                let Some(token) = rest.get(at) else {
                    return false;
                };
                let previous_is_word = rest
                    .get(at - 1)
                    .is_some_and(|p| p.text.chars().filter(|c| c.is_alphabetic()).count() >= 2);
                token.has(NOTE)
                    || (token.boundary && previous_is_word)
                    || token.is_droppable_number()
                    || (token.number && words_after(at) >= 2)
                    || phrase_at(rest, at, |p| p.meaning == Meaning::TransferNote).is_some()
            })
            .unwrap_or(rest.len());
        rest.get(..end).unwrap_or_default()
    }

    /// Whether a payee's name reads as a business or a person.
    fn payee(&self, name: &[Token<'_>], company: bool) -> Payee {
        let business = company
            || name.is_empty()
            || name.iter().enumerate().any(|(at, token)| {
                token.key.chars().any(char::is_numeric)
                    || token.is_own_account()
                    || phrase_at(name, at, |p| {
                        matches!(p.meaning, Meaning::Business | Meaning::LegalForm)
                    })
                    .is_some()
            });
        if business {
            return Payee::Business;
        }
        let first = name.first();
        let given = name.iter().take(2).any(|t| t.has(GIVEN_NAME));
        let family = first.is_some_and(|t| t.has(FAMILY_NAME));
        let initial = first.is_some_and(|t| {
            let mut letters = t.text.chars().filter(|c| c.is_alphabetic());
            letters.next().is_some() && letters.next().is_none()
        });
        let surname = name.iter().any(|t| {
            self.surname_endings.iter().any(|ending| {
                t.key.ends_with(ending.as_ref())
                    && t.key.chars().count() >= ending.chars().count() + 3
            })
        });
        if (2..=5).contains(&name.len()) && (given || family || initial || surname) {
            Payee::Person
        } else {
            Payee::Unknown
        }
    }

    /// The merchant part minus places, countries and legal forms off its end, title-cased.
    fn generic_name(&self, name: &[Token<'_>]) -> Option<String> {
        let mut end = name.len();
        let mut city_taken = false;
        while end > 1 {
            let kept = name.get(..end).unwrap_or_default();
            // A branch number after a name of three words or more ("NHA THUOC AN KHANG 14");
            // a shorter name keeps its number ("TAPAS 24", "SPORT 1"), and so does a number
            // after a connector ("DA ENZO AL 29").
            let branch = end > 3
                && kept.last().is_some_and(|t| t.number)
                && kept.get(end - 2).is_some_and(|t| !t.has(CONNECTOR));
            if branch
                || kept
                    .last()
                    .is_some_and(|t| t.is_droppable_number() || t.has(CONNECTOR))
            {
                end -= 1;
                continue;
            }
            let trailing = self.phrase_ending(kept, |m| match m {
                Meaning::City => !city_taken,
                Meaning::District | Meaning::Country | Meaning::LegalForm => true,
                _ => false,
            });
            let Some((start, meaning)) = trailing else {
                break;
            };
            // A place that is the whole name ("OSLO CITY"), follows a connector ("DUOMO DI
            // MILANO") or a venue word the name opens with ("CAFE PARIS") is the name; after
            // "FJORDBUA KAFE" it is where the café is.
            let bound = start.checked_sub(1).is_some_and(|i| {
                name.get(i)
                    .is_some_and(|t| t.has(CONNECTOR) || (i == 0 && t.has(VENUE)))
            });
            let is_place = matches!(meaning, Meaning::City | Meaning::District);
            if start == 0 || (is_place && bound) {
                break;
            }
            city_taken |= meaning == Meaning::City;
            end = start;
        }
        let kept = name.get(..end).unwrap_or_default();
        title_case(kept.iter().filter(|t| !t.is_droppable_number()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Payee {
    Business,
    Person,
    Unknown,
}

fn phrase_at(
    tokens: &[Token<'_>],
    at: usize,
    accept: impl Fn(&Phrase) -> bool,
) -> Option<&'static Phrase> {
    let info = tokens.get(at)?.info?;
    info.phrases
        .iter()
        .find(|p| accept(p) && p.matches(tokens, at))
}

// ---------------------------------------------------------------------------------------------
// Reading a description into words
// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
struct Token<'a> {
    /// As written, minus surrounding punctuation; shown when the name is built from it.
    text: &'a str,
    /// Upper case, letters and digits only, accents folded: what the lexicon is keyed on.
    key: Cow<'a, str>,
    number: bool,
    /// First word of a new '/'-separated field ("LIDL EOOD/BURGAS").
    boundary: bool,
    info: Option<&'static WordInfo>,
}

impl Token<'_> {
    fn has(&self, flag: u8) -> bool {
        self.info.is_some_and(|info| info.flags & flag != 0)
    }

    /// Store numbers, card fragments, years, ids; one- and two-digit numbers may be part of a
    /// name ("TAPAS 24").
    fn is_droppable_number(&self) -> bool {
        self.number && (self.text.len() >= 3 || self.text.starts_with('0'))
    }

    fn is_own_account(&self) -> bool {
        self.has(OWN_ACCOUNT) || self.key.ends_with("KONTO")
    }
}

struct Reader<'a> {
    lexicon: &'static Lexicon,
    out: Vec<Token<'a>>,
    /// The previous piece was an amount or date, so a currency code or month right after it
    /// goes too.
    after_figure: bool,
    /// The next word starts a new '/' field.
    boundary: bool,
}

impl<'a> Reader<'a> {
    fn read(lexicon: &'static Lexicon, raw: &'a str) -> Vec<Token<'a>> {
        let mut reader = Reader {
            lexicon,
            out: Vec::with_capacity(16),
            after_figure: false,
            boundary: false,
        };
        for chunk in raw.split_whitespace() {
            reader.chunk(chunk);
        }
        reader.out
    }

    fn chunk(&mut self, chunk: &'a str) {
        // Most chunks are plain words ("REMA", "OSLO", "Varekjøp"): nothing to split.
        if chunk.chars().all(char::is_alphabetic) {
            self.word(chunk, key_of(chunk));
            return;
        }
        if is_card_mask(chunk) {
            self.noise(false);
            return;
        }
        // Dates, amounts and account numbers, whatever separates their digits.
        if !chunk.chars().any(char::is_alphabetic) {
            self.piece(chunk);
            return;
        }
        if let Some(label) = domain_brand(self.lexicon, trim_piece(chunk)) {
            self.word(label, key_of(label));
            return;
        }
        for (n, field) in chunk.split('/').enumerate() {
            if n > 0 {
                self.boundary = true;
            }
            if is_card_mask(field) {
                self.noise(false);
            } else if is_dotted_reference(field) {
                // "MBVCB.4530998360.029552.LE", "Ecom.EW2403….MOMO.0909123456.CashIn."
                for part in field.split('.') {
                    self.field(part);
                }
            } else {
                self.field(field);
            }
        }
        self.boundary = false;
    }

    /// A '/' field: "PAN:5169****1763", "авт.код:962648-LIDL", "GLOVO*COMANDA".
    fn field(&mut self, field: &'a str) {
        for part in field.split(':') {
            if is_card_mask(part) {
                self.noise(false);
                continue;
            }
            let mut part = part;
            // An authorisation code glued to the merchant: "962648-LIDL".
            if let Some((digits, name)) = part.split_once('-') {
                if digits.len() >= 3
                    && digits.bytes().all(|b| b.is_ascii_digit())
                    && name.chars().any(char::is_alphabetic)
                {
                    self.number(digits);
                    part = name;
                }
            }
            for piece in part.split(['*', '_', ';', '|', ',', '@']) {
                self.piece(piece);
            }
        }
    }

    fn piece(&mut self, piece: &'a str) {
        if piece == "&" {
            self.word(piece, Cow::Borrowed(piece));
            return;
        }
        let piece = trim_piece(piece);
        let (mut letters, mut digits) = (false, false);
        for c in piece.chars() {
            letters |= c.is_alphabetic();
            digits |= c.is_numeric();
        }
        if !letters {
            if !digits {
                return;
            }
            if piece.bytes().all(|b| b.is_ascii_digit()) {
                self.number(piece);
            } else {
                self.noise(true);
            }
            return;
        }
        if let Some(label) = domain_brand(self.lexicon, piece) {
            self.word(label, key_of(label));
            return;
        }
        let key = key_of(piece);
        if digits && self.lexicon.info(&key).is_none() && looks_like_code(self.lexicon, piece) {
            self.noise(false);
            return;
        }
        self.word(piece, key);
    }

    fn push(&mut self, text: &'a str, key: Cow<'a, str>, number: bool) {
        let info = self.lexicon.info(&key);
        let boundary = std::mem::take(&mut self.boundary);
        self.out.push(Token {
            text,
            key,
            number,
            boundary,
            info,
        });
    }

    fn word(&mut self, text: &'a str, key: Cow<'a, str>) {
        let info = self.lexicon.info(&key);
        let has = |flag: u8| info.is_some_and(|i| i.flags & flag != 0);
        let after_figure = std::mem::take(&mut self.after_figure);
        let last = self.out.last();
        // "189.00 NOK", "189 NOK"
        if has(CURRENCY) && (after_figure || last.is_some_and(|t| t.number)) {
            if !after_figure {
                self.out.pop();
            }
            return;
        }
        if has(MONTH) {
            // "ON 03 APR": the day already went with its label.
            if after_figure {
                return;
            }
            // "10 September", "ON 12 MAR"
            if last.is_some_and(|t| t.number && t.text.len() <= 2) {
                self.out.pop();
                self.pop_label();
                return;
            }
        }
        self.push(text, key, false);
    }

    fn number(&mut self, text: &'a str) {
        self.after_figure = false;
        let last = self.out.last();
        // "NOVEMBER 2026", "MAR 27"
        if last.is_some_and(|t| t.has(MONTH)) && (text.len() <= 2 || text.len() == 4) {
            self.out.pop();
            return;
        }
        // "NOK 189"
        if last.is_some_and(|t| t.has(CURRENCY)) {
            self.out.pop();
            self.after_figure = true;
            return;
        }
        // "TID 12345678", "ON 03"
        let droppable = text.len() >= 3 || text.starts_with('0');
        if droppable && self.pop_label() {
            self.after_figure = true;
            return;
        }
        self.push(text, Cow::Borrowed(text), true);
    }

    /// A card mask, date, amount, rate or reference code: never part of a name.
    fn noise(&mut self, figure: bool) {
        self.pop_label();
        if figure && self.out.last().is_some_and(|t| t.has(CURRENCY)) {
            self.out.pop();
        }
        self.after_figure = figure;
    }

    fn pop_label(&mut self) -> bool {
        match self
            .lexicon
            .phrase_ending(&self.out, |m| m == Meaning::Label)
        {
            Some((start, _)) => {
                self.out.truncate(start);
                true
            }
            None => false,
        }
    }
}

/// "422149...0052", "422149******0052", "4221XXXXXXXX0052".
fn is_card_mask(chunk: &str) -> bool {
    let bytes = chunk.as_bytes();
    let head = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    let tail = bytes
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_digit())
        .count();
    head >= 2
        && tail >= 2
        && head + tail + 2 <= bytes.len()
        && bytes.get(head..bytes.len() - tail).is_some_and(|mask| {
            mask.iter()
                .all(|b| matches!(b, b'*' | b'.' | b'x' | b'X' | b'#'))
        })
}

/// Reference fields joined by dots, as Vietcombank and MoMo write them: two dots or more, some
/// letters and a long run of digits ("MBVCB.4530998360.029552.LE"), unlike "ST.HANSHAUGEN",
/// "W.B." or "1503.42.33915".
fn is_dotted_reference(field: &str) -> bool {
    let mut run = 0;
    let mut longest = 0;
    for b in field.bytes() {
        if b.is_ascii_digit() {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    longest >= 5
        && field.bytes().filter(|&b| b == b'.').count() >= 2
        && field.chars().any(char::is_alphabetic)
}

/// Surrounding punctuation off, but one trailing dot stays on abbreviations ("REST.", "W.B.").
fn trim_piece(piece: &str) -> &str {
    let piece = piece.trim_start_matches(|c: char| !c.is_alphanumeric());
    let body = piece.trim_end_matches(|c: char| !c.is_alphanumeric());
    let abbreviation = piece[body.len()..].starts_with('.')
        && body.chars().any(char::is_alphabetic)
        && (body.contains('.') || body.chars().count() <= 4);
    if abbreviation {
        piece.get(..body.len() + 1).unwrap_or(body)
    } else {
        body
    }
}

/// The brand label of a domain or e-mail address: "help.uber.com" → "uber", "tfl.gov.uk" →
/// "tfl", "BOLT.EU/O/2603271234" → "BOLT".
fn domain_brand<'p>(lexicon: &Lexicon, piece: &'p str) -> Option<&'p str> {
    let host = piece.rsplit('@').next()?.split('/').next()?;
    if !host.contains('.') {
        return None;
    }
    let valid =
        |label: &str| !label.is_empty() && label.chars().all(|c| c.is_alphanumeric() || c == '-');
    let mut labels = host.rsplit('.');
    let tld = labels.next()?;
    if !valid(tld) || !lexicon.tlds.contains(key_of(tld).as_ref()) {
        return None;
    }
    let mut brand = labels.next()?;
    if SECOND_LEVEL.iter().any(|s| s.eq_ignore_ascii_case(brand)) {
        brand = labels.next().unwrap_or(brand);
    }
    (valid(brand) && !brand.eq_ignore_ascii_case("www")).then_some(brand)
}

/// Letters and digits mixed like a reference ("R5HKO", "P1A2B3C4", "FR1234ABC") or a date the
/// network glued together ("MAR27", "12MAR"), rather than a name ("7-ELEVEN", "H10", "E18").
fn looks_like_code(lexicon: &Lexicon, piece: &str) -> bool {
    let (mut letters, mut digits, mut runs, mut digit_run, mut longest_digit_run) = (0, 0, 0, 0, 0);
    let mut previous_digit = None;
    for c in piece.chars().filter(|c| c.is_alphanumeric()) {
        let digit = c.is_numeric();
        if previous_digit != Some(digit) {
            runs += 1;
        }
        previous_digit = Some(digit);
        if digit {
            digits += 1;
            digit_run += 1;
            longest_digit_run = longest_digit_run.max(digit_run);
        } else {
            letters += 1;
            digit_run = 0;
        }
    }
    if letters == 0 || digits == 0 {
        return false;
    }
    let glued_date = runs == 2 && letters == 3 && digits <= 2 && {
        let month: String = piece
            .chars()
            .filter(|c| c.is_alphabetic())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        lexicon.month_codes.contains(month.as_str())
    };
    glued_date || longest_digit_run >= 4 || (runs >= 3 && letters + digits >= 4)
}

/// Upper case, letters and digits only, common accents folded, so "Elkjøp", "ELKJOP" and
/// "ELKJØP" are one word. Punctuation-only text ("&") is its own key.
fn key_of(text: &str) -> Cow<'_, str> {
    if text
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return Cow::Borrowed(text);
    }
    let mut key = String::with_capacity(text.len());
    for c in text.chars().filter(|c| c.is_alphanumeric()) {
        for upper in c.to_uppercase() {
            match upper {
                'Æ' => key.push_str("AE"),
                other => key.push(fold(other)),
            }
        }
    }
    if key.is_empty() {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(key)
    }
}

/// Upper-case accented Latin letters to their base letter; Vietnamese included, since banks
/// there write with and without diacritics, and Romanian's comma and cedilla forms alike.
fn fold(c: char) -> char {
    match c {
        'À'..='Å' | 'Ā' | 'Ă' | 'Ą' | '\u{1EA0}'..='\u{1EB7}' => 'A',
        'Ç' | 'Ć' | 'Č' => 'C',
        'Ď' | 'Đ' => 'D',
        'È'..='Ë' | 'Ē' | 'Ė' | 'Ę' | 'Ě' | '\u{1EB8}'..='\u{1EC7}' => 'E',
        'Ì'..='Ï' | 'Ī' | 'Į' | 'İ' | '\u{1EC8}'..='\u{1ECB}' => 'I',
        'Ł' => 'L',
        'Ñ' | 'Ń' | 'Ň' => 'N',
        'Ò'..='Ö' | 'Ø' | 'Ō' | 'Ő' | 'Ơ' | '\u{1ECC}'..='\u{1EE3}' => 'O',
        'Ř' => 'R',
        'Ś' | 'Ş' | 'Š' | 'Ș' => 'S',
        'Ţ' | 'Ť' | 'Ț' => 'T',
        'Ù'..='Ü' | 'Ū' | 'Ů' | 'Ű' | 'Ư' | '\u{1EE4}'..='\u{1EF1}' => 'U',
        'Ý' | 'Ÿ' | '\u{1EF2}'..='\u{1EF9}' => 'Y',
        'Ź' | 'Ż' | 'Ž' => 'Z',
        other => other,
    }
}

// ---------------------------------------------------------------------------------------------
// Finding the merchant
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default)]
struct Lead {
    /// First token after the boilerplate.
    start: usize,
    channel: Option<&'static str>,
    /// The rule id of a generic result when the boilerplate named its shape.
    shape: Option<&'static str>,
    /// Where the transfer wording starts, for own-account transfers that keep it.
    transfer_at: usize,
    fallback: Option<(&'static str, &'static str)>,
    people: People,
}

fn skip_lead(tokens: &[Token<'_>]) -> Lead {
    let mut lead = Lead::default();
    while let Some(token) = tokens.get(lead.start) {
        let skipped = lead.start > 0;
        // A brand, withdrawal or bank row stops the skipping even where boilerplate could
        // match ("MC DONALDS" is not Mastercard), unless the boilerplate is longer ("APPLE
        // PAY" is not Apple).
        let here = phrase_at(tokens, lead.start, |p| match p.meaning {
            Meaning::Lead { follow_on, .. } => skipped || !follow_on,
            Meaning::Brand { .. } | Meaning::Atm(_) | Meaning::Bank => true,
            _ => false,
        });
        match here {
            Some(Phrase {
                words,
                meaning:
                    Meaning::Lead {
                        channel,
                        shape,
                        fallback,
                        people,
                        ..
                    },
            }) => {
                if lead.channel.is_none() && channel.is_some() {
                    lead.channel = *channel;
                    lead.transfer_at = lead.start;
                }
                if lead.shape.is_none() {
                    lead.shape = *shape;
                }
                if fallback.is_some() {
                    lead.fallback = *fallback;
                }
                lead.people = lead.people.max(*people);
                lead.start += words.len();
            }
            Some(_) => break,
            // Account numbers, dates the reader kept and a month before the payee ("Giro 8601
            // 12 34567 …", "Husleie april …").
            None if token.number || token.has(MONTH) => lead.start += 1,
            None => break,
        }
    }
    lead
}

/// The first brand in the text; one that is an everyday word only as the first word.
fn brand_in(rest: &[Token<'_>]) -> Option<(&'static str, &'static str)> {
    (0..rest.len()).find_map(|at| {
        let phrase = phrase_at(
            rest,
            at,
            |p| matches!(p.meaning, Meaning::Brand { first_only, .. } if at == 0 || !first_only),
        )?;
        match phrase.meaning {
            Meaning::Brand { id, name, .. } => Some((id, name)),
            _ => None,
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Display
// ---------------------------------------------------------------------------------------------

/// "KAFFEBRENNERIET" → "Kaffebrenneriet", keeping what the casing cannot restore sensible:
/// connectors lowercase, vowel-less acronyms upper ("TMB", "NH"), deliberate mixed case as is
/// ("eMAG", "SteamGames").
fn title_case<'t, 'a: 't>(tokens: impl Iterator<Item = &'t Token<'a>>) -> Option<String> {
    let mut out = String::new();
    let mut last = None;
    for (n, token) in tokens.enumerate() {
        let text = token.text;
        if n > 0 {
            out.push(' ');
        }
        if n > 0 && token.has(CONNECTOR) {
            out.extend(text.chars().flat_map(char::to_lowercase));
        } else if is_acronym(text) {
            out.extend(text.chars().flat_map(char::to_uppercase));
        } else if has_inner_capitals(text) {
            out.push_str(text);
        } else {
            push_title(&mut out, text);
        }
        last = Some(text);
    }
    // "Foo Rest." ends a name, not an abbreviation; initials ("W.B.") keep their dots.
    if out.ends_with('.') && last.is_some_and(|t| !t.trim_end_matches('.').contains('.')) {
        out.pop();
    }
    out.chars().any(char::is_alphabetic).then_some(out)
}

/// "ÅRSAVGIFT VISA REISE" → "Årsavgift visa reise", "THU PHI DICH VU SMS" → "Thu phi dich vu
/// SMS": wording, not a name. It ends where a number, a new field or a note starts, and a
/// connector left dangling by a dropped account number goes too ("Overføring til
/// 1503.42.33915").
fn sentence_case(tokens: &[Token<'_>]) -> Option<String> {
    let end = tokens
        .iter()
        .enumerate()
        .position(|(n, t)| t.is_droppable_number() || (n > 0 && (t.boundary || t.has(NOTE))))
        .unwrap_or(tokens.len());
    let mut words: Vec<&Token<'_>> = tokens.iter().take(end).collect();
    while words.last().is_some_and(|t| t.has(CONNECTOR)) {
        words.pop();
    }
    let mut out = String::new();
    for token in words {
        let mut chars = token.text.chars();
        if out.is_empty() {
            out.extend(chars.next().into_iter().flat_map(char::to_uppercase));
        } else {
            out.push(' ');
            if is_acronym(token.text) {
                out.extend(token.text.chars().flat_map(char::to_uppercase));
                continue;
            }
        }
        out.extend(chars.flat_map(char::to_lowercase));
    }
    out.chars().any(char::is_alphabetic).then_some(out)
}

fn push_title(out: &mut String, text: &str) {
    let mut capitalise = true;
    let mut word_letters = 0;
    for c in text.chars() {
        if c.is_alphabetic() {
            if capitalise {
                out.extend(c.to_uppercase());
            } else {
                out.extend(c.to_lowercase());
            }
            capitalise = false;
            word_letters += 1;
        } else if c.is_numeric() {
            out.push(c);
            capitalise = false;
            word_letters += 1;
        } else {
            // "O'BRIEN" → "O'Brien", but "GAIL'S" → "Gail's"
            capitalise = !matches!(c, '\'' | '’') || word_letters == 1;
            word_letters = 0;
            out.push(c);
        }
    }
}

fn is_acronym(text: &str) -> bool {
    let mut letters = 0;
    for c in text.chars() {
        if c.is_alphabetic() {
            if is_vowel(c) {
                return false;
            }
            letters += 1;
        } else if c.is_numeric() || c == '.' {
            return false;
        }
    }
    (2..=4).contains(&letters)
}

fn is_vowel(c: char) -> bool {
    let upper = c.to_uppercase().next().map_or(c, fold);
    matches!(
        upper,
        'A' | 'E'
            | 'I'
            | 'O'
            | 'U'
            | 'Y'
            | 'Æ'
            | 'А'
            | 'Е'
            | 'Ё'
            | 'И'
            | 'О'
            | 'У'
            | 'Ы'
            | 'Э'
            | 'Ю'
            | 'Я'
            | 'Ъ'
    )
}

fn has_inner_capitals(text: &str) -> bool {
    let (mut seen, mut lower, mut inner_upper) = (false, false, false);
    for c in text.chars().filter(|c| c.is_alphabetic()) {
        lower |= c.is_lowercase();
        inner_upper |= seen && c.is_uppercase();
        seen = true;
    }
    lower && inner_upper
}

#[cfg(test)]
mod tests;
