//! The static files of `--www <dir>` (the demo page), served at `/` on the API's origin.

use crate::protocol::Reply;
use bytes::Bytes;
use hyper::StatusCode;
use std::path::{Component, Path, PathBuf};

/// Content type by file extension.
pub fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "json" | "map" => "application/json; charset=utf-8",
        "ico" => "image/x-icon",
        "txt" | "md" => "text/plain; charset=utf-8",
        "ts" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The file under `root` that a decoded URL path names, or `None` when the path tries to leave
/// `root` (`..`, absolute parts, backslashes, NUL).
pub fn resolve(root: &Path, decoded_path: &str) -> Option<PathBuf> {
    if decoded_path.contains(['\\', '\0']) {
        return None;
    }
    let mut out = root.to_path_buf();
    for part in decoded_path.split('/').filter(|p| !p.is_empty()) {
        let mut components = Path::new(part).components();
        match (components.next(), components.next()) {
            (Some(Component::Normal(c)), None) => out.push(c),
            _ => return None,
        }
    }
    Some(out)
}

/// Serves `decoded_path` from `root` (index.html for directories); `None` when there is no such file.
/// (For HEAD the connection sends the headers, Content-Length included, and leaves the body out.)
pub async fn serve(root: &Path, decoded_path: &str) -> Option<Reply> {
    let mut path = resolve(root, decoded_path)?;
    let meta = tokio::fs::metadata(&path).await.ok()?;
    if meta.is_dir() {
        path.push("index.html");
    }
    let body = tokio::fs::read(&path).await.ok()?;
    Some(
        Reply::bytes(StatusCode::OK, content_type(&path), Bytes::from(body))
            .with_header("cache-control", "no-cache")
            .with_header("x-content-type-options", "nosniff"),
    )
}

/// The answer to `GET /` without `--www`: the demo page is not part of the binary.
pub fn not_served() -> Reply {
    Reply::error(
        StatusCode::NOT_FOUND,
        "NotFound",
        "This emulator serves no demo page: start it with --www <DIR>, DIR being the www/ directory of a \
         clone of the acs-identity-edge repository (after `npm run build`). The API and /emulator/health \
         are served.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_of_the_demo_page() {
        for (name, ct) in [
            ("index.html", "text/html; charset=utf-8"),
            ("app.js", "text/javascript; charset=utf-8"),
            ("app.MJS", "text/javascript; charset=utf-8"),
            ("style.css", "text/css; charset=utf-8"),
            ("pkg/x_bg.wasm", "application/wasm"),
            ("logo.svg", "image/svg+xml"),
            ("logo.png", "image/png"),
            ("data.json", "application/json; charset=utf-8"),
            ("blob", "application/octet-stream"),
        ] {
            assert_eq!(content_type(Path::new(name)), ct, "{name}");
        }
    }

    #[test]
    fn paths_cannot_leave_the_root() {
        let root = Path::new("/srv/www");
        assert_eq!(
            resolve(root, "/pkg/a.js"),
            Some(PathBuf::from("/srv/www/pkg/a.js"))
        );
        assert_eq!(resolve(root, "/"), Some(PathBuf::from("/srv/www")));
        assert_eq!(resolve(root, "/../etc/passwd"), None);
        assert_eq!(resolve(root, "/a/../../b"), None);
        assert_eq!(resolve(root, "/./a"), None);
        assert_eq!(resolve(root, "/a\\..\\b"), None);
        assert_eq!(resolve(root, "/a\0"), None);
    }
}
