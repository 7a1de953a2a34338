//! `coffer serve` guards and routes, driven in-process through the real router.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::{TimeZone, Utc};
use coffer_api::{Clock, Coffer};
use coffer_server::{router, Access};
use http_body_util::BodyExt;
use tower::ServiceExt;

const PORT: u16 = 47_123;
const TOKEN: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

async fn start(writable: bool) -> (tempfile::TempDir, axum::Router) {
    let dir = tempfile::tempdir().unwrap();
    let at = Clock::Fixed(Utc.with_ymd_and_hms(2026, 11, 21, 9, 0, 0).unwrap());
    let coffer = Coffer::open_with_clock(dir.path(), at).unwrap();
    coffer.connect_builtin().await.unwrap();
    coffer.sync(None, |_| {}).await.unwrap();
    let access = Access {
        token: TOKEN.into(),
        port: PORT,
        writable,
    };
    let ui = dir.path().join("ui");
    std::fs::create_dir(&ui).unwrap();
    std::fs::write(
        ui.join("index.html"),
        "<!doctype html><title>Coffer</title>",
    )
    .unwrap();
    (dir, router(Arc::new(coffer), access, Some(ui)))
}

fn post(path: &str, body: &str) -> axum::http::request::Builder {
    Request::builder()
        .method("POST")
        .uri(path)
        .header(header::HOST, format!("127.0.0.1:{PORT}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, body.len())
}

async fn send(app: &axum::Router, req: Request<Body>) -> (StatusCode, String) {
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

fn authed(b: axum::http::request::Builder) -> axum::http::request::Builder {
    b.header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
}

#[tokio::test]
async fn a_request_without_the_right_token_is_refused() {
    let (_dir, app) = start(false).await;
    let (status, body) = send(
        &app,
        post("/api/accounts", "{}").body(Body::from("{}")).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains("token"), "{body}");
    let wrong = post("/api/accounts", "{}")
        .header(header::AUTHORIZATION, format!("Bearer {}", "f".repeat(64)))
        .body(Body::from("{}"))
        .unwrap();
    assert_eq!(send(&app, wrong).await.0, StatusCode::UNAUTHORIZED);
    let ok = authed(post("/api/accounts", "{}"))
        .body(Body::from("{}"))
        .unwrap();
    let (status, body) = send(&app, ok).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("Brukskonto"));
}

#[tokio::test]
async fn a_foreign_origin_is_refused_even_with_the_token() {
    let (_dir, app) = start(false).await;
    let req = authed(post("/api/accounts", "{}"))
        .header(header::ORIGIN, "http://evil.example")
        .body(Body::from("{}"))
        .unwrap();
    let (status, body) = send(&app, req).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("cross-origin"), "{body}");
    let ours = authed(post("/api/accounts", "{}"))
        .header(header::ORIGIN, format!("http://localhost:{PORT}"))
        .body(Body::from("{}"))
        .unwrap();
    assert_eq!(send(&app, ours).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_foreign_host_is_refused_against_dns_rebinding() {
    let (_dir, app) = start(false).await;
    for host in ["evil.example", "127.0.0.1:1", "192.168.1.5:47123", ""] {
        let req = Request::builder()
            .method("POST")
            .uri("/api/accounts")
            .header(header::HOST, host)
            .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
            .body(Body::from("{}"))
            .unwrap();
        let (status, _) = send(&app, req).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "host {host:?}");
    }
    // Static files are guarded by the same host check.
    let page = Request::builder()
        .uri("/index.html")
        .header(header::HOST, "evil.example")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, page).await.0, StatusCode::FORBIDDEN);
    let page = Request::builder()
        .uri("/index.html")
        .header(header::HOST, format!("localhost:{PORT}"))
        .body(Body::empty())
        .unwrap();
    let (status, body) = send(&app, page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("<title>Coffer</title>"));
}

#[tokio::test]
async fn read_only_by_default() {
    let (_dir, app) = start(false).await;
    let body = r#"{"from":"Rema 1000","to":"Rema"}"#;
    let req = authed(post("/api/rename_vendor", body))
        .body(Body::from(body))
        .unwrap();
    let (status, text) = send(&app, req).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(text.contains("read-only"), "{text}");

    let (_dir2, writable) = start(true).await;
    let req = authed(post("/api/rename_vendor", body))
        .body(Body::from(body))
        .unwrap();
    let (status, text) = send(&writable, req).await;
    assert_eq!(status, StatusCode::OK, "{text}");
}

#[tokio::test]
async fn bad_filters_get_a_clear_400() {
    let (_dir, app) = start(false).await;
    let body = r#"{"filter":{"from":"2026-05-01","to":"2026-01-01"}}"#;
    let (status, text) = send(
        &app,
        authed(post("/api/transactions", body))
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains("date range is empty"), "{text}");
    let body = r#"{"filter":{"categories":["snacks"]}}"#;
    let (status, text) = send(
        &app,
        authed(post("/api/transactions", body))
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains("unknown category 'snacks'"), "{text}");
    let body = r#"{"filter":{"vendors":["Nobody Inc"]}}"#;
    let (status, text) = send(
        &app,
        authed(post("/api/transactions", body))
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(text.contains("no vendor named 'Nobody Inc'"), "{text}");
}

#[tokio::test]
async fn the_csv_route_serves_exactly_the_filtered_rows() {
    let (_dir, app) = start(false).await;
    let body = r#"{"filter":{"direction":"debit","search":"rema"}}"#;
    let (_, json) = send(
        &app,
        authed(post("/api/transactions", body))
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    let list: serde_json::Value = serde_json::from_str(&json).unwrap();
    let ids: Vec<String> = list["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].to_string())
        .collect();
    assert!(!ids.is_empty());

    let get = Request::builder()
        .uri(format!(
            "/api/transactions.csv?direction=debit&search=rema&token={TOKEN}"
        ))
        .header(header::HOST, format!("127.0.0.1:{PORT}"))
        .body(Body::empty())
        .unwrap();
    let (status, csv) = send(&app, get).await;
    assert_eq!(status, StatusCode::OK);
    let csv_ids: Vec<String> = csv
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().to_string())
        .collect();
    assert_eq!(csv_ids, ids);
}

/// Every operation of the table, through the real router: a read-only server refuses every
/// writing one before touching its arguments, no server answers an admin one (settings and the
/// vault decide where secrets go), and desktop-only ones do not exist over HTTP.
#[tokio::test]
async fn the_operation_table_decides_what_each_server_refuses() {
    use coffer_api::ops::{Access as Op, OPERATIONS};
    let (_dir, read_only) = start(false).await;
    let (_dir2, writable) = start(true).await;
    let mut writes = 0;
    for op in OPERATIONS {
        let path = format!("/api/{}", op.name);
        for (server, is_writable) in [(&read_only, false), (&writable, true)] {
            let req = authed(post(&path, "{}")).body(Body::from("{}")).unwrap();
            let (status, text) = send(server, req).await;
            match (op.access, is_writable) {
                (Op::Write, false) => {
                    writes += 1;
                    assert_eq!(status, StatusCode::FORBIDDEN, "{}: {text}", op.name);
                    assert!(text.contains("read-only"), "{}: {text}", op.name);
                }
                (Op::Admin, _) => {
                    assert_eq!(status, StatusCode::FORBIDDEN, "{}: {text}", op.name);
                    assert!(
                        text.contains("not available over HTTP"),
                        "{}: {text}",
                        op.name
                    );
                }
                (Op::Desktop, _) => {
                    assert_eq!(status, StatusCode::NOT_FOUND, "{}: {text}", op.name)
                }
                // Reached the operation: whatever it answers, it was not refused for access.
                _ => assert_ne!(status, StatusCode::FORBIDDEN, "{}: {text}", op.name),
            }
        }
    }
    assert!(writes >= 10, "the table lists {writes} writing operations");
}
