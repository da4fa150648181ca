//! Conversation-level detection metrics: precision, recall, F0.5, false-positive rate and
//! early-detection delay, from labelled outcomes. Pure: the caller runs the analyser.

use serde::Serialize;

/// What happened on one labelled conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// The label: grooming (true) or benign.
    pub grooming: bool,
    /// For grooming: the index of the first message at which a careful moderator would worry.
    pub first_risk_index: Option<usize>,
    /// The index of the first message that raised an alert, if any.
    pub first_alert_index: Option<usize>,
}

/// Metrics over a set of conversations (a conversation is flagged when it raised any alert).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Metrics {
    /// Grooming conversations flagged.
    pub true_positives: usize,
    /// Benign conversations flagged.
    pub false_positives: usize,
    /// Grooming conversations not flagged.
    pub false_negatives: usize,
    /// Benign conversations not flagged.
    pub true_negatives: usize,
    /// Flagged conversations that are grooming (0 when none is flagged).
    pub precision: f64,
    /// Grooming conversations flagged (0 when there is none).
    pub recall: f64,
    /// F-beta with beta = 0.5 (precision weighs more than recall).
    pub f05: f64,
    /// Benign conversations flagged (0 when there is none).
    pub fpr: f64,
    /// Median of (first alert index − first risk index) over flagged grooming conversations
    /// that have a first risk index; negative when the alert came earlier. `None` when no
    /// such conversation.
    pub median_delay: Option<f64>,
}

/// Computes [`Metrics`] from outcomes.
pub fn compute(outcomes: &[Outcome]) -> Metrics {
    let mut tp = 0;
    let mut fp = 0;
    let mut fn_ = 0;
    let mut tn = 0;
    let mut delays = Vec::new();
    for o in outcomes {
        match (o.grooming, o.first_alert_index) {
            (true, Some(alert)) => {
                tp += 1;
                if let Some(risk) = o.first_risk_index {
                    delays.push(alert as f64 - risk as f64);
                }
            }
            (true, None) => fn_ += 1,
            (false, Some(_)) => fp += 1,
            (false, None) => tn += 1,
        }
    }
    let precision = ratio(tp, tp + fp);
    let recall = ratio(tp, tp + fn_);
    let f05 = if precision + recall > 0.0 {
        1.25 * precision * recall / (0.25 * precision + recall)
    } else {
        0.0
    };
    Metrics {
        true_positives: tp,
        false_positives: fp,
        false_negatives: fn_,
        true_negatives: tn,
        precision,
        recall,
        f05,
        fpr: ratio(fp, fp + tn),
        median_delay: median(&mut delays),
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(grooming: bool, risk: Option<usize>, alert: Option<usize>) -> Outcome {
        Outcome {
            grooming,
            first_risk_index: risk,
            first_alert_index: alert,
        }
    }

    #[test]
    fn counts_and_ratios() {
        let m = compute(&[
            o(true, Some(4), Some(6)),
            o(true, Some(2), Some(2)),
            o(true, Some(0), Some(3)),
            o(true, Some(5), None),
            o(false, None, Some(1)),
            o(false, None, None),
            o(false, None, None),
            o(false, None, None),
        ]);
        assert_eq!(
            (
                m.true_positives,
                m.false_positives,
                m.false_negatives,
                m.true_negatives
            ),
            (3, 1, 1, 3)
        );
        assert!((m.precision - 0.75).abs() < 1e-12);
        assert!((m.recall - 0.75).abs() < 1e-12);
        assert!((m.f05 - 0.75).abs() < 1e-12);
        assert!((m.fpr - 0.25).abs() < 1e-12);
        assert_eq!(m.median_delay, Some(2.0));
    }

    #[test]
    fn f05_weighs_precision() {
        // precision 1, recall 0.5 → 1.25 * 0.5 / (0.25 + 0.5) = 0.8333…
        let m = compute(&[o(true, Some(0), Some(0)), o(true, Some(0), None)]);
        assert!((m.f05 - 1.25 * 0.5 / 0.75).abs() < 1e-12);
        assert_eq!(m.median_delay, Some(0.0));
    }

    #[test]
    fn empty_and_degenerate() {
        let m = compute(&[]);
        assert_eq!((m.precision, m.recall, m.f05, m.fpr), (0.0, 0.0, 0.0, 0.0));
        assert_eq!(m.median_delay, None);
        let m = compute(&[o(true, Some(3), Some(1)), o(true, Some(1), Some(4))]);
        assert_eq!(m.median_delay, Some(0.5)); // (-2 + 3) / 2
    }
}
