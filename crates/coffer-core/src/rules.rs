//! The user's vendor and category rules, renames and merges, and re-categorising by hand.
//! Every change re-applies the rules to the stored transactions in the same SQLite transaction.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use crate::category::{Category, CategorySource};
use crate::enrich::Enricher;
use crate::model::TransactionId;
use crate::store::{Store, StoreError};
use crate::vendor::{UserVendorRule, VendorNormaliser};

type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleMatch {
    /// The transaction's vendor equals the pattern (case-insensitive).
    Vendor,
    /// The bank text contains the pattern (case-insensitive).
    Text,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryRuleView {
    pub id: i64,
    pub match_kind: RuleMatch,
    pub pattern: String,
    pub category: Category,
    /// Learned from re-categorising a transaction rather than written by hand.
    pub learned: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorRuleView {
    pub id: i64,
    pub pattern: String,
    pub is_regex: bool,
    pub vendor: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorView {
    pub name: String,
    pub transactions: i64,
    /// The rules that produced this vendor, in words, e.g. "Known merchant: Uber" or "Your rule
    /// #3".
    pub rules: Vec<String>,
    /// Normalised names shown as this vendor (renames and merges).
    pub aliases: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Invalid(String),
    #[error("no transaction with id {0}")]
    UnknownTransaction(TransactionId),
    #[error("no vendor named '{0}'")]
    UnknownVendor(String),
    #[error("no rule with id {0}")]
    UnknownRule(i64),
}

impl From<rusqlite::Error> for RuleError {
    fn from(e: rusqlite::Error) -> Self {
        RuleError::Store(e.into())
    }
}

fn non_empty(what: &str, value: &str) -> Result<String, RuleError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(RuleError::Invalid(format!("the {what} must not be empty")));
    }
    if v.chars().count() > 200 {
        return Err(RuleError::Invalid(format!(
            "the {what} is longer than 200 characters"
        )));
    }
    Ok(v.to_string())
}

impl Store {
    /// Re-applies every rule to every stored transaction; returns how many rows changed.
    /// Categories the user set by hand are kept.
    pub fn reenrich(&mut self) -> Result<u64> {
        let enricher = Enricher::load(&self.db, self.categories)?;
        let tx = self
            .db
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut changed = 0u64;
        {
            let mut read = tx.prepare(
                "SELECT t.id, c.provider, t.description, t.counterparty, t.provider_category,
                        t.vendor, t.vendor_rule, t.category, t.category_source
                 FROM \"transaction\" t
                 JOIN account a ON a.id = t.account_id
                 JOIN connection c ON c.id = a.connection_id",
            )?;
            let mut write = tx.prepare(
                "UPDATE \"transaction\" SET vendor = ?2, vendor_rule = ?3, category = ?4,
                        category_source = ?5
                 WHERE id = ?1",
            )?;
            let mut rows = read.query([])?;
            while let Some(r) = rows.next()? {
                let id: i64 = r.get(0)?;
                let provider: String = r.get(1)?;
                let description: String = r.get(2)?;
                let counterparty: Option<String> = r.get(3)?;
                let provider_category: Option<String> = r.get(4)?;
                let old: (
                    Option<String>,
                    Option<String>,
                    Option<String>,
                    Option<String>,
                ) = (r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?);
                let e = enricher.enrich(
                    &provider,
                    &description,
                    counterparty.as_deref(),
                    provider_category.as_deref(),
                );
                let (category, source) = if old.3.as_deref() == Some("user") {
                    (old.2.clone(), old.3.clone())
                } else {
                    (
                        e.category.map(|c| c.as_str().to_string()),
                        e.category_source.map(|c| c.as_str().to_string()),
                    )
                };
                let new = (e.vendor, e.vendor_rule, category, source);
                if new != old {
                    write.execute(params![id, new.0, new.1, new.2, new.3])?;
                    changed += 1;
                }
            }
        }
        tx.commit()?;
        Ok(changed)
    }

    /// Sets a transaction's category by hand (or clears it with `None`). The vendor's other
    /// transactions follow through a learned rule, except those also set by hand. Returns how
    /// many other transactions changed.
    pub fn set_category(
        &mut self,
        id: TransactionId,
        category: Option<Category>,
        now: DateTime<Utc>,
    ) -> Result<u64, RuleError> {
        let vendor: Option<String> = self
            .db
            .query_row(
                "SELECT vendor FROM \"transaction\" WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or(RuleError::UnknownTransaction(id))?;
        self.db.execute(
            "UPDATE \"transaction\" SET category = ?2, category_source = ?3 WHERE id = ?1",
            params![
                id,
                category.map(|c| c.as_str()),
                category.map(|_| CategorySource::User.as_str())
            ],
        )?;
        if let (Some(vendor), Some(category)) = (vendor, category) {
            self.db.execute(
                "INSERT INTO category_rule (match_kind, pattern, category, learned, created_at)
                 VALUES ('vendor', ?1, ?2, 1, ?3)
                 ON CONFLICT (match_kind, pattern) DO UPDATE SET category = excluded.category",
                params![vendor, category.as_str(), now],
            )?;
        }
        Ok(self.reenrich()?)
    }

    pub fn add_category_rule(
        &mut self,
        match_kind: RuleMatch,
        pattern: &str,
        category: Category,
        now: DateTime<Utc>,
    ) -> Result<(i64, u64), RuleError> {
        let pattern = non_empty("pattern", pattern)?;
        let kind = match match_kind {
            RuleMatch::Vendor => "vendor",
            RuleMatch::Text => "text",
        };
        let id = self.db.query_row(
            "INSERT INTO category_rule (match_kind, pattern, category, learned, created_at)
             VALUES (?1, ?2, ?3, 0, ?4)
             ON CONFLICT (match_kind, pattern) DO UPDATE SET category = excluded.category,
                 learned = 0
             RETURNING id",
            params![kind, pattern, category.as_str(), now],
            |r| r.get(0),
        )?;
        Ok((id, self.reenrich()?))
    }

    pub fn delete_category_rule(&mut self, id: i64) -> Result<u64, RuleError> {
        if self
            .db
            .execute("DELETE FROM category_rule WHERE id = ?1", [id])?
            == 0
        {
            return Err(RuleError::UnknownRule(id));
        }
        Ok(self.reenrich()?)
    }

    pub fn category_rules(&self) -> Result<Vec<CategoryRuleView>> {
        let mut stmt = self.db.prepare(
            "SELECT id, match_kind, pattern, category, learned FROM category_rule ORDER BY id",
        )?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let kind: String = r.get(1)?;
            let name: String = r.get(3)?;
            out.push(CategoryRuleView {
                id: r.get(0)?,
                match_kind: if kind == "vendor" {
                    RuleMatch::Vendor
                } else {
                    RuleMatch::Text
                },
                pattern: r.get(2)?,
                category: Category::parse(&name).map_err(|e| StoreError::BadRow(e.to_string()))?,
                learned: r.get::<_, i64>(4)? == 1,
            });
        }
        Ok(out)
    }

    pub fn add_vendor_rule(
        &mut self,
        pattern: &str,
        is_regex: bool,
        vendor: &str,
        now: DateTime<Utc>,
    ) -> Result<(i64, u64), RuleError> {
        let pattern = non_empty("pattern", pattern)?;
        let vendor = non_empty("vendor name", vendor)?;
        // Refuse a broken pattern before it is stored, naming what is wrong with it.
        VendorNormaliser::with_user_rules(&[UserVendorRule {
            id: 0,
            pattern: pattern.clone(),
            is_regex,
            vendor: vendor.clone(),
        }])
        .map_err(|e| RuleError::Invalid(e.to_string()))?;
        let id = self.db.query_row(
            "INSERT INTO vendor_rule (pattern, is_regex, vendor, created_at) VALUES (?1, ?2, ?3, ?4)
             RETURNING id",
            params![pattern, i64::from(is_regex), vendor, now],
            |r| r.get(0),
        )?;
        Ok((id, self.reenrich()?))
    }

    pub fn delete_vendor_rule(&mut self, id: i64) -> Result<u64, RuleError> {
        if self
            .db
            .execute("DELETE FROM vendor_rule WHERE id = ?1", [id])?
            == 0
        {
            return Err(RuleError::UnknownRule(id));
        }
        Ok(self.reenrich()?)
    }

    pub fn vendor_rules(&self) -> Result<Vec<VendorRuleView>> {
        let mut stmt = self
            .db
            .prepare("SELECT id, pattern, is_regex, vendor FROM vendor_rule ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok(VendorRuleView {
                id: r.get(0)?,
                pattern: r.get(1)?,
                is_regex: r.get::<_, i64>(2)? == 1,
                vendor: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Shows every transaction of vendor `from` as `to`. Renaming several vendors to one name
    /// merges them. Returns how many transactions changed.
    pub fn rename_vendor(&mut self, from: &str, to: &str) -> Result<u64, RuleError> {
        let from = non_empty("vendor name", from)?;
        let to = non_empty("new vendor name", to)?;
        let exists: bool = self.db.query_row(
            "SELECT EXISTS(SELECT 1 FROM \"transaction\" WHERE vendor = ?1)
                 OR EXISTS(SELECT 1 FROM vendor_alias WHERE name = ?1 OR target = ?1)",
            [&from],
            |r| r.get(0),
        )?;
        if !exists {
            return Err(RuleError::UnknownVendor(from));
        }
        let tx = self.db.transaction()?;
        // Names already shown as `from` move along with it.
        tx.execute(
            "UPDATE vendor_alias SET target = ?2 WHERE target = ?1",
            params![from, to],
        )?;
        tx.execute(
            "INSERT INTO vendor_alias (name, target) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET target = excluded.target",
            params![from, to],
        )?;
        // A name shown as itself needs no alias.
        tx.execute("DELETE FROM vendor_alias WHERE name = target", [])?;
        tx.commit()?;
        Ok(self.reenrich()?)
    }

    pub fn vendors(&self) -> Result<Vec<VendorView>> {
        let mut stmt = self.db.prepare(
            "SELECT vendor, count(*), group_concat(DISTINCT vendor_rule)
             FROM \"transaction\" WHERE vendor IS NOT NULL
             GROUP BY vendor ORDER BY count(*) DESC, vendor",
        )?;
        let mut aliases = self
            .db
            .prepare("SELECT name FROM vendor_alias WHERE target = ?1")?;
        let mut out = Vec::new();
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let name: String = r.get(0)?;
            let rules: Option<String> = r.get(2)?;
            // The stored ids, in words: the vendor list never shows an internal id.
            let mut rules: Vec<String> = rules
                .map(|s| s.split(',').map(crate::vendor::describe_rule).collect())
                .unwrap_or_default();
            rules.sort();
            rules.dedup();
            let names = aliases
                .query_map([&name], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()?;
            out.push(VendorView {
                transactions: r.get(1)?,
                name,
                rules,
                aliases: names,
            });
        }
        Ok(out)
    }
}
