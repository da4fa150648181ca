//! Shared helpers for the integration tests: the ThreatExchange vectors and image files.

#![allow(dead_code)] // each test binary uses its own subset

use std::path::PathBuf;

use lachan_image::Hash256;

/// `../shared/data/pdq` from the repository root.
pub fn data_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/pdq"
    ))
}

/// The bytes of a file under `images/`.
pub fn image_bytes(relative: &str) -> Vec<u8> {
    let path = data_dir().join("images").join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// One row of `vectors.tsv`.
#[derive(Debug, Clone)]
pub struct Vector {
    /// Path under `images/`.
    pub image: String,
    /// The stated hash.
    pub pdq: Hash256,
    /// The stated quality, if any.
    pub quality: Option<u8>,
    /// The whole `source` column.
    pub source: String,
}

impl Vector {
    /// The value of tag `name=` in the source column.
    pub fn tag(&self, name: &str) -> Option<&str> {
        self.source
            .split(';')
            .skip(1)
            .find_map(|t| t.strip_prefix(name).and_then(|v| v.strip_prefix('=')))
    }
}

/// All rows of `vectors.tsv`.
pub fn vectors() -> Vec<Vector> {
    let text = std::fs::read_to_string(data_dir().join("vectors.tsv")).expect("vectors.tsv");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("image\tpdq_hex\tquality\tsource"),
        "header changed"
    );
    lines
        .filter(|l| !l.is_empty())
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            assert_eq!(cols.len(), 4, "bad row {line:?}");
            Vector {
                image: cols[0].to_string(),
                pdq: Hash256::from_hex(cols[1]).expect("hex"),
                quality: (!cols[2].is_empty()).then(|| cols[2].parse().expect("quality")),
                source: cols[3].to_string(),
            }
        })
        .collect()
}
