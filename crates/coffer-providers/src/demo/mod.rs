//! The Demo Bank: a deterministic, realistic Norwegian household's banking, built in so Coffer
//! is useful before any real bank is connected. The same day always yields the same data, and
//! consecutive days agree on every shared transaction (only pending → booked changes).

mod ledger;

use std::sync::OnceLock;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use coffer_core::category::Category;
use coffer_core::model::{AccountKind, ProviderAccount, ProviderTransaction, TransactionStatus};
use coffer_core::money::{Currency, Money};
use coffer_core::sync::{History, Need, Provider, ProviderError, TransactionBatch};
use coffer_login::LoginPlan;

use crate::bank::{Bank, BankInfo, Capabilities, Connected, Field, SettingSpec};

pub use ledger::{ledger, DemoAccount, DemoKind, DemoLedger, DemoTransaction};

pub const PROVIDER_ID: &str = "demo";
pub const LABEL: &str = "Demo Bank";

/// The Demo Bank's entry in the registry.
pub struct Demo;

pub static DEMO: Demo = Demo;

static INFO: BankInfo = BankInfo {
    id: PROVIDER_ID,
    name: LABEL,
    summary: "A realistic Oslo household, invented on this machine: a current account, savings \
              and a euro credit card over two years. No login.",
    countries: &["NO"],
    logo_svg: include_str!("logo.svg"),
    developer_portal: None,
    welcome_offer: Some("Explore with demo data"),
};

impl Bank for Demo {
    fn about(&self) -> &'static BankInfo {
        &INFO
    }

    fn form(&self) -> Vec<Field> {
        Vec::new()
    }

    fn settings(&self) -> &'static [SettingSpec] {
        &[]
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::default()
    }

    fn login(&self) -> LoginPlan {
        LoginPlan::None
    }

    /// The ledger is laid on an absolute calendar in UTC days.
    fn calendar(&self) -> chrono_tz::Tz {
        chrono_tz::UTC
    }

    /// The Demo Bank already speaks Coffer's category slugs.
    fn category(&self, raw: &str) -> Option<Category> {
        Category::parse(raw).ok()
    }

    fn open(&self, connected: Connected) -> Result<Box<dyn Provider>, ProviderError> {
        Ok(Box::new(DemoBank::new(connected.today)))
    }
}

/// The Demo Bank as of one calendar day.
pub struct DemoBank {
    today: NaiveDate,
    ledger: OnceLock<DemoLedger>,
}

impl DemoBank {
    pub fn new(today: NaiveDate) -> Self {
        DemoBank {
            today,
            ledger: OnceLock::new(),
        }
    }

    fn ledger(&self) -> &DemoLedger {
        self.ledger.get_or_init(|| ledger(self.today))
    }
}

fn malformed(detail: String) -> ProviderError {
    ProviderError::Malformed {
        provider: PROVIDER_ID,
        detail,
    }
}

fn currency_of(account: &DemoAccount) -> Result<Currency, ProviderError> {
    account
        .currency
        .parse()
        .map_err(|e| malformed(format!("account {}: {e}", account.id)))
}

#[async_trait]
impl Provider for DemoBank {
    fn id(&self) -> &'static str {
        PROVIDER_ID
    }

    async fn accounts(&self) -> Result<Vec<ProviderAccount>, ProviderError> {
        let balance_at: DateTime<Utc> = self.today.and_time(NaiveTime::MIN).and_utc();
        self.ledger()
            .accounts
            .iter()
            .map(|a| {
                let currency = currency_of(a)?;
                Ok(ProviderAccount {
                    provider_account_id: a.id.to_string(),
                    name: a.name.to_string(),
                    number: Some(a.number.to_string()),
                    iban: a.iban.map(str::to_string),
                    kind: match a.kind {
                        DemoKind::Current => AccountKind::Current,
                        DemoKind::Savings => AccountKind::Savings,
                        DemoKind::CreditCard => AccountKind::CreditCard,
                    },
                    balance: Money::new(a.balance_minor, currency),
                    available: Some(Money::new(a.available_minor, currency)),
                    balance_at,
                    opening: Some((
                        a.opening_date,
                        Money::new(a.opening_balance_minor, currency),
                    )),
                })
            })
            .collect()
    }

    async fn transactions(
        &self,
        account: &ProviderAccount,
        need: &Need,
    ) -> Result<TransactionBatch, ProviderError> {
        let ledger = self.ledger();
        let demo_account = ledger
            .accounts
            .iter()
            .find(|a| a.id == account.provider_account_id)
            .ok_or_else(|| malformed(format!("no account {}", account.provider_account_id)))?;
        let currency = currency_of(demo_account)?;
        // The whole ledger is at hand: everything older is sent whenever history is missing.
        let from = match (need.history, need.since) {
            (History::Complete, Some(since)) => since.max(demo_account.opening_date),
            _ => demo_account.opening_date,
        };
        let transactions = ledger
            .transactions
            .iter()
            .filter(|t| t.account_id == demo_account.id && t.booking_date >= from)
            .map(|t| ProviderTransaction {
                dedup_key: t.id.clone(),
                provider_id: Some(t.id.clone()),
                booking_date: t.booking_date,
                value_date: Some(t.value_date),
                amount: Money::new(t.amount_minor, currency),
                status: if t.pending {
                    TransactionStatus::Pending
                } else {
                    TransactionStatus::Booked
                },
                description: t.description.clone(),
                counterparty: t.counterparty.clone(),
                provider_category: t.category.map(str::to_string),
            })
            .collect();
        Ok(TransactionBatch::complete(
            Some(from),
            self.today,
            transactions,
        ))
    }
}
