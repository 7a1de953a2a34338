//! Deterministic seeded ledgers: what a freshly linked bank login holds.
//!
//! Every login gets a VND current account and a VND credit card with 90 days of Vietnamese
//! activity ending on the configured `today`: salary (`LUONG THANG`), rent and transfers
//! (`CK den …`), EVN electricity, internet, card purchases at Grab, Shopee, Circle K, Highlands
//! Coffee and friends, fees, interest, and the monthly card repayment. The same `(seed, login
//! ordinal, today)` always yields the same rows, `original_id`s included.
//!
//! The balance of an account is its opening amount plus the sum of its rows. The opening amount
//! is picked so that the final balance lands in a realistic range (positive on the current
//! account, negative on the card).

use chrono::{Datelike, Duration, NaiveDate};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Days of history per account, `today` included.
pub(crate) const HISTORY_DAYS: i64 = 90;

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

pub(crate) struct SeedRow {
    /// Index into [`Seeded::accounts`].
    pub account: usize,
    pub original_id: String,
    pub date: NaiveDate,
    pub amount_minor: i64,
    pub description: String,
    pub category: &'static str,
    pub meta: Option<Value>,
}

pub(crate) struct Seeded {
    pub accounts: Vec<SeedAccount>,
    /// Oldest first.
    pub rows: Vec<SeedRow>,
}

/// `<slug>-<32 hex>` from anything hashable into text; stable for the same input.
pub(crate) fn original_id(slug: &str, material: &str) -> String {
    let digest = Sha256::digest(material.as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("{slug}-{hex}")
}

const CURRENT: usize = 0;
const CARD: usize = 1;

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

/// Builds rows for one account while keeping a stable per-row sequence for `original_id`.
struct Builder<'a> {
    slug: &'a str,
    material: String,
    card_mask: String,
    rows: Vec<SeedRow>,
}

impl Builder<'_> {
    fn push(
        &mut self,
        account: usize,
        date: NaiveDate,
        amount_minor: i64,
        description: String,
        category: &'static str,
        meta: Option<Value>,
    ) {
        let sequence = self.rows.len();
        let original_id = original_id(
            self.slug,
            &format!("{}/{account}/{sequence}", self.material),
        );
        self.rows.push(SeedRow {
            account,
            original_id,
            date,
            amount_minor,
            description,
            category,
            meta,
        });
    }

    fn card(&self, date: NaiveDate, merchant: &str, rng: &mut Rng) -> String {
        format!(
            "GD THE QUA POS SO THE {} NGAY {} TAI {merchant} APPCODE {}",
            self.card_mask,
            date.format("%d/%m/%Y"),
            rng.digits(6)
        )
    }
}

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

/// The ledger of the `login_ordinal`-th login created by a sandbox seeded with `seed`.
pub(crate) fn generate(seed: u64, login_ordinal: u64, slug: &str, today: NaiveDate) -> Seeded {
    let mut rng = Rng::new(
        seed ^ login_ordinal.wrapping_mul(0xA24B_AED4_963E_E407)
            ^ u64::from(today.num_days_from_ce().unsigned_abs()),
    );
    let account_number = format!("19{}", rng.digits(12));
    let card_last4 = rng.digits(4);
    let mut b = Builder {
        slug,
        material: format!("{seed}/{login_ordinal}/{today}"),
        card_mask: format!("422149...{card_last4}"),
        rows: Vec::new(),
    };
    let short_account = format!(
        "{}...{}",
        account_number.get(..4).unwrap_or(""),
        account_number
            .get(account_number.len().saturating_sub(4)..)
            .unwrap_or("")
    );
    let salary = thousands(&mut rng, 24_000, 32_000);
    let rent = vnd(6_500_000);

    let start = today - Duration::days(HISTORY_DAYS - 1);
    let mut date = start;
    let mut card_spend_this_month: i64 = 0;
    while date <= today {
        let day = date.day();
        let month = format!("{:02}/{}", date.month(), date.year());

        // ---- current account: monthly fixtures ----
        if day == 1 {
            b.push(
                CURRENT,
                date,
                -rent,
                format!("CK den NGUYEN VAN HUNG tien nha thang {month}"),
                "home",
                Some(transfer_meta(&mut rng)),
            );
            // The card repayment settles last month's statement.
            if card_spend_this_month > 0 {
                let repay = card_spend_this_month;
                b.push(
                    CURRENT,
                    date,
                    -repay,
                    format!("TT THE TIN DUNG {} TU TK {short_account}", b.card_mask),
                    "uncategorized",
                    Some(transfer_meta(&mut rng)),
                );
                b.push(
                    CARD,
                    date,
                    repay,
                    format!("THANH TOAN THE TU TK {short_account}"),
                    "incoming_transfer",
                    None,
                );
                card_spend_this_month = 0;
            }
        }
        if day == 3 {
            b.push(
                CURRENT,
                date,
                -vnd(2_450_000),
                format!("THANH TOAN HOC PHI TIENG ANH ILA THANG {month}"),
                "education",
                None,
            );
        }
        if day == 5 {
            b.push(
                CURRENT,
                date,
                salary,
                format!("LUONG THANG {month} CONG TY TNHH PHAN MEM SAO MAI"),
                "income",
                Some(transfer_meta(&mut rng)),
            );
        }
        if day == 6 {
            b.push(
                CURRENT,
                date,
                -vnd(3_000_000),
                "CK den CTCP CHUNG KHOAN SSI nap tien tai khoan chung khoan".to_owned(),
                "investments",
                Some(transfer_meta(&mut rng)),
            );
        }
        if day == 12 {
            let amount = vnd(rng.range(420_000, 1_150_000));
            b.push(
                CURRENT,
                date,
                -amount,
                format!(
                    "THANH TOAN TIEN DIEN EVN HCMC KY {month} MA KH PE04000{}",
                    rng.digits(5)
                ),
                "bills_and_utilities",
                None,
            );
        }
        if day == 15 {
            b.push(
                CURRENT,
                date,
                -vnd(265_000),
                format!(
                    "THANH TOAN CUOC INTERNET FPT TELECOM HD SGH{}",
                    rng.digits(6)
                ),
                "bills_and_utilities",
                None,
            );
        }
        if day == 18 {
            let amount = vnd(rng.range(80_000, 240_000));
            b.push(
                CURRENT,
                date,
                -amount,
                format!("THANH TOAN TIEN NUOC SAWACO KY {month}"),
                "bills_and_utilities",
                None,
            );
        }
        if day == 28 {
            b.push(
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
            let interest = vnd(rng.range(800, 4_500));
            b.push(
                CURRENT,
                date,
                interest,
                format!("TRA LAI TIEN GUI KHONG KY HAN THANG {month}"),
                "income",
                None,
            );
        }

        // ---- current account: occasional ----
        if rng.chance(110) {
            let person = rng.pick(&PEOPLE);
            let memo = rng.pick(&OUT_MEMOS);
            let amount = thousands(&mut rng, 150, 2_500);
            let category = if memo.contains("qua") {
                "gifts_and_donations"
            } else {
                "uncategorized"
            };
            b.push(
                CURRENT,
                date,
                -amount,
                format!("CK den {person} {memo}"),
                category,
                Some(transfer_meta(&mut rng)),
            );
        }
        if rng.chance(60) {
            let person = rng.pick(&PEOPLE);
            let memo = rng.pick(&IN_MEMOS);
            let amount = thousands(&mut rng, 100, 1_800);
            b.push(
                CURRENT,
                date,
                amount,
                format!("{person} {memo}"),
                "incoming_transfer",
                Some(transfer_meta(&mut rng)),
            );
        }
        if rng.chance(45) {
            let amount = vnd(rng.range(1, 4).saturating_mul(500_000));
            b.push(
                CURRENT,
                date,
                -amount,
                format!(
                    "RUT TIEN MAT TAI ATM {} {}",
                    slug.to_uppercase(),
                    rng.digits(8)
                ),
                "uncategorized",
                None,
            );
        }
        if rng.chance(8) {
            b.push(
                CURRENT,
                date,
                -thousands(&mut rng, 300, 1_500),
                format!("NOP THUE TNCN MST 03{}", rng.digits(8)),
                "taxes",
                None,
            );
        }

        // ---- credit card ----
        let mut card_rows: Vec<(i64, String, &'static str, Option<Value>)> = Vec::new();
        if rng.chance(450) {
            // Odd fares, like the documentation's Uber rows (-61299.00).
            let fare = vnd(rng.range(21_000, 185_000));
            let merchant = format!("GRAB*A-{} HO CHI MINH", rng.digits(8));
            let meta = rng.chance(600).then(|| time_meta(&mut rng));
            card_rows.push((
                -fare,
                b.card(date, &merchant, &mut rng),
                "auto_and_transport",
                meta,
            ));
        }
        if rng.chance(300) {
            let index = usize::try_from(rng.next_u64() % 4).unwrap_or(0);
            let (branch, address) = HIGHLANDS.get(index).copied().unwrap_or(HIGHLANDS[0]);
            let amount = thousands(&mut rng, 29, 99);
            let meta = Some(place_meta(&mut rng, address));
            card_rows.push((
                -amount,
                b.card(date, branch, &mut rng),
                "food_and_dining",
                meta,
            ));
        }
        if rng.chance(250) {
            let index = usize::try_from(rng.next_u64() % 3).unwrap_or(0);
            let (store, address) = CIRCLE_K.get(index).copied().unwrap_or(CIRCLE_K[0]);
            let amount = vnd(rng.range(12, 125).saturating_mul(1000) + rng.range(0, 9) * 100);
            let meta = rng.chance(500).then(|| place_meta(&mut rng, address));
            card_rows.push((
                -amount,
                format!("TT THE TAI {store}"),
                "food_and_dining",
                meta,
            ));
        }
        if rng.chance(150) {
            let amount = vnd(rng.range(49, 1_450).saturating_mul(1000) + rng.range(0, 9) * 100);
            let merchant = format!("SHOPEEPAY*SHOPEE {}", rng.digits(10));
            card_rows.push((-amount, b.card(date, &merchant, &mut rng), "shopping", None));
        }
        if rng.chance(50) {
            let amount = thousands(&mut rng, 89, 2_300);
            card_rows.push((-amount, b.card(date, "TIKI.VN", &mut rng), "shopping", None));
        }
        if rng.chance(120) {
            let amount = thousands(&mut rng, 85, 650);
            card_rows.push((
                -amount,
                b.card(date, "BACH HOA XANH", &mut rng),
                "food_and_dining",
                None,
            ));
        }
        if rng.chance(70) {
            let amount = thousands(&mut rng, 60, 180);
            card_rows.push((
                -amount,
                b.card(date, "PETROLIMEX CHXD SO 12", &mut rng),
                "auto_and_transport",
                None,
            ));
        }
        if rng.chance(45) {
            let amount = thousands(&mut rng, 90, 320);
            card_rows.push((
                -amount,
                b.card(date, "CGV VINCOM CENTER", &mut rng),
                "entertainment",
                None,
            ));
        }
        if rng.chance(35) {
            let amount = thousands(&mut rng, 45, 480);
            card_rows.push((
                -amount,
                b.card(date, "PHARMACITY", &mut rng),
                "health_and_fitness",
                None,
            ));
        }
        if rng.chance(30) {
            let amount = thousands(&mut rng, 120, 850);
            card_rows.push((
                -amount,
                b.card(date, "GUARDIAN SAIGON CENTRE", &mut rng),
                "personal_care",
                None,
            ));
        }
        if rng.chance(20) {
            let amount = thousands(&mut rng, 150, 900);
            card_rows.push((
                -amount,
                b.card(date, "PET MART THAO DIEN", &mut rng),
                "pets",
                None,
            ));
        }
        if rng.chance(12) {
            let amount = thousands(&mut rng, 1_450, 4_800);
            card_rows.push((
                -amount,
                b.card(date, "VIETNAM AIRLINES", &mut rng),
                "travel",
                None,
            ));
        }
        if day == 8 {
            card_rows.push((
                -vnd(260_000),
                b.card(date, "NETFLIX.COM", &mut rng),
                "entertainment",
                None,
            ));
            card_rows.push((
                -vnd(2_750),
                "PHI GD NGOAI TE NETFLIX.COM".to_owned(),
                "fees_and_charges",
                None,
            ));
        }
        if day == 22 {
            card_rows.push((
                -vnd(165_000),
                b.card(date, "GOOGLE*WORKSPACE", &mut rng),
                "business_services",
                None,
            ));
        }
        if date == today - Duration::days(3) {
            // Two genuine, identical purchases on one day: both must survive deduplication.
            for _ in 0..2 {
                card_rows.push((
                    -vnd(25_000),
                    "TT THE TAI CIRCLE K LE THANH TON".to_owned(),
                    "food_and_dining",
                    None,
                ));
            }
        }
        for (amount, description, category, meta) in card_rows {
            card_spend_this_month = card_spend_this_month.saturating_sub(amount);
            b.push(CARD, date, amount, description, category, meta);
        }

        date += Duration::days(1);
    }

    let sum = |account: usize| -> i64 {
        b.rows
            .iter()
            .filter(|r| r.account == account)
            .map(|r| r.amount_minor)
            .sum()
    };
    let current_target = thousands(&mut rng, 6_000, 28_000) + vnd(rng.range(0, 9) * 100);
    let card_target = -(thousands(&mut rng, 1_800, 9_500) + vnd(rng.range(0, 999)));
    let accounts = vec![
        SeedAccount {
            original_id: format!("{slug}-{account_number}"),
            name: format!("Tai khoan thanh toan {short_account}"),
            kind: AccountKind::Current,
            opening_minor: current_target - sum(CURRENT),
        },
        SeedAccount {
            original_id: format!("{slug}-card-422149{}{card_last4}", rng.digits(6)),
            name: format!("The tin dung Visa Platinum {}", b.card_mask),
            kind: AccountKind::Credit,
            opening_minor: card_target - sum(CARD),
        },
    ];
    Seeded {
        accounts,
        rows: b.rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn same_inputs_same_ledger() {
        let a = generate(7, 0, "techcombank", day(2025, 3, 31));
        let b = generate(7, 0, "techcombank", day(2025, 3, 31));
        let ids = |s: &Seeded| {
            s.rows
                .iter()
                .map(|r| (r.original_id.clone(), r.amount_minor))
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&a), ids(&b));
        let c = generate(7, 1, "techcombank", day(2025, 3, 31));
        assert_ne!(ids(&a), ids(&c));
    }

    #[test]
    fn ledger_is_realistic() {
        let today = day(2025, 3, 31);
        let s = generate(42, 0, "techcombank", today);
        assert_eq!(s.accounts.len(), 2);
        assert!(s.rows.len() > 150, "{} rows", s.rows.len());
        assert!(s
            .rows
            .iter()
            .all(|r| r.date <= today && r.date > today - Duration::days(HISTORY_DAYS)));
        assert!(s
            .rows
            .iter()
            .any(|r| r.description.starts_with("LUONG THANG")));
        assert!(s.rows.iter().any(|r| r.description.contains("GRAB")));
        assert!(s.rows.iter().any(|r| r.description.contains("EVN")));
        assert!(s.rows.iter().any(|r| r.description.starts_with("CK den ")));
        assert!(s.rows.iter().any(|r| r.meta.is_some()));
        assert!(
            s.rows.iter().all(|r| r.amount_minor % 100 == 0),
            "whole dong only"
        );
        assert!(s.accounts.iter().all(|a| a.opening_minor % 100 == 0));
        assert!(s
            .rows
            .iter()
            .all(|r| r.original_id.starts_with("techcombank-")));
        let unique: std::collections::HashSet<_> = s.rows.iter().map(|r| &r.original_id).collect();
        assert_eq!(unique.len(), s.rows.len());
        let balance = |i: usize| {
            s.accounts[i].opening_minor
                + s.rows
                    .iter()
                    .filter(|r| r.account == i)
                    .map(|r| r.amount_minor)
                    .sum::<i64>()
        };
        assert!(balance(CURRENT) > 0);
        assert!(balance(CARD) < 0);
    }
}
