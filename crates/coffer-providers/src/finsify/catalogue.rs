//! Finsify's service catalogue (`service.json`): the banks a user can pick from. Public, no
//! credentials.

use serde::{Deserialize, Serialize};

use super::FinsifyError;
use crate::wire::{host_of, json_problem, server_backoff, tidy, transport_problem};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Service {
    pub id: i64,
    pub name: String,
    pub country_code: String,
    /// `"bank"`, `"statement"` or `"other"`.
    pub kind: String,
    pub logo_url: String,
}

/// The real file wraps the list: `{status, last_update, data}`. The documentation only shows the
/// items, so a bare list is read too.
#[derive(Deserialize)]
#[serde(untagged)]
enum Document {
    Wrapped {
        #[serde(default)]
        status: Option<bool>,
        #[serde(default)]
        data: Option<Vec<ServiceWire>>,
    },
    Bare(Vec<ServiceWire>),
}

#[derive(Deserialize)]
struct ServiceWire {
    #[serde(default)]
    id: Option<i64>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    country_code: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    media_path: Option<String>,
    #[serde(default)]
    logo_file_name: Option<String>,
}

/// The catalogue's images come in sizes named by a suffix before the extension
/// (`ambank-logo.png` → `ambank-logo-medium.png`).
fn logo_url(media_path: Option<&str>, file: Option<&str>) -> String {
    let (Some(base), Some(file)) = (media_path, file.filter(|f| !f.is_empty())) else {
        return String::new();
    };
    let sized = match file.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}-medium.{ext}"),
        None => format!("{file}-medium"),
    };
    format!("{base}{sized}")
}

/// GETs the catalogue and returns its services, optionally only those whose name contains
/// `query` or whose country code is `query` (both case-insensitive).
pub async fn services(
    http: &reqwest::Client,
    catalogue_url: &url::Url,
    query: Option<&str>,
) -> Result<Vec<Service>, FinsifyError> {
    let body = fetch(http, catalogue_url).await?;
    let document: Document = serde_json::from_str(&body).map_err(|e| FinsifyError::Malformed {
        detail: format!("the service catalogue cannot be read: {}", json_problem(&e)),
    })?;
    let items = match document {
        Document::Wrapped {
            status: Some(false),
            ..
        } => {
            return Err(FinsifyError::Malformed {
                detail: "the service catalogue reports `status` false".into(),
            })
        }
        Document::Wrapped { data: Some(d), .. } | Document::Bare(d) => d,
        Document::Wrapped { data: None, .. } => {
            return Err(FinsifyError::Malformed {
                detail: "the service catalogue has no `data`".into(),
            })
        }
    };
    let wanted = query
        .map(|q| q.trim().to_lowercase())
        .filter(|q| !q.is_empty());
    let mut skipped = 0usize;
    let services = items
        .into_iter()
        .filter_map(|s| {
            let (Some(id), Some(name)) = (s.id, s.name.as_deref().map(str::trim)) else {
                skipped += 1;
                return None;
            };
            Some(Service {
                id,
                name: name.to_string(),
                country_code: s.country_code.clone().unwrap_or_default(),
                kind: match s.kind.as_deref() {
                    Some(k @ ("bank" | "statement" | "other")) => k.to_string(),
                    _ => "other".to_string(),
                },
                logo_url: logo_url(s.media_path.as_deref(), s.logo_file_name.as_deref()),
            })
        })
        .filter(|s| match &wanted {
            None => true,
            Some(q) => {
                s.name.to_lowercase().contains(q.as_str()) || s.country_code.to_lowercase() == *q
            }
        })
        .collect();
    if skipped > 0 {
        // One broken entry should not keep the user from picking any of the others.
        tracing::warn!(
            skipped,
            "Finsify's service catalogue has entries without id or name"
        );
    }
    Ok(services)
}

async fn fetch(http: &reqwest::Client, url: &url::Url) -> Result<String, FinsifyError> {
    let mut backoff = server_backoff();
    loop {
        let unreachable = |problem: String| FinsifyError::Unreachable {
            detail: format!("the service catalogue at {}: {problem}", host_of(url)),
        };
        let response = match http.get(url.clone()).send().await {
            Ok(r) => r,
            Err(e) => match backoff.next() {
                Some(delay) => {
                    tokio::time::sleep(delay).await;
                    continue;
                }
                None => return Err(unreachable(transport_problem(&e))),
            },
        };
        let status = response.status();
        if status.is_server_error() {
            if let Some(delay) = backoff.next() {
                tokio::time::sleep(delay).await;
                continue;
            }
        }
        if !status.is_success() {
            return Err(FinsifyError::Api {
                status: status.as_u16(),
                error: String::new(),
                message: format!(
                    "GET {}: the service catalogue is not available",
                    tidy(url.path())
                ),
            });
        }
        return coffer_login::http::read_text_capped(response, coffer_login::http::MAX_BODY)
            .await
            .map_err(|e| unreachable(crate::wire::body_problem(&e)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logo_urls_take_the_medium_size() {
        assert_eq!(
            logo_url(
                Some("https://assets.finsify.com/services/"),
                Some("ambank-logo.png")
            ),
            "https://assets.finsify.com/services/ambank-logo-medium.png"
        );
        assert_eq!(logo_url(None, Some("x.png")), "");
        assert_eq!(logo_url(Some("https://a/"), None), "");
    }
}
