//! Trains the classifier's statistical model and writes `data/model.bin`.
//!
//! ```text
//! cargo run --release -p lachan-text --example train
//! ```
//!
//! Data (MIT-licensed, in `../shared/data/text/`, see its README): ViHOS train (a comment is
//! offensive when it has spans) and Davidson et al. 2017 (class 0 hate, 1 offensive, 2 neither).
//! The dev set of the project is never read here: it is for evaluation. Two heads, logistic
//! regression with AdaGrad on hashed word unigrams and bigrams of the normalised text (folded, and
//! accented where words have diacritics):
//!
//! - `offensive`: ViHOS spans, Davidson hate or offensive;
//! - `hate`: Davidson hate against the rest, clean ViHOS comments as negatives.
//!
//! ViHOS comments are also trained typed without diacritics. Every (data set, label) group weighs
//! the same in the loss. One Davidson tweet in ten is held
//! out and scored, with ViHOS dev, after training. The run is deterministic.

use std::error::Error;
use std::path::PathBuf;

use lachan_text::classify::model::{self, Feature, Model};
use lachan_text::normalize::{Normalized, strip_diacritics};

/// Hash space: large, so that few features share a slot; only `KEEP` weights per head are stored.
const BITS: u8 = 22;
/// Weights kept per head (5 bytes each in the file).
const KEEP: usize = 50_000;
/// Features seen in fewer training texts are not learned (they would only memorise).
const MIN_COUNT: u32 = 2;
const EPOCHS: usize = 4;
const LEARNING_RATE: f32 = 0.05;
const L2: f32 = 1e-5;
const HEADS: [&str; 2] = ["offensive", "hate"];

/// One training text: its features and, per head, its label if it has one.
struct Example {
    slots: Vec<u32>,
    labels: [Option<bool>; 2],
    group: usize,
}

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/text")
}

fn slots(text: &str, buf: &mut Vec<Feature>) -> Option<Vec<u32>> {
    let n = Normalized::new(text).ok()?;
    model::features(&n.accented, &n.folded, BITS, buf);
    Some(buf.iter().map(|f| f.slot).collect())
}

/// ViHOS rows: (content, offensive).
fn vihos(split: &str) -> Result<Vec<(String, bool)>, Box<dyn Error>> {
    let path = data_dir().join("vihos").join(format!("{split}.csv"));
    let mut rows = Vec::new();
    for r in csv::Reader::from_path(&path)?.records() {
        let r = r?;
        let content = r.get(1).ok_or("ViHOS row without content")?.to_owned();
        let spans = r.get(2).ok_or("ViHOS row without index_spans")?.trim();
        rows.push((content, spans != "[]"));
    }
    Ok(rows)
}

/// Davidson rows: (tweet without retweet marks, mentions and links, class).
fn davidson() -> Result<Vec<(String, u8)>, Box<dyn Error>> {
    let path = data_dir().join("davidson/labeled_data.csv");
    let mut rows = Vec::new();
    for r in csv::Reader::from_path(&path)?.records() {
        let r = r?;
        let class: u8 = r.get(5).ok_or("Davidson row without class")?.parse()?;
        let tweet = r.get(6).ok_or("Davidson row without tweet")?;
        rows.push((clean_tweet(tweet), class));
    }
    Ok(rows)
}

fn clean_tweet(t: &str) -> String {
    let t = t
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'");
    t.split_whitespace()
        .filter(|w| {
            !(w.starts_with('@') || w.starts_with("http") || *w == "RT" || w.starts_with("&#"))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A small deterministic random generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n as u64) as usize
    }
}

fn train(examples: &[Example], group_weight: &[[f32; 2]]) -> Vec<(f32, Vec<f32>)> {
    let slots = 1usize << BITS;
    let mut heads: Vec<(f32, Vec<f32>, f32, Vec<f32>)> = (0..HEADS.len())
        .map(|_| (0.0, vec![0.0; slots], 1e-8, vec![1e-8; slots]))
        .collect();
    let mut order: Vec<usize> = (0..examples.len()).collect();
    let mut rng = Rng(0x1a2b_3c4d_5e6f_7081);
    for epoch in 0..EPOCHS {
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i + 1));
        }
        let mut loss = [0f64; 2];
        for &i in &order {
            let ex = &examples[i];
            for (h, (bias, w, bias_g, g)) in heads.iter_mut().enumerate() {
                let Some(label) = ex.labels[h] else { continue };
                let weight = group_weight[ex.group][h];
                let z = *bias + ex.slots.iter().map(|&s| w[s as usize]).sum::<f32>();
                let p = model::sigmoid(z);
                let y = if label { 1.0 } else { 0.0 };
                loss[h] -=
                    f64::from(weight) * f64::from(if label { p } else { 1.0 - p }).max(1e-7).ln();
                let grad = weight * (p - y);
                *bias_g += grad * grad;
                *bias -= LEARNING_RATE * grad / bias_g.sqrt();
                for &s in &ex.slots {
                    let s = s as usize;
                    let gs = grad + L2 * w[s];
                    g[s] += gs * gs;
                    w[s] -= LEARNING_RATE * gs / g[s].sqrt();
                }
            }
        }
        println!(
            "epoch {epoch}: weighted loss offensive {:.1}, hate {:.1}",
            loss[0], loss[1]
        );
    }
    heads.into_iter().map(|(b, w, _, _)| (b, w)).collect()
}

/// Precision, recall, F1 of a head at probability 0.5 on (slots, label) pairs.
fn score(m: &Model, head: &str, items: &[(Vec<u32>, bool)]) -> (f64, f64, f64) {
    let Some(h) = m.head(head) else {
        return (0.0, 0.0, 0.0);
    };
    let (mut tp, mut fp, mut fnn) = (0f64, 0f64, 0f64);
    for (slots, label) in items {
        let f: Vec<Feature> = slots
            .iter()
            .map(|&slot| Feature { slot, words: 0..0 })
            .collect();
        let predicted = h.probability(&f) >= 0.5;
        match (label, predicted) {
            (true, true) => tp += 1.0,
            (false, true) => fp += 1.0,
            (true, false) => fnn += 1.0,
            _ => {}
        }
    }
    let p = tp / (tp + fp).max(1.0);
    let r = tp / (tp + fnn).max(1.0);
    (
        p,
        r,
        if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        },
    )
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut buf = Vec::new();
    let mut examples = Vec::new();
    // Groups: 0 ViHOS clean, 1 ViHOS offensive, 2 Davidson neither, 3 offensive, 4 hate.
    for (text, offensive) in vihos("train")? {
        let hate = if offensive { None } else { Some(false) };
        // The comment as written, and typed without diacritics: folded words that are ordinary
        // once the marks are gone ("ngủ" → "ngu") then weigh what they really mean.
        let stripped = strip_diacritics(&text);
        let copies = if stripped == text {
            vec![text]
        } else {
            vec![text, stripped]
        };
        for copy in copies {
            if let Some(slots) = slots(&copy, &mut buf) {
                examples.push(Example {
                    slots,
                    labels: [Some(offensive), hate],
                    group: usize::from(offensive),
                });
            }
        }
    }
    let mut held_out: Vec<(Vec<u32>, u8)> = Vec::new();
    for (i, (text, class)) in davidson()?.into_iter().enumerate() {
        let Some(slots) = slots(&text, &mut buf) else {
            continue;
        };
        if i % 10 == 0 {
            held_out.push((slots, class));
            continue;
        }
        examples.push(Example {
            slots,
            labels: [Some(class < 2), Some(class == 0)],
            group: 4 - usize::from(class),
        });
    }
    // Each (group, head) with labels gets the same total weight.
    let mut counts = [[0f32; 2]; 5];
    for ex in &examples {
        for (count, label) in counts[ex.group].iter_mut().zip(ex.labels) {
            if label.is_some() {
                *count += 1.0;
            }
        }
    }
    let total = examples.len() as f32;
    let groups_with = |h: usize| counts.iter().filter(|c| c[h] > 0.0).count() as f32;
    let groups = [groups_with(0), groups_with(1)];
    let group_weight: Vec<[f32; 2]> = counts
        .iter()
        .map(|c| {
            let w = |h: usize| {
                if c[h] > 0.0 {
                    total / (groups[h] * c[h])
                } else {
                    0.0
                }
            };
            [w(0), w(1)]
        })
        .collect();
    // Drop rare features.
    let mut seen = std::collections::HashMap::<u32, u32>::new();
    for ex in &examples {
        for &s in &ex.slots {
            *seen.entry(s).or_default() += 1;
        }
    }
    for ex in &mut examples {
        ex.slots.retain(|s| seen[s] >= MIN_COUNT);
    }
    println!(
        "{} training texts, {} features ({} seen at least {MIN_COUNT} times), {} Davidson tweets held out",
        examples.len(),
        seen.len(),
        seen.values().filter(|&&n| n >= MIN_COUNT).count(),
        held_out.len()
    );

    let trained = train(&examples, &group_weight);
    let model = Model::quantise(
        BITS,
        HEADS
            .iter()
            .zip(trained)
            .map(|(n, (b, w))| ((*n).to_owned(), b, w))
            .collect(),
        KEEP,
    );

    let dev: Vec<(Vec<u32>, bool)> = vihos("dev")?
        .into_iter()
        .filter_map(|(t, o)| slots(&t, &mut buf).map(|s| (s, o)))
        .collect();
    let (p, r, f) = score(&model, "offensive", &dev);
    println!("ViHOS dev, offensive: precision {p:.3} recall {r:.3} F1 {f:.3}");
    let offensive: Vec<_> = held_out.iter().map(|(s, c)| (s.clone(), *c < 2)).collect();
    let (p, r, f) = score(&model, "offensive", &offensive);
    println!("Davidson held out, offensive: precision {p:.3} recall {r:.3} F1 {f:.3}");
    let hate: Vec<_> = held_out.iter().map(|(s, c)| (s.clone(), *c == 0)).collect();
    let (p, r, f) = score(&model, "hate", &hate);
    println!("Davidson held out, hate: precision {p:.3} recall {r:.3} F1 {f:.3}");

    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/model.bin");
    let bytes = model.to_bytes();
    std::fs::write(&out, &bytes)?;
    println!("wrote {} ({} bytes)", out.display(), bytes.len());
    Ok(())
}
