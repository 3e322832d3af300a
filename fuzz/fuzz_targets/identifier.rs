//! The identifier parser: `from_raw_id(x).raw_id() == x` for every string, the REST model round-trips,
//! and any JSON deserialises without a panic.
#![no_main]

use acs_identity_edge::identifier::CommunicationIdentifier;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(raw) = std::str::from_utf8(data) {
        let id = CommunicationIdentifier::from_raw_id(raw);
        assert_eq!(id.raw_id(), raw);
        let _ = id.kind();
        let model = serde_json::to_string(&id).expect("an identifier serialises");
        let back: CommunicationIdentifier =
            serde_json::from_str(&model).expect("its model reads back");
        assert_eq!(back, id, "model {model}");
    }
    if let Ok(id) = serde_json::from_slice::<CommunicationIdentifier>(data) {
        let again = CommunicationIdentifier::from_raw_id(&id.raw_id());
        let _ = again.kind();
    }
});
