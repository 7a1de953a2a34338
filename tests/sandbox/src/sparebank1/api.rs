//! `/personal/banking/*` and `/common/*`: bearer auth, the call budget, versioned media types,
//! accounts and transactions, and the error envelope.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use chrono::{Days, NaiveDate};
use sha2::{Digest, Sha256};

use super::json::{array, float_tail_number, quote, wire_number, Obj};
use super::ledger::{self, Kind, Ledger, Txn};
use super::oauth::{first, parse_pairs};
use super::{random_secret, take, Shared, Sparebank1PartialError, State as SandboxState};
use crate::hostile::Flood;

/// The one media type transactions speak; accounts also accept v4 and v5.
pub(crate) const MEDIA_V1: &str = "application/vnd.sparebank1.v1+json; charset=utf-8";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Accounts,
    Transactions,
    Common,
}

impl Family {
    fn versions(self) -> &'static [u8] {
        match self {
            Family::Accounts => &[1, 4, 5],
            Family::Transactions | Family::Common => &[1],
        }
    }
}

/// What a request that passed the gate may use.
struct Ctx {
    session: u64,
    media: String,
    /// The Oslo day of the sandbox clock.
    today: NaiveDate,
    /// The earliest day the bank serves.
    earliest: NaiveDate,
}

fn respond(status: StatusCode, media: &str, body: String) -> Response {
    let mut resp = (status, body).into_response();
    let ct = HeaderValue::from_str(media).unwrap_or(HeaderValue::from_static(MEDIA_V1));
    resp.headers_mut().insert(header::CONTENT_TYPE, ct);
    resp
}

/// `{"errors":[{code, message, traceId, httpCode, resource, localizedMessage{locale, message}}]}`
pub(crate) fn error_envelope(
    status: StatusCode,
    code: &str,
    message: &str,
    message_nb: &str,
    resource: &str,
) -> Response {
    let trace: String = random_secret().chars().take(32).collect();
    let item = Obj::new()
        .str("code", code)
        .str("message", message)
        .str("traceId", &trace)
        .int("httpCode", i64::from(status.as_u16()))
        .str("resource", resource)
        .obj(
            "localizedMessage",
            Obj::new().str("locale", "nb").str("message", message_nb),
        );
    let body = Obj::new().raw("errors", array([item.to_json()])).to_json();
    respond(status, MEDIA_V1, body)
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::WWW_AUTHENTICATE, "Bearer"),
        ],
        "Unauthorized",
    )
        .into_response()
}

fn too_many_requests(secs: u64, resource: &str) -> Response {
    let mut resp = error_envelope(
        StatusCode::TOO_MANY_REQUESTS,
        "TOO_MANY_REQUESTS",
        &format!("Rate limit exceeded. Retry after {secs} seconds."),
        &format!("For mange forespørsler. Prøv igjen om {secs} sekunder."),
        resource,
    );
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    resp
}

/// Picks the response media type from `Accept` (exact vendor types only; charset, when given,
/// must be UTF-8).
fn negotiate(headers: &HeaderMap, versions: &[u8]) -> Option<String> {
    for value in headers.get_all(header::ACCEPT) {
        let Ok(value) = value.to_str() else { continue };
        for range in value.split(',') {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let mut acceptable = true;
            for param in parts {
                let Some((k, v)) = param.split_once('=') else {
                    continue;
                };
                let k = k.trim().to_ascii_lowercase();
                let v = v.trim().trim_matches('"').to_ascii_lowercase();
                if k == "charset" && v != "utf-8" && v != "utf8" {
                    acceptable = false;
                }
                if k == "q"
                    && v.trim_start_matches('0')
                        .trim_start_matches('.')
                        .trim_matches('0')
                        .is_empty()
                {
                    acceptable = false;
                }
            }
            if !acceptable {
                continue;
            }
            for v in versions {
                if media == format!("application/vnd.sparebank1.v{v}+json") {
                    return Some(format!(
                        "application/vnd.sparebank1.v{v}+json; charset=utf-8"
                    ));
                }
            }
        }
    }
    None
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Charges one call to the client's budget, or answers how many seconds until one is free.
fn charge_budget(shared: &Shared, st: &mut SandboxState, client_id: &str) -> Result<(), u64> {
    let Some(budget) = shared.config.call_budget else {
        return Ok(());
    };
    let now = shared.now();
    let window = crate::contract::chrono_duration(budget.window);
    let calls = st.budget.entry(client_id.to_owned()).or_default();
    while calls.front().is_some_and(|&at| at + window <= now) {
        calls.pop_front();
    }
    if calls.len() >= usize::try_from(budget.calls).unwrap_or(usize::MAX) {
        let free_at = calls.front().map_or(now, |&at| at + window);
        let millis = u64::try_from((free_at - now).num_milliseconds()).unwrap_or(1);
        // Whole seconds, rounded up: retrying after that many seconds always succeeds.
        let secs = millis.div_ceil(1000).max(1);
        return Err(secs);
    }
    calls.push_back(now);
    Ok(())
}

/// Auth, then the call budget, then the media type, then the rate-limit and server-error
/// faults. `/common` neither counts against the budget nor sees the faults.
fn gate(
    shared: &Shared,
    st: &mut SandboxState,
    headers: &HeaderMap,
    family: Family,
    resource: &str,
) -> Result<Ctx, Box<Response>> {
    st.stats.api_calls += 1;
    let now = shared.now();
    let Some(token) = bearer(headers) else {
        return Err(Box::new(unauthorized()));
    };
    let (session, client_id) = match st.access_tokens.get(token) {
        Some(g) if now < g.expires => (g.session, g.client_id.clone()),
        Some(_) => {
            st.access_tokens.remove(token);
            return Err(Box::new(unauthorized()));
        }
        None => return Err(Box::new(unauthorized())),
    };
    if family != Family::Common {
        if let Err(secs) = charge_budget(shared, st, &client_id) {
            st.stats.rate_limited += 1;
            st.stats.budget_refusals += 1;
            return Err(Box::new(too_many_requests(secs, resource)));
        }
    }
    let Some(media) = negotiate(headers, family.versions()) else {
        return Err(Box::new(error_envelope(
            StatusCode::NOT_ACCEPTABLE,
            "NOT_ACCEPTABLE",
            "The Accept header does not name a media type this resource produces \
             (application/vnd.sparebank1.v1+json; charset=utf-8).",
            "Accept-headeren angir ingen medietype denne ressursen kan levere.",
            resource,
        )));
    };
    if family != Family::Common {
        if take(&mut st.faults.rate_limit) {
            st.stats.rate_limited += 1;
            let secs = st.faults.retry_after_secs;
            return Err(Box::new(too_many_requests(secs, resource)));
        }
        if take(&mut st.faults.server_error) {
            return Err(Box::new(error_envelope(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_SERVER_ERROR",
                "An unexpected error occurred.",
                "Det oppstod en uventet feil.",
                resource,
            )));
        }
    }
    Ok(Ctx {
        session,
        media,
        today: shared.today(),
        earliest: shared.earliest(),
    })
}

// ---------------------------------------------------------------------------------------------
// Accounts

fn owner(seed: u64) -> Obj {
    Obj::new()
        .str("name", "Kari Nordmann")
        .str("firstName", "Kari")
        .str("lastName", "Nordmann")
        .str("type", "PERSON")
        .int("age", 31)
        .str(
            "customerKey",
            &ledger::hex_digest(&format!("sb1-customer:{seed}"), 32).to_uppercase(),
        )
        .str(
            "ssnKey",
            &ledger::hex_digest(&format!("sb1-ssn:{seed}"), 32).to_uppercase(),
        )
}

fn account_properties(kind: Kind) -> Obj {
    let current = kind == Kind::Current;
    let bsu = kind == Kind::Bsu;
    let card = kind == Kind::CreditCard;
    Obj::new()
        .bool("isTransferFromEnabled", !bsu)
        .bool("isTransferToEnabled", true)
        .bool("isPaymentFromEnabled", current)
        .bool("isAllowedInAvtaleGiro", current)
        .bool("hasAccess", true)
        .bool("isBalancePreferred", card)
        .bool("isFlexiLoan", false)
        .bool("isCodebitorLoan", false)
        .bool("isSecurityBalance", false)
        .bool("isAksjesparekonto", false)
        .bool("isSavingsAccount", bsu)
        .bool("isBonusAccount", false)
        .bool("userHasRightOfDisposal", true)
        .bool("userHasRightOfAccess", true)
        .bool("isOwned", true)
        .bool("isWithdrawalsAllowed", !bsu)
        .bool("isBlocked", false)
        .bool("isHidden", false)
        .bool("isBalanceUpdatedImmediatelyOnTransferTo", !card)
        .bool("isDefaultPaymentAccount", current)
}

fn account_json(l: &Ledger, idx: usize) -> Option<String> {
    let a = l.accounts.get(idx)?;
    let obj = Obj::new()
        .str("key", &a.key)
        .str("accountNumber", &a.number)
        .opt_str("iban", a.iban.as_deref())
        .str("name", &a.name)
        .str("description", &a.description)
        .raw("balance", wire_number(l.balance(idx)))
        .raw("availableBalance", wire_number(l.available(idx)))
        .str("currencyCode", "NOK")
        .obj("owner", owner(l.seed))
        .str("productType", a.product_type)
        .str("type", a.kind.wire_type())
        .str("productId", a.product_id)
        .str("descriptionCode", a.description_code)
        .bool("disposalRole", false)
        .obj("accountProperties", account_properties(a.kind))
        .raw(
            "creditCardCreditLimit",
            a.credit_limit
                .map_or_else(|| "null".to_owned(), wire_number),
        )
        .opt_str("creditCardAccountID", a.credit_card_account_id.as_deref())
        .raw("obsCodes", "[]".to_owned());
    Some(obj.to_json())
}

fn bool_flag(
    pairs: &[(String, String)],
    name: &str,
    default: bool,
    resource: &str,
) -> Result<bool, Box<Response>> {
    match first(pairs, name) {
        None => Ok(default),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
        Some(v) => Err(Box::new(error_envelope(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST_PARAMETER",
            &format!("{name} must be true or false, not {v:?}."),
            &format!("{name} må være true eller false."),
            resource,
        ))),
    }
}

/// `GET /personal/banking/accounts`.
pub(crate) async fn accounts(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    const RESOURCE: &str = "/personal/banking/accounts";
    let mut st = shared.lock();
    let ctx = match gate(&shared, &mut st, &headers, Family::Accounts, RESOURCE) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let p = parse_pairs(query.as_deref().unwrap_or(""));
    let flags = (|| -> Result<[bool; 6], Box<Response>> {
        Ok([
            bool_flag(&p, "includeNokAccounts", true, RESOURCE)?,
            bool_flag(&p, "includeCurrencyAccounts", true, RESOURCE)?,
            bool_flag(&p, "includeBsuAccounts", true, RESOURCE)?,
            bool_flag(&p, "includeCreditCardAccounts", true, RESOURCE)?,
            bool_flag(&p, "includeAskAccounts", false, RESOURCE)?,
            bool_flag(&p, "includePensionAccounts", false, RESOURCE)?,
        ])
    })();
    let [nok, _currency, bsu, card, _ask, _pension] = match flags {
        Ok(f) => f,
        Err(r) => return *r,
    };
    // [inference] The card backend failing takes the card out of the list, with a 200.
    let card_failed = card && st.take_partial(Sparebank1PartialError::CreditAccountsFailed);
    let l = &st.ledger;
    let items: Vec<String> = l
        .accounts
        .iter()
        .enumerate()
        .filter(|(_, a)| match a.kind {
            Kind::Current => nok,
            Kind::Bsu => bsu,
            Kind::CreditCard => card && !card_failed,
        })
        .filter_map(|(i, _)| account_json(l, i))
        .collect();
    let errors = if card_failed {
        array([quote(Sparebank1PartialError::CreditAccountsFailed.code())])
    } else {
        "[]".to_owned()
    };
    let body = Obj::new()
        .raw("accounts", array(items))
        .raw("errors", errors)
        .to_json();
    respond(StatusCode::OK, &ctx.media, body)
}

/// `GET /personal/banking/accounts/default`: the default payment account.
pub(crate) async fn default_account(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
) -> Response {
    let mut st = shared.lock();
    let ctx = match gate(
        &shared,
        &mut st,
        &headers,
        Family::Accounts,
        "/personal/banking/accounts/default",
    ) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let idx = st
        .ledger
        .accounts
        .iter()
        .position(|a| a.kind == Kind::Current)
        .unwrap_or(0);
    match account_json(&st.ledger, idx) {
        Some(body) => respond(StatusCode::OK, &ctx.media, body),
        None => error_envelope(
            StatusCode::NOT_FOUND,
            "ACCOUNT_NOT_FOUND",
            "No default account.",
            "Fant ingen standardkonto.",
            "/personal/banking/accounts/default",
        ),
    }
}

/// `GET /personal/banking/accounts/{key}`.
pub(crate) async fn account(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> Response {
    let resource = format!("/personal/banking/accounts/{key}");
    let mut st = shared.lock();
    let ctx = match gate(&shared, &mut st, &headers, Family::Accounts, &resource) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let found = st
        .ledger
        .accounts
        .iter()
        .position(|a| a.key == key)
        .and_then(|i| account_json(&st.ledger, i));
    match found {
        Some(body) => respond(StatusCode::OK, &ctx.media, body),
        None => error_envelope(
            StatusCode::NOT_FOUND,
            "ACCOUNT_NOT_FOUND",
            "No account with that key.",
            "Fant ingen konto med den nøkkelen.",
            &resource,
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Transactions

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Recent,
    Historic,
    All,
}

struct TxQuery {
    accounts: Vec<usize>,
    from: NaiveDate,
    to: NaiveDate,
    limit: usize,
    source: Source,
}

fn bad_request(message: &str, message_nb: &str, resource: &str) -> Box<Response> {
    Box::new(error_envelope(
        StatusCode::BAD_REQUEST,
        "INVALID_REQUEST_PARAMETER",
        message,
        message_nb,
        resource,
    ))
}

/// Reads and validates the transaction query (see the module docs for every rule).
fn parse_tx_query(
    shared: &Shared,
    l: &Ledger,
    ctx: &Ctx,
    query: &str,
    resource: &str,
) -> Result<TxQuery, Box<Response>> {
    let p = parse_pairs(query);
    let keys: Vec<&str> = p
        .iter()
        .filter(|(k, _)| k == "accountKey")
        .map(|(_, v)| v.as_str())
        .collect();
    if keys.is_empty() {
        return Err(bad_request(
            "accountKey is required (repeat the parameter for several accounts).",
            "accountKey må oppgis.",
            resource,
        ));
    }
    let mut accounts = Vec::new();
    for key in keys {
        match l.accounts.iter().position(|a| a.key == key) {
            Some(i) => {
                if !accounts.contains(&i) {
                    accounts.push(i);
                }
            }
            None => {
                return Err(Box::new(error_envelope(
                    StatusCode::BAD_REQUEST,
                    "INVALID_ACCOUNT_KEY",
                    &format!("Unknown accountKey {key:?}."),
                    "Ukjent kontonøkkel.",
                    resource,
                )))
            }
        }
    }
    let date = |name: &str| -> Result<Option<NaiveDate>, Box<Response>> {
        match first(&p, name) {
            None => Ok(None),
            Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .ok()
                .filter(|_| v.len() == 10)
                .map(Some)
                .ok_or_else(|| {
                    bad_request(
                        &format!("{name} must be yyyy-MM-dd, not {v:?}."),
                        &format!("{name} må ha formatet yyyy-MM-dd."),
                        resource,
                    )
                }),
        }
    };
    let from = date("fromDate")?;
    let to = date("toDate")?;
    let to = match to {
        Some(t) if t > ctx.today => {
            return Err(bad_request(
                &format!(
                    "toDate {t} is in the future; the latest allowed is {} (Europe/Oslo).",
                    ctx.today
                ),
                "toDate kan ikke være frem i tid.",
                resource,
            ))
        }
        Some(t) => t,
        None => ctx.today,
    };
    let from = match from {
        Some(f) if f < ctx.earliest => {
            return Err(bad_request(
                &format!(
                    "fromDate {f} is before the earliest date available, {}.",
                    ctx.earliest
                ),
                &format!("fromDate kan ikke være tidligere enn {}.", ctx.earliest),
                resource,
            ))
        }
        Some(f) => f,
        // [inference] No fromDate: a 30-day window ending on toDate.
        None => to
            .checked_sub_days(Days::new(ledger::RECENT_DAYS - 1))
            .unwrap_or(to)
            .max(ctx.earliest),
    };
    if from > to {
        return Err(bad_request(
            &format!("fromDate {from} is after toDate {to}."),
            "fromDate er etter toDate.",
            resource,
        ));
    }
    let max = usize::try_from(shared.config.max_row_limit).unwrap_or(usize::MAX);
    let limit = match first(&p, "rowLimit") {
        None => usize::try_from(shared.config.default_row_limit).unwrap_or(usize::MAX),
        Some(v) => match v.parse::<i64>() {
            // [inference] Above the maximum: lowered without notice.
            Ok(n) if n > 0 => usize::try_from(n).unwrap_or(usize::MAX).min(max),
            _ => {
                return Err(bad_request(
                    &format!("rowLimit must be a positive integer, not {v:?}."),
                    "rowLimit må være et positivt heltall.",
                    resource,
                ))
            }
        },
    };
    let source = match first(&p, "source") {
        None => Source::All,
        Some(v) => match v.to_ascii_uppercase().as_str() {
            "RECENT" => Source::Recent,
            "HISTORIC" => Source::Historic,
            "ALL" => Source::All,
            _ => {
                return Err(bad_request(
                    &format!("source must be RECENT, HISTORIC or ALL, not {v:?}."),
                    "source må være RECENT, HISTORIC eller ALL.",
                    resource,
                ))
            }
        },
    };
    Ok(TxQuery {
        accounts,
        from,
        to,
        limit,
        source,
    })
}

fn row_source(t: &Txn, today: NaiveDate) -> Source {
    if t.is_recent(today) {
        Source::Recent
    } else {
        Source::Historic
    }
}

fn session_digest(kind: &str, seed: u64, serial: u64, session: u64, generation: u64) -> [u8; 32] {
    Sha256::digest(format!("sb1-{kind}:{seed}:{serial}:{session}:{generation}").as_bytes()).into()
}

/// The opaque, session-bound transaction id.
pub(crate) fn wire_id(seed: u64, serial: u64, session: u64, generation: u64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(session_digest("tx", seed, serial, session, generation))
}

/// `classificationInput.id`: session-bound too, and not the transaction id.
fn classification_id(seed: u64, serial: u64, session: u64, generation: u64) -> String {
    session_digest("class", seed, serial, session, generation)
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `creditCardIdentifiers.partitionKey`: seven digits, per session and per store.
fn partition_key(account_key: &str, session: u64, generation: u64, source: Source) -> String {
    let store = if source == Source::Historic {
        "archive"
    } else {
        "recent"
    };
    ledger::hex_digest(
        &format!("sb1-partition:{account_key}:{session}:{generation}:{store}"),
        64,
    )
    .bytes()
    .filter(u8::is_ascii_digit)
    .chain(std::iter::repeat(b'0'))
    .take(7)
    .map(char::from)
    .collect()
}

fn merchant_json(m: &ledger::Merchant) -> Obj {
    Obj::new()
        .str("id", m.id)
        .null("img")
        .str("name", m.name)
        .str("address", m.address)
        .str("country", m.country)
        .null("logoImg")
        .str("postcode", m.postcode)
        .str("streetNumber", m.street_number)
        .null("intermediary")
}

fn details_url(base: &str, id: &str) -> String {
    format!("{base}/personal/banking/transactions/{id}/details")
}

/// `cleanedDescription` as of `today`: merchant-cleaned once enrichment has arrived.
fn cleaned_description(t: &Txn, today: NaiveDate) -> &str {
    if t.merchant.is_some() && t.booked && !t.enriched(today) {
        &t.cleaned_raw
    } else {
        &t.cleaned
    }
}

fn transaction_json(st: &SandboxState, base: &str, t: &Txn, ctx: &Ctx) -> Obj {
    let l = &st.ledger;
    let Some(account) = l.accounts.get(t.account) else {
        return Obj::new();
    };
    let today = ctx.today;
    let generation = st.id_generation;
    let id = wire_id(l.seed, t.serial, ctx.session, generation);
    let date_ms = ledger::oslo_midnight_ms(t.date);
    let source = row_source(t, today);
    let enriched = t.enriched(today);
    let mut o = Obj::new()
        .str("id", &id)
        .str("nonUniqueId", &t.non_unique_id)
        .str("description", &t.description)
        .str("cleanedDescription", cleaned_description(t, today))
        .obj(
            "accountNumber",
            Obj::new()
                .str("value", &account.number)
                .str("formatted", &account.formatted_number())
                .str("unformatted", &account.number),
        )
        .raw("amount", wire_number(t.amount))
        .str("currencyCode", "NOK")
        .str("accountCurrency", "NOK")
        .null("currencyAmount")
        .int("date", date_ms)
        .int("interestDate", ledger::oslo_midnight_ms(t.interest_date))
        .str("typeCode", t.type_code)
        .str("typeText", t.type_text)
        .str("bookingStatus", if t.booked { "BOOKED" } else { "PENDING" })
        .str(
            "source",
            if source == Source::Historic {
                "HISTORIC"
            } else {
                "RECENT"
            },
        )
        .bool("canShowDetails", t.booked)
        .str("accountKey", &account.key)
        .str("accountName", &account.name)
        .opt_str("kidOrMessage", t.kid_or_message.as_deref());
    // RECENT rows come without the counterparty fields; archiving adds them.
    if source == Source::Historic {
        o = o
            .opt_str("remoteAccountNumber", t.remote_account_number.as_deref())
            .opt_str("remoteAccountName", t.remote_account_name.as_deref());
    }
    let details = t.booked.then(|| details_url(base, &id));
    o = o
        .null("paymentReference")
        .opt_str("detailsUrl", details.as_deref())
        .opt_str("mcc", t.mcc)
        .raw(
            "merchant",
            match (&t.merchant, enriched) {
                (Some(m), true) => merchant_json(m).to_json(),
                _ => "null".to_owned(),
            },
        )
        .obj(
            "classificationInput",
            Obj::new()
                .str(
                    "id",
                    &classification_id(l.seed, t.serial, ctx.session, generation),
                )
                .opt_str("mcc", t.mcc)
                .int("date", date_ms)
                .str("text", &t.description)
                .str("type", t.type_code)
                .raw("amount", wire_number(t.amount)),
        )
        .bool("isConfidential", false)
        .bool("isFromCurrencyAccount", false);
    if account.kind == Kind::CreditCard {
        o = o.obj(
            "creditCardIdentifiers",
            Obj::new().str("nonUniqueId", &t.non_unique_id).str(
                "partitionKey",
                &partition_key(&account.key, ctx.session, generation, source),
            ),
        );
    }
    o
}

/// The transaction faults, taken once per call.
struct TxFaults {
    partial: Vec<Sparebank1PartialError>,
    malformed: bool,
    missing: Option<String>,
    float: bool,
    flood: Option<FloodKind>,
    far_future_date: bool,
    huge_amount: bool,
}

/// Which hostile body replaces the rows.
enum FloodKind {
    Endless,
    /// The rows padded with whitespace to this many bytes, announced.
    Sized(u64),
}

/// 10000-01-01T00:00:00Z in epoch milliseconds: the first day of a five-digit year.
const YEAR_10000_MS: i64 = 253_402_300_800_000;

/// 200 with a hostile body instead of the rows.
fn flood_response(media: &str, flood: Flood) -> Response {
    crate::hostile::flood_response(media, flood)
}

fn take_tx_faults(st: &mut SandboxState, q: &TxQuery) -> TxFaults {
    let mut partial = Vec::new();
    // A failure only reaches requests that consult the part that failed.
    if q.source != Source::Historic
        && st.take_partial(Sparebank1PartialError::RecentTransactionsFailed)
    {
        partial.push(Sparebank1PartialError::RecentTransactionsFailed);
    }
    let asks_card = q
        .accounts
        .iter()
        .any(|&i| st.ledger.accounts.get(i).map(|a| a.kind) == Some(Kind::CreditCard));
    if asks_card && st.take_partial(Sparebank1PartialError::CreditAccountsFailed) {
        partial.push(Sparebank1PartialError::CreditAccountsFailed);
    }
    let f = &mut st.faults;
    let missing = match f.missing_field.as_mut() {
        Some((field, n)) => take(n).then(|| field.clone()),
        None => None,
    };
    if matches!(&f.missing_field, Some((_, 0))) {
        f.missing_field = None;
    }
    let flood = if take(&mut f.endless_body) {
        Some(FloodKind::Endless)
    } else {
        match f.huge_body.as_mut() {
            Some((n, bytes)) => take(n).then_some(FloodKind::Sized(*bytes)),
            None => None,
        }
    };
    TxFaults {
        partial,
        malformed: take(&mut f.malformed_json),
        missing,
        float: take(&mut f.float_amount),
        flood,
        far_future_date: take(&mut f.far_future_date),
        huge_amount: take(&mut f.huge_amount),
    }
}

/// The answer to a transaction call: the rows' body, or the hostile flood in its place (a
/// sized flood carries the rows, padded to its size).
fn tx_response(media: &str, body: String, faults: TxFaults) -> Response {
    match faults.flood {
        Some(FloodKind::Sized(total)) => {
            let open = body.strip_suffix('}').unwrap_or(&body).to_owned();
            flood_response(media, Flood::sized(open, total))
        }
        Some(FloodKind::Endless) => flood_response(media, Flood::endless(b"{\"transactions\":[")),
        None => respond(StatusCode::OK, media, body),
    }
}

/// The rows a query selects: newest first, the whole answer capped at the row limit (the
/// oldest rows are the ones dropped).
fn select<'a>(
    st: &'a SandboxState,
    q: &TxQuery,
    today: NaiveDate,
    faults: &TxFaults,
) -> Vec<&'a Txn> {
    let l = &st.ledger;
    let recent_failed = faults
        .partial
        .contains(&Sparebank1PartialError::RecentTransactionsFailed);
    let card_failed = faults
        .partial
        .contains(&Sparebank1PartialError::CreditAccountsFailed);
    let mut rows: Vec<&Txn> = l
        .txns
        .iter()
        .filter(|t| q.accounts.contains(&t.account))
        .filter(|t| t.date >= q.from && t.date <= q.to)
        .filter(|t| {
            let s = row_source(t, today);
            (q.source == Source::All || q.source == s) && !(recent_failed && s == Source::Recent)
        })
        .filter(|t| {
            !(card_failed && l.accounts.get(t.account).map(|a| a.kind) == Some(Kind::CreditCard))
        })
        .collect();
    rows.sort_by_key(|t| std::cmp::Reverse((t.date, t.serial)));
    rows.truncate(q.limit);
    rows
}

fn apply_row_faults(rows: &mut [Obj], faults: &TxFaults, amounts: &[i64]) {
    if let Some(first_row) = rows.first_mut() {
        if faults.float {
            if let Some(amount) = amounts.first() {
                first_row.replace("amount", float_tail_number(*amount));
            }
        }
        if let Some(field) = &faults.missing {
            first_row.remove(field);
        }
        if faults.far_future_date {
            first_row.replace("date", YEAR_10000_MS.to_string());
        }
        if faults.huge_amount {
            first_row.replace("amount", "92233720368547758.07".to_owned());
        }
    }
}

fn finish_tx_body(items: Vec<String>, faults: &TxFaults) -> String {
    let errors = array(faults.partial.iter().map(|e| quote(e.code())));
    let body = Obj::new()
        .raw("transactions", array(items))
        .raw("errors", errors)
        .to_json();
    if faults.malformed {
        let mut cut = body.len() / 2;
        while !body.is_char_boundary(cut) {
            cut -= 1;
        }
        body[..cut].to_owned()
    } else {
        body
    }
}

/// One selected row on its way out: its wire object and what `/classified` adds.
struct RowOut {
    obj: Obj,
    category: ledger::Category,
    recurring: bool,
    subscription: bool,
}

/// Gate, query, faults, rows: what both list endpoints share.
fn list_rows(
    shared: &Shared,
    st: &mut SandboxState,
    headers: &HeaderMap,
    query: Option<&str>,
    resource: &str,
) -> Result<(Ctx, TxFaults, Vec<RowOut>), Box<Response>> {
    let ctx = gate(shared, st, headers, Family::Transactions, resource)?;
    let q = parse_tx_query(shared, &st.ledger, &ctx, query.unwrap_or(""), resource)?;
    let faults = take_tx_faults(st, &q);
    let base = shared.base_url();
    let st: &SandboxState = st;
    let rows = select(st, &q, ctx.today, &faults);
    let amounts: Vec<i64> = rows.iter().map(|t| t.amount).collect();
    let mut objs: Vec<Obj> = rows
        .iter()
        .map(|t| transaction_json(st, &base, t, &ctx))
        .collect();
    apply_row_faults(&mut objs, &faults, &amounts);
    let out = rows
        .iter()
        .zip(objs)
        .map(|(t, obj)| RowOut {
            obj,
            category: t.category,
            recurring: t.recurring,
            subscription: t.subscription,
        })
        .collect();
    Ok((ctx, faults, out))
}

/// The `stall` fault: waits its seconds before the call is answered, without holding the
/// sandbox's lock meanwhile (other calls and the control routes go on).
async fn stall(shared: &Shared) {
    let secs = {
        let mut st = shared.lock();
        match st.faults.stall.as_mut() {
            Some((n, secs)) => take(n).then_some(*secs),
            None => None,
        }
    };
    if let Some(secs) = secs {
        tokio::time::sleep(std::time::Duration::from_secs(secs)).await;
    }
}

/// `GET /personal/banking/transactions`.
pub(crate) async fn transactions(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    const RESOURCE: &str = "/personal/banking/transactions";
    stall(&shared).await;
    let mut st = shared.lock();
    match list_rows(&shared, &mut st, &headers, query.as_deref(), RESOURCE) {
        Ok((ctx, faults, rows)) => {
            let body = finish_tx_body(rows.iter().map(|r| r.obj.to_json()).collect(), &faults);
            tx_response(&ctx.media, body, faults)
        }
        Err(r) => *r,
    }
}

/// `GET /personal/banking/transactions/classified`.
pub(crate) async fn classified(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    const RESOURCE: &str = "/personal/banking/transactions/classified";
    stall(&shared).await;
    let mut st = shared.lock();
    let (ctx, faults, rows) =
        match list_rows(&shared, &mut st, &headers, query.as_deref(), RESOURCE) {
            Ok(x) => x,
            Err(r) => return *r,
        };
    let items = rows
        .iter()
        .map(|r| {
            let c = r.category;
            let category = Obj::new()
                .str("main", c.main)
                .str("mainI18n", c.main_i18n)
                .str("sub", c.sub)
                .str("subI18n", c.sub_i18n)
                .int("confidence", i64::from(c.confidence));
            Obj::new()
                .raw("transaction", r.obj.to_json())
                .raw("categories", array([category.to_json()]))
                .bool("recurring", r.recurring)
                .bool("subscription", r.subscription)
                .to_json()
        })
        .collect();
    let body = finish_tx_body(items, &faults);
    tx_response(&ctx.media, body, faults)
}

fn iso(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// `GET /personal/banking/transactions/{id}/details`: ISO dates; an id only works in the
/// session that handed it out.
pub(crate) async fn details(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let resource = format!("/personal/banking/transactions/{id}/details");
    let mut st = shared.lock();
    let ctx = match gate(&shared, &mut st, &headers, Family::Transactions, &resource) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let l = &st.ledger;
    let found = l.txns.iter().find(|t| {
        t.booked
            && t.date >= ctx.earliest
            && wire_id(l.seed, t.serial, ctx.session, st.id_generation) == id
    });
    let (Some(t), Some(account)) = (found, found.and_then(|t| l.accounts.get(t.account))) else {
        return error_envelope(
            StatusCode::NOT_FOUND,
            "TRANSACTION_NOT_FOUND",
            "No transaction with that id in this session.",
            "Fant ingen transaksjon med den id-en.",
            &resource,
        );
    };
    let reference = ledger::hex_digest(&format!("sb1-archive:{}:{}", l.seed, t.serial), 64)
        .bytes()
        .filter(u8::is_ascii_digit)
        .chain(std::iter::repeat(b'0'))
        .take(12)
        .map(char::from)
        .collect::<String>();
    let numerical = reference.trim_start_matches('0');
    let body = Obj::new()
        .str("id", &id)
        .str("date", &iso(t.date))
        .str("type", t.type_text)
        .raw("amount", wire_number(t.amount))
        .str("typeCode", t.type_code)
        .str("typeText", t.type_text)
        .str("valueDate", &iso(t.interest_date))
        .str("accountKey", &account.key)
        .str("bookedDate", &iso(t.date))
        .str("accountName", &account.name)
        .str("description", &t.description)
        .null("eInvoiceUrl")
        .str("nonUniqueId", &t.non_unique_id)
        .str("postingDate", &iso(t.date))
        .str("currencyCode", "NOK")
        .null("exchangeRate")
        .opt_str("kidOrMessage", t.kid_or_message.as_deref())
        .obj(
            "accountNumber",
            Obj::new()
                .str("value", &account.number)
                .str("formatted", &account.formatted_number())
                .str("unformatted", &account.number),
        )
        .null("currencyAmount")
        .null("paymentDetails")
        .str("accountCurrency", "NOK")
        .str("archiveReference", &reference)
        .null("paymentReference")
        .opt_str("remoteAccountName", t.remote_account_name.as_deref())
        .str("cleanedDescription", cleaned_description(t, ctx.today))
        .raw(
            "numericalReference",
            if numerical.is_empty() { "0" } else { numerical }.to_owned(),
        )
        .obj(
            "classificationInput",
            Obj::new()
                .str(
                    "id",
                    &classification_id(l.seed, t.serial, ctx.session, st.id_generation),
                )
                .opt_str("mcc", t.mcc)
                .int("date", ledger::oslo_midnight_ms(t.date))
                .str("text", &t.description)
                .str("type", t.type_code)
                .raw("amount", wire_number(t.amount)),
        )
        .str("originalDescription", &t.description)
        .opt_str("remoteAccountNumber", t.remote_account_number.as_deref())
        .to_json();
    respond(StatusCode::OK, &ctx.media, body)
}

/// `GET /common/helloworld`.
pub(crate) async fn helloworld(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let mut st = shared.lock();
    let ctx = match gate(
        &shared,
        &mut st,
        &headers,
        Family::Common,
        "/common/helloworld",
    ) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    respond(
        StatusCode::OK,
        &ctx.media,
        Obj::new().str("message", "Hello, World!").to_json(),
    )
}

fn count_if_api(shared: &Shared, path: &str) {
    if path.starts_with("/personal/") || path.starts_with("/common/") {
        shared.lock().stats.api_calls += 1;
    }
}

/// Any path the bank does not serve.
pub(crate) async fn not_found(State(shared): State<Arc<Shared>>, uri: Uri) -> Response {
    count_if_api(&shared, uri.path());
    error_envelope(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "No resource at this path.",
        "Fant ingen ressurs på denne adressen.",
        uri.path(),
    )
}

/// A served path with the wrong method.
pub(crate) async fn method_not_allowed(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
) -> Response {
    count_if_api(&shared, uri.path());
    error_envelope(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        &format!("{method} is not allowed here."),
        &format!("{method} er ikke tillatt her."),
        uri.path(),
    )
}
