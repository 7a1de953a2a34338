//! What the bank holds: three accounts and about four months of Norwegian everyday
//! transactions, generated deterministically from a seed and "today" (an Oslo calendar day).
//!
//! Money is integer øre throughout; dates are Oslo calendar days.

use chrono::{Datelike, Days, NaiveDate, NaiveTime, TimeZone, Weekday};
use chrono_tz::Tz;
use sha2::{Digest, Sha256};

pub(crate) const OSLO: Tz = chrono_tz::Europe::Oslo;

/// Booked rows this many days old or younger (and every pending row) belong to the RECENT
/// source; older booked rows are HISTORIC.
pub(crate) const RECENT_DAYS: u64 = 30;

/// How many calendar days the seeded history covers, today included.
pub(crate) const HISTORY_DAYS: u64 = 120;

/// Epoch milliseconds of 00:00 Europe/Oslo on `date`: 23:00Z the day before in winter (CET),
/// 22:00Z in summer (CEST). Midnight never falls into a DST gap in Norway.
pub(crate) fn oslo_midnight_ms(date: NaiveDate) -> i64 {
    let local = date.and_time(NaiveTime::MIN);
    match OSLO.from_local_datetime(&local).earliest() {
        Some(dt) => dt.timestamp_millis(),
        None => local.and_utc().timestamp_millis(),
    }
}

/// Today's calendar day in Oslo.
pub(crate) fn oslo_today() -> NaiveDate {
    chrono::Utc::now().with_timezone(&OSLO).date_naive()
}

/// Whether the clocks change in Oslo on `date` (the day is 23 or 25 hours long).
pub(crate) fn is_dst_change_day(date: NaiveDate) -> bool {
    match date.checked_add_days(Days::new(1)) {
        Some(next) => oslo_midnight_ms(next) - oslo_midnight_ms(date) != 86_400_000,
        None => false,
    }
}

/// The latest day on or before `today` on which the clocks changed.
pub(crate) fn last_dst_change_on_or_before(today: NaiveDate) -> NaiveDate {
    let mut d = today;
    for _ in 0..400 {
        if is_dst_change_day(d) {
            return d;
        }
        match d.pred_opt() {
            Some(p) => d = p,
            None => break,
        }
    }
    today
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

#[derive(Debug, Clone)]
pub(crate) struct Txn {
    /// Internal identity; the wire `id` is derived from it per session.
    pub serial: u64,
    pub account: usize,
    pub date: NaiveDate,
    pub interest_date: NaiveDate,
    pub amount: i64,
    pub description: String,
    pub cleaned: String,
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
    /// For a pending row: the (description, cleanedDescription) it will carry once booked.
    pub booked_as: Option<(String, String)>,
}

#[derive(Debug, Clone)]
pub(crate) struct Ledger {
    pub accounts: Vec<Account>,
    pub txns: Vec<Txn>,
    pub today: NaiveDate,
    pub seed: u64,
    next_serial: u64,
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
    /// The seeded bank: deterministic in (`seed`, `today`).
    pub(crate) fn seeded(seed: u64, today: NaiveDate) -> Ledger {
        let mut rng = Mix::new(seed);
        let accounts = seeded_accounts(seed, &mut rng);
        let mut ledger = Ledger {
            accounts,
            txns: Vec::new(),
            today,
            seed,
            next_serial: 1,
            rng,
        };
        ledger.seed_history();
        ledger
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
            amount,
            description,
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
            booked_as: None,
        }
    }

    /// A booked card purchase (BankAxept "Varekjøp" on the current account, Mastercard on the
    /// credit card).
    fn card_purchase(&mut self, account: usize, date: NaiveDate, s: &Shop, amount: i64) -> Txn {
        let on_card = self.accounts.get(account).map(|a| a.kind) == Some(Kind::CreditCard);
        let (code, text) = if on_card {
            ("R_714", "Visa/Mastercard")
        } else {
            ("R_156", "Varekjøp")
        };
        let mut t = self.base(
            account,
            date,
            amount,
            format!("{} {}", day_month(date), s.raw),
            s.cleaned.to_owned(),
            s.category,
            code,
            text,
        );
        t.merchant = Some(s.merchant);
        t.mcc = Some(s.mcc);
        t
    }

    /// A pending card authorisation: raw terminal text, all-zero nonUniqueId, no remote data.
    fn pending_purchase(&mut self, account: usize, date: NaiveDate, s: &Shop, amount: i64) -> Txn {
        let mut t = self.card_purchase(account, date, s, amount);
        t.booked = false;
        t.non_unique_id = "0000000000".to_owned();
        t.booked_as = Some((t.description.clone(), t.cleaned.clone()));
        t.description = format!(
            "*{CARD_SUFFIX} {} NOK {} {} Kurs: 1.0000",
            day_month(date),
            super::json::ore_text(amount.abs()),
            s.raw
        );
        t.cleaned = s.raw.to_owned();
        t
    }

    fn random_amount(&mut self, min_kr: i64, max_kr: i64) -> i64 {
        const ORE: [i64; 8] = [90, 50, 0, 40, 80, 20, 10, 70];
        let kr = self.rng.range(min_kr, max_kr);
        let ore_idx = usize::try_from(self.rng.below(8)).unwrap_or(0);
        let ore = if min_kr == max_kr { 0 } else { ORE[ore_idx] };
        -(kr * 100 + ore)
    }

    fn push(&mut self, t: Txn) {
        self.txns.push(t);
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
        self.push(out);
        self.push(inn);
    }

    fn vipps(&mut self, date: NaiveDate, amount: i64, booked: bool) {
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
        if booked {
            t.remote_account_number = Some(self.rng.digits(11));
            t.remote_account_name = Some(title);
        } else {
            t.booked = false;
            t.non_unique_id = "0000000000".to_owned();
            t.booked_as = Some((t.description.clone(), t.cleaned.clone()));
            t.description = format!("VIPPS {person} {}", day_month(date));
            t.cleaned = t.description.clone();
        }
        self.push(t);
    }

    fn seed_history(&mut self) {
        let today = self.today;
        let start = sub_days(today, HISTORY_DAYS - 1);
        let last_card_day = sub_days(today, 3);
        let mut day = start;
        while day <= today {
            self.seed_day(day, day <= last_card_day);
            match day.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }

        // A purchase on the day the clocks changed (CET ↔ CEST), even if that is older than the
        // regular history.
        let dst_day = last_dst_change_on_or_before(today);
        let t = self.card_purchase(CURRENT, dst_day, &VY, -24_900);
        self.push(t);

        // The same purchase twice on one day: same text, amount, date, and an all-zero
        // nonUniqueId. Only the (session-bound) id tells them apart.
        let twin_day = sub_days(today, 12);
        for _ in 0..2 {
            let mut t = self.card_purchase(CURRENT, twin_day, &KIWI, -3_490);
            t.non_unique_id = "0000000000".to_owned();
            self.push(t);
        }

        // Exact amounts worth having on file.
        let t = self.card_purchase(CURRENT, sub_days(today, 20), &REMA, -5_990);
        self.push(t);

        // Pending rows in the last three days.
        let t = self.pending_purchase(CURRENT, today, &REMA, -31_240);
        self.push(t);
        self.vipps(sub_days(today, 1), -25_000, false);
        let t = self.pending_purchase(CREDIT_CARD, sub_days(today, 2), &ESPRESSO, -8_900);
        self.push(t);
        let t = self.pending_purchase(CREDIT_CARD, today, &CIRCLE_K, -64_217);
        self.push(t);

        self.txns.sort_by_key(|t| (t.date, t.serial));
    }

    fn seed_day(&mut self, day: NaiveDate, card_day: bool) {
        let dom = day.day();
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
            self.push(t);
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
            self.push(t);
        }
        if dom == 2 {
            let t = self.card_purchase(CURRENT, day, &RUTER, -90_300);
            let mut t = t;
            t.recurring = true;
            t.subscription = true;
            self.push(t);
        }
        if dom == 5 {
            let mut t = self.card_purchase(CURRENT, day, &SPOTIFY, -12_900);
            t.type_code = "R_714";
            t.type_text = "Visa/Mastercard";
            t.recurring = true;
            t.subscription = true;
            self.push(t);
        }
        if dom == 9 {
            let mut t = self.card_purchase(CREDIT_CARD, day, &NETFLIX, -14_900);
            t.recurring = true;
            t.subscription = true;
            self.push(t);
        }
        if dom == 15 {
            // The latest electricity bill is the exact example amount; older ones vary.
            let latest = day > sub_days(self.today, 31);
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
            self.push(t);
        }
        if dom == 20 {
            self.transfer(
                CURRENT,
                CREDIT_CARD,
                day,
                300_000,
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
        if !card_day {
            return;
        }
        if self.rng.chance(58) {
            let idx = usize::try_from(self.rng.below(GROCERY_SHOPS.len() as u64)).unwrap_or(0);
            let s = GROCERY_SHOPS[idx];
            let amount = self.random_amount(s.min_kr, s.max_kr);
            let t = self.card_purchase(CURRENT, day, &s, amount);
            self.push(t);
        }
        if self.rng.chance(8) {
            let amount = self.random_amount(VY.min_kr, VY.max_kr);
            let t = self.card_purchase(CURRENT, day, &VY, amount);
            self.push(t);
        }
        if self.rng.chance(9) {
            let amount = -self.rng.range(1, 40) * 2_500;
            self.vipps(day, amount, true);
        }
        if self.rng.chance(4) {
            let amount = self.rng.range(2, 30) * 5_000;
            self.vipps(day, amount, true);
        }
        if self.rng.chance(22) {
            let s = if self.rng.chance(70) {
                ESPRESSO
            } else {
                PEPPES
            };
            let amount = self.random_amount(s.min_kr, s.max_kr);
            let t = self.card_purchase(CREDIT_CARD, day, &s, amount);
            self.push(t);
        }
        if self.rng.chance(6) {
            let amount =
                -(self.rng.range(CIRCLE_K.min_kr, CIRCLE_K.max_kr) * 100 + self.rng.range(0, 99));
            let t = self.card_purchase(CREDIT_CARD, day, &CIRCLE_K, amount);
            self.push(t);
        }
        if self.rng.chance(3) {
            let amount = self.random_amount(ELKJOP.min_kr, ELKJOP.max_kr);
            let t = self.card_purchase(CREDIT_CARD, day, &ELKJOP, amount);
            self.push(t);
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

    /// Every pending row comes back booked: new serial (so a new id), the booked texts, a real
    /// nonUniqueId, and a booking date zero to two days later (never after today).
    pub(crate) fn book_pending(&mut self) {
        let today = self.today;
        for i in 0..self.txns.len() {
            let Some(t) = self.txns.get(i) else { continue };
            if t.booked {
                continue;
            }
            let mut t = t.clone();
            let shift = self.rng.below(3);
            let date = add_days(t.date, shift).min(today).max(t.date);
            let (description, cleaned) = match t.booked_as.take() {
                Some(pair) => pair,
                None => clean_raw(&t.description),
            };
            t.serial = self.serial();
            t.booked = true;
            t.date = date;
            t.interest_date = date;
            t.description = description;
            t.cleaned = cleaned;
            t.non_unique_id = self.real_non_unique_id();
            if t.type_code == "R_260" && t.remote_account_number.is_none() {
                t.remote_account_number = Some(self.rng.digits(11));
                t.remote_account_name = Some(t.cleaned.trim_start_matches("Vipps ").to_owned());
            }
            if let Some(slot) = self.txns.get_mut(i) {
                *slot = t;
            }
        }
        self.txns.sort_by_key(|t| (t.date, t.serial));
    }

    /// A row added by a test or over `/_sandbox/transactions`.
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
        if pending {
            t.booked = false;
            t.non_unique_id = "0000000000".to_owned();
            t.cleaned = upper.clone();
            t.booked_as = Some((upper, title));
        }
        self.txns.push(t);
        self.txns.sort_by_key(|t| (t.date, t.serial));
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
            opening: -421_130,
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

    #[test]
    fn oslo_midnight_follows_dst() {
        // Winter (CET, UTC+1): 23:00Z the previous day. Summer (CEST, UTC+2): 22:00Z.
        assert_eq!(oslo_midnight_ms(d(2026, 3, 25)), 1_774_393_200_000);
        assert_eq!(oslo_midnight_ms(d(2026, 7, 1)), 1_782_856_800_000);
        assert!(is_dst_change_day(d(2026, 3, 29)));
        assert!(is_dst_change_day(d(2026, 10, 25)));
        assert!(!is_dst_change_day(d(2026, 10, 24)));
        assert_eq!(last_dst_change_on_or_before(d(2026, 9, 1)), d(2026, 3, 29));
    }

    #[test]
    fn account_numbers_are_valid() {
        let l = Ledger::seeded(7, d(2026, 11, 21));
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
    fn seeding_is_deterministic_and_has_the_promised_rows() {
        let today = d(2026, 9, 1);
        let a = Ledger::seeded(42, today);
        let b = Ledger::seeded(42, today);
        let sig = |l: &Ledger| {
            l.txns
                .iter()
                .map(|t| format!("{}{}{}{}", t.account, t.date, t.amount, t.description))
                .collect::<Vec<_>>()
        };
        assert_eq!(sig(&a), sig(&b));
        assert_ne!(sig(&a), sig(&Ledger::seeded(43, today)));
        assert!(a.txns.len() > 120, "{}", a.txns.len());
        // The DST-change row exists even though the history window has no DST day.
        assert!(a.txns.iter().any(|t| t.date == d(2026, 3, 29)));
        let pending: Vec<_> = a.txns.iter().filter(|t| !t.booked).collect();
        assert_eq!(pending.len(), 4);
        assert!(pending.iter().all(|t| t.date >= sub_days(today, 2)));
        assert!(a.txns.iter().all(|t| t.date <= today));
    }

    #[test]
    fn cleaning_strips_card_boilerplate() {
        let (upper, title) = clean_raw("*4581 19.11 NOK 312.40 REMA 1000 GRUNERLOKKA Kurs: 1.0000");
        assert_eq!(upper, "REMA 1000 GRUNERLOKKA");
        assert_eq!(title, "Rema 1000 Grunerlokka");
    }
}
