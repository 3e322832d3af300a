//! The library's JSON: the one reader (`json::parse`, what every target runs) reads any bytes without
//! exhausting the stack (depth is capped) and accepts exactly the texts `serde_json` accepts, with the same
//! strings; the string writer's output reads back as the same string, and `ObjectWriter` writes valid JSON.
#![no_main]

use acs_identity_edge::json::{self, JsonBody, ObjectWriter, Value};
use libfuzzer_sys::fuzz_target;

fn depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        Value::Object(o) => 1 + o.iter().map(|(_, v)| depth(v)).max().unwrap_or(0),
        _ => 0,
    }
}

/// True when `v` holds a number within a few units in the last place of the largest `f64`.
fn near_max(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Number(n) => n
            .as_f64()
            .is_some_and(|f| f.abs() >= f64::MAX * (1.0 - 1e-14)),
        serde_json::Value::Array(a) => a.iter().any(near_max),
        serde_json::Value::Object(o) => o.values().any(near_max),
        _ => false,
    }
}

fuzz_target!(|data: &[u8]| {
    if let Some(v) = data.value() {
        assert!(depth(&v) <= json::MAX_DEPTH + 1, "depth {}", depth(&v));
        let _ = (
            v.get("identity"),
            v.str("token"),
            v.opt_str("id"),
            v.opt_f64("exp"),
        );
    }
    // The reader accepts what serde_json accepts (below its nesting limit), and reads the same strings.
    if let Ok(text) = std::str::from_utf8(data) {
        let ours = json::parse(text);
        if let Ok(theirs) = serde_json::from_str::<serde_json::Value>(text) {
            // The one documented difference: a number within a few units in the last place of the
            // largest f64 may read as out of range.
            assert!(
                ours.is_some() || near_max(&theirs),
                "serde_json reads {text:?}, json::parse does not"
            );
            if let (Some(Value::String(a)), serde_json::Value::String(b)) = (&ours, &theirs) {
                assert_eq!(a, b);
            }
        } else if ours.is_some() {
            // serde_json refuses past its recursion limit, which the reader's own limit matches.
            panic!("json::parse reads {text:?}, serde_json does not");
        }
    }
    let _ = JsonBody::is_empty(data);
    if let Ok(s) = std::str::from_utf8(data) {
        let mut out = String::new();
        json::write_string(&mut out, s);
        let back: String = serde_json::from_str(&out).expect("write_string writes a JSON string");
        assert_eq!(back, s);
        let mut w = ObjectWriter::new();
        w.string(s, s);
        w.string_array("scopes", &[s, s]);
        w.integer("expiresInMinutes", data.len() as u32);
        w.number("n", -(data.len() as i64));
        w.boolean("b", data.len() % 2 == 0);
        let text = w.finish();
        let parsed: serde_json::Value =
            serde_json::from_str(&text).expect("ObjectWriter writes JSON");
        assert_eq!(parsed["scopes"][1].as_str(), Some(s));
    }
    if data.len() >= 8 {
        let n = i64::from_le_bytes(data[..8].try_into().unwrap());
        let mut out = String::new();
        json::write_integer(&mut out, n);
        assert_eq!(out.parse::<i64>().ok(), Some(n));
    }
});
