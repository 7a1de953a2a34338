//! Vendor and category for a transaction, decided once when it is stored (and again when the
//! user changes a rule), so reports read stored columns instead of recomputing per row.

use std::cell::RefCell;
use std::collections::HashMap;

use rusqlite::Connection as Db;

use crate::category::{self, Category, CategoryMap, CategorySource};
use crate::store::StoreError;
use crate::vendor::{UserVendorRule, VendorNormaliser, VendorRule};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrichment {
    pub vendor: Option<String>,
    /// Which rule produced the vendor, e.g. `known:uber`, `user:3`, `known:uber → renamed`.
    pub vendor_rule: Option<String>,
    pub category: Option<Category>,
    pub category_source: Option<CategorySource>,
}

/// The user's rules and aliases, loaded once per batch.
pub struct Enricher {
    vendors: VendorNormaliser,
    aliases: HashMap<String, String>,
    /// Lower-cased vendor → category (user and learned vendor rules).
    by_vendor: HashMap<String, Category>,
    /// Lower-cased text pattern → category, in rule order.
    by_text: Vec<(String, Category)>,
    /// The banks' own categories mapped onto Coffer's.
    provider_categories: CategoryMap,
    /// Built-in guesses per vendor: a batch repeats the same vendors thousands of times.
    vendor_guesses: RefCell<HashMap<String, Option<Category>>>,
}

impl Enricher {
    fn guess_for_vendor(&self, lower_vendor: &str) -> Option<Category> {
        if let Some(hit) = self.vendor_guesses.borrow().get(lower_vendor) {
            return *hit;
        }
        let guess = category::guess_from_vendor(lower_vendor);
        self.vendor_guesses
            .borrow_mut()
            .insert(lower_vendor.to_string(), guess);
        guess
    }

    pub fn load(db: &Db, provider_categories: CategoryMap) -> Result<Enricher, StoreError> {
        let mut stmt =
            db.prepare("SELECT id, pattern, is_regex, vendor FROM vendor_rule ORDER BY id")?;
        let rules: Vec<UserVendorRule> = stmt
            .query_map([], |r| {
                Ok(UserVendorRule {
                    id: r.get(0)?,
                    pattern: r.get(1)?,
                    is_regex: r.get::<_, i64>(2)? == 1,
                    vendor: r.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let vendors = VendorNormaliser::with_user_rules(&rules)
            .map_err(|e| StoreError::BadRow(e.to_string()))?;
        let mut stmt = db.prepare("SELECT name, target FROM vendor_alias")?;
        let aliases = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut by_vendor = HashMap::new();
        let mut by_text = Vec::new();
        let mut stmt =
            db.prepare("SELECT match_kind, pattern, category FROM category_rule ORDER BY id")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let kind: String = r.get(0)?;
            let pattern: String = r.get(1)?;
            let name: String = r.get(2)?;
            let category = Category::parse(&name).map_err(|e| StoreError::BadRow(e.to_string()))?;
            if kind == "vendor" {
                by_vendor.insert(pattern.to_lowercase(), category);
            } else {
                by_text.push((pattern.to_lowercase(), category));
            }
        }
        Ok(Enricher {
            vendors,
            aliases,
            by_vendor,
            by_text,
            provider_categories,
            vendor_guesses: RefCell::new(HashMap::new()),
        })
    }

    pub fn enrich(
        &self,
        provider: &str,
        description: &str,
        counterparty: Option<&str>,
        provider_category: Option<&str>,
    ) -> Enrichment {
        let found = self
            .vendors
            .normalise(description)
            .or_else(|| counterparty.and_then(|c| self.vendors.normalise(c)));
        let (vendor, vendor_rule) = match found {
            None => (None, None),
            Some(m) => {
                let rule = match m.rule {
                    VendorRule::Builtin(id) => id.to_string(),
                    VendorRule::User(id) => format!("user:{id}"),
                };
                match self.aliases.get(&m.vendor) {
                    Some(target) => (Some(target.clone()), Some(format!("{rule} → renamed"))),
                    None => (Some(m.vendor), Some(rule)),
                }
            }
        };
        let lower_vendor = vendor.as_deref().map(str::to_lowercase);
        let lower_text = description.to_lowercase();
        let (category, category_source) =
            if let Some(c) = lower_vendor.as_deref().and_then(|v| self.by_vendor.get(v)) {
                (Some(*c), Some(CategorySource::Rule))
            } else if let Some((_, c)) = self.by_text.iter().find(|(p, _)| lower_text.contains(p)) {
                (Some(*c), Some(CategorySource::Rule))
            } else if let Some(c) =
                provider_category.and_then(|p| (self.provider_categories)(provider, p))
            {
                (Some(c), Some(CategorySource::Provider))
            } else if let Some(c) = lower_vendor
                .as_deref()
                .and_then(|v| self.guess_for_vendor(v))
                .or_else(|| category::guess_from_text(&lower_text))
            {
                (Some(c), Some(CategorySource::Builtin))
            } else {
                (None, None)
            };
        Enrichment {
            vendor,
            vendor_rule,
            category,
            category_source,
        }
    }
}
