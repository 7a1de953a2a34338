//! What happens at a bank, one calendar day (in the bank's own time zone) at a time.
//!
//! The rows of a day are a pure function of `(seed, skill, day)`, so a ledger generated in one
//! go and one grown day by day by `/_sandbox/advance` are the same, and a test can rely on
//! them. Each row carries its whole life: when it appears, whether it starts pending, when it
//! books (with which amount, text and booking time) or is cancelled. Whether a row is visible,
//! pending or booked is then only a question of "what time is it now".
//!
//! Every day on the main current account brings, besides the random rows:
//! * a ride that is pending until just after the next midnight and books with another amount;
//! * a card pre-authorisation that is cancelled the next day (the row disappears);
//! * a late posting: booked two days earlier, visible only from today.
//!
//! Booking instants are chosen to trap calendar mistakes: postings between 00:05 and 02:50
//! local time (their UTC date is the day before), evening rows up to 23:59, and on the two
//! daylight-saving days rows inside the skipped or doubled hour.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use sha2::{Digest, Sha256};

use super::catalogue::{AccountKind, Bank, Style};

/// SplitMix64: tiny and stable across crate versions, which matters for seeds.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// A generator for `material` under `seed` (FNV-1a of the text mixed into the seed).
    pub(crate) fn keyed(seed: u64, material: &str) -> Self {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for b in material.bytes() {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        Self::new(seed ^ hash)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi` (requires `lo <= hi`).
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = hi.abs_diff(lo).saturating_add(1);
        lo.saturating_add_unsigned(self.next_u64() % span)
    }

    /// Uniform in `lo..=hi` for small unsigned values.
    fn between(&mut self, lo: u32, hi: u32) -> u32 {
        u32::try_from(self.range(i64::from(lo), i64::from(hi))).unwrap_or(lo)
    }

    /// True with probability `per_mille / 1000`.
    fn chance(&mut self, per_mille: u64) -> bool {
        self.next_u64() % 1000 < per_mille
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        let len = u64::try_from(items.len()).ok()?;
        if len == 0 {
            return None;
        }
        let index = usize::try_from(self.next_u64() % len).ok()?;
        items.get(index)
    }

    pub(crate) fn digits(&mut self, count: usize) -> String {
        (0..count)
            .map(|_| char::from(b'0' + u8::try_from(self.next_u64() % 10).unwrap_or(0)))
            .collect()
    }
}

/// `details` of a card row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Details {
    pub merchant: String,
    pub category: String,
    pub location: String,
}

/// One transaction over its whole life at the bank.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    /// Index into the bank's accounts.
    pub account: usize,
    /// Finqware's stable id: base64 of a SHA-256, the same for every consent.
    pub utx_id: String,
    /// When the row first exists (and enters Finqware's cache).
    pub appears_at: DateTime<Utc>,
    /// `Some(t)`: pending from `appears_at` until `t`, then booked (or gone if `cancelled`).
    pub pending_until: Option<DateTime<Utc>>,
    pub cancelled: bool,
    /// Signed amounts in minor units, negative = money out.
    pub pending_minor: i64,
    pub booked_minor: i64,
    /// `booking_date_time` while pending (the authorisation) and once booked.
    pub pending_time: DateTime<Utc>,
    pub booked_time: DateTime<Utc>,
    pub pending_info: String,
    pub booked_info: String,
    pub details: Option<Details>,
    pub exchange_rate: Option<String>,
    /// Dated in a day that had already passed when it appeared.
    pub late: bool,
}

/// Where a row stands at some instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Pending,
    Booked,
}

impl Row {
    pub(crate) fn phase_at(&self, now: DateTime<Utc>) -> Option<Phase> {
        if now < self.appears_at {
            return None;
        }
        match self.pending_until {
            Some(until) if now < until => Some(Phase::Pending),
            Some(_) if self.cancelled => None,
            _ => Some(Phase::Booked),
        }
    }

    /// The instant the row became booked: the bank's posting order, which running balances
    /// follow (a late row is posted when it appears, whatever its booking date).
    pub(crate) fn posted_at(&self) -> DateTime<Utc> {
        self.pending_until.unwrap_or(self.appears_at)
    }
}

// ---------------------------------------------------------------------------------------------
// Local time

/// `second_of_day` on `day` in `zone`, as a UTC instant. A time inside the spring-forward gap
/// moves one hour on (as a clock would show it); a doubled autumn time takes its first instance.
pub(crate) fn local(zone: Tz, day: NaiveDate, second_of_day: u32) -> DateTime<Utc> {
    instances(zone, day, second_of_day)
        .into_iter()
        .next()
        .unwrap_or_else(|| day.and_time(chrono::NaiveTime::MIN).and_utc())
}

/// Every instant that shows `second_of_day` on `day` in `zone`: one, two (autumn) or, for the
/// skipped spring hour, the instant one hour later.
fn instances(zone: Tz, day: NaiveDate, second_of_day: u32) -> Vec<DateTime<Utc>> {
    let second = second_of_day.min(86_399);
    let Some(naive) = day.and_hms_opt(second / 3600, (second / 60) % 60, second % 60) else {
        return Vec::new();
    };
    match zone.from_local_datetime(&naive) {
        LocalResult::Single(t) => vec![t.with_timezone(&Utc)],
        LocalResult::Ambiguous(a, b) => vec![a.with_timezone(&Utc), b.with_timezone(&Utc)],
        LocalResult::None => zone
            .from_local_datetime(&(naive + Duration::hours(1)))
            .earliest()
            .map(|t| vec![t.with_timezone(&Utc)])
            .unwrap_or_default(),
    }
}

/// The local hour that is skipped or doubled on `day`, if the clocks change that day.
pub(crate) fn dst_hour(zone: Tz, day: NaiveDate) -> Option<u32> {
    (0..24).find(|hour| {
        day.and_hms_opt(*hour, 30, 0)
            .is_some_and(|t| !matches!(zone.from_local_datetime(&t), LocalResult::Single(_)))
    })
}

fn hm(hour: u32, minute: u32) -> u32 {
    hour * 3600 + minute * 60
}

// ---------------------------------------------------------------------------------------------
// Texts

const MONTHS_RO: [&str; 12] = [
    "ianuarie",
    "februarie",
    "martie",
    "aprilie",
    "mai",
    "iunie",
    "iulie",
    "august",
    "septembrie",
    "octombrie",
    "noiembrie",
    "decembrie",
];

const MONTHS_HR: [&str; 12] = [
    "siječanj",
    "veljača",
    "ožujak",
    "travanj",
    "svibanj",
    "lipanj",
    "srpanj",
    "kolovoz",
    "rujan",
    "listopad",
    "studeni",
    "prosinac",
];

/// Comma-below ș ț (as written here) → the legacy cedilla ş ţ many Romanian bank systems
/// still send.
fn cedilla(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'ș' => 'ş',
            'ț' => 'ţ',
            'Ș' => 'Ş',
            'Ț' => 'Ţ',
            other => other,
        })
        .collect()
}

/// Romanian letters → plain ASCII, as card processors print them.
fn ascii(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'ă' | 'â' => 'a',
            'î' => 'i',
            'ș' | 'ş' => 's',
            'ț' | 'ţ' => 't',
            'Ă' | 'Â' => 'A',
            'Î' => 'I',
            'Ș' | 'Ş' => 'S',
            'Ț' | 'Ţ' => 'T',
            other => other,
        })
        .collect()
}

/// A text of the bank's "transfers" system.
fn transfer_text(style: Style, text: &str) -> String {
    match style {
        Style::Raiffeisen => cedilla(text),
        _ => text.to_owned(),
    }
}

/// A text of the bank's card system.
fn card_text(style: Style, text: &str) -> String {
    match style {
        Style::Bt | Style::Raiffeisen => cedilla(text),
        Style::Bcr => ascii(text),
        Style::Ing | Style::ErsteHr => text.to_owned(),
    }
}

struct Merchant {
    /// As the card terminal prints it.
    pos: &'static str,
    name: &'static str,
    category: &'static str,
    /// Amount range in minor units.
    lo: i64,
    hi: i64,
    /// The booked amount differs from the authorisation (tips, fuel, currency conversion).
    drifts: bool,
}

const fn m(
    pos: &'static str,
    name: &'static str,
    category: &'static str,
    lo: i64,
    hi: i64,
    drifts: bool,
) -> Merchant {
    Merchant {
        pos,
        name,
        category,
        lo,
        hi,
        drifts,
    }
}

const RO_MERCHANTS: [Merchant; 18] = [
    m(
        "MEGA IMAGE 0421",
        "Mega Image",
        "Groceries",
        1_850,
        24_500,
        false,
    ),
    m(
        "KAUFLAND 4100",
        "Kaufland",
        "Groceries",
        4_500,
        42_000,
        false,
    ),
    m("LIDL 0213", "Lidl", "Groceries", 2_900, 31_000, false),
    m("PROFI 1187", "Profi", "Groceries", 1_200, 9_800, false),
    m(
        "CARREFOUR MARKET",
        "Carrefour",
        "Groceries",
        3_500,
        38_000,
        false,
    ),
    m(
        "STARBUCKS AFI COTROCENI",
        "Starbucks",
        "Restaurants",
        1_800,
        6_500,
        false,
    ),
    m(
        "CARU' CU BERE",
        "Caru' cu bere",
        "Restaurants",
        9_000,
        42_000,
        true,
    ),
    m("SALAD BOX", "Salad Box", "Restaurants", 3_500, 9_000, true),
    m("GLOVO", "Glovo", "Restaurants", 3_500, 14_000, false),
    m("TAZZ BY EMAG", "Tazz", "Restaurants", 3_800, 12_500, false),
    m("CATENA 0532", "Catena", "Health", 1_500, 28_000, false),
    m("DR.MAX 214", "Dr. Max", "Health", 1_900, 19_000, false),
    m("EMAG.RO", "eMAG", "Shopping", 4_900, 45_000, false),
    m("DEDEMAN 017", "Dedeman", "Shopping", 3_000, 40_000, false),
    m(
        "DECATHLON ROMANIA",
        "Decathlon",
        "Shopping",
        5_000,
        48_000,
        false,
    ),
    m(
        "OMV PETROM 2103",
        "OMV Petrom",
        "Fuel",
        15_000,
        36_000,
        false,
    ),
    m(
        "CINEMA CITY",
        "Cinema City",
        "Entertainment",
        3_200,
        11_000,
        false,
    ),
    m(
        "CFR CĂLĂTORI",
        "CFR Călători",
        "Travel",
        4_500,
        19_000,
        false,
    ),
];

const HR_MERCHANTS: [Merchant; 12] = [
    m("KONZUM 0123", "Konzum", "Groceries", 450, 9_500, false),
    m("LIDL HRVATSKA", "Lidl", "Groceries", 800, 11_000, false),
    m("SPAR 2204", "Spar", "Groceries", 600, 8_000, false),
    m("TISAK", "Tisak", "Shopping", 150, 1_800, false),
    m("INA BS SAVSKA", "INA", "Fuel", 3_500, 9_000, false),
    m("BIPA 118", "Bipa", "Health", 400, 4_500, false),
    m("DM-DROGERIE MARKT", "dm", "Health", 500, 6_000, false),
    m("PEVEX", "Pevex", "Shopping", 1_200, 25_000, false),
    m(
        "VINCEK SLASTIČARNICA",
        "Vincek",
        "Restaurants",
        300,
        2_500,
        false,
    ),
    m(
        "PLAC DOLAC ŠTAND 12",
        "Dolac",
        "Groceries",
        400,
        3_500,
        false,
    ),
    m(
        "KINO CINESTAR",
        "CineStar",
        "Entertainment",
        700,
        2_400,
        false,
    ),
    m("HŽ PUTNIČKI PRIJEVOZ", "HŽPP", "Travel", 600, 3_800, false),
];

/// A merchant abroad, for the EUR accounts.
struct Abroad {
    pos: &'static str,
    /// City and country as the terminal prints them.
    place: &'static str,
    category: &'static str,
    lo: i64,
    hi: i64,
    /// The merchant's own currency and its rate in EUR, when it is not the euro.
    foreign: Option<(&'static str, &'static str)>,
}

const fn abroad(
    pos: &'static str,
    place: &'static str,
    category: &'static str,
    lo: i64,
    hi: i64,
    foreign: Option<(&'static str, &'static str)>,
) -> Abroad {
    Abroad {
        pos,
        place,
        category,
        lo,
        hi,
        foreign,
    }
}

const ABROAD: [Abroad; 6] = [
    abroad("RYANAIR", "DUBLIN IE", "Travel", 2_999, 18_900, None),
    abroad("BOOKING.COM", "AMSTERDAM NL", "Travel", 6_500, 42_000, None),
    abroad("LIDL WIEN", "WIEN AT", "Groceries", 1_200, 8_500, None),
    abroad(
        "SPAR BUDAPEST",
        "BUDAPEST HU",
        "Groceries",
        900,
        6_500,
        Some(("HUF", "0.002538")),
    ),
    abroad(
        "BILLA SOFIA",
        "SOFIA BG",
        "Groceries",
        700,
        5_200,
        Some(("BGN", "0.511292")),
    ),
    abroad("AMAZON.DE", "MUENCHEN DE", "Shopping", 1_500, 25_000, None),
];

const CITIES_RO: [&str; 9] = [
    "București",
    "Cluj-Napoca",
    "Iași",
    "Timișoara",
    "Brașov",
    "Constanța",
    "Sibiu",
    "Târgu Mureș",
    "Piatra Neamț",
];

const CITIES_HR: [&str; 5] = ["Zagreb", "Split", "Rijeka", "Osijek", "Zadar"];

const PEOPLE_RO: [&str; 8] = [
    "POPESCU ANDREI",
    "IONESCU MARIA",
    "CONSTANTINESCU ȘTEFAN",
    "DUMITRESCU ELENA",
    "STAN IOANA",
    "MUREȘAN TUDOR",
    "GHEORGHE CĂTĂLIN",
    "RĂDULESCU ANCA",
];

const PEOPLE_HR: [&str; 6] = [
    "Ivana Horvat",
    "Marko Kovačević",
    "Petra Babić",
    "Luka Jurić",
    "Ana Šarić",
    "Josip Đurić",
];

const MEMOS_RO: [&str; 6] = [
    "chirie",
    "bilete concert",
    "împărțit cina",
    "cadou aniversare",
    "datorie",
    "vacanță Brașov",
];

const MEMOS_HR: [&str; 5] = ["najam", "ulaznice", "večera", "rođendanski poklon", "dug"];

const HOLDS_RO: [&str; 5] = [
    "OMV PETROM 2211",
    "HOTEL CONTINENTAL",
    "AUTONOM RENT A CAR",
    "MOL ROMANIA 118",
    "ROMPETROL 0903",
];

const HOLDS_HR: [&str; 4] = [
    "INA BS JANKOMIR",
    "HOTEL ESPLANADE",
    "OKTAL PLUS RENT",
    "TIFON",
];

// ---------------------------------------------------------------------------------------------
// Building a day

/// Which account plays which role at a bank.
struct Roles {
    main: usize,
    savings: Option<usize>,
    eur: Option<usize>,
    card: Option<usize>,
}

fn roles(bank: &Bank) -> Roles {
    let position = |f: &dyn Fn(usize) -> bool| (0..bank.accounts.len()).find(|i| f(*i));
    let main = position(&|i| {
        bank.accounts
            .get(i)
            .is_some_and(|a| a.kind == AccountKind::Current)
    })
    .unwrap_or(0);
    let main_currency = bank.accounts.get(main).map_or("", |a| a.currency);
    Roles {
        main,
        savings: position(&|i| {
            bank.accounts.get(i).is_some_and(|a| {
                i != main && a.kind == AccountKind::Savings && a.currency == main_currency
            })
        }),
        eur: position(&|i| {
            bank.accounts
                .get(i)
                .is_some_and(|a| i != main && a.currency == "EUR" && main_currency != "EUR")
        }),
        card: position(&|i| {
            bank.accounts
                .get(i)
                .is_some_and(|a| a.kind == AccountKind::CreditCard)
        }),
    }
}

/// The card number's last four digits for a bank's sandbox user.
fn card_last4(bank: &Bank, seed: u64) -> String {
    Rng::keyed(seed, &format!("card/{}", bank.skill)).digits(4)
}

/// The account's balance when the history starts, in minor units.
pub(crate) fn opening(bank: &Bank, seed: u64, account: usize) -> i64 {
    let mut rng = Rng::keyed(seed, &format!("opening/{}/{account}", bank.skill));
    match bank.accounts.get(account).map(|a| (a.kind, a.currency)) {
        Some((AccountKind::CreditCard, _)) => -rng.range(50_000, 250_000),
        Some((AccountKind::Savings, "EUR")) => rng.range(150_000, 600_000),
        Some((AccountKind::Savings, _)) => rng.range(1_000_000, 4_000_000),
        Some((AccountKind::Current, "EUR")) if bank.country_code == "HR" => {
            rng.range(100_000, 400_000)
        }
        Some((AccountKind::Current, "EUR")) => rng.range(50_000, 300_000),
        Some((AccountKind::Current, _)) => rng.range(400_000, 1_200_000),
        None => 0,
    }
}

/// Ten digits of account number for the IBAN of `account`.
pub(crate) fn account_serial(bank: &Bank, seed: u64, account: usize) -> String {
    Rng::keyed(seed, &format!("iban/{}/{account}", bank.skill)).digits(10)
}

struct Day<'a> {
    bank: &'a Bank,
    seed: u64,
    day: NaiveDate,
    utx_material: String,
    rng: Rng,
    last4: String,
    rows: Vec<Row>,
}

impl Day<'_> {
    fn at(&self, day: NaiveDate, second_of_day: u32) -> DateTime<Utc> {
        local(self.bank.zone, day, second_of_day)
    }

    /// A random instant between two local times of `day` (seconds included).
    fn between(&mut self, day: NaiveDate, from: u32, to: u32) -> DateTime<Utc> {
        let second = self.rng.between(from, to);
        self.at(day, second)
    }

    fn next_day(&self, days: i64) -> NaiveDate {
        self.day + Duration::days(days)
    }

    fn utx_id(&self) -> String {
        use base64::Engine as _;
        let digest = Sha256::digest(format!("{}/{}", self.utx_material, self.rows.len()));
        base64::engine::general_purpose::STANDARD.encode(digest)
    }

    fn push(&mut self, row: Row) {
        self.rows.push(row);
    }

    /// A row booked the moment it happens (transfers, ATM, fees).
    fn immediate(&mut self, account: usize, at: DateTime<Utc>, minor: i64, info: String) {
        self.immediate_with(account, at, minor, info, None);
    }

    fn immediate_with(
        &mut self,
        account: usize,
        at: DateTime<Utc>,
        minor: i64,
        info: String,
        exchange_rate: Option<String>,
    ) {
        let utx_id = self.utx_id();
        self.push(Row {
            account,
            utx_id,
            appears_at: at,
            pending_until: None,
            cancelled: false,
            pending_minor: minor,
            booked_minor: minor,
            pending_time: at,
            booked_time: at,
            pending_info: info.clone(),
            booked_info: info,
            details: None,
            exchange_rate,
            late: false,
        });
    }

    /// A card payment: pending from `authorized` until it books at `posted`.
    #[allow(clippy::too_many_arguments)]
    fn card(
        &mut self,
        account: usize,
        authorized: DateTime<Utc>,
        posted: DateTime<Utc>,
        pending_minor: i64,
        booked_minor: i64,
        pending_info: String,
        booked_info: String,
        details: Option<Details>,
        exchange_rate: Option<String>,
    ) {
        let utx_id = self.utx_id();
        self.push(Row {
            account,
            utx_id,
            appears_at: authorized,
            pending_until: Some(posted),
            cancelled: false,
            pending_minor,
            booked_minor,
            pending_time: authorized,
            booked_time: posted,
            pending_info,
            booked_info,
            details,
            exchange_rate,
            late: false,
        });
    }

    /// When a card payment made today books: one to three days on, either in the bank's
    /// night batch (00:05–02:50 local: the UTC date is the day before) or during the day.
    fn posting(&mut self) -> DateTime<Utc> {
        let lag = self.rng.range(1, 3);
        let day = self.next_day(lag);
        if self.rng.chance(550) {
            self.between(day, hm(0, 5), hm(2, 50))
        } else {
            self.between(day, hm(6, 0), hm(18, 0))
        }
    }

    fn details_for(&mut self, merchant: &Merchant, city: &str) -> Option<Details> {
        let with = match self.bank.style {
            Style::Ing => true,
            Style::Bt => self.rng.chance(350),
            Style::Bcr | Style::Raiffeisen | Style::ErsteHr => false,
        };
        with.then(|| Details {
            merchant: merchant.name.to_owned(),
            category: merchant.category.to_owned(),
            location: city.to_owned(),
        })
    }

    /// The pending and booked texts of a card payment at `pos` in `city`.
    fn card_texts(&self, pos: &str, city: &str, authorized: DateTime<Utc>) -> (String, String) {
        let style = self.bank.style;
        let date = authorized.with_timezone(&self.bank.zone).format("%d.%m.%Y");
        let city_upper = city.to_uppercase();
        let last4 = &self.last4;
        let (pending, booked) = match style {
            Style::Bt => (
                format!("Autorizare POS {pos}"),
                format!("Plată POS {pos} {city_upper}; Card ****{last4}; Data tranzacției {date}"),
            ),
            Style::Ing => (
                format!("Tranzacție în așteptare - {pos}"),
                format!("Cumpărare POS {pos} {city} - card ****{last4}"),
            ),
            Style::Bcr => (
                format!("Tranzacție în așteptare {pos}"),
                format!("Tranzacție POS - {pos} - {city_upper} - {date}"),
            ),
            Style::Raiffeisen => (
                format!("Autorizare card {pos}"),
                format!("Plată card {pos} {city_upper} din {date}"),
            ),
            Style::ErsteHr => (
                format!("Autorizacija kartice {pos}"),
                format!("Kupnja karticom {pos} {city_upper} {date}"),
            ),
        };
        (card_text(style, &pending), card_text(style, &booked))
    }

    fn croatian(&self) -> bool {
        self.bank.style == Style::ErsteHr
    }

    fn merchants(&self) -> &'static [Merchant] {
        if self.croatian() {
            &HR_MERCHANTS
        } else {
            &RO_MERCHANTS
        }
    }

    fn city(&mut self) -> &'static str {
        let cities: &'static [&'static str] = if self.croatian() {
            &CITIES_HR
        } else {
            &CITIES_RO
        };
        self.rng.pick(cities).copied().unwrap_or("")
    }

    fn person(&mut self) -> &'static str {
        let people: &'static [&'static str] = if self.croatian() {
            &PEOPLE_HR
        } else {
            &PEOPLE_RO
        };
        self.rng.pick(people).copied().unwrap_or("")
    }

    fn memo(&mut self) -> &'static str {
        let memos: &'static [&'static str] = if self.croatian() {
            &MEMOS_HR
        } else {
            &MEMOS_RO
        };
        self.rng.pick(memos).copied().unwrap_or("")
    }

    fn text(&self, ro: &str, hr: &str) -> String {
        if self.croatian() {
            hr.to_owned()
        } else {
            transfer_text(self.bank.style, ro)
        }
    }

    fn month_name(&self, date: NaiveDate) -> &'static str {
        let index = usize::try_from(date.month0()).unwrap_or(0);
        let names = if self.croatian() {
            &MONTHS_HR
        } else {
            &MONTHS_RO
        };
        names.get(index).copied().unwrap_or("")
    }

    // -----------------------------------------------------------------------------------------
    // Every day on the main account

    /// A ride: pending in the morning, booked just after the next midnight with the final fare.
    fn ride(&mut self, main: usize) {
        let authorized = self.between(self.day, hm(7, 30), hm(9, 30));
        let estimate = if self.croatian() {
            self.rng.range(500, 1_800)
        } else {
            self.rng.range(1_500, 4_500)
        };
        let change = self.rng.range(5, 25);
        let sign = if self.rng.chance(300) { -1 } else { 1 };
        let fare = estimate + sign * (estimate * change / 100).max(1);
        let posted_day = self.next_day(1);
        let posted = self.between(posted_day, hm(0, 5), hm(2, 50));
        let pos = format!("BOLT.EU/O/{}", self.rng.digits(4));
        let pending = card_text(
            self.bank.style,
            &self.text(
                "Autorizare card BOLT.EU/O",
                "Autorizacija kartice BOLT.EU/O",
            ),
        );
        let booked = if self.croatian() {
            format!("Kupnja karticom {pos} TALLINN EE")
        } else {
            card_text(self.bank.style, &format!("Plată POS {pos} TALLINN EE"))
        };
        let details = (self.bank.style == Style::Ing).then(|| Details {
            merchant: "Bolt".to_owned(),
            category: "Transport".to_owned(),
            location: "Tallinn".to_owned(),
        });
        self.card(
            main, authorized, posted, -estimate, -fare, pending, booked, details, None,
        );
    }

    /// A pre-authorisation released the next day: pending, then gone.
    fn released_hold(&mut self, main: usize) {
        let authorized = self.between(self.day, hm(12, 0), hm(20, 0));
        let released_day = self.next_day(1);
        let released = self.between(released_day, hm(10, 0), hm(14, 0));
        let amount = if self.croatian() {
            self.rng.range(5, 20) * 1_000
        } else {
            self.rng.range(4, 10) * 5_000
        };
        let holds: &'static [&'static str] = if self.croatian() {
            &HOLDS_HR
        } else {
            &HOLDS_RO
        };
        let merchant = self.rng.pick(holds).copied().unwrap_or("");
        let info = card_text(
            self.bank.style,
            &self.text(
                &format!("Preautorizare {merchant}"),
                &format!("Predautorizacija {merchant}"),
            ),
        );
        let utx_id = self.utx_id();
        self.push(Row {
            account: main,
            utx_id,
            appears_at: authorized,
            pending_until: Some(released),
            cancelled: true,
            pending_minor: -amount,
            booked_minor: -amount,
            pending_time: authorized,
            booked_time: authorized,
            pending_info: info.clone(),
            booked_info: info,
            details: None,
            exchange_rate: None,
            late: false,
        });
    }

    /// A posting dated today that the bank only shows two days later.
    fn late_posting(&mut self, main: usize) {
        let booked = self.between(self.day, hm(14, 0), hm(16, 0));
        let shown_day = self.next_day(2);
        let appears = self.between(shown_day, hm(9, 0), hm(11, 0));
        // Croatian amounts are in euro cents: a fifth of the lei figures.
        let scale = if self.croatian() { 5 } else { 1 };
        let (minor, info) = match self.rng.range(0, 3) {
            0 => (
                -self.rng.range(500, 750),
                self.text(
                    "Comision retragere numerar ATM altă bancă",
                    "Naknada za podizanje gotovine na tuđem bankomatu",
                ),
            ),
            1 => (
                self.rng.range(300, 2_500),
                self.text(
                    "Cashback tranzacții card",
                    "Povrat novca za kartične transakcije",
                ),
            ),
            2 => (
                self.rng.range(5_000, 30_000),
                self.text("Retur comandă eMAG", "Povrat robe - Pevex"),
            ),
            _ => (
                -self.rng.range(100, 900),
                self.text("Corecție comision tranzacție", "Ispravak naknade"),
            ),
        };
        let minor = minor / scale;
        let utx_id = self.utx_id();
        self.push(Row {
            account: main,
            utx_id,
            appears_at: appears,
            pending_until: None,
            cancelled: false,
            pending_minor: minor,
            booked_minor: minor,
            pending_time: booked,
            booked_time: booked,
            pending_info: info.clone(),
            booked_info: info,
            details: None,
            exchange_rate: None,
            late: true,
        });
    }

    // -----------------------------------------------------------------------------------------
    // Random rows

    fn purchase(&mut self, account: usize) {
        let Some(merchant) = self.rng.pick(self.merchants()) else {
            return;
        };
        let city = self.city();
        let authorized = self.between(self.day, hm(8, 0), hm(23, 45));
        let posted = self.posting();
        let amount = self.rng.range(merchant.lo, merchant.hi);
        let booked = if merchant.drifts {
            amount + amount * self.rng.range(5, 15) / 100
        } else {
            amount
        };
        let (pending_info, booked_info) = self.card_texts(merchant.pos, city, authorized);
        let details = self.details_for(merchant, city);
        self.card(
            account,
            authorized,
            posted,
            -amount,
            -booked,
            pending_info,
            booked_info,
            details,
            None,
        );
    }

    fn random_main(&mut self, main: usize) {
        // About 0.8 card payments a day, so that the salary keeps up with the spending.
        let purchases = match self.rng.range(0, 9) {
            0..=3 => 0,
            4..=7 => 1,
            _ => 2,
        };
        for _ in 0..purchases {
            self.purchase(main);
        }
        if self.rng.chance(100) {
            let at = self.between(self.day, hm(10, 0), hm(21, 0));
            let (amount, info) = if self.croatian() {
                (
                    self.rng.range(2, 10) * 1_000,
                    format!("Isplata gotovine na bankomatu {}", self.city()),
                )
            } else {
                let city = self.city().to_uppercase();
                (
                    self.rng.range(2, 10) * 5_000,
                    card_text(self.bank.style, &format!("Retragere numerar ATM {city}")),
                )
            };
            self.immediate(main, at, -amount, info);
        }
        if self.rng.chance(120) {
            // Late in the evening, local time.
            let at = self.between(self.day, hm(18, 0), hm(23, 59) + 59);
            let (person, memo) = (self.person(), self.memo());
            let amount = if self.croatian() {
                self.rng.range(1_000, 15_000)
            } else {
                self.rng.range(5_000, 60_000)
            };
            let info = self.text(
                &format!("Transfer primit de la {person} - {memo}"),
                &format!("Uplata od {person} - {memo}"),
            );
            self.immediate(main, at, amount, info);
        }
        if self.rng.chance(100) {
            let at = self.between(self.day, hm(8, 0), hm(22, 0));
            let (person, memo) = (self.person(), self.memo());
            let amount = if self.croatian() {
                self.rng.range(1_000, 12_000)
            } else {
                self.rng.range(5_000, 45_000)
            };
            let info = self.text(
                &format!("Transfer către {person} - {memo}"),
                &format!("Prijenos za {person} - {memo}"),
            );
            self.immediate(main, at, -amount, info);
        }
        if self.rng.chance(40) {
            // Just after midnight local: the UTC date is the previous day.
            let at = self.between(self.day, hm(0, 10), hm(2, 50));
            let person = self.person();
            let amount = if self.croatian() {
                self.rng.range(500, 5_000)
            } else {
                self.rng.range(2_000, 20_000)
            };
            let info = self.text(
                &format!("Transfer instant către {person}"),
                &format!("Instant prijenos za {person}"),
            );
            self.immediate(main, at, -amount, info);
        }
    }

    // -----------------------------------------------------------------------------------------
    // The calendar

    /// The 10th, or the Friday before when it falls on a weekend.
    fn is_payday(&self, day_of_month: u32) -> bool {
        let target = NaiveDate::from_ymd_opt(self.day.year(), self.day.month(), day_of_month);
        let Some(target) = target else {
            return false;
        };
        let adjusted = match target.weekday() {
            Weekday::Sat => target - Duration::days(1),
            Weekday::Sun => target - Duration::days(2),
            _ => target,
        };
        adjusted == self.day
    }

    fn monthly_main(&mut self, main: usize) {
        let dom = self.day.day();
        let month = self.month_name(self.day);
        if dom == 1 {
            // At 00:30 local: in UTC still the last day of the previous month.
            let at = self.at(self.day, hm(0, 30));
            let fee = match self.bank.style {
                Style::Bt => 500,
                Style::Ing => 750,
                Style::Bcr => 1_000,
                Style::Raiffeisen => 850,
                Style::ErsteHr => 265,
            };
            let info = self.text(
                &format!("Comision administrare cont {month}"),
                &format!("Naknada za vođenje računa - {month}"),
            );
            self.immediate(main, at, -fee, info);
        }
        let payday = if self.croatian() { 15 } else { 10 };
        if self.is_payday(payday) {
            let at = self.between(self.day, hm(9, 0), hm(10, 30));
            let year = self.day.year();
            let (amount, info) = if self.croatian() {
                (
                    self.rng.range(160_000, 185_000),
                    format!("Uplata plaće za {month} {year} - ACME d.o.o."),
                )
            } else {
                (
                    self.rng.range(780_000, 860_000),
                    transfer_text(
                        self.bank.style,
                        &format!("Încasare salariu {month} {year} - ACME SOFTWARE SRL"),
                    ),
                )
            };
            self.immediate(main, at, amount, info);
        }
        let bill = |ro: &str, hr: &str, lo: i64, hi: i64, hr_lo: i64, hr_hi: i64| {
            (ro.to_owned(), hr.to_owned(), lo, hi, hr_lo, hr_hi)
        };
        let due = match dom {
            15 => Some(bill(
                "Plată factură Enel Energie Muntenia",
                "HEP Elektra - račun za struju",
                12_000,
                32_000,
                3_500,
                9_000,
            )),
            20 => Some(bill(
                "Plată factură Orange România",
                "Hrvatski Telekom - mjesečni račun",
                4_500,
                7_000,
                2_500,
                4_500,
            )),
            25 => Some(bill(
                "Întreținere - Asociația de proprietari bl. 14",
                "Pričuva - upravitelj zgrade",
                35_000,
                65_000,
                4_000,
                7_000,
            )),
            _ => None,
        };
        if let Some((ro, hr, lo, hi, hr_lo, hr_hi)) = due {
            // Paid online in the evening.
            let at = self.between(self.day, hm(20, 0), hm(23, 50));
            let amount = if self.croatian() {
                self.rng.range(hr_lo, hr_hi)
            } else {
                self.rng.range(lo, hi)
            };
            let info = self.text(&ro, &hr);
            self.immediate(main, at, -amount, info);
        }
        if dom == 18 {
            // A subscription priced in EUR: the booked amount follows the day's exchange rate.
            let authorized = self.between(self.day, hm(3, 0), hm(6, 0));
            let posted = self.posting();
            let (pending, booked) = if self.croatian() {
                (1_199, 1_199)
            } else {
                let pending = self.rng.range(5_900, 6_100);
                (pending, pending + self.rng.range(-40, 40))
            };
            let (pending_info, booked_info) =
                self.card_texts("NETFLIX.COM", "Amsterdam", authorized);
            let details = (self.bank.style == Style::Ing).then(|| Details {
                merchant: "Netflix".to_owned(),
                category: "Subscriptions".to_owned(),
                location: "Amsterdam".to_owned(),
            });
            self.card(
                main,
                authorized,
                posted,
                -pending,
                -booked,
                pending_info,
                booked_info,
                details,
                None,
            );
        }
    }

    fn savings(&mut self, main: usize, savings: usize) {
        let dom = self.day.day();
        if dom == 11 {
            let at = self.between(self.day, hm(7, 0), hm(8, 0));
            let amount = self.rng.range(100, 150) * 1_000;
            let out = self.text("Transfer între conturi proprii - economii", "");
            let into = self.text("Transfer între conturi proprii - din cont curent", "");
            self.immediate(main, at, -amount, out);
            self.immediate(savings, at, amount, into);
        }
        if last_day_of_month(self.day) {
            let at = self.at(self.day, hm(23, 55));
            let interest = self.rng.range(1_500, 4_500);
            let interest_info = self.text("Dobândă capitalizată", "");
            let tax_info = self.text("Impozit pe dobândă 10%", "");
            self.immediate(savings, at, interest, interest_info);
            self.immediate(savings, at, -(interest / 10), tax_info);
        }
    }

    fn euro(&mut self, main: usize, eur: usize) {
        let dom = self.day.day();
        if dom == 12 {
            let at = self.between(self.day, hm(11, 0), hm(12, 0));
            let rate = self.rng.range(49_650, 49_850);
            let euros = self.rng.range(50, 300) * 100;
            let lei = euros * rate / 10_000;
            let rate_text = format!("{}.{:04}", rate / 10_000, rate % 10_000);
            let out = self.text(&format!("Schimb valutar RON-EUR la curs {rate_text}"), "");
            let into = self.text(&format!("Schimb valutar RON-EUR la curs {rate_text}"), "");
            self.immediate(main, at, -lei, out);
            self.immediate_with(eur, at, euros, into, Some(rate_text));
        }
        let is_current = self
            .bank
            .accounts
            .get(eur)
            .is_some_and(|a| a.kind == AccountKind::Current);
        if is_current && self.rng.chance(40) {
            let Some(&Abroad {
                pos,
                place,
                category,
                lo,
                hi,
                foreign,
            }) = self.rng.pick(&ABROAD)
            else {
                return;
            };
            let authorized = self.between(self.day, hm(9, 0), hm(22, 0));
            let posted = self.posting();
            let amount = self.rng.range(lo, hi);
            let (pending_info, mut booked_info) = self.card_texts(pos, place, authorized);
            let exchange_rate = foreign.map(|(currency, rate)| {
                booked_info.push_str(&format!(" ({currency})"));
                rate.to_owned()
            });
            let details = (self.bank.style == Style::Ing).then(|| Details {
                merchant: pos.to_owned(),
                category: category.to_owned(),
                location: place.to_owned(),
            });
            self.card(
                eur,
                authorized,
                posted,
                -amount,
                -amount,
                pending_info,
                booked_info,
                details,
                exchange_rate,
            );
        }
        if last_day_of_month(self.day) {
            let savings = self
                .bank
                .accounts
                .get(eur)
                .is_some_and(|a| a.kind == AccountKind::Savings);
            if savings {
                let at = self.at(self.day, hm(23, 58));
                let interest = self.rng.range(80, 600);
                let info = self.text("Dobândă capitalizată", "");
                self.immediate(eur, at, interest, info);
            }
        }
    }

    /// The day's card payments, drawn from their own random stream so that the monthly
    /// statement can add them up without generating whole days.
    fn card_payments(&mut self, card: usize) {
        let stream = Rng::keyed(self.seed, &format!("{}/card", self.utx_material));
        let main_stream = std::mem::replace(&mut self.rng, stream);
        if self.rng.chance(350) {
            self.purchase(card);
        }
        self.rng = main_stream;
    }

    fn credit_card(&mut self, main: usize, card: usize) {
        self.card_payments(card);
        if self.day.day() == 20 {
            // The statement (20th to 19th) is repaid in full from the current account.
            let mut spent = 0;
            let mut day = self.day;
            for _ in 0..31 {
                day = day.pred_opt().unwrap_or(day);
                spent += card_spend(self.bank, self.seed, day, card);
                if day.day() == 20 {
                    break;
                }
            }
            if spent < 0 {
                let at = self.between(self.day, hm(7, 0), hm(9, 0));
                let out = self.text("Rambursare card de credit", "");
                let into = self.text("Rambursare card de credit - încasare", "");
                self.immediate(main, at, spent, out);
                self.immediate(card, at, -spent, into);
            }
        }
    }

    /// On the days the clocks change: rows inside the skipped or doubled hour, and one at
    /// 00:20 local (previous day in UTC).
    fn clock_change(&mut self, main: usize) {
        let Some(hour) = dst_hour(self.bank.zone, self.day) else {
            return;
        };
        let early = self.at(self.day, hm(0, 20));
        let person = self.person();
        let info = self.text(
            &format!("Transfer instant către {person}"),
            &format!("Instant prijenos za {person}"),
        );
        let amount = self.rng.range(1_000, 9_000);
        self.immediate(main, early, -amount, info);
        for at in instances(self.bank.zone, self.day, hm(hour, 30)) {
            let amount = if self.croatian() { 5_000 } else { 20_000 };
            let city = self.city();
            let info = if self.croatian() {
                format!("Isplata gotovine na bankomatu {city} - noćna")
            } else {
                card_text(
                    self.bank.style,
                    &format!("Retragere numerar ATM NON-STOP {}", city.to_uppercase()),
                )
            };
            self.immediate(main, at, -amount, info);
        }
    }
}

fn last_day_of_month(date: NaiveDate) -> bool {
    date.succ_opt()
        .is_none_or(|next| next.month() != date.month())
}

/// What the card payments of `day` cost (negative minor units).
fn card_spend(bank: &Bank, seed: u64, day: NaiveDate, card: usize) -> i64 {
    let material = format!("{seed}/{}/{day}", bank.skill);
    let mut d = Day {
        bank,
        seed,
        day,
        rng: Rng::new(0),
        utx_material: material,
        last4: String::new(),
        rows: Vec::new(),
    };
    d.card_payments(card);
    d.rows.iter().map(|r| r.booked_minor).sum()
}

/// Every row that originates on `day` at `bank`, in a fixed order.
pub(crate) fn day_rows(bank: &Bank, seed: u64, day: NaiveDate) -> Vec<Row> {
    let material = format!("{seed}/{}/{day}", bank.skill);
    let mut d = Day {
        bank,
        seed,
        day,
        rng: Rng::keyed(seed, &material),
        utx_material: material,
        last4: card_last4(bank, seed),
        rows: Vec::new(),
    };
    let roles = roles(bank);
    d.clock_change(roles.main);
    d.monthly_main(roles.main);
    d.ride(roles.main);
    d.released_hold(roles.main);
    d.late_posting(roles.main);
    d.random_main(roles.main);
    if let Some(savings) = roles.savings {
        d.savings(roles.main, savings);
    }
    if let Some(eur) = roles.eur {
        d.euro(roles.main, eur);
    }
    if let Some(card) = roles.card {
        d.credit_card(roles.main, card);
    }
    d.rows
}

#[cfg(test)]
mod tests {
    use super::super::catalogue::BANKS;
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn days_are_reproducible_and_varied() {
        for bank in &BANKS {
            let a = day_rows(bank, 7, date("2026-03-10"));
            let b = day_rows(bank, 7, date("2026-03-10"));
            assert_eq!(a.len(), b.len());
            for (x, y) in a.iter().zip(&b) {
                assert_eq!(x.utx_id, y.utx_id);
                assert_eq!(x.booked_minor, y.booked_minor);
                assert_eq!(x.booked_info, y.booked_info);
            }
            let other = day_rows(bank, 8, date("2026-03-10"));
            assert_ne!(
                a.first().map(|r| &r.utx_id),
                other.first().map(|r| &r.utx_id)
            );
            // Every day: a ride that rebooks, a hold that cancels, a late posting.
            assert!(a
                .iter()
                .any(|r| r.pending_until.is_some() && r.pending_minor != r.booked_minor));
            assert!(a.iter().any(|r| r.cancelled));
            assert!(a.iter().any(|r| r.late && r.appears_at > r.booked_time));
            for row in &a {
                assert_eq!(row.utx_id.len(), 44, "{}", row.utx_id);
                assert!(row.appears_at >= local(bank.zone, date("2026-03-10"), 0));
                if let Some(until) = row.pending_until {
                    assert!(until > row.appears_at);
                }
            }
        }
    }

    #[test]
    fn local_times_resolve_across_daylight_saving() {
        let zone = chrono_tz::Europe::Bucharest;
        // 2026-03-29: 03:00 EET → 04:00 EEST.
        assert_eq!(dst_hour(zone, date("2026-03-29")), Some(3));
        assert_eq!(dst_hour(zone, date("2026-03-28")), None);
        assert_eq!(
            local(zone, date("2026-03-29"), hm(3, 30)).to_rfc3339(),
            "2026-03-29T01:30:00+00:00"
        );
        assert_eq!(
            local(zone, date("2026-03-29"), hm(0, 20)).to_rfc3339(),
            "2026-03-28T22:20:00+00:00"
        );
        // 2026-10-25: 04:00 EEST → 03:00 EET, so 03:30 happens twice.
        assert_eq!(dst_hour(zone, date("2026-10-25")), Some(3));
        let both = instances(zone, date("2026-10-25"), hm(3, 30));
        assert_eq!(both.len(), 2);
        assert_eq!(both[0].to_rfc3339(), "2026-10-25T00:30:00+00:00");
        assert_eq!(both[1].to_rfc3339(), "2026-10-25T01:30:00+00:00");
        // Zagreb switches at 02:00.
        assert_eq!(
            dst_hour(chrono_tz::Europe::Zagreb, date("2026-03-29")),
            Some(2)
        );
        let rows = day_rows(&BANKS[0], 1, date("2026-10-25"));
        let in_doubled_hour = rows
            .iter()
            .filter(|r| {
                r.booked_time
                    .with_timezone(&zone)
                    .format("%H:%M")
                    .to_string()
                    == "03:30"
            })
            .count();
        assert_eq!(in_doubled_hour, 2);
    }

    #[test]
    fn texts_keep_their_diacritics() {
        assert_eq!(
            cedilla("Plată în Timișoara, taxă"),
            "Plată în Timişoara, taxă"
        );
        assert_eq!(
            ascii("Tranzacție POS BUCUREȘTI"),
            "Tranzactie POS BUCURESTI"
        );
        let mut seen_comma = false;
        let mut seen_cedilla = false;
        for bank in &BANKS {
            for day in 1..=28 {
                let d = NaiveDate::from_ymd_opt(2026, 2, day).unwrap();
                for row in day_rows(bank, 3, d) {
                    seen_comma |= row.booked_info.contains(['ș', 'ț']);
                    seen_cedilla |= row.booked_info.contains(['ş', 'ţ']);
                }
            }
        }
        assert!(seen_comma && seen_cedilla);
    }
}
