//! Finqware's skills (one per bank and API version), for the connect form's bank picker.
//!
//! The Catalogs API needs the tenant's keys, which the form has not collected yet when the
//! picker opens, so the picker offers the skills providers.md lists; any other name of the
//! documented shape (a production skill, a newer version) can be typed in.

/// One skill: `<bank>_<country>_aisp[_sbx]_#<version>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Skill {
    pub name: &'static str,
    pub bank: &'static str,
    /// ISO 3166 alpha-2.
    pub country: &'static str,
}

static SKILLS: [Skill; 5] = [
    Skill {
        name: "bt_ro_aisp_sbx_#2.0",
        bank: "Banca Transilvania",
        country: "RO",
    },
    Skill {
        name: "ing_ro_aisp_sbx_#2.0",
        bank: "ING Bank România",
        country: "RO",
    },
    Skill {
        name: "erste_ro_aisp_sbx_#2.0",
        bank: "BCR (Banca Comercială Română)",
        country: "RO",
    },
    Skill {
        name: "rzb_ro_aisp_sbx_#1.0",
        bank: "Raiffeisen Bank România",
        country: "RO",
    },
    Skill {
        name: "erste_hr_aisp_sbx_#1.0",
        bank: "Erste Bank Croatia",
        country: "HR",
    },
];

/// The known skills matching `query` (bank, country or skill name, case-insensitively); all for
/// `None` or a blank query.
pub fn skills(query: Option<&str>) -> Vec<Skill> {
    let wanted = query.map(|q| q.trim().to_lowercase()).unwrap_or_default();
    SKILLS
        .iter()
        .copied()
        .filter(|s| {
            wanted.is_empty()
                || s.name.to_lowercase().contains(&wanted)
                || s.bank.to_lowercase().contains(&wanted)
                || s.country.eq_ignore_ascii_case(&wanted)
        })
        .collect()
}

/// Whether `name` has the documented shape `<bank>_<country>_aisp[_sbx]_#<version>` (the
/// version digits and dots).
pub(crate) fn well_formed(name: &str) -> bool {
    let Some((stem, version)) = name.split_once("_#") else {
        return false;
    };
    let version_ok = !version.is_empty()
        && version.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && version.bytes().next().is_some_and(|b| b.is_ascii_digit());
    let parts: Vec<&str> = stem.split('_').collect();
    let shape_ok = match parts.as_slice() {
        [bank, country, "aisp"] | [bank, country, "aisp", "sbx"] => {
            !bank.is_empty()
                && bank
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                && country.len() == 2
                && country.bytes().all(|b| b.is_ascii_lowercase())
        }
        _ => false,
    };
    version_ok && shape_ok
}

/// The bank behind a skill, for the connection's name.
pub(crate) fn bank_of(name: &str) -> Option<&'static str> {
    SKILLS.iter().find(|s| s.name == name).map(|s| s.bank)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_picker_searches_banks_countries_and_names() {
        assert_eq!(skills(None).len(), 5);
        assert_eq!(skills(Some(" transilvania ")).len(), 1);
        assert_eq!(skills(Some("hr"))[0].name, "erste_hr_aisp_sbx_#1.0");
        assert_eq!(skills(Some("erste")).len(), 2);
        assert!(skills(Some("no such bank")).is_empty());
        assert!(SKILLS.iter().all(|s| well_formed(s.name)));
    }

    #[test]
    fn skill_names_have_the_documented_shape() {
        assert!(well_formed("bt_ro_aisp_#2.0"));
        assert!(well_formed("bt_ro_aisp_sbx_#10.1"));
        assert!(!well_formed("xyz_aisp_sbx_#1.0"));
        assert!(!well_formed("bt_ro_pisp_sbx_#2.0"));
        assert!(!well_formed("bt_ro_aisp_sbx_#"));
        assert!(!well_formed("BT_ro_aisp_sbx_#2.0"));
        assert!(!well_formed("bt_ro_aisp_sbx_2.0"));
    }
}
