//! The banks Coffer knows, listed once. Adding a bank is one module beside this file and one
//! line in [`banks`]; the API, CLI, server, desktop shell and UI find it here.

use coffer_core::category::Category;

use crate::bank::Bank;
use crate::{demo, fibank, finqware, finsify, sparebank1};

/// Every bank, in the order the connect dialog lists them. One line per bank.
static BANKS: &[&dyn Bank] = &[
    &sparebank1::SPAREBANK1,
    &finsify::FINSIFY,
    &finqware::FINQWARE,
    &fibank::FIBANK,
    &demo::DEMO,
];

pub fn banks() -> &'static [&'static dyn Bank] {
    BANKS
}

/// The bank with this id.
pub fn find(id: &str) -> Option<&'static dyn Bank> {
    banks().iter().copied().find(|b| b.id() == id)
}

/// A provider's category mapped onto Coffer's: Coffer's own slugs as they are (the Demo Bank
/// speaks them), else the bank's mapping. Unknown providers and values give `None`.
pub fn category(provider: &str, raw: &str) -> Option<Category> {
    Category::parse(raw)
        .ok()
        .or_else(|| find(provider).and_then(|b| b.category(raw.trim())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_categories_map_onto_ours() {
        let from_provider = category;
        assert_eq!(
            from_provider("finsify", "auto_and_transport"),
            Some(Category::Transport)
        );
        assert_eq!(
            from_provider("finsify", "food_and_dining"),
            Some(Category::Restaurants)
        );
        assert_eq!(
            from_provider("sparebank1", "GROCERIES"),
            Some(Category::Groceries)
        );
        assert_eq!(
            from_provider("sparebank1", "Dagligvarer"),
            Some(Category::Groceries)
        );
        assert_eq!(
            from_provider("demo", "subscriptions"),
            Some(Category::Subscriptions)
        );
        assert_eq!(from_provider("finsify", "uncategorized"), None);
        assert_eq!(from_provider("sparebank1", "Ukategorisert"), None);
    }

    #[test]
    fn ids_are_unique_lowercase_and_usable_in_paths_and_setting_keys() {
        let mut ids: Vec<&str> = banks().iter().map(|b| b.id()).collect();
        assert!(ids.iter().all(|id| !id.is_empty()
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())));
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), banks().len(), "two banks share an id");
    }
}
