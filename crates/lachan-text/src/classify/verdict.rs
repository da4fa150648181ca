//! What the classifier says about a message, and the policy that turns scores into an action.

use std::collections::BTreeMap;

use lachan_policy::{Category, RiskGroup};
use serde::{Deserialize, Serialize};

/// The categories a text message can show, in the order of the design's taxonomy.
pub const TEXT_CATEGORIES: &[Category] = &[
    Category::Adult,
    Category::Violence,
    Category::Gambling,
    Category::Drugs,
    Category::SelfHarm,
    Category::Hate,
    Category::Profanity,
    Category::SexualMinors,
    Category::Grooming,
    Category::Sextortion,
    Category::Bullying,
    Category::PersonalInfo,
    Category::Scam,
];

/// How bad a finding is for a child.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Unpleasant (mild swearing).
    Low,
    /// Harmful in most settings.
    Medium,
    /// Seriously harmful.
    High,
    /// A child's safety is at stake (sexualisation of minors, sextortion, self-harm).
    Critical,
}

impl Severity {
    fn lower(self) -> Severity {
        match self {
            Severity::Critical => Severity::High,
            Severity::High => Severity::Medium,
            Severity::Medium | Severity::Low => Severity::Low,
        }
    }
}

/// What a platform should do with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Deliver it.
    Allow,
    /// Deliver or hold it, and show it to a moderator.
    Review,
    /// Do not deliver it.
    Block,
}

/// A piece of the original text that supports a category.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// First character (index into `original.chars()`).
    pub start: usize,
    /// One past the last character.
    pub end: usize,
    /// The original text of `start..end`.
    pub text: String,
    /// What matched: `lexicon:<cue>`, `pattern:<cue>` or `model:<head>`.
    pub rule: String,
}

/// One category found in a message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryScore {
    /// The category.
    pub category: Category,
    /// How sure the classifier is, 0..=1.
    pub score: f32,
    /// How bad it is.
    pub severity: Severity,
    /// The parts of the text behind the score.
    pub evidence: Vec<Evidence>,
}

/// The classifier's answer for one message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// Categories with a score above zero, highest score first.
    pub categories: Vec<CategoryScore>,
    /// The strictest action the policy asks for over all categories.
    pub action: Action,
    /// The risk group of the top category that is at least at review level.
    pub risk_group: Option<RiskGroup>,
}

impl Verdict {
    /// The score of `category` (0 when absent).
    pub fn score(&self, category: Category) -> f32 {
        self.categories
            .iter()
            .find(|c| c.category == category)
            .map_or(0.0, |c| c.score)
    }
}

/// Scores at or above which a category is reviewed, and blocked.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// Review from this score.
    pub review: f32,
    /// Block from this score; `None`: never block on this category alone.
    pub block: Option<f32>,
}

/// Per-category thresholds for review and block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    /// Thresholds per category; categories not listed use [`Policy::default_thresholds`].
    #[serde(default)]
    pub thresholds: BTreeMap<Category, Thresholds>,
}

impl Default for Policy {
    /// Review from 0.5 everywhere; block from 0.8, from 0.7 for sexual_minors, sextortion and
    /// self_harm, never for personal_info and profanity alone (review only).
    fn default() -> Policy {
        Policy {
            thresholds: TEXT_CATEGORIES
                .iter()
                .map(|&c| (c, Policy::default_thresholds(c)))
                .collect(),
        }
    }
}

impl Policy {
    /// The default thresholds of a category.
    pub fn default_thresholds(category: Category) -> Thresholds {
        let block = match category {
            Category::SexualMinors | Category::Sextortion | Category::SelfHarm => Some(0.7),
            Category::PersonalInfo | Category::Profanity => None,
            _ => Some(0.8),
        };
        Thresholds { review: 0.5, block }
    }

    /// The thresholds of a category under this policy.
    pub fn thresholds(&self, category: Category) -> Thresholds {
        self.thresholds
            .get(&category)
            .copied()
            .unwrap_or_else(|| Policy::default_thresholds(category))
    }

    /// The action this policy asks for when `category` scores `score`.
    pub fn action(&self, category: Category, score: f32) -> Action {
        let t = self.thresholds(category);
        if t.block.is_some_and(|b| score >= b) {
            Action::Block
        } else if score >= t.review {
            Action::Review
        } else {
            Action::Allow
        }
    }
}

/// How bad a category is at full confidence.
pub fn base_severity(category: Category) -> Severity {
    match category {
        Category::SexualMinors | Category::Sextortion | Category::SelfHarm => Severity::Critical,
        Category::Grooming | Category::Violence | Category::Drugs | Category::Adult => {
            Severity::High
        }
        Category::Profanity => Severity::Low,
        _ => Severity::Medium,
    }
}

/// The severity of a category at `score` under `policy`: the base severity at block level (at
/// review level for categories that are never blocked), one lower below it.
pub fn severity(policy: &Policy, category: Category, score: f32) -> Severity {
    let base = base_severity(category);
    let t = policy.thresholds(category);
    if score >= t.block.unwrap_or(t.review) {
        base
    } else {
        base.lower()
    }
}
