//! The one error type of the library: a coded kind, a short message that never holds a secret, and,
//! for failures that came from the service, the service's own code, message, target and request id.

use std::borrow::Cow;
use std::boxed::Box;
use std::fmt;
use std::string::String;
use std::sync::Arc;

/// The cause of an [`Error`], when there is one: shared, so that errors stay cheap to clone.
pub type Source = Arc<dyn std::error::Error + Send + Sync + 'static>;

/// What an [`Error`] keeps of its cause: the cause natively; in WebAssembly only a JS value that a JS call
/// threw or rejected with (a Rust cause's formatting code would grow the module by about 3 KB gzip), which
/// the package's `AcsError` carries as its `cause`.
#[cfg(not(target_arch = "wasm32"))]
type Cause = Option<Source>;
#[cfg(target_arch = "wasm32")]
type Cause = Option<wasm_bindgen::JsValue>;

/// What went wrong, as a stable code. New kinds may be added, so match with a wildcard arm.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The connection string is missing a part or has a malformed one (`target` names which).
    InvalidConnectionString,
    /// An argument was rejected before any request was made (`target` names which).
    InvalidArgument,
    /// The service answered with an error status.
    Service,
    /// The request could not be sent or its response could not be read.
    Network,
    /// The call took longer than its timeout.
    Timeout,
    /// The caller cancelled the call.
    Aborted,
    /// The service answered something this library cannot read.
    InvalidResponse,
    /// An access token could not be decoded.
    InvalidToken,
    /// Microsoft Entra ID refused the credential, or a token credential failed to give a token.
    Authentication,
}

impl ErrorKind {
    /// The stable `ERR_*` code of this kind, as used by the JS bindings.
    pub const fn code(self) -> &'static str {
        match self {
            ErrorKind::InvalidConnectionString => "ERR_INVALID_CONNECTION_STRING",
            ErrorKind::InvalidArgument => "ERR_INVALID_ARGUMENT",
            ErrorKind::Service => "ERR_SERVICE",
            ErrorKind::Network => "ERR_NETWORK",
            ErrorKind::Timeout => "ERR_TIMEOUT",
            ErrorKind::Aborted => "ERR_ABORTED",
            ErrorKind::InvalidResponse => "ERR_INVALID_RESPONSE",
            ErrorKind::InvalidToken => "ERR_INVALID_TOKEN",
            ErrorKind::Authentication => "ERR_AUTHENTICATION",
        }
    }
}

/// The code the JS package gives a failure that did not come from this library as an [`Error`] (a trap
/// of the WebAssembly module, or a foreign exception), next to the codes of [`ErrorKind::code`].
pub const INTERNAL_ERROR_CODE: &str = "ERR_INTERNAL";

/// What the service said about a failed request, kept for support cases.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceError {
    /// HTTP status code.
    pub status: u16,
    /// The service's error code (`ValidationError`, `Denied`, ...), when the body had one.
    pub code: Option<String>,
    /// The service's error message, when the body had one.
    pub message: Option<String>,
    /// The field the service blamed, when it named one.
    pub target: Option<String>,
    /// `x-ms-client-request-id` of the request (or `MS-CV` when no client id was echoed).
    pub request_id: Option<String>,
    /// `MS-CV` correlation vector of the response, which Azure support asks for.
    pub ms_cv: Option<String>,
}

/// An error from any part of the library. Its message and `Debug` never contain an access key. Errors
/// compare equal by kind, message, target and what the service said (not by their cause).
///
/// One pointer wide, so that results carrying it stay small and cheap to pass up (which matters for the
/// size of the WebAssembly build).
#[derive(Clone, PartialEq, Eq)]
pub struct Error(Box<Inner>);

#[derive(Clone)]
struct Inner {
    kind: ErrorKind,
    message: Cow<'static, str>,
    target: Option<Cow<'static, str>>,
    service: Option<ServiceError>,
    source: Cause,
}

impl PartialEq for Inner {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
            && self.message == other.message
            && self.target == other.target
            && self.service == other.service
    }
}

impl Eq for Inner {}

impl Error {
    /// An error of `kind` with a short message.
    pub fn new(kind: ErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        Error(Box::new(Inner {
            kind,
            message: message.into(),
            target: None,
            service: None,
            source: None,
        }))
    }

    /// Names the input (connection-string part, argument, field) that was wrong.
    pub fn with_target(mut self, target: impl Into<Cow<'static, str>>) -> Self {
        self.0.target = Some(target.into());
        self
    }

    /// An `ERR_SERVICE` error carrying what the service said.
    pub fn service(info: ServiceError) -> Self {
        let message: Cow<'static, str> = match &info.message {
            Some(m) => Cow::Owned(m.clone()),
            None => Cow::Borrowed("the service answered with an error status"),
        };
        Error(Box::new(Inner {
            kind: ErrorKind::Service,
            message,
            target: None,
            service: Some(info),
            source: None,
        }))
    }

    /// An `ERR_AUTHENTICATION` error carrying what the authority said (its code, description and
    /// correlation id).
    pub fn authentication(message: impl Into<Cow<'static, str>>, info: ServiceError) -> Self {
        Error(Box::new(Inner {
            kind: ErrorKind::Authentication,
            message: message.into(),
            target: None,
            service: Some(info),
            source: None,
        }))
    }

    /// Keeps `source` as the cause of this error (a transport's own error, a decoder's), for
    /// [`std::error::Error::source`]. The cause must not hold a secret either. The WebAssembly build does
    /// not keep it: no JS API reads it, and its formatting code would grow the module by about 3 KB gzip.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn with_source<E: std::error::Error + Send + Sync + 'static>(mut self, source: E) -> Self {
        self.0.source = Some(Arc::new(source));
        self
    }

    /// See the native `with_source`: in WebAssembly a Rust cause is not kept.
    #[cfg(target_arch = "wasm32")]
    pub fn with_source<E: std::error::Error + Send + Sync + 'static>(self, _source: E) -> Self {
        self
    }

    /// Keeps what a JS call threw or rejected with (a `fetch` rejection, say) as the cause, which the JS
    /// package gives as `AcsError.cause`. It must not hold a secret.
    #[cfg(target_arch = "wasm32")]
    pub fn with_js_cause(mut self, cause: wasm_bindgen::JsValue) -> Self {
        self.0.source = Some(cause);
        self
    }

    /// The JS value kept by [`Error::with_js_cause`].
    #[cfg(target_arch = "wasm32")]
    pub fn js_cause(&self) -> Option<&wasm_bindgen::JsValue> {
        self.0.source.as_ref()
    }

    /// The same error with `prefix` before its message (`could not reach HOST: `).
    #[cfg(target_arch = "wasm32")]
    pub(crate) fn with_message_prefix(mut self, prefix: &str) -> Self {
        let mut message = String::from(prefix);
        message.push_str(&self.0.message);
        self.0.message = Cow::Owned(message);
        self
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The stable `ERR_*` code.
    pub fn code(&self) -> &'static str {
        self.0.kind.code()
    }

    /// The short message (never contains a secret).
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The part, argument or field that was wrong: the caller's, or else the service's `target`.
    pub fn target(&self) -> Option<&str> {
        match &self.0.target {
            Some(t) => Some(t),
            None => self.0.service.as_ref().and_then(|s| s.target.as_deref()),
        }
    }

    /// What the service said, for `ERR_SERVICE` errors.
    pub fn service_error(&self) -> Option<&ServiceError> {
        self.0.service.as_ref()
    }

    /// The HTTP status, when there was a response.
    pub fn status(&self) -> Option<u16> {
        self.0.service.as_ref().map(|s| s.status)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.0.kind)
            .field("message", &self.0.message)
            .field("target", &self.0.target)
            .field("service", &self.0.service)
            .field("source", &self.0.source)
            .finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        #[cfg(not(target_arch = "wasm32"))]
        {
            let source: &(dyn std::error::Error + 'static) = self.0.source.as_deref()?;
            Some(source)
        }
        #[cfg(target_arch = "wasm32")]
        None
    }
}

/// Shorthand for results of this library.
pub type Result<T, E = Error> = core::result::Result<T, E>;
