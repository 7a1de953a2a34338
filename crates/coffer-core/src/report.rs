//! Reports over a filter, as read models (`coffer-api` owns their wire twins). Amounts are exact decimal text; every report is
//! split by currency because different currencies are never added together. Pending rows are
//! left out of totals (they are not money yet); the table still shows them.

use crate::category::Category;
use crate::filter::Filter;
use crate::model::AccountId;
use crate::money::{format_minor, format_total, Currency};
use crate::snapshot::{Period, QueryError, Snapshot, Totals};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amounts {
    /// Money in, `>= 0`.
    pub credit: String,
    /// Money out, `<= 0`.
    pub debit: String,
    /// credit + debit.
    pub net: String,
    pub count: i64,
}

impl Amounts {
    fn of(t: &Totals, currency: Currency) -> Amounts {
        let e = currency.exponent();
        Amounts {
            credit: format_total(t.credit, e),
            debit: format_total(t.debit, e),
            net: format_total(t.net(), e),
            count: t.count as i64,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodTotal {
    /// `2026-03` or `2026-W12`.
    pub key: String,
    pub label: String,
    /// First and last day, to turn a clicked bar into a date filter.
    pub from: String,
    pub to: String,
    pub amounts: Amounts,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowReport {
    pub currency: String,
    pub periods: Vec<PeriodTotal>,
    pub total: Amounts,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryTotal {
    /// `None`: uncategorised.
    pub category: Option<Category>,
    pub amounts: Amounts,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryReport {
    pub currency: String,
    pub rows: Vec<CategoryTotal>,
    pub total: Amounts,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorTotal {
    /// `None`: rows without a recognisable vendor.
    pub vendor: Option<String>,
    pub amounts: Amounts,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorReport {
    pub currency: String,
    pub rows: Vec<VendorTotal>,
    pub total: Amounts,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountTotal {
    pub account_id: AccountId,
    pub account_name: String,
    pub currency: String,
    pub amounts: Amounts,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalancePoint {
    pub date: String,
    pub balance: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalanceReport {
    pub currency: String,
    pub points: Vec<BalancePoint>,
}

/// A total for drawing: charts work in `i64`; a total beyond it (impossible with amounts
/// checked at ingest) is drawn at the edge rather than wrapped.
fn saturate(total: i128) -> i64 {
    i64::try_from(total).unwrap_or(if total < 0 { i64::MIN } else { i64::MAX })
}

fn sum<'a>(totals: impl Iterator<Item = &'a Totals>) -> Totals {
    totals.fold(Totals::default(), |mut acc, t| {
        acc.credit += t.credit;
        acc.debit += t.debit;
        acc.count += t.count;
        acc
    })
}

pub fn flows(
    snap: &Snapshot,
    filter: &Filter,
    period: Period,
) -> Result<Vec<FlowReport>, QueryError> {
    let sel = snap.select(filter)?;
    Ok(snap
        .flows(&sel, period)
        .into_iter()
        .map(|(currency, periods)| FlowReport {
            currency: currency.to_string(),
            total: Amounts::of(&sum(periods.iter().map(|(_, t)| t)), currency),
            periods: periods
                .iter()
                .map(|(k, t)| {
                    let (from, to) = k.range();
                    PeriodTotal {
                        key: k.key(),
                        label: k.label(),
                        from: from.to_string(),
                        to: to.to_string(),
                        amounts: Amounts::of(t, currency),
                    }
                })
                .collect(),
        })
        .collect())
}

pub fn categories(snap: &Snapshot, filter: &Filter) -> Result<Vec<CategoryReport>, QueryError> {
    let sel = snap.select(filter)?;
    Ok(snap
        .by_category(&sel)
        .into_iter()
        .map(|(currency, rows)| CategoryReport {
            currency: currency.to_string(),
            total: Amounts::of(&sum(rows.iter().map(|(_, t)| t)), currency),
            rows: rows
                .iter()
                .map(|(c, t)| CategoryTotal {
                    category: *c,
                    amounts: Amounts::of(t, currency),
                })
                .collect(),
        })
        .collect())
}

/// The top `limit` vendors by spending; the total still covers every selected row.
pub fn vendors(
    snap: &Snapshot,
    filter: &Filter,
    limit: usize,
) -> Result<Vec<VendorReport>, QueryError> {
    let sel = snap.select(filter)?;
    Ok(snap
        .by_vendor(&sel)
        .into_iter()
        .map(|(currency, rows)| VendorReport {
            currency: currency.to_string(),
            total: Amounts::of(&sum(rows.iter().map(|(_, t)| t)), currency),
            rows: rows
                .iter()
                .take(limit)
                .map(|(v, t)| VendorTotal {
                    vendor: v.clone(),
                    amounts: Amounts::of(t, currency),
                })
                .collect(),
        })
        .collect())
}

pub fn accounts(snap: &Snapshot, filter: &Filter) -> Result<Vec<AccountTotal>, QueryError> {
    let sel = snap.select(filter)?;
    Ok(snap
        .by_account(&sel)
        .into_iter()
        .map(|(id, name, currency, t)| AccountTotal {
            account_id: id,
            account_name: name,
            currency: currency.to_string(),
            amounts: Amounts::of(&t, currency),
        })
        .collect())
}

pub fn balances(snap: &Snapshot, filter: &Filter) -> Result<Vec<BalanceReport>, QueryError> {
    filter.validate()?;
    Ok(snap
        .balance_history(filter)?
        .into_iter()
        .map(|(currency, points)| BalanceReport {
            currency: currency.to_string(),
            points: points
                .into_iter()
                .map(|(d, m)| BalancePoint {
                    date: d.to_string(),
                    balance: format_minor(m, currency.exponent()),
                })
                .collect(),
        })
        .collect())
}

/// Which chart to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    DebitCredit,
    Category,
    Vendor,
    Balance,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PeriodKind {
    #[default]
    Month,
    Week,
}

impl From<PeriodKind> for Period {
    fn from(p: PeriodKind) -> Period {
        match p {
            PeriodKind::Month => Period::Month,
            PeriodKind::Week => Period::Week,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChartTheme {
    #[default]
    Light,
    Dark,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartRequest {
    pub kind: ChartKind,
    pub filter: Filter,
    pub width: u32,
    pub height: u32,
    pub theme: ChartTheme,
    pub period: PeriodKind,
    /// Which currency to draw when the filter spans several; default: the one with most rows.
    pub currency: Option<String>,
    /// The UI's locale (BCP 47, e.g. "nb-NO"), for the month names on date axes; `None`:
    /// English.
    pub locale: Option<String>,
}

impl Default for ChartRequest {
    fn default() -> Self {
        ChartRequest {
            kind: ChartKind::DebitCredit,
            filter: Filter::default(),
            width: 900,
            height: 360,
            theme: ChartTheme::Light,
            period: PeriodKind::Month,
            currency: None,
            locale: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HitTarget {
    Period,
    Category,
    Vendor,
    Date,
}

/// A clickable area of a chart, in SVG pixels; `key` is the filter value it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartRegion {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub target: HitTarget,
    pub key: String,
    /// For period and date regions: the first and last day it stands for (ISO dates), so a
    /// click filters exactly that span without the front end decoding the key.
    pub from: Option<String>,
    pub to: Option<String>,
    /// What a tooltip shows, exact: a bar's amount (a category's or vendor's spending, a day's
    /// balance) as decimal text in the chart's currency; `None` where the region has two
    /// (a period: see `credit`/`debit`) or none.
    pub amount: Option<String>,
    /// A period's money in (`>= 0`) and out (`<= 0`), decimal text.
    pub credit: Option<String>,
    pub debit: Option<String>,
    /// How many transactions the region stands for; `None` for balances (a balance is not a
    /// sum of the selected rows).
    pub count: Option<u64>,
}

/// What a region's tooltip says, keyed by the region's key.
#[derive(Default)]
struct RegionFacts {
    amount: Option<String>,
    credit: Option<String>,
    debit: Option<String>,
    count: Option<u64>,
}

/// The days a period or date key covers: `2026-03` (a month), `2026-W12` (an ISO week, Monday
/// to Sunday), `2026-03-14` (a day), `2026` (a year). `None` for other keys.
pub fn key_span(target: &HitTarget, key: &str) -> Option<(chrono::NaiveDate, chrono::NaiveDate)> {
    use chrono::{Datelike, NaiveDate, Weekday};
    if !matches!(target, HitTarget::Period | HitTarget::Date) {
        return None;
    }
    let period = matches!(target, HitTarget::Period);
    if let Some((y, w)) = key.split_once("-W").filter(|_| period) {
        let (y, w) = (y.parse().ok()?, w.parse().ok()?);
        let monday = NaiveDate::from_isoywd_opt(y, w, Weekday::Mon)?;
        return Some((monday, NaiveDate::from_isoywd_opt(y, w, Weekday::Sun)?));
    }
    match key.len() {
        4 if !period => {
            let y = key.parse().ok()?;
            Some((
                NaiveDate::from_ymd_opt(y, 1, 1)?,
                NaiveDate::from_ymd_opt(y, 12, 31)?,
            ))
        }
        7 => {
            let first = NaiveDate::parse_from_str(&format!("{key}-01"), "%Y-%m-%d").ok()?;
            let next = first.checked_add_months(chrono::Months::new(1))?;
            Some((first, next.pred_opt()?))
        }
        10 if !period => {
            let day = NaiveDate::parse_from_str(key, "%Y-%m-%d").ok()?;
            (day.year() > 0).then_some((day, day))
        }
        _ => None,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartView {
    pub kind: ChartKind,
    pub currency: Option<String>,
    /// Every currency the filter spans, for a switcher.
    pub currencies: Vec<String>,
    pub svg: String,
    pub regions: Vec<ChartRegion>,
}

#[derive(Debug, thiserror::Error)]
pub enum ChartFailure {
    #[error(transparent)]
    Query(#[from] QueryError),
    #[error(transparent)]
    Chart(#[from] crate::chart::ChartError),
    #[error("the filter has no {0} transactions; it spans {1}")]
    NoSuchCurrency(String, String),
}

/// Draws one chart for a filter.
/// Draws a chart; `today` marks the period still running (drawn as partial).
pub fn chart(
    snap: &Snapshot,
    req: &ChartRequest,
    today: chrono::NaiveDate,
) -> Result<ChartView, ChartFailure> {
    use crate::chart::{self as c, ChartSize, ChartSpec, Share, Theme};
    let all = snap.select(&req.filter)?;
    // Moving money between one's own accounts is not spending; leave it out of the spending
    // charts unless the filter asks for categories explicitly.
    let spending = if req.filter.categories.is_empty() {
        snap.without_category(&all, Category::Transfers)
    } else {
        all.clone()
    };
    let sel = &all;
    // Currencies by number of selected rows, most first.
    let counts = snap.by_account(sel);
    let mut per_currency: Vec<(Currency, u64)> = Vec::new();
    for (_, _, cur, t) in &counts {
        match per_currency.iter_mut().find(|(c, _)| c == cur) {
            Some((_, n)) => *n += t.count,
            None => per_currency.push((*cur, t.count)),
        }
    }
    per_currency.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let currencies: Vec<String> = per_currency.iter().map(|(c, _)| c.to_string()).collect();
    let currency: Option<Currency> = match &req.currency {
        Some(code) => {
            let wanted: Currency = code
                .parse()
                .map_err(|_| ChartFailure::NoSuchCurrency(code.clone(), currencies.join(", ")))?;
            if !per_currency.iter().any(|(c, _)| *c == wanted) && !per_currency.is_empty() {
                return Err(ChartFailure::NoSuchCurrency(
                    code.clone(),
                    currencies.join(", "),
                ));
            }
            Some(wanted)
        }
        None => per_currency.first().map(|(c, _)| *c),
    };
    let code = currency.map(|c| c.to_string()).unwrap_or_default();
    let months = req
        .locale
        .as_deref()
        .map(c::ChartLocale::of_locale)
        .unwrap_or_default();
    let spec = |title: &str| ChartSpec {
        title: title.to_string(),
        currency: code.clone(),
        exponent: currency.map(|c| c.exponent()).unwrap_or(2),
        size: ChartSize {
            width: req.width,
            height: req.height,
        },
        theme: match req.theme {
            ChartTheme::Light => Theme::Light,
            ChartTheme::Dark => Theme::Dark,
        },
        locale: months,
    };
    let exponent = currency.map(|c| c.exponent()).unwrap_or(2);
    let mut facts: std::collections::HashMap<String, RegionFacts> =
        std::collections::HashMap::new();
    let drawn = match req.kind {
        ChartKind::DebitCredit => {
            let flows = snap.flows(sel, req.period.into());
            let data: Vec<c::PeriodFlow> = currency
                .and_then(|cur| flows.get(&cur))
                .map(|periods| {
                    periods
                        .iter()
                        .map(|(k, t)| {
                            let key = k.key();
                            let partial = key_span(&HitTarget::Period, &key)
                                .is_some_and(|(from, to)| from <= today && today < to);
                            facts.insert(
                                key.clone(),
                                RegionFacts {
                                    credit: Some(format_total(t.credit, exponent)),
                                    debit: Some(format_total(t.debit, exponent)),
                                    count: Some(t.count),
                                    ..RegionFacts::default()
                                },
                            );
                            c::PeriodFlow {
                                label: k.label_in(months),
                                credit_minor: saturate(t.credit),
                                debit_minor: saturate(t.debit.saturating_neg()),
                                partial,
                                key,
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            c::debit_credit(&spec("Money in and out"), &data)?
        }
        ChartKind::Category => {
            let rows = snap.by_category(&spending);
            let data: Vec<Share> = currency
                .and_then(|cur| rows.get(&cur))
                .map(|rows| {
                    rows.iter()
                        .filter(|(_, t)| t.debit < 0)
                        .map(|(cat, t)| {
                            let key = cat
                                .map(|c| c.as_str())
                                .unwrap_or("uncategorised")
                                .to_string();
                            facts.insert(key.clone(), spent(t, exponent));
                            (cat, t, key)
                        })
                        .collect::<Vec<_>>()
                        .into_iter()
                        .map(|(cat, t, key)| Share {
                            key,
                            label: cat
                                .map(category_label)
                                .unwrap_or("Uncategorised")
                                .to_string(),
                            minor: saturate(t.debit.saturating_neg()),
                        })
                        .collect()
                })
                .unwrap_or_default();
            c::spending_by_category(&spec("Spending by category"), &data)?
        }
        ChartKind::Vendor => {
            let rows = snap.by_vendor(&spending);
            let data: Vec<Share> = currency
                .and_then(|cur| rows.get(&cur))
                .map(|rows| {
                    rows.iter()
                        .filter_map(|(v, t)| Some((v.as_ref()?, t)))
                        .filter(|(_, t)| t.debit < 0)
                        .take(10)
                        .map(|(v, t)| {
                            facts.insert(v.clone(), spent(t, exponent));
                            (v, t)
                        })
                        .collect::<Vec<_>>()
                        .into_iter()
                        .map(|(v, t)| Share {
                            key: v.clone(),
                            label: v.clone(),
                            minor: saturate(t.debit.saturating_neg()),
                        })
                        .collect()
                })
                .unwrap_or_default();
            c::top_vendors(&spec("Top vendors"), &data)?
        }
        ChartKind::Balance => {
            let history = snap.balance_history(&req.filter)?;
            let data: Vec<c::BalancePoint> = currency
                .and_then(|cur| history.get(&cur))
                .map(|points| {
                    points
                        .iter()
                        .map(|(d, m)| {
                            facts.insert(
                                d.to_string(),
                                RegionFacts {
                                    amount: Some(format_minor(*m, exponent)),
                                    ..RegionFacts::default()
                                },
                            );
                            c::BalancePoint {
                                date: *d,
                                minor: *m,
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            c::balance_over_time(&spec("Balance over time"), &data)?
        }
    };
    Ok(ChartView {
        kind: req.kind,
        currency: currency.map(|c| c.to_string()),
        currencies,
        svg: drawn.svg,
        regions: drawn
            .regions
            .into_iter()
            .map(|r| ChartRegion {
                x: r.x,
                y: r.y,
                width: r.width,
                height: r.height,
                target: match r.kind {
                    c::HitKind::Period => HitTarget::Period,
                    c::HitKind::Category => HitTarget::Category,
                    c::HitKind::Vendor => HitTarget::Vendor,
                    c::HitKind::Date => HitTarget::Date,
                },
                from: None,
                to: None,
                amount: None,
                credit: None,
                debit: None,
                count: None,
                key: r.key,
            })
            .map(|mut r| {
                if let Some((from, to)) = key_span(&r.target, &r.key) {
                    r.from = Some(from.to_string());
                    r.to = Some(to.to_string());
                }
                if let Some(f) = facts.remove(&r.key) {
                    r.amount = f.amount;
                    r.credit = f.credit;
                    r.debit = f.debit;
                    r.count = f.count;
                }
                r
            })
            .collect(),
    })
}

/// A category's or vendor's spending for a tooltip: the size of its money out, and its rows.
fn spent(t: &Totals, exponent: u32) -> RegionFacts {
    RegionFacts {
        amount: Some(format_total(t.debit.saturating_neg(), exponent)),
        count: Some(t.count),
        ..RegionFacts::default()
    }
}

/// Display name of a category.
pub fn category_label(c: Category) -> &'static str {
    match c {
        Category::Groceries => "Groceries",
        Category::Restaurants => "Restaurants",
        Category::Transport => "Transport",
        Category::Housing => "Housing",
        Category::Utilities => "Utilities",
        Category::Subscriptions => "Subscriptions",
        Category::Shopping => "Shopping",
        Category::Travel => "Travel",
        Category::Health => "Health",
        Category::Fees => "Fees",
        Category::Income => "Income",
        Category::Transfers => "Transfers",
        Category::Other => "Other",
    }
}

#[cfg(test)]
mod tests {
    use super::{key_span, HitTarget};

    fn span(target: HitTarget, key: &str) -> Option<(String, String)> {
        key_span(&target, key).map(|(a, b)| (a.to_string(), b.to_string()))
    }

    #[test]
    fn chart_keys_name_exact_spans() {
        let s = |a: &str, b: &str| Some((a.to_string(), b.to_string()));
        assert_eq!(
            span(HitTarget::Period, "2024-02"),
            s("2024-02-01", "2024-02-29")
        );
        assert_eq!(
            span(HitTarget::Period, "2026-12"),
            s("2026-12-01", "2026-12-31")
        );
        // ISO week 1 of 2026 starts in 2025; 2026 has 53 weeks.
        assert_eq!(
            span(HitTarget::Period, "2026-W01"),
            s("2025-12-29", "2026-01-04")
        );
        assert_eq!(
            span(HitTarget::Period, "2026-W53"),
            s("2026-12-28", "2027-01-03")
        );
        assert_eq!(span(HitTarget::Period, "2025-W53"), None);
        assert_eq!(span(HitTarget::Period, "2026-W00"), None);
        // 2021-01-01 is a Friday: it belongs to 2020-W53, and 2021-W01 starts on 4 January.
        assert_eq!(
            span(HitTarget::Period, "2021-W01"),
            s("2021-01-04", "2021-01-10")
        );
        assert_eq!(
            span(HitTarget::Period, "2020-W53"),
            s("2020-12-28", "2021-01-03")
        );
        assert_eq!(
            span(HitTarget::Period, "2000-02"),
            s("2000-02-01", "2000-02-29")
        );
        assert_eq!(
            span(HitTarget::Period, "2100-02"),
            s("2100-02-01", "2100-02-28")
        );
        assert_eq!(span(HitTarget::Date, "2026-02-30"), None);
        assert_eq!(span(HitTarget::Period, "2026-03-14"), None);
        assert_eq!(span(HitTarget::Date, "2026-W12"), None);
        assert_eq!(
            span(HitTarget::Date, "2026-04"),
            s("2026-04-01", "2026-04-30")
        );
        assert_eq!(
            span(HitTarget::Date, "2026-03-14"),
            s("2026-03-14", "2026-03-14")
        );
        assert_eq!(span(HitTarget::Date, "2026"), s("2026-01-01", "2026-12-31"));
        assert_eq!(span(HitTarget::Date, "2026-13"), None);
        assert_eq!(span(HitTarget::Category, "2026-03"), None);
        assert_eq!(span(HitTarget::Vendor, "Rema 1000"), None);
    }
}
