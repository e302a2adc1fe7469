//! Go's `encoding/binary` varints, as Go's cluster messages carry them:
//! unsigned LEB128 (`PutUvarint`, `Uvarint`) and zig-zag signed ones
//! (`PutVarint`, `Varint`). Reading never panics: a truncated or
//! overflowing varint is `None`.

/// Go's `binary.AppendUvarint`.
pub(crate) fn put_uvarint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Go's `binary.Uvarint`: the value and the bytes it took; `None` for an
/// empty, unfinished or overflowing one.
pub(crate) fn uvarint(buf: &[u8]) -> Option<(u64, usize)> {
    let mut x: u64 = 0;
    for (i, &b) in buf.iter().enumerate().take(10) {
        if b < 0x80 {
            if i == 9 && b > 1 {
                return None;
            }
            return Some((x | (u64::from(b) << (7 * i)), i + 1));
        }
        x |= u64::from(b & 0x7f) << (7 * i);
    }
    None
}

/// Go's `binary.AppendVarint` (zig-zag).
pub(crate) fn put_varint(out: &mut Vec<u8>, n: i64) {
    put_uvarint(out, ((n << 1) ^ (n >> 63)) as u64);
}

/// Go's `binary.Varint`.
pub(crate) fn varint(buf: &[u8]) -> Option<(i64, usize)> {
    let (u, n) = uvarint(buf)?;
    Some((((u >> 1) as i64) ^ -((u & 1) as i64), n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_go_bytes() {
        for v in [0u64, 1, 127, 128, 300, u64::MAX] {
            let mut b = Vec::new();
            put_uvarint(&mut b, v);
            assert_eq!(uvarint(&b), Some((v, b.len())));
        }
        let mut b = Vec::new();
        put_uvarint(&mut b, 300);
        assert_eq!(b, [0xac, 0x02]);
        for v in [0i64, -1, 1, -64, 64, i64::MIN, i64::MAX, 1_700_000_000_000_000_000] {
            let mut b = Vec::new();
            put_varint(&mut b, v);
            assert_eq!(varint(&b), Some((v, b.len())));
        }
        let mut b = Vec::new();
        put_varint(&mut b, -1);
        assert_eq!(b, [0x01]);
        assert_eq!(uvarint(&[0x80]), None);
        assert_eq!(uvarint(&[]), None);
        assert_eq!(uvarint(&[0xff; 10]), None);
    }
}
