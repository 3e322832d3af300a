//! The library's JSON: any bytes read as a `Value` without exhausting the stack (depth is capped), the
//! string writer's output reads back as the same string, and `ObjectWriter` writes valid JSON.
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

fuzz_target!(|data: &[u8]| {
    if let Some(v) = data.value() {
        assert!(depth(&v) <= json::MAX_DEPTH + 1, "depth {}", depth(&v));
        let _ = v
            .clone()
            .decode::<acs_identity_edge::identifier::CommunicationIdentifier>();
        let _ = (
            v.get("identity"),
            v.str("token"),
            v.opt_str("id"),
            v.opt_f64("exp"),
        );
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
