//! Pure helpers to score the classifier against labelled messages: per-category and "any harm"
//! precision, recall, F1 and false-positive rate. No I/O: callers read the files.

use std::collections::BTreeMap;

use lachan_policy::Category;
use serde::Serialize;

/// The eleven labels of the development set (and of the held-out set written in its schema), in
/// its README's order; [`label_category`] names the category of each.
pub const DATA_LABELS: &[&str] = &[
    "sexual",
    "sexual_minors",
    "grooming",
    "sextortion",
    "self_harm",
    "bullying",
    "violence",
    "gambling",
    "drugs",
    "scam",
    "hate",
];

/// The category a label of the development set names: its `sexual` is the taxonomy's `adult`;
/// other labels are category names.
pub fn label_category(label: &str) -> Option<Category> {
    match label {
        "sexual" => Some(Category::Adult),
        other => other.parse().ok(),
    }
}

/// A confusion matrix for one yes/no decision.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Predicted yes, truly yes.
    pub tp: u32,
    /// Predicted yes, truly no.
    pub fp: u32,
    /// Predicted no, truly yes.
    pub fn_: u32,
    /// Predicted no, truly no.
    pub tn: u32,
}

impl Counts {
    /// Adds one decision.
    pub fn add(&mut self, truth: bool, predicted: bool) {
        match (truth, predicted) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (true, false) => self.fn_ += 1,
            (false, false) => self.tn += 1,
        }
    }

    /// tp / (tp + fp); 0 when nothing was predicted.
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }

    /// tp / (tp + fn); 0 when nothing is truly yes.
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }

    /// The harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }

    /// fp / (fp + tn): how often a truly-no item is flagged.
    pub fn fpr(&self) -> f64 {
        ratio(self.fp, self.fp + self.tn)
    }

    /// How many items are truly yes.
    pub fn support(&self) -> u32 {
        self.tp + self.fn_
    }
}

fn ratio(a: u32, b: u32) -> f64 {
    if b == 0 {
        0.0
    } else {
        f64::from(a) / f64::from(b)
    }
}

/// Precision, recall, F1 and false-positive rate of "any harm".
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AnyScores {
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1.
    pub f1: f64,
    /// False-positive rate on the harmless items.
    pub fpr: f64,
}

/// Precision, recall, F1 and support of one category.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CategoryScores {
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1.
    pub f1: f64,
    /// Items truly in the category.
    pub support: u32,
}

/// The report of `lachan eval messages --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageReport {
    /// Any harm: an item is harmful if it has any label among the evaluated categories.
    pub any: AnyScores,
    /// Per evaluated category.
    pub categories: BTreeMap<Category, CategoryScores>,
}

/// Confusion matrices for labelled messages, per category and for "any harm".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MessageCounts {
    /// Any harm.
    pub any: Counts,
    /// Per category.
    pub categories: BTreeMap<Category, Counts>,
}

impl MessageCounts {
    /// Counts for `evaluated` categories (predictions outside them are ignored: the labels say
    /// nothing about them).
    pub fn new(evaluated: &[Category]) -> MessageCounts {
        MessageCounts {
            any: Counts::default(),
            categories: evaluated.iter().map(|&c| (c, Counts::default())).collect(),
        }
    }

    /// Adds one message with its true labels and the categories the classifier flagged.
    pub fn add(&mut self, truth: &[Category], predicted: &[Category]) {
        let mut any_truth = false;
        let mut any_predicted = false;
        for (c, counts) in &mut self.categories {
            let t = truth.contains(c);
            let p = predicted.contains(c);
            any_truth |= t;
            any_predicted |= p;
            counts.add(t, p);
        }
        self.any.add(any_truth, any_predicted);
    }

    /// The scores, in the shape of `lachan eval messages --json`.
    pub fn report(&self) -> MessageReport {
        MessageReport {
            any: AnyScores {
                precision: self.any.precision(),
                recall: self.any.recall(),
                f1: self.any.f1(),
                fpr: self.any.fpr(),
            },
            categories: self
                .categories
                .iter()
                .map(|(&c, k)| {
                    (
                        c,
                        CategoryScores {
                            precision: k.precision(),
                            recall: k.recall(),
                            f1: k.f1(),
                            support: k.support(),
                        },
                    )
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_report() {
        let mut m = MessageCounts::new(&[Category::Gambling, Category::Drugs]);
        m.add(&[Category::Gambling], &[Category::Gambling]);
        m.add(&[Category::Drugs], &[]);
        m.add(&[], &[Category::Drugs]);
        m.add(&[], &[Category::Profanity]);
        m.add(&[], &[]);
        let r = m.report();
        assert_eq!(
            m.any,
            Counts {
                tp: 1,
                fp: 1,
                fn_: 1,
                tn: 2
            }
        );
        assert!((r.any.precision - 0.5).abs() < 1e-9);
        assert!((r.any.fpr - 1.0 / 3.0).abs() < 1e-9);
        assert_eq!(r.categories[&Category::Drugs].support, 1);
        assert_eq!(r.categories[&Category::Drugs].f1, 0.0);
        assert_eq!(label_category("sexual"), Some(Category::Adult));
        assert_eq!(label_category("self_harm"), Some(Category::SelfHarm));
    }
}
