//! The 256-bit PDQ hash value: bit order, hex form and Hamming distance.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

/// A 256-bit PDQ hash.
///
/// Bit `k` (0..256) is the reference's bit `k`: the DCT coefficient at row `k / 16`, column
/// `k % 16` of the 16×16 block. The hex form is the reference's `Hash256::format()`: the 256-bit
/// number with bit `k` worth `2^k`, written big-endian as 64 lowercase hex digits. The four
/// words here hold that number most significant word first, so the words are in hex order.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Hash256(pub [u64; 4]);

/// Why a text is not a PDQ hash.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HexError {
    /// The text is not 64 characters long.
    #[error("a PDQ hash is 64 hex digits, this one has {0} characters: paste the whole hash")]
    Length(usize),
    /// A character is not a hex digit.
    #[error("a PDQ hash is made of hex digits 0-9 and a-f; character {0} is not one")]
    Digit(usize),
}

impl Hash256 {
    /// The hash with no bit set (the reference's result for images under 5 pixels a side).
    pub const ZERO: Hash256 = Hash256([0; 4]);

    /// Whether bit `k` (0..256, reference numbering) is set; bits past 255 wrap like the reference.
    pub fn bit(&self, k: usize) -> bool {
        let k = k & 255;
        self.0[3 - k / 64] >> (k % 64) & 1 == 1
    }

    /// Sets bit `k` (0..256, reference numbering); bits past 255 wrap like the reference.
    pub fn set_bit(&mut self, k: usize) {
        let k = k & 255;
        self.0[3 - k / 64] |= 1 << (k % 64);
    }

    /// Number of differing bits between two hashes (0..=256).
    pub fn hamming(&self, other: &Hash256) -> u32 {
        self.0
            .iter()
            .zip(other.0.iter())
            .map(|(a, b)| (a ^ b).count_ones())
            .sum()
    }

    /// The 32 bytes in hex order (big-endian), as stored by hash lists in binary form.
    pub fn to_bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (chunk, word) in out.chunks_exact_mut(8).zip(self.0.iter()) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
        out
    }

    /// The hash from its 32 bytes in hex order (big-endian).
    pub fn from_bytes(bytes: [u8; 32]) -> Hash256 {
        let mut words = [0u64; 4];
        for (word, chunk) in words.iter_mut().zip(bytes.chunks_exact(8)) {
            let mut eight = [0u8; 8];
            eight.copy_from_slice(chunk);
            *word = u64::from_be_bytes(eight);
        }
        Hash256(words)
    }

    /// The 64 lowercase hex digits of the reference's format.
    pub fn to_hex(&self) -> String {
        self.to_string()
    }

    /// Parses 64 hex digits (either case), as the reference's `Hash256(const char*)` does.
    pub fn from_hex(text: &str) -> Result<Hash256, HexError> {
        let bytes = text.as_bytes();
        if bytes.len() != 64 {
            return Err(HexError::Length(text.chars().count()));
        }
        let mut words = [0u64; 4];
        for (i, &c) in bytes.iter().enumerate() {
            let nibble = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                b'A'..=b'F' => c - b'A' + 10,
                _ => return Err(HexError::Digit(i + 1)),
            };
            words[i / 16] = words[i / 16] << 4 | u64::from(nibble);
        }
        Ok(Hash256(words))
    }
}

impl fmt::Display for Hash256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for word in &self.0 {
            write!(f, "{word:016x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Hash256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash256({self})")
    }
}

impl FromStr for Hash256 {
    type Err = HexError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Hash256::from_hex(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BRIDGE: &str = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";

    #[test]
    fn hex_round_trips_and_accepts_upper_case() {
        let h = Hash256::from_hex(BRIDGE).unwrap();
        assert_eq!(h.to_hex(), BRIDGE);
        assert_eq!(Hash256::from_hex(&BRIDGE.to_uppercase()).unwrap(), h);
        assert_eq!(Hash256::from_bytes(h.to_bytes()), h);
        assert_eq!(h.to_bytes()[0], 0xf8);
        assert_eq!(h.to_bytes()[31], 0x22);
    }

    #[test]
    fn bit_numbering_follows_the_reference_words() {
        // Reference: bit k lives in 16-bit word k/16 at position k%16, and word 15 is printed
        // first. So bit 0 is the lowest bit of the last hex digit, bit 255 the highest of the first.
        let mut h = Hash256::ZERO;
        h.set_bit(0);
        assert_eq!(&h.to_hex()[60..], "0001");
        let mut h = Hash256::ZERO;
        h.set_bit(255);
        assert_eq!(&h.to_hex()[..4], "8000");
        let mut h = Hash256::ZERO;
        h.set_bit(17); // word 1, bit 1: fourth group from the end
        assert_eq!(&h.to_hex()[56..60], "0002");
        assert!(h.bit(17) && !h.bit(16));
    }

    #[test]
    fn hamming_counts_differing_bits() {
        let a = Hash256::from_hex(BRIDGE).unwrap();
        let mut b = a;
        assert_eq!(a.hamming(&b), 0);
        b.0[0] ^= 0b1011;
        b.0[3] ^= 1 << 63;
        assert_eq!(a.hamming(&b), 4);
        assert_eq!(Hash256::ZERO.hamming(&Hash256([u64::MAX; 4])), 256);
    }

    #[test]
    fn bad_text_is_refused_with_its_reason() {
        assert_eq!(Hash256::from_hex("abc"), Err(HexError::Length(3)));
        let mut bad = BRIDGE.to_string();
        bad.replace_range(9..10, "g");
        assert_eq!(Hash256::from_hex(&bad), Err(HexError::Digit(10)));
        let non_ascii = format!("é{}", &BRIDGE[2..]);
        assert!(Hash256::from_hex(&non_ascii).is_err());
    }
}
