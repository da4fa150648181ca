//! A small statistical model: logistic regression on hashed word unigrams and bigrams of the
//! normalised text, one output ("head") per label, weights quantised to `i8` and stored sparse
//! (only the strongest weights of a large hash space, so that few features share a slot).
//!
//! Trained by `cargo run --release -p lachan-text --example train` (ViHOS train + Davidson), which
//! writes `data/model.bin`. File format (little-endian):
//!
//! ```text
//! b"LCHM" | version u8 = 2 | bits u8 | heads u8 | 0u8
//! per head: name length u8 | name (UTF-8) | bias f32 | scale f32 | entries u32
//!           then `entries` times: slot u32 (strictly increasing, < 2^bits) | weight i8
//! ```
//!
//! A slot that is not listed weighs 0; weight = i8 × scale.

use std::ops::Range;

/// The longest run of words the model looks at; later words are ignored.
pub const MAX_WORDS: usize = 256;

/// The file's magic bytes.
const MAGIC: &[u8; 4] = b"LCHM";
/// The file format version.
const VERSION: u8 = 2;

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

/// The words of a folded text that the model reads: split on spaces, numbers kept as `#`.
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

fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            h ^= 0x1f;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        for &b in *part {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

fn token(word: &str) -> &[u8] {
    if word.bytes().all(|b| b.is_ascii_digit()) {
        b"#"
    } else {
        word.as_bytes()
    }
}

/// Folded words that are no evidence on their own: pronouns, kin terms and particles of everyday
/// chat ("mày", "tao", "nó", "mẹ", "thằng" …). ViHOS annotators often included them in offensive
/// spans, so a model would learn that children talking to each other are offensive. They still
/// count inside bigrams with another word. Sorted.
const NEUTRAL: &[&str] = &[
    "a", "ai", "anh", "ba", "ban", "bo", "bon", "ca", "cai", "cha", "chi", "chung", "co", "con",
    "day", "di", "do", "e", "em", "ho", "kia", "la", "lop", "m", "ma", "may", "me", "minh", "nay",
    "nha", "nhe", "no", "oi", "ong", "roi", "t", "tao", "thang", "thi", "toi", "tui", "vao",
];

fn is_neutral(folded_word: &str) -> bool {
    NEUTRAL.binary_search(&folded_word).is_ok()
}

/// The hashed features of a normalised text, for a table of `2^bits` slots: word unigrams and
/// bigrams, each word read from the `accented` view when it has diacritics and from the `folded`
/// view otherwise (so that "ngủ" (sleep) and "ngu" (stupid) differ when the writer typed the
/// marks). Neutral words (pronouns, kin terms) count only inside bigrams. Each slot appears once
/// (its first occurrence), in slot order.
pub fn features(accented: &str, folded: &str, bits: u8, out: &mut Vec<Feature>) {
    let folded_words: Vec<&str> = words(folded).map(|(_, w)| w).collect();
    let accented_words: Vec<&str> = words(accented).map(|(_, w)| w).collect();
    features_of_words(&accented_words, &folded_words, bits, out);
}

/// [`features`] of texts already split into words (by [`words`]).
pub fn features_of_words(
    accented_words: &[&str],
    folded_words: &[&str],
    bits: u8,
    out: &mut Vec<Feature>,
) {
    out.clear();
    let shift = 64 - u32::from(bits);
    let slot = |parts: &[&[u8]]| (fnv1a(parts) >> shift) as u32;
    let same_shape = folded_words.len() == accented_words.len();
    // A word typed with diacritics is read as typed ("buổi" is not "buồi"); a word typed
    // without them is read folded, with the ambiguity training gave it.
    let marked = |i: usize| same_shape && accented_words[i] != folded_words[i];
    let text = |i: usize| -> &[u8] {
        if marked(i) {
            accented_words[i].as_bytes()
        } else {
            token(folded_words[i])
        }
    };
    let kind = |i: usize, plain: &'static [u8], accented: &'static [u8]| {
        if marked(i) { accented } else { plain }
    };
    for (i, w) in folded_words.iter().enumerate() {
        let alone = !is_neutral(w);
        if alone {
            out.push(Feature {
                slot: slot(&[kind(i, b"1", b"3"), text(i)]),
                words: i..i + 1,
            });
        }
        if i > 0 && (alone || !is_neutral(folded_words[i - 1])) {
            let k = if marked(i) || marked(i - 1) {
                b"4"
            } else {
                b"2"
            };
            out.push(Feature {
                slot: slot(&[k, text(i - 1), text(i)]),
                words: i - 1..i + 1,
            });
        }
    }
    // Stable sort: the first occurrence of a slot stays first and is the one kept.
    out.sort_by_key(|f| f.slot);
    out.dedup_by_key(|f| f.slot);
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
    /// The same, for lookup.
    table: SlotTable,
}

impl Head {
    fn new(name: String, bias: f32, scale: f32, slots: Vec<u32>, weights: Vec<i8>) -> Head {
        let table = SlotTable::new(&slots, &weights);
        Head {
            name,
            bias,
            scale,
            slots,
            weights,
            table,
        }
    }

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
        self.table
            .get(slot)
            .map_or(0.0, |w| f32::from(w) * self.scale)
    }

    /// The probability of the label for these features.
    pub fn probability(&self, features: &[Feature]) -> f32 {
        let z: f32 = self.bias + features.iter().map(|f| self.weight(f.slot)).sum::<f32>();
        sigmoid(z)
    }
}

/// An open-addressing hash table from slot to quantised weight, at most half full.
#[derive(Debug, Clone)]
struct SlotTable {
    /// `slot + 1`, or 0 for an empty place.
    keys: Vec<u32>,
    values: Vec<i8>,
    mask: usize,
}

impl SlotTable {
    fn new(slots: &[u32], weights: &[i8]) -> SlotTable {
        let size = (slots.len() * 2).next_power_of_two().max(16);
        let mut t = SlotTable {
            keys: vec![0; size],
            values: vec![0; size],
            mask: size - 1,
        };
        for (&slot, &w) in slots.iter().zip(weights) {
            let mut i = Self::home(slot) & t.mask;
            while t.keys[i] != 0 {
                i = (i + 1) & t.mask;
            }
            t.keys[i] = slot + 1;
            t.values[i] = w;
        }
        t
    }

    fn home(slot: u32) -> usize {
        (u64::from(slot).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32) as usize
    }

    fn get(&self, slot: u32) -> Option<i8> {
        let mut i = Self::home(slot) & self.mask;
        // The table is at most half full, so an empty place ends every probe.
        for _ in 0..self.keys.len() {
            match self.keys[i] {
                0 => return None,
                k if k == slot + 1 => return Some(self.values[i]),
                _ => i = (i + 1) & self.mask,
            }
        }
        None
    }
}

/// The logistic function.
pub fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

/// A hashed logistic-regression model with one head per label.
#[derive(Debug, Clone)]
pub struct Model {
    /// Slots per head are `2^bits`.
    pub bits: u8,
    /// The outputs.
    pub heads: Vec<Head>,
}

impl Model {
    /// The head predicting `name`, if the model has one.
    pub fn head(&self, name: &str) -> Option<&Head> {
        self.heads.iter().find(|h| h.name == name)
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
            heads.push(Head::new(name, bias, scale, slots, weights));
        }
        if r.at != bytes.len() {
            return Err(ModelError::Format(format!(
                "{} trailing bytes",
                bytes.len() - r.at
            )));
        }
        Ok(Model { bits, heads })
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
                Head::new(name, bias, scale, slots, weights)
            })
            .collect();
        Model { bits, heads }
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
