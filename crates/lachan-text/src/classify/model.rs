//! A small statistical model: logistic regression on hashed word unigrams and bigrams of the
//! normalised text, one output ("head") per label, weights quantised to `i8` and stored sparse
//! (only the strongest weights of a large hash space, so that few features share a slot).
//!
//! Trained by `cargo run --release -p lachan-text --example train` (ViHOS train + Davidson), which
//! writes `data/model.bin`. File format (little-endian):
//!
//! ```text
//! b"LCHM" | version u8 = 3 | bits u8 | heads u8 | 0u8
//! per head: name length u8 | name (UTF-8) | bias f32 | scale f32 | entries u32
//!           then `entries` times: slot u32 (strictly increasing, < 2^bits) | weight i8
//! ```
//!
//! A slot that is not listed weighs 0; weight = i8 × scale.

use std::ops::Range;

use std::hash::Hasher;

use super::words::{Words, pack, split};
use crate::normalize::hash::{FastHasher, hash_packed};

/// The longest run of words the model looks at; later words are ignored.
pub const MAX_WORDS: usize = 256;

/// The file's magic bytes.
const MAGIC: &[u8; 4] = b"LCHM";
/// The file format version (3: features hashed per word, see [`features`]).
const VERSION: u8 = 3;

/// A model file that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The bytes are not a model file of this version.
    #[error(
        "model file: {0}; retrain it with `cargo run --release -p lachan-text --example train`"
    )]
    Format(String),
}

/// One hashed feature of a text: its slot in the weight table and the words it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feature {
    /// Index into a head's weights (`0..2^bits`).
    pub slot: u32,
    /// Word indices (`start..end`) in the folded text's words.
    pub words: Range<usize>,
}

/// The words of a folded text that the model reads: split on spaces, at most [`MAX_WORDS`].
pub fn words(folded: &str) -> impl Iterator<Item = (Range<usize>, &str)> {
    let mut offset = 0;
    folded
        .split(' ')
        .map(move |w| {
            let start = offset;
            offset += w.len() + 1;
            (start..start + w.len(), w)
        })
        .filter(|(_, w)| !w.is_empty())
        .take(MAX_WORDS)
}

/// The kinds of features, mixed into their hashes: unigrams and bigrams of words read folded,
/// and of words read with their marks.
const UNIGRAM: u64 = 0x2d35_8dcc_aa6c_78a5;
const BIGRAM: u64 = 0x8bb8_4b93_962e_acc9;
const UNIGRAM_MARKED: u64 = 0x4b33_a62e_d433_d4a3;
const BIGRAM_MARKED: u64 = 0x4d5a_2da5_1de1_aa47;

/// The hash of a word as the model reads it.
fn word_hash(bytes: &[u8]) -> u64 {
    let mut h = FastHasher::default();
    h.write(bytes);
    h.finish()
}

/// Spreads every bit of `x` over the result (MurmurHash3's finaliser), so that the top bits make
/// a good slot.
fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

/// Bits of the set of slots already seen by [`features_in`].
const SEEN_BITS: usize = 1024;

/// What every number reads as ("#").
const NUMBER: u64 = b'#' as u64;

/// Folded words that are no evidence on their own: pronouns, kin terms and particles of everyday
/// chat ("mày", "tao", "nó", "mẹ", "thằng" …). ViHOS annotators often included them in offensive
/// spans, so a model would learn that children talking to each other are offensive. They still
/// count inside bigrams with another word. Sorted, at most 8 bytes each.
const NEUTRAL: &[&str] = &[
    "a", "ai", "anh", "ba", "ban", "bo", "bon", "ca", "cai", "cha", "chi", "chung", "co", "con",
    "day", "di", "do", "e", "em", "ho", "kia", "la", "lop", "m", "ma", "may", "me", "minh", "nay",
    "nha", "nhe", "no", "oi", "ong", "roi", "t", "tao", "thang", "thi", "toi", "tui", "vao",
];

/// [`NEUTRAL`] packed and sorted, for a binary search of integers per word.
const NEUTRAL_KEYS: [u64; NEUTRAL.len()] = {
    let mut keys = [0; NEUTRAL.len()];
    let mut i = 0;
    while i < NEUTRAL.len() {
        keys[i] = pack(NEUTRAL[i]);
        assert!(keys[i] != 0, "neutral words have 1 to 8 bytes");
        // Insertion sort.
        let mut j = i;
        while j > 0 && keys[j - 1] > keys[j] {
            let t = keys[j];
            keys[j] = keys[j - 1];
            keys[j - 1] = t;
            j -= 1;
        }
        i += 1;
    }
    keys
};

fn is_neutral(key: u64) -> bool {
    key != 0 && NEUTRAL_KEYS.binary_search(&key).is_ok()
}

/// The hashed features of a normalised text, for a table of `2^bits` slots: word unigrams and
/// bigrams, each word read from the `accented` view when it has diacritics and from the `folded`
/// view otherwise (so that "ngủ" (sleep) and "ngu" (stupid) differ when the writer typed the
/// marks). Neutral words (pronouns, kin terms) count only inside bigrams. Each slot appears once
/// (its first occurrence), in text order.
pub fn features(accented: &str, folded: &str, bits: u8, out: &mut Vec<Feature>) {
    let mut folded_words = Vec::new();
    let mut accented_words = Vec::new();
    split(folded, &mut folded_words);
    split(accented, &mut accented_words);
    features_in(
        Words::new(accented, &accented_words),
        Words::new(folded, &folded_words),
        bits,
        out,
    );
}

/// [`features`] of views already split into words.
pub(crate) fn features_in(accented: Words, folded: Words, bits: u8, out: &mut Vec<Feature>) {
    out.clear();
    let shift = 64 - u32::from(bits);
    // A small set of the slots pushed (by their low bits): most features are new, and a repeated
    // one is confirmed among the features pushed.
    let mut seen = [0u64; SEEN_BITS / 64];
    let mut push = |out: &mut Vec<Feature>, h: u64, words: Range<usize>| {
        let slot = (mix(h) >> shift) as u32;
        let bit = slot as usize % SEEN_BITS;
        let (cell, mask) = (bit / 64, 1u64 << (bit % 64));
        if seen[cell] & mask != 0 && out.iter().any(|f| f.slot == slot) {
            return;
        }
        seen[cell] |= mask;
        out.push(Feature { slot, words });
    };
    let same_shape = folded.len() == accented.len();
    // The previous word: its hash, whether it had marks, whether it is neutral.
    let mut previous: Option<(u64, bool, bool)> = None;
    for i in 0..folded.len() {
        let word = folded.get(i);
        let key = folded.key(i);
        let accented_key = if same_shape { accented.key(i) } else { 0 };
        // A word typed with diacritics is read as typed ("buổi" is not "buồi"); a word typed
        // without them is read folded, with the ambiguity training gave it. (Words of up to 8
        // bytes are compared, and hashed, by their keys.)
        let marked = same_shape
            && match (key, accented_key) {
                (0, _) | (_, 0) => accented.get(i) != word,
                (f, a) => f != a,
            };
        let h = match (marked, key, accented_key) {
            (true, _, 0) => word_hash(accented.get(i).as_bytes()),
            (true, _, a) => hash_packed(a),
            (false, _, _) if word.bytes().all(|b| b.is_ascii_digit()) => hash_packed(NUMBER),
            (false, 0, _) => word_hash(word.as_bytes()),
            (false, k, _) => hash_packed(k),
        };
        let neutral = is_neutral(key);
        if !neutral {
            let kind = if marked { UNIGRAM_MARKED } else { UNIGRAM };
            push(out, h ^ kind, i..i + 1);
        }
        if let Some((before, before_marked, before_neutral)) = previous
            && (!neutral || !before_neutral)
        {
            let kind = if marked || before_marked {
                BIGRAM_MARKED
            } else {
                BIGRAM
            };
            push(out, before.rotate_left(29) ^ h ^ kind, i - 1..i + 1);
        }
        previous = Some((h, marked, neutral));
    }
}

/// One output of the model.
#[derive(Debug, Clone)]
pub struct Head {
    /// The label it predicts ("offensive", "hate").
    pub name: String,
    /// The intercept.
    pub bias: f32,
    /// The factor from `i8` to weight.
    pub scale: f32,
    /// Slots with a weight, strictly increasing.
    slots: Vec<u32>,
    /// The quantised weight of each slot in `slots`.
    weights: Vec<i8>,
}

impl Head {
    /// How many slots have a weight.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether no slot has a weight.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The weight of a slot (0 when it has none).
    pub fn weight(&self, slot: u32) -> f32 {
        self.slots
            .binary_search(&slot)
            .map_or(0.0, |i| f32::from(self.weights[i]) * self.scale)
    }

    /// The probability of the label for these features.
    pub fn probability(&self, features: &[Feature]) -> f32 {
        let z: f32 = self.bias + features.iter().map(|f| self.weight(f.slot)).sum::<f32>();
        sigmoid(z)
    }
}

/// How many heads share one [`SlotTable`].
const HEADS_PER_TABLE: usize = 3;
/// Bits of a slot kept in its entry; the others choose its bucket.
const TAG_BITS: u8 = 8;

/// The quantised weights of up to three heads for the slots that have one, compact enough to
/// stay in the CPU's caches (4 bytes per slot): slots sorted into `2^(bits - 8)` buckets by their
/// high bits, each entry holding the slot's low 8 bits (its tag) and one `i8` weight per head.
/// A lookup reads the bucket's bounds and scans its few entries.
#[derive(Debug, Clone)]
struct SlotTable {
    /// Bucket `b` holds `entries[starts[b]..starts[b + 1]]`.
    starts: Vec<u32>,
    /// Byte 0: the tag; byte `k + 1`: the weight of head `k` of the table. Sorted by tag within
    /// a bucket.
    entries: Vec<u32>,
    /// How many bits of a slot are its tag.
    tag_bits: u8,
}

impl SlotTable {
    /// The table of `heads` (at most [`HEADS_PER_TABLE`]) for slots of `bits` bits.
    fn new(heads: &[Head], bits: u8) -> SlotTable {
        let mut rows: Vec<(u32, u32)> = Vec::new();
        for (k, h) in heads.iter().enumerate() {
            for (&slot, &w) in h.slots.iter().zip(&h.weights) {
                rows.push((slot, u32::from(w as u8) << (8 * (k + 1))));
            }
        }
        rows.sort_unstable_by_key(|r| r.0);
        let tag_bits = bits.min(TAG_BITS);
        let buckets = 1usize << (bits - tag_bits);
        let mut starts = Vec::with_capacity(buckets + 1);
        let mut entries: Vec<u32> = Vec::with_capacity(rows.len());
        let mut last = None;
        for (slot, weights) in rows {
            let bucket = (slot >> tag_bits) as usize;
            while starts.len() <= bucket {
                starts.push(entries.len() as u32);
            }
            if last == Some(slot) {
                if let Some(e) = entries.last_mut() {
                    *e |= weights;
                }
                continue;
            }
            last = Some(slot);
            entries.push((slot & ((1 << tag_bits) - 1)) | weights);
        }
        starts.resize(buckets + 1, entries.len() as u32);
        SlotTable {
            starts,
            entries,
            tag_bits,
        }
    }

    /// The weights of a slot, head `k` in byte `k + 1` (0 when it has none).
    fn get(&self, slot: u32) -> u32 {
        let bucket = (slot >> self.tag_bits) as usize;
        let (Some(&from), Some(&to)) = (self.starts.get(bucket), self.starts.get(bucket + 1))
        else {
            return 0;
        };
        let tag = slot & ((1 << self.tag_bits) - 1);
        self.entries
            .get(from as usize..to as usize)
            .unwrap_or_default()
            .iter()
            .find(|&&e| e & 0xff >= tag)
            .filter(|&&e| e & 0xff == tag)
            .map_or(0, |&e| e & !0xff)
    }
}

/// The logistic function.
pub fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

/// Every head's weight of each feature of a text, looked up once ([`Model::lookup`]).
#[derive(Debug, Clone, Default)]
pub struct Lookup {
    /// Per feature, per table: the packed weights.
    packed: Vec<u32>,
    /// Tables of the model it was looked up in.
    tables: usize,
}

impl Lookup {
    /// How many features were looked up.
    pub fn len(&self) -> usize {
        self.packed.len().checked_div(self.tables).unwrap_or(0)
    }

    /// Whether no feature was looked up.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Shrinks the buffer to at most `capacity` features.
    pub fn shrink_to(&mut self, capacity: usize) {
        self.packed.shrink_to(capacity * self.tables.max(1));
    }
}

/// A hashed logistic-regression model with one head per label.
#[derive(Debug, Clone)]
pub struct Model {
    bits: u8,
    heads: Vec<Head>,
    /// The heads' weights, [`HEADS_PER_TABLE`] heads per table.
    tables: Vec<SlotTable>,
}

impl Model {
    fn new(bits: u8, heads: Vec<Head>) -> Model {
        let tables = heads
            .chunks(HEADS_PER_TABLE)
            .map(|group| SlotTable::new(group, bits))
            .collect();
        Model {
            bits,
            heads,
            tables,
        }
    }

    /// Slots per head are `2^bits`.
    pub fn bits(&self) -> u8 {
        self.bits
    }

    /// The outputs.
    pub fn heads(&self) -> &[Head] {
        &self.heads
    }

    /// The head predicting `name`, if the model has one.
    pub fn head(&self, name: &str) -> Option<&Head> {
        self.heads.iter().find(|h| h.name == name)
    }

    /// The position of the head predicting `name` in [`Model::heads`].
    pub fn head_index(&self, name: &str) -> Option<usize> {
        self.heads.iter().position(|h| h.name == name)
    }

    /// Looks up every feature in every head, one table access per feature (and per three
    /// heads).
    pub fn lookup(&self, features: &[Feature], out: &mut Lookup) {
        out.tables = self.tables.len();
        out.packed.clear();
        for f in features {
            out.packed.extend(self.tables.iter().map(|t| t.get(f.slot)));
        }
    }

    /// The weight in head `head` of feature `i` of the features looked up (0 when out of range).
    pub fn weight_of(&self, lookup: &Lookup, i: usize, head: usize) -> f32 {
        let Some(h) = self.heads.get(head) else {
            return 0.0;
        };
        let packed = lookup
            .packed
            .get(i * lookup.tables + head / HEADS_PER_TABLE)
            .copied()
            .unwrap_or(0);
        let q = (packed >> (8 * (head % HEADS_PER_TABLE + 1))) as u8 as i8;
        f32::from(q) * h.scale
    }

    /// The probability of head `head`'s label for the features looked up (0.5 for no head).
    pub fn probability(&self, lookup: &Lookup, head: usize) -> f32 {
        let Some(h) = self.heads.get(head) else {
            return 0.5;
        };
        let mut sum = -0.0f32;
        for i in 0..lookup.len() {
            sum += self.weight_of(lookup, i, head);
        }
        sigmoid(h.bias + sum)
    }

    /// Reads a model file.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(4)? != MAGIC {
            return Err(ModelError::Format("not a Lachan model (bad magic)".into()));
        }
        let version = r.u8()?;
        if version != VERSION {
            return Err(ModelError::Format(format!(
                "version {version}, expected {VERSION}"
            )));
        }
        let bits = r.u8()?;
        if !(8..=24).contains(&bits) {
            return Err(ModelError::Format(format!(
                "{bits} hash bits, expected 8..=24"
            )));
        }
        let n_heads = r.u8()?;
        r.u8()?;
        let slots_limit = 1u64 << bits;
        let mut heads = Vec::with_capacity(usize::from(n_heads));
        for _ in 0..n_heads {
            let len = usize::from(r.u8()?);
            let name = String::from_utf8(r.take(len)?.to_vec())
                .map_err(|_| ModelError::Format("head name is not UTF-8".into()))?;
            let bias = r.f32()?;
            let scale = r.f32()?;
            if !bias.is_finite() || !scale.is_finite() {
                return Err(ModelError::Format(format!(
                    "head {name}: non-finite bias or scale"
                )));
            }
            let entries = r.u32()? as usize;
            // Each entry takes 5 bytes: refuse counts the file cannot hold before allocating.
            if entries > (bytes.len() - r.at) / 5 {
                return Err(ModelError::Format(format!(
                    "head {name}: {entries} entries do not fit in the file"
                )));
            }
            let mut slots = Vec::with_capacity(entries);
            let mut weights = Vec::with_capacity(entries);
            for _ in 0..entries {
                let slot = r.u32()?;
                if u64::from(slot) >= slots_limit || slots.last().is_some_and(|&p| p >= slot) {
                    return Err(ModelError::Format(format!(
                        "head {name}: slot {slot} out of order or out of range"
                    )));
                }
                slots.push(slot);
                weights.push(r.u8()? as i8);
            }
            heads.push(Head {
                name,
                bias,
                scale,
                slots,
                weights,
            });
        }
        if r.at != bytes.len() {
            return Err(ModelError::Format(format!(
                "{} trailing bytes",
                bytes.len() - r.at
            )));
        }
        Ok(Model::new(bits, heads))
    }

    /// Writes the model file.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&[VERSION, self.bits, self.heads.len() as u8, 0]);
        for h in &self.heads {
            let name = &h.name.as_bytes()[..h.name.len().min(255)];
            out.push(name.len() as u8);
            out.extend_from_slice(name);
            out.extend_from_slice(&h.bias.to_le_bytes());
            out.extend_from_slice(&h.scale.to_le_bytes());
            out.extend_from_slice(&(h.slots.len() as u32).to_le_bytes());
            for (slot, &w) in h.slots.iter().zip(&h.weights) {
                out.extend_from_slice(&slot.to_le_bytes());
                out.push(w as u8);
            }
        }
        out
    }

    /// Quantises float weights (one dense `Vec` of `2^bits` per head) into a model that keeps,
    /// per head, the `keep` weights largest in magnitude (and none that round to 0).
    pub fn quantise(bits: u8, heads: Vec<(String, f32, Vec<f32>)>, keep: usize) -> Model {
        let heads = heads
            .into_iter()
            .map(|(name, bias, w)| {
                let mut order: Vec<usize> = (0..w.len()).filter(|&i| w[i] != 0.0).collect();
                order.sort_by(|&a, &b| w[b].abs().total_cmp(&w[a].abs()));
                order.truncate(keep);
                order.sort_unstable();
                let max = order.iter().fold(0f32, |m, &i| m.max(w[i].abs()));
                let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
                let (slots, weights) = order
                    .into_iter()
                    .map(|i| (i as u32, (w[i] / scale).round().clamp(-127.0, 127.0) as i8))
                    .filter(|&(_, q)| q != 0)
                    .unzip();
                Head {
                    name,
                    bias,
                    scale,
                    slots,
                    weights,
                }
            })
            .collect();
        Model::new(bits, heads)
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ModelError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| ModelError::Format("truncated".into()))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn u8(&mut self) -> Result<u8, ModelError> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self) -> Result<u32, ModelError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn f32(&mut self) -> Result<f32, ModelError> {
        let b = self.take(4)?;
        Ok(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_bad_input() {
        let mut w = vec![0.0; 256];
        w[3] = 0.5;
        w[7] = -1.0;
        w[9] = 0.001;
        let m = Model::quantise(8, vec![("offensive".into(), -1.0, w)], 2);
        assert_eq!(m.heads[0].slots, vec![3, 7]);
        assert!((m.heads[0].weight(7) + 1.0).abs() < 0.01);
        assert_eq!(m.heads[0].weight(9), 0.0);
        let bytes = m.to_bytes();
        let back = Model::from_bytes(&bytes).unwrap();
        assert_eq!(back.heads[0].weights, m.heads[0].weights);
        for n in 0..bytes.len() {
            assert!(Model::from_bytes(&bytes[..n]).is_err());
        }
        assert!(Model::from_bytes(b"nonsense").is_err());
        let mut unsorted = bytes.clone();
        let first_slot = bytes.len() - 10;
        unsorted[first_slot] = 200;
        assert!(Model::from_bytes(&unsorted).is_err());
    }

    #[test]
    fn neutral_words_are_sorted() {
        assert!(NEUTRAL.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn features_cover_words() {
        let mut f = Vec::new();
        features("mày ngu 123", "may ngu 123", 16, &mut f);
        // "mày" is neutral alone: unigrams "ngu" and "#", bigrams "mày ngu" and "ngu #".
        assert_eq!(f.len(), 4);
        assert!(f.iter().any(|x| x.words == (0..2)));
    }
}
