//! The two JSON tasks of the library, kept small for WebAssembly: [`read`] (response bodies and token
//! payloads, one strict reader on every target) and [`mod@write`] (request bodies).

pub mod read;
pub mod write;

pub use read::{parse, JsonBody, Value, WrongType, MAX_DEPTH};
pub use write::{write_integer, write_string, ObjectWriter};
