//! The indexed graph, `dossier.idx`: every quad of the knowledge base as four sorted tables of
//! term ids, beside a dictionary of the terms, in one file that is memory-mapped rather than
//! parsed. `dossier sparql` opens it in milliseconds whatever its size; the SPARQL evaluator
//! (Oxigraph's `spareval`) reads it through [`spareval::QueryableDataset`].
//!
//! Layout (all integers little-endian), written front to back in one pass (so the file can be
//! hashed as it is written):
//! - magic;
//! - terms: each term's encoding (a tag byte, then its parts), concatenated;
//! - term offsets: `u64` start of each term, and the end of the last;
//! - lookup: `(u64 hash, u32 id, u32 0)` for every term, sorted by hash, to find a term's id;
//! - four tables of `[u32; 4]` quads, sorted in the orders SPOG, POSG, OSPG and GSPO, so any
//!   pattern with a bound subject, predicate, object or graph is a binary search away;
//! - trailer: version, the default graph's meaning, counts and the offset of each section.
//!
//! Terms are compared by their encoding, which is canonical (one encoding per RDF term), so
//! comparing ids is comparing terms. The graph id [`DEFAULT_GRAPH`] marks the default graph; it
//! sorts last.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

use anyhow::{Context, Result};
use oxrdf::{BlankNode, GraphNameRef, Literal, NamedNode, Term, TermRef};

const MAGIC: &[u8; 8] = b"DOSSIDX\0";
const VERSION: u64 = 2;
const TRAILER_WORDS: usize = 12;
/// The graph id of the default graph.
pub const DEFAULT_GRAPH: u32 = u32::MAX;

const TAG_IRI: u8 = b'I';
const TAG_BLANK: u8 = b'B';
const TAG_STRING: u8 = b'S';
const TAG_LANGUAGE: u8 = b'L';
const TAG_TYPED: u8 = b'T';

const XSD_STRING: &str = "http://www.w3.org/2001/XMLSchema#string";

/// What a query's default graph is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultGraph {
    /// Every triple of every graph, each once: the whole knowledge base, as in the Turtle file.
    Union,
    /// Only the quads stored without a graph name (as the W3C test suite expects).
    Own,
}

/// The sort orders: which quad component comes at each key position (0 = s, 1 = p, 2 = o,
/// 3 = g).
const ORDERS: [[usize; 4]; 4] = [[0, 1, 2, 3], [1, 2, 0, 3], [2, 0, 1, 3], [3, 0, 1, 2]];
const SPOG: usize = 0;
const POSG: usize = 1;
const OSPG: usize = 2;
const GSPO: usize = 3;

/// FNV-1a over bytes: stable across builds and platforms (the std hasher is not promised to be).
fn hash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Encodes an RDF term (Oxigraph's model) canonically.
pub fn encode_term(term: TermRef<'_>, out: &mut Vec<u8>) {
    out.clear();
    match term {
        TermRef::NamedNode(n) => {
            out.push(TAG_IRI);
            out.extend_from_slice(n.as_str().as_bytes());
        }
        TermRef::BlankNode(b) => {
            out.push(TAG_BLANK);
            out.extend_from_slice(b.as_str().as_bytes());
        }
        TermRef::Literal(l) => encode_literal(l.value(), l.language(), l.datatype().as_str(), out),
        #[allow(unreachable_patterns)]
        _ => {
            // RDF 1.2 triple terms: dossier never writes them; encode them by their text so
            // they still compare correctly.
            out.push(TAG_TYPED);
            out.extend_from_slice(b"urn:dossier:triple-term");
            out.push(0);
            out.extend_from_slice(term.to_string().as_bytes());
        }
    }
}

/// Encodes a literal from its parts (any RDF library's model).
pub fn encode_literal(value: &str, language: Option<&str>, datatype: &str, out: &mut Vec<u8>) {
    out.clear();
    match language {
        Some(language) => {
            out.push(TAG_LANGUAGE);
            // Language tags compare case-insensitively; Oxigraph and SPARQL parsers lowercase them.
            out.extend(language.bytes().map(|b| b.to_ascii_lowercase()));
            out.push(0);
        }
        None if datatype == XSD_STRING || datatype.is_empty() => out.push(TAG_STRING),
        None => {
            out.push(TAG_TYPED);
            out.extend_from_slice(datatype.as_bytes());
            out.push(0);
        }
    }
    out.extend_from_slice(value.as_bytes());
}

/// Encodes an IRI.
pub fn encode_iri(iri: &str, out: &mut Vec<u8>) {
    out.clear();
    out.push(TAG_IRI);
    out.extend_from_slice(iri.as_bytes());
}

/// Encodes a blank node.
pub fn encode_blank(id: &str, out: &mut Vec<u8>) {
    out.clear();
    out.push(TAG_BLANK);
    out.extend_from_slice(id.as_bytes());
}

/// Decodes a term's encoding.
fn decode(bytes: &[u8]) -> Result<Term, IndexError> {
    let text = |b: &[u8]| {
        std::str::from_utf8(b)
            .map(str::to_owned)
            .map_err(|_| IndexError::Corrupt("a term is not UTF-8"))
    };
    let split = |b: &[u8]| -> Result<(String, String), IndexError> {
        let at = b
            .iter()
            .position(|c| *c == 0)
            .ok_or(IndexError::Corrupt("a literal has no separator"))?;
        Ok((text(&b[..at])?, text(&b[at + 1..])?))
    };
    let (tag, rest) = bytes
        .split_first()
        .ok_or(IndexError::Corrupt("an empty term"))?;
    Ok(match *tag {
        TAG_IRI => NamedNode::new_unchecked(text(rest)?).into(),
        TAG_BLANK => BlankNode::new_unchecked(text(rest)?).into(),
        TAG_STRING => Literal::new_simple_literal(text(rest)?).into(),
        TAG_LANGUAGE => {
            let (language, value) = split(rest)?;
            Literal::new_language_tagged_literal_unchecked(value, language).into()
        }
        TAG_TYPED => {
            let (datatype, value) = split(rest)?;
            Literal::new_typed_literal(value, NamedNode::new_unchecked(datatype)).into()
        }
        _ => return Err(IndexError::Corrupt("a term has an unknown tag")),
    })
}

/// Writes an index: each new term goes to the file as soon as it is seen (and, with a sort
/// budget, where it starts and its hash to files of their own, see [`Column`]), so only the
/// fingerprints of the terms that may come back (not those of a scope, see
/// [`IndexWriter::intern_scoped`]) and the quads (16 bytes each) stay in memory; `finish` sorts
/// and writes the quad tables, the lookup (within the sort budget) and the trailer.
pub struct IndexWriter<W: Write> {
    out: W,
    /// Bytes of terms written so far; `starts[id]` is where term `id` begins.
    written: u64,
    terms: usize,
    starts: Column,
    /// Each term's FNV hash, for the lookup table.
    hashes: Column,
    /// Term fingerprint (96 bits of a SipHash-1-3 with random keys) → id. Two distinct terms
    /// share a fingerprint with probability about n² / 2⁹⁷ (10⁻¹⁷ for a million terms, 10⁻¹⁵
    /// for the 9 million of 1M records), and the keys are random per build, so no input can be
    /// crafted to collide; `check` would still see a merged term, since it compares the decoded
    /// terms with the N-Quads.
    ids: TermTable,
    /// The fingerprint of each term in `ids`, in id order: the table holds only ids (4 bytes an
    /// entry). 96 bits in 12 bytes rather than 128 in 16: 36 MB less at 1M records.
    fingerprints: Vec<Fingerprint>,
    /// Which ids are in `ids` (a term of a scope is not): term `id`'s fingerprint is
    /// `fingerprints[in_table.rank(id)]`.
    in_table: RankedBits,
    /// The terms of the current scope (see [`IndexWriter::intern_scoped`]), forgotten at its end.
    scope: hashbrown::HashTable<(Fingerprint, u32)>,
    /// Every scoped term's fingerprint, looked for in the table at the end: a scoped term must
    /// not come back once its scope is over.
    scoped: Column,
    hasher: siphasher::sip128::SipHasher13,
    /// The quads, in one buffer from the start: `finish` sorts it in place for each table.
    /// (Growing it doubles its capacity, but a large buffer is remapped rather than copied and
    /// its untouched pages take no memory; collecting chunks and copying them into one buffer
    /// at the end held both at once.)
    quads: Vec<[u32; 4]>,
    default_graph: DefaultGraph,
    /// Past `budget.run_quads` quads, the buffer is sorted and spilled as a run.
    budget: Option<SortBudget>,
    runs: Runs,
    /// Quads spilled since the allocator's free memory was last given back.
    spilled_untrimmed: usize,
}

/// One number a term, written as terms are added and read once, in order, by `finish`: held in
/// memory, or (with a sort budget) written to a file in the budget's folder, so that the term
/// dictionary holds in memory only what finds a term again (its fingerprints and their table,
/// about 18 bytes a term, against 34 with both columns: 150 MB less at 1M records).
enum Column {
    Memory(Vec<u64>),
    Spilled {
        out: io::BufWriter<std::fs::File>,
        file: Runs,
    },
}

impl Column {
    fn spilled(dir: &Path, name: &str) -> io::Result<Column> {
        let path = dir.join(format!(".index-{}-{name}.column", std::process::id()));
        let out = io::BufWriter::with_capacity(1 << 16, std::fs::File::create(&path)?);
        Ok(Column::Spilled {
            out,
            file: Runs(vec![path]),
        })
    }

    fn push(&mut self, value: u64) -> io::Result<()> {
        match self {
            Column::Memory(values) => values.push(value),
            Column::Spilled { out, .. } => out.write_all(&value.to_le_bytes())?,
        }
        Ok(())
    }

    /// Each number in the order it was pushed (a file is removed when the column is dropped).
    fn for_each(&mut self, mut f: impl FnMut(u64) -> io::Result<()>) -> io::Result<()> {
        match self {
            Column::Memory(values) => values.iter().try_for_each(|v| f(*v)),
            Column::Spilled { out, file } => {
                use std::io::Read;
                out.flush()?;
                let mut input =
                    io::BufReader::with_capacity(1 << 16, std::fs::File::open(&file.0[0])?);
                let mut word = [0u8; 8];
                loop {
                    match input.read_exact(&mut word) {
                        Ok(()) => f(u64::from_le_bytes(word))?,
                        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
                        Err(e) => return Err(e),
                    }
                }
            }
        }
    }
}

/// Run files, removed when they are dropped: after the merge, and on any error on the way.
#[derive(Default)]
struct Runs(Vec<std::path::PathBuf>);

impl Drop for Runs {
    fn drop(&mut self) {
        for run in &self.0 {
            let _ = std::fs::remove_file(run);
        }
    }
}

/// The fewest terms a slice of the lookup is sorted in (see `IndexWriter::finish`); a few in
/// unit tests, so that theirs are sorted in many slices.
#[cfg(not(test))]
const LOOKUP_SLICE_MIN: usize = 1 << 20;
#[cfg(test)]
const LOOKUP_SLICE_MIN: usize = 3;

/// How many quads are spilled between two returns of the allocator's free memory: 64 MiB of
/// them, a few times a minute, whatever the budget (a tiny one spills a run every few quads).
const TRIM_EVERY_QUADS: usize = (64 << 20) / std::mem::size_of::<[u32; 4]>();

/// How much memory sorting the quads may take, and where what does not fit goes: past
/// `run_quads` quads (16 bytes each), the quads are sorted in runs of that many, written to
/// files in `dir` and merged, so sorting holds about one run's worth whatever the knowledge
/// base (a run re-sorted for each table, or the merge's read buffers, which share it, with one
/// open file a run).
#[derive(Debug, Clone)]
pub struct SortBudget {
    pub dir: std::path::PathBuf,
    pub run_quads: usize,
}

impl SortBudget {
    /// A budget of `megabytes` for the quads being sorted.
    pub fn megabytes(dir: impl Into<std::path::PathBuf>, megabytes: usize) -> SortBudget {
        SortBudget {
            dir: dir.into(),
            run_quads: (megabytes << 20) / std::mem::size_of::<[u32; 4]>(),
        }
    }
}

/// A table key as one integer that orders as the key does: sorting by it is several times
/// quicker than comparing the arrays element by element.
fn packed(key: &[u32; 4]) -> u128 {
    (u128::from(key[0]) << 96)
        | (u128::from(key[1]) << 64)
        | (u128::from(key[2]) << 32)
        | u128::from(key[3])
}

/// 96 bits of a term's 128-bit hash, in 4-byte words so that it takes 12 bytes; the table's
/// hash is its first 64.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Fingerprint([u32; 3]);

impl Fingerprint {
    fn of(hash: u128) -> Fingerprint {
        Fingerprint([hash as u32, (hash >> 32) as u32, (hash >> 64) as u32])
    }

    fn table_hash(self) -> u64 {
        u64::from(self.0[0]) | (u64::from(self.0[1]) << 32)
    }
}

/// Fingerprint → id, in [`TermTable::SHARDS`] hash tables chosen by bits that the tables' own
/// hash does not use. A hash table grows by moving to one of twice the size: one table of every
/// term held its old allocation (80 MB and more at 1M records) beside its new one at its last
/// growth, at the build's peak. A shard is between a 370th and a 185th of the terms: the shards'
/// sizes are spread over one doubling (shard `i` takes about `2^(i/256)` parts, in 12 steps), so
/// that they grow a group at a time rather than all at once: the table grows smoothly, with an
/// average load that does not drop to a half after each growth. It holds only ids: `fingerprint_of`
/// finds an id's fingerprint.
#[derive(Default)]
struct TermTable {
    shards: Vec<hashbrown::HashTable<u32>>,
    /// The shard of each value of the top [`TermTable::SHARD_BITS`] bits of a fingerprint's
    /// third word (the table's hash is the first two).
    shard_of: Vec<u8>,
}

impl TermTable {
    const SHARDS: usize = 256;
    const SHARD_BITS: u32 = 12;

    fn shard(&self, fingerprint: Fingerprint) -> Option<usize> {
        let slot = (fingerprint.0[2] >> (32 - Self::SHARD_BITS)) as usize;
        self.shard_of.get(slot).map(|shard| usize::from(*shard))
    }

    fn find(
        &self,
        fingerprint: Fingerprint,
        fingerprint_of: impl Fn(u32) -> Fingerprint,
    ) -> Option<u32> {
        self.shards[self.shard(fingerprint)?]
            .find(fingerprint.table_hash(), |id| {
                fingerprint_of(*id) == fingerprint
            })
            .copied()
    }

    /// Adds `id`, whose fingerprint is not in the table yet.
    fn insert(
        &mut self,
        fingerprint: Fingerprint,
        id: u32,
        fingerprint_of: impl Fn(u32) -> Fingerprint,
    ) {
        if self.shards.is_empty() {
            self.shards
                .resize_with(Self::SHARDS, hashbrown::HashTable::new);
            // Each slot takes an equal share of the fingerprints: slot `k` of `n` goes to shard
            // `i` when `k/n` is in `[2^(i/256) - 1, 2^((i+1)/256) - 1)`, so shard `i` takes a
            // share proportional to `2^(i/256)`, in 11 to 22 slots of 4,096 (a map that stays in
            // the nearest cache: 65,536 slots measured no smaller and possibly slower).
            let slots = 1usize << Self::SHARD_BITS;
            self.shard_of = (0..slots)
                .map(|slot| {
                    let at = (slot as f64 + 0.5) / slots as f64;
                    ((1.0 + at).log2() * Self::SHARDS as f64).min(Self::SHARDS as f64 - 1.0) as u8
                })
                .collect();
        }
        let shard = self.shard(fingerprint).expect("the shards were made");
        self.shards[shard].insert_unique(fingerprint.table_hash(), id, |id| {
            fingerprint_of(*id).table_hash()
        });
    }
}

/// One bit an id, appended in id order, with the count of ones before each word, so that the
/// ones before any bit are counted in constant time (a rank): 1.5 bits an id.
#[derive(Default)]
struct RankedBits {
    words: Vec<u64>,
    before: Vec<u32>,
    len: usize,
    ones: u32,
}

impl RankedBits {
    fn push(&mut self, bit: bool) {
        if self.len.is_multiple_of(64) {
            self.words.push(0);
            self.before.push(self.ones);
        }
        if bit {
            *self.words.last_mut().expect("a word was pushed") |= 1 << (self.len % 64);
            self.ones += 1;
        }
        self.len += 1;
    }

    /// How many of the bits before `at` are set.
    fn rank(&self, at: u32) -> usize {
        let (word, bit) = (at as usize / 64, at % 64);
        self.before[word] as usize + (self.words[word] & ((1u64 << bit) - 1)).count_ones() as usize
    }
}

/// A key no input can anticipate: std's per-process random hasher state, hashing nothing.
fn random_key() -> u64 {
    use std::hash::BuildHasher;
    std::hash::RandomState::new().hash_one(())
}

impl<W: Write> IndexWriter<W> {
    /// Starts an index at the current position of `out` (its start).
    pub fn new(default_graph: DefaultGraph, mut out: W) -> io::Result<IndexWriter<W>> {
        out.write_all(MAGIC)?;
        Ok(IndexWriter {
            out,
            written: 0,
            terms: 0,
            starts: Column::Memory(vec![0]),
            hashes: Column::Memory(Vec::new()),
            ids: TermTable::default(),
            fingerprints: Vec::new(),
            in_table: RankedBits::default(),
            scope: hashbrown::HashTable::new(),
            scoped: Column::Memory(Vec::new()),
            hasher: siphasher::sip128::SipHasher13::new_with_keys(random_key(), random_key()),
            quads: Vec::new(),
            default_graph,
            budget: None,
            runs: Runs::default(),
            spilled_untrimmed: 0,
        })
    }

    /// Starts an index whose quads are sorted within `budget`.
    pub fn with_budget(
        default_graph: DefaultGraph,
        out: W,
        budget: SortBudget,
    ) -> io::Result<IndexWriter<W>> {
        let mut writer = IndexWriter::new(default_graph, out)?;
        writer.starts = Column::spilled(&budget.dir, "starts")?;
        writer.starts.push(0)?;
        writer.hashes = Column::spilled(&budget.dir, "hashes")?;
        writer.scoped = Column::spilled(&budget.dir, "scoped")?;
        writer.budget = Some(SortBudget {
            run_quads: budget.run_quads.max(1),
            ..budget
        });
        Ok(writer)
    }

    /// The id of an encoded term, written to the dictionary if new.
    pub fn intern(&mut self, encoded: &[u8]) -> io::Result<u32> {
        let fingerprint = self.fingerprint(encoded);
        if let Some(id) = self.in_table_id(fingerprint) {
            return Ok(id);
        }
        if let Some(id) = self.in_scope_id(fingerprint) {
            return Ok(id);
        }
        let id = self.new_term(encoded)?;
        self.fingerprints.push(fingerprint);
        self.in_table.push(true);
        let (fingerprints, in_table) = (&self.fingerprints, &self.in_table);
        self.ids
            .insert(fingerprint, id, |id| fingerprints[in_table.rank(id)]);
        Ok(id)
    }

    /// The id of an encoded term that the quads added until [`IndexWriter::end_scope`] use and
    /// no later quad does (a Web Annotation's target and selectors, a record's nested rows):
    /// numbered and written like any term, but kept out of the table of terms that may come
    /// back, which it would fill with terms used once (four in ten of a knowledge base's). That
    /// it does not come back through [`IndexWriter::intern`] is checked by `finish`; that no two
    /// scopes share a term is the caller's to hold (the mapping names a scope's terms after an
    /// id no other scope has).
    pub fn intern_scoped(&mut self, encoded: &[u8]) -> io::Result<u32> {
        let fingerprint = self.fingerprint(encoded);
        if let Some(id) = self.in_scope_id(fingerprint) {
            return Ok(id);
        }
        if let Some(id) = self.in_table_id(fingerprint) {
            return Ok(id);
        }
        let id = self.new_term(encoded)?;
        self.in_table.push(false);
        self.scope
            .insert_unique(fingerprint.table_hash(), (fingerprint, id), |(f, _)| {
                f.table_hash()
            });
        self.scoped.push(fingerprint.table_hash())?;
        self.scoped.push(u64::from(fingerprint.0[2]))?;
        Ok(id)
    }

    /// Ends the scope of the terms interned with [`IndexWriter::intern_scoped`] since the last
    /// end.
    pub fn end_scope(&mut self) {
        self.scope.clear();
    }

    fn fingerprint(&self, encoded: &[u8]) -> Fingerprint {
        Fingerprint::of(self.hasher.hash(encoded).as_u128())
    }

    fn in_table_id(&self, fingerprint: Fingerprint) -> Option<u32> {
        let (fingerprints, in_table) = (&self.fingerprints, &self.in_table);
        self.ids
            .find(fingerprint, |id| fingerprints[in_table.rank(id)])
    }

    fn in_scope_id(&self, fingerprint: Fingerprint) -> Option<u32> {
        if self.scope.is_empty() {
            return None;
        }
        self.scope
            .find(fingerprint.table_hash(), |(f, _)| *f == fingerprint)
            .map(|(_, id)| *id)
    }

    /// Writes a term not seen before; returns its id.
    fn new_term(&mut self, encoded: &[u8]) -> io::Result<u32> {
        let id = u32::try_from(self.terms)
            .ok()
            .filter(|id| *id != DEFAULT_GRAPH)
            .ok_or_else(|| io::Error::other("an index holds fewer than 4 billion terms"))?;
        self.out.write_all(encoded)?;
        self.written += encoded.len() as u64;
        self.terms += 1;
        self.starts.push(self.written)?;
        self.hashes.push(hash(encoded))?;
        Ok(id)
    }

    /// Adds a quad of term ids (`graph` = [`DEFAULT_GRAPH`] for the default graph).
    pub fn add_ids(
        &mut self,
        subject: u32,
        predicate: u32,
        object: u32,
        graph: u32,
    ) -> io::Result<()> {
        self.quads.push([subject, predicate, object, graph]);
        if let Some(budget) = &self.budget
            && self.quads.len() >= budget.run_quads
        {
            let run = spill_run(budget, self.runs.0.len(), "spog", &mut self.quads)?;
            self.runs.0.push(run);
            // The index's table grows to the build's peak while other threads write the other
            // stores, and glibc keeps what each of them frees in its own arena: given back every
            // 64 MiB of quads (each run at the default budget), it does not add to the peak.
            self.spilled_untrimmed += budget.run_quads;
            if self.spilled_untrimmed >= TRIM_EVERY_QUADS {
                self.spilled_untrimmed = 0;
                dossier_model::return_free_memory();
            }
        }
        Ok(())
    }

    /// Adds a quad of Oxigraph terms.
    pub fn add(&mut self, quad: oxrdf::QuadRef<'_>) -> io::Result<()> {
        let mut buf = Vec::new();
        encode_term(quad.subject.into(), &mut buf);
        let s = self.intern(&buf)?;
        encode_term(quad.predicate.into(), &mut buf);
        let p = self.intern(&buf)?;
        encode_term(quad.object, &mut buf);
        let o = self.intern(&buf)?;
        let g = match quad.graph_name {
            GraphNameRef::DefaultGraph => DEFAULT_GRAPH,
            GraphNameRef::NamedNode(n) => {
                encode_term(n.into(), &mut buf);
                self.intern(&buf)?
            }
            GraphNameRef::BlankNode(b) => {
                encode_term(b.into(), &mut buf);
                self.intern(&buf)?
            }
        };
        self.add_ids(s, p, o, g)
    }

    /// The number of quads added and not yet spilled, duplicates included.
    pub fn len(&self) -> usize {
        self.quads.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes the rest of the index and its trailer; returns the output and the number of
    /// distinct quads.
    pub fn finish(self) -> io::Result<(W, usize)> {
        let IndexWriter {
            mut out,
            written,
            terms,
            mut starts,
            mut hashes,
            ids,
            fingerprints,
            in_table,
            scope,
            mut scoped,
            mut quads,
            default_graph,
            budget,
            mut runs,
            ..
        } = self;
        drop(scope);
        let mut pair = None;
        scoped.for_each(|word| {
            let Some(first) = pair.take() else {
                pair = Some(word);
                return Ok(());
            };
            let fingerprint = Fingerprint([first as u32, (first >> 32) as u32, word as u32]);
            let found = ids.find(fingerprint, |id| fingerprints[in_table.rank(id)]);
            match found {
                None => Ok(()),
                Some(id) => Err(io::Error::other(format!(
                    "term {id} of the indexed graph was kept to one scope of quads and used \
                     again after it: the index would hold it twice (a fault in the mapping: \
                     please report it)"
                ))),
            }
        })?;
        drop((ids, fingerprints, in_table, scoped));
        // The last quads go to a run of their own before the lookup is sorted, so that the two
        // are not held at once.
        if let Some(budget) = &budget
            && !runs.0.is_empty()
        {
            if !quads.is_empty() {
                runs.0
                    .push(spill_run(budget, runs.0.len(), "spog", &mut quads)?);
            }
            quads = Vec::new();
        }
        let pad = (8 - written % 8) % 8;
        out.write_all(&[0; 8][..pad as usize])?;
        let n_terms = terms;
        let mut buf = Vec::with_capacity(1 << 16);
        starts.for_each(|start| {
            buf.extend_from_slice(&start.to_le_bytes());
            flush_at(&mut buf, &mut out)
        })?;
        drop(starts);
        // The lookup is sorted in slices of the hashes' range, each about a sort budget's
        // worth (16 bytes a term, the hashes being about uniform) but at least a million terms,
        // so that a tiny budget does not make the hashes' file read hundreds of times.
        let passes = budget.as_ref().map_or(1, |b| {
            n_terms.div_ceil(b.run_quads.max(LOOKUP_SLICE_MIN)).max(1)
        });
        for pass in 0..passes as u128 {
            let slice = |h: u64| (u128::from(h) * passes as u128) >> 64;
            let mut lookup: Vec<(u64, u32)> = Vec::with_capacity(n_terms / passes + 1);
            let mut id = 0u32;
            hashes.for_each(|h| {
                if slice(h) == pass {
                    lookup.push((h, id));
                }
                id += 1;
                Ok(())
            })?;
            lookup.sort_unstable();
            for (h, id) in &lookup {
                buf.extend_from_slice(&h.to_le_bytes());
                buf.extend_from_slice(&id.to_le_bytes());
                buf.extend_from_slice(&0u32.to_le_bytes());
                flush_at(&mut buf, &mut out)?;
            }
        }
        drop(hashes);
        let n_quads = match budget {
            Some(budget) if !runs.0.is_empty() => merge_runs(&budget, &runs.0, &mut buf, &mut out)?,
            _ => write_tables(quads, &mut buf, &mut out)?,
        };
        drop(runs);
        out.write_all(&buf)?;

        let terms_at = MAGIC.len();
        let starts_at = terms_at + written as usize + pad as usize;
        let lookup_at = starts_at + 8 * (n_terms + 1);
        let quads_at = lookup_at + 16 * n_terms;
        let trailer: [u64; TRAILER_WORDS] = [
            VERSION,
            match default_graph {
                DefaultGraph::Union => 0,
                DefaultGraph::Own => 1,
            },
            n_terms as u64,
            n_quads as u64,
            terms_at as u64,
            starts_at as u64,
            lookup_at as u64,
            quads_at as u64,
            0,
            0,
            0,
            0,
        ];
        for word in trailer {
            out.write_all(&word.to_le_bytes())?;
        }
        out.flush()?;
        Ok((out, n_quads))
    }
}

/// The four tables from quads held in memory; returns the number of distinct quads.
///
/// Each table is sorted in two halves, one on a thread of its own, and written as the two
/// halves merge (a repeat, in one half or across both, written once): the index's last step,
/// its sorts, ran on one core while the build's other writers were done. Each table is the
/// quads rearranged in place from the previous table's order, so the quads are held once.
fn write_tables(
    mut quads: Vec<[u32; 4]>,
    buf: &mut Vec<u8>,
    out: &mut impl Write,
) -> io::Result<usize> {
    // Below this a thread costs more than it saves.
    const SORTED_APART: usize = 1 << 16;
    let middle = if quads.len() >= SORTED_APART {
        quads.len() / 2
    } else {
        0
    };
    write_tables_in_halves(&mut quads, middle, buf, out)
}

/// [`write_tables`] with the halves split at `middle` (none when it is 0).
fn write_tables_in_halves(
    quads: &mut [[u32; 4]],
    middle: usize,
    buf: &mut Vec<u8>,
    out: &mut impl Write,
) -> io::Result<usize> {
    let mut n_quads = 0;
    let mut layout = [0, 1, 2, 3];
    for (t, order) in ORDERS.into_iter().enumerate() {
        let (left, right) = quads.split_at_mut(middle);
        let rearrange_and_sort = |half: &mut [[u32; 4]]| {
            for key in half.iter_mut() {
                *key = rearranged(key, layout, order);
            }
            half.sort_unstable_by_key(packed);
        };
        if left.is_empty() {
            rearrange_and_sort(right);
        } else {
            std::thread::scope(|scope| {
                let other = scope.spawn(|| rearrange_and_sort(left));
                rearrange_and_sort(right);
                other.join().expect("sorting a half of the quads panicked");
            });
        }
        layout = order;
        let written = write_merged(left, right, buf, out)?;
        if t == SPOG {
            n_quads = written;
        }
    }
    Ok(n_quads)
}

/// Writes the keys of two sorted halves in order, each distinct key once; returns how many.
fn write_merged(
    left: &[[u32; 4]],
    right: &[[u32; 4]],
    buf: &mut Vec<u8>,
    out: &mut impl Write,
) -> io::Result<usize> {
    let (mut l, mut r) = (left.iter().peekable(), right.iter().peekable());
    let mut last = None;
    let mut written = 0;
    loop {
        let key = match (l.peek(), r.peek()) {
            (Some(a), Some(b)) if packed(a) <= packed(b) => l.next(),
            (Some(_), Some(_)) | (None, Some(_)) => r.next(),
            (Some(_), None) => l.next(),
            (None, None) => break,
        }
        .expect("a key was peeked");
        if last != Some(key) {
            write_key(key, buf, out)?;
            written += 1;
            last = Some(key);
        }
    }
    Ok(written)
}

/// A key laid out in `from` order, laid out in `to` order.
fn rearranged(key: &[u32; 4], from: [usize; 4], to: [usize; 4]) -> [u32; 4] {
    let mut quad = [0; 4];
    for (position, component) in from.iter().enumerate() {
        quad[*component] = key[position];
    }
    [quad[to[0]], quad[to[1]], quad[to[2]], quad[to[3]]]
}

fn write_key(key: &[u32; 4], buf: &mut Vec<u8>, out: &mut impl Write) -> io::Result<()> {
    for part in key {
        buf.extend_from_slice(&part.to_le_bytes());
    }
    flush_at(buf, out)
}

/// Sorts `quads` (and drops repeats), writes them to a new run file in the budget's folder and
/// empties the buffer.
fn spill_run(
    budget: &SortBudget,
    n: usize,
    table: &str,
    quads: &mut Vec<[u32; 4]>,
) -> io::Result<std::path::PathBuf> {
    quads.sort_unstable_by_key(packed);
    quads.dedup();
    let path = budget
        .dir
        .join(format!(".index-{}-{table}-{n}.run", std::process::id()));
    let mut w = io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&path)?);
    for key in quads.iter() {
        for part in key {
            w.write_all(&part.to_le_bytes())?;
        }
    }
    w.flush()?;
    quads.clear();
    Ok(path)
}

/// A run's keys, in order, as it is read.
struct RunReader {
    input: io::BufReader<std::fs::File>,
}

impl Iterator for RunReader {
    type Item = io::Result<[u32; 4]>;

    fn next(&mut self) -> Option<Self::Item> {
        use std::io::Read;
        let mut bytes = [0u8; 16];
        match self.input.read_exact(&mut bytes) {
            Ok(()) => Some(Ok(std::array::from_fn(|i| {
                u32::from_le_bytes(bytes[4 * i..4 * i + 4].try_into().expect("4 bytes"))
            }))),
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => None,
            Err(e) => Some(Err(e)),
        }
    }
}

fn read_run(path: &Path, buffer: usize) -> io::Result<RunReader> {
    Ok(RunReader {
        input: io::BufReader::with_capacity(buffer, std::fs::File::open(path)?),
    })
}

/// The four tables from sorted runs (in SPOG order): the first merged as it is, each other
/// from runs re-sorted one at a time in its order, so no more than a run is held at once.
/// Returns the number of distinct quads.
fn merge_runs(
    budget: &SortBudget,
    runs: &[std::path::PathBuf],
    buf: &mut Vec<u8>,
    out: &mut impl Write,
) -> io::Result<usize> {
    let mut n_quads = 0;
    // The merge reads every run at once: their buffers share the budget.
    let buffer = (budget.run_quads * std::mem::size_of::<[u32; 4]>() / runs.len()).max(16 << 10);
    for (t, order) in ORDERS.into_iter().enumerate() {
        let mut ordered = Runs::default();
        let table_runs = if t == SPOG {
            runs
        } else {
            for (n, run) in runs.iter().enumerate() {
                let mut keys: Vec<[u32; 4]> = read_run(run, 1 << 20)?
                    .map(|key| key.map(|k| rearranged(&k, ORDERS[SPOG], order)))
                    .collect::<io::Result<_>>()?;
                ordered
                    .0
                    .push(spill_run(budget, n, &format!("t{t}"), &mut keys)?);
            }
            &ordered.0[..]
        };
        n_quads = merge_into(table_runs, buffer, buf, out)?;
    }
    Ok(n_quads)
}

/// Merges sorted runs into one table, each key once; returns the number of keys written.
fn merge_into(
    runs: &[std::path::PathBuf],
    buffer: usize,
    buf: &mut Vec<u8>,
    out: &mut impl Write,
) -> io::Result<usize> {
    use std::cmp::Reverse;
    let mut readers = runs
        .iter()
        .map(|r| read_run(r, buffer))
        .collect::<io::Result<Vec<_>>>()?;
    let mut heads = std::collections::BinaryHeap::new();
    for (i, reader) in readers.iter_mut().enumerate() {
        if let Some(key) = reader.next().transpose()? {
            heads.push(Reverse((packed(&key), i)));
        }
    }
    let mut last = None;
    let mut written = 0;
    while let Some(Reverse((key, i))) = heads.pop() {
        if last != Some(key) {
            let parts = [
                (key >> 96) as u32,
                (key >> 64) as u32,
                (key >> 32) as u32,
                key as u32,
            ];
            write_key(&parts, buf, out)?;
            written += 1;
            last = Some(key);
        }
        if let Some(next) = readers[i].next().transpose()? {
            heads.push(Reverse((packed(&next), i)));
        }
    }
    Ok(written)
}

/// Builds an index in memory from quads.
pub fn index_in_memory(
    quads: impl IntoIterator<Item = oxrdf::Quad>,
    default_graph: DefaultGraph,
) -> Result<Index> {
    let mut writer = IndexWriter::new(default_graph, io::Cursor::new(Vec::new()))?;
    for quad in quads {
        writer.add(quad.as_ref())?;
    }
    let (out, _) = writer.finish()?;
    Index::from_vec(out.into_inner())
}

fn flush_at(buf: &mut Vec<u8>, w: &mut impl Write) -> io::Result<()> {
    if buf.len() >= 1 << 16 {
        w.write_all(buf)?;
        buf.clear();
    }
    Ok(())
}

/// A problem reading an index.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("the indexed graph is damaged ({0}): rebuild it with `dossier build`")]
    Corrupt(&'static str),
}

enum Bytes {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Mapped(m) => m,
            Bytes::Owned(v) => v,
        }
    }
}

/// An index, opened for reading.
pub struct Index {
    bytes: Bytes,
    default_graph: DefaultGraph,
    n_terms: usize,
    n_quads: usize,
    terms_at: usize,
    starts_at: usize,
    lookup_at: usize,
    quads_at: usize,
}

fn word(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

/// The first position in `range` where `below` is false (it is true before, false after).
fn partition_point(range: std::ops::Range<usize>, below: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (range.start, range.end);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if below(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// The end of the run from `start` where `within` holds (it holds on a prefix of
/// `start..end`): galloping from `start`, over the pages a search for it has just read, rather
/// than a second search of the whole table; the runs looked for are most often short.
fn gallop(start: usize, end: usize, within: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut step) = (start, 1);
    while lo + step < end && within(lo + step) {
        lo += step;
        step *= 2;
    }
    partition_point(lo..(lo + step).min(end), within)
}

impl Index {
    /// Opens an index file by mapping it into memory.
    pub fn open(path: &Path) -> Result<Index> {
        let file = File::open(path).with_context(|| {
            format!(
                "cannot open '{}': build the knowledge base with `dossier build`",
                path.display()
            )
        })?;
        // The file is never written after a build renames its generation into place, and
        // builds write new generations beside it, so the mapping cannot change under us.
        let map = unsafe { memmap2::Mmap::map(&file) }
            .with_context(|| format!("cannot map '{}' into memory", path.display()))?;
        Index::from_bytes(Bytes::Mapped(map)).with_context(|| format!("'{}'", path.display()))
    }

    /// Lets the system take back the pages of the mapped file a pass has read: they count in
    /// the process's resident memory until then, and a pass over a large index reads most of
    /// them. Later reads fault them in from the file again.
    pub fn release_pages(&self) {
        if let Bytes::Mapped(map) = &self.bytes {
            // SAFETY: the mapping is read-only, of a file no one writes (see `open`): a dropped
            // page reads back the same bytes from the file.
            let _ = unsafe { map.unchecked_advise(memmap2::UncheckedAdvice::DontNeed) };
        }
    }

    /// Tells the system that reads will jump about the mapped file (binary searches from term
    /// to term), so that a read does not read ahead from the disk. (A read still maps the
    /// pages around it that the system already holds: about 128 KB here, see `check`.)
    pub fn expect_random_reads(&self) {
        if let Bytes::Mapped(map) = &self.bytes {
            let _ = map.advise(memmap2::Advice::Random);
        }
    }

    /// An index held in memory.
    pub fn from_vec(bytes: Vec<u8>) -> Result<Index> {
        Index::from_bytes(Bytes::Owned(bytes))
    }

    fn from_bytes(bytes: Bytes) -> Result<Index> {
        let trailer_bytes = 8 * TRAILER_WORDS;
        if bytes.len() < MAGIC.len() + trailer_bytes || &bytes[..MAGIC.len()] != MAGIC {
            return Err(IndexError::Corrupt("not a dossier index").into());
        }
        // Version 1 kept its header after the magic, where version 2 starts its terms.
        if word(&bytes, MAGIC.len()) == 1 {
            anyhow::bail!(
                "the indexed graph has format version 1, this dossier reads version {VERSION}: \
                 rebuild it with `dossier build`"
            );
        }
        let trailer_at = bytes.len() - trailer_bytes;
        let h = |i: usize| word(&bytes, trailer_at + 8 * i);
        if h(0) != VERSION {
            anyhow::bail!(
                "the indexed graph has format version {}, this dossier reads version {VERSION}: \
                 rebuild it with `dossier build`",
                h(0)
            );
        }
        let index = Index {
            default_graph: if h(1) == 1 {
                DefaultGraph::Own
            } else {
                DefaultGraph::Union
            },
            n_terms: h(2) as usize,
            n_quads: h(3) as usize,
            terms_at: h(4) as usize,
            starts_at: h(5) as usize,
            lookup_at: h(6) as usize,
            quads_at: h(7) as usize,
            bytes,
        };
        let expected = index.quads_at + 4 * 16 * index.n_quads + trailer_bytes;
        if index.bytes.len() != expected
            || index.starts_at + 8 * (index.n_terms + 1) != index.lookup_at
            || index.lookup_at + 16 * index.n_terms != index.quads_at
        {
            return Err(IndexError::Corrupt("its sections do not add up to its size").into());
        }
        Ok(index)
    }

    /// The number of distinct quads.
    pub fn len(&self) -> usize {
        self.n_quads
    }

    pub fn is_empty(&self) -> bool {
        self.n_quads == 0
    }

    /// The number of distinct terms.
    pub fn term_count(&self) -> usize {
        self.n_terms
    }

    fn encoded(&self, id: u32) -> Result<&[u8], IndexError> {
        let id = id as usize;
        if id >= self.n_terms {
            return Err(IndexError::Corrupt(
                "a quad names a term that is not stored",
            ));
        }
        let start = word(&self.bytes, self.starts_at + 8 * id) as usize;
        let end = word(&self.bytes, self.starts_at + 8 * (id + 1)) as usize;
        self.bytes
            .get(self.terms_at + start..self.terms_at + end)
            .ok_or(IndexError::Corrupt("a term lies outside the file"))
    }

    /// A stored simple literal's text, borrowed from the file (None for any other term).
    pub fn simple_literal(&self, id: u32) -> Option<&str> {
        match self.encoded(id).ok()? {
            [TAG_STRING, text @ ..] => std::str::from_utf8(text).ok(),
            _ => None,
        }
    }

    /// A stored term's canonical encoding.
    pub fn encoded_term(&self, id: u32) -> Result<&[u8], IndexError> {
        self.encoded(id)
    }

    /// The positions, in SPOG order, of the quads whose key starts with `prefix`
    /// (`[s]`, `[s, p]`, `[s, p, o]` or `[s, p, o, g]`).
    pub fn spog_range(&self, prefix: &[u32]) -> std::ops::Range<usize> {
        self.range(SPOG, prefix)
    }

    /// The quad at a position in SPOG order, as `[s, p, o, g]`.
    pub fn spog_key(&self, i: usize) -> [u32; 4] {
        self.key(SPOG, i)
    }

    /// A stored term.
    pub fn term(&self, id: u32) -> Result<Term, IndexError> {
        decode(self.encoded(id)?)
    }

    /// The id of an encoded term, if the index holds it.
    pub fn id_of(&self, encoded: &[u8]) -> Option<u32> {
        let h = hash(encoded);
        let entry = |i: usize| {
            let at = self.lookup_at + 16 * i;
            (
                word(&self.bytes, at),
                u32::from_le_bytes(self.bytes[at + 8..at + 12].try_into().expect("4 bytes")),
            )
        };
        let lo = partition_point(0..self.n_terms, |i| entry(i).0 < h);
        (lo..self.n_terms)
            .map(entry)
            .take_while(|(eh, _)| *eh == h)
            .find(|(_, id)| self.encoded(*id).is_ok_and(|t| t == encoded))
            .map(|(_, id)| id)
    }

    /// The `i`th key of the table in `order`.
    fn key(&self, order: usize, i: usize) -> [u32; 4] {
        let at = self.quads_at + 16 * (order * self.n_quads + i);
        let b = &self.bytes[at..at + 16];
        let part = |k: usize| u32::from_le_bytes(b[4 * k..4 * k + 4].try_into().expect("4 bytes"));
        [part(0), part(1), part(2), part(3)]
    }

    /// The range of the table in `order` whose keys start with `prefix`.
    fn range(&self, order: usize, prefix: &[u32]) -> std::ops::Range<usize> {
        let key = |i: usize| self.key(order, i);
        let start = partition_point(0..self.n_quads, |i| key(i)[..prefix.len()] < *prefix);
        start..gallop(start, self.n_quads, |i| key(i)[..prefix.len()] <= *prefix)
    }

    /// Quads matching a pattern of ids, as `[s, p, o, g]`. `graph`: `Some(g)` one graph
    /// (`DEFAULT_GRAPH` for the default graph as [`DefaultGraph`] says), `None` every named
    /// graph.
    pub fn quads(
        &self,
        subject: Option<u32>,
        predicate: Option<u32>,
        object: Option<u32>,
        graph: Option<u32>,
    ) -> impl Iterator<Item = [u32; 4]> + '_ {
        let union = graph == Some(DEFAULT_GRAPH) && self.default_graph == DefaultGraph::Union;
        let one_graph = graph.filter(|g| *g != DEFAULT_GRAPH || !union);
        let (order, prefix): (usize, Vec<u32>) = match (subject, predicate, object) {
            (Some(s), Some(p), Some(o)) => (SPOG, vec![s, p, o]),
            (Some(s), Some(p), None) => (SPOG, vec![s, p]),
            (Some(s), None, Some(o)) => (OSPG, vec![o, s]),
            (Some(s), None, None) => (SPOG, vec![s]),
            (None, _, _) if one_graph.is_some_and(|g| g != DEFAULT_GRAPH) => {
                (GSPO, vec![one_graph.unwrap_or(DEFAULT_GRAPH)])
            }
            (None, Some(p), Some(o)) => (POSG, vec![p, o]),
            (None, Some(p), None) => (POSG, vec![p]),
            (None, None, Some(o)) => (OSPG, vec![o]),
            (None, None, None) => (SPOG, vec![]),
        };
        let components = ORDERS[order];
        let mut previous: Option<[u32; 3]> = None;
        self.range(order, &prefix)
            .map(move |i| {
                let key = self.key(order, i);
                let mut quad = [0; 4];
                for (position, component) in components.iter().enumerate() {
                    quad[*component] = key[position];
                }
                quad
            })
            .filter(move |[s, p, o, g]| {
                subject.is_none_or(|x| x == *s)
                    && predicate.is_none_or(|x| x == *p)
                    && object.is_none_or(|x| x == *o)
                    && match graph {
                        None => *g != DEFAULT_GRAPH,
                        Some(_) if union => {
                            // In SPOG, POSG and OSPG the graph sorts last, so the copies of one
                            // triple in several graphs are neighbours: keep the first.
                            let triple = [*s, *p, *o];
                            previous.replace(triple) != Some(triple)
                        }
                        Some(one) => *g == one,
                    }
            })
    }

    /// Every quad, decoded, in SPOG order.
    pub fn all_quads(&self) -> impl Iterator<Item = Result<oxrdf::Quad, IndexError>> + '_ {
        self.decoded(SPOG)
    }

    /// Every quad, decoded, graph by graph (each graph's quads together, the default graph
    /// last), subject by subject within a graph: what a streaming writer groups best.
    pub fn all_quads_by_graph(&self) -> impl Iterator<Item = Result<oxrdf::Quad, IndexError>> + '_ {
        self.decoded(GSPO)
    }

    fn decoded(&self, order: usize) -> impl Iterator<Item = Result<oxrdf::Quad, IndexError>> + '_ {
        let components = ORDERS[order];
        (0..self.n_quads).map(move |i| {
            let key = self.key(order, i);
            let mut quad = [0; 4];
            for (position, component) in components.iter().enumerate() {
                quad[*component] = key[position];
            }
            let [s, p, o, g] = quad;
            let subject = match self.term(s)? {
                Term::NamedNode(n) => oxrdf::NamedOrBlankNode::from(n),
                Term::BlankNode(b) => b.into(),
                _ => return Err(IndexError::Corrupt("a subject is a literal")),
            };
            let Term::NamedNode(predicate) = self.term(p)? else {
                return Err(IndexError::Corrupt("a predicate is not an IRI"));
            };
            let graph_name = match g {
                DEFAULT_GRAPH => oxrdf::GraphName::DefaultGraph,
                g => match self.term(g)? {
                    Term::NamedNode(n) => n.into(),
                    Term::BlankNode(b) => b.into(),
                    _ => return Err(IndexError::Corrupt("a graph name is a literal")),
                },
            };
            Ok(oxrdf::Quad::new(
                subject,
                predicate,
                self.term(o)?,
                graph_name,
            ))
        })
    }
}

/// A term as the evaluator handles it: the id of a stored term, or a term the query made up
/// (never a stored one, so equal terms always have equal representations).
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum IndexTerm {
    Stored(u32),
    New(Box<Term>),
}

impl<'a> spareval::QueryableDataset<'a> for &'a Index {
    type InternalTerm = IndexTerm;
    type Error = IndexError;

    fn internal_quads_for_pattern(
        &self,
        subject: Option<&IndexTerm>,
        predicate: Option<&IndexTerm>,
        object: Option<&IndexTerm>,
        graph_name: Option<Option<&IndexTerm>>,
    ) -> impl Iterator<Item = Result<spareval::InternalQuad<IndexTerm>, IndexError>> + use<'a> {
        // A made-up term matches nothing stored.
        let stored = |t: Option<&IndexTerm>| match t {
            None => Ok(None),
            Some(IndexTerm::Stored(id)) => Ok(Some(*id)),
            Some(IndexTerm::New(_)) => Err(()),
        };
        let graph = match graph_name {
            None => Ok(None),
            Some(None) => Ok(Some(DEFAULT_GRAPH)),
            Some(Some(g)) => stored(Some(g)),
        };
        let index: &'a Index = self;
        let pattern = (|| {
            Ok((
                stored(subject)?,
                stored(predicate)?,
                stored(object)?,
                graph?,
            ))
        })();
        let matches: Box<dyn Iterator<Item = [u32; 4]> + 'a> = match pattern {
            Ok((s, p, o, g)) => Box::new(index.quads(s, p, o, g)),
            Err(()) => Box::new(std::iter::empty()),
        };
        matches.map(|[s, p, o, g]| {
            Ok(spareval::InternalQuad {
                subject: IndexTerm::Stored(s),
                predicate: IndexTerm::Stored(p),
                object: IndexTerm::Stored(o),
                graph_name: (g != DEFAULT_GRAPH).then_some(IndexTerm::Stored(g)),
            })
        })
    }

    fn internal_named_graphs(
        &self,
    ) -> impl Iterator<Item = Result<IndexTerm, IndexError>> + use<'a> {
        let index: &'a Index = self;
        // GSPO puts each graph's quads together: one graph name per run.
        let mut previous = None;
        (0..index.n_quads).filter_map(move |i| {
            let g = index.key(GSPO, i)[0];
            (g != DEFAULT_GRAPH && previous.replace(g) != Some(g))
                .then_some(Ok(IndexTerm::Stored(g)))
        })
    }

    fn contains_internal_graph_name(&self, graph_name: &IndexTerm) -> Result<bool, IndexError> {
        Ok(match graph_name {
            IndexTerm::Stored(g) => !self.range(GSPO, &[*g]).is_empty(),
            IndexTerm::New(_) => false,
        })
    }

    fn internalize_term(&self, term: Term) -> Result<IndexTerm, IndexError> {
        let mut buf = Vec::new();
        encode_term(term.as_ref(), &mut buf);
        Ok(match self.id_of(&buf) {
            Some(id) => IndexTerm::Stored(id),
            None => IndexTerm::New(Box::new(term)),
        })
    }

    fn externalize_term(&self, term: IndexTerm) -> Result<Term, IndexError> {
        match term {
            IndexTerm::Stored(id) => self.term(id),
            IndexTerm::New(term) => Ok(*term),
        }
    }
}

/// The index as a query sees it: once `stop` is cancelled, every scan ends at its next quad.
///
/// The evaluator's own check turns each further quad into an error but goes on scanning (a
/// join or a group collects errors and carries on), so a stopped query kept a core and its
/// memory until it had read everything; ending the scans instead makes every operator run
/// out within one step. The partial answer this leaves is discarded by the caller, which
/// sees the token cancelled.
#[derive(Clone)]
pub struct Stoppable<'a> {
    pub index: &'a Index,
    pub stop: spareval::CancellationToken,
}

impl<'a> spareval::QueryableDataset<'a> for Stoppable<'a> {
    type InternalTerm = IndexTerm;
    type Error = IndexError;

    fn internal_quads_for_pattern(
        &self,
        subject: Option<&IndexTerm>,
        predicate: Option<&IndexTerm>,
        object: Option<&IndexTerm>,
        graph_name: Option<Option<&IndexTerm>>,
    ) -> impl Iterator<Item = Result<spareval::InternalQuad<IndexTerm>, IndexError>> + use<'a> {
        let stop = self.stop.clone();
        self.index
            .internal_quads_for_pattern(subject, predicate, object, graph_name)
            .take_while(move |_| !stop.is_cancelled())
    }

    fn internal_named_graphs(
        &self,
    ) -> impl Iterator<Item = Result<IndexTerm, IndexError>> + use<'a> {
        let stop = self.stop.clone();
        self.index
            .internal_named_graphs()
            .take_while(move |_| !stop.is_cancelled())
    }

    fn contains_internal_graph_name(&self, graph_name: &IndexTerm) -> Result<bool, IndexError> {
        self.index.contains_internal_graph_name(graph_name)
    }

    fn internalize_term(&self, term: Term) -> Result<IndexTerm, IndexError> {
        self.index.internalize_term(term)
    }

    fn externalize_term(&self, term: IndexTerm) -> Result<Term, IndexError> {
        self.index.externalize_term(term)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quad(s: &str, p: &str, o: Term, g: Option<&str>) -> oxrdf::Quad {
        oxrdf::Quad::new(
            NamedNode::new_unchecked(s),
            NamedNode::new_unchecked(p),
            o,
            g.map_or(oxrdf::GraphName::DefaultGraph, |g| {
                NamedNode::new_unchecked(g).into()
            }),
        )
    }

    #[test]
    fn quads_round_trip_and_patterns_find_them() {
        let quads = vec![
            quad(
                "http://e/a",
                "http://e/p",
                Literal::new_simple_literal("x").into(),
                None,
            ),
            quad(
                "http://e/a",
                "http://e/p",
                Literal::new_simple_literal("x").into(),
                Some("http://e/g1"),
            ),
            quad(
                "http://e/b",
                "http://e/p",
                Literal::new_language_tagged_literal_unchecked("y", "en").into(),
                Some("http://e/g1"),
            ),
            quad(
                "http://e/b",
                "http://e/q",
                NamedNode::new_unchecked("http://e/a").into(),
                Some("http://e/g2"),
            ),
        ];
        for mode in [DefaultGraph::Union, DefaultGraph::Own] {
            let index = index_in_memory(quads.clone(), mode).unwrap();
            assert_eq!(index.len(), 4);
            let mut back: Vec<_> = index.all_quads().map(Result::unwrap).collect();
            back.sort_by_key(|q| q.to_string());
            let mut expected = quads.clone();
            expected.sort_by_key(|q| q.to_string());
            assert_eq!(back, expected);

            let mut enc = Vec::new();
            encode_iri("http://e/p", &mut enc);
            let p = index.id_of(&enc).unwrap();
            encode_iri("http://e/nothing", &mut enc);
            assert_eq!(index.id_of(&enc), None);
            let default_count = index
                .quads(None, Some(p), None, Some(DEFAULT_GRAPH))
                .count();
            // The union holds ("a" p "x") once although it is in two graphs.
            match mode {
                DefaultGraph::Union => assert_eq!(default_count, 2),
                DefaultGraph::Own => assert_eq!(default_count, 1),
            }
            assert_eq!(index.quads(None, Some(p), None, None).count(), 2);
            encode_iri("http://e/g2", &mut enc);
            let g2 = index.id_of(&enc).unwrap();
            assert_eq!(index.quads(None, None, None, Some(g2)).count(), 1);
        }
    }

    /// Sorting on disk in runs of a few quads (repeats within and across runs) writes the
    /// same bytes as sorting in memory, and leaves no run behind.
    #[test]
    fn sorting_in_runs_writes_the_same_index_as_in_memory() {
        let folder = tempfile::tempdir().unwrap();
        let quads: Vec<oxrdf::Quad> = (0..200u32)
            .map(|i| {
                let n = (i * 37) % 23;
                quad(
                    &format!("http://e/s{}", n % 7),
                    &format!("http://e/p{}", n % 3),
                    Literal::new_simple_literal(format!("{}", n % 11)).into(),
                    (n % 2 == 0).then_some("http://e/g"),
                )
            })
            .collect();
        let write = |budget: Option<SortBudget>| {
            let out = io::Cursor::new(Vec::new());
            let mut writer = match budget {
                Some(budget) => IndexWriter::with_budget(DefaultGraph::Union, out, budget),
                None => IndexWriter::new(DefaultGraph::Union, out),
            }
            .unwrap();
            for q in &quads {
                writer.add(q.as_ref()).unwrap();
            }
            let (out, n) = writer.finish().unwrap();
            (out.into_inner(), n)
        };
        let (in_memory, distinct) = write(None);
        assert!(distinct < quads.len() && distinct > 20, "{distinct}");
        for run_quads in [1, 5, 64, 199, 200, 1000] {
            let budget = SortBudget {
                dir: folder.path().to_owned(),
                run_quads,
            };
            assert_eq!(
                write(Some(budget)),
                (in_memory.clone(), distinct),
                "{run_quads}"
            );
            assert_eq!(std::fs::read_dir(folder.path()).unwrap().count(), 0);
        }
        let index = Index::from_vec(in_memory).unwrap();
        assert_eq!(index.len(), distinct);
    }

    /// Terms kept to a scope are numbered and written as any term, so the index is the same
    /// bytes; one found again within its scope, or already in the table, keeps its id; one
    /// found again after its scope makes `finish` refuse to write a term twice.
    #[test]
    fn scoped_terms_write_the_same_index_and_never_a_term_twice() {
        let folder = tempfile::tempdir().unwrap();
        let enc = |i: &str| {
            let mut out = Vec::new();
            encode_iri(i, &mut out);
            out
        };
        let (p, shared) = (enc("http://e/p"), enc("http://e/shared#x"));
        // (subject, object, whether both are scoped), a scope a record.
        type Quad = (Vec<u8>, Vec<u8>, bool);
        let records: Vec<Vec<Quad>> = (0..40)
            .map(|r| {
                let row = |n: u32| enc(&format!("http://e/r{r}#row-{n}"));
                let record = enc(&format!("http://e/r{r}"));
                vec![
                    (record.clone(), row(1), false),
                    (record.clone(), row(2), false),
                    (row(1), shared.clone(), true),
                    (row(2), row(1), true),
                    (row(2), record, true),
                ]
            })
            .collect();
        let write = |scoped: bool, budget: Option<SortBudget>| {
            let out = io::Cursor::new(Vec::new());
            let mut w = match budget {
                Some(budget) => IndexWriter::with_budget(DefaultGraph::Union, out, budget),
                None => IndexWriter::new(DefaultGraph::Union, out),
            }
            .unwrap();
            let p = w.intern(&p).unwrap();
            w.intern(&shared).unwrap();
            for record in &records {
                for (s, o, in_scope) in record {
                    let mut id = |t: &[u8], row: bool| match scoped && row {
                        true => w.intern_scoped(t),
                        false => w.intern(t),
                    };
                    let is_row = |t: &[u8]| t.windows(5).any(|x| x == b"#row-");
                    let (s, o) = (
                        id(s, *in_scope || is_row(s)).unwrap(),
                        id(o, *in_scope || is_row(o)).unwrap(),
                    );
                    w.add_ids(s, p, o, DEFAULT_GRAPH).unwrap();
                }
                if scoped {
                    let row = &record[0].1;
                    let id = w.intern_scoped(row).unwrap();
                    assert_eq!(w.intern(row).unwrap(), id);
                }
                w.end_scope();
            }
            w
        };
        let bytes = |w: IndexWriter<io::Cursor<Vec<u8>>>| w.finish().unwrap().0.into_inner();
        let all_in_table = bytes(write(false, None));
        assert_eq!(bytes(write(true, None)), all_in_table);
        let budget = SortBudget {
            dir: folder.path().to_owned(),
            run_quads: 7,
        };
        assert_eq!(bytes(write(true, Some(budget.clone()))), all_in_table);
        let index = Index::from_vec(all_in_table).unwrap();
        assert_eq!(index.term_count(), 2 + 40 * 3);

        let mut late = write(true, Some(budget));
        late.intern(&enc("http://e/r3#row-2")).unwrap();
        let refused = late.finish().expect_err("a scoped term came back");
        assert!(refused.to_string().contains("twice"), "{refused}");
        assert_eq!(std::fs::read_dir(folder.path()).unwrap().count(), 0);
    }

    #[test]
    fn ranks_count_the_bits_before() {
        let mut bits = RankedBits::default();
        let pattern = |i: u32| i.is_multiple_of(3) || i % 64 == 63;
        for i in 0..1000 {
            bits.push(pattern(i));
        }
        let mut ones = 0;
        for i in 0..1000 {
            assert_eq!(bits.rank(i), ones, "{i}");
            ones += usize::from(pattern(i));
        }
    }

    /// The tables sorted in two halves and merged are the tables sorted whole: each distinct
    /// quad once, in every order, wherever its repeats fall.
    #[test]
    fn tables_sorted_in_halves_are_the_tables_sorted_whole() {
        let mut next = 7u64;
        let mut random = |below: u32| {
            next = next.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            ((next >> 33) % u64::from(below)) as u32
        };
        // Few distinct values, so that repeats fall within each half and across both.
        let quads: Vec<[u32; 4]> = (0..5_000)
            .map(|_| [random(20), random(5), random(20), random(3)])
            .collect();
        let tables = |middle: usize| {
            let (mut buf, mut out) = (Vec::new(), Vec::new());
            let n = write_tables_in_halves(&mut quads.clone(), middle, &mut buf, &mut out).unwrap();
            out.extend_from_slice(&buf);
            (n, out)
        };
        let (n, whole) = tables(0);
        let mut distinct = quads.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(n, distinct.len());
        assert!(n < quads.len(), "the quads repeat");
        let mut expected = Vec::new();
        for order in ORDERS {
            let mut table: Vec<[u32; 4]> = distinct
                .iter()
                .map(|key| rearranged(key, ORDERS[SPOG], order))
                .collect();
            table.sort_unstable();
            for key in &table {
                key.iter()
                    .for_each(|part| expected.extend_from_slice(&part.to_le_bytes()));
            }
        }
        assert_eq!(whole, expected);
        for middle in [1, 1_000, 2_500, 4_999] {
            assert_eq!(tables(middle), (n, whole.clone()), "split at {middle}");
        }
    }

    #[test]
    fn the_term_table_finds_every_term_and_its_shards_double_apart() {
        let hasher = siphasher::sip128::SipHasher13::new_with_keys(1, 2);
        let fingerprints: Vec<Fingerprint> = (0..200_000u32)
            .map(|i| Fingerprint::of(hasher.hash(&i.to_le_bytes()).as_u128()))
            .collect();
        let mut table = TermTable::default();
        let of = |id: u32| fingerprints[id as usize];
        assert_eq!(table.find(fingerprints[0], of), None, "an empty table");
        for id in 0..fingerprints.len() as u32 {
            table.insert(fingerprints[id as usize], id, of);
        }
        for (id, fingerprint) in fingerprints.iter().enumerate() {
            assert_eq!(table.find(*fingerprint, of), Some(id as u32));
        }
        let absent = Fingerprint::of(hasher.hash(b"absent").as_u128());
        assert_eq!(table.find(absent, of), None);
        // Shard i takes about 2^(i/256) parts: the last about twice the first, so that the
        // shards' capacities are not all the same power of two.
        let sizes: Vec<usize> = table.shards.iter().map(|s| s.len()).collect();
        assert_eq!(sizes.len(), TermTable::SHARDS);
        let (first, last) = (
            sizes[..16].iter().sum::<usize>() as f64,
            sizes[240..].iter().sum::<usize>() as f64,
        );
        assert!((1.7..2.3).contains(&(last / first)), "{first} {last}");
        let capacities: std::collections::BTreeSet<usize> =
            table.shards.iter().map(|s| s.capacity()).collect();
        assert!(capacities.len() >= 2, "{capacities:?}");
    }

    #[test]
    fn a_damaged_file_is_refused() {
        let (cursor, _) = IndexWriter::new(DefaultGraph::Union, io::Cursor::new(Vec::new()))
            .unwrap()
            .finish()
            .unwrap();
        let mut bytes = cursor.into_inner();
        bytes.push(0);
        assert!(Index::from_vec(bytes).is_err());
        assert!(Index::from_vec(b"not an index at all, not at all....".repeat(4)).is_err());
    }

    /// Halving and then galloping find a run's start and end, on keys spread evenly, bunched,
    /// repeated (long runs) or at the ends of `u64`.
    #[test]
    fn halving_and_galloping_find_a_runs_ends() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let even: Vec<u64> = (0..5000).map(|_| next()).collect();
        let bunched: Vec<u64> = (0..5000).map(|_| next() % 64 + (1 << 40)).collect();
        let ends: Vec<u64> = (0..2000)
            .map(|i| if i % 2 == 0 { i } else { u64::MAX - i })
            .collect();
        for mut keys in [even, bunched, ends, vec![], vec![7], vec![u64::MAX; 40]] {
            keys.sort_unstable();
            let mut targets = vec![0, 1, u64::MAX, u64::MAX - 1, 1 << 40];
            for &k in keys.iter().step_by(7) {
                targets.extend([k, k.wrapping_sub(1), k.wrapping_add(1)]);
            }
            for _ in 0..200 {
                targets.push(next());
            }
            for target in targets {
                let start = partition_point(0..keys.len(), |i| keys[i] < target);
                assert_eq!(
                    start,
                    keys.partition_point(|k| *k < target),
                    "target {target} in {} keys",
                    keys.len()
                );
                assert_eq!(
                    gallop(start, keys.len(), |i| keys[i] <= target),
                    keys.partition_point(|k| *k <= target),
                    "the end of target {target}'s run in {} keys",
                    keys.len()
                );
            }
        }
    }
}
