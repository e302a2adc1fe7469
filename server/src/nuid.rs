//! Unique random ids of 22 characters, for what Go names with its `nuid`
//! package: advisory and pin ids, and a cluster's made-up name.
use rand::Rng;

/// A random 22-character id from `[A-Za-z0-9]`.
pub(crate) fn next() -> String {
    const CH: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut r = rand::rng();
    (0..22).map(|_| CH[r.random_range(0..CH.len())] as char).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_differ_and_have_go_shape() {
        let (a, b) = (super::next(), super::next());
        assert_ne!(a, b);
        assert_eq!(a.len(), 22);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric()));
    }
}
