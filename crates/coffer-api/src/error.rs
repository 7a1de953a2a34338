//! The one error that crosses to every front end: a stable code to branch on and a message to
//! show. Messages name what was wrong and never carry secrets or raw provider bodies.

use coffer_core::export::ExportError;
use coffer_core::filter::FilterError;
use coffer_core::report::ChartFailure;
use coffer_core::rules::RuleError;
use coffer_core::snapshot::QueryError;
use coffer_core::store::StoreError;
use coffer_core::sync::SyncError;
use coffer_core::transfer::TransferError;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidInput,
    NotFound,
    /// Refused by policy (a read-only server, a missing token).
    Forbidden,
    StoreLocked,
    StoreTooNew,
    StoreCorrupt,
    NotACofferDatabase,
    Provider,
    /// The OS keychain (Secret Service) cannot be used; the message names the ways out.
    KeychainUnavailable,
    /// Saved logins cannot be opened any more (keychain wiped or replaced, wrong passphrase);
    /// the banks must be reconnected.
    VaultKeyLost,
    /// A login in the browser failed: refused at the bank, timed out, a bad redirect.
    Login,
    /// The user cancelled.
    Cancelled,
    /// The connection needs the user to log in to the bank again.
    NeedsReauth,
    Io,
    Internal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    #[ts(type = "string")]
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::Internal, message)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        let code = match &e {
            StoreError::NotCoffer { .. } => ErrorCode::NotACofferDatabase,
            StoreError::TooNew { .. } => ErrorCode::StoreTooNew,
            StoreError::Locked => ErrorCode::StoreLocked,
            StoreError::Corrupt { .. } => ErrorCode::StoreCorrupt,
            StoreError::Open { .. } | StoreError::DiskFull(_) | StoreError::Io(_) => ErrorCode::Io,
            StoreError::UnknownAccount(_) | StoreError::UnknownConnection(_) => ErrorCode::NotFound,
            StoreError::Migration(_) | StoreError::Sqlite(_) | StoreError::BadRow(_) => {
                ErrorCode::Internal
            }
        };
        ApiError::new(code, e.to_string())
    }
}

impl From<QueryError> for ApiError {
    fn from(e: QueryError) -> Self {
        match e {
            QueryError::Store(s) => s.into(),
            QueryError::UnknownAccount(_) | QueryError::UnknownVendor(_) => {
                ApiError::new(ErrorCode::NotFound, e.to_string())
            }
            QueryError::Filter(_) | QueryError::UnknownCategory(_) => {
                ApiError::new(ErrorCode::InvalidInput, e.to_string())
            }
        }
    }
}

impl From<RuleError> for ApiError {
    fn from(e: RuleError) -> Self {
        match e {
            RuleError::Store(s) => s.into(),
            RuleError::Invalid(_) => ApiError::new(ErrorCode::InvalidInput, e.to_string()),
            RuleError::UnknownTransaction(_)
            | RuleError::UnknownVendor(_)
            | RuleError::UnknownRule(_) => ApiError::new(ErrorCode::NotFound, e.to_string()),
        }
    }
}

impl From<ChartFailure> for ApiError {
    fn from(e: ChartFailure) -> Self {
        match e {
            ChartFailure::Query(q) => q.into(),
            ChartFailure::NoSuchCurrency(..) => {
                ApiError::new(ErrorCode::InvalidInput, e.to_string())
            }
            ChartFailure::Chart(coffer_core::chart::ChartError::Size { .. }) => {
                ApiError::new(ErrorCode::InvalidInput, e.to_string())
            }
            ChartFailure::Chart(_) => ApiError::internal(e.to_string()),
        }
    }
}

impl From<TransferError> for ApiError {
    fn from(e: TransferError) -> Self {
        match e {
            TransferError::Store(s) => s.into(),
            TransferError::UnknownTransaction(_) => {
                ApiError::new(ErrorCode::NotFound, e.to_string())
            }
            TransferError::NotPaired(_)
            | TransferError::SameTransaction
            | TransferError::SameAccount
            | TransferError::SameDirection
            | TransferError::AlreadyPaired(_) => {
                ApiError::new(ErrorCode::InvalidInput, e.to_string())
            }
        }
    }
}

impl From<FilterError> for ApiError {
    fn from(e: FilterError) -> Self {
        ApiError::new(ErrorCode::InvalidInput, e.to_string())
    }
}

impl From<SyncError> for ApiError {
    fn from(e: SyncError) -> Self {
        match e {
            SyncError::Store(s) => s.into(),
            SyncError::Poisoned => ApiError::internal(e.to_string()),
        }
    }
}

impl From<coffer_vault::VaultError> for ApiError {
    fn from(e: coffer_vault::VaultError) -> Self {
        use coffer_vault::VaultError as V;
        let code = match &e {
            V::KeychainUnavailable { .. } => ErrorCode::KeychainUnavailable,
            V::KeyMissing | V::WrongKey { .. } | V::Tampered { .. } | V::BadEnvelope { .. } => {
                ErrorCode::VaultKeyLost
            }
            V::Keychain { .. } | V::Passphrase { .. } => ErrorCode::KeychainUnavailable,
        };
        ApiError::new(code, e.to_string())
    }
}

impl From<coffer_login::LoginError> for ApiError {
    fn from(e: coffer_login::LoginError) -> Self {
        use coffer_login::LoginError as L;
        let code = match &e {
            L::Cancelled => ErrorCode::Cancelled,
            L::PortTaken { .. } | L::Settings { .. } => ErrorCode::InvalidInput,
            L::Provider { .. } => ErrorCode::Provider,
            L::InvalidGrant { .. } => ErrorCode::NeedsReauth,
            L::Storage { .. } => ErrorCode::Internal,
            _ => ErrorCode::Login,
        };
        ApiError::new(code, e.to_string())
    }
}

impl From<coffer_core::sync::ProviderError> for ApiError {
    fn from(e: coffer_core::sync::ProviderError) -> Self {
        use coffer_core::sync::ProviderError as P;
        let code = match &e {
            P::Reauth { .. } => ErrorCode::NeedsReauth,
            _ => ErrorCode::Provider,
        };
        ApiError::new(code, e.to_string())
    }
}

impl From<ExportError> for ApiError {
    fn from(e: ExportError) -> Self {
        ApiError::new(ErrorCode::Io, e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_code_and_message() {
        let e = ApiError::new(ErrorCode::StoreLocked, "locked");
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"code":"store_locked","message":"locked"}"#
        );
    }
}
