//! What the bank holds: three accounts (a current account with heavy everyday card use, a BSU
//! savings account and a Mastercard credit card) and three years of Norwegian history,
//! generated deterministically by *living* every day from the lookback edge up to "today":
//!
//! * card purchases arrive PENDING (raw terminal text, all-zero `nonUniqueId`, no counterparty)
//!   and settle one to three days later: most book with a new identity, the booking date, the
//!   booked texts and a real `nonUniqueId`; pay-at-pump fuel and hotel holds book with another
//!   amount; a few are cancelled and vanish;
//! * salary, giro payments and transfers book at once;
//! * now and then a row arrives late, dated days before the day the bank first shows it
//!   (offline terminals on ferries submit their purchases days later).
//!
//! [`Ledger::live_until`] runs the same simulation forward when the sandbox is advanced.
//!
//! Money is integer øre throughout; dates are Oslo calendar days.

use chrono::{Datelike, Days, Months, NaiveDate, NaiveTime, TimeZone, Weekday};
use chrono_tz::Tz;
use sha2::{Digest, Sha256};

pub(crate) const OSLO: Tz = chrono_tz::Europe::Oslo;

/// A booked row belongs to the RECENT source (the bank's not-yet-archived store) until it has
/// been held this many days, counted from the day it arrived; then the nightly archiving moves
/// it to HISTORIC. Every PENDING row is RECENT.
pub(crate) const RECENT_DAYS: u64 = 30;

/// Merchant enrichment (the `merchant` object and the merchant-cleaned `cleanedDescription`)
/// appears this many days after a booked row arrived; until then `merchant` is null and
/// `cleanedDescription` is the bank's mechanical cleaning of the raw text.
pub(crate) const ENRICH_LAG_DAYS: u64 = 2;

/// Epoch milliseconds of 00:00 Europe/Oslo on `date`: 23:00Z the day before in winter (CET),
/// 22:00Z in summer (CEST). Midnight never falls into a DST gap in Norway.
pub(crate) fn oslo_midnight_ms(date: NaiveDate) -> i64 {
    let local = date.and_time(NaiveTime::MIN);
    match OSLO.from_local_datetime(&local).earliest() {
        Some(dt) => dt.timestamp_millis(),
        None => local.and_utc().timestamp_millis(),
    }
}

/// Whether the clocks change in Oslo on `date` (the day is 23 or 25 hours long).
#[cfg(test)]
pub(crate) fn is_dst_change_day(date: NaiveDate) -> bool {
    match date.checked_add_days(Days::new(1)) {
        Some(next) => oslo_midnight_ms(next) - oslo_midnight_ms(date) != 86_400_000,
        None => false,
    }
}

/// The earliest day the bank serves when its Oslo today is `today`: the same calendar day
/// `months` months earlier (the end of a shorter month clamps, e.g. 31 May → 28/29 Feb).
pub(crate) fn lookback_edge(today: NaiveDate, months: u32) -> NaiveDate {
    today
        .checked_sub_months(Months::new(months))
        .unwrap_or(NaiveDate::MIN)
}

/// splitmix64: tiny, fast, and stable forever (unlike library RNGs whose streams may change
/// between versions), so the seeded ledger is the same on every machine and release.
#[derive(Debug, Clone)]
pub(crate) struct Mix(u64);

impl Mix {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed ^ 0x5EED_5B1B_A4C0_FFEE)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform-ish in `0..n` (0 when `n` is 0).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }

    /// Inclusive range.
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let span = hi.abs_diff(lo).saturating_add(1);
        lo.saturating_add_unsigned(self.below(span))
    }

    /// True with probability `percent`/100.
    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub(crate) fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|i| {
                let d = if i == 0 {
                    1 + self.below(9)
                } else {
                    self.below(10)
                };
                char::from(b'0' + u8::try_from(d).unwrap_or(0))
            })
            .collect()
    }
}

/// Lower-case hex of SHA-256(`input`), cut to `len` characters.
pub(crate) fn hex_digest(input: &str, len: usize) -> String {
    let digest = Sha256::digest(input.as_bytes());
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out.truncate(len);
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Current,
    Bsu,
    CreditCard,
}

impl Kind {
    /// The account's `type` on the wire.
    pub(crate) fn wire_type(self) -> &'static str {
        match self {
            Kind::Current => "CURRENT",
            Kind::Bsu => "BSU",
            Kind::CreditCard => "CREDITCARD",
        }
    }
}

/// A bank-side classification (`/transactions/classified`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Category {
    pub main: &'static str,
    pub main_i18n: &'static str,
    pub sub: &'static str,
    pub sub_i18n: &'static str,
    pub confidence: u8,
}

const fn cat(
    main: &'static str,
    main_i18n: &'static str,
    sub: &'static str,
    sub_i18n: &'static str,
    confidence: u8,
) -> Category {
    Category {
        main,
        main_i18n,
        sub,
        sub_i18n,
        confidence,
    }
}

pub(crate) const GROCERIES: Category =
    cat("GROCERIES", "Dagligvarer", "SUPERMARKET", "Matbutikk", 96);
pub(crate) const PUBLIC_TRANSPORT: Category = cat(
    "TRANSPORT",
    "Transport",
    "PUBLIC_TRANSPORT",
    "Kollektivtransport",
    91,
);
pub(crate) const FUEL: Category = cat("TRANSPORT", "Transport", "FUEL", "Drivstoff", 89);
pub(crate) const RENT: Category = cat("HOUSING", "Bolig", "RENT", "Husleie", 99);
pub(crate) const ELECTRICITY: Category = cat("HOUSING", "Bolig", "ELECTRICITY", "Strøm", 97);
pub(crate) const SALARY: Category = cat("SALARY", "Lønn", "SALARY", "Lønn", 99);
pub(crate) const CAFE: Category = cat("RESTAURANT", "Restaurant og kafé", "CAFE", "Kafé", 86);
pub(crate) const RESTAURANT: Category = cat(
    "RESTAURANT",
    "Restaurant og kafé",
    "RESTAURANT",
    "Restaurant",
    84,
);
pub(crate) const STREAMING: Category = cat(
    "SUBSCRIPTION",
    "Abonnement",
    "STREAMING",
    "Strømmetjenester",
    94,
);
pub(crate) const VIPPS: Category = cat("TRANSFER", "Overføring", "VIPPS", "Vipps", 78);
pub(crate) const CARD_PAYMENT: Category = cat(
    "TRANSFER",
    "Overføring",
    "CREDIT_CARD_PAYMENT",
    "Betaling av kredittkort",
    95,
);
pub(crate) const BSU_SAVING: Category = cat("SAVINGS", "Sparing", "BSU", "BSU", 99);
pub(crate) const ELECTRONICS: Category =
    cat("SHOPPING", "Shopping", "ELECTRONICS", "Elektronikk", 88);
pub(crate) const UNCATEGORIZED: Category = cat(
    "UNCATEGORIZED",
    "Ukategorisert",
    "UNCATEGORIZED",
    "Ukategorisert",
    0,
);

/// Merchant data ("Snowdrop"-style enrichment) for card purchases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Merchant {
    pub id: &'static str,
    pub name: &'static str,
    pub address: &'static str,
    pub street_number: &'static str,
    pub postcode: &'static str,
    pub country: &'static str,
}

/// A place where the card is used.
#[derive(Debug, Clone, Copy)]
struct Shop {
    /// Terminal text, upper case, as the card network delivers it.
    raw: &'static str,
    /// What the bank's cleaning makes of it.
    cleaned: &'static str,
    merchant: Merchant,
    mcc: &'static str,
    category: Category,
    min_kr: i64,
    max_kr: i64,
}

const fn shop(
    raw: &'static str,
    cleaned: &'static str,
    merchant: Merchant,
    mcc: &'static str,
    category: Category,
    min_kr: i64,
    max_kr: i64,
) -> Shop {
    Shop {
        raw,
        cleaned,
        merchant,
        mcc,
        category,
        min_kr,
        max_kr,
    }
}

const fn merchant(
    id: &'static str,
    name: &'static str,
    address: &'static str,
    street_number: &'static str,
    postcode: &'static str,
    country: &'static str,
) -> Merchant {
    Merchant {
        id,
        name,
        address,
        street_number,
        postcode,
        country,
    }
}

const REMA: Shop = shop(
    "REMA 1000 GRUNERLOKKA",
    "Rema 1000 Grünerløkka",
    merchant(
        "m-70412",
        "Rema 1000 Grünerløkka",
        "Thorvald Meyers gate",
        "49",
        "0555",
        "NO",
    ),
    "5411",
    GROCERIES,
    29,
    890,
);
const KIWI: Shop = shop(
    "KIWI 505 STORO",
    "Kiwi Storo",
    merchant("m-70988", "Kiwi Storo", "Vitaminveien", "7", "0485", "NO"),
    "5411",
    GROCERIES,
    19,
    640,
);
const MENY: Shop = shop(
    "MENY MAJORSTUEN",
    "Meny Majorstuen",
    merchant(
        "m-71203",
        "Meny Majorstuen",
        "Valkyriegata",
        "9",
        "0366",
        "NO",
    ),
    "5411",
    GROCERIES,
    49,
    1450,
);
const COOP: Shop = shop(
    "COOP EXTRA TORSHOV",
    "Coop Extra Torshov",
    merchant(
        "m-71877",
        "Coop Extra Torshov",
        "Vogts gate",
        "64",
        "0477",
        "NO",
    ),
    "5411",
    GROCERIES,
    35,
    980,
);
const VY: Shop = shop(
    "VY APP",
    "Vy",
    merchant("m-30011", "Vy", "Schweigaards gate", "23", "0191", "NO"),
    "4112",
    PUBLIC_TRANSPORT,
    149,
    749,
);
const RUTER: Shop = shop(
    "RUTER AS",
    "Ruter",
    merchant("m-30020", "Ruter", "Dronningens gate", "40", "0154", "NO"),
    "4111",
    PUBLIC_TRANSPORT,
    44,
    44,
);
const ESPRESSO: Shop = shop(
    "ESPRESSO HOUSE EGERTORGET",
    "Espresso House Egertorget",
    merchant(
        "m-52210",
        "Espresso House Egertorget",
        "Karl Johans gate",
        "23",
        "0159",
        "NO",
    ),
    "5814",
    CAFE,
    45,
    139,
);
const PEPPES: Shop = shop(
    "PEPPES PIZZA AKER BRYGGE",
    "Peppes Pizza Aker Brygge",
    merchant(
        "m-52871",
        "Peppes Pizza Aker Brygge",
        "Stranden",
        "3",
        "0250",
        "NO",
    ),
    "5812",
    RESTAURANT,
    189,
    899,
);
const CIRCLE_K: Shop = shop(
    "CIRCLE K ULLEVAL",
    "Circle K Ullevål",
    merchant("m-40117", "Circle K Ullevål", "Ring 3", "1", "0855", "NO"),
    "5541",
    FUEL,
    350,
    1100,
);
const ELKJOP: Shop = shop(
    "ELKJOP STORO",
    "Elkjøp Storo",
    merchant("m-61002", "Elkjøp Storo", "Vitaminveien", "7", "0485", "NO"),
    "5732",
    ELECTRONICS,
    199,
    4999,
);
const SPOTIFY: Shop = shop(
    "SPOTIFY P2C9A1B7E",
    "Spotify",
    merchant("m-90001", "Spotify", "Regeringsgatan", "19", "11153", "SE"),
    "5815",
    STREAMING,
    129,
    129,
);
const NETFLIX: Shop = shop(
    "NETFLIX.COM",
    "Netflix",
    merchant("m-90002", "Netflix", "Stadsplateau", "26", "3521", "NL"),
    "4899",
    STREAMING,
    149,
    149,
);

pub(crate) const KIOSK: Category = cat("GROCERIES", "Dagligvarer", "KIOSK", "Kiosk", 81);
pub(crate) const CANTEEN: Category =
    cat("RESTAURANT", "Restaurant og kafé", "CANTEEN", "Kantine", 83);
pub(crate) const FOOD_DELIVERY: Category = cat(
    "RESTAURANT",
    "Restaurant og kafé",
    "FOOD_DELIVERY",
    "Matlevering",
    87,
);
pub(crate) const PHARMACY: Category = cat("HEALTH", "Helse", "PHARMACY", "Apotek", 92);
pub(crate) const HOTEL: Category = cat("TRAVEL", "Reise", "HOTEL", "Hotell", 90);
pub(crate) const FERRY: Category = cat("TRANSPORT", "Transport", "FERRY", "Ferje", 85);

const NARVESEN: Shop = shop(
    "NARVESEN OSLO S",
    "Narvesen Oslo S",
    merchant(
        "m-20410",
        "Narvesen Oslo S",
        "Jernbanetorget",
        "1",
        "0154",
        "NO",
    ),
    "5994",
    KIOSK,
    19,
    119,
);
const EUREST: Shop = shop(
    "EUREST KANTINE NYDALEN",
    "Eurest Kantine Nydalen",
    merchant(
        "m-52990",
        "Eurest Kantine Nydalen",
        "Nydalsveien",
        "28",
        "0484",
        "NO",
    ),
    "5812",
    CANTEEN,
    62,
    118,
);
const FOODORA: Shop = shop(
    "FOODORA NORWAY AS",
    "Foodora",
    merchant("m-53311", "Foodora", "Kirkegata", "15", "0153", "NO"),
    "5814",
    FOOD_DELIVERY,
    159,
    489,
);
const APOTEK: Shop = shop(
    "APOTEK 1 STORO",
    "Apotek 1 Storo",
    merchant(
        "m-61880",
        "Apotek 1 Storo",
        "Vitaminveien",
        "7",
        "0485",
        "NO",
    ),
    "5912",
    PHARMACY,
    49,
    649,
);
const SCANDIC: Shop = shop(
    "SCANDIC HOLMENKOLLEN PARK",
    "Scandic Holmenkollen Park",
    merchant(
        "m-70001",
        "Scandic Holmenkollen Park",
        "Kongeveien",
        "26",
        "0787",
        "NO",
    ),
    "7011",
    HOTEL,
    1490,
    2390,
);
const FJORD1: Shop = shop(
    "FJORD1 MF LAVIK OPPEDAL",
    "Fjord1",
    merchant("m-31540", "Fjord1", "Strandavegen", "15", "6900", "NO"),
    "4111",
    FERRY,
    87,
    342,
);

/// Pay-at-pump fuel holds this much and books the real amount.
const FUEL_HOLD: i64 = -150_000;
/// A hotel holds this much at check-in and books the final bill.
const HOTEL_HOLD: i64 = -250_000;

const GROCERY_SHOPS: [Shop; 4] = [REMA, KIWI, MENY, COOP];
const VIPPS_PEOPLE: [&str; 5] = [
    "ANNE BERG",
    "OLA NORDMANN",
    "INGRID HAUGEN",
    "JONAS LIE",
    "SIRI DAHL",
];
const CARD_SUFFIX: &str = "4581";

#[derive(Debug, Clone)]
pub(crate) struct Account {
    pub key: String,
    pub number: String,
    pub name: String,
    pub description: String,
    pub kind: Kind,
    pub opening: i64,
    pub credit_limit: Option<i64>,
    pub iban: Option<String>,
    pub product_id: &'static str,
    pub product_type: &'static str,
    pub description_code: &'static str,
    pub credit_card_account_id: Option<String>,
}

impl Account {
    /// `1813.89.22606` for an 11-digit number; credit-card numbers are shown as they are.
    pub(crate) fn formatted_number(&self) -> String {
        let n = &self.number;
        if n.len() == 11 && n.bytes().all(|b| b.is_ascii_digit()) {
            format!("{}.{}.{}", &n[..4], &n[4..6], &n[6..])
        } else {
            n.clone()
        }
    }
}

/// How a PENDING row ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Books with these texts and this amount (a fuel or hotel hold books the real bill).
    Book {
        amount: i64,
        description: String,
        cleaned: String,
    },
    /// The authorisation is released and the row vanishes.
    Cancel,
}

/// When and how a PENDING row settles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Settlement {
    /// The day the bank settles it; a booked row is dated this day.
    pub on: NaiveDate,
    pub outcome: Outcome,
}

#[derive(Debug, Clone)]
pub(crate) struct Txn {
    /// Internal identity; the wire `id` is derived from it per session. Booking a pending row
    /// gives it a new serial: the bank treats the booked row as a new transaction.
    pub serial: u64,
    pub account: usize,
    pub date: NaiveDate,
    pub interest_date: NaiveDate,
    /// The day the bank first held the row (after `date` for a late row).
    pub arrived: NaiveDate,
    pub amount: i64,
    pub description: String,
    /// `cleanedDescription` once merchant enrichment has run.
    pub cleaned: String,
    /// `cleanedDescription` before enrichment: the mechanical cleaning of the raw text.
    pub cleaned_raw: String,
    pub booked: bool,
    pub non_unique_id: String,
    pub type_code: &'static str,
    pub type_text: &'static str,
    pub kid_or_message: Option<String>,
    pub remote_account_number: Option<String>,
    pub remote_account_name: Option<String>,
    pub merchant: Option<Merchant>,
    pub mcc: Option<&'static str>,
    pub category: Category,
    pub recurring: bool,
    pub subscription: bool,
    /// Set on PENDING rows only.
    pub settlement: Option<Settlement>,
}

impl Txn {
    /// Whether merchant enrichment has reached this row by `today`.
    pub(crate) fn enriched(&self, today: NaiveDate) -> bool {
        self.booked && add_days(self.arrived, ENRICH_LAG_DAYS) <= today
    }

    /// RECENT (not yet archived) on `today`: every pending row, and booked rows held for less
    /// than [`RECENT_DAYS`] days.
    pub(crate) fn is_recent(&self, today: NaiveDate) -> bool {
        !self.booked || add_days(self.arrived, RECENT_DAYS) > today
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Ledger {
    pub accounts: Vec<Account>,
    /// Sorted by (date, serial).
    pub txns: Vec<Txn>,
    /// The last day the bank has lived through: no row is dated later.
    pub today: NaiveDate,
    /// The day the accounts were opened (a week before the lookback edge at seeding).
    pub opened: NaiveDate,
    /// The Oslo day the ledger was seeded on: a few rows are placed relative to it.
    pub seeded_on: NaiveDate,
    pub seed: u64,
    next_serial: u64,
    /// Booked credit-card spend not yet covered by a repayment.
    card_owed: i64,
    rng: Mix,
}

/// The bank's cleaning of raw card text: drops the card suffix, the purchase date, the
/// currency/amount pair and the exchange-rate note, then title-cases what is left.
pub(crate) fn clean_raw(raw: &str) -> (String, String) {
    let tokens: Vec<&str> = raw.split_whitespace().collect();
    let mut kept: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i];
        let is_card =
            t.starts_with('*') && t.len() > 1 && t[1..].bytes().all(|b| b.is_ascii_digit());
        let is_day = t.len() == 5
            && t.as_bytes().get(2) == Some(&b'.')
            && t.bytes().filter(u8::is_ascii_digit).count() == 4;
        let is_currency = t.len() == 3 && t.bytes().all(|b| b.is_ascii_uppercase());
        let next_is_amount = tokens
            .get(i + 1)
            .is_some_and(|n| super::json::parse_ore(n).is_some());
        if t == "Kurs:" {
            i += 2;
            continue;
        }
        if is_card || is_day {
            i += 1;
            continue;
        }
        if is_currency && next_is_amount {
            i += 2;
            continue;
        }
        kept.push(t);
        i += 1;
    }
    let upper = if kept.is_empty() {
        raw.trim().to_owned()
    } else {
        kept.join(" ")
    };
    let title = upper
        .split(' ')
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(first) => first
                    .to_uppercase()
                    .chain(cs.flat_map(char::to_lowercase))
                    .collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<String>>()
        .join(" ");
    (upper, title)
}

/// `dd.mm` as printed on Norwegian card statements.
fn day_month(date: NaiveDate) -> String {
    format!("{:02}.{:02}", date.day(), date.month())
}

fn add_days(date: NaiveDate, n: u64) -> NaiveDate {
    date.checked_add_days(Days::new(n)).unwrap_or(date)
}

fn sub_days(date: NaiveDate, n: u64) -> NaiveDate {
    date.checked_sub_days(Days::new(n)).unwrap_or(date)
}

/// Mod-11 check digit of a Norwegian account number's first ten digits (None when it would be
/// 10, i.e. the number is not valid).
fn mod11_check(first_ten: &str) -> Option<u32> {
    const WEIGHTS: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
    let sum: u32 = first_ten
        .chars()
        .zip(WEIGHTS)
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum();
    match 11 - (sum % 11) {
        11 => Some(0),
        10 => None,
        d => Some(d),
    }
}

fn norwegian_account_number(rng: &mut Mix, bank_prefix: &str) -> String {
    loop {
        let body = format!("{bank_prefix}{}", rng.digits(10 - bank_prefix.len()));
        if let Some(check) = mod11_check(&body) {
            return format!("{body}{check}");
        }
    }
}

/// `NOkk` + the 11-digit BBAN, with ISO 7064 mod-97 check digits.
fn norwegian_iban(bban: &str) -> String {
    // "N" = 23, "O" = 24, then "00" for the check digits being computed.
    let digits = format!("{bban}232400");
    let rem = digits
        .chars()
        .fold(0u32, |acc, c| (acc * 10 + c.to_digit(10).unwrap_or(0)) % 97);
    format!("NO{:02}{bban}", 98 - rem)
}

/// The last weekday on or before the 25th: Norwegian payday.
fn payday(year: i32, month: u32) -> Option<NaiveDate> {
    let mut d = NaiveDate::from_ymd_opt(year, month, 25)?;
    while matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
        d = d.pred_opt()?;
    }
    Some(d)
}

impl Ledger {
    /// The seeded bank, deterministic in (`seed`, `today`, `lookback_months`): the accounts are
    /// opened a week before the lookback edge and the bank lives every day up to `today`.
    pub(crate) fn seeded(seed: u64, today: NaiveDate, lookback_months: u32) -> Ledger {
        let mut rng = Mix::new(seed);
        let accounts = seeded_accounts(seed, &mut rng);
        // The accounts are a week older than what the bank serves, so rows reach the edge.
        let opened = sub_days(lookback_edge(today, lookback_months).min(today), 7);
        let mut ledger = Ledger {
            accounts,
            txns: Vec::new(),
            today: opened.pred_opt().unwrap_or(opened),
            opened,
            seeded_on: today,
            seed,
            next_serial: 1,
            card_owed: 0,
            rng,
        };
        ledger.live_until(today);
        ledger.seed_fixtures();
        // Balances land in a realistic range today, whatever the three years added up to.
        ledger.set_opening(CURRENT, 1_834_217);
        ledger.set_opening(BSU, 12_350_000);
        ledger.sort();
        ledger
    }

    fn sort(&mut self) {
        self.txns.sort_by_key(|t| (t.date, t.serial));
    }

    fn set_opening(&mut self, account: usize, target_balance: i64) {
        let booked = self.balance(account) - self.accounts.get(account).map_or(0, |a| a.opening);
        if let Some(a) = self.accounts.get_mut(account) {
            a.opening = target_balance - booked;
        }
    }

    /// Rows every seeded bank has on file, placed relative to the seeding day so that tests can
    /// find them: two identical purchases on one day, an exact amount, and pending holds that
    /// settle soon (a fuel hold that books another amount, a hotel hold that is cancelled).
    fn seed_fixtures(&mut self) {
        let today = self.today;
        // The same purchase twice on one day: same text, amount, date, and an all-zero
        // nonUniqueId. Only the (session-bound) id tells them apart.
        let twin_day = sub_days(today, 12);
        for _ in 0..2 {
            let mut t = self.booked_purchase(CURRENT, twin_day, &KIWI, -3_490);
            t.non_unique_id = "0000000000".to_owned();
            self.push(t);
        }
        let t = self.booked_purchase(CURRENT, sub_days(today, 20), &REMA, -5_990);
        self.push(t);

        let t = self.pending_purchase(CURRENT, today, &REMA, -31_240, 2, None);
        self.push(t);
        let t = self.pending_purchase(
            CREDIT_CARD,
            sub_days(today, 1),
            &CIRCLE_K,
            FUEL_HOLD,
            2,
            Some(-64_217),
        );
        self.push(t);
        let mut t = self.pending_purchase(CREDIT_CARD, today, &SCANDIC, HOTEL_HOLD, 1, None);
        if let Some(s) = t.settlement.as_mut() {
            s.outcome = Outcome::Cancel;
        }
        self.push(t);
    }

    fn serial(&mut self) -> u64 {
        let s = self.next_serial;
        self.next_serial += 1;
        s
    }

    /// A fresh, realistic nonUniqueId (never all zeros).
    fn real_non_unique_id(&mut self) -> String {
        self.rng.digits(10)
    }

    fn push(&mut self, t: Txn) {
        self.txns.push(t);
    }

    #[allow(clippy::too_many_arguments)]
    fn base(
        &mut self,
        account: usize,
        date: NaiveDate,
        amount: i64,
        description: String,
        cleaned: String,
        category: Category,
        type_code: &'static str,
        type_text: &'static str,
    ) -> Txn {
        let non_unique_id = self.real_non_unique_id();
        Txn {
            serial: self.serial(),
            account,
            date,
            interest_date: date,
            arrived: date,
            amount,
            description,
            cleaned_raw: cleaned.clone(),
            cleaned,
            booked: true,
            non_unique_id,
            type_code,
            type_text,
            kid_or_message: None,
            remote_account_number: None,
            remote_account_name: None,
            merchant: None,
            mcc: None,
            category,
            recurring: false,
            subscription: false,
            settlement: None,
        }
    }

    fn on_card(&self, account: usize) -> bool {
        self.accounts.get(account).map(|a| a.kind) == Some(Kind::CreditCard)
    }

    /// A booked card purchase (BankAxept "Varekjøp" on the current account, Mastercard on the
    /// credit card), as it reads once booked.
    fn booked_purchase(&mut self, account: usize, date: NaiveDate, s: &Shop, amount: i64) -> Txn {
        let (code, text) = if self.on_card(account) {
            ("R_714", "Visa/Mastercard")
        } else {
            ("R_156", "Varekjøp")
        };
        let description = format!("{} {}", day_month(date), s.raw);
        let (_, mechanical) = clean_raw(&description);
        let mut t = self.base(
            account,
            date,
            amount,
            description,
            s.cleaned.to_owned(),
            s.category,
            code,
            text,
        );
        t.cleaned_raw = mechanical;
        t.merchant = Some(s.merchant);
        t.mcc = Some(s.mcc);
        t
    }

    /// A card authorisation: raw terminal text, all-zero nonUniqueId, no counterparty. It
    /// settles `delay` days later, as `booked_amount` when the hold differs from the bill.
    fn pending_purchase(
        &mut self,
        account: usize,
        date: NaiveDate,
        s: &Shop,
        amount: i64,
        delay: u64,
        booked_amount: Option<i64>,
    ) -> Txn {
        let mut t = self.booked_purchase(account, date, s, amount);
        let on = add_days(date, delay);
        let booked_description = format!("{} {}", day_month(date), s.raw);
        t.booked = false;
        t.non_unique_id = "0000000000".to_owned();
        t.description = format!(
            "*{CARD_SUFFIX} {} NOK {} {} Kurs: 1.0000",
            day_month(date),
            super::json::ore_text(amount.abs()),
            s.raw
        );
        t.cleaned = s.raw.to_owned();
        t.cleaned_raw = s.raw.to_owned();
        t.settlement = Some(Settlement {
            on,
            outcome: Outcome::Book {
                amount: booked_amount.unwrap_or(amount),
                description: booked_description,
                cleaned: s.cleaned.to_owned(),
            },
        });
        t
    }

    /// A purchase as the day's shopping produces it: pending, settling in one to three days;
    /// about one in thirty is cancelled.
    fn shop_at(&mut self, account: usize, day: NaiveDate, s: &Shop, amount: i64) {
        let delay = 1 + self.rng.below(3);
        let mut t = self.pending_purchase(account, day, s, amount, delay, None);
        if self.rng.chance(3) {
            if let Some(settlement) = t.settlement.as_mut() {
                settlement.outcome = Outcome::Cancel;
            }
        }
        self.push(t);
    }

    /// A hold that books another amount (fuel at the pump, a hotel stay).
    fn hold_at(&mut self, day: NaiveDate, s: &Shop, hold: i64) {
        let bill = self.random_amount(s.min_kr, s.max_kr);
        let delay = 1 + self.rng.below(3);
        let t = self.pending_purchase(CREDIT_CARD, day, s, hold, delay, Some(bill));
        self.push(t);
    }

    fn random_amount(&mut self, min_kr: i64, max_kr: i64) -> i64 {
        const ORE: [i64; 8] = [90, 50, 0, 40, 80, 20, 10, 70];
        let kr = self.rng.range(min_kr, max_kr);
        let ore_idx = usize::try_from(self.rng.below(8)).unwrap_or(0);
        let ore = if min_kr == max_kr { 0 } else { ORE[ore_idx] };
        -(kr * 100 + ore)
    }

    #[allow(clippy::too_many_arguments)]
    fn transfer(
        &mut self,
        from: usize,
        to: usize,
        date: NaiveDate,
        amount: i64,
        text_out: &str,
        text_in: &str,
        category: Category,
    ) {
        let to_number = self.accounts.get(to).map(|a| a.number.clone());
        let from_number = self.accounts.get(from).map(|a| a.number.clone());
        let to_name = self.accounts.get(to).map(|a| a.name.clone());
        let from_name = self.accounts.get(from).map(|a| a.name.clone());
        let mut out = self.base(
            from,
            date,
            -amount,
            text_out.to_owned(),
            text_out.to_owned(),
            category,
            "R_914",
            "Overføring",
        );
        out.remote_account_number = to_number;
        out.remote_account_name = to_name;
        out.recurring = true;
        let mut inn = self.base(
            to,
            date,
            amount,
            text_in.to_owned(),
            text_in.to_owned(),
            category,
            "R_914",
            "Overføring",
        );
        inn.remote_account_number = from_number;
        inn.remote_account_name = from_name;
        inn.recurring = true;
        self.book_now(out);
        self.book_now(inn);
    }

    fn vipps(&mut self, date: NaiveDate, amount: i64) {
        let idx = usize::try_from(self.rng.below(VIPPS_PEOPLE.len() as u64)).unwrap_or(0);
        let person = VIPPS_PEOPLE[idx];
        let raw = if amount < 0 {
            format!("VIPPS *{person}")
        } else {
            format!("Fra: {person} Vipps")
        };
        let (_, title) = clean_raw(person);
        let mut t = self.base(
            CURRENT,
            date,
            amount,
            raw,
            format!("Vipps {title}"),
            VIPPS,
            "R_260",
            "Overføring",
        );
        t.kid_or_message = Some(if amount < 0 { "Takk!" } else { "Middag" }.to_owned());
        t.remote_account_number = Some(self.rng.digits(11));
        t.remote_account_name = Some(title);
        if amount < 0 {
            // A Vipps payment is reserved first and books the next day.
            let booked_description = std::mem::replace(
                &mut t.description,
                format!("VIPPS {person} {}", day_month(date)),
            );
            let booked_cleaned = std::mem::replace(&mut t.cleaned, t.description.clone());
            t.cleaned_raw = t.cleaned.clone();
            t.booked = false;
            t.non_unique_id = "0000000000".to_owned();
            t.settlement = Some(Settlement {
                on: add_days(date, 1),
                outcome: Outcome::Book {
                    amount,
                    description: booked_description,
                    cleaned: booked_cleaned,
                },
            });
            self.push(t);
        } else {
            self.book_now(t);
        }
    }

    /// Adds a row that is booked from the start (and counts card spend).
    fn book_now(&mut self, t: Txn) {
        if self.on_card(t.account) {
            self.card_owed -= t.amount;
        }
        self.push(t);
    }

    /// The bank lives every day after `today` up to `until` (no-op if that is not later).
    pub(crate) fn live_until(&mut self, until: NaiveDate) {
        while self.today < until {
            let Some(day) = self.today.succ_opt() else {
                break;
            };
            self.settle_due(day);
            self.live_day(day);
            self.today = day;
        }
        self.sort();
    }

    /// Settles every pending row due on or before `day`.
    fn settle_due(&mut self, day: NaiveDate) {
        let due: Vec<usize> = self
            .txns
            .iter()
            .enumerate()
            .filter(|(_, t)| t.settlement.as_ref().is_some_and(|s| s.on <= day))
            .map(|(i, _)| i)
            .collect();
        self.settle(&due, day);
    }

    /// Settles the rows at `indices` (into `txns`) on `day`: booked rows are replaced by their
    /// booked version, cancelled ones removed.
    fn settle(&mut self, indices: &[usize], day: NaiveDate) {
        let mut cancelled = Vec::new();
        for &i in indices {
            let Some(mut t) = self.txns.get(i).cloned() else {
                continue;
            };
            let Some(settlement) = t.settlement.take() else {
                continue;
            };
            let Outcome::Book {
                amount,
                description,
                cleaned,
            } = settlement.outcome
            else {
                cancelled.push(i);
                continue;
            };
            let date = settlement.on.min(day).max(t.date);
            t.serial = self.serial();
            t.booked = true;
            t.date = date;
            t.interest_date = date;
            t.arrived = date;
            t.amount = amount;
            t.cleaned_raw = clean_raw(&description).1;
            t.description = description;
            if t.merchant.is_none() {
                t.cleaned_raw = cleaned.clone();
            }
            t.cleaned = cleaned;
            t.non_unique_id = self.real_non_unique_id();
            if self.on_card(t.account) {
                self.card_owed -= amount;
            }
            if let Some(slot) = self.txns.get_mut(i) {
                *slot = t;
            }
        }
        cancelled.sort_unstable();
        for i in cancelled.into_iter().rev() {
            if i < self.txns.len() {
                self.txns.remove(i);
            }
        }
    }

    /// Every pending row settles at once, as the bank would settle it (booked with its booked
    /// data and amount, dated its settlement day but never after `today`; cancelled ones
    /// vanish). Balances follow.
    pub(crate) fn settle_all_pending(&mut self) {
        let all: Vec<usize> = self
            .txns
            .iter()
            .enumerate()
            .filter(|(_, t)| t.settlement.is_some())
            .map(|(i, _)| i)
            .collect();
        let today = self.today;
        self.settle(&all, today);
        self.sort();
    }

    fn live_day(&mut self, day: NaiveDate) {
        let dom = day.day();
        let weekday = !matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
        if payday(day.year(), day.month()) == Some(day) {
            let amount = 4_351_200 + self.rng.range(0, 20) * 100;
            let mut t = self.base(
                CURRENT,
                day,
                amount,
                "LØNN".to_owned(),
                "Lønn".to_owned(),
                SALARY,
                "R_200",
                "Lønn",
            );
            t.remote_account_number = Some("15036219870".to_owned());
            t.remote_account_name = Some("Nordlys Analyse AS".to_owned());
            t.kid_or_message = Some(format!("Lønn {:02}.{}", day.month(), day.year()));
            t.recurring = true;
            self.book_now(t);
        }
        if dom == 1 {
            let mut t = self.base(
                CURRENT,
                day,
                -1_250_000,
                "Husleie Fjellveien Eiendom AS".to_owned(),
                "Husleie Fjellveien Eiendom".to_owned(),
                RENT,
                "R_710",
                "Nettgiro",
            );
            t.kid_or_message = Some(format!("{}", 40_012_345_670 + u64::from(day.month())));
            t.remote_account_number = Some("60110517245".to_owned());
            t.remote_account_name = Some("Fjellveien Eiendom AS".to_owned());
            t.recurring = true;
            self.book_now(t);
        }
        if dom == 2 {
            let mut t = self.booked_purchase(CURRENT, day, &RUTER, -90_300);
            t.recurring = true;
            t.subscription = true;
            self.book_now(t);
        }
        if dom == 5 {
            let mut t = self.booked_purchase(CURRENT, day, &SPOTIFY, -12_900);
            t.type_code = "R_714";
            t.type_text = "Visa/Mastercard";
            t.recurring = true;
            t.subscription = true;
            self.book_now(t);
        }
        if dom == 9 {
            let mut t = self.booked_purchase(CREDIT_CARD, day, &NETFLIX, -14_900);
            t.recurring = true;
            t.subscription = true;
            self.book_now(t);
        }
        if dom == 15 {
            // The electricity bill in the month before seeding is the exact example amount.
            let latest = day <= self.seeded_on && day > sub_days(self.seeded_on, 31);
            let amount = if latest {
                -123_450
            } else {
                -(self.rng.range(600, 2400) * 100 + self.rng.range(0, 99))
            };
            let mut t = self.base(
                CURRENT,
                day,
                amount,
                "Fjordkraft AS".to_owned(),
                "Fjordkraft".to_owned(),
                ELECTRICITY,
                "R_710",
                "AvtaleGiro",
            );
            t.kid_or_message = Some(self.rng.digits(15));
            t.remote_account_number = Some("52050625410".to_owned());
            t.remote_account_name = Some("Fjordkraft AS".to_owned());
            t.recurring = true;
            self.book_now(t);
        }
        if dom == 20 && self.card_owed > 0 {
            // The monthly statement is paid in full from the current account.
            let owed = self.card_owed;
            self.transfer(
                CURRENT,
                CREDIT_CARD,
                day,
                owed,
                "Innbetaling kredittkort",
                "INNBETALING",
                CARD_PAYMENT,
            );
        }
        if dom == 26 {
            self.transfer(
                CURRENT,
                BSU,
                day,
                250_000,
                "Overføring til BSU",
                "Overføring fra Brukskonto",
                BSU_SAVING,
            );
        }

        // Everyday card use on the current account: several purchases a day.
        if self.rng.chance(75) {
            let idx = usize::try_from(self.rng.below(GROCERY_SHOPS.len() as u64)).unwrap_or(0);
            let s = GROCERY_SHOPS[idx];
            let amount = self.random_amount(s.min_kr, s.max_kr);
            self.shop_at(CURRENT, day, &s, amount);
            if self.rng.chance(25) {
                let amount = self.random_amount(19, 240);
                self.shop_at(CURRENT, day, &s, amount);
            }
        }
        if self.rng.chance(50) {
            let amount = self.random_amount(ESPRESSO.min_kr, ESPRESSO.max_kr);
            self.shop_at(CURRENT, day, &ESPRESSO, amount);
        }
        if weekday && self.rng.chance(55) {
            let amount = self.random_amount(EUREST.min_kr, EUREST.max_kr);
            self.shop_at(CURRENT, day, &EUREST, amount);
        }
        if self.rng.chance(40) {
            self.shop_at(CURRENT, day, &RUTER, -4_400);
        }
        if self.rng.chance(25) {
            let amount = self.random_amount(NARVESEN.min_kr, NARVESEN.max_kr);
            self.shop_at(CURRENT, day, &NARVESEN, amount);
        }
        if self.rng.chance(12) {
            let amount = self.random_amount(FOODORA.min_kr, FOODORA.max_kr);
            self.shop_at(CURRENT, day, &FOODORA, amount);
        }
        if self.rng.chance(5) {
            let amount = self.random_amount(APOTEK.min_kr, APOTEK.max_kr);
            self.shop_at(CURRENT, day, &APOTEK, amount);
        }
        if self.rng.chance(6) {
            let amount = self.random_amount(VY.min_kr, VY.max_kr);
            self.shop_at(CURRENT, day, &VY, amount);
        }
        if self.rng.chance(18) {
            let amount = -self.rng.range(1, 40) * 2_500;
            self.vipps(day, amount);
        }
        if self.rng.chance(6) {
            let amount = self.rng.range(2, 30) * 5_000;
            self.vipps(day, amount);
        }

        // The credit card: eating out, fuel, electronics, the odd hotel.
        if self.rng.chance(20) {
            let s = if self.rng.chance(60) {
                ESPRESSO
            } else {
                PEPPES
            };
            let amount = self.random_amount(s.min_kr, s.max_kr);
            self.shop_at(CREDIT_CARD, day, &s, amount);
        }
        if self.rng.chance(7) {
            self.hold_at(day, &CIRCLE_K, FUEL_HOLD);
        }
        if self.rng.chance(3) {
            let amount = self.random_amount(ELKJOP.min_kr, ELKJOP.max_kr);
            self.shop_at(CREDIT_CARD, day, &ELKJOP, amount);
        }
        if self.rng.chance(1) {
            self.hold_at(day, &SCANDIC, HOTEL_HOLD);
        }

        // An offline terminal (a ferry crossing) hands in its purchase days late: the row is
        // dated on the crossing but the bank first shows it today.
        if self.rng.chance(30) {
            let back = 2 + self.rng.below(4);
            let date = sub_days(day, back);
            if date >= self.opened {
                let amount = self.random_amount(FJORD1.min_kr, FJORD1.max_kr);
                let mut t = self.booked_purchase(CURRENT, date, &FJORD1, amount);
                t.arrived = day;
                self.book_now(t);
            }
        }
    }

    pub(crate) fn account_index(&self, key_or_number: &str) -> Option<usize> {
        self.accounts
            .iter()
            .position(|a| a.key == key_or_number || a.number == key_or_number)
    }

    /// Opening + every booked row.
    pub(crate) fn balance(&self, account: usize) -> i64 {
        let opening = self.accounts.get(account).map_or(0, |a| a.opening);
        opening
            + self
                .txns
                .iter()
                .filter(|t| t.account == account && t.booked)
                .map(|t| t.amount)
                .sum::<i64>()
    }

    pub(crate) fn pending_sum(&self, account: usize) -> i64 {
        self.txns
            .iter()
            .filter(|t| t.account == account && !t.booked)
            .map(|t| t.amount)
            .sum()
    }

    /// Balance after pending rows; for the credit card, the unused part of the limit.
    pub(crate) fn available(&self, account: usize) -> i64 {
        let limit = self
            .accounts
            .get(account)
            .and_then(|a| a.credit_limit)
            .unwrap_or(0);
        limit + self.balance(account) + self.pending_sum(account)
    }

    /// A row added by a test or over `/_sandbox/transactions`. It arrives today (a row dated
    /// earlier is a late row). A pending one settles in two days, booked as its cleaned text.
    pub(crate) fn add(
        &mut self,
        account: usize,
        date: NaiveDate,
        amount: i64,
        description: &str,
        pending: bool,
    ) {
        let (code, text) = if amount < 0 {
            ("R_156", "Varekjøp")
        } else {
            ("R_200", "Innskudd")
        };
        let (upper, title) = clean_raw(description);
        let mut t = self.base(
            account,
            date,
            amount,
            description.to_owned(),
            title.clone(),
            UNCATEGORIZED,
            code,
            text,
        );
        t.arrived = self.today.max(date);
        if pending {
            t.booked = false;
            t.non_unique_id = "0000000000".to_owned();
            t.cleaned = upper.clone();
            t.cleaned_raw = upper.clone();
            t.settlement = Some(Settlement {
                on: add_days(t.arrived, 2),
                outcome: Outcome::Book {
                    amount,
                    description: upper,
                    cleaned: title,
                },
            });
            self.push(t);
        } else {
            self.book_now(t);
        }
        self.sort();
    }
}

pub(crate) const CURRENT: usize = 0;
pub(crate) const BSU: usize = 1;
pub(crate) const CREDIT_CARD: usize = 2;

fn seeded_accounts(seed: u64, rng: &mut Mix) -> Vec<Account> {
    let key = |i: usize| hex_digest(&format!("sb1-sandbox-account:{seed}:{i}"), 32).to_uppercase();
    let current_no = norwegian_account_number(rng, "1813");
    let bsu_no = norwegian_account_number(rng, "1813");
    let card_no = format!("K{}", rng.digits(10));
    vec![
        Account {
            key: key(0),
            iban: Some(norwegian_iban(&current_no)),
            number: current_no,
            name: "Brukskonto".to_owned(),
            description: "Brukskonto".to_owned(),
            kind: Kind::Current,
            opening: 1_834_217,
            credit_limit: None,
            product_id: "BK-0101",
            product_type: "BRUKSKONTO",
            description_code: "BK",
            credit_card_account_id: None,
        },
        Account {
            key: key(1),
            iban: Some(norwegian_iban(&bsu_no)),
            number: bsu_no,
            name: "BSU".to_owned(),
            description: "Boligsparing for ungdom".to_owned(),
            kind: Kind::Bsu,
            opening: 12_350_000,
            credit_limit: None,
            product_id: "BSU-0201",
            product_type: "BSU",
            description_code: "BSU",
            credit_card_account_id: None,
        },
        Account {
            key: key(2),
            iban: None,
            number: card_no,
            name: "Kredittkort".to_owned(),
            description: "SpareBank 1 Mastercard".to_owned(),
            kind: Kind::CreditCard,
            opening: 0,
            credit_limit: Some(5_000_000),
            product_id: "KK-0301",
            product_type: "CREDITCARD",
            description_code: "KK",
            credit_card_account_id: Some(rng.digits(9)),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    const LOOKBACK: u32 = 36;

    #[test]
    fn oslo_midnight_follows_dst() {
        // Winter (CET, UTC+1): 23:00Z the previous day. Summer (CEST, UTC+2): 22:00Z.
        assert_eq!(oslo_midnight_ms(d(2026, 3, 25)), 1_774_393_200_000);
        assert_eq!(oslo_midnight_ms(d(2026, 7, 1)), 1_782_856_800_000);
        assert!(is_dst_change_day(d(2026, 3, 29)));
        assert!(is_dst_change_day(d(2026, 10, 25)));
        assert!(!is_dst_change_day(d(2026, 10, 24)));
    }

    #[test]
    fn lookback_edge_is_the_same_day_months_earlier() {
        assert_eq!(lookback_edge(d(2026, 11, 21), 36), d(2023, 11, 21));
        assert_eq!(lookback_edge(d(2026, 5, 31), 3), d(2026, 2, 28));
    }

    #[test]
    fn account_numbers_are_valid() {
        let l = Ledger::seeded(7, d(2026, 11, 21), LOOKBACK);
        for a in &l.accounts[..2] {
            assert_eq!(a.number.len(), 11);
            let check = mod11_check(&a.number[..10]).unwrap();
            assert_eq!(a.number[10..].parse::<u32>().unwrap(), check);
            let iban = a.iban.as_deref().unwrap();
            assert!(iban.starts_with("NO") && iban.ends_with(&a.number));
        }
        assert!(l.accounts[2].number.starts_with('K'));
        // A known IBAN: NO93 8601 1117 947.
        assert_eq!(norwegian_iban("86011117947"), "NO9386011117947");
    }

    #[test]
    fn seeding_is_deterministic_and_spans_the_lookback() {
        let today = d(2026, 9, 1);
        let a = Ledger::seeded(42, today, LOOKBACK);
        let b = Ledger::seeded(42, today, LOOKBACK);
        let sig = |l: &Ledger| {
            l.txns
                .iter()
                .map(|t| format!("{}{}{}{}", t.account, t.date, t.amount, t.description))
                .collect::<Vec<_>>()
        };
        assert_eq!(sig(&a), sig(&b));
        assert_ne!(sig(&a), sig(&Ledger::seeded(43, today, LOOKBACK)));
        let edge = lookback_edge(today, LOOKBACK);
        assert!(a.txns.iter().all(|t| t.date <= today));
        assert!(a.txns.iter().any(|t| t.date == edge));
        assert!(
            a.txns.iter().any(|t| t.date < edge),
            "held beyond what is served"
        );
        // Every account has rows in its first and its last month.
        for account in [CURRENT, BSU, CREDIT_CARD] {
            let dates: Vec<NaiveDate> = a
                .txns
                .iter()
                .filter(|t| t.account == account)
                .map(|t| t.date)
                .collect();
            assert!(dates.iter().any(|&x| x < edge + Days::new(31)), "{account}");
            assert!(
                dates.iter().any(|&x| x > today - Days::new(31)),
                "{account}"
            );
        }
        // Heavy card use: a 400-day window of the current account alone exceeds 1000 rows.
        let window = a
            .txns
            .iter()
            .filter(|t| t.account == CURRENT && t.date > today - Days::new(400))
            .count();
        assert!(window > 1000, "{window}");
        // Pending rows are the last few days' card purchases.
        let pending: Vec<&Txn> = a.txns.iter().filter(|t| !t.booked).collect();
        assert!(pending.len() >= 4, "{}", pending.len());
        assert!(pending.iter().all(|t| t.date >= today - Days::new(3)));
        assert!(pending
            .iter()
            .all(|t| t.settlement.as_ref().is_some_and(|s| s.on > today)));
        assert!(a
            .txns
            .iter()
            .all(|t| t.booked || t.non_unique_id == "0000000000"));
        // DST-change days are inside the history.
        assert!(a.txns.iter().any(|t| is_dst_change_day(t.date)));
    }

    #[test]
    fn living_settles_books_changes_and_cancels() {
        let today = d(2026, 11, 21);
        let mut l = Ledger::seeded(7, today, LOOKBACK);
        let before: Vec<Txn> = l.txns.iter().filter(|t| !t.booked).cloned().collect();
        let hold = before
            .iter()
            .find(|t| t.amount == FUEL_HOLD && t.date == today - Days::new(1))
            .unwrap()
            .clone();
        let hotel = before
            .iter()
            .find(|t| t.amount == HOTEL_HOLD && t.date == today)
            .unwrap()
            .clone();
        l.live_until(today + Days::new(3));
        assert_eq!(l.today, today + Days::new(3));
        // Every row that was pending has settled (rows from the new days may be pending).
        assert!(l
            .txns
            .iter()
            .all(|t| t.booked || t.date > today - Days::new(1)));
        let fuel = l
            .txns
            .iter()
            .find(|t| t.booked && t.amount == -64_217)
            .expect("the fuel hold booked the pumped amount");
        assert_eq!(fuel.date, today + Days::new(1));
        assert_ne!(fuel.serial, hold.serial);
        assert_ne!(fuel.non_unique_id, "0000000000");
        assert!(!l.txns.iter().any(|t| t.serial == hotel.serial));
        assert!(!l
            .txns
            .iter()
            .any(|t| t.amount == HOTEL_HOLD && t.date == today));
        // New days brought new rows, and some arrived late.
        assert!(l.txns.iter().any(|t| t.date == today + Days::new(3)));
        assert!(l
            .txns
            .windows(2)
            .all(|w| (w[0].date, w[0].serial) <= (w[1].date, w[1].serial)));
    }

    #[test]
    fn cleaning_strips_card_boilerplate() {
        let (upper, title) = clean_raw("*4581 19.11 NOK 312.40 REMA 1000 GRUNERLOKKA Kurs: 1.0000");
        assert_eq!(upper, "REMA 1000 GRUNERLOKKA");
        assert_eq!(title, "Rema 1000 Grunerlokka");
    }
}
