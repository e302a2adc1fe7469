//! The codec against what Go 2.15.1 sent (`golden/nrg/capture-2.15.1.json`),
//! Go's peer-id vectors, and bytes that must be refused without a panic.
use super::*;

struct Captured {
    subject: String,
    bytes: Vec<u8>,
}

fn capture() -> Vec<Captured> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../golden/nrg/capture-2.15.1.json");
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let hex = m["hex"].as_str().unwrap();
            let bytes = (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect();
            Captured { subject: m["subject"].as_str().unwrap().to_string(), bytes }
        })
        .collect()
}

#[test]
fn peer_ids_are_gos_hash_of_the_server_name() {
    assert_eq!(&peer_id("nats-0"), b"S1Nunr6R");
    assert_eq!(&peer_id("nats-1"), b"yrzKKRBu");
}

#[test]
fn every_captured_message_decodes_and_encodes_to_the_same_bytes() {
    // `conformance capture-nrg` names the servers A, B and C.
    let nodes: Vec<PeerId> = ["A", "B", "C"].iter().map(|n| peer_id(n)).collect();
    let (mut aes, mut entries, mut votes, mut grants, mut responses) = (0, 0, 0, 0, 0);
    for m in capture() {
        let kind = m.subject.split('.').nth(1).unwrap();
        match (kind, m.bytes.len()) {
            ("AE", _) => {
                let ae = AppendEntry::decode(&m.bytes).unwrap();
                assert!(nodes.contains(&ae.leader), "leader {:?} is one of the servers", ae.leader);
                assert_eq!(ae.encode().unwrap(), m.bytes, "{}", m.subject);
                for e in &ae.entries {
                    entries += 1;
                    if e.kind == EntryType::PeerState {
                        let ps = PeerState::decode(&e.data).unwrap();
                        assert_eq!(ps.encode(), e.data);
                        assert!(ps.peers.iter().all(|p| nodes.contains(p)));
                        assert_eq!(ps.cluster_size, 3);
                    }
                }
                aes += 1;
            }
            ("V", _) => {
                let vr = VoteRequest::decode(&m.bytes).unwrap();
                assert!(nodes.contains(&vr.candidate));
                assert_eq!(vr.encode().to_vec(), m.bytes);
                votes += 1;
            }
            ("R", 17) => {
                let vr = VoteResponse::decode(&m.bytes).unwrap();
                assert!(nodes.contains(&vr.voter));
                assert_eq!(vr.encode().to_vec(), m.bytes);
                grants += 1;
            }
            ("R", 25) => {
                let ar = AppendEntryResponse::decode(&m.bytes).unwrap();
                assert!(nodes.contains(&ar.peer));
                assert_eq!(ar.encode().to_vec(), m.bytes);
                responses += 1;
            }
            other => panic!("unexpected capture {other:?} on {}", m.subject),
        }
    }
    assert!(aes > 0 && entries > 0 && votes > 0 && grants > 0 && responses > 0);
}

#[test]
fn a_heartbeat_carries_no_entry_and_a_zero_lterm() {
    let hb = capture().into_iter().find(|m| m.subject.starts_with("$NRG.AE.") && m.bytes.len() == 43).unwrap();
    let ae = AppendEntry::decode(&hb.bytes).unwrap();
    assert!(ae.entries.is_empty());
    assert_eq!(ae.lterm, Some(0));
    let mut old = hb.bytes.clone();
    old.pop();
    assert_eq!(AppendEntry::decode(&old).unwrap().lterm, None, "an older server's heartbeat has no lterm");
    let catchup = AppendEntry { lterm: Some(300), ..ae };
    assert_eq!(AppendEntry::decode(&catchup.encode().unwrap()).unwrap().lterm, Some(300));
}

#[test]
fn bad_bytes_are_refused_without_a_panic() {
    assert_eq!(AppendEntry::decode(&[0; 41]), Err(Error::Truncated("append entry")));
    let mut one_entry = vec![b'x'; 8];
    one_entry.extend_from_slice(&[0; 32]);
    one_entry.extend_from_slice(&1u16.to_le_bytes());
    assert_eq!(AppendEntry::decode(&one_entry), Err(Error::Truncated("append entry")));
    let mut empty = one_entry.clone();
    empty.extend_from_slice(&0u32.to_le_bytes());
    assert_eq!(AppendEntry::decode(&empty), Err(Error::EmptyEntry));
    let mut huge = one_entry;
    huge.extend_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(AppendEntry::decode(&huge), Err(Error::Truncated("append entry")));
    assert!(matches!(VoteRequest::decode(&[0; 31]), Err(Error::WrongLength { .. })));
    assert!(matches!(VoteResponse::decode(&[0; 18]), Err(Error::WrongLength { .. })));
    assert!(matches!(AppendEntryResponse::decode(&[]), Err(Error::WrongLength { .. })));
    assert_eq!(PeerState::decode(&[3, 0, 0, 0, 9, 0, 0, 0, b'a']), Err(Error::CorruptPeers));
    assert_eq!(PeerState::decode(&[3, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]), Err(Error::CorruptPeers));
    // Every prefix of every captured message, and seeded noise: an answer,
    // never a panic.
    for m in capture() {
        for end in 0..=m.bytes.len() {
            let _ = AppendEntry::decode(&m.bytes[..end]);
            let _ = PeerState::decode(&m.bytes[..end]);
        }
    }
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..2000 {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let len = (seed >> 56) as usize;
        let noise: Vec<u8> = (0..len).map(|i| (seed >> (i % 8 * 8)) as u8).collect();
        let _ = AppendEntry::decode(&noise);
        let _ = PeerState::decode(&noise);
    }
}

fn golden_file(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/../golden/nrg/files/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn group_files_written_by_go_read_back_and_write_the_same_bytes() {
    let nodes: Vec<PeerId> = ["n1", "n2", "n3"].iter().map(|n| peer_id(n)).collect();
    for name in ["meta.tav.idx", "S-R3F-6rlSxTa7.tav.idx"] {
        let bytes = golden_file(name);
        let tav = TermAndVote::decode(&bytes).unwrap();
        assert!(tav.term >= 1 && nodes.contains(&tav.vote.unwrap()), "{name}");
        assert_eq!(tav.encode(), bytes);
    }
    assert_eq!(TermAndVote::decode(&[1, 0, 0, 0, 0, 0, 0, 0]).unwrap(), TermAndVote { term: 1, vote: None });
    let peers = golden_file("meta.peers.idx");
    let ps = PeerState::decode(&peers).unwrap();
    assert_eq!((ps.cluster_size, ps.peers.len()), (3, 3));
    assert_eq!(ps.encode(), peers);
    for (group, name) in [("_meta_", "meta.snap.2.6"), ("S-R3F-6rlSxTa7", "S-R3F-6rlSxTa7.snap.1.2")] {
        let bytes = golden_file(name);
        let snap = SnapshotFile::decode(group, &bytes).unwrap();
        let (term, index) = {
            let mut parts = name.rsplit('.');
            let i: u64 = parts.next().unwrap().parse().unwrap();
            (parts.next().unwrap().parse::<u64>().unwrap(), i)
        };
        assert_eq!((snap.last_term, snap.last_index), (term, index), "{name}: the file name says");
        assert_eq!(PeerState::decode(&snap.peer_state).unwrap().peers.len(), 3);
        assert_eq!(snap.encode(group), bytes, "{name}");
        assert_eq!(SnapshotFile::decode("another-group", &bytes), Err(Error::BadChecksum("snapshot")));
        let mut flipped = bytes.clone();
        flipped[25] ^= 1;
        assert_eq!(SnapshotFile::decode(group, &flipped), Err(Error::BadChecksum("snapshot")));
        for end in 0..bytes.len() {
            assert!(SnapshotFile::decode(group, &bytes[..end]).is_err());
        }
    }
    let commit = golden_file("meta.commit.idx");
    let n = decode_commit_index("_meta_", &commit).unwrap();
    assert_eq!(encode_commit_index("_meta_", n), commit[..]);
    assert_eq!(decode_commit_index("S-x", &commit), Err(Error::BadChecksum("commit index")));
}
