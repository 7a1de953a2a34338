//! Finqware's `details.category` (English names where the bank sends any; `details` is
//! "future use" in the documentation and mostly `null`) mapped onto Coffer's. Unknown names map
//! to nothing, so Coffer's own rules decide.

use coffer_core::category::Category;

pub(crate) fn map(raw: &str) -> Option<Category> {
    use Category as C;
    let mapped = match raw.trim().to_lowercase().as_str() {
        "groceries" | "supermarket" => C::Groceries,
        "restaurants" | "food and drink" | "food & drink" | "cafes" => C::Restaurants,
        "transport" | "fuel" | "taxi" | "parking" => C::Transport,
        "travel" | "hotels" | "flights" => C::Travel,
        "shopping" | "clothing" | "electronics" => C::Shopping,
        "health" | "pharmacy" => C::Health,
        "subscriptions" => C::Subscriptions,
        "utilities" | "bills" => C::Utilities,
        "housing" | "rent" | "home" => C::Housing,
        "fees" | "bank fees" => C::Fees,
        "income" | "salary" => C::Income,
        "transfers" | "transfer" => C::Transfers,
        "entertainment" | "leisure" => C::Other,
        _ => return None,
    };
    Some(mapped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sandbox_categories_map() {
        assert_eq!(map("Groceries"), Some(Category::Groceries));
        assert_eq!(map(" Fuel "), Some(Category::Transport));
        assert_eq!(map("Entertainment"), Some(Category::Other));
        assert_eq!(map("Something else"), None);
    }
}
