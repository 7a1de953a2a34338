//! The Demo Bank: a deterministic, realistic ledger for a salaried person living in Oslo.
//!
//! Everything is simulated on an absolute calendar from [`ORIGIN`], one calendar month at a time,
//! and every random choice comes from a PRNG seeded by (year, month, stream). A month's events
//! therefore never depend on the day the ledger is looked at: `ledger(today)` only decides which
//! rows are visible and which are still pending. That is what lets sync tests fetch two different
//! days and expect the same ids, amounts and texts for the same real-world event.
//!
//! Three rules keep the simulation honest:
//! * every row generated for a month is booked inside that month, so ids (numbered per account
//!   and booking day) are fixed once the month has been generated;
//! * anything that reacts to balances (savings sweeps, top-ups, the card bill, interest) only
//!   looks at balances up to the day it happens, never at later days;
//! * all money is integer minor units (øre / euro cents) and exchange rates are fixed point with
//!   four decimals (`116_120` is 11.6120 NOK per EUR).

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};

/// What kind of product a demo account is; the adapter maps it onto the app's account types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoKind {
    Current,
    Savings,
    CreditCard,
}

/// One account of the Demo Bank as it looks on the requested day.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub id: &'static str,
    pub name: &'static str,
    pub number: &'static str,
    pub iban: Option<&'static str>,
    pub currency: &'static str,
    pub kind: DemoKind,
    /// First day of the returned window.
    pub opening_date: NaiveDate,
    /// Balance at the start of `opening_date`, before any of that day's rows.
    pub opening_balance_minor: i64,
    /// Booked balance at the end of `today`.
    pub balance_minor: i64,
    /// Booked balance plus pending rows.
    pub available_minor: i64,
}

/// One bank row. The same real-world event keeps its id on every day it is returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoTransaction {
    pub id: String,
    pub account_id: &'static str,
    pub booking_date: NaiveDate,
    pub value_date: NaiveDate,
    /// Negative is money out.
    pub amount_minor: i64,
    pub pending: bool,
    /// Raw bank text, boilerplate included.
    pub description: String,
    pub counterparty: Option<String>,
    /// Provider category slug; like real feeds, only some rows carry one.
    pub category: Option<&'static str>,
}

/// The Demo Bank as seen on one day.
#[derive(Debug, Clone)]
pub struct DemoLedger {
    pub accounts: Vec<DemoAccount>,
    pub transactions: Vec<DemoTransaction>,
}

/// The Demo Bank as seen on `today`: 24 months of history up to and including `today`.
pub fn ledger(today: NaiveDate) -> DemoLedger {
    let origin_balances = ACCOUNTS.map(|spec| spec.origin_balance_minor);
    if today < ORIGIN {
        let accounts = account_views(today, origin_balances, [0; 3], [0; 3]);
        return DemoLedger {
            accounts,
            transactions: Vec::new(),
        };
    }

    let opening_date = today
        .checked_sub_months(Months::new(HISTORY_MONTHS))
        .unwrap_or(ORIGIN)
        .max(ORIGIN);
    // Reservations clear after a day or two; anything older has been booked.
    let pending_from = today.pred_opt().unwrap_or(today);

    let mut simulation = Simulation::new();
    let mut opening = origin_balances;
    let mut booked = [0_i64; 3];
    let mut pending = [0_i64; 3];
    let mut transactions = Vec::with_capacity(3_000);

    let (mut year, mut month) = (ORIGIN.year(), ORIGIN.month());
    while (year, month) <= (today.year(), today.month()) {
        for posted in simulation.month(year, month) {
            let mut tx = posted.tx;
            let index = account_index(tx.account_id);
            if tx.booking_date > today {
                continue;
            }
            if tx.booking_date < opening_date {
                opening[index] += tx.amount_minor;
                continue;
            }
            tx.pending = posted.pendable && tx.booking_date >= pending_from;
            if tx.pending {
                pending[index] += tx.amount_minor;
            } else {
                booked[index] += tx.amount_minor;
            }
            transactions.push(tx);
        }
        (year, month) = if month == 12 {
            (year + 1, 1)
        } else {
            (year, month + 1)
        };
    }

    transactions.sort_by(|a, b| {
        (a.booking_date, a.account_id, &a.id).cmp(&(b.booking_date, b.account_id, &b.id))
    });
    DemoLedger {
        accounts: account_views(opening_date, opening, booked, pending),
        transactions,
    }
}

fn account_views(
    opening_date: NaiveDate,
    opening: [i64; 3],
    booked: [i64; 3],
    pending: [i64; 3],
) -> Vec<DemoAccount> {
    ACCOUNTS
        .iter()
        .enumerate()
        .map(|(index, spec)| {
            let balance = opening[index] + booked[index];
            DemoAccount {
                id: spec.id,
                name: spec.name,
                number: spec.number,
                iban: spec.iban,
                currency: spec.currency,
                kind: spec.kind,
                opening_date,
                opening_balance_minor: opening[index],
                balance_minor: balance,
                available_minor: balance + pending[index],
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Accounts and fixed facts
// ---------------------------------------------------------------------------------------------

const ORIGIN: NaiveDate = match NaiveDate::from_ymd_opt(2020, 1, 1) {
    Some(date) => date,
    None => NaiveDate::MIN,
};
const HISTORY_MONTHS: u32 = 24;

const CURRENT: &str = "demo-current";
const SAVINGS: &str = "demo-savings";
const CARD: &str = "demo-card";

// Norwegian banks issue a "kombikort": one physical card whose number carries both the debit
// function on Brukskonto and the Visa Reise credit function, so both accounts' texts show it.
const CARD_NUMBER: &str = "422149******0052";
const CARD_VISA: &str = "VISA 422149...0052";
const CARD_SHORT: &str = "*0052";

/// Four decimals, the precision Norwegian banks print after "Kurs:".
const FX_SCALE: i64 = 10_000;

struct AccountSpec {
    id: &'static str,
    name: &'static str,
    number: &'static str,
    iban: Option<&'static str>,
    currency: &'static str,
    kind: DemoKind,
    origin_balance_minor: i64,
}

// Account numbers carry valid MOD11 check digits and the IBANs valid MOD97 ones, so validators
// in the import path accept them.
const ACCOUNTS: [AccountSpec; 3] = [
    AccountSpec {
        id: CURRENT,
        name: "Brukskonto",
        number: "1503.42.17723",
        iban: Some("NO33 1503 4217 723"),
        currency: "NOK",
        kind: DemoKind::Current,
        origin_balance_minor: major(24_000),
    },
    AccountSpec {
        id: SAVINGS,
        name: "Sparekonto",
        number: "1503.42.33915",
        iban: Some("NO28 1503 4233 915"),
        currency: "NOK",
        kind: DemoKind::Savings,
        origin_balance_minor: major(60_000),
    },
    AccountSpec {
        id: CARD,
        name: "Visa Reise",
        number: CARD_NUMBER,
        iban: None,
        currency: "EUR",
        kind: DemoKind::CreditCard,
        origin_balance_minor: 0,
    },
];

fn account_index(id: &str) -> usize {
    match id {
        SAVINGS => 1,
        CARD => 2,
        _ => 0,
    }
}

// The Brukskonto is kept between these bounds the way a careful person would: skim the excess
// to savings the day after payday, and top up from savings before a bill can bounce.
const SWEEP_ABOVE: i64 = major(80_000);
const SWEEP_KEEP: i64 = major(60_000);
const TOP_UP_BELOW: i64 = major(3_000);
const TOP_UP_TO: i64 = major(15_000);

// ---------------------------------------------------------------------------------------------
// Deterministic randomness
// ---------------------------------------------------------------------------------------------

/// Independent random streams, so that adding a purchase to one habit never reshuffles another.
#[derive(Debug, Clone, Copy)]
enum Stream {
    Salary = 1,
    Loans,
    TaxSettlement,
    Housing,
    Utilities,
    Subscriptions,
    Groceries,
    Cafes,
    EatingOut,
    Transport,
    Shopping,
    Health,
    Vipps,
    Cash,
    TripPlan,
    Flights,
    Travel,
    Kiosk,
    Fx,
}

/// splitmix64: tiny, well mixed, and plenty for picking shops and prices.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn seeded(year: i32, month: u32, stream: Stream) -> Self {
        let key = (u64::from(year.unsigned_abs()) << 24)
            ^ (u64::from(month) << 16)
            ^ (stream as u64)
            ^ 0xC0FF_EE00_D3E0_0000;
        let mut rng = Self(key);
        // Neighbouring keys differ in few bits; one round spreads them before the first use.
        rng.next_u64();
        rng
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`; the modulo bias is irrelevant at these sizes.
    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo.wrapping_add_unsigned(self.below(hi.abs_diff(lo) + 1))
    }

    /// Uniform day (or other small count) in `lo..=hi`.
    fn day(&mut self, lo: u32, hi: u32) -> u32 {
        if hi <= lo {
            return lo;
        }
        lo + u32::try_from(self.below(u64::from(hi - lo) + 1)).unwrap_or(0)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[usize::try_from(self.below(items.len() as u64)).unwrap_or(0)]
    }

    fn code(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len).map(|_| char::from(*self.pick(alphabet))).collect()
    }
}

const DIGITS: &[u8] = b"0123456789";
const ALNUM: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
const LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";

/// Aggregator feeds only categorise part of the card rows; the app must cope with the rest.
fn card_category(rng: &mut Rng, slug: &'static str) -> Option<&'static str> {
    rng.chance(55).then_some(slug)
}

/// Bills come from known payees, so providers categorise most of them.
fn bill_category(rng: &mut Rng, slug: &'static str) -> Option<&'static str> {
    rng.chance(80).then_some(slug)
}

// ---------------------------------------------------------------------------------------------
// Calendar, prices and text helpers
// ---------------------------------------------------------------------------------------------

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// Easter Sunday (anonymous Gregorian algorithm); Norway's movable bank holidays hang off it.
fn easter(year: i32) -> Option<NaiveDate> {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

/// Days on which Norwegian banks do not book giros, salaries or transfers.
fn bank_holidays(year: i32) -> Vec<NaiveDate> {
    let fixed = [
        (1, 1),
        (5, 1),
        (5, 17),
        (12, 24),
        (12, 25),
        (12, 26),
        (12, 31),
    ]
    .into_iter()
    .filter_map(|(month, day)| NaiveDate::from_ymd_opt(year, month, day));
    let movable = easter(year).into_iter().flat_map(|sunday| {
        [
            sunday.checked_sub_days(Days::new(3)),
            sunday.checked_sub_days(Days::new(2)),
            sunday.checked_add_days(Days::new(1)),
            sunday.checked_add_days(Days::new(39)),
            sunday.checked_add_days(Days::new(50)),
        ]
        .into_iter()
        .flatten()
    });
    fixed.chain(movable).collect()
}

/// Consumer price level in per mille of 2020, so 2026 groceries cost what they did in 2026.
fn priced(year: i32, minor_2020: i64) -> i64 {
    let index = match year {
        ..=2020 => 1_000,
        2021 => 1_035,
        2022 => 1_090,
        2023 => 1_150,
        2024 => 1_190,
        2025 => 1_225,
        2026 => 1_260,
        later => 1_260 + 30 * i64::from(later - 2026),
    };
    minor_2020 * index / 1_000
}

/// Whole kroner (or euros) in minor units; keeps amounts readable without odd digit grouping.
const fn major(amount: i64) -> i64 {
    amount * 100
}

/// A price with øre/cents, e.g. `minor(9, 99)` for 9.99.
const fn minor(major: i64, cents: i64) -> i64 {
    major * 100 + cents
}

fn whole_kroner(amount: i64) -> i64 {
    amount / 100 * 100
}

/// Average EUR/NOK per year with a monthly wobble, as NOK per EUR in fixed point.
fn eur_nok(year: i32, month: u32) -> i64 {
    let centre = match year {
        ..=2020 => 107_200,
        2021 => 101_600,
        2022 => 101_000,
        2023 => 114_200,
        2024 => 116_300,
        2025 => 117_000,
        _ => 116_000,
    };
    centre + Rng::seeded(year, month, Stream::Fx).range(-2_500, 2_500)
}

fn to_nok(eur_minor: i64, rate: i64) -> i64 {
    (eur_minor * rate + FX_SCALE / 2) / FX_SCALE
}

fn money(minor: i64) -> String {
    let abs = minor.unsigned_abs();
    format!("{}.{:02}", abs / 100, abs % 100)
}

fn rate_text(rate: i64) -> String {
    format!("{}.{:04}", rate / FX_SCALE, rate % FX_SCALE)
}

fn ddmm(date: NaiveDate) -> String {
    format!("{:02}.{:02}", date.day(), date.month())
}

fn ddmmyy(date: NaiveDate) -> String {
    format!(
        "{:02}.{:02}.{:02}",
        date.day(),
        date.month(),
        date.year().rem_euclid(100)
    )
}

fn title_case(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first
            .to_uppercase()
            .chain(chars.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    }
}

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTHS_NO: [&str; 12] = [
    "JANUAR",
    "FEBRUAR",
    "MARS",
    "APRIL",
    "MAI",
    "JUNI",
    "JULI",
    "AUGUST",
    "SEPTEMBER",
    "OKTOBER",
    "NOVEMBER",
    "DESEMBER",
];

fn month_name(names: &[&'static str; 12], month: u32) -> &'static str {
    names[usize::try_from(month.clamp(1, 12) - 1).unwrap_or(0)]
}

// ---------------------------------------------------------------------------------------------
// Merchants
// ---------------------------------------------------------------------------------------------

/// A physical shop: `brand` is how some banks title-case it, `text` what the terminal sends.
struct Store {
    brand: &'static str,
    text: &'static str,
    city: &'static str,
}

const fn store(brand: &'static str, text: &'static str, city: &'static str) -> Store {
    Store { brand, text, city }
}

/// Same-chain shops in different neighbourhoods (and a repeated favourite to weight it) give
/// vendor normalisation something real to merge.
const GROCERS: &[Store] = &[
    store("Rema 1000", "REMA 1000 GRUNERLOKKA", "OSLO"),
    store("Rema 1000", "REMA 1000 GRUNERLOKKA", "OSLO"),
    store("Rema 1000", "REMA 1000 SANDAKER", "OSLO"),
    store("Rema 1000", "REMA 1000 TORGGATA", "OSLO"),
    store("Kiwi", "KIWI 505 TORSHOV", "OSLO"),
    store("Kiwi", "KIWI 505 TORSHOV", "OSLO"),
    store("Kiwi", "KIWI 312 SAGENE", "OSLO"),
    store("Kiwi", "KIWI 198 STORGATA", "OSLO"),
    store("Meny", "MENY STORO", "OSLO"),
    store("Meny", "MENY ULLEVÅL", "OSLO"),
    store("Coop Extra", "COOP EXTRA SAGENE", "OSLO"),
    store("Coop Extra", "COOP EXTRA BJØLSEN", "OSLO"),
    store("Joker", "JOKER ST.HANSHAUGEN", "OSLO"),
    store("Joker", "JOKER BERGSLIEN", "OSLO"),
    store("Bunnpris", "BUNNPRIS GRØNLAND", "OSLO"),
];

const WINE_SHOPS: &[Store] = &[
    store("Vinmonopolet", "VINMONOPOLET SAGENE", "OSLO"),
    store("Vinmonopolet", "VINMONOPOLET OSLO CITY", "OSLO"),
];

const CAFES: &[Store] = &[
    store("Espresso House", "ESPRESSO HOUSE 1206 MAJORSTUEN", "OSLO"),
    store("Espresso House", "ESPRESSO HOUSE STORO", "OSLO"),
    store("Espresso House", "ESPRESSO HOUSE 1187 OSLO S", "OSLO"),
    store("Kaffebrenneriet", "KAFFEBRENNERIET ST.HANSHAUGEN", "OSLO"),
    store("Tim Wendelboe", "TIM WENDELBOE AS", "OSLO"),
    store("Åpent Bakeri", "ÅPENT BAKERI GRÜNERLØKKA", "OSLO"),
    store("W.B. Samson", "W.B. SAMSON GRUNERLOKKA", "OSLO"),
    store("Starbucks", "STARBUCKS OSLO S", "OSLO"),
];

/// The office coffee spot where two identical taps on the same day happen.
const OFFICE_CAFE: Store = store("Espresso House", "ESPRESSO HOUSE 1206 MAJORSTUEN", "OSLO");

/// Whole-kroner coffee prices at 2020 levels.
const COFFEE_PRICES: &[i64] = &[
    major(39),
    major(45),
    major(49),
    major(52),
    major(55),
    major(59),
    major(64),
];

const RESTAURANTS: &[Store] = &[
    store("Peppes Pizza", "PEPPES PIZZA AKER BRYGGE", "OSLO"),
    store("Peppes Pizza", "PEPPES PIZZA STORO", "OSLO"),
    store("Egon", "EGON OSLO CITY", "OSLO"),
    store("Mathallen", "MATHALLEN VULKAN", "OSLO"),
    store("Burger King", "BURGER KING KARL JOHAN", "OSLO"),
    store("Villa Paradiso", "VILLA PARADISO GRUNERLOKKA", "OSLO"),
    store("Illegal Burger", "ILLEGAL BURGER MØLLERGATA", "OSLO"),
    store("Olivia", "OLIVIA AKER BRYGGE", "OSLO"),
    store("Sabi Sushi", "SABI SUSHI MAJORSTUEN", "OSLO"),
];

/// Weekend evenings out; bars mostly take cards through small terminals.
const BARS: &[Store] = &[
    store("Tilt", "TILT GRUNERLOKKA", "OSLO"),
    store("Bar Boca", "BAR BOCA", "OSLO"),
    store("Schouskjelleren", "SCHOUSKJELLEREN MIKROBRYGGERI", "OSLO"),
    store("Løkka Bar", "SUMUP *LØKKA BAR", "OSLO"),
    store("Grünerløkka Brygghus", "GRUNERLOKKA BRYGGHUS", "OSLO"),
];

const TAKEAWAY: &[&str] = &["FOODORA AS", "FOODORA AS", "WOLT OSLO", "WOLT.COM"];

const KIOSKS: &[Store] = &[
    store("Narvesen", "NARVESEN OSLO S", "OSLO"),
    store("Narvesen", "NARVESEN NATIONALTHEATRET", "OSLO"),
    store("7-Eleven", "7-ELEVEN 7034 KARL JOHAN", "OSLO"),
    store("7-Eleven", "7-ELEVEN TORSHOV", "OSLO"),
    store("Deli de Luca", "DELI DE LUCA BOGSTADVEIEN", "OSLO"),
    store("Circle K", "CIRCLE K STORO", "OSLO"),
];

const FUEL: &[Store] = &[
    store("Circle K", "CIRCLE K E6 KOLBOTN", "KOLBOTN"),
    store("Circle K", "CIRCLE K ULVEN", "OSLO"),
    store("Circle K", "CIRCLE K E18 SANDVIKA", "SANDVIKA"),
];

/// A shop with the price span (whole kroner, 2020 level) of what one buys there.
struct Shop {
    store: Store,
    min: i64,
    max: i64,
}

const SHOPS: &[Shop] = &[
    Shop {
        store: store("XXL", "XXL STORO", "OSLO"),
        min: 199,
        max: 1_999,
    },
    Shop {
        store: store("Elkjøp", "ELKJØP STORO", "OSLO"),
        min: 149,
        max: 3_990,
    },
    Shop {
        store: store("Elkjøp", "ELKJOP OSLO CITY", "OSLO"),
        min: 149,
        max: 2_490,
    },
    Shop {
        store: store("Clas Ohlson", "CLAS OHLSON 102 OSLO CITY", "OSLO"),
        min: 49,
        max: 899,
    },
    Shop {
        store: store("Clas Ohlson", "CLAS OHLSON 145 STORO", "OSLO"),
        min: 49,
        max: 899,
    },
    Shop {
        store: store("H&M", "H&M 0817 STORO", "OSLO"),
        min: 149,
        max: 899,
    },
    Shop {
        store: store("IKEA", "IKEA FURUSET", "OSLO"),
        min: 99,
        max: 2_999,
    },
    Shop {
        store: store("Normal", "NORMAL GRUNERLOKKA", "OSLO"),
        min: 39,
        max: 399,
    },
    Shop {
        store: store("Power", "POWER ULLEVÅL STADION", "OSLO"),
        min: 199,
        max: 3_490,
    },
    Shop {
        store: store("Norli", "NORLI UNIVERSITETSGATA", "OSLO"),
        min: 129,
        max: 499,
    },
];

const PHARMACIES: &[Store] = &[
    store("Apotek 1", "APOTEK 1 STORO", "OSLO"),
    store("Apotek 1", "APOTEK 1 JERNBANETORGET", "OSLO"),
    store("Vitus Apotek", "VITUS APOTEK SAGENE", "OSLO"),
    store("Vitus Apotek", "VITUSAPOTEK BOGSTADVEIEN", "OSLO"),
];

const DENTIST: Store = store("Tannlegene på Sagene", "TANNLEGENE PÅ SAGENE", "OSLO");
const DOCTOR: Store = store(
    "Legesenteret Ullevålsveien",
    "LEGESENTERET ULLEVÅLSVEIEN",
    "OSLO",
);

const ATMS: &[&str] = &["DNB STORO", "NORDEA TORGGATA", "SPAREBANK 1 GRUNERLOKKA"];

const FRIENDS: &[&str] = &[
    "Kari Nordmann",
    "Ola Hansen",
    "Ingrid Bakken",
    "Sindre Løvås",
    "Marte Sæther",
    "Jonas Haugen",
    "Åse Kristiansen",
];

#[derive(Debug, Clone, Copy)]
enum Airline {
    Ryanair,
    Lufthansa,
    Sas,
    Norwegian,
}

/// A holiday destination and the EUR merchants met there.
struct City {
    name: &'static str,
    country: &'static str,
    airlines: &'static [Airline],
    hotels: &'static [&'static str],
    restaurants: &'static [&'static str],
    cafes: &'static [&'static str],
    transit: &'static str,
    sights: &'static [&'static str],
    supermarkets: &'static [&'static str],
    atm: &'static str,
}

const CITIES: &[City] = &[
    City {
        name: "BARCELONA",
        country: "ES",
        airlines: &[Airline::Ryanair, Airline::Norwegian, Airline::Sas],
        hotels: &["HOTEL CATALONIA", "H10 CASANOVA", "HOTEL ONDA"],
        restaurants: &[
            "REST. LA PEPITA",
            "SUMUP *BAR PINOTXO",
            "TAPAS 24",
            "CERVECERIA CATALANA",
            "EL XAMPANYET",
        ],
        cafes: &["FEDERAL CAFE", "NOMAD COFFEE"],
        transit: "TMB METRO",
        sights: &["SAGRADA FAMILIA", "MUSEU PICASSO"],
        supermarkets: &["MERCADONA", "CARREFOUR EXPRESS"],
        atm: "CAIXABANK",
    },
    City {
        name: "MADRID",
        country: "ES",
        airlines: &[Airline::Norwegian, Airline::Sas, Airline::Ryanair],
        hotels: &["NH COLLECTION", "HOTEL URBAN"],
        restaurants: &[
            "SOBRINO DE BOTIN",
            "SUMUP *CASA LUCAS",
            "MERCADO DE SAN MIGUEL",
            "TABERNA LA BOBIA",
        ],
        cafes: &["HOLA COFFEE", "CAFE DE ORIENTE"],
        transit: "METRO DE MADRID",
        sights: &["MUSEO DEL PRADO", "PALACIO REAL"],
        supermarkets: &["CARREFOUR EXPRESS", "DIA"],
        atm: "BBVA",
    },
    City {
        name: "BERLIN",
        country: "DE",
        airlines: &[Airline::Lufthansa, Airline::Norwegian, Airline::Sas],
        hotels: &["MOTEL ONE BERLIN", "HOTEL ADLON"],
        restaurants: &[
            "CURRY 36",
            "ZETTLE_*MUSTAFAS GEMUESE",
            "LOKAL RESTAURANT",
            "AUGUSTINER AM GENDARMEN",
        ],
        cafes: &["THE BARN", "EINSTEIN KAFFEE"],
        transit: "BVG",
        sights: &["PERGAMONMUSEUM", "BERLINER FERNSEHTURM"],
        supermarkets: &["REWE", "EDEKA"],
        atm: "SPARKASSE",
    },
    City {
        name: "MUENCHEN",
        country: "DE",
        airlines: &[Airline::Lufthansa, Airline::Sas],
        hotels: &["HOTEL BAYERISCHER HOF", "MOTEL ONE MUENCHEN"],
        restaurants: &[
            "HOFBRAEUHAUS",
            "AUGUSTINER KLOSTERWIRT",
            "ZETTLE_*VIKTUALIENMARKT",
        ],
        cafes: &["MAN VERSUS MACHINE", "CAFE LUITPOLD"],
        transit: "MVG",
        sights: &["DEUTSCHES MUSEUM", "ALTE PINAKOTHEK"],
        supermarkets: &["REWE", "EDEKA"],
        atm: "SPARKASSE",
    },
    City {
        name: "ROMA",
        country: "IT",
        airlines: &[Airline::Ryanair, Airline::Norwegian, Airline::Sas],
        hotels: &["HOTEL ARTEMIDE", "HOTEL RAPHAEL"],
        restaurants: &[
            "DA ENZO AL 29",
            "ROSCIOLI",
            "PIZZERIA DA REMO",
            "SUMUP *TRAPIZZINO",
        ],
        cafes: &["SANT EUSTACHIO IL CAFFE", "TAZZA D ORO"],
        transit: "ATAC",
        sights: &["COLOSSEO", "MUSEI VATICANI"],
        supermarkets: &["CONAD", "CARREFOUR EXPRESS"],
        atm: "UNICREDIT",
    },
    City {
        name: "MILANO",
        country: "IT",
        airlines: &[Airline::Ryanair, Airline::Sas],
        hotels: &["HOTEL SPADARI", "STARHOTELS ROSA"],
        restaurants: &["LUINI PANZEROTTI", "TRATTORIA MILANESE", "SPONTINI"],
        cafes: &["PASTICCERIA MARCHESI", "CAMPARINO IN GALLERIA"],
        transit: "ATM MILANO",
        sights: &["DUOMO DI MILANO", "PINACOTECA DI BRERA"],
        supermarkets: &["ESSELUNGA", "CONAD"],
        atm: "INTESA SANPAOLO",
    },
];

/// Bank text for a card purchase in a physical shop. The same shop shows up in the formats the
/// different Norwegian card channels produce (Visa, BankAxept, and a bank that title-cases).
fn shop_text(rng: &mut Rng, shop: &Store, purchase: NaiveDate) -> String {
    match rng.below(100) {
        0..=49 => format!("{CARD_VISA} {} {} {}", ddmm(purchase), shop.text, shop.city),
        50..=69 => format!("VARER {} {} {}", ddmm(purchase), shop.text, shop.city),
        70..=89 => format!("Varekjøp {} {}", shop.text, ddmm(purchase)),
        _ => format!(
            "{} {} {} {}",
            shop.brand,
            title_case(shop.city),
            purchase.day(),
            month_name(&MONTHS_EN, purchase.month())
        ),
    }
}

/// Online and in-app purchases arrive with the amount and a (trivial) rate in the text.
fn online_text(purchase: NaiveDate, amount: i64, merchant: &str) -> String {
    format!(
        "{CARD_SHORT} {} NOK {} {merchant} Kurs: 1.0000",
        ddmm(purchase),
        money(amount)
    )
}

/// Most debit purchases book the same day, some a day or two later.
fn debit_lag(rng: &mut Rng) -> u32 {
    match rng.below(100) {
        0..=69 => 0,
        70..=94 => 1,
        _ => 2,
    }
}

// ---------------------------------------------------------------------------------------------
// Rows and months
// ---------------------------------------------------------------------------------------------

/// A generated row before it has an id.
#[derive(Debug, Clone)]
struct Entry {
    account: &'static str,
    booking: NaiveDate,
    value: NaiveDate,
    amount: i64,
    /// Card-network rows sit as reservations for a day or two; bank-internal rows never do.
    pendable: bool,
    description: String,
    counterparty: Option<String>,
    category: Option<&'static str>,
}

impl Entry {
    fn booked(account: &'static str, date: NaiveDate, amount: i64, description: String) -> Self {
        Self {
            account,
            booking: date,
            value: date,
            amount,
            pendable: false,
            description,
            counterparty: None,
            category: None,
        }
    }

    fn with_counterparty(mut self, name: &str) -> Self {
        self.counterparty = Some(name.to_owned());
        self
    }

    fn with_category(mut self, category: Option<&'static str>) -> Self {
        self.category = category;
        self
    }
}

/// A row with its final id, plus whether it may still show as pending.
struct Posted {
    tx: DemoTransaction,
    pendable: bool,
}

struct Month {
    year: i32,
    month: u32,
    first: NaiveDate,
    days: u32,
    holidays: Vec<NaiveDate>,
    /// NOK per EUR this month, used for the card bill and for debit purchases abroad.
    fx: i64,
    entries: Vec<Entry>,
}

impl Month {
    fn new(year: i32, month: u32) -> Option<Self> {
        Some(Self {
            year,
            month,
            first: NaiveDate::from_ymd_opt(year, month, 1)?,
            days: days_in_month(year, month),
            holidays: bank_holidays(year),
            fx: eur_nok(year, month),
            entries: Vec::with_capacity(128),
        })
    }

    fn rng(&self, stream: Stream) -> Rng {
        Rng::seeded(self.year, self.month, stream)
    }

    /// The given day of this month; out-of-range days clamp so rows never leave the month.
    fn date(&self, day: u32) -> NaiveDate {
        let offset = day.clamp(1, self.days) - 1;
        self.first
            .checked_add_days(Days::new(u64::from(offset)))
            .unwrap_or(self.first)
    }

    fn is_business_day(&self, day: u32) -> bool {
        let date = self.date(day);
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&date)
    }

    fn business_on_or_before(&self, day: u32) -> u32 {
        (1..=day.min(self.days))
            .rev()
            .find(|&d| self.is_business_day(d))
            .unwrap_or(day)
    }

    /// Giros due on a weekend are paid the next banking day, but never in the next month.
    fn business_on_or_after(&self, day: u32) -> u32 {
        (day.max(1)..=self.days)
            .find(|&d| self.is_business_day(d))
            .unwrap_or_else(|| self.business_on_or_before(day))
    }

    fn last_business_day(&self) -> u32 {
        self.business_on_or_before(self.days)
    }

    fn card_row(
        &self,
        account: &'static str,
        purchase_day: u32,
        lag: u32,
        amount: i64,
        description: String,
    ) -> Entry {
        Entry {
            account,
            booking: self.date(purchase_day + lag),
            value: self.date(purchase_day),
            amount,
            pendable: true,
            description,
            counterparty: None,
            category: None,
        }
    }

    fn push(&mut self, entry: Entry) {
        self.entries.push(entry);
    }

    fn balance_change(&self, account: &str) -> i64 {
        self.entries
            .iter()
            .filter(|e| e.account == account)
            .map(|e| e.amount)
            .sum()
    }
}

/// Running state carried from month to month. Only the past feeds it, so a month comes out the
/// same however far the simulation later runs.
struct Simulation {
    balances: [i64; 3],
    /// Sum and count of this year's savings month-end balances, for the yearly interest.
    savings_month_ends: i64,
    savings_months: i64,
}

impl Simulation {
    fn new() -> Self {
        Self {
            balances: ACCOUNTS.map(|spec| spec.origin_balance_minor),
            savings_month_ends: 0,
            savings_months: 0,
        }
    }

    fn month(&mut self, year: i32, month: u32) -> Vec<Posted> {
        let Some(mut m) = Month::new(year, month) else {
            return Vec::new();
        };

        let payday = income(&mut m);
        standing_savings_order(&mut m, payday);
        loans_and_investments(&mut m, payday);
        housing(&mut m);
        utilities(&mut m);
        subscriptions(&mut m);
        groceries(&mut m);
        cafes(&mut m);
        eating_out(&mut m);
        transport(&mut m);
        shopping(&mut m);
        health(&mut m);
        vipps(&mut m);
        cash(&mut m);
        travel(&mut m);
        fees(&mut m);
        card_bill(&mut m, self.balances[2]);
        daily_kiosk(&mut m);
        keep_current_in_range(&mut m, self.balances[0], payday);
        if month == 12 {
            let savings_end = self.balances[1] + m.balance_change(SAVINGS);
            let average = (self.savings_month_ends + savings_end) / (self.savings_months + 1);
            year_end_interest(&mut m, average);
        }

        for (index, spec) in ACCOUNTS.iter().enumerate() {
            self.balances[index] += m.balance_change(spec.id);
        }
        if month == 12 {
            self.savings_month_ends = 0;
            self.savings_months = 0;
        } else {
            self.savings_month_ends += self.balances[1];
            self.savings_months += 1;
        }
        post(m.entries)
    }
}

/// Numbers rows per (account, booking day) in generation order, which is fixed per month.
fn post(mut entries: Vec<Entry>) -> Vec<Posted> {
    entries.sort_by_key(|e| (e.booking, account_index(e.account)));
    let mut posted = Vec::with_capacity(entries.len());
    let mut previous: Option<(NaiveDate, &str)> = None;
    let mut slot = 0_u32;
    for entry in entries {
        let key = (entry.booking, entry.account);
        slot = if previous == Some(key) { slot + 1 } else { 1 };
        previous = Some(key);
        let id = format!(
            "{}-{:04}{:02}{:02}-{:03}",
            entry.account,
            entry.booking.year(),
            entry.booking.month(),
            entry.booking.day(),
            slot
        );
        posted.push(Posted {
            pendable: entry.pendable,
            tx: DemoTransaction {
                id,
                account_id: entry.account,
                booking_date: entry.booking,
                value_date: entry.value,
                amount_minor: entry.amount,
                pending: false,
                description: entry.description,
                counterparty: entry.counterparty,
                category: entry.category,
            },
        });
    }
    posted
}

// ---------------------------------------------------------------------------------------------
// Income and bank-internal movements
// ---------------------------------------------------------------------------------------------

const EMPLOYER: &str = "Nordlys Teknologi AS";

/// Salary, holiday pay and the tax settlement. Returns the payday.
fn income(m: &mut Month) -> u32 {
    let mut rng = m.rng(Stream::Salary);
    // The yearly wage settlement takes effect in May.
    let scale_year = if m.month >= 5 { m.year } else { m.year - 1 };
    let base = major(47_900) + major(1_350) * i64::from(scale_year - 2020);
    let mut net = base + rng.range(0, major(700));
    // November is "halv skatt": only half the usual tax is withheld.
    if m.month == 11 {
        net += net * 21 / 100;
    }
    // Payroll runs on the 25th, or the banking day before; December pays before Christmas.
    let payday = m.business_on_or_before(if m.month == 12 { 20 } else { 25 });
    let date = m.date(payday);
    m.push(
        Entry::booked(CURRENT, date, net, "LØNN FRA NORDLYS TEKNOLOGI AS".into())
            .with_counterparty(EMPLOYER)
            .with_category(Some("income")),
    );
    if m.month == 6 {
        let holiday_pay = base * 45 / 100 + rng.range(0, major(300));
        m.push(
            Entry::booked(
                CURRENT,
                date,
                holiday_pay,
                "FERIEPENGER FRA NORDLYS TEKNOLOGI AS".into(),
            )
            .with_counterparty(EMPLOYER)
            .with_category(Some("income")),
        );
    }

    // Refunds from last year's tax return are paid out in June or August.
    let mut tax = Rng::seeded(m.year, 0, Stream::TaxSettlement);
    let refund_month = if tax.chance(60) { 6 } else { 8 };
    let refund = tax.range(major(1_500), major(9_500));
    let refund_day = tax.day(18, 24);
    if m.month == refund_month {
        let day = m.business_on_or_after(refund_day);
        m.push(
            Entry::booked(
                CURRENT,
                m.date(day),
                refund,
                format!("SKATTEOPPGJØR {} SKATTEETATEN", m.year - 1),
            )
            .with_counterparty("Skatteetaten")
            .with_category(Some("income")),
        );
    }
    payday
}

fn transfer_to_savings(m: &mut Month, day: u32, amount: i64) {
    let date = m.date(day);
    m.push(
        Entry::booked(CURRENT, date, -amount, "Overføring til sparekonto".into())
            .with_counterparty("Sparekonto")
            .with_category(Some("transfers")),
    );
    m.push(
        Entry::booked(SAVINGS, date, amount, "Overføring fra brukskonto".into())
            .with_counterparty("Brukskonto")
            .with_category(Some("transfers")),
    );
}

fn transfer_from_savings(m: &mut Month, day: u32, amount: i64) {
    let date = m.date(day);
    m.push(
        Entry::booked(SAVINGS, date, -amount, "Overføring til brukskonto".into())
            .with_counterparty("Brukskonto")
            .with_category(Some("transfers")),
    );
    m.push(
        Entry::booked(CURRENT, date, amount, "Overføring fra sparekonto".into())
            .with_counterparty("Sparekonto")
            .with_category(Some("transfers")),
    );
}

/// The fixed monthly saving, scheduled for payday and raised a little every year.
fn standing_savings_order(m: &mut Month, payday: u32) {
    let amount = major(4_000) + major(250) * i64::from((m.year - 2020).max(0));
    transfer_to_savings(m, payday, amount);
}

/// Money that leaves the bank for good: the student loan and monthly index-fund saving.
fn loans_and_investments(m: &mut Month, payday: u32) {
    let mut rng = m.rng(Stream::Loans);
    let instalment = if m.year >= 2023 {
        major(2_140)
    } else {
        major(1_910)
    };
    let date = m.date(m.business_on_or_after(15));
    m.push(
        Entry::booked(
            CURRENT,
            date,
            -instalment,
            "AvtaleGiro STATENS LÅNEKASSE FOR UTDANNING".into(),
        )
        .with_counterparty("Statens lånekasse for utdanning"),
    );
    let date = m.date(m.business_on_or_after(payday + 1));
    m.push(
        Entry::booked(
            CURRENT,
            date,
            -major(3_000),
            "AvtaleGiro NORDNET BANK NUF".into(),
        )
        .with_counterparty("Nordnet Bank NUF")
        .with_category(bill_category(&mut rng, "transfers")),
    );
}

/// Sweeps and top-ups react to the day's closing balance, so they only depend on the past.
fn keep_current_in_range(m: &mut Month, opening: i64, payday: u32) {
    let mut per_day = vec![0_i64; usize::try_from(m.days).unwrap_or(31) + 1];
    for entry in m.entries.iter().filter(|e| e.account == CURRENT) {
        if let Some(slot) = per_day.get_mut(usize::try_from(entry.booking.day()).unwrap_or(0)) {
            *slot += entry.amount;
        }
    }
    let sweep_day = m.business_on_or_after(payday + 1);
    let mut balance = opening;
    for day in 1..=m.days {
        balance += per_day
            .get(usize::try_from(day).unwrap_or(0))
            .copied()
            .unwrap_or(0);
        if day == sweep_day && day > payday && balance > SWEEP_ABOVE {
            let amount = whole_thousands(balance - SWEEP_KEEP);
            transfer_to_savings(m, day, amount);
            balance -= amount;
        }
        if balance < TOP_UP_BELOW {
            let amount = whole_thousands(TOP_UP_TO - balance) + major(1_000);
            transfer_from_savings(m, day, amount);
            balance += amount;
        }
    }
}

fn whole_thousands(amount: i64) -> i64 {
    amount / major(1_000) * major(1_000)
}

/// Norwegian banks pay savings interest once a year, dated 31 December.
fn year_end_interest(m: &mut Month, average_balance: i64) {
    let basis_points = match m.year {
        ..=2020 => 40,
        2021 => 50,
        2022 => 175,
        2023 => 340,
        2024 => 410,
        2025 => 390,
        _ => 360,
    };
    let interest = average_balance.max(0) * basis_points / 10_000;
    let date = m.date(31);
    m.push(Entry::booked(SAVINGS, date, interest, "RENTER".into()).with_category(Some("income")));
}

/// The card statement closes at month end and is paid in full from Brukskonto on the 20th.
fn card_bill(m: &mut Month, card_balance_at_month_start: i64) {
    if card_balance_at_month_start >= 0 {
        return;
    }
    let eur = -card_balance_at_month_start;
    let nok = to_nok(eur, m.fx);
    let date = m.date(m.business_on_or_after(20));
    m.push(
        Entry::booked(CURRENT, date, -nok, "BETALING VISA REISE".into())
            .with_counterparty("Visa Reise")
            .with_category(Some("transfers")),
    );
    m.push(
        Entry::booked(CARD, date, eur, "INNBETALING - TAKK".into())
            .with_counterparty("Brukskonto")
            .with_category(Some("transfers")),
    );
}

fn fees(m: &mut Month) {
    let date = m.date(m.last_business_day());
    m.push(
        Entry::booked(CURRENT, date, -major(15), "Kontohold".into()).with_category(Some("fees")),
    );
    if m.month == 3 {
        let date = m.date(m.business_on_or_after(1));
        m.push(
            Entry::booked(CARD, date, -major(45), "ÅRSAVGIFT VISA REISE".into())
                .with_category(Some("fees")),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Bills
// ---------------------------------------------------------------------------------------------

fn housing(m: &mut Month) {
    let mut rng = m.rng(Stream::Housing);
    let rent = major(13_300) + major(300) * i64::from((m.year - 2020).max(0));
    let date = m.date(m.business_on_or_after(1));
    // Mostly paid by eFaktura; some months paid by hand with the landlord's own reference.
    let description = if rng.chance(30) {
        format!(
            "HUSLEIE {} {} FJELLHAUG EIENDOM AS",
            month_name(&MONTHS_NO, m.month),
            m.year
        )
    } else {
        "Efaktura FJELLHAUG EIENDOM AS".to_owned()
    };
    m.push(
        Entry::booked(CURRENT, date, -rent, description)
            .with_counterparty("Fjellhaug Eiendom AS")
            .with_category(bill_category(&mut rng, "housing")),
    );

    let premium = priced(m.year, major(289));
    let date = m.date(m.business_on_or_after(10));
    m.push(
        Entry::booked(
            CURRENT,
            date,
            -premium,
            "Efaktura GJENSIDIGE FORSIKRING ASA".into(),
        )
        .with_counterparty("Gjensidige Forsikring ASA")
        .with_category(bill_category(&mut rng, "housing")),
    );
}

fn utilities(m: &mut Month) {
    let mut rng = m.rng(Stream::Utilities);
    let month_index = usize::try_from(m.month.clamp(1, 12) - 1).unwrap_or(0);

    // Heating is electric in Oslo flats, so the power bill follows the winter.
    const POWER: [i64; 12] = [
        major(2_400),
        major(2_150),
        major(1_750),
        major(1_150),
        major(700),
        major(520),
        major(450),
        major(480),
        major(690),
        major(1_150),
        major(1_750),
        major(2_250),
    ];
    let price_spike =
        (m.year == 2021 && m.month >= 9) || m.year == 2022 || (m.year == 2023 && m.month <= 3);
    let mut power = priced(m.year, POWER[month_index]);
    if price_spike {
        power = power * 175 / 100;
    }
    power = power * rng.range(85, 115) / 100;
    let paid = m.date(m.business_on_or_after(rng.day(2, 12)));
    m.push(
        Entry::booked(
            CURRENT,
            paid,
            -power,
            format!("Nettgiro til: FJORDKRAFT AS Betalt: {}", ddmmyy(paid)),
        )
        .with_counterparty("Fjordkraft AS")
        .with_category(bill_category(&mut rng, "utilities")),
    );

    const GRID: [i64; 12] = [
        major(650),
        major(600),
        major(520),
        major(420),
        major(330),
        major(290),
        major(280),
        major(290),
        major(330),
        major(420),
        major(520),
        major(610),
    ];
    let grid = priced(m.year, GRID[month_index]) * rng.range(90, 110) / 100;
    let date = m.date(m.business_on_or_after(20));
    m.push(
        Entry::booked(CURRENT, date, -grid, "Efaktura ELVIA AS".into())
            .with_counterparty("Elvia AS")
            .with_category(bill_category(&mut rng, "utilities")),
    );

    let mobile = match m.year {
        ..=2022 => major(449),
        2023 => major(499),
        _ => major(529),
    } + if rng.chance(20) {
        rng.range(major(19), major(149))
    } else {
        0
    };
    m.push(
        Entry::booked(CURRENT, date, -mobile, "Efaktura TELENOR NORGE AS".into())
            .with_counterparty("Telenor Norge AS")
            .with_category(bill_category(&mut rng, "utilities")),
    );

    // Get was rebranded Telia in spring 2022; same contract, new payee text.
    let (text, payee, price) = if (m.year, m.month) < (2022, 5) {
        ("AvtaleGiro GET AS", "Get AS", major(649))
    } else {
        ("AvtaleGiro TELIA NORGE AS", "Telia Norge AS", major(699))
    };
    let date = m.date(m.business_on_or_after(15));
    m.push(
        Entry::booked(CURRENT, date, -price, text.into())
            .with_counterparty(payee)
            .with_category(bill_category(&mut rng, "utilities")),
    );
}

fn subscriptions(m: &mut Month) {
    let mut rng = m.rng(Stream::Subscriptions);

    let icloud = if m.year >= 2023 { major(49) } else { major(39) };
    let entry = m
        .card_row(
            CURRENT,
            3,
            rng.day(0, 1),
            -icloud,
            online_text(m.date(3), icloud, "APPLE.COM/BILL"),
        )
        .with_category(card_category(&mut rng, "subscriptions"));
    m.push(entry);

    // Gyms were closed in the spring 2020 lockdown and memberships were frozen.
    if !(m.year == 2020 && (4..=5).contains(&m.month)) {
        let fee = if m.year >= 2023 {
            major(699)
        } else {
            major(599)
        };
        let date = m.date(m.business_on_or_after(5));
        m.push(
            Entry::booked(CURRENT, date, -fee, "AvtaleGiro SATS NORGE AS".into())
                .with_counterparty("SATS Norge AS")
                .with_category(bill_category(&mut rng, "health")),
        );
    }

    let spotify = match (m.year, m.month) {
        (..=2022, _) | (2023, ..=7) => minor(9, 99),
        (2023..=2024, _) => minor(10, 99),
        _ => minor(11, 99),
    };
    let text = format!("SPOTIFY P{} STOCKHOLM SE", rng.code(ALNUM, 7));
    let entry = m
        .card_row(CARD, 14, 1, -spotify, text)
        .with_category(card_category(&mut rng, "subscriptions"));
    m.push(entry);

    let netflix = match m.year {
        ..=2021 => minor(11, 99),
        2022..=2023 => minor(13, 99),
        _ => minor(15, 49),
    };
    let entry = m
        .card_row(CARD, 8, 1, -netflix, "NETFLIX.COM AMSTERDAM NL".into())
        .with_category(card_category(&mut rng, "subscriptions"));
    m.push(entry);

    // Streaming TV only through the dark half of the year.
    if matches!(m.month, 11 | 12 | 1 | 2 | 3) {
        let (text, price) = if (m.year, m.month) < (2021, 10) {
            ("HBO NORDIC AB STOCKHOLM SE", minor(8, 99))
        } else {
            ("HBOMAX.COM AMSTERDAM NL", minor(9, 99))
        };
        let entry = m
            .card_row(CARD, 22, 1, -price, text.into())
            .with_category(card_category(&mut rng, "subscriptions"));
        m.push(entry);
    }
}

// ---------------------------------------------------------------------------------------------
// Everyday card spending
// ---------------------------------------------------------------------------------------------

fn debit_purchase(
    m: &Month,
    rng: &mut Rng,
    shop: &Store,
    day: u32,
    amount: i64,
    slug: &'static str,
) -> Entry {
    let lag = debit_lag(rng);
    let description = shop_text(rng, shop, m.date(day));
    m.card_row(CURRENT, day, lag, -amount, description)
        .with_category(card_category(rng, slug))
}

fn online_purchase(
    m: &Month,
    rng: &mut Rng,
    merchant: &str,
    day: u32,
    amount: i64,
    slug: &'static str,
) -> Entry {
    let lag = debit_lag(rng);
    let description = online_text(m.date(day), amount, merchant);
    m.card_row(CURRENT, day, lag, -amount, description)
        .with_category(card_category(rng, slug))
}

fn groceries(m: &mut Month) {
    let mut rng = m.rng(Stream::Groceries);
    for day in 1..=m.days {
        if !rng.chance(62) {
            continue;
        }
        // The big shop happens at the weekend; weekdays are top-ups on the way home.
        let big_shop = matches!(
            m.date(day).weekday(),
            Weekday::Fri | Weekday::Sat | Weekday::Sun
        );
        let base = if big_shop {
            rng.range(major(320), major(1_150))
        } else {
            rng.range(major(45), major(420))
        };
        let shop = rng.pick(GROCERS);
        let entry = debit_purchase(m, &mut rng, shop, day, priced(m.year, base), "groceries");
        m.push(entry);
    }
    for _ in 0..rng.range(0, 2) {
        let day = rng.day(1, m.days);
        let amount = whole_kroner(priced(m.year, rng.range(major(159), major(650))));
        let shop = rng.pick(WINE_SHOPS);
        let entry = debit_purchase(m, &mut rng, shop, day, amount, "groceries");
        m.push(entry);
    }
}

fn coffee_price(rng: &mut Rng, year: i32) -> i64 {
    whole_kroner(priced(year, *rng.pick(COFFEE_PRICES)))
}

fn cafes(m: &mut Month) {
    let mut rng = m.rng(Stream::Cafes);
    for day in 1..=m.days {
        if rng.chance(30) {
            let shop = rng.pick(CAFES);
            let price = coffee_price(&mut rng, m.year);
            let entry = debit_purchase(m, &mut rng, shop, day, price, "restaurants");
            m.push(entry);
        }
    }
    // Buying a colleague's coffee as a separate tap produces two rows identical in everything
    // but the id. Importers must keep both, so it happens at least once a quarter.
    if m.month.is_multiple_of(3) || rng.chance(40) {
        let day = rng.day(1, m.days);
        let price = coffee_price(&mut rng, m.year);
        let entry = debit_purchase(m, &mut rng, &OFFICE_CAFE, day, price, "restaurants");
        m.push(entry.clone());
        m.push(entry);
    }
}

fn eating_out(m: &mut Month) {
    let mut rng = m.rng(Stream::EatingOut);
    for _ in 0..rng.range(2, 4) {
        let day = rng.day(1, m.days);
        let merchant = *rng.pick(TAKEAWAY);
        let amount = whole_kroner(priced(m.year, rng.range(major(179), major(429))));
        let entry = online_purchase(m, &mut rng, merchant, day, amount, "restaurants");
        m.push(entry);
    }
    for _ in 0..rng.range(2, 4) {
        let day = rng.day(1, m.days);
        let shop = rng.pick(RESTAURANTS);
        let amount = whole_kroner(priced(m.year, rng.range(major(240), major(1_350))));
        let entry = debit_purchase(m, &mut rng, shop, day, amount, "restaurants");
        m.push(entry);
    }
    for day in 1..=m.days {
        let weekend_evening = matches!(m.date(day).weekday(), Weekday::Fri | Weekday::Sat);
        if weekend_evening && rng.chance(45) {
            let bar = rng.pick(BARS);
            let amount = whole_kroner(priced(m.year, rng.range(major(118), major(690))));
            let entry = debit_purchase(m, &mut rng, bar, day, amount, "restaurants");
            m.push(entry);
        }
    }
}

fn transport(m: &mut Month) {
    let mut rng = m.rng(Stream::Transport);
    // Working from home in spring and summer 2020 made the 30-day ticket pointless.
    let home_office = m.year == 2020 && (4..=8).contains(&m.month);
    if home_office {
        for _ in 0..rng.range(2, 5) {
            let day = rng.day(1, m.days);
            let entry = online_purchase(m, &mut rng, "RUTER AS", day, major(38), "transport");
            m.push(entry);
        }
    } else {
        let ticket = match m.year {
            ..=2020 => major(783),
            2021 => major(798),
            2022 => major(814),
            2023 => major(883),
            2024 => major(944),
            2025 => major(966),
            _ => major(990),
        };
        let day = rng.day(1, 4);
        let entry = online_purchase(m, &mut rng, "RUTER AS", day, ticket, "transport");
        m.push(entry);
    }
    if rng.chance(35) {
        let day = rng.day(1, m.days);
        let amount = whole_kroner(priced(m.year, rng.range(major(199), major(799))));
        let entry = online_purchase(m, &mut rng, "VY APP", day, amount, "transport");
        m.push(entry);
    }
    for _ in 0..rng.range(0, 2) {
        let day = rng.day(1, m.days);
        let amount = whole_kroner(priced(m.year, rng.range(major(119), major(389))));
        let merchant = format!(
            "BOLT.EU/O/{:02}{:02}{:02}{}",
            m.year.rem_euclid(100),
            m.month,
            day,
            rng.code(DIGITS, 4)
        );
        let entry = online_purchase(m, &mut rng, &merchant, day, amount, "transport");
        m.push(entry);
    }
    // No car: fuel only when borrowing or renting one.
    if rng.chance(20) {
        let day = rng.day(1, m.days);
        let amount = priced(m.year, rng.range(major(450), major(950)));
        let station = rng.pick(FUEL);
        let entry = debit_purchase(m, &mut rng, station, day, amount, "transport");
        m.push(entry);
    }
    if rng.chance(25) {
        let day = rng.day(1, m.days);
        let eur = rng.range(major(11), major(34));
        let entry = m
            .card_row(CARD, day, 1, -eur, "UBER *TRIP HELP.UBER.COM NL".into())
            .with_category(card_category(&mut rng, "transport"));
        m.push(entry);
    }
}

fn shopping(m: &mut Month) {
    let mut rng = m.rng(Stream::Shopping);
    // Black Friday and Christmas presents.
    let seasonal = match m.month {
        11 => 2,
        12 => 4,
        _ => 0,
    };
    for _ in 0..rng.range(1, 4) + seasonal {
        let day = rng.day(1, m.days);
        let shop = rng.pick(SHOPS);
        let amount = whole_kroner(priced(m.year, rng.range(shop.min, shop.max) * 100));
        let entry = debit_purchase(m, &mut rng, &shop.store, day, amount, "shopping");
        m.push(entry);
        // Returns come back as a card credit about a week later.
        if rng.chance(12) && day + 9 <= m.days {
            let back = day + rng.day(5, 9);
            let refund = if rng.chance(50) {
                amount
            } else {
                whole_kroner(amount * rng.range(30, 70) / 100)
            };
            let text = format!(
                "RETUR {} {} {}",
                ddmm(m.date(back)),
                shop.store.text,
                shop.store.city
            );
            let entry = m
                .card_row(CURRENT, back, 0, refund, text)
                .with_category(card_category(&mut rng, "shopping"));
            m.push(entry);
        }
    }
    if rng.chance(15) {
        let day = rng.day(1, m.days);
        let amount = whole_kroner(priced(m.year, rng.range(major(199), major(3_490))));
        let entry = online_purchase(m, &mut rng, "KOMPLETT.NO", day, amount, "shopping");
        m.push(entry);
    }
    if rng.chance(35) {
        let day = rng.day(1, m.days);
        let eur = rng.range(major(35), major(160));
        let entry = m
            .card_row(
                CARD,
                day,
                rng.day(1, 2),
                -eur,
                "ZALANDO SE BERLIN DE".into(),
            )
            .with_category(card_category(&mut rng, "shopping"));
        m.push(entry);
        // Kept inside the month so a return can never push the card into credit.
        if rng.chance(45) && day + 9 <= m.days {
            let back = day + rng.day(6, 9);
            let refund = if rng.chance(40) {
                eur
            } else {
                eur * rng.range(30, 70) / 100
            };
            let entry = m
                .card_row(CARD, back, 0, refund, "RETUR ZALANDO SE BERLIN DE".into())
                .with_category(card_category(&mut rng, "shopping"));
            m.push(entry);
        }
    }
    if rng.chance(15) {
        let day = rng.day(1, m.days);
        let eur = rng.range(major(12), major(90));
        let text = format!("AMZN MKTP DE*{} AMAZON.DE DE", rng.code(ALNUM, 9));
        let entry = m
            .card_row(CARD, day, rng.day(1, 2), -eur, text)
            .with_category(card_category(&mut rng, "shopping"));
        m.push(entry);
    }
}

fn health(m: &mut Month) {
    let mut rng = m.rng(Stream::Health);
    if rng.chance(70) {
        for _ in 0..rng.range(1, 2) {
            let day = rng.day(1, m.days);
            let amount = priced(m.year, rng.range(major(69), major(489)));
            let pharmacy = rng.pick(PHARMACIES);
            let entry = debit_purchase(m, &mut rng, pharmacy, day, amount, "health");
            m.push(entry);
        }
    }
    if matches!(m.month, 3 | 9) && rng.chance(60) {
        let day = m.business_on_or_after(rng.day(2, 26));
        let amount = whole_kroner(priced(m.year, rng.range(major(890), major(2_650))));
        let entry = debit_purchase(m, &mut rng, &DENTIST, day, amount, "health");
        m.push(entry);
    }
    if rng.chance(20) {
        let day = m.business_on_or_after(rng.day(2, 26));
        let amount = whole_kroner(rng.range(major(160), major(375)));
        let entry = debit_purchase(m, &mut rng, &DOCTOR, day, amount, "health");
        m.push(entry);
    }
}

/// Splitting bills with friends; person-to-person, so providers leave them uncategorised.
fn vipps(m: &mut Month) {
    let mut rng = m.rng(Stream::Vipps);
    for _ in 0..rng.range(0, 3) {
        let day = rng.day(1, m.days);
        let friend = *rng.pick(FRIENDS);
        let amount = whole_kroner(rng.range(major(50), major(650)));
        let entry = m
            .card_row(CURRENT, day, 0, -amount, format!("Vipps*{friend}"))
            .with_counterparty(friend);
        m.push(entry);
    }
    if rng.chance(50) {
        let day = rng.day(1, m.days);
        let friend = *rng.pick(FRIENDS);
        let amount = whole_kroner(rng.range(major(100), major(450)));
        let date = m.date(day);
        m.push(
            Entry::booked(CURRENT, date, amount, format!("Vipps fra {friend}"))
                .with_counterparty(friend),
        );
    }
}

fn cash(m: &mut Month) {
    let mut rng = m.rng(Stream::Cash);
    if rng.chance(20) {
        let day = rng.day(1, m.days);
        let amount = *rng.pick(&[major(200), major(500), major(500), major(1_000)]);
        let text = format!("MINIBANK {} {} OSLO", ddmm(m.date(day)), rng.pick(ATMS));
        let entry = m.card_row(CURRENT, day, debit_lag(&mut rng), -amount, text);
        m.push(entry);
    }
}

/// Something small is bought every day, so whatever day the ledger is viewed, the last day or
/// two carry at least one pending card row.
fn daily_kiosk(m: &mut Month) {
    let mut rng = m.rng(Stream::Kiosk);
    let mut covered = vec![false; usize::try_from(m.days).unwrap_or(31) + 1];
    for entry in &m.entries {
        if entry.account == CURRENT && entry.pendable && entry.amount < 0 {
            if let Some(flag) = covered.get_mut(usize::try_from(entry.booking.day()).unwrap_or(0)) {
                *flag = true;
            }
        }
    }
    for day in 1..=m.days {
        let kiosk = rng.pick(KIOSKS);
        let amount = priced(m.year, rng.range(major(29), major(129)));
        let text = shop_text(&mut rng, kiosk, m.date(day));
        let category = card_category(&mut rng, "groceries");
        let is_covered = covered
            .get(usize::try_from(day).unwrap_or(0))
            .copied()
            .unwrap_or(true);
        if !is_covered {
            let entry = m
                .card_row(CURRENT, day, 0, -amount, text)
                .with_category(category);
            m.push(entry);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Travel on the EUR card
// ---------------------------------------------------------------------------------------------

struct Trip {
    month: u32,
    start: u32,
    nights: u32,
    city: &'static City,
}

/// The year's holidays. Nobody flew between March 2020 and autumn 2021; after that there is a
/// spring and an autumn city break, never in adjacent months so the card stays under its limit.
fn trips(year: i32) -> Vec<Trip> {
    let mut rng = Rng::seeded(year, 0, Stream::TripPlan);
    let months: Vec<u32> = match year {
        ..=2019 => Vec::new(),
        2020 => vec![2],
        2021 => vec![rng.day(9, 10)],
        _ => vec![rng.day(4, 6), rng.day(9, 10)],
    };
    months
        .into_iter()
        .map(|month| {
            let nights = rng.day(3, 5);
            // Whole trip, checkout and late card bookings included, inside the month.
            let latest_start = days_in_month(year, month) - nights - 3;
            Trip {
                month,
                start: rng.day(2, latest_start),
                nights,
                city: rng.pick(CITIES),
            }
        })
        .collect()
}

fn travel(m: &mut Month) {
    // Flights are bought a few weeks ahead, in the month before the trip.
    let (next_year, next_month) = if m.month == 12 {
        (m.year + 1, 1)
    } else {
        (m.year, m.month + 1)
    };
    for trip in trips(next_year)
        .into_iter()
        .filter(|t| t.month == next_month)
    {
        book_flight(m, &trip);
    }
    let month = m.month;
    for trip in trips(m.year).into_iter().filter(|t| t.month == month) {
        holiday(m, &trip);
    }
}

fn book_flight(m: &mut Month, trip: &Trip) {
    let mut rng = m.rng(Stream::Flights);
    let day = rng.day(1, m.days);
    let eur = rng.range(major(110), major(380));
    let text = match *rng.pick(trip.city.airlines) {
        Airline::Ryanair => format!(
            "RYANAIR FR{}{} DUBLIN IE",
            rng.code(DIGITS, 4),
            rng.code(LETTERS, 3)
        ),
        Airline::Lufthansa => format!("LUFTHANSA 220{} FRANKFURT DE", rng.code(DIGITS, 10)),
        Airline::Sas => format!("SAS 117{} STOCKHOLM SE", rng.code(DIGITS, 10)),
        Airline::Norwegian => format!("NORWEGIAN AIR 328{} FORNEBU NO", rng.code(DIGITS, 10)),
    };
    let entry = m
        .card_row(CARD, day, rng.day(1, 2), -eur, text)
        .with_category(card_category(&mut rng, "travel"));
    m.push(entry);
}

fn foreign_card(
    m: &Month,
    rng: &mut Rng,
    day: u32,
    eur: i64,
    text: String,
    slug: &'static str,
) -> Entry {
    // Foreign acquirers settle a day or two late.
    m.card_row(CARD, day, rng.day(1, 2), -eur, text)
        .with_category(card_category(rng, slug))
}

fn holiday(m: &mut Month, trip: &Trip) {
    let mut rng = m.rng(Stream::Travel);
    let city = trip.city;
    let at = |merchant: &str| format!("{merchant} {} {}", city.name, city.country);
    let checkout = trip.start + trip.nights;

    // The airport train is paid in NOK on the debit card, both ways.
    for day in [trip.start, checkout] {
        let fare = whole_kroner(priced(m.year, major(180)));
        let entry = online_purchase(m, &mut rng, "FLYTOGET AS", day, fare, "transport");
        m.push(entry);
    }

    for day in trip.start..=checkout {
        let travel_day = day == trip.start || day == checkout;
        for _ in 0..if travel_day { 1 } else { 2 } {
            let name = *rng.pick(city.restaurants);
            let eur = rng.range(major(12), major(55));
            let entry = foreign_card(m, &mut rng, day, eur, at(name), "restaurants");
            m.push(entry);
        }
        if rng.chance(70) {
            let name = *rng.pick(city.cafes);
            let eur = rng.range(major(3), major(9));
            let entry = foreign_card(m, &mut rng, day, eur, at(name), "restaurants");
            m.push(entry);
        }
        if rng.chance(60) {
            let (text, eur) = if rng.chance(50) {
                (at(city.transit), rng.range(minor(2, 40), major(15)))
            } else {
                (
                    "UBER *TRIP HELP.UBER.COM NL".to_owned(),
                    rng.range(major(8), major(25)),
                )
            };
            let entry = foreign_card(m, &mut rng, day, eur, text, "transport");
            m.push(entry);
        }
        if !travel_day && rng.chance(45) {
            let name = *rng.pick(city.sights);
            let eur = rng.range(major(12), major(25));
            let entry = foreign_card(m, &mut rng, day, eur, at(name), "travel");
            m.push(entry);
        }
        if rng.chance(40) {
            let name = *rng.pick(city.supermarkets);
            let eur = rng.range(major(5), major(35));
            let entry = foreign_card(m, &mut rng, day, eur, at(name), "groceries");
            m.push(entry);
        }
    }

    // Hotels charge at checkout.
    let nightly = rng.range(major(80), major(150));
    let hotel = *rng.pick(city.hotels);
    let entry = foreign_card(
        m,
        &mut rng,
        checkout,
        nightly * i64::from(trip.nights),
        at(hotel),
        "travel",
    );
    m.push(entry);

    // A few taps with the debit card by habit: converted by the bank, rate in the text.
    for _ in 0..rng.range(1, 2) {
        let day = rng.day(trip.start, checkout);
        let eur = rng.range(major(8), major(40));
        let rate = m.fx + rng.range(100, 250);
        let name = *rng.pick(city.restaurants);
        let text = format!(
            "{CARD_SHORT} {} EUR {} {name} Kurs: {}",
            ddmm(m.date(day)),
            money(eur),
            rate_text(rate)
        );
        let entry = m
            .card_row(CURRENT, day, rng.day(1, 2), -to_nok(eur, rate), text)
            .with_category(card_category(&mut rng, "restaurants"));
        m.push(entry);
    }
    if rng.chance(50) {
        let day = rng.day(trip.start, checkout);
        let eur = *rng.pick(&[major(50), major(100), major(200)]);
        let rate = m.fx + rng.range(100, 250);
        let text = format!(
            "MINIBANK {} {} {} {} EUR {} Kurs: {}",
            ddmm(m.date(day)),
            city.atm,
            city.name,
            city.country,
            money(eur),
            rate_text(rate)
        );
        let withdrawal = m.card_row(CURRENT, day, 1, -to_nok(eur, rate), text);
        let fee = Entry::booked(
            CURRENT,
            withdrawal.booking,
            -major(40),
            "Gebyr minibank utland".into(),
        )
        .with_category(Some("fees"));
        m.push(withdrawal);
        m.push(fee);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    fn d(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    fn account<'a>(l: &'a DemoLedger, id: &str) -> &'a DemoAccount {
        l.accounts.iter().find(|a| a.id == id).unwrap()
    }

    const CATEGORIES: [&str; 12] = [
        "groceries",
        "restaurants",
        "transport",
        "housing",
        "utilities",
        "subscriptions",
        "shopping",
        "travel",
        "health",
        "fees",
        "income",
        "transfers",
    ];

    fn signed(minor: i64) -> String {
        let sign = if minor < 0 { "-" } else { "" };
        format!("{sign}{}", money(minor))
    }

    #[test]
    fn same_day_gives_the_same_ledger() {
        let today = d(2026, 11, 21);
        let a = ledger(today);
        let b = ledger(today);
        assert_eq!(a.transactions, b.transactions);
        assert_eq!(a.accounts.len(), b.accounts.len());
        for (x, y) in a.accounts.iter().zip(&b.accounts) {
            assert_eq!(x.id, y.id);
            assert_eq!(x.name, y.name);
            assert_eq!(x.number, y.number);
            assert_eq!(x.iban, y.iban);
            assert_eq!(x.currency, y.currency);
            assert_eq!(x.kind, y.kind);
            assert_eq!(x.opening_date, y.opening_date);
            assert_eq!(x.opening_balance_minor, y.opening_balance_minor);
            assert_eq!(x.balance_minor, y.balance_minor);
            assert_eq!(x.available_minor, y.available_minor);
        }
    }

    fn assert_consistent(d1: NaiveDate, d2: NaiveDate) {
        let a = ledger(d1);
        let b = ledger(d2);
        let in_a: HashMap<&str, &DemoTransaction> =
            a.transactions.iter().map(|t| (t.id.as_str(), t)).collect();
        let in_b: HashMap<&str, &DemoTransaction> =
            b.transactions.iter().map(|t| (t.id.as_str(), t)).collect();
        let (open_a, open_b) = (a.accounts[0].opening_date, b.accounts[0].opening_date);

        let mut shared = 0;
        for tb in &b.transactions {
            let Some(ta) = in_a.get(tb.id.as_str()) else {
                // Only rows outside the first day's window may be new.
                assert!(tb.booking_date > d1, "{} missing on {d1}", tb.id);
                continue;
            };
            shared += 1;
            assert_eq!(ta.account_id, tb.account_id, "{}", tb.id);
            assert_eq!(ta.booking_date, tb.booking_date, "{}", tb.id);
            assert_eq!(ta.value_date, tb.value_date, "{}", tb.id);
            assert_eq!(ta.amount_minor, tb.amount_minor, "{}", tb.id);
            assert_eq!(ta.description, tb.description, "{}", tb.id);
            assert_eq!(ta.counterparty, tb.counterparty, "{}", tb.id);
            assert_eq!(ta.category, tb.category, "{}", tb.id);
            assert!(ta.pending || !tb.pending, "{} went back to pending", tb.id);
        }
        for ta in &a.transactions {
            if ta.booking_date >= open_b {
                assert!(
                    in_b.contains_key(ta.id.as_str()),
                    "{} vanished on {d2}",
                    ta.id
                );
            }
        }
        assert!(shared > 1_000, "only {shared} shared rows");

        // The later opening balance is the earlier one rolled forward over the dropped days.
        for (acc_a, acc_b) in a.accounts.iter().zip(&b.accounts) {
            let dropped: i64 = a
                .transactions
                .iter()
                .filter(|t| t.account_id == acc_a.id && t.booking_date < open_b)
                .map(|t| t.amount_minor)
                .sum();
            assert_eq!(
                acc_a.opening_balance_minor + dropped,
                acc_b.opening_balance_minor
            );
            assert!(open_a <= open_b);
        }
    }

    #[test]
    fn rows_are_stable_across_days() {
        assert_consistent(d(2026, 11, 21), d(2026, 11, 24));
        assert_consistent(d(2026, 11, 29), d(2026, 12, 2));
        assert_consistent(d(2026, 12, 31), d(2027, 1, 1));
        assert_consistent(d(2025, 2, 27), d(2025, 3, 1));
        assert_consistent(d(2024, 6, 24), d(2024, 6, 26));
        // Day by day over the year end, where interest, Christmas pay and bank holidays meet.
        let mut day = d(2026, 12, 24);
        while day < d(2027, 1, 3) {
            let next = day.succ_opt().unwrap();
            assert_consistent(day, next);
            day = next;
        }
    }

    #[test]
    fn ids_are_unique_and_rows_sorted() {
        for today in [d(2026, 11, 21), d(2027, 1, 1), d(2021, 3, 15)] {
            let l = ledger(today);
            let mut seen = HashSet::new();
            for t in &l.transactions {
                assert!(seen.insert(t.id.clone()), "duplicate id {}", t.id);
                assert!(t.id.starts_with(t.account_id));
            }
            for pair in l.transactions.windows(2) {
                let key = |t: &DemoTransaction| (t.booking_date, t.account_id, t.id.clone());
                assert!(key(&pair[0]) < key(&pair[1]));
            }
        }
    }

    #[test]
    fn balances_add_up() {
        for today in [
            d(2026, 11, 21),
            d(2026, 11, 24),
            d(2025, 1, 1),
            d(2020, 3, 10),
            d(2031, 7, 4),
        ] {
            let l = ledger(today);
            for acc in &l.accounts {
                let rows = l.transactions.iter().filter(|t| t.account_id == acc.id);
                let booked: i64 = rows
                    .clone()
                    .filter(|t| !t.pending)
                    .map(|t| t.amount_minor)
                    .sum();
                let pending: i64 = rows.filter(|t| t.pending).map(|t| t.amount_minor).sum();
                assert_eq!(
                    acc.balance_minor,
                    acc.opening_balance_minor + booked,
                    "{today}"
                );
                assert_eq!(acc.available_minor, acc.balance_minor + pending, "{today}");
            }
        }
    }

    #[test]
    fn window_is_24_months() {
        let l = ledger(d(2026, 11, 21));
        assert!(l.accounts.iter().all(|a| a.opening_date == d(2024, 11, 21)));
        let first = l.transactions.first().unwrap().booking_date;
        let last = l.transactions.last().unwrap().booking_date;
        assert_eq!(first, d(2024, 11, 21));
        assert_eq!(last, d(2026, 11, 21));

        let leap = ledger(d(2028, 2, 29));
        assert_eq!(leap.accounts[0].opening_date, d(2026, 2, 28));

        // Near the origin the window is clamped, and the first month is complete.
        let early = ledger(d(2020, 6, 15));
        assert_eq!(early.accounts[0].opening_date, ORIGIN);
        for acc in &early.accounts {
            let spec = &ACCOUNTS[account_index(acc.id)];
            assert_eq!(acc.opening_balance_minor, spec.origin_balance_minor);
        }
    }

    #[test]
    fn before_origin_has_no_history() {
        let l = ledger(d(2019, 5, 1));
        assert!(l.transactions.is_empty());
        assert_eq!(l.accounts.len(), 3);
        for acc in &l.accounts {
            assert_eq!(acc.balance_minor, acc.opening_balance_minor);
            assert_eq!(acc.available_minor, acc.balance_minor);
        }
    }

    #[test]
    fn recent_card_rows_are_pending() {
        let mut day = d(2026, 10, 1);
        while day <= d(2026, 11, 30) {
            let l = ledger(day);
            let pending: Vec<_> = l.transactions.iter().filter(|t| t.pending).collect();
            assert!(!pending.is_empty(), "no pending rows on {day}");
            for t in &pending {
                assert!(t.booking_date >= day.pred_opt().unwrap(), "{}", t.id);
                assert!(t.counterparty.is_none() || t.description.starts_with("Vipps"));
                assert!(t.category != Some("income") && t.category != Some("transfers"));
            }
            // Older rows are all booked.
            assert!(l
                .transactions
                .iter()
                .filter(|t| t.booking_date < day.pred_opt().unwrap())
                .all(|t| !t.pending));
            day = day.succ_opt().unwrap();
        }
    }

    #[test]
    fn accounts_have_the_expected_kinds_and_currencies() {
        let l = ledger(d(2026, 11, 21));
        let current = account(&l, CURRENT);
        let savings = account(&l, SAVINGS);
        let card = account(&l, CARD);
        assert_eq!(
            (current.name, current.kind, current.currency),
            ("Brukskonto", DemoKind::Current, "NOK")
        );
        assert_eq!(
            (savings.name, savings.kind, savings.currency),
            ("Sparekonto", DemoKind::Savings, "NOK")
        );
        assert_eq!(
            (card.name, card.kind, card.currency),
            ("Visa Reise", DemoKind::CreditCard, "EUR")
        );
        assert!(card.iban.is_none() && current.iban.is_some() && savings.iban.is_some());
        assert_eq!(card.number, "422149******0052");
    }

    fn mod11_ok(number: &str) -> bool {
        let digits: Vec<u32> = number.chars().filter_map(|c| c.to_digit(10)).collect();
        let weights = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
        let sum: u32 = digits.iter().zip(weights).map(|(d, w)| d * w).sum();
        let check = match 11 - sum % 11 {
            11 => 0,
            c => c,
        };
        digits.len() == 11 && check == digits[10]
    }

    fn iban_ok(iban: &str) -> bool {
        let compact: String = iban.chars().filter(|c| !c.is_whitespace()).collect();
        let rearranged = format!("{}{}", &compact[4..], &compact[..4]);
        let remainder = rearranged.chars().fold(0_u64, |acc, c| {
            let value = u64::from(c.to_digit(36).unwrap());
            if value >= 10 {
                (acc * 100 + value) % 97
            } else {
                (acc * 10 + value) % 97
            }
        });
        compact.len() == 15 && remainder == 1
    }

    #[test]
    fn account_numbers_are_valid() {
        for spec in &ACCOUNTS[..2] {
            assert!(mod11_ok(spec.number), "{}", spec.number);
            let iban = spec.iban.unwrap();
            assert!(iban_ok(iban), "{iban}");
            let bban: String = spec.number.chars().filter(char::is_ascii_digit).collect();
            assert!(iban.replace(' ', "").ends_with(&bban));
        }
    }

    /// Walks a ledger day by day and checks the closing booked balance of every account.
    fn check_ranges(today: NaiveDate) {
        let l = ledger(today);
        let mut balance: [i64; 3] = [0; 3];
        for acc in &l.accounts {
            balance[account_index(acc.id)] = acc.opening_balance_minor;
        }
        let mut by_day: HashMap<NaiveDate, [i64; 3]> = HashMap::new();
        for t in l.transactions.iter().filter(|t| !t.pending) {
            by_day.entry(t.booking_date).or_default()[account_index(t.account_id)] +=
                t.amount_minor;
        }
        let mut day = l.accounts[0].opening_date;
        let (mut min_current, mut max_current, mut min_card) = (i64::MAX, i64::MIN, 0);
        while day <= today {
            if let Some(change) = by_day.get(&day) {
                for (b, c) in balance.iter_mut().zip(change) {
                    *b += c;
                }
            }
            let [current, savings, card] = balance;
            assert!(current >= 0, "Brukskonto at {} on {day}", signed(current));
            assert!(
                current <= major(150_000),
                "Brukskonto at {} on {day}",
                signed(current)
            );
            assert!(savings > 0, "Sparekonto at {} on {day}", signed(savings));
            assert!(
                (-major(3_000)..=0).contains(&card),
                "card at {} on {day}",
                signed(card)
            );
            min_current = min_current.min(current);
            max_current = max_current.max(current);
            min_card = min_card.min(card);
            day = day.succ_opt().unwrap();
        }
        println!(
            "{today}: Brukskonto {}..{}, card low {}",
            signed(min_current),
            signed(max_current),
            signed(min_card)
        );
    }

    #[test]
    fn balances_stay_in_a_sane_range() {
        // The first four windows cover the whole simulated history up to 2026-11.
        for today in [
            d(2021, 12, 31),
            d(2023, 12, 31),
            d(2025, 12, 31),
            d(2026, 11, 21),
            // Salary, prices and rates keep moving after the tables end; the bounds must hold.
            d(2032, 12, 31),
        ] {
            check_ranges(today);
        }
        // Savings grows, but moderately.
        let early = account(&ledger(d(2024, 11, 21)), SAVINGS).balance_minor;
        let late = account(&ledger(d(2026, 11, 21)), SAVINGS).balance_minor;
        assert!(
            late > early && late - early < major(600_000),
            "{early} -> {late}"
        );
    }

    #[test]
    fn looks_like_a_real_life() {
        let l = ledger(d(2026, 11, 21));
        let n = l.transactions.len();
        println!("2026-11-21: {n} transactions");
        for acc in &l.accounts {
            println!(
                "  {} {}: opening {} balance {} available {} {}",
                acc.id,
                acc.name,
                signed(acc.opening_balance_minor),
                signed(acc.balance_minor),
                signed(acc.available_minor),
                acc.currency
            );
        }
        assert!((1_500..=3_000).contains(&n), "{n} transactions");

        for slug in CATEGORIES {
            assert!(
                l.transactions.iter().any(|t| t.category == Some(slug)),
                "no {slug} rows"
            );
        }
        let categorised = l
            .transactions
            .iter()
            .filter(|t| t.category.is_some())
            .count();
        let share = categorised * 100 / n;
        println!("  categorised: {share}%");
        assert!((40..=80).contains(&share), "{share}% categorised");

        let has = |needle: &str| {
            l.transactions
                .iter()
                .any(|t| t.description.contains(needle))
        };
        for needle in [
            "VISA 422149...0052 ",
            "VARER ",
            "Varekjøp ",
            " Kurs: 1.0000",
            "Nettgiro til: FJORDKRAFT AS Betalt: ",
            "Efaktura TELENOR NORGE AS",
            "LØNN FRA NORDLYS TEKNOLOGI AS",
            "FERIEPENGER",
            "HUSLEIE",
            "Kontohold",
            "MINIBANK",
            "RENTER",
            "RETUR ZALANDO",
            "BETALING VISA REISE",
            "SPOTIFY P",
            "NETFLIX.COM AMSTERDAM NL",
            "RUTER AS",
            "CIRCLE K",
            "APOTEK",
            "HOTEL",
        ] {
            assert!(has(needle), "no row containing {needle:?}");
        }
        assert!(l
            .transactions
            .iter()
            .any(|t| t.description.contains(['æ', 'ø', 'å', 'Æ', 'Ø', 'Å'])));
        // The title-cased channel, e.g. "Rema 1000 Oslo 10 September".
        assert!(l.transactions.iter().any(|t| MONTHS_EN
            .iter()
            .any(|m| t.description.ends_with(m) && t.description.contains(" Oslo "))));
        assert!(l
            .transactions
            .iter()
            .filter(|t| t.account_id == CARD)
            .any(|t| t.description.ends_with(" ES") || t.description.ends_with(" IT")));
    }

    #[test]
    fn identical_purchases_keep_distinct_ids() {
        let l = ledger(d(2026, 11, 21));
        let mut groups: HashMap<_, Vec<&str>> = HashMap::new();
        for t in &l.transactions {
            let key = (
                t.account_id,
                t.booking_date,
                t.value_date,
                t.amount_minor,
                t.description.as_str(),
                t.pending,
                t.category,
                t.counterparty.clone(),
            );
            groups.entry(key).or_default().push(&t.id);
        }
        let twins: Vec<_> = groups.values().filter(|ids| ids.len() > 1).collect();
        println!("  identical same-day pairs: {}", twins.len());
        assert!(twins.len() >= 8, "only {} identical pairs", twins.len());
        for ids in twins {
            let distinct: HashSet<_> = ids.iter().collect();
            assert_eq!(distinct.len(), ids.len());
        }
    }

    #[test]
    fn own_transfers_match_on_both_sides() {
        let l = ledger(d(2026, 11, 21));
        let mut outgoing: Vec<_> = l
            .transactions
            .iter()
            .filter(|t| t.account_id == CURRENT && t.description == "Overføring til sparekonto")
            .map(|t| (t.booking_date, -t.amount_minor))
            .collect();
        let mut incoming: Vec<_> = l
            .transactions
            .iter()
            .filter(|t| t.account_id == SAVINGS && t.description == "Overføring fra brukskonto")
            .map(|t| (t.booking_date, t.amount_minor))
            .collect();
        outgoing.sort();
        incoming.sort();
        assert!(outgoing.len() >= 24);
        assert_eq!(outgoing, incoming);
        assert!(outgoing.iter().all(|(_, amount)| *amount > 0));

        // Each card bill is a NOK debit and an EUR credit on the same day at a plausible rate.
        let bills: Vec<_> = l
            .transactions
            .iter()
            .filter(|t| t.description == "BETALING VISA REISE")
            .collect();
        assert!(bills.len() >= 20);
        for bill in bills {
            let credit = l
                .transactions
                .iter()
                .find(|t| {
                    t.account_id == CARD
                        && t.booking_date == bill.booking_date
                        && t.description == "INNBETALING - TAKK"
                })
                .unwrap();
            let rate = -bill.amount_minor * FX_SCALE / credit.amount_minor;
            assert!((95_000..=125_000).contains(&rate), "rate {rate}");
        }
    }

    #[test]
    fn salary_rent_and_interest_follow_the_calendar() {
        let l = ledger(d(2026, 11, 21));
        let salaries: Vec<_> = l
            .transactions
            .iter()
            .filter(|t| t.description == "LØNN FRA NORDLYS TEKNOLOGI AS")
            .collect();
        assert_eq!(salaries.len(), 24);
        for s in &salaries {
            assert!(s.booking_date.day() <= 25);
            assert_eq!(s.counterparty.as_deref(), Some("Nordlys Teknologi AS"));
            let upper = if s.booking_date.month() == 11 {
                major(72_000)
            } else {
                major(60_000)
            };
            assert!(
                (major(52_000)..=upper).contains(&s.amount_minor),
                "{}",
                s.amount_minor
            );
        }
        let holiday_pay: Vec<_> = l
            .transactions
            .iter()
            .filter(|t| t.description.starts_with("FERIEPENGER"))
            .collect();
        assert_eq!(holiday_pay.len(), 2);
        assert!(holiday_pay.iter().all(|t| t.booking_date.month() == 6));

        let rents: Vec<_> = l
            .transactions
            .iter()
            .filter(|t| t.counterparty.as_deref() == Some("Fjellhaug Eiendom AS"))
            .collect();
        assert_eq!(rents.len(), 24);
        assert!(rents.iter().all(|t| t.booking_date.day() <= 4));
        assert!(rents
            .iter()
            .all(|t| (-major(16_000)..=-major(14_000)).contains(&t.amount_minor)));

        let interest: Vec<_> = l
            .transactions
            .iter()
            .filter(|t| t.description == "RENTER")
            .collect();
        assert_eq!(interest.len(), 2);
        for t in interest {
            assert_eq!((t.booking_date.month(), t.booking_date.day()), (12, 31));
            assert_eq!(t.account_id, SAVINGS);
            assert!(t.amount_minor > 0);
        }
    }

    #[test]
    fn business_days_skip_norwegian_holidays() {
        let m = Month::new(2025, 4).unwrap();
        // Easter 2025: Maundy Thursday 17th, Good Friday 18th, Easter Monday 21st.
        assert_eq!(m.business_on_or_after(17), 22);
        assert_eq!(easter(2026), Some(d(2026, 4, 5)));
        let may = Month::new(2026, 5).unwrap();
        assert!(!may.is_business_day(17) && !may.is_business_day(1));
    }
}
