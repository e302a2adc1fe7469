//! Encryption at rest for the file store.
//!
//! Key hierarchy (the shape of Go's filestore.go, not its bytes):
//! - the server's `jetstream { key }` is never used directly: a key-encryption
//!   key (KEK) is derived per stream or consumer with HMAC-SHA256 over its
//!   name, so the same server key yields unrelated keys for every store;
//! - each stream and consumer has a random 32-byte key, stored wrapped by its
//!   KEK in `meta.key`; rotating the server key (`prev_key`) only rewraps it;
//! - each message block has its own random key, wrapped by the stream key in
//!   `<n>.key`.
//!
//! Everything is sealed with an AEAD (ChaCha20-Poly1305 or AES-256-GCM) under
//! a fresh random 96-bit nonce stored in front of the ciphertext, so a wrong
//! key or a flipped bit is an authentication failure, never garbage.
use aes_gcm::Aes256Gcm;
use chacha20poly1305::aead::{AeadInPlace, KeyInit};
use chacha20poly1305::ChaCha20Poly1305;
use hmac::{Hmac, Mac};
use sha2::Sha256;

const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// Bytes a sealed value adds to its plaintext.
pub(crate) const OVERHEAD: usize = NONCE_LEN + TAG_LEN;

/// The `jetstream { cipher }` choices. The byte values are what the store
/// files record, so a store knows which cipher wrote it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cipher {
    ChaCha = 1,
    Aes = 2,
}

impl Cipher {
    /// Parses the config value (Go accepts `chacha`, `chachapoly` and `aes`).
    pub(crate) fn parse(s: &str) -> Option<Cipher> {
        match s.to_ascii_lowercase().as_str() {
            "chacha" | "chachapoly" | "chacha20" | "chacha20-poly1305" => Some(Cipher::ChaCha),
            "aes" | "aes-gcm" => Some(Cipher::Aes),
            _ => None,
        }
    }

    fn from_byte(b: u8) -> Option<Cipher> {
        match b {
            1 => Some(Cipher::ChaCha),
            2 => Some(Cipher::Aes),
            _ => None,
        }
    }

    /// The name in Go's startup banner (`Encryption:      ChaCha20-Poly1305`).
    pub(crate) fn banner(self) -> &'static str {
        match self {
            Cipher::ChaCha => "ChaCha20-Poly1305",
            Cipher::Aes => "AES-GCM",
        }
    }
}

/// The server's encryption settings.
#[derive(Clone, Debug)]
pub(crate) struct KeyConfig {
    pub(crate) key: String,
    pub(crate) prev_key: Option<String>,
    pub(crate) cipher: Cipher,
}

impl KeyConfig {
    /// The key-encryption key for a store named `context` (e.g. `$G/S`).
    pub(crate) fn kek(&self, context: &str) -> [u8; 32] {
        derive(self.key.as_bytes(), context)
    }

    pub(crate) fn prev_kek(&self, context: &str) -> Option<[u8; 32]> {
        self.prev_key.as_ref().map(|k| derive(k.as_bytes(), context))
    }
}

fn derive(secret: &[u8], context: &str) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"rnats filestore kek\0");
    mac.update(context.as_bytes());
    mac.finalize().into_bytes().into()
}

/// A fresh random 32-byte key.
pub(crate) fn random_key() -> [u8; 32] {
    rand::random()
}

/// An AEAD instance for one key.
#[derive(Clone)]
pub(crate) enum Aead {
    ChaCha(Box<ChaCha20Poly1305>),
    Aes(Box<Aes256Gcm>),
}

impl std::fmt::Debug for Aead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Aead::ChaCha(_) => "Aead(ChaCha20-Poly1305)",
            Aead::Aes(_) => "Aead(AES-GCM)",
        })
    }
}

impl Aead {
    pub(crate) fn new(cipher: Cipher, key: &[u8; 32]) -> Aead {
        match cipher {
            Cipher::ChaCha => Aead::ChaCha(Box::new(ChaCha20Poly1305::new(key.into()))),
            Cipher::Aes => Aead::Aes(Box::new(Aes256Gcm::new(key.into()))),
        }
    }

    pub(crate) fn cipher(&self) -> Cipher {
        match self {
            Aead::ChaCha(_) => Cipher::ChaCha,
            Aead::Aes(_) => Cipher::Aes,
        }
    }

    /// Appends `nonce || ciphertext || tag` of `plain` to `out`.
    pub(crate) fn seal_into(&self, plain: &[u8], out: &mut Vec<u8>) {
        let nonce: [u8; NONCE_LEN] = rand::random();
        out.extend_from_slice(&nonce);
        let start = out.len();
        out.extend_from_slice(plain);
        let nonce = (&nonce).into();
        let tag = match self {
            Aead::ChaCha(a) => a.encrypt_in_place_detached(nonce, b"", &mut out[start..]),
            Aead::Aes(a) => a.encrypt_in_place_detached(nonce, b"", &mut out[start..]),
        }
        .expect("AEAD sealing only fails past 64 GiB");
        out.extend_from_slice(&tag);
    }

    pub(crate) fn seal(&self, plain: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(plain.len() + OVERHEAD);
        self.seal_into(plain, &mut out);
        out
    }

    /// Opens what `seal` produced; `None` when the key is wrong or the bytes
    /// were changed.
    pub(crate) fn open(&self, sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < OVERHEAD {
            return None;
        }
        let (nonce, rest) = sealed.split_at(NONCE_LEN);
        let (ct, tag) = rest.split_at(rest.len() - TAG_LEN);
        let mut buf = ct.to_vec();
        let nonce = nonce.into();
        let tag = tag.into();
        let ok = match self {
            Aead::ChaCha(a) => a.decrypt_in_place_detached(nonce, b"", &mut buf, tag),
            Aead::Aes(a) => a.decrypt_in_place_detached(nonce, b"", &mut buf, tag),
        };
        ok.ok().map(|_| buf)
    }
}

/// Wraps `key` under `kek`: `cipher byte || sealed key` (the `meta.key` and
/// `<n>.key` file format).
pub(crate) fn wrap_key(cipher: Cipher, kek: &[u8; 32], key: &[u8; 32]) -> Vec<u8> {
    let mut out = vec![cipher as u8];
    Aead::new(cipher, kek).seal_into(key, &mut out);
    out
}

/// Why a wrapped key could not be opened.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum UnwrapError {
    /// Unknown cipher byte or a short file.
    Malformed,
    /// Authentication failed: another key, or damage.
    WrongKey,
}

/// Opens a wrapped key, returning the cipher it was wrapped with.
pub(crate) fn unwrap_key(kek: &[u8; 32], wrapped: &[u8]) -> Result<(Cipher, [u8; 32]), UnwrapError> {
    let (&c, sealed) = wrapped.split_first().ok_or(UnwrapError::Malformed)?;
    let cipher = Cipher::from_byte(c).ok_or(UnwrapError::Malformed)?;
    let plain = Aead::new(cipher, kek).open(sealed).ok_or(UnwrapError::WrongKey)?;
    let key: [u8; 32] = plain.try_into().map_err(|_| UnwrapError::Malformed)?;
    Ok((cipher, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_and_tamper() {
        for c in [Cipher::ChaCha, Cipher::Aes] {
            let a = Aead::new(c, &random_key());
            let sealed = a.seal(b"secret.plans");
            assert!(!sealed.windows(6).any(|w| w == b"secret"));
            assert_eq!(a.open(&sealed).as_deref(), Some(&b"secret.plans"[..]));
            let mut bad = sealed.clone();
            bad[NONCE_LEN + 2] ^= 1;
            assert_eq!(a.open(&bad), None);
            assert_eq!(Aead::new(c, &random_key()).open(&sealed), None);
        }
    }

    #[test]
    fn key_wrapping_and_rotation() {
        let cfg = KeyConfig { key: "new".into(), prev_key: Some("old".into()), cipher: Cipher::Aes };
        let old = KeyConfig { key: "old".into(), prev_key: None, cipher: Cipher::ChaCha };
        let k = random_key();
        let wrapped = wrap_key(Cipher::ChaCha, &old.kek("$G/S"), &k);
        assert_eq!(unwrap_key(&cfg.kek("$G/S"), &wrapped), Err(UnwrapError::WrongKey));
        assert_eq!(unwrap_key(&cfg.prev_kek("$G/S").unwrap(), &wrapped), Ok((Cipher::ChaCha, k)));
        assert_ne!(cfg.kek("$G/S"), cfg.kek("$G/T"));
        assert_eq!(unwrap_key(&cfg.kek("x"), &[9, 1, 2]), Err(UnwrapError::Malformed));
    }
}
