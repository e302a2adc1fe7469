//! Subject mappings: an account rewrites the subject its clients publish to
//! (and the subject a service import sends to it), picking one of several
//! weighted destinations (Go's `server/accounts.go`: `AddWeightedMappings`
//! and `selectMappedSubject`).
use crate::options::{MapDest, MappingOpts};
use crate::subject::{self, transform};

/// A destination and the upper end of its weight range (the weights are
/// summed in ascending order, so a draw below it picks it).
#[derive(Debug, Clone)]
struct Dest {
    subject: String,
    upto: u8,
}

/// One mapping: its source filter and destinations (per cluster, optionally).
#[derive(Debug, Clone)]
pub(crate) struct Mapping {
    src: String,
    dests: Vec<Dest>,
    cluster_dests: Vec<(String, Vec<Dest>)>,
}

impl Mapping {
    /// Builds a checked mapping as Go does: when the weights do not add up
    /// to 100 and the source is not among the destinations, the source gets
    /// the rest; then the ranges are laid out by ascending weight.
    pub(crate) fn new(m: &MappingOpts) -> Mapping {
        let wildcard = !subject::is_literal(&m.source);
        let names_src = m.dests.iter().any(|d| d.subject == m.source);
        let layout = |mut list: Vec<(String, u8)>| -> Vec<Dest> {
            let total: u32 = list.iter().map(|(_, w)| u32::from(*w)).sum();
            if total != 100 && !names_src {
                let dest = if wildcard { transform::tokenize(&m.source) } else { m.source.clone() };
                let rest = if list.is_empty() { 100 } else { 100 - total as u8 };
                list.push((dest, rest));
            }
            list.sort_by_key(|(_, w)| *w);
            let mut upto = 0u8;
            list.into_iter()
                .map(|(subject, w)| {
                    upto = upto.saturating_add(w);
                    Dest { subject, upto }
                })
                .collect()
        };
        let plain = m.dests.iter().filter(|d| d.cluster.is_empty()).map(|d| (d.subject.clone(), d.weight)).collect();
        let mut clusters: Vec<(String, Vec<(String, u8)>)> = Vec::new();
        for d in m.dests.iter().filter(|d| !d.cluster.is_empty()) {
            match clusters.iter_mut().find(|(c, _)| *c == d.cluster) {
                Some((_, l)) => l.push((d.subject.clone(), d.weight)),
                None => clusters.push((d.cluster.clone(), vec![(d.subject.clone(), d.weight)])),
            }
        }
        Mapping {
            src: m.source.clone(),
            dests: layout(plain),
            cluster_dests: clusters.into_iter().map(|(c, l)| (c, layout(l))).collect(),
        }
    }
}

impl Mapping {
    /// The source and each destination with the upper end of its weight
    /// range as its weight, as `/accountz` lists them.
    pub(crate) fn entries(&self) -> (String, Vec<MapDest>) {
        let shown = |d: &Dest, cluster: &str| MapDest {
            subject: d.subject.clone(),
            weight: d.upto,
            cluster: cluster.to_string(),
        };
        let mut out: Vec<MapDest> = self.dests.iter().map(|d| shown(d, "")).collect();
        for (c, dests) in &self.cluster_dests {
            out.extend(dests.iter().map(|d| shown(d, c)));
        }
        (self.src.clone(), out)
    }
}

/// The subject `subject` maps to under the first mapping whose source
/// matches it, on a server in `cluster`: `None` when none matches, `Some("")`
/// when the draw fell in a gap the weights leave (the message is dropped).
pub(crate) fn select(mappings: &[Mapping], subject: &str, cluster: &str) -> Option<String> {
    let m = mappings.iter().find(|m| m.src == subject || subject::matches(subject, &m.src))?;
    let dests = m.cluster_dests.iter().find(|(c, _)| c == cluster).map(|(_, d)| d).unwrap_or(&m.dests);
    let d = if dests.len() == 1 && dests[0].upto == 100 {
        Some(&dests[0])
    } else {
        let w = (rand::random::<u32>() % 100) as u8;
        dests.iter().find(|d| w < d.upto)
    };
    let Some(d) = d else { return Some(String::new()) };
    Some(transform::transform_subject(&m.src, &d.subject, subject).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::MapDest;

    fn mapping(src: &str, dests: &[(&str, u8)]) -> Mapping {
        let dests = dests.iter().map(|(s, w)| MapDest { subject: s.to_string(), weight: *w, cluster: String::new() });
        Mapping::new(&MappingOpts { source: src.to_string(), dests: dests.collect() })
    }

    #[test]
    fn the_source_takes_what_the_weights_leave() {
        let (_, d) = mapping("foo", &[("bar", 40)]).entries();
        let shown: Vec<(&str, u8)> = d.iter().map(|d| (d.subject.as_str(), d.weight)).collect();
        assert_eq!(shown, [("bar", 40), ("foo", 100)]);
        // Naming the source leaves a gap: those messages are dropped.
        let m = mapping("foo", &[("foo", 0)]);
        assert_eq!(select(&[m], "foo", ""), Some(String::new()));
    }

    #[test]
    fn wildcards_and_no_match() {
        let m = mapping("a.*.*", &[("b.$2.$1", 100)]);
        assert_eq!(select(std::slice::from_ref(&m), "a.x.y", "").as_deref(), Some("b.y.x"));
        assert_eq!(select(&[m], "c.x.y", ""), None);
    }
}
