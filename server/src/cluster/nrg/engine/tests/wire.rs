//! Go's tests of the byte layouts (`raft_test.go`), run against the codec
//! the engine speaks: bad bytes are an error, never a panic.
use super::super::*;
use crate::cluster::nrg::codec::{EntryType, Error, PeerState};

fn empty_entries(n: usize) -> Vec<Entry> {
    vec![Entry { kind: EntryType::Normal, data: Vec::new() }; n]
}

/// Go: TestNRGAppendEntryEncode (a leader id is 8 bytes by its type here)
#[test]
fn an_append_entry_carries_at_most_65535_entries() {
    let mut ae = AppendEntry {
        leader: *b"DEREK123",
        term: 1,
        commit: 0,
        pterm: 0,
        pindex: 0,
        entries: Vec::new(),
        lterm: Some(0),
    };
    assert!(ae.encode().is_ok());
    ae.entries = empty_entries(usize::from(u16::MAX));
    assert!(ae.encode().is_ok());
    ae.entries.push(Entry { kind: EntryType::Normal, data: Vec::new() });
    assert_eq!(ae.encode(), Err(Error::TooManyEntries));
}

/// Go: TestNRGAppendEntryDecode
#[test]
fn a_cut_or_zeroed_append_entry_is_refused() {
    let ae = AppendEntry {
        leader: *b"12345678",
        term: 1,
        commit: 0,
        pterm: 0,
        pindex: 0,
        entries: empty_entries(usize::from(u16::MAX)),
        lterm: Some(0),
    };
    let buf = ae.encode().unwrap();
    assert!(AppendEntry::decode(&buf[..buf.len() - 1025]).is_err());
    // Zeroing a byte of the entries (not the header) breaks them: the only
    // bytes that are not zero are entry lengths.
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..100 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let at = 42 + (rng % (buf.len() as u64 - 42)) as usize;
        if buf[at] != 0 {
            let mut b = buf.clone();
            b[at] = 0;
            assert!(AppendEntry::decode(&b).is_err(), "zeroed byte {at}");
        }
    }
}

/// Go: TestNRGAppendEntryDecodeTruncatedEntryLength
#[test]
fn an_entry_length_cut_short_is_refused() {
    let ae = AppendEntry {
        leader: *b"12345678",
        term: 1,
        commit: 0,
        pterm: 0,
        pindex: 0,
        entries: empty_entries(1),
        lterm: Some(0),
    };
    let buf = ae.encode().unwrap();
    assert!(AppendEntry::decode(&buf[..42 + 2]).is_err());
}

/// Go: TestNRGPeerStateDecodeTruncated
#[test]
fn a_peer_state_with_a_partial_id_is_refused() {
    let ps = PeerState { cluster_size: 2, peers: vec![*b"12345678", *b"abcdefgh"], domain_ext: 0 };
    let back = PeerState::decode(&ps.encode()).unwrap();
    assert_eq!((back.peers.len(), back.cluster_size), (2, 2));
    let mut cut = vec![0u8; 8 + 8 - 5];
    cut[0] = 1;
    cut[4] = 1;
    assert_eq!(PeerState::decode(&cut), Err(Error::CorruptPeers));
}

/// Go: TestNRGMalformedAppendEntryResponse
#[test]
fn a_response_of_the_wrong_length_is_refused() {
    assert!(AppendEntryResponse::decode(&[]).is_err());
    assert!(AppendEntryResponse::decode(&[1, 2, 3]).is_err());
}

/// Go: TestNRGVoteResponseEncoding
#[test]
fn a_vote_response_keeps_granted_and_empty_in_two_bits() {
    for (granted, empty, flags) in [(false, false, 0), (true, false, 1), (false, true, 2), (true, true, 3)] {
        let vr = VoteResponse { term: 1, voter: *b"S1Nunr6R", granted, empty };
        let b = vr.encode();
        assert_eq!(b[16], flags);
        assert_eq!(VoteResponse::decode(&b), Ok(vr));
    }
}

/// Go: TestNRGInvalidTAVDoesntPanic
#[test]
fn a_mangled_term_and_vote_is_an_error() {
    assert!(TermAndVote::decode(&[1, 2, 3, 4]).is_err());
}
