//! The service's answers: error bodies as the service writes them, content types, the body limit and
//! the [`Reply`] every handler returns. (The api-versions are in `api::versions`; scopes and token
//! lifetimes come from the library.)

use bytes::Bytes;
use hyper::StatusCode;
use serde::Serialize;

/// Largest request body accepted; bigger ones get 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Content type of successful JSON answers (errors are `application/json`, as the service sends).
pub const JSON_UTF8: &str = "application/json; charset=utf-8";
pub const JSON: &str = "application/json";

/// `{"error":{...}}` as the service sends it.
#[derive(Debug, Serialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// The inside of an error body.
#[derive(Debug, Serialize)]
pub struct ErrorDetail {
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub innererror: Option<InnerError>,
    /// ASP.NET API versioning writes `"innerError": null`; kept for those errors only.
    #[serde(
        rename = "innerError",
        skip_serializing_if = "std::ops::Not::not",
        serialize_with = "null"
    )]
    pub inner_error_null: bool,
}

fn null<S: serde::Serializer>(_: &bool, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_none()
}

/// A machine-readable reason under `innererror` (used by the emulator's own endpoints).
#[derive(Debug, Serialize)]
pub struct InnerError {
    pub code: &'static str,
}

/// An answer: status, body, extra headers. Common headers (Date, MS-CV, CORS, ...) are added by the
/// server for every reply.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Bytes,
    pub content_type: Option<&'static str>,
    pub headers: Vec<(&'static str, String)>,
    /// The `api-supported-versions` of the route, when the reply should carry it.
    pub supported_versions: Option<&'static [&'static str]>,
}

impl Reply {
    /// A JSON body with `application/json; charset=utf-8`.
    pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Reply {
        match serde_json::to_vec(value) {
            Ok(body) => Reply {
                status,
                body: Bytes::from(body),
                content_type: Some(JSON_UTF8),
                headers: Vec::new(),
                supported_versions: None,
            },
            Err(_) => Reply::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalError",
                "The response could not be serialised.",
            ),
        }
    }

    /// No body (204 and the like).
    pub fn empty(status: StatusCode) -> Reply {
        Reply {
            status,
            body: Bytes::new(),
            content_type: None,
            headers: Vec::new(),
            supported_versions: None,
        }
    }

    /// Any body with a given content type.
    pub fn bytes(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Reply {
        Reply {
            status,
            body: body.into(),
            content_type: Some(content_type),
            headers: Vec::new(),
            supported_versions: None,
        }
    }

    /// An ACS error body with `code` and `message`.
    pub fn error(status: StatusCode, code: &'static str, message: impl Into<String>) -> Reply {
        Reply::error_body(
            status,
            ErrorDetail {
                code,
                message: message.into(),
                target: None,
                innererror: None,
                inner_error_null: false,
            },
        )
    }

    /// A `400 ValidationError` naming its `target`, the service's answer to bad input.
    pub fn validation(message: impl Into<String>, target: &'static str) -> Reply {
        Reply::error_body(
            StatusCode::BAD_REQUEST,
            ErrorDetail {
                code: "ValidationError",
                message: message.into(),
                target: Some(target),
                innererror: None,
                inner_error_null: false,
            },
        )
    }

    /// An error body from its parts.
    pub fn error_body(status: StatusCode, error: ErrorDetail) -> Reply {
        let body = serde_json::to_vec(&ErrorBody { error }).unwrap_or_default();
        Reply {
            status,
            body: Bytes::from(body),
            content_type: Some(JSON),
            headers: Vec::new(),
            supported_versions: None,
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }

    /// Marks the reply as carrying `api-supported-versions`.
    pub fn with_versions(mut self, versions: &'static [&'static str]) -> Reply {
        self.supported_versions = Some(versions);
        self
    }
}

/// The 500 the emulator answers when its storage fails.
pub fn storage_failure() -> Reply {
    Reply::error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "InternalError",
        "The emulator could not store the change.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_have_the_service_shape() {
        let r = Reply::validation(
            "ExpiresInMinutes value 59 is invalid. Value must be within the [60, 1440] interval.",
            "ExpiresInMinutes",
        );
        assert_eq!(r.status, 400);
        assert_eq!(r.content_type, Some("application/json"));
        assert_eq!(
            std::str::from_utf8(&r.body).unwrap(),
            r#"{"error":{"code":"ValidationError","message":"ExpiresInMinutes value 59 is invalid. Value must be within the [60, 1440] interval.","target":"ExpiresInMinutes"}}"#
        );
        let r = Reply::error_body(
            StatusCode::BAD_REQUEST,
            ErrorDetail {
                code: "UnsupportedApiVersion",
                message: "m".into(),
                target: None,
                innererror: None,
                inner_error_null: true,
            },
        );
        assert_eq!(
            std::str::from_utf8(&r.body).unwrap(),
            r#"{"error":{"code":"UnsupportedApiVersion","message":"m","innerError":null}}"#
        );
    }
}
