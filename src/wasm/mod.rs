//! The WebAssembly bindings (wasm32 only): one entry point between the package's JS and the library,
//! with JSON text both ways, so the module imports nothing and its JS side is a few lines
//! (`js/acs_identity_edge.js`): no binding generator, no JS object handles, no per-function glue.
//!
//! The JS side asks [`acs_input`] for a buffer, writes `bytes` (the body to sign, for `sign`) followed by
//! the UTF-8 JSON text `[op, input]`, and calls [`acs_call`], which answers with the length of a JSON text
//! at [`acs_output`]: `{"ok": result}`, `{}` for an operation without a result, or `{"error": {code,
//! message, target?, statusCode?, serviceCode?, serviceMessage?, requestId?, msCv?}}`, which the JS side
//! throws as an `AcsError`. Dates are unix milliseconds under the names `expiresOn`, `issuedAt` and
//! `lastTokenIssuedAt`, which the JS side turns into `Date`s.
//!
//! | `op` | `input` | result |
//! |------|---------|--------|
//! | `client` | `{connectionString, apiVersion?, allowInsecureConnection?}` | `{endpoint}` |
//! | `prepare` | the `client` members and `{op, args, now, requestId, userAgent}` | `{method, url, headers, body?, stringToSign}` |
//! | `parse` | `{op, status, headers, body}` (`body` as text) | the operation's result |
//! | `retryDelay` | `{retry, status, headers, now, random, options}` | milliseconds, or -1 to stop |
//! | `sign` | `{connectionString, method, url, date}` and the body as `bytes` | the signing headers and `stringToSign` |
//! | `parseConnectionString` | `{connectionString}` | `{endpoint, host}` |
//! | `decodeAccessToken` | `{token}` | `{communicationUserId?, scopes, expiresOn, issuedAt?, resourceId?}` |
//! | `createIdentifierFromRawId` | `{rawId}` | `{kind, ...}` |
//! | `getIdentifierRawId` | `{identifier}` | the raw id |

mod allocator;
mod convert;
mod identifier;
mod identity;

use crate::connection_string::ConnectionString;
use crate::error::{Error, ErrorKind};
use crate::json::{self, ObjectWriter, Value};
use crate::signing;
use core::cell::Cell;

#[global_allocator]
static ALLOCATOR: allocator::BumpAllocator = allocator::BumpAllocator::new();

/// What an operation answers: the JSON text of its result, or `None` when it has none.
type Reply = Result<Option<String>, Error>;

/// The buffers shared with the JS side: what it writes for the next call, and the last call's answer.
struct Buffers {
    input: Cell<Vec<u8>>,
    output: Cell<String>,
}

// SAFETY: without the atomics target feature (see `allocator`) a wasm32 module runs on one thread, and no
// export calls another, so the cells are only ever used by one call at a time.
unsafe impl Sync for Buffers {}

static BUFFERS: Buffers = Buffers {
    input: Cell::new(Vec::new()),
    output: Cell::new(String::new()),
};

/// A zeroed buffer of `len` bytes for the JS side to write the next call's input into; its address.
#[no_mangle]
pub extern "C" fn acs_input(len: usize) -> *mut u8 {
    // Free the last call's buffers first: with nothing allocated the heap starts over.
    drop(BUFFERS.input.take());
    drop(BUFFERS.output.take());
    let mut input = vec![0; len];
    let at = input.as_mut_ptr();
    BUFFERS.input.set(input);
    at
}

/// Runs the call written into the input buffer: `bytes_len` bytes of body, then `text_len` bytes of the
/// JSON text `[op, input]`. Returns the length of the answer at [`acs_output`]. The input buffer is zeroed
/// afterwards, since it held a connection string.
#[no_mangle]
pub extern "C" fn acs_call(bytes_len: usize, text_len: usize) -> usize {
    let mut input = BUFFERS.input.take();
    let (bytes, text) = input.split_at(bytes_len.min(input.len()));
    let request = core::str::from_utf8(text.get(..text_len).unwrap_or_default())
        .ok()
        .and_then(json::parse);
    let reply = match &request {
        Some(Value::Array(call)) => match call.as_slice() {
            [Value::String(op), input, ..] => dispatch(op, input, bytes),
            _ => Err(invalid("op", "unknown operation")),
        },
        _ => Err(invalid("input", "the input is not JSON")),
    };
    drop(request);
    input.fill(0);
    BUFFERS.input.set(input);
    let output = convert::reply(reply);
    let len = output.len();
    BUFFERS.output.set(output);
    len
}

/// The address of the last call's answer.
#[no_mangle]
pub extern "C" fn acs_output() -> *const u8 {
    let output = BUFFERS.output.take();
    let at = output.as_ptr();
    BUFFERS.output.set(output);
    at
}

/// Runs `op` on `input` (and `bytes`, the body to sign for `sign`). See the module docs.
fn dispatch(op: &str, input: &Value, bytes: &[u8]) -> Reply {
    match op {
        "client" => identity::client(input),
        "prepare" => identity::prepare(input),
        "parse" => identity::parse(input),
        "retryDelay" => Ok(Some(identity::retry_delay(input))),
        "sign" => sign(input, bytes),
        "parseConnectionString" => parse_connection_string(input),
        "decodeAccessToken" => identifier::decode_access_token(input),
        "createIdentifierFromRawId" => Ok(Some(identifier::create_identifier_from_raw_id(input))),
        "getIdentifierRawId" => identifier::get_identifier_raw_id(input),
        _ => Err(invalid("op", "unknown operation")),
    }
}

fn invalid(target: &'static str, message: &'static str) -> Error {
    Error::new(ErrorKind::InvalidArgument, message).with_target(target)
}

/// The member `name` when it is a string, else the empty string (which every parser rejects).
fn text(input: &Value, name: &str) -> String {
    input.str(name).unwrap_or_default()
}

/// The member `name` when it is a number.
fn number(input: &Value, name: &str) -> Option<f64> {
    match input.get(name) {
        Some(Value::Number(n)) => Some(*n),
        _ => None,
    }
}

/// `{ endpoint, host }` of a connection string: never the key.
fn parse_connection_string(input: &Value) -> Reply {
    let cs = ConnectionString::parse(&text(input, "connectionString"))?;
    let mut out = ObjectWriter::new();
    out.string("endpoint", cs.endpoint().as_str());
    out.string("host", cs.endpoint().authority());
    Ok(Some(out.finish()))
}

/// Signs one request at `date` (unix seconds): `{ "x-ms-date", "x-ms-content-sha256", authorization, host,
/// stringToSign }`.
fn sign(input: &Value, body: &[u8]) -> Reply {
    let cs = ConnectionString::parse(&text(input, "connectionString"))?;
    let seconds = number(input, "date").unwrap_or_default() as i64;
    let signed = signing::sign(
        cs.access_key(),
        &text(input, "method"),
        &text(input, "url"),
        body,
        seconds,
    )?;
    Ok(Some(convert::signed_headers(&signed)))
}
