//! Stream imports: an account receives what another account publishes on
//! an exported subject, as is, under a prefix or a mapped subject (Go's
//! `streamImport` in `server/accounts.go`, and `addShadowSubscriptions` /
//! `addShadowSub` in `server/client.go`).
//!
//! A client's subscription in the importing account that overlaps an import
//! gets a *shadow* subscription in the exporting account: the same
//! connection and sid, on the exporter's subject, delivering under the local
//! one. The shadow is interest in the exporting account like any other, so
//! routes carry it, and a message an exporter publishes on another server
//! comes here and reaches the importer.
use std::sync::{Arc, Weak};

use bytes::Bytes;

use super::Account;
use crate::connection::{lock, ImportSubject, Shadow, Subscription};
use crate::subject::{self, transform};

/// One stream import of an account.
pub(crate) struct StreamImport {
    exporter: Weak<Account>,
    /// The exporter's subject (Go's `from`).
    from: String,
    /// The local subject as a filter (Go's `to`, untokenized).
    to: String,
    /// The local subject as written, its wildcard references numbered.
    to_refs: String,
    /// The import keeps the published subject (a wildcard import without
    /// renaming: Go's `usePub`).
    use_pub: bool,
    /// The import renames a wildcard subject.
    renames: bool,
}

impl StreamImport {
    /// An import of `from` in `exporter` under the local `to` (prefix applied).
    pub(crate) fn new(exporter: &Arc<Account>, from: &str, to: &str) -> StreamImport {
        let wildcard = !subject::is_literal(from);
        StreamImport {
            exporter: Arc::downgrade(exporter),
            from: from.to_string(),
            to: transform::untokenize(to),
            to_refs: transform::tokenize(to),
            use_pub: wildcard && to == from,
            renames: wildcard && to != from,
        }
    }

    /// The subject the importer is shown for a message on `from`'s side.
    fn shown_as(&self) -> ImportSubject {
        if self.renames {
            ImportSubject::Transform { src: self.from.as_str().into(), dest: self.to_refs.as_str().into() }
        } else if self.use_pub {
            ImportSubject::Published
        } else {
            ImportSubject::Literal(Bytes::from(self.to.clone()))
        }
    }

    /// The exporter-side subject for a local subscription on `local` that
    /// falls inside the import (Go's reverse transform).
    fn exporter_subject(&self, local: &str) -> Option<String> {
        let (src, dest) = transform::reverse(&self.from, &self.to_refs)?;
        transform::transform_subject(&src, &dest, local)
    }
}

/// Adds the shadows of `sub`, a new subscription in `acc`, for each stream
/// import it overlaps (Go's four cases: the import's subject exactly, a
/// subset of it, a superset of it, or a partial overlap).
pub(crate) fn add_shadows(acc: &Account, sub: &Arc<Subscription>) {
    let imports = acc.stream_imports.read().unwrap_or_else(|e| e.into_inner());
    if imports.is_empty() {
        return;
    }
    let subj: &str = &sub.subject;
    let sub_wild = !subject::is_literal(subj);
    let mut shadows = Vec::new();
    for im in imports.iter() {
        let Some(exporter) = im.exporter.upgrade() else { continue };
        // (the exporter's subject to shadow, computed from a local one)
        let target: Option<String> = if subj == im.to {
            Some(im.from.clone())
        } else if subject::is_subset(subj, &im.to) {
            Some(shadow_subject(im, subj))
        } else if sub_wild && subject::is_subset(&im.to, subj) {
            Some(im.from.clone())
        } else if sub_wild {
            overlap(subj, &im.to).map(|o| shadow_subject(im, &o))
        } else {
            None
        };
        let Some(target) = target.filter(|t| !t.is_empty()) else { continue };
        let shadow = Subscription::new_shadow(sub, &target, im.shown_as());
        if exporter.sublist.insert(&shadow.subject, shadow.queue.as_deref(), shadow.key, Arc::clone(&shadow)).is_err() {
            continue;
        }
        exporter.sublist.interest_changed(&shadow, 1);
        shadows.push(Shadow { sublist: Arc::clone(&exporter.sublist), sub: shadow });
    }
    drop(imports);
    if !shadows.is_empty() {
        lock(&sub.shadows).extend(shadows);
    }
}

/// Go's `addShadowSub` for a dynamic match on `local`: through the reverse
/// transform when the import renames, the local subject itself when it keeps
/// the published one, else the import's subject.
fn shadow_subject(im: &StreamImport, local: &str) -> String {
    if im.renames {
        im.exporter_subject(local).unwrap_or_else(|| im.from.clone())
    } else if im.use_pub {
        local.to_string()
    } else {
        im.from.clone()
    }
}

/// Where a wildcard subscription and an import's subject partly overlap,
/// the narrower subject both match (Go fills the subscription's wildcards
/// from the import's tokens); `None` when they do not overlap.
fn overlap(sub: &str, import: &str) -> Option<String> {
    let mut tokens: Vec<&str> = sub.split('.').collect();
    let im: Vec<&str> = import.split('.').collect();
    for (i, t) in tokens.iter_mut().enumerate() {
        if i >= im.len() {
            break;
        }
        if *t == "*" && im[i] != ">" {
            *t = im[i];
        }
    }
    let last = tokens.len() - 1;
    if tokens[last] == ">" && im.len() >= tokens.len() {
        tokens[last] = im[last];
        tokens.extend_from_slice(&im[tokens.len()..]);
    }
    let joined = tokens.join(".");
    subject::is_subset(&joined, import).then_some(joined)
}
