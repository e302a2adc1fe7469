//! Subject rules, in one place: what a valid subject is, when a literal
//! subject matches a filter with wildcards, when one filter covers
//! (`is_subset`) or overlaps (`collide`) another, and, in `transform`, subject
//! mappings. Every other module asks here.
//!
//! Follows the subject functions of Go's `server/sublist.go`:
//! `IsValidSubject`, `IsValidLiteralSubject`, `IsValidPublishSubject`,
//! `subjectIsLiteral`, `matchLiteral`, `subjectIsSubsetMatch` and
//! `SubjectsCollide`, quirks included (each function says which).
//!
//! Subjects are `.`-separated tokens. `*` (exactly one token) and `>` (one or
//! more trailing tokens) are wildcards only as whole tokens: `foo*`, `*bar`
//! and `>x` are literal tokens.
//!
//! This module is a leaf: it imports nothing from the rest of the crate.
pub(crate) mod transform;

#[cfg(test)]
mod tests;

/// The partial wildcard token: matches exactly one token.
const PWC: &str = "*";
/// The full wildcard token: as the last token, matches one or more tokens.
const FWC: &str = ">";

fn is_wildcard(token: &str) -> bool {
    token == PWC || token == FWC
}

/// The whitespace Go refuses in a subject: space, tab, LF, CR and form feed.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0c)
}

/// The shape every subscription subject must have: no empty token and `>`
/// only as the last token. This is all Go's `Sublist.Insert` checks; it does
/// not look for whitespace, so `SUB a\x0cb 1` is accepted.
pub(crate) fn is_valid_shape(subject: &str) -> bool {
    let mut after_fwc = false;
    for token in subject.split('.') {
        if token.is_empty() || after_fwc {
            return false;
        }
        after_fwc = token == FWC;
    }
    true
}

/// Go `IsValidSubject`: the shape of [`is_valid_shape`] and no whitespace in
/// any token. Wildcards are allowed.
pub(crate) fn is_valid(subject: &str) -> bool {
    is_valid_shape(subject) && !subject.bytes().any(is_space)
}

/// Go `IsValidLiteralSubject`: no empty token and no wildcard token. Like Go,
/// it does not look for whitespace.
pub(crate) fn is_valid_literal(subject: &str) -> bool {
    subject.split('.').all(|t| !t.is_empty() && !is_wildcard(t))
}

/// Go `IsValidPublishSubject`: valid and literal.
pub(crate) fn is_valid_publish(subject: &str) -> bool {
    is_valid(subject) && is_literal(subject)
}

/// Go `subjectIsLiteral`: no `*` or `>` token. Does not check validity.
pub(crate) fn is_literal(subject: &str) -> bool {
    !subject.split('.').any(is_wildcard)
}

/// Go `matchLiteral`: whether `filter`, which may hold wildcards, matches the
/// literal `subject`; the sublist's rule. `*` takes one token, `>` (only as
/// the last filter token; elsewhere it is an ordinary token) one or more.
///
/// Go walks bytes, and that shows only on subjects with empty tokens: a
/// trailing `*` or `>` does not match an empty rest (`foo.` is matched by
/// neither `foo.*` nor `foo.>`) while a `*` in the middle matches an empty
/// token. An empty filter matches only the empty subject.
pub(crate) fn matches(subject: &str, filter: &str) -> bool {
    let mut s = subject.split('.');
    let mut f = filter.split('.').peekable();
    while let Some(ft) = f.next() {
        let last = f.peek().is_none();
        let Some(st) = s.next() else { return false };
        if ft == FWC && last {
            // One or more tokens remain; Go wants at least one byte of them.
            return !st.is_empty() || s.next().is_some();
        }
        if ft == PWC {
            if last && st.is_empty() {
                return false;
            }
        } else if ft != st {
            return false;
        }
    }
    s.next().is_none()
}

/// Go `subjectIsSubsetMatch`: every subject `subject` can match (it may hold
/// wildcards) is also matched by `filter`. `foo.*` is a subset of `>`, `*.*`
/// and `foo.*`, not of `foo.bar`; an empty token on either side gives false.
///
/// Go quirk: a `filter` token that merely starts with `*` (`*x`) acts as `*`
/// here, so `foo.bar` is a subset of `foo.*x`. Where the answer must agree
/// with [`matches`], use [`covers`].
pub(crate) fn is_subset(subject: &str, filter: &str) -> bool {
    subset(subject, filter, true)
}

/// Every literal subject `subject` can match is matched by `filter` under
/// [`matches`]: [`is_subset`] without Go's `*x` quirk (rnats's own, for
/// decisions that must agree with what the store and the sublist match).
pub(crate) fn covers(filter: &str, subject: &str) -> bool {
    subset(subject, filter, false)
}

fn subset(subject: &str, filter: &str, star_prefix_is_wildcard: bool) -> bool {
    let mut s = subject.split('.');
    for ft in filter.split('.') {
        let Some(st) = s.next() else { return false };
        if ft.is_empty() {
            return false;
        }
        if ft == FWC {
            return true;
        }
        if st.is_empty() || st == FWC {
            return false;
        }
        if st == PWC {
            if ft != PWC {
                return false;
            }
            continue;
        }
        let wild = if star_prefix_is_wildcard { ft.starts_with('*') } else { ft == PWC };
        if !wild && st != ft {
            return false;
        }
    }
    s.next().is_none()
}

/// Go `SubjectsCollide`: `a` and `b` (either may hold wildcards) could both
/// match one literal subject. A literal against a filter is `is_subset`.
///
/// Go quirks when both hold wildcards: subjects of different lengths collide
/// when the shorter one has a `>` and the common prefix agrees; tokens are
/// compared only for agreement, and a token that merely starts with `*` or
/// `>` agrees with anything (so `*.*x` and `*.b` collide).
pub(crate) fn collide(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let ta: Vec<&str> = a.split('.').collect();
    let tb: Vec<&str> = b.split('.').collect();
    let (pwc_a, fwc_a) = (ta.contains(&PWC), ta.contains(&FWC));
    let (pwc_b, fwc_b) = (tb.contains(&PWC), tb.contains(&FWC));
    let (lit_a, lit_b) = (!pwc_a && !fwc_a, !pwc_b && !fwc_b);
    match (lit_a, lit_b) {
        (true, true) => false,
        (true, false) => is_subset(a, b),
        (false, true) => is_subset(b, a),
        (false, false) => {
            if ta.len() < tb.len() && !fwc_a || tb.len() < ta.len() && !fwc_b {
                return false;
            }
            let agree = |x: &str, y: &str| {
                !x.is_empty() && !y.is_empty() && (x.starts_with(['*', '>']) || y.starts_with(['*', '>']) || x == y)
            };
            ta.iter().zip(&tb).all(|(x, y)| agree(x, y))
        }
    }
}

/// Where the `@` sits in a JetStream ack reply that carries the subject its
/// receiver is shown (`$JS.ACK.<8 or more tokens>@<subject>`), as a route
/// forwards a consumer's delivery (Go's `jsAckDeliverIdx` in `client.go`).
/// Tokens may hold `@` themselves, so only one after the eighth dot counts.
pub(crate) fn js_ack_deliver_idx(reply: &[u8]) -> Option<usize> {
    const ACK_PREFIX: &[u8] = b"$JS.ACK.";
    if reply.len() <= ACK_PREFIX.len() || !reply.starts_with(ACK_PREFIX) {
        return None;
    }
    let mut dots = 0;
    for (i, &b) in reply.iter().enumerate() {
        match b {
            b'.' => dots += 1,
            b'@' if dots >= 8 => return Some(i),
            _ => {}
        }
    }
    None
}

/// Whether `reply` already carries a shown subject after `@` (Go's
/// `replyHasJSAckSuffix`).
pub(crate) fn has_js_ack_suffix(reply: &[u8]) -> bool {
    js_ack_deliver_idx(reply).is_some()
}
