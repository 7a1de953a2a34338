//! The skills this sandbox serves: one sandbox AISP skill per bank named in `providers.md` §C,
//! with the bank behind it (BIC, IBAN bank code, time zone, accounts) and the quirks its data
//! carries on the wire.

use chrono_tz::Tz;

/// What kind of account a bank holds for the sandbox user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AccountKind {
    Current,
    Savings,
    CreditCard,
}

impl AccountKind {
    /// `data.account_type`.
    pub(crate) fn account_type(self) -> &'static str {
        match self {
            AccountKind::Current => "Personal current account",
            AccountKind::Savings => "Personal savings account",
            AccountKind::CreditCard => "Personal credit card account",
        }
    }

    /// `data.account_sub_type` (Open Banking style sub-types).
    pub(crate) fn account_sub_type(self) -> &'static str {
        match self {
            AccountKind::Current => "CurrentAccount",
            AccountKind::Savings => "Savings",
            AccountKind::CreditCard => "CreditCard",
        }
    }

    /// The three letters of the IBAN that tell the product apart (Romanian banks put the
    /// currency and a product code into the BBAN).
    pub(crate) fn iban_code(self) -> &'static str {
        match self {
            AccountKind::Current => "CRT",
            AccountKind::Savings => "ECO",
            AccountKind::CreditCard => "CCR",
        }
    }
}

#[derive(Debug)]
pub(crate) struct AccountSpec {
    pub kind: AccountKind,
    pub currency: &'static str,
    /// `data.name`; some banks send an empty string.
    pub name: &'static str,
    /// `data.nickname`; usually empty.
    pub nickname: &'static str,
}

/// How a bank writes its data: the differences a client must survive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// Banca Transilvania: legacy cedilla letters (ş ţ) in card texts, comma-below elsewhere;
    /// naive balance timestamps; some card rows carry `details`.
    Bt,
    /// ING: comma-below letters; every card row carries `details`; `Expected` has a date too.
    Ing,
    /// BCR: card texts in plain ASCII capitals, transfers with diacritics.
    Bcr,
    /// Raiffeisen: cedilla letters everywhere; decimals without trailing zeros (`"45"`, `"4.5"`);
    /// naive balance timestamps.
    Raiffeisen,
    /// Erste Croatia: Croatian texts, Zagreb calendar, EUR only.
    ErsteHr,
}

#[derive(Debug)]
pub(crate) struct Bank {
    pub skill: &'static str,
    /// Path segment of the bank's consent page.
    pub slug: &'static str,
    pub servicer: &'static str,
    pub country: &'static str,
    pub country_code: &'static str,
    pub bic: &'static str,
    /// Bank code inside the IBAN (`BTRL`, or `2402006` for Croatia).
    pub iban_bank_code: &'static str,
    /// The bank's calendar: whose "day" a booking belongs to.
    pub zone: Tz,
    /// Brand colour of the consent page.
    pub accent: &'static str,
    pub style: Style,
    pub accounts: &'static [AccountSpec],
    /// Credit limit of a credit card account, in minor units.
    pub card_limit_minor: i64,
}

impl Bank {
    /// The skill's version (`#2.0` → `"2.0"`).
    pub(crate) fn version(&self) -> &'static str {
        self.skill.rsplit_once('#').map_or("", |(_, v)| v)
    }

    /// ISO 20022 balance types this bank reports, in the order it sends them.
    pub(crate) fn balance_types(&self) -> &'static [&'static str] {
        match self.style {
            Style::Bt => &["ClosingBooked", "InterimBooked", "Expected"],
            Style::Raiffeisen => &["ClosingBooked", "InterimAvailable", "Expected"],
            Style::Ing | Style::Bcr | Style::ErsteHr => &["ClosingBooked", "Expected"],
        }
    }

    /// Whether balance `timestamp`s come without the `Z` (as in the documentation's example).
    pub(crate) fn naive_balance_timestamps(&self) -> bool {
        matches!(self.style, Style::Bt | Style::Raiffeisen)
    }

    /// Whether decimals lose their trailing zeros on the wire.
    pub(crate) fn trims_zeros(&self) -> bool {
        self.style == Style::Raiffeisen
    }

    /// Deterministic servicer id (a UUID-shaped digest of the skill).
    pub(crate) fn servicer_id(&self) -> String {
        super::state::uuid_from(&format!("servicer/{}", self.skill))
    }
}

const BT_ACCOUNTS: [AccountSpec; 3] = [
    AccountSpec {
        kind: AccountKind::Current,
        currency: "RON",
        name: "Cont curent",
        nickname: "Salariu",
    },
    AccountSpec {
        kind: AccountKind::Savings,
        currency: "RON",
        name: "Cont de economii Star",
        nickname: "",
    },
    AccountSpec {
        kind: AccountKind::Current,
        currency: "EUR",
        name: "",
        nickname: "",
    },
];

const ING_ACCOUNTS: [AccountSpec; 2] = [
    AccountSpec {
        kind: AccountKind::Current,
        currency: "RON",
        name: "Cont curent Card Plus",
        nickname: "",
    },
    AccountSpec {
        kind: AccountKind::Savings,
        currency: "EUR",
        name: "Economii EUR",
        nickname: "Vacanțe",
    },
];

const BCR_ACCOUNTS: [AccountSpec; 2] = [
    AccountSpec {
        kind: AccountKind::Current,
        currency: "RON",
        name: "Cont Curent Persoane Fizice",
        nickname: "Cont principal",
    },
    AccountSpec {
        kind: AccountKind::Current,
        currency: "EUR",
        name: "Cont Curent EUR",
        nickname: "",
    },
];

const RZB_ACCOUNTS: [AccountSpec; 2] = [
    AccountSpec {
        kind: AccountKind::Current,
        currency: "RON",
        name: "Cont curent Smart",
        nickname: "",
    },
    AccountSpec {
        kind: AccountKind::CreditCard,
        currency: "RON",
        name: "Card de credit Visa Classic",
        nickname: "Card",
    },
];

const ERSTE_HR_ACCOUNTS: [AccountSpec; 1] = [AccountSpec {
    kind: AccountKind::Current,
    currency: "EUR",
    name: "Tekući račun",
    nickname: "",
}];

/// Every skill the sandbox knows, catalogue order.
pub(crate) static BANKS: [Bank; 5] = [
    Bank {
        skill: "bt_ro_aisp_sbx_#2.0",
        slug: "bt",
        servicer: "Banca Transilvania",
        country: "Romania",
        country_code: "RO",
        bic: "BTRLRO22",
        iban_bank_code: "BTRL",
        zone: chrono_tz::Europe::Bucharest,
        accent: "0d4fa3",
        style: Style::Bt,
        accounts: &BT_ACCOUNTS,
        card_limit_minor: 0,
    },
    Bank {
        skill: "ing_ro_aisp_sbx_#2.0",
        slug: "ing",
        servicer: "ING Bank România",
        country: "Romania",
        country_code: "RO",
        bic: "INGBROBU",
        iban_bank_code: "INGB",
        zone: chrono_tz::Europe::Bucharest,
        accent: "ff6200",
        style: Style::Ing,
        accounts: &ING_ACCOUNTS,
        card_limit_minor: 0,
    },
    Bank {
        skill: "erste_ro_aisp_sbx_#2.0",
        slug: "bcr",
        servicer: "Banca Comercială Română",
        country: "Romania",
        country_code: "RO",
        bic: "RNCBROBU",
        iban_bank_code: "RNCB",
        zone: chrono_tz::Europe::Bucharest,
        accent: "2870ed",
        style: Style::Bcr,
        accounts: &BCR_ACCOUNTS,
        card_limit_minor: 0,
    },
    Bank {
        skill: "rzb_ro_aisp_sbx_#1.0",
        slug: "raiffeisen",
        servicer: "Raiffeisen Bank România",
        country: "Romania",
        country_code: "RO",
        bic: "RZBRROBU",
        iban_bank_code: "RZBR",
        zone: chrono_tz::Europe::Bucharest,
        accent: "c9a800",
        style: Style::Raiffeisen,
        accounts: &RZB_ACCOUNTS,
        card_limit_minor: 1_000_000,
    },
    Bank {
        skill: "erste_hr_aisp_sbx_#1.0",
        slug: "erste-hr",
        servicer: "Erste&Steiermärkische Bank",
        country: "Croatia",
        country_code: "HR",
        bic: "ESBCHR22",
        iban_bank_code: "2402006",
        zone: chrono_tz::Europe::Zagreb,
        accent: "2a6ebb",
        style: Style::ErsteHr,
        accounts: &ERSTE_HR_ACCOUNTS,
        card_limit_minor: 0,
    },
];

/// Every skill name, catalogue order.
pub const SKILLS: [&str; 5] = [
    "bt_ro_aisp_sbx_#2.0",
    "ing_ro_aisp_sbx_#2.0",
    "erste_ro_aisp_sbx_#2.0",
    "rzb_ro_aisp_sbx_#1.0",
    "erste_hr_aisp_sbx_#1.0",
];

pub(crate) fn find(skill: &str) -> Option<&'static Bank> {
    BANKS.iter().find(|b| b.skill == skill)
}

pub(crate) fn by_slug(slug: &str) -> Option<&'static Bank> {
    BANKS.iter().find(|b| b.slug == slug)
}

/// A valid IBAN (ISO 13616 check digits) for account `index` of `bank`, from `serial` digits.
pub(crate) fn iban(bank: &Bank, spec: &AccountSpec, serial: &str) -> String {
    let bban = if bank.country_code == "RO" {
        // RO: 4-letter bank code + 16 characters; here currency + product code + 10 digits.
        format!(
            "{}{}{}{}",
            bank.iban_bank_code,
            spec.currency,
            spec.kind.iban_code(),
            serial
        )
    } else {
        // HR: 7-digit bank code + 10-digit account number.
        format!("{}{}", bank.iban_bank_code, serial)
    };
    let check = 98 - mod97(&format!("{bban}{}00", bank.country_code));
    format!("{}{check:02}{bban}", bank.country_code)
}

/// The IBAN remainder: letters count as 10..35, digits as themselves.
fn mod97(text: &str) -> u32 {
    let mut remainder: u32 = 0;
    for c in text.chars() {
        let value = match c.to_digit(36) {
            Some(v) => v,
            None => continue,
        };
        remainder = if value >= 10 {
            (remainder * 100 + value) % 97
        } else {
            (remainder * 10 + value) % 97
        };
    }
    remainder
}

/// Whether an IBAN's check digits are right.
#[cfg(test)]
pub(crate) fn iban_is_valid(iban: &str) -> bool {
    if iban.len() < 5 {
        return false;
    }
    let (head, rest) = iban.split_at(4);
    mod97(&format!("{rest}{head}")) == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ibans_carry_valid_check_digits() {
        // A published example IBAN.
        assert!(iban_is_valid("RO49AAAA1B31007593840000"));
        assert!(!iban_is_valid("RO48AAAA1B31007593840000"));
        for bank in &BANKS {
            for spec in bank.accounts {
                let iban = iban(bank, spec, "0123456789");
                assert!(iban_is_valid(&iban), "{iban}");
                let want = if bank.country_code == "RO" { 24 } else { 21 };
                assert_eq!(iban.len(), want, "{iban}");
            }
        }
        assert_eq!(find("bt_ro_aisp_sbx_#2.0").map(Bank::version), Some("2.0"));
        assert!(find("xyz_aisp_sbx_#1.0").is_none());
        assert_eq!(
            SKILLS.to_vec(),
            BANKS.iter().map(|b| b.skill).collect::<Vec<_>>()
        );
    }
}
