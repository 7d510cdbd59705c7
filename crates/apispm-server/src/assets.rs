//! The dashboard's files, compiled into the binary: no CDN, no build step, nothing read from
//! disk at run time. The page is a shell without data; its script fetches everything from the
//! API with the token the user gives it (or without one when the dashboard is public).

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../assets/app.js"),
    },
    Asset {
        name: "charts.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../assets/charts.js"),
    },
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../assets/app.css"),
    },
    Asset {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("../assets/favicon.svg"),
    },
];

const INDEX: &[u8] = include_bytes!("../assets/index.html");

fn serve(content_type: &'static str, body: &'static [u8]) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // The files change only with the binary; revalidating costs little on a dashboard.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

pub async fn index() -> Response {
    serve("text/html; charset=utf-8", INDEX)
}

pub async fn favicon() -> Response {
    serve("image/svg+xml", include_bytes!("../assets/favicon.svg"))
}

pub async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.name == file) {
        Some(a) => serve(a.content_type, a.body),
        None => (StatusCode::NOT_FOUND, "no such file").into_response(),
    }
}
