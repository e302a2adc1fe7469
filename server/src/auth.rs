//! Client authentication and authorization: token, user/password (plain or bcrypt),
//! nkeys with a nonce challenge, per-user permissions, and `no_auth_user`.
//!
//! Follows Go's `server/auth.go` (`checkClientAuth`, `configureAuthorization`,
//! `isBcrypt`, `comparePasswords`).
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use crate::options::{Options, Permissions, SubjectPermission};

use crate::consts::GLOBAL_ACCOUNT;

/// The JSON a client sends with `CONNECT`. Every field is optional so a later
/// `CONNECT` only changes what it mentions, as Go's `json.Unmarshal` into the
/// existing options does.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ConnectArgs {
    pub(crate) verbose: Option<bool>,
    pub(crate) pedantic: Option<bool>,
    // Only parsed: a mistyped value fails `CONNECT` as in Go; the server
    // does not act on it.
    #[allow(dead_code)]
    tls_required: Option<bool>,
    pub(crate) auth_token: Option<String>,
    pub(crate) user: Option<String>,
    pass: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) lang: Option<String>,
    pub(crate) version: Option<String>,
    pub(crate) protocol: Option<i64>,
    pub(crate) echo: Option<bool>,
    pub(crate) headers: Option<bool>,
    pub(crate) no_responders: Option<bool>,
    sig: Option<String>,
    pub(crate) nkey: Option<String>,
    jwt: Option<String>,
}

/// One subject direction, compiled. `allow: None` means everything is allowed.
#[derive(Debug, Clone, Default)]
pub(crate) struct SubjectRules {
    pub(crate) allow: Option<Vec<String>>,
    pub(crate) deny: Vec<String>,
}

impl SubjectRules {
    fn from_opts(p: &SubjectPermission) -> Self {
        SubjectRules { allow: if p.allow.is_empty() { None } else { Some(p.allow.clone()) }, deny: p.deny.clone() }
    }

    /// Whether a literal publish subject passes the allow and deny lists.
    pub(crate) fn allows_publish(&self, subject: &str) -> bool {
        if let Some(allow) = &self.allow {
            if !allow.iter().any(|f| crate::subject::matches(subject, f)) {
                return false;
            }
        }
        !self.deny.iter().any(|f| crate::subject::matches(subject, f))
    }

    /// Go's `canSubscribe`. Entries may be `"subject"` or `"subject queue"`; an entry
    /// without a queue covers every queue group. The subscription subject is matched
    /// against entries as if it were literal, so allow `foo.*` also admits a
    /// subscription to `foo.>` (Go quirk: its sublist `Match` treats the `>` token
    /// as an ordinary token that `*` matches). Partial overlaps with deny entries are
    /// filtered at delivery instead.
    pub(crate) fn allows_subscribe(&self, subject: &str, queue: Option<&str>) -> bool {
        let hit = |entry: &String| {
            let (subj, q) = match entry.split_once(' ') {
                Some((s, q)) => (s, Some(q.trim())),
                None => (entry.as_str(), None),
            };
            crate::subject::matches(subject, subj)
                && match (q, queue) {
                    (None, _) => true,
                    (Some(pq), Some(cq)) => crate::subject::matches(cq, pq),
                    (Some(_), None) => false,
                }
        };
        if let Some(allow) = &self.allow {
            if !allow.iter().any(hit) {
                return false;
            }
        }
        !self.deny.iter().any(hit)
    }

    /// Whether a delivered message subject hits the deny list (for wildcard subs that
    /// overlap a denied subject; Go's `checkDenySub`).
    pub(crate) fn denies_delivery(&self, subject: &str) -> bool {
        self.deny.iter().any(|f| crate::subject::matches(subject, f))
    }
}

/// `allow_responses` limits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ResponseRules {
    pub(crate) max_msgs: usize,
    pub(crate) expires: Duration,
}

/// A user's compiled permissions.
#[derive(Debug, Clone, Default)]
pub(crate) struct ClientPermissions {
    pub(crate) publish: Option<SubjectRules>,
    pub(crate) subscribe: Option<SubjectRules>,
    pub(crate) response: Option<ResponseRules>,
}

impl ClientPermissions {
    pub(crate) fn from_opts(p: &Permissions) -> Self {
        let mut publish = p.publish.as_ref().map(SubjectRules::from_opts);
        let response = p.response.as_ref().map(|r| ResponseRules { max_msgs: r.max_msgs, expires: r.expires });
        // Go's `auth.go` (`configureAuthorization`/`processUserPermissionsTemplate`):
        // with `allow_responses` and no publish allow list, publishing is denied except
        // to reply subjects.
        if response.is_some() {
            let rules = publish.get_or_insert_with(SubjectRules::default);
            if rules.allow.is_none() {
                rules.allow = Some(Vec::new());
            }
        }
        ClientPermissions { publish, subscribe: p.subscribe.as_ref().map(SubjectRules::from_opts), response }
    }

    /// Whether these rights allow publishing to `subject` (a route's import).
    pub(crate) fn allows_publish(&self, subject: &str) -> bool {
        self.publish.as_ref().is_none_or(|r| r.allows_publish(subject))
    }

    /// Whether these rights allow subscribing to `subject` (a route's export).
    pub(crate) fn allows_subscribe(&self, subject: &str, queue: Option<&str>) -> bool {
        self.subscribe.as_ref().is_none_or(|r| r.allows_subscribe(subject, queue))
    }
}

/// Who a connection authenticated as.
#[derive(Debug, Clone)]
pub(crate) struct AuthOutcome {
    pub(crate) account: String,
    pub(crate) user: Option<String>,
    pub(crate) permissions: Option<Arc<ClientPermissions>>,
}

#[derive(Debug, Clone)]
struct UserEntry {
    password: String,
    account: String,
    permissions: Option<Arc<ClientPermissions>>,
}

#[derive(Debug, Clone)]
struct NkeyEntry {
    account: String,
    permissions: Option<Arc<ClientPermissions>>,
}

/// The server's authentication configuration, built once from [`Options`].
#[derive(Debug, Default)]
pub(crate) struct Auth {
    token: Option<String>,
    single_user: Option<(String, String)>,
    users: HashMap<String, UserEntry>,
    nkeys: HashMap<String, NkeyEntry>,
    no_auth_user: Option<String>,
    /// The `no_auth_user` is the server's made-up one (the only configured
    /// account is the system account): INFO still says auth is required.
    made_up_no_auth: bool,
}

fn account_or_global(a: &Option<String>) -> String {
    a.clone().unwrap_or_else(|| GLOBAL_ACCOUNT.to_string())
}

impl Auth {
    pub(crate) fn from_options(opts: &Options) -> Self {
        let mut auth = Auth {
            token: opts.authorization.clone(),
            no_auth_user: opts.no_auth_user.clone(),
            made_up_no_auth: opts.sys_only_no_auth_user.is_some() && opts.sys_only_no_auth_user == opts.no_auth_user,
            ..Auth::default()
        };
        if let Some(u) = &opts.username {
            auth.single_user = Some((u.clone(), opts.password.clone().unwrap_or_default()));
        }
        let perms = |p: &Option<Permissions>| p.as_ref().map(|p| Arc::new(ClientPermissions::from_opts(p)));
        for u in &opts.users {
            auth.users.insert(
                u.username.clone(),
                UserEntry {
                    password: u.password.clone(),
                    account: account_or_global(&u.account),
                    permissions: perms(&u.permissions),
                },
            );
        }
        for n in &opts.nkeys {
            auth.nkeys.insert(
                n.nkey.clone(),
                NkeyEntry { account: account_or_global(&n.account), permissions: perms(&n.permissions) },
            );
        }
        for acc in &opts.accounts {
            for u in &acc.users {
                auth.users.insert(
                    u.username.clone(),
                    UserEntry {
                        password: u.password.clone(),
                        account: acc.name.clone(),
                        permissions: perms(&u.permissions),
                    },
                );
            }
            for n in &acc.nkeys {
                auth.nkeys.insert(
                    n.nkey.clone(),
                    NkeyEntry { account: acc.name.clone(), permissions: perms(&n.permissions) },
                );
            }
        }
        auth
    }

    /// Whether clients must authenticate (INFO `auth_required`).
    pub(crate) fn required(&self) -> bool {
        self.token.is_some() || self.single_user.is_some() || !self.users.is_empty() || !self.nkeys.is_empty()
    }

    /// The binding for clients that present no credentials, when `no_auth_user`
    /// names a configured user or nkey.
    pub(crate) fn no_auth_outcome(&self) -> Option<AuthOutcome> {
        let name = self.no_auth_user.as_deref()?;
        if let Some(entry) = self.users.get(name) {
            return Some(AuthOutcome {
                account: entry.account.clone(),
                user: Some(name.to_string()),
                permissions: entry.permissions.clone(),
            });
        }
        let entry = self.nkeys.get(name)?;
        Some(AuthOutcome {
            account: entry.account.clone(),
            user: Some(name.to_string()),
            permissions: entry.permissions.clone(),
        })
    }

    /// INFO `auth_required`: with a usable `no_auth_user`, Go does not demand
    /// credentials (clients may even skip CONNECT).
    pub(crate) fn info_auth_required(&self) -> bool {
        self.required() && (self.made_up_no_auth || self.no_auth_outcome().is_none())
    }

    /// Whether INFO carries a nonce for nkey signatures.
    pub(crate) fn uses_nkeys(&self) -> bool {
        !self.nkeys.is_empty()
    }

    /// Checks a client's `CONNECT` credentials. `None` means an authorization violation.
    pub(crate) fn check(&self, c: &ConnectArgs, nonce: &[u8]) -> Option<AuthOutcome> {
        if !self.required() {
            return Some(AuthOutcome { account: GLOBAL_ACCOUNT.into(), user: None, permissions: None });
        }
        // Go's `no_auth_user`: a client presenting no credentials at all is bound to
        // this user (a password user or an nkey).
        if c.user.is_none() && c.auth_token.is_none() && c.nkey.is_none() && c.jwt.is_none() {
            if let Some(o) = self.no_auth_outcome() {
                return Some(o);
            }
        }
        if let Some(nkey) = c.nkey.as_deref().filter(|_| !self.nkeys.is_empty()) {
            let entry = self.nkeys.get(nkey)?;
            let sig = decode_base64(c.sig.as_deref()?)?;
            let kp = nkeys::KeyPair::from_public_key(nkey).ok()?;
            kp.verify(nonce, &sig).ok()?;
            return Some(AuthOutcome {
                account: entry.account.clone(),
                user: Some(nkey.to_string()),
                permissions: entry.permissions.clone(),
            });
        }
        if !self.users.is_empty() {
            let user = c.user.as_deref()?;
            let entry = self.users.get(user)?;
            if !compare_password(&entry.password, c.pass.as_deref().unwrap_or("")) {
                return None;
            }
            return Some(AuthOutcome {
                account: entry.account.clone(),
                user: Some(user.to_string()),
                permissions: entry.permissions.clone(),
            });
        }
        if let Some(token) = &self.token {
            if compare_password(token, c.auth_token.as_deref().unwrap_or("")) {
                return Some(AuthOutcome { account: GLOBAL_ACCOUNT.into(), user: None, permissions: None });
            }
            return None;
        }
        if let Some((u, p)) = &self.single_user {
            if c.user.as_deref() == Some(u.as_str()) && compare_password(p, c.pass.as_deref().unwrap_or("")) {
                return Some(AuthOutcome { account: GLOBAL_ACCOUNT.into(), user: Some(u.clone()), permissions: None });
            }
        }
        None
    }
}

/// Go's `isBcrypt`: stored secrets starting with `$2` are bcrypt hashes.
fn is_bcrypt(stored: &str) -> bool {
    stored.starts_with("$2")
}

/// Compares a configured secret with what the client sent, in constant time for
/// plain text and via bcrypt for hashes.
pub(crate) fn compare_password(stored: &str, given: &str) -> bool {
    if is_bcrypt(stored) {
        return bcrypt::verify(given, stored).unwrap_or(false);
    }
    let (a, b) = (stored.as_bytes(), given.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Base64 URL-safe encoding without padding (Go's `base64.RawURLEncoding`), used
/// for the INFO nonce.
pub fn encode_base64_url(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data)
}

/// Decodes standard or URL-safe base64, padded or not (Go accepts a nonce
/// signature in either raw URL or standard encoding), ignoring stray bits at
/// the end as Go's non-strict decoders do.
fn decode_base64(s: &str) -> Option<Vec<u8>> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    use base64::Engine as _;
    const ANY: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let url: String = s
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect();
    ANY.decode(url).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::{NkeyUser, User};

    #[test]
    fn base64_roundtrip() {
        for data in [&b""[..], b"a", b"ab", b"abc", b"abcd", &[255, 254, 253, 0, 1]] {
            assert_eq!(decode_base64(&encode_base64_url(data)).unwrap(), data);
        }
        assert_eq!(decode_base64("aGk=").unwrap(), b"hi");
    }

    #[test]
    fn users_and_tokens() {
        let mut opts = Options::default();
        opts.users.push(User { username: "a".into(), password: "p".into(), ..User::default() });
        let auth = Auth::from_options(&opts);
        assert!(auth.required());
        let ok = ConnectArgs { user: Some("a".into()), pass: Some("p".into()), ..ConnectArgs::default() };
        assert_eq!(auth.check(&ok, b"").unwrap().account, GLOBAL_ACCOUNT);
        let bad = ConnectArgs { user: Some("a".into()), pass: Some("x".into()), ..ConnectArgs::default() };
        assert!(auth.check(&bad, b"").is_none());

        let opts = Options { authorization: Some("s3cr3t".into()), ..Options::default() };
        let auth = Auth::from_options(&opts);
        let tok = ConnectArgs { auth_token: Some("s3cr3t".into()), ..ConnectArgs::default() };
        assert!(auth.check(&tok, b"").is_some());
        assert!(auth.check(&ConnectArgs::default(), b"").is_none());
    }

    #[test]
    fn bcrypt_password() {
        let hash = bcrypt::hash("pw", 4).unwrap();
        assert!(compare_password(&hash, "pw"));
        assert!(!compare_password(&hash, "nope"));
    }

    #[test]
    fn nkey_challenge() {
        let kp = nkeys::KeyPair::new_user();
        let mut opts = Options::default();
        opts.nkeys.push(NkeyUser { nkey: kp.public_key(), ..NkeyUser::default() });
        let auth = Auth::from_options(&opts);
        let nonce = b"abcdefghijk";
        let sig = kp.sign(nonce).unwrap();
        let c =
            ConnectArgs { nkey: Some(kp.public_key()), sig: Some(encode_base64_url(&sig)), ..ConnectArgs::default() };
        assert!(auth.check(&c, nonce).is_some());
        assert!(auth.check(&c, b"other").is_none());
    }

    #[test]
    fn permissions() {
        let p = Permissions {
            publish: Some(SubjectPermission { allow: vec!["foo.>".into()], deny: vec!["foo.secret".into()] }),
            subscribe: Some(SubjectPermission { allow: vec!["bar.*".into()], deny: vec![] }),
            response: None,
        };
        let cp = ClientPermissions::from_opts(&p);
        let pubr = cp.publish.unwrap();
        assert!(pubr.allows_publish("foo.x"));
        assert!(!pubr.allows_publish("foo.secret"));
        assert!(!pubr.allows_publish("baz"));
        let subr = cp.subscribe.unwrap();
        assert!(subr.allows_subscribe("bar.x", None));
        assert!(subr.allows_subscribe("bar.*", None));
        // Go quirk: `*` in an allow entry admits a `>` subscription token.
        assert!(subr.allows_subscribe("bar.>", None));
        assert!(!subr.allows_subscribe("baz", None));
        let q = SubjectRules { allow: Some(vec!["baz q".into(), "any".into()]), deny: vec![] };
        assert!(q.allows_subscribe("baz", Some("q")));
        assert!(!q.allows_subscribe("baz", Some("r")));
        assert!(!q.allows_subscribe("baz", None));
        assert!(q.allows_subscribe("any", Some("r")));
    }
}
