//! SpareBank 1's classification (`categories[].main` of `/transactions/classified`,
//! providers.md §A) mapped onto Coffer's categories. "Ukategorisert" and unknown values map to
//! nothing, so Coffer's own rules decide.

use coffer_core::category::Category;

pub(crate) fn map(raw: &str) -> Option<Category> {
    use Category as C;
    let mapped = match raw.trim().to_lowercase().as_str() {
        "groceries" | "dagligvarer" => C::Groceries,
        "restaurant" | "restaurant_and_cafe" | "food_and_drink" | "dining" => C::Restaurants,
        "transportation" | "car_and_transport" => C::Transport,
        "housing_and_utilities" | "living" => C::Housing,
        "subscription" | "media_and_subscriptions" => C::Subscriptions,
        "clothing" | "electronics" | "retail" => C::Shopping,
        "travel_and_vacation" | "vacation" => C::Travel,
        "health_and_beauty" | "pharmacy" => C::Health,
        "bank_fees" | "fees" => C::Fees,
        "salary" | "wages" => C::Income,
        "transfer" | "savings" | "internal_transfer" => C::Transfers,
        _ => return None,
    };
    Some(mapped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn main_categories_map_and_uncategorised_does_not() {
        assert_eq!(map("GROCERIES"), Some(Category::Groceries));
        assert_eq!(map("Dagligvarer"), Some(Category::Groceries));
        assert_eq!(map("Ukategorisert"), None);
    }
}
