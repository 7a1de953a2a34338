//! Coffer's own category set and how a transaction lands in one.
//!
//! Precedence, strongest first: a category the user set on the transaction itself; the user's
//! rules (vendor or text pattern, including rules learned from re-categorising); the provider's
//! category mapped onto ours; built-in knowledge of vendors and keywords. Nothing matching means
//! uncategorised, which reports show as its own bucket.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown category '{0}'; use one of: groceries, restaurants, transport, housing, utilities, \
     subscriptions, shopping, travel, health, fees, income, transfers, other"
)]
pub struct UnknownCategory(pub String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    Groceries,
    Restaurants,
    Transport,
    Housing,
    Utilities,
    Subscriptions,
    Shopping,
    Travel,
    Health,
    Fees,
    Income,
    Transfers,
    Other,
}

impl Category {
    pub const ALL: [Category; 13] = [
        Category::Groceries,
        Category::Restaurants,
        Category::Transport,
        Category::Housing,
        Category::Utilities,
        Category::Subscriptions,
        Category::Shopping,
        Category::Travel,
        Category::Health,
        Category::Fees,
        Category::Income,
        Category::Transfers,
        Category::Other,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Category::Groceries => "groceries",
            Category::Restaurants => "restaurants",
            Category::Transport => "transport",
            Category::Housing => "housing",
            Category::Utilities => "utilities",
            Category::Subscriptions => "subscriptions",
            Category::Shopping => "shopping",
            Category::Travel => "travel",
            Category::Health => "health",
            Category::Fees => "fees",
            Category::Income => "income",
            Category::Transfers => "transfers",
            Category::Other => "other",
        }
    }

    pub fn parse(name: &str) -> Result<Category, UnknownCategory> {
        let wanted = name.trim().to_lowercase();
        Category::ALL
            .into_iter()
            .find(|c| c.as_str() == wanted)
            .ok_or_else(|| UnknownCategory(name.to_string()))
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// How a transaction's category was decided; shown beside it and used to protect choices the
/// user made by hand from being overwritten by rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CategorySource {
    /// Set on this transaction by the user.
    User,
    /// A user rule (or a rule learned from the user re-categorising a vendor).
    Rule,
    /// The provider's own category, mapped.
    Provider,
    /// Coffer's built-in vendor and keyword knowledge.
    Builtin,
}

impl CategorySource {
    pub fn as_str(&self) -> &'static str {
        match self {
            CategorySource::User => "user",
            CategorySource::Rule => "rule",
            CategorySource::Provider => "provider",
            CategorySource::Builtin => "builtin",
        }
    }

    pub fn parse(s: &str) -> Option<CategorySource> {
        match s {
            "user" => Some(CategorySource::User),
            "rule" => Some(CategorySource::Rule),
            "provider" => Some(CategorySource::Provider),
            "builtin" => Some(CategorySource::Builtin),
            _ => None,
        }
    }
}

/// Maps a provider's own category (`provider`, raw value) onto Coffer's; `None` for unknown or
/// "uncategorised" values. Each bank owns its mapping (the bank registry supplies it to the
/// store); core knows only its own slugs.
pub type CategoryMap = fn(provider: &str, raw: &str) -> Option<Category>;

/// The mapping that knows only Coffer's own slugs (a built-in bank speaks them).
pub fn coffer_slugs(_provider: &str, raw: &str) -> Option<Category> {
    Category::parse(raw).ok()
}

/// Coffer's own guess from the vendor and the bank text, for rows no stronger source covers.
pub fn builtin_guess(vendor: Option<&str>, description: &str) -> Option<Category> {
    vendor
        .and_then(|v| guess_from_vendor(&v.to_lowercase()))
        .or_else(|| guess_from_text(&description.to_lowercase()))
}

/// Coffer's guess from a lower-cased vendor name alone.
pub fn guess_from_vendor(v: &str) -> Option<Category> {
    use Category as C;
    // The merchant table says it first (`data/vendors/merchants.txt`); the words below catch
    // vendors it does not list.
    if let Some(known) = crate::vendor::known_category(v) {
        return Some(known);
    }
    {
        let by_vendor: &[(&[&str], Category)] = &[
            (
                &[
                    "rema 1000",
                    "kiwi",
                    "meny",
                    "coop",
                    "joker",
                    "spar",
                    "bunnpris",
                    "lidl",
                ],
                C::Groceries,
            ),
            (
                &[
                    "kaufland",
                    "billa",
                    "fantastico",
                    "mega image",
                    "carrefour",
                    "auchan",
                ],
                C::Groceries,
            ),
            (&["tesco", "sainsbury", "extra"], C::Groceries),
            (
                &[
                    "foodora",
                    "wolt",
                    "espresso house",
                    "peppes",
                    "starbucks",
                    "mcdonald",
                ],
                C::Restaurants,
            ),
            (
                &[
                    "pret a manger",
                    "glovo",
                    "kaffebrenneriet",
                    "narvesen",
                    "7-eleven",
                ],
                C::Restaurants,
            ),
            (
                &[
                    "ruter", "vy", "circle k", "bolt", "uber", "tfl", "grab", "flytoget",
                ],
                C::Transport,
            ),
            (
                &[
                    "spotify", "netflix", "apple", "hbo", "icloud", "disney", "youtube",
                ],
                C::Subscriptions,
            ),
            (
                &[
                    "xxl",
                    "elkjøp",
                    "clas ohlson",
                    "zalando",
                    "amazon",
                    "emag",
                    "ikea",
                ],
                C::Shopping,
            ),
            (&["shopee", "lazada", "h&m", "power"], C::Shopping),
            (
                &[
                    "lufthansa",
                    "ryanair",
                    "sas",
                    "norwegian",
                    "hotel",
                    "airbnb",
                    "booking",
                ],
                C::Travel,
            ),
            (&["apotek", "vitus", "tannlege", "legesenter"], C::Health),
            (
                &["telenor", "telia", "fjordkraft", "elvia", "tibber", "get"],
                C::Utilities,
            ),
        ];
        for (names, category) in by_vendor {
            // Short names must be the whole vendor or its first word ("Vy", not "Vygruppen");
            // longer ones may appear anywhere.
            if names.iter().any(|n| {
                v == *n
                    || v.strip_prefix(n).is_some_and(|rest| rest.starts_with(' '))
                    || (n.len() > 4 && v.contains(n))
            }) {
                return Some(*category);
            }
        }
    }
    None
}

/// Coffer's guess from lower-cased bank text alone.
pub fn guess_from_text(d: &str) -> Option<Category> {
    use Category as C;
    let by_text: &[(&[&str], Category)] = &[
        (
            &[
                "lønn",
                "salary",
                "feriepenger",
                "payroll",
                "salariu",
                "заплата",
            ],
            C::Income,
        ),
        (
            &["husleie", "rent ", "felleskostnader", "chirie"],
            C::Housing,
        ),
        (
            &[
                "overføring",
                "transfer",
                "innbetaling - takk",
                "betaling visa",
                "sparing",
            ],
            C::Transfers,
        ),
        (
            &[
                "gebyr",
                "kontohold",
                "årsavgift",
                "fee",
                "комисион",
                "comision",
            ],
            C::Fees,
        ),
        (&["renter", "interest"], C::Income),
        (
            &["hotel", "hotell", "airport", "lufthavn", "musei", "museum"],
            C::Travel,
        ),
        (&["vipps", "nordnet", "revolut"], C::Transfers),
        (&["eiendom", "borettslag", "sameie"], C::Housing),
        (
            &["forsikring", "insurance", "lånekasse", "minibank", " atm "],
            C::Other,
        ),
        (&["sats ", "treningssenter", "fitness", "gym "], C::Health),
        (
            &[
                "bakeri",
                "bar ",
                "bryggeri",
                "caff",
                "cafe",
                "kaffe",
                "pizza",
                "trattoria",
            ],
            C::Restaurants,
        ),
        (
            &["restaurant", "bistro", "sushi", "burger", "mathallen"],
            C::Restaurants,
        ),
        (
            &["edeka", "conad", "rewe", "aldi", "mercadona"],
            C::Groceries,
        ),
    ];
    by_text
        .iter()
        .find(|(words, _)| words.iter().any(|w| d.contains(w)))
        .map(|(_, c)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_listed() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()).unwrap(), c);
        }
        assert_eq!(Category::parse(" Groceries ").unwrap(), Category::Groceries);
        let err = Category::parse("snacks").unwrap_err().to_string();
        assert!(err.contains("snacks") && err.contains("groceries"), "{err}");
    }

    #[test]
    fn builtin_guesses() {
        assert_eq!(
            builtin_guess(Some("Rema 1000"), ""),
            Some(Category::Groceries)
        );
        assert_eq!(builtin_guess(Some("Uber"), ""), Some(Category::Transport));
        assert_eq!(builtin_guess(Some("Vy"), ""), Some(Category::Transport));
        assert_eq!(
            builtin_guess(Some("Vygruppen Kantine"), ""),
            None,
            "short names match whole words only"
        );
        assert_eq!(
            builtin_guess(None, "LØNN FRA NORDLYS TEKNOLOGI AS"),
            Some(Category::Income)
        );
        assert_eq!(
            builtin_guess(None, "Overføring til sparekonto"),
            Some(Category::Transfers)
        );
        assert_eq!(builtin_guess(None, "ZZZ 123"), None);
    }
}
