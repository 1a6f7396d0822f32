//! Every record's kind by its id, as validation's checks and the RDF mapping read it once the
//! articles that define the ids are out of memory: 16 bytes an id and no allocation each.

use std::collections::{HashMap, HashSet};

use crate::model::RecordKind;

/// Each id is a 120-bit fingerprint (SipHash-1-3 with random keys: two ids share one with
/// probability about n² / 2¹²¹, and no input can be crafted to) with its kind in the last byte,
/// in one sorted list. A table keyed by the ids themselves took 72 bytes an id and an allocation
/// each at 1M records (the allocations, made while other tables were alive, were left scattered
/// over the heap once those were freed).
pub struct IdKinds {
    /// Sorted once every id is in ([`IdKinds::sorted`], [`IdKinds::of_definitions`]).
    entries: Vec<u128>,
    hasher: siphasher::sip128::SipHasher13,
    /// Every id defined, with its kind, in order: what a reference that names none is compared
    /// with ("did you mean"). Only [`IdKinds::of_definitions`] keeps them.
    names: Names,
    name_kinds: Vec<RecordKind>,
}

/// Strings one after the other in one buffer: 8 bytes a string beside its text, and no
/// allocation each.
#[derive(Default)]
pub struct Names {
    text: String,
    ends: Vec<usize>,
}

impl Names {
    pub fn push(&mut self, name: &str) {
        self.text.push_str(name);
        self.ends.push(self.text.len());
    }

    pub fn get(&self, n: usize) -> &str {
        let start = match n {
            0 => 0,
            _ => self.ends[n - 1],
        };
        &self.text[start..self.ends[n]]
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).map(|n| self.get(n))
    }
}

impl Default for IdKinds {
    fn default() -> IdKinds {
        IdKinds::new()
    }
}

/// A key no input can anticipate: std's per-process random hasher state, hashing nothing.
fn random_key() -> u64 {
    use std::hash::BuildHasher;
    std::hash::RandomState::new().hash_one(())
}

impl IdKinds {
    pub fn new() -> IdKinds {
        IdKinds {
            entries: Vec::new(),
            hasher: siphasher::sip128::SipHasher13::new_with_keys(random_key(), random_key()),
            names: Names::default(),
            name_kinds: Vec::new(),
        }
    }

    /// Every id's kind from its definitions in order (actors, topics, articles, then each
    /// article's records): an id defined again keeps its first kind, and `repeat(first, again)`
    /// is told of each repeat by the definitions' numbers, in order.
    pub fn of_definitions<'a, I: Iterator<Item = (&'a str, RecordKind)>>(
        definitions: impl Fn() -> I,
        mut repeat: impl FnMut(usize, usize),
    ) -> IdKinds {
        let mut kinds = IdKinds::new();
        for (id, kind) in definitions() {
            kinds.insert(id, kind);
            kinds.names.push(id);
            kinds.name_kinds.push(kind);
        }
        kinds.entries.sort_unstable();
        let repeated: HashSet<u128> = kinds
            .entries
            .windows(2)
            .filter(|pair| pair[0] & !0xff == pair[1] & !0xff)
            .map(|pair| pair[0] & !0xff)
            .collect();
        if repeated.is_empty() {
            return kinds;
        }
        let mut first: HashMap<u128, (usize, RecordKind)> = HashMap::new();
        for (n, (id, kind)) in definitions().enumerate() {
            let fingerprint = kinds.fingerprint(id);
            if !repeated.contains(&fingerprint) {
                continue;
            }
            match first.get(&fingerprint) {
                Some((m, _)) => repeat(*m, n),
                None => {
                    first.insert(fingerprint, (n, kind));
                }
            }
        }
        kinds.entries.retain(|e| !repeated.contains(&(e & !0xff)));
        kinds.entries.extend(
            first
                .into_iter()
                .map(|(fingerprint, (_, kind))| fingerprint | Self::kind_byte(kind)),
        );
        kinds.sorted()
    }

    fn fingerprint(&self, id: &str) -> u128 {
        self.hasher.hash(id.as_bytes()).as_u128() & !0xff
    }

    fn kind_byte(kind: RecordKind) -> u128 {
        let at = RecordKind::ALL.iter().position(|k| *k == kind);
        at.expect("every kind is in ALL") as u128
    }

    /// Adds an id (then [`IdKinds::sorted`] before reading).
    pub fn insert(&mut self, id: &str, kind: RecordKind) {
        self.entries
            .push(self.fingerprint(id) | Self::kind_byte(kind));
    }

    /// Ready to read.
    pub fn sorted(mut self) -> IdKinds {
        self.entries.sort_unstable();
        self
    }

    pub fn get(&self, id: &str) -> Option<&'static RecordKind> {
        let fingerprint = self.fingerprint(id);
        let at = self.entries.partition_point(|e| *e < fingerprint);
        let entry = *self.entries.get(at)?;
        if entry & !0xff == fingerprint {
            RecordKind::ALL.get((entry & 0xff) as usize)
        } else {
            None
        }
    }

    /// Every id defined and its kind, in the order of the definitions (repeats included), for
    /// a table made by [`IdKinds::of_definitions`]; none otherwise.
    pub fn defined(&self) -> impl Iterator<Item = (&str, RecordKind)> {
        self.names.iter().zip(self.name_kinds.iter().copied())
    }

    /// How many ids.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_id_keeps_its_first_kind_and_every_repeat_is_told() {
        let definitions = [
            ("a", RecordKind::Actor),
            ("b", RecordKind::Topic),
            ("a", RecordKind::Article),
            ("c", RecordKind::Article),
            ("b", RecordKind::Actor),
            ("a", RecordKind::Topic),
        ];
        let mut repeats = Vec::new();
        let kinds = IdKinds::of_definitions(
            || definitions.iter().copied(),
            |first, again| repeats.push((first, again)),
        );
        assert_eq!(repeats, [(0, 2), (1, 4), (0, 5)]);
        assert_eq!(kinds.len(), 3);
        assert_eq!(kinds.get("a"), Some(&RecordKind::Actor));
        assert_eq!(kinds.get("b"), Some(&RecordKind::Topic));
        assert_eq!(kinds.get("c"), Some(&RecordKind::Article));
        assert_eq!(kinds.get("d"), None);
        assert!(kinds.defined().eq(definitions.iter().copied()));

        let mut one_by_one = IdKinds::new();
        for kind in RecordKind::ALL {
            one_by_one.insert(kind.as_str(), *kind);
        }
        let one_by_one = one_by_one.sorted();
        for kind in RecordKind::ALL {
            assert_eq!(one_by_one.get(kind.as_str()), Some(kind));
        }
    }
}
