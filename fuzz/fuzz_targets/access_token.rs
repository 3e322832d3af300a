//! The access-token decoder: no panic on any input, in both its steps.
#![no_main]

use acs_identity_edge::access_token;
use acs_identity_edge::ErrorKind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = access_token::claims_from_payload(data);
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    match access_token::decode(token) {
        Ok(claims) => {
            if let Some(id) = &claims.user_id {
                assert!(id.starts_with("8:") && id.len() > 2);
            }
            assert!(claims
                .scopes
                .iter()
                .all(|s| !s.is_empty() && !s.contains(',')));
            assert!(access_token::payload_bytes(token).is_ok());
        }
        Err(e) => assert_eq!(e.kind(), ErrorKind::InvalidToken),
    }
});
