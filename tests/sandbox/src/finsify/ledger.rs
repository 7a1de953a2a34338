//! What a linked bank login holds, lived day by day.
//!
//! Every login gets a VND current account and a VND credit card with three years of Vietnamese
//! activity ending on the day it was linked: salary (`LUONG THANG`), rent and transfers
//! (`CK den …`), EVN electricity, internet, card purchases at Grab, Shopee, Highlands Coffee and
//! friends, fees, interest, and the monthly card repayment. The same `(seed, login ordinal,
//! day linked)` always yields the same rows, `original_id`s included.
//!
//! The scraper sees the bank's pending card authorisations too, as ordinary rows: an
//! authorisation (`GD THE CHO XU LY …`) is replaced one to three days later by the posted row
//! (a new `original_id`, the posting date, the statement text; Grab fares with the tip added),
//! and a few are released and vanish. Now and then an interbank transfer is posted late, dated
//! days before the scraper first sees it. [`LoginLedger::live_until`] runs the same life forward
//! when the sandbox is advanced.
//!
//! The balance of an account is its opening amount plus the sum of the rows it holds now. The
//! opening amount is picked so that the balance on the day of linking lands in a realistic range
//! (positive on the current account, negative on the card).

use chrono::{Datelike, Duration, NaiveDate};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Days of history per account on the day a login is linked, that day included (three years
/// and a month).
pub(crate) const HISTORY_DAYS: i64 = 1126;

/// SplitMix64: tiny, portable and stable across crate versions, which matters for seeds.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi` (requires `lo <= hi`).
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = hi.abs_diff(lo).saturating_add(1);
        lo.saturating_add_unsigned(self.next_u64() % span)
    }

    /// True with probability `per_mille / 1000`.
    fn chance(&mut self, per_mille: u64) -> bool {
        self.next_u64() % 1000 < per_mille
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let len = u64::try_from(items.len()).unwrap_or(1).max(1);
        let index = usize::try_from(self.next_u64() % len).unwrap_or(0);
        items.get(index).copied().unwrap_or("")
    }

    fn digits(&mut self, count: usize) -> String {
        (0..count)
            .map(|_| char::from(b'0' + u8::try_from(self.next_u64() % 10).unwrap_or(0)))
            .collect()
    }
}

/// Account kinds as the wire spells them in `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AccountKind {
    Current,
    Credit,
}

impl AccountKind {
    pub(crate) fn wire(self) -> &'static str {
        match self {
            AccountKind::Current => "current",
            AccountKind::Credit => "credit",
        }
    }
}

pub(crate) struct SeedAccount {
    pub original_id: String,
    pub name: String,
    pub kind: AccountKind,
    pub opening_minor: i64,
}

/// How a card authorisation ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Replaced by the posted row.
    Post {
        original_id: String,
        amount_minor: i64,
        description: String,
    },
    /// Released: the row vanishes.
    Release,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Settlement {
    /// The day the bank posts (or releases) it; a posted row is dated this day.
    pub on: NaiveDate,
    pub outcome: Outcome,
}

#[derive(Debug, Clone)]
pub(crate) struct Row {
    /// Index into [`LoginLedger::accounts`].
    pub account: usize,
    /// Finsify's numeric id.
    pub id: i64,
    pub original_id: String,
    pub date: NaiveDate,
    pub amount_minor: i64,
    pub description: String,
    pub category: &'static str,
    pub meta: Option<Value>,
    /// The day the scraper first had the row (after `date` for a late row).
    pub seen_on: NaiveDate,
    /// Set on card authorisations (the bank's pending rows) only.
    pub settlement: Option<Settlement>,
}

/// `<slug>-<32 hex>` from anything hashable into text; stable for the same input.
pub(crate) fn original_id(slug: &str, material: &str) -> String {
    let digest = Sha256::digest(material.as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("{slug}-{hex}")
}

pub(crate) const CURRENT: usize = 0;
pub(crate) const CARD: usize = 1;

const PEOPLE: [&str; 8] = [
    "NGUYEN VAN AN",
    "TRAN THI BICH NGOC",
    "LE MINH KHOA",
    "PHAM THU HA",
    "HOANG DUC THANG",
    "VU THI LAN ANH",
    "DO QUANG HUY",
    "BUI THANH TAM",
];
const OUT_MEMOS: [&str; 6] = [
    "tra tien an trua",
    "hoan tien ve xe",
    "chia tien du lich Da Lat",
    "tien dien nuoc phong tro",
    "gop tien qua sinh nhat",
    "tra no thang truoc",
];
const IN_MEMOS: [&str; 4] = [
    "chuyen tien",
    "tra tien com",
    "hoan tien mua ho",
    "gui lai tien taxi",
];
const HIGHLANDS: [(&str, &str); 4] = [
    (
        "HIGHLANDS COFFEE NGUYEN HUE",
        "135 Nguyễn Huệ, Bến Nghé, Quận 1, TP. Hồ Chí Minh",
    ),
    (
        "HIGHLANDS COFFEE VINCOM DONG KHOI",
        "72 Lê Thánh Tôn, Bến Nghé, Quận 1, TP. Hồ Chí Minh",
    ),
    (
        "HIGHLANDS COFFEE LANDMARK 81",
        "720A Điện Biên Phủ, Phường 22, Bình Thạnh, TP. Hồ Chí Minh",
    ),
    (
        "HIGHLANDS COFFEE CONG HOA",
        "364 Cộng Hòa, Phường 13, Tân Bình, TP. Hồ Chí Minh",
    ),
];
const CIRCLE_K: [(&str, &str); 3] = [
    (
        "CIRCLE K LE THANH TON",
        "8 Lê Thánh Tôn, Bến Nghé, Quận 1, TP. Hồ Chí Minh",
    ),
    (
        "CIRCLE K NGUYEN TRAI",
        "201 Nguyễn Trãi, Phường 2, Quận 5, TP. Hồ Chí Minh",
    ),
    (
        "CIRCLE K PHAN XICH LONG",
        "98 Phan Xích Long, Phường 2, Phú Nhuận, TP. Hồ Chí Minh",
    ),
];

fn vnd(dong: i64) -> i64 {
    dong.saturating_mul(100)
}

fn thousands(rng: &mut Rng, lo: i64, hi: i64) -> i64 {
    vnd(rng.range(lo, hi).saturating_mul(1000))
}

fn time_meta(rng: &mut Rng) -> Value {
    json!({ "time": format!("{:02}:{:02}", rng.range(7, 22), rng.range(0, 59)) })
}

fn transfer_meta(rng: &mut Rng) -> Value {
    json!({
        "time": format!("{:02}:{:02}", rng.range(7, 22), rng.range(0, 59)),
        "referenceId": format!("FT{}", rng.digits(14)),
    })
}

fn place_meta(rng: &mut Rng, address: &str) -> Value {
    json!({
        "time": format!("{:02}:{:02}", rng.range(7, 22), rng.range(0, 59)),
        "address": address,
    })
}

fn last_day_of_month(date: NaiveDate) -> bool {
    date.succ_opt()
        .is_none_or(|next| next.month() != date.month())
}

/// Hands out Finsify's numeric row ids, increasing in the order rows appear.
pub(crate) struct Ids(pub i64);

impl Ids {
    fn next(&mut self) -> i64 {
        let id = self.0;
        self.0 += 1;
        id
    }
}

/// One login's bank: its accounts, the rows the scraper holds, and the generator that keeps
/// living.
pub(crate) struct LoginLedger {
    pub accounts: Vec<SeedAccount>,
    /// Ordered by (date, id).
    pub rows: Vec<Row>,
    /// The last day lived: no row is dated later.
    pub today: NaiveDate,
    rng: Rng,
    slug: String,
    material: String,
    card_mask: String,
    short_account: String,
    salary: i64,
    rent: i64,
    sequence: u64,
    /// Posted card spend since the last repayment.
    card_spend: i64,
}

impl LoginLedger {
    /// The ledger of the `login_ordinal`-th login linked in a sandbox seeded with `seed`, linked
    /// on `today`.
    pub(crate) fn seeded(
        seed: u64,
        login_ordinal: u64,
        slug: &str,
        today: NaiveDate,
        ids: &mut Ids,
    ) -> LoginLedger {
        let mut rng = Rng::new(
            seed ^ login_ordinal.wrapping_mul(0xA24B_AED4_963E_E407)
                ^ u64::from(today.num_days_from_ce().unsigned_abs()),
        );
        let account_number = format!("19{}", rng.digits(12));
        let card_last4 = rng.digits(4);
        let short_account = format!(
            "{}...{}",
            account_number.get(..4).unwrap_or(""),
            account_number
                .get(account_number.len().saturating_sub(4)..)
                .unwrap_or("")
        );
        let card_mask = format!("422149...{card_last4}");
        let salary = thousands(&mut rng, 24_000, 32_000);
        let card_id = format!("{slug}-card-422149{}{card_last4}", rng.digits(6));
        let mut ledger = LoginLedger {
            accounts: vec![
                SeedAccount {
                    original_id: format!("{slug}-{account_number}"),
                    name: format!("Tai khoan thanh toan {short_account}"),
                    kind: AccountKind::Current,
                    opening_minor: 0,
                },
                SeedAccount {
                    original_id: card_id,
                    name: format!("The tin dung Visa Platinum {card_mask}"),
                    kind: AccountKind::Credit,
                    opening_minor: 0,
                },
            ],
            rows: Vec::new(),
            today: today - Duration::days(HISTORY_DAYS),
            rng,
            slug: slug.to_owned(),
            material: format!("{seed}/{login_ordinal}/{today}"),
            card_mask,
            short_account,
            salary,
            rent: vnd(6_500_000),
            sequence: 0,
            card_spend: 0,
        };
        ledger.live_until(today, ids);
        ledger.seed_fixtures(ids);
        let current_target =
            thousands(&mut ledger.rng, 6_000, 28_000) + vnd(ledger.rng.range(0, 9) * 100);
        let card_target =
            -(thousands(&mut ledger.rng, 1_800, 9_500) + vnd(ledger.rng.range(0, 999)));
        ledger.set_opening(CURRENT, current_target);
        ledger.set_opening(CARD, card_target);
        ledger
    }

    fn set_opening(&mut self, account: usize, target: i64) {
        let sum: i64 = self
            .rows
            .iter()
            .filter(|r| r.account == account)
            .map(|r| r.amount_minor)
            .sum();
        if let Some(a) = self.accounts.get_mut(account) {
            a.opening_minor = target - sum;
        }
    }

    /// Opening + every row held now.
    pub(crate) fn balance(&self, account: usize) -> i64 {
        self.accounts.get(account).map_or(0, |a| a.opening_minor)
            + self
                .rows
                .iter()
                .filter(|r| r.account == account)
                .map(|r| r.amount_minor)
                .sum::<i64>()
    }

    /// Rows every seeded login has on the day it is linked, for tests to find: two genuine,
    /// identical purchases three days ago, a Grab authorisation that posts tomorrow with the
    /// tip added, and an airline authorisation that is released the day after.
    fn seed_fixtures(&mut self, ids: &mut Ids) {
        let today = self.today;
        for _ in 0..2 {
            let i = self.push(
                ids,
                CARD,
                today - Duration::days(3),
                -vnd(25_000),
                "TT THE TAI CIRCLE K LE THANH TON".to_owned(),
                "food_and_dining",
                None,
            );
            if let Some(r) = self.rows.get_mut(i) {
                r.seen_on = r.date;
            }
        }
        let merchant = format!("GRAB*A-{} HO CHI MINH", self.rng.digits(8));
        self.authorise(
            ids,
            today,
            &merchant,
            -vnd(61_299),
            "auto_and_transport",
            1,
            Some(-vnd(71_299)),
        );
        let on = today + Duration::days(2);
        let row = self.authorise(
            ids,
            today,
            "VIETNAM AIRLINES",
            -vnd(3_450_000),
            "travel",
            2,
            None,
        );
        if let Some(r) = self.rows.get_mut(row) {
            r.settlement = Some(Settlement {
                on,
                outcome: Outcome::Release,
            });
        }
        self.sort();
    }

    fn sort(&mut self) {
        self.rows.sort_by_key(|r| (r.date, r.id));
    }

    fn next_original_id(&mut self, account: usize) -> String {
        let sequence = self.sequence;
        self.sequence += 1;
        original_id(
            &self.slug,
            &format!("{}/{account}/{sequence}", self.material),
        )
    }

    /// Adds a posted row; returns its index.
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        ids: &mut Ids,
        account: usize,
        date: NaiveDate,
        amount_minor: i64,
        description: String,
        category: &'static str,
        meta: Option<Value>,
    ) -> usize {
        let original_id = self.next_original_id(account);
        if account == CARD && amount_minor < 0 {
            self.card_spend -= amount_minor;
        }
        self.rows.push(Row {
            account,
            id: ids.next(),
            original_id,
            date,
            amount_minor,
            description,
            category,
            meta,
            seen_on: date.max(self.today),
            settlement: None,
        });
        self.rows.len() - 1
    }

    /// A card purchase as the bank first shows it: an authorisation that posts `delay` days
    /// later (as `posted_amount` when the final amount differs). Returns its index.
    #[allow(clippy::too_many_arguments)]
    fn authorise(
        &mut self,
        ids: &mut Ids,
        date: NaiveDate,
        merchant: &str,
        amount_minor: i64,
        category: &'static str,
        delay: i64,
        posted_amount: Option<i64>,
    ) -> usize {
        let held = format!(
            "GD THE CHO XU LY {} TAI {merchant} SO TIEN {} VND",
            self.card_mask,
            amount_minor.unsigned_abs() / 100
        );
        let posted_text = format!(
            "GD THE QUA POS SO THE {} NGAY {} TAI {merchant} APPCODE {}",
            self.card_mask,
            date.format("%d/%m/%Y"),
            self.rng.digits(6)
        );
        let posted_id = self.next_original_id(CARD);
        let original_id = self.next_original_id(CARD);
        self.rows.push(Row {
            account: CARD,
            id: ids.next(),
            original_id,
            date,
            amount_minor,
            description: held,
            category,
            meta: None,
            seen_on: date.max(self.today),
            settlement: Some(Settlement {
                on: date + Duration::days(delay),
                outcome: Outcome::Post {
                    original_id: posted_id,
                    amount_minor: posted_amount.unwrap_or(amount_minor),
                    description: posted_text,
                },
            }),
        });
        self.rows.len() - 1
    }

    /// A purchase from the day's shopping: an authorisation posting in one to three days; one
    /// in thirty is released; Grab fares post with the tip one time in five.
    fn card_purchase(
        &mut self,
        ids: &mut Ids,
        date: NaiveDate,
        merchant: &str,
        amount_minor: i64,
        category: &'static str,
    ) {
        let delay = self.rng.range(1, 3);
        let tip = (merchant.starts_with("GRAB") && self.rng.chance(200))
            .then(|| amount_minor - thousands(&mut self.rng, 5, 20));
        let row = self.authorise(ids, date, merchant, amount_minor, category, delay, tip);
        // Ride-hailing rows often carry the time of the ride.
        if merchant.starts_with("GRAB") && self.rng.chance(600) {
            let meta = time_meta(&mut self.rng);
            if let Some(r) = self.rows.get_mut(row) {
                r.meta = Some(meta);
            }
        }
        if self.rng.chance(33) {
            if let Some(settlement) = self.rows.get_mut(row).and_then(|r| r.settlement.as_mut()) {
                settlement.outcome = Outcome::Release;
            }
        }
    }

    /// The login lives every day after `today` up to `until`.
    pub(crate) fn live_until(&mut self, until: NaiveDate, ids: &mut Ids) {
        while self.today < until {
            let day = self.today + Duration::days(1);
            self.settle(day, ids, false);
            self.today = day;
            self.live_day(day, ids);
        }
        self.sort();
    }

    /// Posts or releases authorisations due by `day` (every one when `all`).
    pub(crate) fn settle(&mut self, day: NaiveDate, ids: &mut Ids, all: bool) {
        let mut i = 0;
        while i < self.rows.len() {
            let due = self
                .rows
                .get(i)
                .and_then(|r| r.settlement.as_ref())
                .is_some_and(|s| all || s.on <= day);
            if !due {
                i += 1;
                continue;
            }
            let row = self.rows.remove(i);
            let Some(settlement) = row.settlement else {
                continue;
            };
            if let Outcome::Post {
                original_id,
                amount_minor,
                description,
            } = settlement.outcome
            {
                let date = settlement.on.min(day).max(row.date);
                if row.account == CARD {
                    self.card_spend -= amount_minor;
                }
                self.rows.push(Row {
                    account: row.account,
                    id: ids.next(),
                    original_id,
                    date,
                    amount_minor,
                    description,
                    category: row.category,
                    meta: row.meta,
                    seen_on: date.max(self.today),
                    settlement: None,
                });
            }
        }
        self.sort();
    }

    /// A row added by a test; seen today (a row dated earlier is a late row).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn add(
        &mut self,
        ids: &mut Ids,
        account: usize,
        date: NaiveDate,
        amount_minor: i64,
        description: String,
        category: &'static str,
        material: &str,
    ) -> Row {
        let id = ids.next();
        let row = Row {
            account,
            id,
            original_id: original_id(&self.slug, material),
            date,
            amount_minor,
            description,
            category,
            meta: None,
            seen_on: date.max(self.today),
            settlement: None,
        };
        self.rows.push(row.clone());
        self.sort();
        row
    }

    fn card_text(&mut self, date: NaiveDate, merchant: &str) -> String {
        format!(
            "GD THE QUA POS SO THE {} NGAY {} TAI {merchant} APPCODE {}",
            self.card_mask,
            date.format("%d/%m/%Y"),
            self.rng.digits(6)
        )
    }

    fn live_day(&mut self, date: NaiveDate, ids: &mut Ids) {
        let day = date.day();
        let month = format!("{:02}/{}", date.month(), date.year());
        let slug_upper = self.slug.to_uppercase();
        let short_account = self.short_account.clone();
        let card_mask = self.card_mask.clone();

        // ---- current account: monthly fixtures ----
        if day == 1 {
            let meta = Some(transfer_meta(&mut self.rng));
            self.push(
                ids,
                CURRENT,
                date,
                -self.rent,
                format!("CK den NGUYEN VAN HUNG tien nha thang {month}"),
                "home",
                meta,
            );
            // The card repayment settles last month's statement.
            if self.card_spend > 0 {
                let repay = self.card_spend;
                let meta = Some(transfer_meta(&mut self.rng));
                self.push(
                    ids,
                    CURRENT,
                    date,
                    -repay,
                    format!("TT THE TIN DUNG {card_mask} TU TK {short_account}"),
                    "uncategorized",
                    meta,
                );
                self.push(
                    ids,
                    CARD,
                    date,
                    repay,
                    format!("THANH TOAN THE TU TK {short_account}"),
                    "incoming_transfer",
                    None,
                );
                self.card_spend = 0;
            }
        }
        if day == 3 {
            self.push(
                ids,
                CURRENT,
                date,
                -vnd(2_450_000),
                format!("THANH TOAN HOC PHI TIENG ANH ILA THANG {month}"),
                "education",
                None,
            );
        }
        if day == 5 {
            let meta = Some(transfer_meta(&mut self.rng));
            self.push(
                ids,
                CURRENT,
                date,
                self.salary,
                format!("LUONG THANG {month} CONG TY TNHH PHAN MEM SAO MAI"),
                "income",
                meta,
            );
        }
        if day == 6 {
            let meta = Some(transfer_meta(&mut self.rng));
            self.push(
                ids,
                CURRENT,
                date,
                -vnd(3_000_000),
                "CK den CTCP CHUNG KHOAN SSI nap tien tai khoan chung khoan".to_owned(),
                "investments",
                meta,
            );
        }
        if day == 12 {
            let amount = vnd(self.rng.range(420_000, 1_150_000));
            let code = self.rng.digits(5);
            self.push(
                ids,
                CURRENT,
                date,
                -amount,
                format!("THANH TOAN TIEN DIEN EVN HCMC KY {month} MA KH PE04000{code}"),
                "bills_and_utilities",
                None,
            );
        }
        if day == 15 {
            let code = self.rng.digits(6);
            self.push(
                ids,
                CURRENT,
                date,
                -vnd(265_000),
                format!("THANH TOAN CUOC INTERNET FPT TELECOM HD SGH{code}"),
                "bills_and_utilities",
                None,
            );
        }
        if day == 18 {
            let amount = vnd(self.rng.range(80_000, 240_000));
            self.push(
                ids,
                CURRENT,
                date,
                -amount,
                format!("THANH TOAN TIEN NUOC SAWACO KY {month}"),
                "bills_and_utilities",
                None,
            );
        }
        if day == 28 {
            self.push(
                ids,
                CURRENT,
                date,
                -vnd(11_000),
                format!("PHI DICH VU SMS BANKING THANG {month}"),
                "fees_and_charges",
                None,
            );
        }
        if last_day_of_month(date) {
            // VND has no minor unit in practice: every amount is whole dong, rendered "x.00".
            let interest = vnd(self.rng.range(800, 4_500));
            self.push(
                ids,
                CURRENT,
                date,
                interest,
                format!("TRA LAI TIEN GUI KHONG KY HAN THANG {month}"),
                "income",
                None,
            );
        }

        // ---- current account: occasional ----
        if self.rng.chance(110) {
            let person = self.rng.pick(&PEOPLE);
            let memo = self.rng.pick(&OUT_MEMOS);
            let amount = thousands(&mut self.rng, 150, 2_500);
            let category = if memo.contains("qua") {
                "gifts_and_donations"
            } else {
                "uncategorized"
            };
            let meta = Some(transfer_meta(&mut self.rng));
            self.push(
                ids,
                CURRENT,
                date,
                -amount,
                format!("CK den {person} {memo}"),
                category,
                meta,
            );
        }
        if self.rng.chance(60) {
            let person = self.rng.pick(&PEOPLE);
            let memo = self.rng.pick(&IN_MEMOS);
            let amount = thousands(&mut self.rng, 100, 1_800);
            let meta = Some(transfer_meta(&mut self.rng));
            self.push(
                ids,
                CURRENT,
                date,
                amount,
                format!("{person} {memo}"),
                "incoming_transfer",
                meta,
            );
        }
        if self.rng.chance(45) {
            let amount = vnd(self.rng.range(1, 4).saturating_mul(500_000));
            let atm = self.rng.digits(8);
            self.push(
                ids,
                CURRENT,
                date,
                -amount,
                format!("RUT TIEN MAT TAI ATM {slug_upper} {atm}"),
                "uncategorized",
                None,
            );
        }
        if self.rng.chance(8) {
            let amount = thousands(&mut self.rng, 300, 1_500);
            let tax_id = self.rng.digits(8);
            self.push(
                ids,
                CURRENT,
                date,
                -amount,
                format!("NOP THUE TNCN MST 03{tax_id}"),
                "taxes",
                None,
            );
        }
        // An interbank transfer posted late: dated days before the scraper first sees it.
        if self.rng.chance(250) {
            let back = self.rng.range(2, 4);
            let person = self.rng.pick(&PEOPLE);
            let amount = thousands(&mut self.rng, 200, 3_000);
            let meta = Some(transfer_meta(&mut self.rng));
            self.push(
                ids,
                CURRENT,
                date - Duration::days(back),
                amount,
                format!("NAPAS CK tu {person} chuyen tien"),
                "incoming_transfer",
                meta,
            );
        }

        // ---- credit card: authorisations that post later ----
        if self.rng.chance(450) {
            // Odd fares, like the documentation's Uber rows (-61299.00).
            let fare = vnd(self.rng.range(21_000, 185_000));
            let merchant = format!("GRAB*A-{} HO CHI MINH", self.rng.digits(8));
            self.card_purchase(ids, date, &merchant, -fare, "auto_and_transport");
        }
        if self.rng.chance(300) {
            let index = usize::try_from(self.rng.next_u64() % 4).unwrap_or(0);
            let (branch, address) = HIGHLANDS.get(index).copied().unwrap_or(HIGHLANDS[0]);
            let amount = thousands(&mut self.rng, 29, 99);
            let meta = Some(place_meta(&mut self.rng, address));
            let text = self.card_text(date, branch);
            self.push(ids, CARD, date, -amount, text, "food_and_dining", meta);
        }
        if self.rng.chance(250) {
            let index = usize::try_from(self.rng.next_u64() % 3).unwrap_or(0);
            let (store, address) = CIRCLE_K.get(index).copied().unwrap_or(CIRCLE_K[0]);
            let amount =
                vnd(self.rng.range(12, 125).saturating_mul(1000) + self.rng.range(0, 9) * 100);
            let meta = self
                .rng
                .chance(500)
                .then(|| place_meta(&mut self.rng, address));
            self.push(
                ids,
                CARD,
                date,
                -amount,
                format!("TT THE TAI {store}"),
                "food_and_dining",
                meta,
            );
        }
        if self.rng.chance(150) {
            let amount =
                vnd(self.rng.range(49, 1_450).saturating_mul(1000) + self.rng.range(0, 9) * 100);
            let merchant = format!("SHOPEEPAY*SHOPEE {}", self.rng.digits(10));
            self.card_purchase(ids, date, &merchant, -amount, "shopping");
        }
        let occasional: [(u64, &str, i64, i64, &'static str); 7] = [
            (50, "TIKI.VN", 89, 2_300, "shopping"),
            (120, "BACH HOA XANH", 85, 650, "food_and_dining"),
            (70, "PETROLIMEX CHXD SO 12", 60, 180, "auto_and_transport"),
            (45, "CGV VINCOM CENTER", 90, 320, "entertainment"),
            (35, "PHARMACITY", 45, 480, "health_and_fitness"),
            (30, "GUARDIAN SAIGON CENTRE", 120, 850, "personal_care"),
            (20, "PET MART THAO DIEN", 150, 900, "pets"),
        ];
        for (per_mille, merchant, lo, hi, category) in occasional {
            if self.rng.chance(per_mille) {
                let amount = thousands(&mut self.rng, lo, hi);
                self.card_purchase(ids, date, merchant, -amount, category);
            }
        }
        if self.rng.chance(12) {
            let amount = thousands(&mut self.rng, 1_450, 4_800);
            self.card_purchase(ids, date, "VIETNAM AIRLINES", -amount, "travel");
        }
        if day == 8 {
            let text = self.card_text(date, "NETFLIX.COM");
            self.push(ids, CARD, date, -vnd(260_000), text, "entertainment", None);
            self.push(
                ids,
                CARD,
                date,
                -vnd(2_750),
                "PHI GD NGOAI TE NETFLIX.COM".to_owned(),
                "fees_and_charges",
                None,
            );
        }
        if day == 22 {
            let text = self.card_text(date, "GOOGLE*WORKSPACE");
            self.push(
                ids,
                CARD,
                date,
                -vnd(165_000),
                text,
                "business_services",
                None,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn ledger(seed: u64, ordinal: u64, today: NaiveDate) -> LoginLedger {
        LoginLedger::seeded(seed, ordinal, "techcombank", today, &mut Ids(1))
    }

    #[test]
    fn same_inputs_same_ledger() {
        let ids = |l: &LoginLedger| {
            l.rows
                .iter()
                .map(|r| (r.original_id.clone(), r.amount_minor, r.id))
                .collect::<Vec<_>>()
        };
        let a = ledger(7, 0, day(2025, 3, 31));
        let b = ledger(7, 0, day(2025, 3, 31));
        assert_eq!(ids(&a), ids(&b));
        assert_ne!(ids(&a), ids(&ledger(7, 1, day(2025, 3, 31))));
    }

    #[test]
    fn ledger_is_realistic() {
        let today = day(2025, 3, 31);
        let l = ledger(42, 0, today);
        assert_eq!(l.accounts.len(), 2);
        assert!(l.rows.len() > 1800, "{} rows", l.rows.len());
        let first = today - Duration::days(HISTORY_DAYS - 1);
        assert!(l
            .rows
            .iter()
            .all(|r| r.date <= today && r.date >= first - Duration::days(5)));
        // Rows throughout: no 20-day gap on either account.
        for account in [CURRENT, CARD] {
            let dates: Vec<NaiveDate> = l
                .rows
                .iter()
                .filter(|r| r.account == account)
                .map(|r| r.date)
                .collect();
            assert!(dates
                .first()
                .is_some_and(|d| *d < first + Duration::days(20)));
            assert!(dates.windows(2).all(|w| w[1] - w[0] < Duration::days(20)));
        }
        assert!(l
            .rows
            .iter()
            .any(|r| r.description.starts_with("LUONG THANG")));
        assert!(l.rows.iter().any(|r| r.description.contains("GRAB")));
        assert!(l.rows.iter().any(|r| r.description.contains("EVN")));
        assert!(l.rows.iter().any(|r| r.description.starts_with("CK den ")));
        assert!(l.rows.iter().any(|r| r.meta.is_some()));
        assert!(
            l.rows.iter().all(|r| r.amount_minor % 100 == 0),
            "whole dong only"
        );
        assert!(l.accounts.iter().all(|a| a.opening_minor % 100 == 0));
        assert!(l
            .rows
            .iter()
            .all(|r| r.original_id.starts_with("techcombank-")));
        let unique: std::collections::HashSet<_> = l.rows.iter().map(|r| &r.original_id).collect();
        assert_eq!(unique.len(), l.rows.len());
        let unique_ids: std::collections::HashSet<_> = l.rows.iter().map(|r| r.id).collect();
        assert_eq!(unique_ids.len(), l.rows.len());
        assert!(l.balance(CURRENT) > 0);
        assert!(l.balance(CARD) < 0);
        // Authorisations are only the last few days' card purchases.
        let pending: Vec<&Row> = l.rows.iter().filter(|r| r.settlement.is_some()).collect();
        assert!(pending.len() >= 2);
        assert!(pending.iter().all(|r| r.date >= today - Duration::days(3)));
        assert!(pending
            .iter()
            .all(|r| r.description.starts_with("GD THE CHO XU LY")));
    }

    #[test]
    fn living_posts_releases_and_adds_late_rows() {
        let today = day(2025, 3, 31);
        let mut ids = Ids(1);
        let mut l = LoginLedger::seeded(42, 0, "techcombank", today, &mut ids);
        let grab = l
            .rows
            .iter()
            .find(|r| r.settlement.is_some() && r.amount_minor == -vnd(61_299))
            .unwrap()
            .clone();
        l.live_until(today + Duration::days(10), &mut ids);
        assert!(!l.rows.iter().any(|r| r.original_id == grab.original_id));
        let posted = l
            .rows
            .iter()
            .find(|r| r.amount_minor == -vnd(71_299))
            .expect("the fare posted with the tip");
        assert_eq!(posted.date, today + Duration::days(1));
        assert!(posted.description.starts_with("GD THE QUA POS"));
        assert!(!l
            .rows
            .iter()
            .any(|r| r.amount_minor == -vnd(3_450_000) && r.date == today));
        assert!(l.rows.iter().any(|r| r.seen_on > r.date
            && r.seen_on > today
            && r.description.starts_with("NAPAS")));
        assert!(l
            .rows
            .iter()
            .all(|r| r.settlement.is_none() || r.date > today));
    }
}
