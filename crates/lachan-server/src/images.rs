//! Image safety's engine side: the hash banks of the store held in one in-memory
//! [`BankIndex`] (loaded again whenever the store's bank generation moves), an upload hashed
//! and matched against it, the action that follows, and the hotline report filed when an
//! upload matches known child sexual abuse imagery.
//!
//! The bytes of an upload are never written anywhere: they are hashed in memory (PDQ with its
//! eight rotations and flips, and SHA-256) and dropped; only the hashes, the match and the
//! platform's own reference are kept, in a report, and only for `sexual_minors` matches.
//!
//! Policy: a match is a bank hash at Hamming distance ≤ [`MATCH_DISTANCE`] from any of the
//! upload's eight hashes. A match in a `sexual_minors`, `ncii` or `terror` bank blocks; in a
//! `custom` bank it asks for review; no match allows. An image whose quality is below
//! [`lachan_image::MIN_MATCHABLE_QUALITY`] is too featureless to match reliably: it is not
//! matched, answers `matchable: false` and is allowed (as ThreatExchange's tools discard such
//! hashes).

use std::sync::{Arc, PoisonError, RwLock};

use lachan_image::index::{HashIndex, IndexMatch};
use lachan_image::{DecodeLimits, DihedralResult, Hash256, ImageError, MATCH_DISTANCE, Transform};
use lachan_policy::Category;
use lachan_store::hotline::{ContentHash, HashKind};
use lachan_store::{
    BankCategory, Channel, ImageBank, ImageMatchDetails, NewReport, Store, StoreError,
};
use serde::{Serialize, Serializer};
use sha2::{Digest, Sha256};
use tokio::sync::{Mutex, Semaphore, SemaphorePermit};

use crate::principal::{Principal, Via};

/// Stored hashes read per page while loading the banks.
const LOAD_PAGE: u32 = 50_000;

/// Banks of at least this many hashes are searched on every core; smaller ones on one.
const PARALLEL_FROM: usize = 1 << 20;

/// Decoding may use this many bytes of memory per pixel allowed (the decoded buffer, one
/// converted copy, and 4 bytes a pixel for hashing, at 4 bytes a pixel).
const ALLOC_PER_PIXEL: u64 = 12;

/// The image-safety API's settings (`[images]` of the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageOptions {
    /// Largest upload `POST /api/v1/images/check` accepts, in bytes (the whole body, multipart
    /// framing included).
    pub max_body_bytes: usize,
    /// Most pixels (width × height) a decoded image may have; decoding may use up to 12 bytes
    /// of memory per allowed pixel. A header claiming more is refused before decoding.
    pub max_pixels: u64,
}

impl Default for ImageOptions {
    /// 20 MiB uploads, 64 million pixels (768 MiB of decoding memory at most).
    fn default() -> Self {
        ImageOptions {
            max_body_bytes: 20 << 20,
            max_pixels: 64_000_000,
        }
    }
}

impl ImageOptions {
    /// The decoder's limits for these options.
    pub fn decode_limits(&self) -> DecodeLimits {
        DecodeLimits {
            max_input_bytes: self.max_body_bytes,
            max_pixels: self.max_pixels,
            max_alloc: self.max_pixels.saturating_mul(ALLOC_PER_PIXEL),
            ..DecodeLimits::default()
        }
    }
}

/// What a platform should do with an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageAction {
    /// No bank matched (or the image is too featureless to match).
    Allow,
    /// A `custom` bank matched: a person should look.
    Review,
    /// A `sexual_minors`, `ncii` or `terror` bank matched: do not publish it.
    Block,
}

impl ImageAction {
    /// What a match in a bank of `category` calls for.
    pub fn for_bank(category: BankCategory) -> ImageAction {
        match category {
            BankCategory::SexualMinors | BankCategory::Ncii | BankCategory::Terror => {
                ImageAction::Block
            }
            BankCategory::Custom => ImageAction::Review,
        }
    }

    /// The name as answered: `allow`, `review` or `block`.
    pub fn as_str(self) -> &'static str {
        match self {
            ImageAction::Allow => "allow",
            ImageAction::Review => "review",
            ImageAction::Block => "block",
        }
    }
}

/// One bank hash an image matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BankMatch {
    /// The bank's name.
    pub bank: String,
    /// The bank's category.
    pub category: BankCategory,
    /// Hamming distance between the bank's hash and the closest of the image's eight.
    pub distance: u32,
    /// Which rotation or flip of the image came closest.
    #[serde(serialize_with = "transform_name")]
    pub transform: Transform,
    /// The bank's label of the hash, if it has one.
    pub label: Option<String>,
}

fn transform_name<S: Serializer>(t: &Transform, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(t.as_str())
}

/// An image's hashes, its matches and the action that follows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageVerdict {
    /// The PDQ hash of the image as given, 64 hex digits.
    pub pdq: String,
    /// SHA-256 of the bytes, 64 hex digits.
    pub sha256: String,
    /// PDQ quality, 0 to 100.
    pub quality: u8,
    /// Whether the quality allows matching (at least 50).
    pub matchable: bool,
    /// The bank hashes matched, closest first.
    pub matches: Vec<BankMatch>,
    /// What to do: the strongest action of the matches, `allow` without any.
    pub action: ImageAction,
}

impl ImageVerdict {
    /// The verdict on an image with these hashes, SHA-256 and matches.
    pub fn new(hashes: &DihedralResult, sha256: [u8; 32], matches: Vec<BankMatch>) -> Self {
        let action = matches
            .iter()
            .map(|m| ImageAction::for_bank(m.category))
            .max()
            .unwrap_or(ImageAction::Allow);
        ImageVerdict {
            pdq: hashes.hashes.original.to_hex(),
            sha256: hex(&sha256),
            quality: hashes.quality,
            matchable: hashes.is_matchable(),
            matches,
            action,
        }
    }
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Which bank a hash of the index belongs to, and its row in the store.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// The store's row id (for the label).
    row: i64,
    /// Position in [`BankIndex::banks`].
    bank: u32,
}

/// The hashes of some banks in memory, ready to match.
#[derive(Debug, Default)]
pub struct BankIndex {
    /// The store's bank generation when loading started (-1: never loaded).
    generation: i64,
    index: HashIndex,
    entries: Vec<Entry>,
    banks: Vec<ImageBank>,
}

impl BankIndex {
    /// Loads the hashes of `banks` (`None`: of every bank) from `store`.
    pub async fn load(store: &Store, banks: Option<Vec<ImageBank>>) -> Result<Self, StoreError> {
        let generation = store.image_bank_generation().await?;
        let (banks, only) = match banks {
            Some(banks) => {
                let ids: Vec<i64> = banks.iter().map(|b| b.id).collect();
                (banks, Some(ids))
            }
            None => (store.image_banks().await?, None),
        };
        let total: u64 = banks.iter().map(|b| b.hashes).sum();
        let capacity = usize::try_from(total)
            .unwrap_or(usize::MAX)
            .min(u32::MAX as usize);
        let mut index = HashIndex::with_capacity(capacity);
        let mut entries = Vec::with_capacity(capacity);
        let mut after = 0;
        'pages: loop {
            let page = store
                .image_bank_hashes(only.as_deref(), after, LOAD_PAGE)
                .await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            for stored in &page {
                // A bank made after the list was read is left for the next load.
                let Some(bank) = banks.iter().position(|b| b.id == stored.bank_id) else {
                    continue;
                };
                let Ok(entry) = u32::try_from(entries.len()) else {
                    tracing::error!(
                        "more than {} bank hashes; the rest are not matched",
                        u32::MAX
                    );
                    break 'pages;
                };
                index.push(Hash256::from_bytes(stored.hash), entry);
                entries.push(Entry {
                    row: stored.id,
                    bank: u32::try_from(bank).unwrap_or(u32::MAX),
                });
            }
        }
        Ok(BankIndex {
            generation,
            index,
            entries,
            banks,
        })
    }

    /// The banks loaded (with their hash counts when loading started).
    pub fn banks(&self) -> &[ImageBank] {
        &self.banks
    }

    /// Hashes held.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether no hash is held.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Approximate memory used, in bytes.
    pub fn memory_bytes(&self) -> usize {
        self.index.memory_bytes() + self.entries.capacity() * size_of::<Entry>()
    }

    /// The bank hashes within [`MATCH_DISTANCE`] of any of the image's eight hashes, closest
    /// first; none when the image is not matchable. CPU-bound: call it off the async threads
    /// for large banks.
    pub fn search(&self, hashes: &DihedralResult) -> Vec<IndexMatch> {
        if !hashes.is_matchable() || self.index.is_empty() {
            return Vec::new();
        }
        let needles: Vec<(Transform, Hash256)> = hashes.hashes.iter().collect();
        if self.index.len() >= PARALLEL_FROM {
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
            self.index
                .search_parallel(&needles, MATCH_DISTANCE, threads)
        } else {
            self.index.search(&needles, MATCH_DISTANCE)
        }
    }

    /// The matches of [`BankIndex::search`] with their banks and labels.
    pub async fn describe(
        &self,
        store: &Store,
        found: &[IndexMatch],
    ) -> Result<Vec<BankMatch>, StoreError> {
        let hits: Vec<(Entry, IndexMatch)> = found
            .iter()
            .filter_map(|m| Some((*self.entries.get(m.entry as usize)?, *m)))
            .collect();
        let rows: Vec<i64> = hits.iter().map(|(e, _)| e.row).collect();
        let mut labels = store.image_bank_labels(&rows).await?;
        Ok(hits
            .into_iter()
            .filter_map(|(entry, m)| {
                let bank = self.banks.get(entry.bank as usize)?;
                Some(BankMatch {
                    bank: bank.name.clone(),
                    category: bank.category,
                    distance: m.distance,
                    transform: m.transform,
                    label: labels.remove(&entry.row),
                })
            })
            .collect())
    }
}

/// An upload checked: the verdict, and the report filed for it, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Checked {
    /// Hashes, matches and action.
    #[serde(flatten)]
    pub verdict: ImageVerdict,
    /// The id of the hotline report filed because a `sexual_minors` bank matched; null
    /// otherwise.
    pub report: Option<i64>,
}

/// Why an upload was not checked.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CheckError {
    /// The bytes are not an image this server decodes within its limits.
    #[error(transparent)]
    Image(#[from] ImageError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The hashing task ended abnormally.
    #[error("hashing the image failed unexpectedly")]
    Hashing,
}

/// The image-safety engine as the server uses it: options, the banks in memory, and the
/// slots that bound how many uploads are held and hashed at once.
#[derive(Debug)]
pub(crate) struct ImageService {
    options: ImageOptions,
    index: Arc<RwLock<Arc<BankIndex>>>,
    /// Held by the task loading the banks, for as long as it runs.
    reloading: Arc<Mutex<()>>,
    slots: Semaphore,
}

impl ImageService {
    /// The service under `options`, with no bank loaded yet.
    pub(crate) fn new(options: ImageOptions) -> ImageService {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        ImageService {
            options,
            index: Arc::new(RwLock::new(Arc::new(BankIndex {
                generation: -1,
                ..BankIndex::default()
            }))),
            reloading: Arc::new(Mutex::new(())),
            slots: Semaphore::new(cores.max(2)),
        }
    }

    /// The options in force.
    pub(crate) fn options(&self) -> &ImageOptions {
        &self.options
    }

    /// A slot for one upload: held while its body is read and hashed, so that at most a few
    /// uploads (two, or one per core) are in memory at once; the others wait.
    pub(crate) async fn slot(&self) -> Option<SemaphorePermit<'_>> {
        self.slots.acquire().await.ok()
    }

    fn loaded(&self) -> Arc<BankIndex> {
        self.index
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The banks as the store holds them now: the loaded index, or a fresh one when the
    /// store's bank generation has moved since it was loaded. One task loads at a time, and
    /// requests arriving meanwhile wait for it; the load goes on to the end even when the
    /// request that started it gives up (a timeout), so the next request finds it done.
    pub(crate) async fn current(&self, store: &Store) -> Result<Arc<BankIndex>, StoreError> {
        let generation = store.image_bank_generation().await?;
        let loaded = self.loaded();
        if loaded.generation == generation {
            return Ok(loaded);
        }
        let one_at_a_time = self.reloading.clone().lock_owned().await;
        let loaded = self.loaded();
        if loaded.generation >= generation {
            return Ok(loaded);
        }
        let (store, slot) = (store.clone(), self.index.clone());
        let load = tokio::spawn(async move {
            let _one_at_a_time = one_at_a_time;
            let fresh = Arc::new(BankIndex::load(&store, None).await?);
            tracing::info!(
                banks = fresh.banks().len(),
                hashes = fresh.len(),
                memory_bytes = fresh.memory_bytes(),
                "image hash banks loaded"
            );
            *slot.write().unwrap_or_else(PoisonError::into_inner) = fresh.clone();
            Ok(fresh)
        });
        match load.await {
            Ok(loaded) => loaded,
            Err(error) => {
                tracing::error!(%error, "loading the image hash banks failed; the old ones stay");
                Ok(self.loaded())
            }
        }
    }

    /// Hashes `bytes` (which are dropped once hashed), matches them against the current banks,
    /// and files a report in the queue of `hotline` (channel `image_match`) when a
    /// `sexual_minors` bank matched, naming `who` and the platform's `reference`.
    pub(crate) async fn check(
        &self,
        store: &Store,
        who: &Principal,
        now_ms: i64,
        bytes: axum::body::Bytes,
        reference: Option<String>,
        hotline: &str,
    ) -> Result<Checked, CheckError> {
        let index = self.current(store).await?;
        let limits = self.options.decode_limits();
        let searched = index.clone();
        let (hashes, sha256, found) = tokio::task::spawn_blocking(move || {
            let sha256: [u8; 32] = Sha256::digest(&bytes).into();
            let hashed = lachan_image::hash_bytes(&bytes, &limits);
            drop(bytes);
            hashed.map(|hashes| {
                let found = searched.search(&hashes);
                (hashes, sha256, found)
            })
        })
        .await
        .map_err(|_| CheckError::Hashing)??;
        let matches = index.describe(store, &found).await?;
        let verdict = ImageVerdict::new(&hashes, sha256, matches);
        let report = match verdict
            .matches
            .iter()
            .filter(|m| m.category == BankCategory::SexualMinors)
            .min_by_key(|m| m.distance)
        {
            Some(worst) => {
                let report = hotline_report(&verdict, worst, who, now_ms, reference, hotline);
                let id = store.file_report(&report).await?.id;
                tracing::warn!(
                    report = id,
                    bank = %worst.bank,
                    distance = worst.distance,
                    reporter = %who.actor,
                    "an upload matched known child sexual abuse imagery; report filed"
                );
                Some(id)
            }
            None => None,
        };
        Ok(Checked { verdict, report })
    }
}

/// The report for the queue of `hotline` of an upload that matched `worst`, a `sexual_minors`
/// bank hash: the hashes and the match, never the image.
fn hotline_report(
    verdict: &ImageVerdict,
    worst: &BankMatch,
    who: &Principal,
    now_ms: i64,
    reference: Option<String>,
    hotline: &str,
) -> NewReport {
    NewReport {
        reporter: Some(who.actor.clone()),
        token_id: match &who.via {
            Via::Token { id, .. } => Some(*id),
            Via::Session { .. } => None,
        },
        platform_reference: reference,
        pdq: Some(verdict.pdq.clone()),
        sha256: Some(verdict.sha256.clone()),
        image_match: Some(ImageMatchDetails {
            bank: worst.bank.clone(),
            bank_label: worst.label.clone(),
            distance: worst.distance,
            transform: worst.transform.as_str().to_string(),
        }),
        subtype: Some(lachan_hotline::Subtype::Csam),
        hashes: vec![
            ContentHash {
                kind: HashKind::Pdq,
                value: verdict.pdq.clone(),
            },
            ContentHash {
                kind: HashKind::Sha256,
                value: verdict.sha256.clone(),
            },
        ],
        content_type: Some("image".to_string()),
        ..NewReport::new(now_ms, hotline, Channel::ImageMatch, Category::SexualMinors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_strongest_match_decides() {
        let hashes = DihedralResult {
            hashes: lachan_image::Dihedral {
                original: Hash256::ZERO,
                rotate90: Hash256::ZERO,
                rotate180: Hash256::ZERO,
                rotate270: Hash256::ZERO,
                flip_x: Hash256::ZERO,
                flip_y: Hash256::ZERO,
                flip_plus1: Hash256::ZERO,
                flip_minus1: Hash256::ZERO,
            },
            quality: 80,
        };
        let of = |category| BankMatch {
            bank: "b".into(),
            category,
            distance: 3,
            transform: Transform::Original,
            label: None,
        };
        let verdict = |m: Vec<BankMatch>| ImageVerdict::new(&hashes, [0; 32], m).action;
        assert_eq!(verdict(vec![]), ImageAction::Allow);
        assert_eq!(verdict(vec![of(BankCategory::Custom)]), ImageAction::Review);
        for category in [
            BankCategory::SexualMinors,
            BankCategory::Ncii,
            BankCategory::Terror,
        ] {
            assert_eq!(
                verdict(vec![of(BankCategory::Custom), of(category)]),
                ImageAction::Block
            );
        }
    }

    #[test]
    fn decode_limits_follow_the_options() {
        let limits = ImageOptions::default().decode_limits();
        assert_eq!(limits.max_input_bytes, 20 << 20);
        assert_eq!(limits.max_pixels, 64_000_000);
        assert_eq!(limits.max_alloc, 768_000_000);
        let small = ImageOptions {
            max_body_bytes: 1000,
            max_pixels: 10_000,
        }
        .decode_limits();
        assert_eq!(small.max_alloc, 120_000);
    }
}
