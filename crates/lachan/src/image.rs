//! `lachan image hash|match|bank`: PDQ hashes of image files, the hash banks in the store
//! (import from hex or CSV files, list, remove), and files matched against the banks with the
//! same matching and action as `POST /api/v1/images/check`.

mod bank_file;

use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use lachan_image::{DecodeLimits, DihedralResult, MIN_MATCHABLE_QUALITY};
use lachan_server::{BankIndex, ImageVerdict};
use lachan_store::{BankCategory, NewBankHash, Store};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

pub use bank_file::BankFormat;
use bank_file::{BankLines, Line};

/// Hashes added to the store per transaction while importing.
const IMPORT_BATCH: usize = 100_000;

/// Bad lines of a bank file shown one by one; the rest are counted.
const BAD_LINES_SHOWN: u64 = 20;

/// Reads an image file, refusing one larger than the decoder accepts.
fn read_image(path: &Path, limits: &DecodeLimits) -> Result<Vec<u8>> {
    let file = std::fs::File::open(path).context("cannot open the file")?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        bail!("it is a directory, not an image file");
    }
    let mut bytes = Vec::new();
    file.take(limits.max_input_bytes as u64 + 1)
        .read_to_end(&mut bytes)
        .context("cannot read the file")?;
    Ok(bytes)
}

/// Reads and hashes one file.
fn hash_file(path: &Path, limits: &DecodeLimits) -> Result<(Vec<u8>, DihedralResult)> {
    let bytes = read_image(path, limits)?;
    let hashes = lachan_image::hash_bytes(&bytes, limits)?;
    Ok((bytes, hashes))
}

/// How the quality reads: `100`, or `36 (below 50: not matchable)`.
fn quality_text(quality: u8) -> String {
    if quality < MIN_MATCHABLE_QUALITY {
        format!("{quality} (below {MIN_MATCHABLE_QUALITY}: not matchable)")
    } else {
        quality.to_string()
    }
}

/// The error line of a file that could not be hashed, in the `--json` form.
fn error_json(path: &Path, error: &anyhow::Error) -> Value {
    json!({"path": path.display().to_string(), "error": format!("{error:#}")})
}

/// Ends a command over several files: an error naming how many failed, if any did.
fn failures(failed: usize, total: usize) -> Result<()> {
    if failed > 0 {
        bail!("{failed} of {total} files could not be read as images");
    }
    Ok(())
}

/// `lachan image hash FILE... [--json]`: each file's PDQ hash, quality and eight transforms.
pub fn hash(files: &[PathBuf], json: bool) -> Result<()> {
    let limits = DecodeLimits::default();
    let mut failed = 0;
    for path in files {
        match hash_file(path, &limits) {
            Ok((_, hashes)) if json => {
                let transforms: Map<String, Value> = hashes
                    .hashes
                    .iter()
                    .map(|(t, h)| (t.as_str().to_string(), Value::String(h.to_hex())))
                    .collect();
                let line = json!({
                    "path": path.display().to_string(),
                    "pdq": hashes.hashes.original.to_hex(),
                    "quality": hashes.quality,
                    "matchable": hashes.is_matchable(),
                    "transforms": transforms,
                });
                println!("{line}");
            }
            Ok((_, hashes)) => {
                println!("{}", path.display());
                println!(
                    "  pdq {}  quality {}",
                    hashes.hashes.original,
                    quality_text(hashes.quality)
                );
                for (t, h) in hashes.hashes.iter() {
                    println!("  {:<11} {h}", t.as_str());
                }
            }
            Err(error) => {
                failed += 1;
                if json {
                    println!("{}", error_json(path, &error));
                } else {
                    eprintln!("lachan: {}: {error:#}", path.display());
                }
            }
        }
    }
    failures(failed, files.len())
}

/// `lachan image match FILE... [--bank NAME]... [--json]`: each file's matches in the banks
/// named (all banks when none is) and the action, as the API decides it.
pub async fn match_files(
    store: &Store,
    files: &[PathBuf],
    banks: &[String],
    json: bool,
) -> Result<()> {
    let stored = store.image_banks().await?;
    if stored.is_empty() {
        bail!(
            "no hash bank is stored yet: import one with `lachan image bank import NAME --category CATEGORY FILE`"
        );
    }
    let chosen =
        if banks.is_empty() {
            stored
        } else {
            banks
                .iter()
                .map(|name| {
                    stored.iter().find(|b| &b.name == name).cloned().ok_or_else(|| {
                    anyhow!("no hash bank is named '{name}': `lachan image bank list` shows them")
                })
                })
                .collect::<Result<Vec<_>>>()?
        };
    let index = BankIndex::load(store, Some(chosen)).await?;
    let limits = DecodeLimits::default();
    let mut failed = 0;
    for path in files {
        let (bytes, hashes) = match hash_file(path, &limits) {
            Ok(hashed) => hashed,
            Err(error) => {
                failed += 1;
                if json {
                    println!("{}", error_json(path, &error));
                } else {
                    eprintln!("lachan: {}: {error:#}", path.display());
                }
                continue;
            }
        };
        let sha256: [u8; 32] = Sha256::digest(&bytes).into();
        let found = index.search(&hashes);
        let matches = index.describe(store, &found).await?;
        let verdict = ImageVerdict::new(&hashes, sha256, matches);
        if json {
            let mut line = json!({"path": path.display().to_string()});
            if let (Value::Object(line), Value::Object(fields)) =
                (&mut line, serde_json::to_value(&verdict)?)
            {
                line.extend(fields);
            }
            println!("{line}");
        } else {
            print_verdict(path, &verdict);
        }
    }
    failures(failed, files.len())
}

fn print_verdict(path: &Path, verdict: &ImageVerdict) {
    let why = if !verdict.matchable {
        format!(
            " — quality {} is below {MIN_MATCHABLE_QUALITY}: not matched",
            verdict.quality
        )
    } else if verdict.matches.is_empty() {
        " — no match".to_string()
    } else {
        String::new()
    };
    println!("{}: {}{why}", path.display(), verdict.action.as_str());
    println!("  pdq {}  quality {}", verdict.pdq, verdict.quality);
    for m in &verdict.matches {
        println!(
            "  match  {}  [{}]  distance {:>2}  {:<10}  {}",
            m.bank,
            m.category,
            m.distance,
            m.transform.as_str(),
            m.label.as_deref().unwrap_or("")
        );
    }
}

/// What an import did.
#[derive(Debug, Default)]
struct Imported {
    /// Hashes read from the file.
    read: u64,
    /// Hashes the bank did not hold yet.
    added: u64,
    /// Lines that were not hashes.
    bad: u64,
}

/// `lachan image bank import NAME --category C FILE [--format hex|csv] [--source TEXT]`.
pub async fn bank_import(
    store: &Store,
    name: &str,
    category: BankCategory,
    file: &Path,
    format: BankFormat,
    source: Option<String>,
) -> Result<()> {
    let started = Instant::now();
    let opened = std::fs::File::open(file)
        .with_context(|| format!("cannot open the bank file {}", file.display()))?;
    let source = source.unwrap_or_else(|| format!("imported from {}", file.display()));
    let bank = store
        .open_image_bank(name, category, Some(&source), now_ms())
        .await?;
    let was_empty = bank.hashes == 0;
    let mut done = Imported::default();
    let read = read_into(
        store,
        bank.id,
        file,
        BankLines::new(BufReader::new(opened), format),
        &mut done,
    )
    .await;
    store.finish_image_bank_import(bank.id, now_ms()).await?;
    if let Err(error) = read {
        return Err(error.context(format!(
            "reading {} stopped after {} hashes were added to bank '{name}'; run the import again \
             to add the rest (hashes already there are skipped)",
            file.display(),
            done.added
        )));
    }
    if done.read == 0 {
        if was_empty {
            store.remove_image_bank(name).await?;
        }
        bail!(
            "no line of {} is a hash ({} bad lines): nothing was imported; is it a {} file?",
            file.display(),
            done.bad,
            match format {
                BankFormat::Hex => "--format csv",
                BankFormat::Csv => "--format hex",
            }
        );
    }
    let now_holds = store.image_bank(name).await?.map_or(0, |b| b.hashes);
    println!(
        "Bank {name} ({category}): {} hashes read, {} added, {} already in the bank, {} bad \
         lines skipped; it holds {now_holds} hashes ({:.1} s).",
        done.read,
        done.added,
        done.read - done.added,
        done.bad,
        started.elapsed().as_secs_f64()
    );
    println!("A running `lachan serve` matches against them from its next image check.");
    Ok(())
}

/// Adds the hashes of `lines` to bank `bank_id` in batches, counting into `done` and telling
/// the first bad lines on standard error.
async fn read_into<R: std::io::BufRead>(
    store: &Store,
    bank_id: i64,
    file: &Path,
    lines: BankLines<R>,
    done: &mut Imported,
) -> Result<()> {
    let mut batch = Vec::with_capacity(IMPORT_BATCH);
    for line in lines {
        match line {
            Ok(Line::Hash { hash, label }) => {
                done.read += 1;
                batch.push(NewBankHash {
                    hash: hash.to_bytes(),
                    label,
                });
                if batch.len() == IMPORT_BATCH {
                    done.added += store.add_image_bank_hashes(bank_id, &batch).await?;
                    batch.clear();
                }
            }
            Ok(Line::Bad { line, reason }) => {
                done.bad += 1;
                if done.bad <= BAD_LINES_SHOWN {
                    eprintln!("{}:{line}: skipped: {reason}", file.display());
                }
            }
            Ok(Line::Header { line, text }) => {
                eprintln!("{}:{line}: header skipped: {text}", file.display());
            }
            Err(error) => {
                done.added += store.add_image_bank_hashes(bank_id, &batch).await?;
                return Err(error.into());
            }
        }
    }
    if done.bad > BAD_LINES_SHOWN {
        eprintln!(
            "{}: … and {} more bad lines skipped",
            file.display(),
            done.bad - BAD_LINES_SHOWN
        );
    }
    done.added += store.add_image_bank_hashes(bank_id, &batch).await?;
    Ok(())
}

/// `lachan image bank list [--json]`.
pub async fn bank_list(store: &Store, json: bool) -> Result<()> {
    let banks = store.image_banks().await?;
    if json {
        for bank in &banks {
            println!("{}", serde_json::to_string(bank)?);
        }
        return Ok(());
    }
    if banks.is_empty() {
        println!(
            "No hash bank yet: `lachan image bank import NAME --category CATEGORY FILE` adds one."
        );
        return Ok(());
    }
    println!(
        "{:<24}  {:<13}  {:>10}  {:<20}  SOURCE",
        "NAME", "CATEGORY", "HASHES", "UPDATED"
    );
    for bank in &banks {
        let updated = jiff::Timestamp::from_millisecond(bank.updated_ms)
            .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default();
        println!(
            "{:<24}  {:<13}  {:>10}  {:<20}  {}",
            bank.name,
            bank.category,
            bank.hashes,
            updated,
            bank.source.as_deref().unwrap_or("")
        );
    }
    Ok(())
}

/// `lachan image bank remove NAME`.
pub async fn bank_remove(store: &Store, name: &str) -> Result<()> {
    match store.remove_image_bank(name).await? {
        Some(hashes) => {
            println!("Bank {name} removed with its {hashes} hashes.");
            Ok(())
        }
        None => bail!("no hash bank is named '{name}': `lachan image bank list` shows them"),
    }
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}
