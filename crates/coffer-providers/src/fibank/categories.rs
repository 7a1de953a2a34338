//! Fibank has no spending categories; a statement row's `trnType` says what kind of entry it is
//! (`POS`, `ATM`, `TRO`, `TRI`, `BIL`, `FEE`, `INT`, `TAX` in the sandbox; the real vocabulary
//! is unknown, providers.md §D). Only the kinds that name a category on their own are mapped:
//! fees and taxes are bank charges, interest is income, bills are utilities. Card payments,
//! cash and transfers are left to Coffer's vendor rules.

use coffer_core::category::Category;

pub(crate) fn map(raw: &str) -> Option<Category> {
    match raw.trim().to_ascii_uppercase().as_str() {
        "FEE" | "TAX" | "COM" => Some(Category::Fees),
        "INT" => Some(Category::Income),
        "BIL" => Some(Category::Utilities),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fees_are_recognisable_and_card_payments_left_to_the_rules() {
        assert_eq!(map("FEE"), Some(Category::Fees));
        assert_eq!(map(" tax "), Some(Category::Fees));
        assert_eq!(map("INT"), Some(Category::Income));
        assert_eq!(map("POS"), None);
        assert_eq!(map("TRI"), None);
    }
}
