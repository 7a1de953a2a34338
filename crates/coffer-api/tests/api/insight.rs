//! Reports, categorisation and vendor management over the Demo Bank.

use std::collections::HashMap;
use std::process::Command;

use coffer_api::category::Category;
use coffer_api::filter::Transfers;
use coffer_api::model::Direction;
use coffer_api::report::{ChartKind, ChartRequest, PeriodKind};
use coffer_api::rules::RuleMatch;
use coffer_api::Filter;
use coffer_api::{Coffer, ErrorCode, TransactionQuery};
use coffer_core::money::parse_minor;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;

use crate::{clock, demo_profile};

fn minor(text: &str) -> i64 {
    parse_minor(text, 2).unwrap()
}

/// A random but valid filter over the demo data.
fn random_filter(rng: &mut rand::rngs::StdRng, accounts: &[i64], vendors: &[String]) -> Filter {
    let mut f = Filter::default();
    if rng.random_bool(0.5) {
        let start = chrono::NaiveDate::from_ymd_opt(2024, 11, 1).unwrap()
            + chrono::Days::new(rng.random_range(0..700));
        f.from = Some(start);
        f.to = Some(start + chrono::Days::new(rng.random_range(0..200)));
    }
    if rng.random_bool(0.4) {
        f.accounts = vec![accounts[rng.random_range(0..accounts.len())]];
    }
    if rng.random_bool(0.3) {
        f.direction = Some(if rng.random_bool(0.5) {
            Direction::Debit
        } else {
            Direction::Credit
        });
    }
    if rng.random_bool(0.3) {
        let all = Category::all();
        f.categories = vec![all[rng.random_range(0..all.len())].as_str().into()];
    }
    if rng.random_bool(0.2) {
        f.vendors = vec![vendors[rng.random_range(0..vendors.len())].clone()];
    }
    if rng.random_bool(0.2) {
        f.search = Some(["rema", "visa", "oslo", "ø", "kiwi"][rng.random_range(0..5)].into());
    }
    if rng.random_bool(0.2) {
        f.min = Some(Decimal::new(rng.random_range(0..50_000), 2));
    }
    if rng.random_bool(0.3) {
        f.transfers =
            Some([Transfers::Include, Transfers::Exclude, Transfers::Only][rng.random_range(0..3)]);
    }
    f
}

#[tokio::test]
async fn reports_agree_with_each_other_and_with_the_rows_for_random_filters() {
    let dir = tempfile::tempdir().unwrap();
    let coffer = demo_profile(dir.path(), clock(2026, 11, 21)).await;
    let accounts: Vec<i64> = coffer
        .accounts()
        .await
        .unwrap()
        .accounts
        .iter()
        .map(|a| a.id)
        .collect();
    let vendors: Vec<String> = coffer
        .vendors()
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.name)
        .collect();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut non_empty = 0;
    for round in 0..60 {
        let filter = random_filter(&mut rng, &accounts, &vendors);
        let rows = coffer.transactions(&filter).await.unwrap().rows;
        // Expected totals from the rows themselves: booked only, per currency.
        let mut expected: HashMap<String, (i64, i64, i64)> = HashMap::new();
        // Reports leave paired transfers out unless the filter names them; the list shows
        // them, marked.
        let reported = |r: &&coffer_api::views::TransactionView| {
            filter.transfers.is_some() || r.transfer.is_none()
        };
        for r in rows
            .iter()
            .filter(|r| r.status.as_str() == "booked")
            .filter(reported)
        {
            let e = expected.entry(r.currency.clone()).or_default();
            let m = minor(&r.amount);
            if m < 0 {
                e.1 += m
            } else {
                e.0 += m
            }
            e.2 += 1;
        }
        non_empty += usize::from(!rows.is_empty());

        let flows = coffer
            .report_flows(&filter, PeriodKind::Month)
            .await
            .unwrap();
        let weeks = coffer
            .report_flows(&filter, PeriodKind::Week)
            .await
            .unwrap();
        let categories = coffer.report_categories(&filter).await.unwrap();
        let by_vendor = coffer.report_vendors(&filter, 1_000).await.unwrap();
        for report in &flows {
            let (credit, debit, count) = expected[&report.currency];
            let t = &report.total;
            assert_eq!(
                (minor(&t.credit), minor(&t.debit), t.count),
                (credit, debit, count),
                "round {round}: month totals for {} under {filter:?}",
                report.currency
            );
            assert_eq!(
                minor(&t.credit) + minor(&t.debit),
                minor(&t.net),
                "debit + credit = net"
            );
            let period_sum: i64 = report.periods.iter().map(|p| minor(&p.amounts.net)).sum();
            assert_eq!(period_sum, minor(&t.net), "months add up to the total");
        }
        assert_eq!(
            flows.len(),
            expected.len(),
            "one report per currency present"
        );
        for (w, m) in weeks.iter().zip(&flows) {
            assert_eq!(w.total, m.total, "weeks and months cover the same rows");
        }
        for report in &categories {
            let (credit, debit, _) = expected[&report.currency];
            // Category totals, the uncategorised bucket included, make up the filtered total.
            let sum: i64 = report.rows.iter().map(|r| minor(&r.amounts.net)).sum();
            assert_eq!(
                sum,
                credit + debit,
                "round {round}: categories + uncategorised = total"
            );
            assert_eq!(minor(&report.total.net), credit + debit);
        }
        for report in &by_vendor {
            let (credit, debit, _) = expected[&report.currency];
            let sum: i64 = report.rows.iter().map(|r| minor(&r.amounts.net)).sum();
            assert_eq!(
                sum,
                credit + debit,
                "round {round}: vendors + no-vendor = total"
            );
        }
    }
    assert!(
        non_empty > 30,
        "most random filters should select something ({non_empty})"
    );
}

#[tokio::test]
async fn nothing_is_counted_twice_when_pending_becomes_booked() {
    let dir = tempfile::tempdir().unwrap();
    let first = demo_profile(dir.path(), clock(2026, 11, 21)).await;
    let nov = Filter {
        from: chrono::NaiveDate::from_ymd_opt(2026, 11, 1),
        to: chrono::NaiveDate::from_ymd_opt(2026, 11, 21),
        ..Filter::default()
    };
    let pending: Vec<_> = first
        .transactions(&nov)
        .await
        .unwrap()
        .rows
        .into_iter()
        .filter(|r| r.status.as_str() == "pending")
        .collect();
    assert!(!pending.is_empty());
    let before = first.report_flows(&nov, PeriodKind::Month).await.unwrap();
    drop(first);

    let later = Coffer::open_with_clock(dir.path(), clock(2026, 11, 25)).unwrap();
    later.sync(None, |_| {}).await.unwrap();
    let after = later.report_flows(&nov, PeriodKind::Month).await.unwrap();
    let nok = |r: &[coffer_api::report::FlowReport]| {
        r.iter()
            .find(|x| x.currency == "NOK")
            .unwrap()
            .total
            .clone()
    };
    let pending_sum: i64 = pending
        .iter()
        .filter(|p| p.currency == "NOK")
        .map(|p| minor(&p.amount))
        .sum();
    let pending_count = pending.iter().filter(|p| p.currency == "NOK").count() as i64;
    // The rows that were pending now count once, as booked; nothing else in the window changed.
    assert_eq!(
        minor(&nok(&after).net),
        minor(&nok(&before).net) + pending_sum
    );
    assert_eq!(nok(&after).count, nok(&before).count + pending_count);
}

#[tokio::test]
async fn exports_match_the_rows_on_screen_and_read_back_in_python() {
    let dir = tempfile::tempdir().unwrap();
    let coffer = demo_profile(dir.path(), clock(2026, 11, 21)).await;
    let filters = [
        Filter::default(),
        Filter {
            direction: Some(Direction::Debit),
            search: Some("rema".into()),
            ..Filter::default()
        },
        Filter {
            categories: vec!["restaurants".into(), "uncategorised".into()],
            ..Filter::default()
        },
        Filter {
            accounts: vec![3],
            min: Some(Decimal::new(10_000, 2)),
            ..Filter::default()
        },
    ];
    for filter in filters {
        let shown = coffer.transactions(&filter).await.unwrap().rows;
        // The table pages through the same selection.
        let page = coffer
            .transaction_page(&TransactionQuery {
                filter: filter.clone(),
                limit: 5_000,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(page.rows, shown);
        let path = dir.path().join("export.csv");
        let written = coffer.export_csv_to_file(&filter, &path).await.unwrap();
        assert_eq!(written as usize, shown.len());
        let out = Command::new("python3")
            .arg("-c")
            .arg(
                "import csv, json, sys\n\
                 rows = list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))\n\
                 print(json.dumps([[r['transaction_id'], r['amount'], r['description'], r['vendor'], r['category'], r['status']] for r in rows]))",
            )
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let parsed: Vec<Vec<String>> = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(parsed.len(), shown.len(), "{filter:?}");
        for (p, r) in parsed.iter().zip(&shown) {
            let description = p[2]
                .strip_prefix('\'')
                .filter(|_| r.description.starts_with(['=', '+', '-', '@']))
                .unwrap_or(&p[2]);
            assert_eq!(p[0], r.id.to_string());
            assert_eq!(p[1], r.amount);
            assert_eq!(description, r.description);
            assert_eq!(p[3], r.vendor.clone().unwrap_or_default());
            assert_eq!(p[4], r.category.clone().unwrap_or_default());
            assert_eq!(p[5], r.status.as_str());
        }
    }
}

#[tokio::test]
async fn recategorising_teaches_the_vendor_but_keeps_hand_set_rows() {
    let dir = tempfile::tempdir().unwrap();
    let coffer = demo_profile(dir.path(), clock(2026, 11, 21)).await;
    let kiwi = Filter {
        vendors: vec!["Kiwi".into()],
        ..Filter::default()
    };
    let rows = coffer.transactions(&kiwi).await.unwrap().rows;
    assert!(rows.len() > 10);
    assert!(rows
        .iter()
        .all(|r| r.category.as_deref() == Some("groceries")));

    // By hand, one Kiwi row is "other"; then the whole vendor becomes "shopping".
    coffer
        .set_category(rows[1].id, Some(Category::Other))
        .await
        .unwrap();
    let followed = coffer
        .set_category(rows[0].id, Some(Category::Shopping))
        .await
        .unwrap();
    assert_eq!(
        followed as usize,
        rows.len() - 2,
        "all but the two set by hand followed"
    );
    let after = coffer.transactions(&kiwi).await.unwrap().rows;
    assert_eq!(
        after[1].category.as_deref(),
        Some("other"),
        "a hand-set row keeps its category"
    );
    assert!(after
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 1)
        .all(|(_, r)| r.category.as_deref() == Some("shopping")));
    let rules = coffer.category_rules().await.unwrap();
    assert!(rules
        .iter()
        .any(|r| r.learned && r.pattern == "Kiwi" && r.category == Category::Shopping));

    // A sync afterwards keeps all of it.
    coffer.sync(None, |_| {}).await.unwrap();
    assert_eq!(coffer.transactions(&kiwi).await.unwrap().rows, after);
    assert_eq!(
        coffer.set_category(999_999, None).await.unwrap_err().code,
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn vendors_can_be_renamed_merged_and_ruled() {
    let dir = tempfile::tempdir().unwrap();
    let coffer = demo_profile(dir.path(), clock(2026, 11, 21)).await;
    let count = |name: &str| {
        let name = name.to_string();
        let c = &coffer;
        async move {
            c.vendors()
                .await
                .unwrap()
                .into_iter()
                .find(|v| v.name == name)
                .map(|v| v.transactions)
        }
    };
    let kiwi = count("Kiwi").await.unwrap();
    let meny = count("Meny").await.unwrap();
    coffer
        .merge_vendors(&["Kiwi".into(), "Meny".into()], "NorgesGruppen")
        .await
        .unwrap();
    assert_eq!(count("NorgesGruppen").await, Some(kiwi + meny));
    assert_eq!(count("Kiwi").await, None);
    let merged = coffer
        .vendors()
        .await
        .unwrap()
        .into_iter()
        .find(|v| v.name == "NorgesGruppen")
        .unwrap();
    assert!(
        merged.rules.iter().any(|r| r.contains("renamed")),
        "{:?}",
        merged.rules
    );
    assert_eq!(merged.aliases.len(), 2);
    // Renaming back undoes the merge for that name only.
    coffer.rename_vendor("NorgesGruppen", "NG").await.unwrap();
    assert_eq!(count("NG").await, Some(kiwi + meny));

    let id = coffer
        .add_vendor_rule("TIM WENDELBOE", false, "Tim Wendelboe Coffee")
        .await
        .unwrap();
    let v = coffer
        .vendors()
        .await
        .unwrap()
        .into_iter()
        .find(|v| v.name == "Tim Wendelboe Coffee")
        .unwrap();
    assert_eq!(v.rules, vec![format!("Your rule #{id}")]);
    let err = coffer
        .add_vendor_rule("([unclosed", true, "X")
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.contains("([unclosed"), "{}", err.message);
    let err = coffer.rename_vendor("Nobody", "X").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);

    let rule = coffer
        .add_category_rule(RuleMatch::Text, "wendelboe", Category::Restaurants)
        .await
        .unwrap();
    let rows = coffer
        .transactions(&Filter {
            vendors: vec!["Tim Wendelboe Coffee".into()],
            ..Filter::default()
        })
        .await
        .unwrap()
        .rows;
    assert!(rows
        .iter()
        .all(|r| r.category.as_deref() == Some("restaurants")));
    coffer.delete_category_rule(rule).await.unwrap();
}

#[tokio::test]
async fn charts_render_for_every_kind_and_refuse_bad_requests() {
    let dir = tempfile::tempdir().unwrap();
    let coffer = demo_profile(dir.path(), clock(2026, 11, 21)).await;
    for kind in [
        ChartKind::DebitCredit,
        ChartKind::Category,
        ChartKind::Vendor,
        ChartKind::Balance,
    ] {
        let view = coffer
            .chart(&ChartRequest {
                kind,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(view.svg.starts_with("<svg"), "{kind:?}");
        assert!(!view.regions.is_empty(), "{kind:?} has clickable parts");
        assert_eq!(view.currency.as_deref(), Some("NOK"));
        assert_eq!(view.currencies, vec!["NOK".to_string(), "EUR".to_string()]);
    }
    let cat = coffer
        .chart(&ChartRequest {
            kind: ChartKind::Category,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        cat.regions.iter().all(|r| r.key != "transfers"),
        "own transfers are not spending"
    );
    let err = coffer
        .chart(&ChartRequest {
            width: 10,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    let err = coffer
        .chart(&ChartRequest {
            currency: Some("USD".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(err.message.contains("USD"), "{}", err.message);
    let png = dir.path().join("c.png");
    coffer
        .save_chart(&ChartRequest::default(), &png)
        .await
        .unwrap();
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
    let err = coffer
        .save_chart(&ChartRequest::default(), &dir.path().join("c.gif"))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    let err = coffer
        .save_chart(
            &ChartRequest::default(),
            &dir.path().join("no/such/dir/c.svg"),
        )
        .await
        .unwrap_err();
    assert!(err.message.contains("does not exist"), "{}", err.message);
}

/// What a chart's tooltip shows comes with each region, exact and equal to the reports: a
/// month's money in, out and row count; a category's spending and rows. Month labels carry the
/// whole year in the requested locale's month names.
#[tokio::test]
async fn chart_regions_carry_exact_values_and_counts_for_tooltips() {
    let dir = tempfile::tempdir().unwrap();
    let coffer = demo_profile(dir.path(), clock(2026, 11, 21)).await;
    let flows = coffer.chart(&ChartRequest::default()).await.unwrap();
    let report = coffer
        .report_flows(&Filter::default(), PeriodKind::Month)
        .await
        .unwrap();
    let nok = report.iter().find(|r| r.currency == "NOK").unwrap();
    assert_eq!(flows.regions.len(), nok.periods.len());
    for (region, period) in flows.regions.iter().zip(&nok.periods) {
        assert_eq!(region.key, period.key);
        assert_eq!(
            region.credit.as_deref(),
            Some(period.amounts.credit.as_str())
        );
        assert_eq!(region.debit.as_deref(), Some(period.amounts.debit.as_str()));
        assert_eq!(region.count, Some(period.amounts.count as u64));
        assert!(region.count.unwrap() > 0);
    }
    assert!(
        flows.svg.contains("Nov 2026"),
        "month labels carry the year"
    );
    assert!(!flows.svg.contains(">\nNov 26\n<"));
    // November 2026 is running on the 21st: its bars are the see-through ones.
    assert_eq!(flows.svg.matches("opacity=\"0.4\"").count(), 2);
    let norwegian = coffer
        .chart(&ChartRequest {
            locale: Some("nb-NO".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(norwegian.svg.contains("nov. 2026"), "{}", norwegian.svg);

    let categories = coffer
        .chart(&ChartRequest {
            kind: ChartKind::Category,
            ..Default::default()
        })
        .await
        .unwrap();
    let report = coffer.report_categories(&Filter::default()).await.unwrap();
    let nok = report.iter().find(|r| r.currency == "NOK").unwrap();
    let groceries = categories
        .regions
        .iter()
        .find(|r| r.key == "groceries")
        .expect("a groceries bar");
    let row = nok
        .rows
        .iter()
        .find(|r| r.category == Some(Category::Groceries))
        .unwrap();
    assert_eq!(
        groceries.amount.as_deref(),
        Some(row.amounts.debit.trim_start_matches('-'))
    );
    assert_eq!(groceries.count, Some(row.amounts.count as u64));
}

/// The UI's amount fields go through the one parser: either decimal mark, the ambiguous
/// shape by the locale, and refusals that name the field as the form does.
#[test]
fn typed_amounts_are_read_by_the_one_parser() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let coffer = rt.block_on(demo_profile(dir.path(), clock(2026, 11, 21)));
    let read = |min: Option<&str>, max: Option<&str>, locale: Option<&str>| {
        coffer.check_amounts(min, max, locale)
    };
    let bounds = read(Some("99,50"), Some("1 000,50"), Some("nb-NO")).unwrap();
    assert_eq!(bounds.min.as_deref(), Some("99.5"));
    assert_eq!(bounds.max.as_deref(), Some("1000.5"));
    let bounds = read(Some("99.50"), Some(" "), None).unwrap();
    assert_eq!((bounds.min.as_deref(), bounds.max), (Some("99.5"), None));
    assert_eq!(
        read(Some("1,000"), None, Some("en-GB"))
            .unwrap()
            .min
            .as_deref(),
        Some("1000")
    );
    assert_eq!(
        read(Some("1,000"), None, Some("nb-NO"))
            .unwrap()
            .min
            .as_deref(),
        Some("1")
    );
    let err = read(Some("1,000"), None, None).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(
        err.message.starts_with("Min amount: '1,000' could mean"),
        "{}",
        err.message
    );
    let err = read(None, Some("abc"), Some("nb-NO")).unwrap_err();
    assert!(
        err.message
            .starts_with("Max amount: 'abc' is not an amount"),
        "{}",
        err.message
    );
    assert!(!err.message.contains("--"));
    let err = read(Some("500"), Some("100"), None).unwrap_err();
    assert!(
        err.message.contains("minimum 500 is above the maximum 100"),
        "{}",
        err.message
    );
}

/// The Demo Bank's own transfers: savings orders, sweeps, top-ups and the card bill (NOK out of
/// Brukskonto, EUR into Visa Reise). Each names the other account as its counterparty.
const DEMO_OWN_TRANSFERS: &[&str] = &[
    "Overføring til sparekonto",
    "Overføring fra brukskonto",
    "Overføring til brukskonto",
    "Overføring fra sparekonto",
    "BETALING VISA REISE",
    "INNBETALING - TAKK",
];

#[tokio::test]
async fn demo_transfers_are_all_paired_and_left_out_of_money_in_and_out() {
    let dir = tempfile::tempdir().unwrap();
    let coffer = demo_profile(dir.path(), clock(2026, 11, 21)).await;
    let rows = coffer.transactions(&Filter::default()).await.unwrap().rows;
    let mut pairs = 0;
    let mut own_rows = 0;
    for r in rows.iter().filter(|r| r.status.as_str() == "booked") {
        let own = DEMO_OWN_TRANSFERS.contains(&r.description.as_str());
        own_rows += usize::from(own);
        assert_eq!(
            r.transfer.is_some(),
            own,
            "{} {} {} on {}",
            r.booking_date,
            r.amount,
            r.description,
            r.account_name
        );
        if let Some(t) = &r.transfer {
            let other = rows.iter().find(|o| o.id == t.partner_id).unwrap();
            assert_eq!(other.transfer.as_ref().unwrap().partner_id, r.id);
            assert_ne!(other.account_id, r.account_id);
            pairs += usize::from(r.amount.starts_with('-'));
        }
    }
    eprintln!("Demo Bank: {pairs} transfer pairs of {own_rows} own-transfer rows");
    assert_eq!(
        pairs * 2,
        own_rows,
        "every own transfer is paired, each once"
    );
    assert!(
        pairs >= 48,
        "two years of savings orders and card bills ({pairs})"
    );

    // Money in and out per currency is the sum of the rows that are not transfers.
    let mut expected: HashMap<String, (i64, i64)> = HashMap::new();
    for r in rows
        .iter()
        .filter(|r| r.status.as_str() == "booked" && r.transfer.is_none())
    {
        let e = expected.entry(r.currency.clone()).or_default();
        let m = minor(&r.amount);
        if m < 0 {
            e.1 += m;
        } else {
            e.0 += m;
        }
    }
    let flows = coffer
        .report_flows(&Filter::default(), PeriodKind::Month)
        .await
        .unwrap();
    assert_eq!(flows.len(), expected.len());
    for f in &flows {
        assert_eq!(
            (minor(&f.total.credit), minor(&f.total.debit)),
            expected[&f.currency],
            "{}",
            f.currency
        );
    }
    // Spending by category and by vendor have no transfer in them either.
    for report in coffer.report_categories(&Filter::default()).await.unwrap() {
        let (credit, debit) = expected[&report.currency];
        assert_eq!(minor(&report.total.net), credit + debit);
    }
    for report in coffer
        .report_vendors(&Filter::default(), 1_000)
        .await
        .unwrap()
    {
        let (credit, debit) = expected[&report.currency];
        assert_eq!(minor(&report.total.net), credit + debit);
    }
}

#[tokio::test]
async fn unpairing_a_demo_transfer_survives_a_resync() {
    let dir = tempfile::tempdir().unwrap();
    let coffer = demo_profile(dir.path(), clock(2026, 11, 21)).await;
    let rows = coffer.transactions(&Filter::default()).await.unwrap().rows;
    let bill = rows
        .iter()
        .find(|r| r.description == "BETALING VISA REISE")
        .unwrap();
    let partner = bill.transfer.as_ref().unwrap().partner_id;
    assert!(bill
        .transfer
        .as_ref()
        .unwrap()
        .explanation
        .starts_with("paired with "));
    coffer.unpair_transfer(partner).await.unwrap();
    let err = coffer.unpair_transfer(bill.id).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    coffer.sync(None, |_| {}).await.unwrap();
    let rows = coffer.transactions(&Filter::default()).await.unwrap().rows;
    let again = rows.iter().find(|r| r.id == bill.id).unwrap();
    assert!(again.transfer.is_none(), "unpaired stays unpaired");
    // Pairing by hand brings it back, and that too is kept.
    coffer.pair_transfers(bill.id, partner).await.unwrap();
    coffer.sync(None, |_| {}).await.unwrap();
    let rows = coffer.transactions(&Filter::default()).await.unwrap().rows;
    let again = rows.iter().find(|r| r.id == bill.id).unwrap();
    let t = again.transfer.as_ref().unwrap();
    assert!(t.by_user);
    assert_eq!(t.partner_id, partner);
}

/// The locale setting offers a list and takes nothing else; empty goes back to the system's.
#[tokio::test]
async fn the_locale_setting_takes_only_listed_locales() {
    let dir = tempfile::tempdir().unwrap();
    let coffer = Coffer::open_with_clock(dir.path(), clock(2026, 11, 21)).unwrap();
    let listed = coffer
        .settings()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.key == "app.locale")
        .expect("an app.locale setting");
    assert_eq!(listed.value, "", "the system's by default");
    assert!(listed.choices.iter().any(|c| c.value == "nb-NO"));
    assert!(listed.choices.iter().any(|c| c.value.is_empty()));
    let set = coffer
        .set_setting("app.locale", Some("nb-NO"))
        .await
        .unwrap();
    assert_eq!(set.value, "nb-NO");
    let err = coffer
        .set_setting("app.locale", Some("tlh-QO"))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.contains("app.locale"), "{}", err.message);
    assert!(
        err.message.contains("'tlh-QO'") && err.message.contains("en-GB"),
        "{}",
        err.message
    );
    let kept = coffer.settings().await.unwrap();
    assert!(kept
        .iter()
        .any(|s| s.key == "app.locale" && s.value == "nb-NO"));
    let reset = coffer.set_setting("app.locale", Some("")).await.unwrap();
    assert_eq!(reset.value, "");
}
