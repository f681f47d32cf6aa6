//! The kiosk page: static HTML, CSS and script served by the door service itself (the
//! content security policy allows scripts from this origin only, so nothing is inline).

use axum::http::header;
use axum::response::IntoResponse;

/// `GET /`.
pub(super) async fn page() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        include_str!("kiosk/index.html"),
    )
}

/// `GET /kiosk.js`.
pub(super) async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("kiosk/kiosk.js"),
    )
}

/// `GET /kiosk.css`.
pub(super) async fn style() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("kiosk/kiosk.css"),
    )
}
