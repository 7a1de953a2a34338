//! Finsify's category slugs (the Money Lover tree, providers.md §B) mapped onto Coffer's.
//! `uncategorized` and unknown slugs map to nothing, so Coffer's own rules decide.

use coffer_core::category::Category;

pub(crate) fn map(raw: &str) -> Option<Category> {
    use Category as C;
    let mapped = match raw.trim().to_lowercase().as_str() {
        "auto_and_transport" => C::Transport,
        "bills_and_utilities" => C::Utilities,
        "food_and_dining" => C::Restaurants,
        "fees_and_charges" | "taxes" => C::Fees,
        "health_and_fitness" | "personal_care" => C::Health,
        "home" => C::Housing,
        "incoming_transfer" => C::Transfers,
        "shopping" => C::Shopping,
        "travel" => C::Travel,
        "income" => C::Income,
        "entertainment"
        | "education"
        | "business_services"
        | "gifts_and_donations"
        | "investments"
        | "pets" => C::Other,
        _ => return None,
    };
    Some(mapped)
}
