//! Decodes arbitrary bytes as every NRG message (append entry, its response,
//! vote request and response, peer state): errors are fine, panics are not,
//! and whatever decodes encodes to bytes that decode to the same value.
#![no_main]
use libfuzzer_sys::fuzz_target;
use server::cluster::nrg::codec::{AppendEntry, AppendEntryResponse, PeerState, VoteRequest, VoteResponse};

fuzz_target!(|data: &[u8]| {
    if let Ok(ae) = AppendEntry::decode(data) {
        let again = AppendEntry::decode(&ae.encode().expect("a decoded append entry encodes")).expect("decodes");
        assert_eq!(again, ae);
    }
    if let Ok(ps) = PeerState::decode(data) {
        assert_eq!(PeerState::decode(&ps.encode()).expect("decodes"), ps);
    }
    if let Ok(r) = AppendEntryResponse::decode(data) {
        assert_eq!(AppendEntryResponse::decode(&r.encode()).expect("decodes"), r);
    }
    if let Ok(v) = VoteRequest::decode(data) {
        assert_eq!(v.encode().as_slice(), data);
    }
    if let Ok(v) = VoteResponse::decode(data) {
        assert_eq!(VoteResponse::decode(&v.encode()).expect("decodes"), v);
    }
});
