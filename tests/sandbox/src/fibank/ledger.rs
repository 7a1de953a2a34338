//! The bank's books: the customer's accounts, every booked entry, and statements over them.
//!
//! Entries are planned day by day from `(seed, Sofia day, account)` alone, so the same seed
//! always plans the same rows for the same day. A planned row becomes *booked* (gets its
//! `acEntrySrNo`) once the sandbox clock has passed its `dateTime`: the books follow the clock,
//! a row at 14:03 today appears at 14:03. Serial numbers come from one global, gapped,
//! increasing sequence (FLEXCUBE numbers every entry of every customer, so one customer sees
//! gaps), assigned in booking order. [`Ledger::add_late`] books rows whose `dateTime` lies in a
//! day already past: their serial numbers are new and larger than every earlier one.
//!
//! Money is integer minor units throughout; amounts are positive and the direction is `debit`.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};

use super::json::decimal_text;
use super::time::{sofia, sofia_day, start_of};
use crate::oracle::{OracleAccount, OracleRow};

/// First serial number handed out for a seed of 0: well beyond 2^31, as the real ones are.
const SERIAL_BASE: i64 = 3_100_000_000;

/// `trname` of a move between the customer's own accounts.
const OWN_TRANSFER: &str = "Превод между собствени сметки";

/// The branch code in every reference and in the customer's IBANs.
const BRANCH: &str = "9150";

/// BGN is pegged to the euro at 1.95583; `categoryBal` totals are in BGN.
const BGN_PER_EUR_E5: i64 = 195_583;

/// SplitMix64: tiny, portable and stable across crate versions, which matters for seeds.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// A generator for one purpose, independent of every other draw.
    pub(crate) fn keyed(parts: &[u64]) -> Self {
        let mut state = 0x5EED_F1BA_4E00_0000_u64;
        for part in parts {
            state = Rng::new(state ^ part).next_u64();
        }
        Rng::new(state)
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

    /// True with probability `per_mille / 1000`.
    pub(crate) fn chance(&mut self, per_mille: u64) -> bool {
        self.next_u64() % 1000 < per_mille
    }

    pub(crate) fn index(&mut self, len: usize) -> usize {
        let len = u64::try_from(len).unwrap_or(1).max(1);
        usize::try_from(self.next_u64() % len).unwrap_or(0)
    }

    pub(crate) fn digits(&mut self, count: usize) -> String {
        (0..count)
            .map(|_| char::from(b'0' + u8::try_from(self.next_u64() % 10).unwrap_or(0)))
            .collect()
    }
}

/// A Bulgarian IBAN (`BGkk BBBB SSSS TT NNNNNNNN`) with correct ISO 13616 check digits.
pub(crate) fn bg_iban(bank: &str, branch: &str, kind: &str, number: &str) -> String {
    let bban = format!("{bank}{branch}{kind}{number}");
    let rearranged = format!("{bban}BG00");
    let mut remainder: u32 = 0;
    for c in rearranged.chars() {
        let value = match c {
            '0'..='9' => u32::from(c) - u32::from('0'),
            'A'..='Z' => u32::from(c) - u32::from('A') + 10,
            _ => 0,
        };
        remainder = if value >= 10 {
            (remainder * 100 + value) % 97
        } else {
            (remainder * 10 + value) % 97
        };
    }
    format!("BG{:02}{bban}", 98 - remainder)
}

/// What an account is; fixes its currency, texts and daily life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// BGN current account: salary in, rent, bills, card and ATM.
    Main,
    /// BGN savings: monthly top-up from `Main`, quarterly interest.
    Savings,
    /// EUR current account opened later: SEPA income, card purchases abroad.
    Euro,
    /// Credit card account: listed with balances, but the statement endpoint has none.
    Card,
}

pub(crate) struct Account {
    pub kind: Kind,
    pub iban: String,
    /// The internal (FLEXCUBE) account number.
    pub ac_no: String,
    pub ccy: &'static str,
    /// The product name the e-bank shows (`acDesc`).
    pub ac_desc: &'static str,
    /// The customer's own label (`description`); may be empty.
    pub description: &'static str,
    /// `CACC` (current/savings) or `CARD_ACC`.
    pub category: &'static str,
    /// First day the account can have entries.
    pub opened: NaiveDate,
    /// Balance before the first entry the books hold.
    pub opening_minor: i64,
    /// Card holds not yet booked (`blockedAmount`).
    pub blocked_minor: i64,
    /// Credit limit (card account only); available = balance + limit − blocked.
    pub limit_minor: i64,
}

impl Account {
    pub(crate) fn has_statement(&self) -> bool {
        self.kind != Kind::Card
    }
}

/// One entry's content. `minor` is positive; `debit` gives the direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    pub account: usize,
    pub at: DateTime<Utc>,
    pub value_date: NaiveDate,
    pub minor: i64,
    pub debit: bool,
    pub reference: String,
    pub trname: String,
    pub trn_type: String,
    pub trn_code: String,
    pub contragent: Option<String>,
    pub ben_order_party: Option<String>,
    pub trn_account: Option<String>,
    /// `remI`, `remIi`, `remIii`: `None` is sent as `null`, `Some("")` as `""`.
    pub rem: [Option<String>; 3],
    pub is_ebank_oper: bool,
    pub is_payment: bool,
}

impl Row {
    pub(crate) fn signed(&self) -> i64 {
        if self.debit {
            -self.minor
        } else {
            self.minor
        }
    }

    /// One half of a move between two of the customer's own accounts (both halves share the
    /// reference).
    pub(crate) fn own_transfer(&self) -> bool {
        self.trname == OWN_TRANSFER
    }

    /// What a faithful client shows: `remI` when it has text, else `trname`.
    pub(crate) fn description(&self) -> String {
        match &self.rem[0] {
            Some(rem) if !rem.trim().is_empty() => rem.clone(),
            _ => self.trname.clone(),
        }
    }
}

/// A booked entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub sr_no: i64,
    /// Booked by [`Ledger::add_late`] into a day already past.
    pub late: bool,
    pub row: Row,
}

/// A statement window over one account, in `(dateTime, acEntrySrNo)` order.
pub(crate) struct Statement<'a> {
    pub opening: i64,
    pub closing: i64,
    pub debits: i64,
    pub credits: i64,
    /// Each entry with the running balance after it.
    pub lines: Vec<(&'a Entry, i64)>,
}

pub(crate) struct Ledger {
    pub accounts: Vec<Account>,
    /// In booking (serial) order.
    pub entries: Vec<Entry>,
    seed: u64,
    /// First day of history.
    pub start: NaiveDate,
    /// Every planned row with `at <= booked_through` is booked.
    booked_through: DateTime<Utc>,
    next_serial: i64,
    serials_issued: u64,
    late_rows: u64,
    added_rows: u64,
}

// ---------------------------------------------------------------------------------------------
// Counterparties and texts

struct Shop {
    descriptor: &'static str,
    company: &'static str,
    lo: i64,
    hi: i64,
}

const SHOPS: [Shop; 12] = [
    Shop {
        descriptor: "LIDL BULGARIA EOOD SOFIA",
        company: "ЛИДЛ БЪЛГАРИЯ ЕООД",
        lo: 840,
        hi: 9_560,
    },
    Shop {
        descriptor: "KAUFLAND BULGARIA SOFIA",
        company: "КАУФЛАНД БЪЛГАРИЯ ЕООД",
        lo: 1_215,
        hi: 13_870,
    },
    Shop {
        descriptor: "BILLA 112 SOFIA",
        company: "БИЛЛА БЪЛГАРИЯ ЕООД",
        lo: 349,
        hi: 6_240,
    },
    Shop {
        descriptor: "FANTASTICO 21 SOFIA",
        company: "ВАН ХОЛДИНГ ООД",
        lo: 289,
        hi: 4_510,
    },
    Shop {
        descriptor: "OMV 2045 SOFIA",
        company: "ОМВ БЪЛГАРИЯ ЕООД",
        lo: 4_000,
        hi: 11_020,
    },
    Shop {
        descriptor: "SHELL TSARIGRADSKO SOFIA",
        company: "ШЕЛ БЪЛГАРИЯ ЕАД",
        lo: 3_050,
        hi: 9_980,
    },
    Shop {
        descriptor: "DM BULGARIA 0045 SOFIA",
        company: "ДМ БЪЛГАРИЯ ЕООД",
        lo: 510,
        hi: 5_490,
    },
    Shop {
        descriptor: "SOPHARMACY 45 SOFIA",
        company: "СОФАРМА ТРЕЙДИНГ АД",
        lo: 445,
        hi: 6_080,
    },
    Shop {
        descriptor: "EMAG.BG",
        company: "ЕКСТРЕЙД ЕООД",
        lo: 1_999,
        hi: 18_900,
    },
    Shop {
        descriptor: "HAPPY BAR AND GRILL SOFIA",
        company: "ХЕПИ ЕООД",
        lo: 1_820,
        hi: 8_940,
    },
    Shop {
        descriptor: "COSTA COFFEE MALL SOFIA",
        company: "КОСТА КАФЕ БЪЛГАРИЯ ЕООД",
        lo: 350,
        hi: 1_190,
    },
    Shop {
        descriptor: "GLOVO BG",
        company: "ГЛОВОАПП БЪЛГАРИЯ ЕООД",
        lo: 1_240,
        hi: 4_560,
    },
];

const SHELL: usize = 5;

const ABROAD: [Shop; 3] = [
    Shop {
        descriptor: "BOOKING.COM AMSTERDAM",
        company: "BOOKING.COM B.V.",
        lo: 8_500,
        hi: 42_000,
    },
    Shop {
        descriptor: "RYANAIR DUBLIN",
        company: "RYANAIR DAC",
        lo: 2_999,
        hi: 18_900,
    },
    Shop {
        descriptor: "AIRBNB * HMXY LONDON",
        company: "AIRBNB PAYMENTS UK LTD",
        lo: 6_400,
        hi: 31_500,
    },
];

const ATMS: [&str; 4] = [
    "ATM FIBANK SOFIA TSENTAR",
    "ATM FIBANK SOFIA MLADOST",
    "ATM FIBANK PLOVDIV GLAVNA",
    "ATM FIBANK VARNA PRIMORSKI",
];

const OTHER_ATMS: [&str; 3] = [
    "ATM UNICREDIT BULBANK SOFIA",
    "ATM DSK BANK BURGAS",
    "ATM POSTBANK SOFIA LOZENETS",
];

const FRIENDS: [&str; 5] = [
    "МАРИЯ ДИМИТРОВА ИВАНОВА",
    "НИКОЛАЙ СТОЯНОВ ПЕТКОВ",
    "ЕЛЕНА ГЕОРГИЕВА ТОДОРОВА",
    "СТЕФАН КРАСИМИРОВ НИКОЛОВ",
    "ДЕСИСЛАВА ПЕТРОВА МИХАЙЛОВА",
];

const MEMOS_IN: [&str; 4] = [
    "ЗА БИЛЕТИТЕ",
    "ВРЪЩАМ ТИ ПАРИТЕ",
    "ЗА ВЕЧЕРЯТА В ПЕТЪК",
    "ПОДАРЪК ЗА РОЖДЕН ДЕН",
];

const MEMOS_OUT: [&str; 3] = ["ЗА ЕКСКУРЗИЯТА", "ДЯЛ ЗА ПОДАРЪКА", "ЗАЕМ"];

struct Biller {
    name: &'static str,
    label: &'static str,
    day: u32,
    /// Amount range in winter (October–April) and summer.
    winter: (i64, i64),
    summer: (i64, i64),
}

const BILLERS: [Biller; 4] = [
    Biller {
        name: "ЕЛЕКТРОХОЛД ПРОДАЖБИ ЕАД",
        label: "Аб. № 300012345678",
        day: 10,
        winter: (6_840, 18_570),
        summer: (3_840, 9_120),
    },
    Biller {
        name: "СОФИЙСКА ВОДА АД",
        label: "Аб. № 1041122",
        day: 12,
        winter: (1_420, 4_890),
        summer: (1_690, 5_240),
    },
    Biller {
        name: "ТОПЛОФИКАЦИЯ СОФИЯ ЕАД",
        label: "Аб. № 0451234",
        day: 15,
        winter: (9_500, 26_040),
        summer: (1_800, 3_520),
    },
    Biller {
        name: "А1 БЪЛГАРИЯ ЕАД",
        label: "Тел. 0888123456",
        day: 20,
        winter: (2_999, 4_250),
        summer: (2_999, 4_250),
    },
];

fn is_weekend(day: NaiveDate) -> bool {
    matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}

fn last_day_of_month(day: NaiveDate) -> bool {
    day.succ_opt()
        .is_none_or(|next| next.month() != day.month())
}

/// The last Sunday of `month` (when Sofia switches clocks in March and October).
fn last_sunday(year: i32, month: u32) -> Option<NaiveDate> {
    let mut day = NaiveDate::from_ymd_opt(year, month + 1, 1)?.pred_opt()?;
    while day.weekday() != Weekday::Sun {
        day = day.pred_opt()?;
    }
    Some(day)
}

/// The day a monthly payment on day `dom` is booked: the previous Friday when it falls on a
/// weekend (salaries) or the next Monday (`forward`).
fn working_day(year: i32, month: u32, dom: u32, forward: bool) -> Option<NaiveDate> {
    let mut day = NaiveDate::from_ymd_opt(year, month, dom)?;
    while is_weekend(day) {
        day = if forward {
            day.succ_opt()?
        } else {
            day.pred_opt()?
        };
    }
    Some(day)
}

fn month_text(day: NaiveDate) -> String {
    format!("{:02}.{}", day.month(), day.year())
}

// ---------------------------------------------------------------------------------------------
// Planning one day

/// Builds one day's rows with unique references (unless a row shares one on purpose).
struct DayPlan<'a> {
    day: NaiveDate,
    accounts: &'a [Account],
    rng: Rng,
    sequence: u32,
    rows: Vec<Row>,
    card_mask: &'a str,
}

/// The fields most rows leave at their defaults.
struct Draft {
    account: usize,
    minor: i64,
    debit: bool,
    trname: &'static str,
    trn_type: &'static str,
    trn_code: &'static str,
}

impl DayPlan<'_> {
    /// `BBBB` + product + `YYDDD` + sequence: a FLEXCUBE-style transaction reference.
    fn reference(&mut self, product: &str) -> String {
        self.sequence += 1;
        format!(
            "{BRANCH}{product}{:02}{:03}{:04}",
            self.day.year() % 100,
            self.day.ordinal(),
            self.sequence
        )
    }

    fn at(&self, hour: u32, minute: u32, second: u32) -> DateTime<Utc> {
        let time = chrono::NaiveTime::from_hms_opt(hour, minute, second).unwrap_or_default();
        sofia(self.day.and_time(time))
    }

    /// A random time between `lo:00:00` and `hi:59:59`.
    fn random_at(&mut self, lo: i64, hi: i64) -> DateTime<Utc> {
        let hour = u32::try_from(self.rng.range(lo, hi)).unwrap_or(12);
        let minute = u32::try_from(self.rng.range(0, 59)).unwrap_or(0);
        let second = u32::try_from(self.rng.range(0, 59)).unwrap_or(0);
        self.at(hour, minute, second)
    }

    /// A time of day for a card purchase: mostly daytime, some late evening, a few just after
    /// midnight (the previous day in UTC).
    fn shopping_time(&mut self) -> DateTime<Utc> {
        let roll = self.rng.range(0, 99);
        let (hour, minute) = if roll < 5 {
            (23, self.rng.range(0, 58))
        } else if roll < 8 {
            (self.rng.range(0, 1), self.rng.range(5, 55))
        } else {
            (self.rng.range(7, 22), self.rng.range(0, 59))
        };
        let second = self.rng.range(0, 59);
        self.at(
            u32::try_from(hour).unwrap_or(12),
            u32::try_from(minute).unwrap_or(0),
            u32::try_from(second).unwrap_or(0),
        )
    }

    fn iban(&self, kind: Kind) -> Option<String> {
        self.accounts
            .iter()
            .find(|a| a.kind == kind)
            .map(|a| a.iban.clone())
    }

    fn index(&self, kind: Kind) -> Option<usize> {
        self.accounts.iter().position(|a| a.kind == kind)
    }

    fn open(&self, kind: Kind) -> Option<usize> {
        let index = self.index(kind)?;
        let account = self.accounts.get(index)?;
        (account.opened <= self.day).then_some(index)
    }

    fn push(&mut self, draft: Draft, at: DateTime<Utc>, reference: String) -> &mut Row {
        self.rows.push(Row {
            account: draft.account,
            at,
            value_date: sofia_day(at),
            minor: draft.minor,
            debit: draft.debit,
            reference,
            trname: draft.trname.to_owned(),
            trn_type: draft.trn_type.to_owned(),
            trn_code: draft.trn_code.to_owned(),
            contragent: None,
            ben_order_party: None,
            trn_account: None,
            rem: [None, None, None],
            is_ebank_oper: false,
            is_payment: false,
        });
        let last = self.rows.len() - 1;
        &mut self.rows[last]
    }

    fn card_purchase(&mut self, account: usize, shop: &Shop, at: DateTime<Utc>, minor: i64) {
        let reference = self.reference("POSP");
        let remark_roll = self.rng.range(0, 9);
        let early_value = self.rng.chance(200);
        let mask = self.card_mask.to_owned();
        let row = self.push(
            Draft {
                account,
                minor,
                debit: true,
                trname: "Плащане с дебитна карта",
                trn_type: "POS",
                trn_code: "9C1",
            },
            at,
            reference,
        );
        row.contragent = Some(shop.company.to_owned());
        // Some terminals send no descriptor: then the client falls back to `trname`.
        row.rem = match remark_roll {
            0 => [None, None, None],
            1 => [Some(String::new()), Some(format!("Карта {mask}")), None],
            _ => [
                Some(shop.descriptor.to_owned()),
                Some(format!("Карта {mask}")),
                Some(String::new()),
            ],
        };
        if early_value {
            // Settled offline: the value date is the day before the booking.
            row.value_date = row.value_date.pred_opt().unwrap_or(row.value_date);
        }
    }

    /// A transfer out and its fee, both under one reference.
    #[allow(clippy::too_many_arguments)]
    fn transfer_out(
        &mut self,
        account: usize,
        at: DateTime<Utc>,
        minor: i64,
        fee: i64,
        beneficiary: &str,
        iban: &str,
        memo: String,
    ) {
        let reference = self.reference("TROU");
        let row = self.push(
            Draft {
                account,
                minor,
                debit: true,
                trname: "Нареден кредитен превод",
                trn_type: "TRO",
                trn_code: "1T1",
            },
            at,
            reference.clone(),
        );
        row.contragent = Some(beneficiary.to_owned());
        row.ben_order_party = Some(beneficiary.to_owned());
        row.trn_account = Some(iban.to_owned());
        row.rem = [Some(memo), Some(String::new()), None];
        row.is_ebank_oper = true;
        row.is_payment = true;
        let row = self.push(
            Draft {
                account,
                minor: fee,
                debit: true,
                trname: "Такса за нареден превод",
                trn_type: "FEE",
                trn_code: "CH1",
            },
            at,
            reference,
        );
        row.rem = [Some(String::new()), None, None];
    }

    fn plan_main(&mut self, main: usize) {
        let day = self.day;
        let (year, month) = (day.year(), day.month());

        if working_day(year, month, 25, false) == Some(day) {
            let bonus = if month == 12 { 120_000 } else { 0 };
            let minor = 415_000 + self.rng.range(0, 12) * 1_000 + bonus;
            let reference = self.reference("TRIN");
            let at = self.at(10, 14, 27);
            let row = self.push(
                Draft {
                    account: main,
                    minor,
                    debit: false,
                    trname: "Получен кредитен превод",
                    trn_type: "TRI",
                    trn_code: "1T2",
                },
                at,
                reference,
            );
            row.contragent = Some("ЛОГИКСОФТ ЕООД".to_owned());
            row.ben_order_party = Some("ЛОГИКСОФТ ЕООД".to_owned());
            row.trn_account = Some(bg_iban("UNCR", "7000", "15", "20418736"));
            row.rem = [
                Some(format!("ЗАПЛАТА ЗА М.{}", month_text(day))),
                None,
                None,
            ];
        }

        if day.day() == 2 {
            let at = self.at(9, 3, 12);
            let landlord = bg_iban("STSA", "9300", "00", "18273645");
            self.transfer_out(
                main,
                at,
                95_000,
                150,
                "ГЕОРГИ ИВАНОВ ПЕТРОВ",
                &landlord,
                format!("НАЕМ ЗА М.{}", month_text(day)),
            );
        }

        for biller in &BILLERS {
            if working_day(year, month, biller.day, true) != Some(day) {
                continue;
            }
            let (lo, hi) = if (4..=9).contains(&month) {
                biller.summer
            } else {
                biller.winter
            };
            let minor = self.rng.range(lo, hi);
            let at = self.random_at(19, 19);
            let reference = self.reference("BILP");
            let row = self.push(
                Draft {
                    account: main,
                    minor,
                    debit: true,
                    trname: "Плащане на битови сметки",
                    trn_type: "BIL",
                    trn_code: "5B1",
                },
                at,
                reference,
            );
            row.contragent = Some(biller.name.to_owned());
            row.ben_order_party = Some(biller.name.to_owned());
            row.rem = [
                Some(biller.name.to_owned()),
                Some(biller.label.to_owned()),
                Some(format!("Период {}", month_text(day))),
            ];
            row.is_ebank_oper = true;
            row.is_payment = true;
        }

        if day.day() == 26 {
            if let (Some(savings), Some(savings_iban), Some(main_iban)) = (
                self.open(Kind::Savings),
                self.iban(Kind::Savings),
                self.iban(Kind::Main),
            ) {
                self.own_transfer(main, savings, &main_iban, &savings_iban, 30_000);
            }
        }

        if day.day() == 14 {
            // Two genuinely identical metro tickets: one time, one reference, one amount.
            let at = self.at(8, 12, 31);
            let reference = self.reference("POSP");
            let mask = self.card_mask.to_owned();
            for _ in 0..2 {
                let row = self.push(
                    Draft {
                        account: main,
                        minor: 160,
                        debit: true,
                        trname: "Плащане с дебитна карта",
                        trn_type: "POS",
                        trn_code: "9C1",
                    },
                    at,
                    reference.clone(),
                );
                row.contragent = Some("ЦЕНТЪР ЗА ГРАДСКА МОБИЛНОСТ ЕАД".to_owned());
                row.rem = [
                    Some("CGM SOFIA METRO".to_owned()),
                    Some(format!("Карта {mask}")),
                    Some(String::new()),
                ];
            }
        }

        // Card purchases.
        let count = match self.rng.range(0, 99) {
            0..=34 => 0,
            35..=79 => 1,
            80..=94 => 2,
            _ => 3,
        };
        for _ in 0..count {
            let shop = &SHOPS[self.rng.index(SHOPS.len())];
            let at = self.shopping_time();
            let minor = self.rng.range(shop.lo, shop.hi);
            self.card_purchase(main, shop, at, minor);
        }

        // The nights Sofia changes clocks: rows on both sides of the switch.
        if last_sunday(year, 10) == Some(day) {
            // 03:30 happens twice: first at +0300, then at +0200.
            let shell = &SHOPS[SHELL];
            let summer = day.and_hms_opt(0, 30, 0).map(|t| t.and_utc());
            let winter = day.and_hms_opt(1, 30, 0).map(|t| t.and_utc());
            if let (Some(summer), Some(winter)) = (summer, winter) {
                self.card_purchase(main, shell, summer, 5_420);
                self.card_purchase(main, shell, winter, 1_240);
            }
        }
        if last_sunday(year, 3) == Some(day) {
            let shell = &SHOPS[SHELL];
            let before = self.at(2, 50, 5);
            let after = self.at(4, 10, 44);
            self.card_purchase(main, shell, before, 3_310);
            self.card_purchase(main, shell, after, 6_870);
        }

        if self.rng.chance(80) {
            let at = self.random_at(8, 21);
            let minor = self.rng.range(2, 40) * 1_000;
            if self.rng.chance(600) {
                let atm = ATMS[self.rng.index(ATMS.len())];
                let reference = self.reference("ATMW");
                let row = self.push(
                    Draft {
                        account: main,
                        minor,
                        debit: true,
                        trname: "Теглене на пари от АТМ",
                        trn_type: "ATM",
                        trn_code: "9A1",
                    },
                    at,
                    reference,
                );
                row.rem = [Some(atm.to_owned()), None, None];
            } else {
                let atm = OTHER_ATMS[self.rng.index(OTHER_ATMS.len())];
                let reference = self.reference("ATMO");
                let row = self.push(
                    Draft {
                        account: main,
                        minor,
                        debit: true,
                        trname: "Теглене на пари от АТМ на друга банка",
                        trn_type: "ATM",
                        trn_code: "9A2",
                    },
                    at,
                    reference.clone(),
                );
                row.rem = [Some(atm.to_owned()), None, None];
                let row = self.push(
                    Draft {
                        account: main,
                        minor: 200,
                        debit: true,
                        trname: "Такса теглене от АТМ на друга банка",
                        trn_type: "FEE",
                        trn_code: "CH7",
                    },
                    at,
                    reference,
                );
                row.rem = [Some(String::new()), Some(String::new()), None];
            }
        }

        if self.rng.chance(40) {
            let friend = FRIENDS[self.rng.index(FRIENDS.len())];
            let memo = MEMOS_IN[self.rng.index(MEMOS_IN.len())];
            let minor = self.rng.range(15, 250) * 100;
            let at = self.random_at(8, 22);
            let reference = self.reference("TRIN");
            let iban = bg_iban("FINV", "9150", "10", &self.rng.digits(8));
            let row = self.push(
                Draft {
                    account: main,
                    minor,
                    debit: false,
                    trname: "Получен кредитен превод",
                    trn_type: "TRI",
                    trn_code: "1T2",
                },
                at,
                reference,
            );
            row.contragent = Some(friend.to_owned());
            row.ben_order_party = Some(friend.to_owned());
            row.trn_account = Some(iban);
            row.rem = [
                Some(memo.to_owned()),
                Some(String::new()),
                Some(String::new()),
            ];
        }

        if self.rng.chance(30) {
            let friend = FRIENDS[self.rng.index(FRIENDS.len())];
            let memo = MEMOS_OUT[self.rng.index(MEMOS_OUT.len())];
            let minor = self.rng.range(20, 300) * 100;
            let at = self.random_at(9, 21);
            let iban = bg_iban("BPBI", "7940", "10", &self.rng.digits(8));
            self.transfer_out(main, at, minor, 100, friend, &iban, memo.to_owned());
        }

        if last_day_of_month(day) {
            // Booked at the very end of the day: a late-evening row.
            let reference = self.reference("FEEM");
            let at = self.at(23, 59, 0);
            let row = self.push(
                Draft {
                    account: main,
                    minor: 290,
                    debit: true,
                    trname: "Такса за обслужване на сметка",
                    trn_type: "FEE",
                    trn_code: "CH3",
                },
                at,
                reference,
            );
            row.rem = [Some(String::new()), None, None];
        }

        // Every other month some leva go to the euro account (converted at the peg): an own
        // transfer across two currencies. Planned last, so the day's other draws stay as they
        // were.
        if day.day() == 12 && !month.is_multiple_of(2) {
            if let (Some(euro), Some(main_iban), Some(euro_iban)) = (
                self.open(Kind::Euro),
                self.iban(Kind::Main),
                self.iban(Kind::Euro),
            ) {
                let eur = 20_000;
                let bgn = (eur * BGN_PER_EUR_E5 + 50_000) / 100_000;
                self.own_transfer_converted(
                    main,
                    euro,
                    &main_iban,
                    &euro_iban,
                    [bgn, eur],
                    "ЗА ПЪТУВАНЕ",
                );
            }
        }
    }

    fn own_transfer(&mut self, from: usize, to: usize, from_iban: &str, to_iban: &str, minor: i64) {
        self.own_transfer_converted(from, to, from_iban, to_iban, [minor, minor], "СПЕСТЯВАНИЯ");
    }

    /// A move between two of the customer's accounts: `minor` leaves `from` as `minor[0]` and
    /// arrives on `to` as `minor[1]` (the same unless the currencies differ).
    fn own_transfer_converted(
        &mut self,
        from: usize,
        to: usize,
        from_iban: &str,
        to_iban: &str,
        minor: [i64; 2],
        memo: &str,
    ) {
        let reference = self.reference("TROW");
        let at = self.at(9, 30, 2);
        for (account, debit, other, minor) in [
            (from, true, to_iban, minor[0]),
            (to, false, from_iban, minor[1]),
        ] {
            let row = self.push(
                Draft {
                    account,
                    minor,
                    debit,
                    trname: OWN_TRANSFER,
                    trn_type: if debit { "TRO" } else { "TRI" },
                    trn_code: "1T3",
                },
                at,
                reference.clone(),
            );
            row.contragent = Some("ИВАН ГЕОРГИЕВ ПЕТРОВ".to_owned());
            row.ben_order_party = Some("ИВАН ГЕОРГИЕВ ПЕТРОВ".to_owned());
            row.trn_account = Some(other.to_owned());
            row.rem = [Some(memo.to_owned()), None, None];
            row.is_ebank_oper = true;
            row.is_payment = debit;
        }
    }

    fn plan_savings(&mut self, savings: usize) {
        let day = self.day;
        let month = day.month();
        if last_day_of_month(day) && month.is_multiple_of(3) {
            let interest = self.rng.range(5, 240);
            let reference = self.reference("INTC");
            let at = self.at(23, 59, 30);
            let row = self.push(
                Draft {
                    account: savings,
                    minor: interest,
                    debit: false,
                    trname: "Олихвяване",
                    trn_type: "INT",
                    trn_code: "IN1",
                },
                at,
                reference.clone(),
            );
            row.rem = [None, None, None];
            // 8 % tax on interest income, withheld under the same reference.
            let tax = interest * 8 / 100;
            if tax > 0 {
                let row = self.push(
                    Draft {
                        account: savings,
                        minor: tax,
                        debit: true,
                        trname: "Удържан данък върху лихва",
                        trn_type: "TAX",
                        trn_code: "TX1",
                    },
                    at,
                    reference,
                );
                row.rem = [Some(String::new()), None, None];
            }
        }
        if month.is_multiple_of(4) && day.day() == 8 {
            if let (Some(main), Some(main_iban), Some(savings_iban)) = (
                self.open(Kind::Main),
                self.iban(Kind::Main),
                self.iban(Kind::Savings),
            ) {
                self.own_transfer(savings, main, &savings_iban, &main_iban, 50_000);
            }
        }
    }

    fn plan_euro(&mut self, euro: usize) {
        let day = self.day;
        if working_day(day.year(), day.month(), 5, true) == Some(day) {
            let minor = self.rng.range(1_150, 2_450) * 100;
            let invoice = format!("INVOICE {}-{}", day.year(), self.rng.digits(4));
            let reference = self.reference("SEPI");
            let at = self.at(11, 2, 50);
            let row = self.push(
                Draft {
                    account: euro,
                    minor,
                    debit: false,
                    trname: "Получен SEPA превод",
                    trn_type: "TRI",
                    trn_code: "1S2",
                },
                at,
                reference.clone(),
            );
            row.contragent = Some("ACME SOFTWARE GMBH".to_owned());
            row.ben_order_party = Some("ACME SOFTWARE GMBH".to_owned());
            row.trn_account = Some("DE89370400440532013000".to_owned());
            row.rem = [Some(invoice), Some("CONSULTING SERVICES".to_owned()), None];
            let row = self.push(
                Draft {
                    account: euro,
                    minor: 250,
                    debit: true,
                    trname: "Такса за получен превод в EUR",
                    trn_type: "FEE",
                    trn_code: "CH5",
                },
                at,
                reference,
            );
            row.rem = [Some(String::new()), None, None];
        }
        if self.rng.chance(25) {
            let shop = &ABROAD[self.rng.index(ABROAD.len())];
            let at = self.shopping_time();
            let minor = self.rng.range(shop.lo, shop.hi);
            self.card_purchase(euro, shop, at, minor);
        }
        if last_day_of_month(day) {
            let reference = self.reference("FEEM");
            let at = self.at(23, 59, 0);
            let row = self.push(
                Draft {
                    account: euro,
                    minor: 150,
                    debit: true,
                    trname: "Такса за обслужване на сметка",
                    trn_type: "FEE",
                    trn_code: "CH3",
                },
                at,
                reference,
            );
            row.rem = [Some(String::new()), None, None];
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The ledger

impl Ledger {
    /// The customer's accounts and books as of `now`, history starting `history_days` Sofia
    /// days before `now`'s day.
    pub(crate) fn new(
        seed: u64,
        now: DateTime<Utc>,
        history_days: u32,
        card_account: bool,
    ) -> Ledger {
        let today = sofia_day(now);
        let start = today - Duration::days(i64::from(history_days));
        let mut rng = Rng::keyed(&[seed, 0xACC0]);
        let number = |rng: &mut Rng| format!("{}", rng.range(10_000_000, 99_999_999));
        let mut accounts = vec![
            Account {
                kind: Kind::Main,
                iban: bg_iban("FINV", BRANCH, "10", &number(&mut rng)),
                ac_no: format!("{}{}", BRANCH, rng.digits(10)),
                ccy: "BGN",
                ac_desc: "Разплащателна сметка",
                description: "Основна сметка",
                category: "CACC",
                opened: start,
                opening_minor: 123_648 + rng.range(0, 50_000),
                blocked_minor: 3_760,
                limit_minor: 0,
            },
            Account {
                kind: Kind::Savings,
                iban: bg_iban("FINV", BRANCH, "20", &number(&mut rng)),
                ac_no: format!("{}{}", BRANCH, rng.digits(10)),
                ccy: "BGN",
                ac_desc: "Спестовна сметка",
                description: "Спестявания",
                category: "CACC",
                opened: start,
                opening_minor: 400_000,
                blocked_minor: 0,
                limit_minor: 0,
            },
            Account {
                kind: Kind::Euro,
                iban: bg_iban("FINV", BRANCH, "14", &number(&mut rng)),
                ac_no: format!("{}{}", BRANCH, rng.digits(10)),
                ccy: "EUR",
                ac_desc: "Разплащателна сметка",
                description: "",
                category: "CACC",
                // Opened later than the books begin: earlier windows have no rows and a zero
                // opening balance.
                opened: start + Duration::days(i64::from(history_days / 3)),
                opening_minor: 0,
                blocked_minor: 0,
                limit_minor: 0,
            },
        ];
        if card_account {
            accounts.push(Account {
                kind: Kind::Card,
                iban: bg_iban("FINV", BRANCH, "40", &number(&mut rng)),
                ac_no: format!("{}{}", BRANCH, rng.digits(10)),
                ccy: "BGN",
                ac_desc: "Кредитна карта VISA Classic",
                description: "",
                category: "CARD_ACC",
                opened: start,
                opening_minor: -42_318,
                blocked_minor: 0,
                limit_minor: 200_000,
            });
        }
        let mut ledger = Ledger {
            accounts,
            entries: Vec::new(),
            seed,
            start,
            booked_through: start_of(start) - Duration::seconds(1),
            next_serial: SERIAL_BASE + i64::try_from(seed % 1_000).unwrap_or(0) * 1_000_000,
            serials_issued: 0,
            late_rows: 0,
            added_rows: 0,
        };
        ledger.catch_up(now);
        ledger
    }

    /// The card number mask printed on card rows.
    fn card_mask(&self) -> String {
        let mut rng = Rng::keyed(&[self.seed, 0xCA4D]);
        format!("4*** **** **** {}", rng.digits(4))
    }

    /// Every row planned for `day`, in plan order.
    fn plan(&self, day: NaiveDate) -> Vec<Row> {
        let mask = self.card_mask();
        let day_number = u64::from(day.num_days_from_ce().unsigned_abs());
        let mut rows = Vec::new();
        let mut sequence = 0;
        for (index, account) in self.accounts.iter().enumerate() {
            if account.opened > day || !account.has_statement() {
                continue;
            }
            let mut plan = DayPlan {
                day,
                accounts: &self.accounts,
                rng: Rng::keyed(&[self.seed, day_number, index as u64]),
                sequence,
                rows: Vec::new(),
                card_mask: &mask,
            };
            match account.kind {
                Kind::Main => plan.plan_main(index),
                Kind::Savings => plan.plan_savings(index),
                Kind::Euro => plan.plan_euro(index),
                Kind::Card => {}
            }
            sequence = plan.sequence;
            rows.extend(plan.rows);
        }
        rows
    }

    fn serial(&mut self) -> i64 {
        let serial = self.next_serial;
        self.serials_issued += 1;
        // Other customers' entries take the numbers in between.
        let gap = Rng::keyed(&[self.seed, 0x5E41, self.serials_issued]).range(1, 977);
        self.next_serial += gap;
        serial
    }

    /// Books every planned row whose `dateTime` the clock has passed. Idempotent; a clock
    /// moved backwards un-books nothing.
    pub(crate) fn catch_up(&mut self, now: DateTime<Utc>) {
        if now <= self.booked_through {
            return;
        }
        let mut day = sofia_day(self.booked_through).max(self.start);
        let last = sofia_day(now);
        let mut batch: Vec<(usize, Row)> = Vec::new();
        while day <= last {
            for (order, row) in self.plan(day).into_iter().enumerate() {
                if row.at > self.booked_through && row.at <= now {
                    batch.push((order, row));
                }
            }
            let Some(next) = day.succ_opt() else { break };
            day = next;
        }
        // Booking order is time order; rows of one instant keep their planned order.
        batch.sort_by_key(|(order, row)| (row.at, *order));
        for (_, row) in batch {
            let sr_no = self.serial();
            self.entries.push(Entry {
                sr_no,
                late: false,
                row,
            });
        }
        self.booked_through = now;
    }

    /// Books one late row for the new day `day`: a card purchase dated 1–3 days before
    /// `before`'s Sofia day, so inside days a client may already have synced.
    pub(crate) fn add_late(&mut self, day: NaiveDate, before: DateTime<Utc>) -> Option<i64> {
        let day_number = u64::from(day.num_days_from_ce().unsigned_abs());
        let mut rng = Rng::keyed(&[self.seed, 0x1A7E, day_number]);
        let back = rng.range(1, 3);
        let dated = sofia_day(before) - Duration::days(back);
        let euro = self
            .accounts
            .iter()
            .position(|a| a.kind == Kind::Euro && a.opened <= dated);
        let main = self.accounts.iter().position(|a| a.kind == Kind::Main)?;
        let (account, shop) = match euro {
            Some(euro) if rng.range(0, 2) == 0 => (euro, &ABROAD[rng.index(ABROAD.len())]),
            _ => (main, &SHOPS[rng.index(SHOPS.len())]),
        };
        if dated < self.start {
            return None;
        }
        let mask = self.card_mask();
        self.late_rows += 1;
        let mut plan = DayPlan {
            day: dated,
            accounts: &self.accounts,
            rng,
            // Late references come from a range the day's own plan never reaches.
            sequence: 5_000 + u32::try_from(self.late_rows % 4_000).unwrap_or(0),
            rows: Vec::new(),
            card_mask: &mask,
        };
        let hour = u32::try_from(plan.rng.range(10, 20)).unwrap_or(12);
        let minute = u32::try_from(plan.rng.range(0, 59)).unwrap_or(0);
        let at = plan.at(hour, minute, 7);
        let minor = plan.rng.range(shop.lo, shop.hi);
        plan.card_purchase(account, shop, at, minor);
        let rows = plan.rows;
        let mut last = None;
        for row in rows {
            let sr_no = self.serial();
            self.entries.push(Entry {
                sr_no,
                late: true,
                row,
            });
            last = Some(sr_no);
        }
        last
    }

    /// Books a row a test asked for; the reference is made up when not given.
    pub(crate) fn add(&mut self, mut row: Row) -> Entry {
        if row.reference.is_empty() {
            self.added_rows += 1;
            let day = sofia_day(row.at);
            row.reference = format!(
                "{BRANCH}MANL{:02}{:03}{:04}",
                day.year() % 100,
                day.ordinal(),
                9_000 + self.added_rows % 1_000
            );
        }
        let entry = Entry {
            sr_no: self.serial(),
            late: false,
            row,
        };
        self.entries.push(entry.clone());
        entry
    }

    pub(crate) fn account_by_iban(&self, iban: &str) -> Option<usize> {
        self.accounts.iter().position(|a| a.iban == iban)
    }

    /// The entries of one account in statement order: `(dateTime, acEntrySrNo)`.
    fn ordered(&self, account: usize) -> Vec<&Entry> {
        let mut rows: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| e.row.account == account)
            .collect();
        rows.sort_by_key(|e| (e.row.at, e.sr_no));
        rows
    }

    /// The booked balance now.
    pub(crate) fn balance(&self, account: usize) -> i64 {
        let opening = self.accounts.get(account).map_or(0, |a| a.opening_minor);
        opening
            + self
                .entries
                .iter()
                .filter(|e| e.row.account == account)
                .map(|e| e.row.signed())
                .sum::<i64>()
    }

    /// The balance just before `at`.
    pub(crate) fn balance_before(&self, account: usize, at: DateTime<Utc>) -> i64 {
        let opening = self.accounts.get(account).map_or(0, |a| a.opening_minor);
        opening
            + self
                .entries
                .iter()
                .filter(|e| e.row.account == account && e.row.at < at)
                .map(|e| e.row.signed())
                .sum::<i64>()
    }

    /// Balance + credit limit − holds.
    pub(crate) fn available(&self, account: usize) -> i64 {
        let Some(a) = self.accounts.get(account) else {
            return 0;
        };
        self.balance(account) + a.limit_minor - a.blocked_minor
    }

    /// Entries with `from <= dateTime <= to`, with running balances.
    pub(crate) fn statement(
        &self,
        account: usize,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Statement<'_> {
        let mut running = self.accounts.get(account).map_or(0, |a| a.opening_minor);
        let mut statement = Statement {
            opening: 0,
            closing: 0,
            debits: 0,
            credits: 0,
            lines: Vec::new(),
        };
        let mut opened = false;
        for entry in self.ordered(account) {
            if entry.row.at > to {
                break;
            }
            if entry.row.at >= from && !opened {
                statement.opening = running;
                opened = true;
            }
            running += entry.row.signed();
            if entry.row.at >= from {
                statement.lines.push((entry, running));
                if entry.row.debit {
                    statement.debits += entry.row.minor;
                } else {
                    statement.credits += entry.row.minor;
                }
            }
        }
        if !opened {
            statement.opening = running;
        }
        statement.closing = running;
        statement
    }

    /// A BGN amount for `categoryBal`: euros converted at the peg, half away from zero.
    pub(crate) fn in_bgn(&self, account: usize, minor: i64) -> i64 {
        match self.accounts.get(account).map(|a| a.ccy) {
            Some("EUR") => {
                let scaled = minor * BGN_PER_EUR_E5;
                let half = if scaled < 0 { -50_000 } else { 50_000 };
                (scaled + half) / 100_000
            }
            _ => minor,
        }
    }

    pub(crate) fn oracle_rows(&self) -> Vec<OracleRow> {
        let mut out = Vec::new();
        for (index, account) in self.accounts.iter().enumerate() {
            for entry in self.ordered(index) {
                out.push(OracleRow {
                    account: account.iban.clone(),
                    account_name: account.ac_desc.to_owned(),
                    date: sofia_day(entry.row.at),
                    amount: decimal_text(entry.row.signed()),
                    currency: account.ccy.to_owned(),
                    description: entry.row.description(),
                    status: "booked".to_owned(),
                    stable_id: Some(entry.sr_no.to_string()),
                    own_transfer: entry
                        .row
                        .own_transfer()
                        .then(|| entry.row.reference.clone()),
                });
            }
        }
        out
    }

    pub(crate) fn oracle_accounts(&self) -> Vec<OracleAccount> {
        self.accounts
            .iter()
            .enumerate()
            .map(|(index, account)| OracleAccount {
                account: account.iban.clone(),
                name: account.ac_desc.to_owned(),
                currency: account.ccy.to_owned(),
                balance: decimal_text(self.balance(index)),
                available: Some(decimal_text(self.available(index))),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;
    use crate::fibank::time::wire;

    fn now() -> DateTime<Utc> {
        "2026-11-20T16:45:00Z".parse().unwrap()
    }

    #[test]
    fn ibans_have_valid_check_digits() {
        // The textbook example.
        assert_eq!(
            bg_iban("BNBG", "9661", "10", "20345678"),
            "BG80BNBG96611020345678"
        );
        let ledger = Ledger::new(7, now(), 800, true);
        for account in &ledger.accounts {
            assert_eq!(account.iban.len(), 22);
            assert!(account.iban.starts_with("BG") && account.iban[4..8] == *"FINV");
        }
    }

    #[test]
    fn same_seed_and_clock_same_books() {
        let a = Ledger::new(7, now(), 800, true);
        let b = Ledger::new(7, now(), 800, true);
        assert_eq!(a.entries, b.entries);
        let c = Ledger::new(8, now(), 800, true);
        assert_ne!(a.entries, c.entries);
    }

    #[test]
    fn books_are_realistic() {
        let ledger = Ledger::new(7, now(), 800, true);
        let n = ledger.entries.len();
        assert!((1_000..6_000).contains(&n), "{n} entries");
        assert!(ledger.entries.iter().all(|e| e.row.at <= now()));
        assert!(ledger.entries.iter().all(|e| e.sr_no > i64::from(i32::MAX)));
        let serials: HashSet<i64> = ledger.entries.iter().map(|e| e.sr_no).collect();
        assert_eq!(serials.len(), n, "serials are unique");
        assert!(
            ledger.entries.windows(2).all(|w| w[0].sr_no < w[1].sr_no),
            "serials grow in booking order"
        );
        assert!(ledger.entries.iter().all(|e| e.row.minor > 0));
        for kind in ["POS", "ATM", "TRO", "TRI", "BIL", "FEE", "INT"] {
            assert!(
                ledger.entries.iter().any(|e| e.row.trn_type == kind),
                "{kind}"
            );
        }
        for summary in ["OP", "CL", "DT", "CT"] {
            assert!(ledger.entries.iter().all(|e| e.row.trn_type != summary));
        }
        let mut by_reference: HashMap<&str, usize> = HashMap::new();
        for e in &ledger.entries {
            *by_reference.entry(&e.row.reference).or_default() += 1;
        }
        assert!(by_reference.values().any(|&count| count > 1));
        for (index, account) in ledger.accounts.iter().enumerate() {
            if account.kind != Kind::Card {
                assert!(
                    ledger.balance(index) > 0,
                    "{:?} stays in credit",
                    account.kind
                );
            }
        }
        let euro_first = ledger
            .entries
            .iter()
            .filter(|e| ledger.accounts[e.row.account].kind == Kind::Euro)
            .map(|e| sofia_day(e.row.at))
            .min()
            .unwrap();
        assert!(euro_first >= ledger.accounts[2].opened);
        assert!(ledger
            .entries
            .iter()
            .any(|e| wire(e.row.at).ends_with("+0200")));
        assert!(ledger
            .entries
            .iter()
            .any(|e| wire(e.row.at).ends_with("+0300")));
    }

    #[test]
    fn booking_follows_the_clock_in_any_steps() {
        let start = now();
        let mut stepped = Ledger::new(7, start, 100, true);
        for hours in [1, 5, 17, 30, 48] {
            stepped.catch_up(start + Duration::hours(hours));
        }
        let mut jumped = Ledger::new(7, start, 100, true);
        jumped.catch_up(start + Duration::hours(48));
        assert_eq!(stepped.entries, jumped.entries);
    }

    #[test]
    fn statements_add_up() {
        let ledger = Ledger::new(7, now(), 800, true);
        let from = now() - Duration::days(30);
        let s = ledger.statement(0, from, now());
        assert!(!s.lines.is_empty());
        let mut running = s.opening;
        for (entry, balance) in &s.lines {
            running += entry.row.signed();
            assert_eq!(running, *balance);
        }
        assert_eq!(running, s.closing);
        assert_eq!(s.opening + s.credits - s.debits, s.closing);
        assert_eq!(s.closing, ledger.balance(0));
        assert_eq!(s.opening, ledger.balance_before(0, from));
    }

    #[test]
    fn euro_totals_convert_at_the_peg() {
        let ledger = Ledger::new(7, now(), 10, true);
        assert_eq!(ledger.in_bgn(2, 100), 196);
        assert_eq!(ledger.in_bgn(2, -100), -196);
        assert_eq!(ledger.in_bgn(2, 100_000), 195_583);
        assert_eq!(ledger.in_bgn(0, 100), 100);
    }
}
