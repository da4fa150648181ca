//! The risk taxonomy of the design: every detection, block, alert and case carries one
//! [`Category`], and every category belongs to one [`RiskGroup`].

/// A name that is not part of the taxonomy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} '{name}'; expected one of: {expected}")]
pub struct UnknownName {
    /// What was being parsed ("category", "service group", ...).
    pub kind: &'static str,
    /// The text that did not match.
    pub name: String,
    /// The accepted names, comma-separated.
    pub expected: String,
}

/// Declares a snake_case vocabulary enum with `ALL`, `as_str`, `Display`, `FromStr` (errors are
/// [`UnknownName`]) and serde under the same names. Exported so that other pure vocabulary crates
/// (lachan-hotline) spell their names the same way; the calling crate must depend on `serde`.
#[doc(hidden)]
#[macro_export]
macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident, $kind:literal, { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in the order of the design's table.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable snake_case name used in configuration, the API and the database.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::UnknownName;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let wanted = s.trim();
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str().eq_ignore_ascii_case(wanted))
                    .ok_or_else(|| $crate::UnknownName {
                        kind: $kind,
                        name: s.to_string(),
                        expected: Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", "),
                    })
            }
        }
    };
}

named_enum!(
    /// The five risk groups (OECD / EU Kids Online typology, extended with health).
    RiskGroup, "risk group", {
        /// Harmful content a child sees.
        Content => "content",
        /// Harmful contact by adults or strangers.
        Contact => "contact",
        /// Harmful conduct between children, or by the child.
        Conduct => "conduct",
        /// Consumer and security risks: scams, malware, ads, data collection.
        Contract => "contract",
        /// Health: excessive use and night-time use.
        Health => "health",
    }
);

named_enum!(
    /// One category of the risk taxonomy.
    Category, "category", {
        /// Sexual content for adults.
        Adult => "adult",
        /// Violence and gore.
        Violence => "violence",
        /// Betting, casinos and lotteries.
        Gambling => "gambling",
        /// Illegal or misused drugs.
        Drugs => "drugs",
        /// Suicide and self-harm.
        SelfHarm => "self_harm",
        /// Attacks on people for who they are.
        Hate => "hate",
        /// Swearing and obscenity.
        Profanity => "profanity",
        /// Child sexual abuse material or sexualisation of minors: never shown, only hashed and reported.
        SexualMinors => "sexual_minors",
        /// An adult preparing a child for abuse.
        Grooming => "grooming",
        /// Threats to publish intimate images, or demands under such threats.
        Sextortion => "sextortion",
        /// Unknown adults contacting a child.
        StrangerContact => "stranger_contact",
        /// Insults, humiliation and exclusion between children.
        Bullying => "bullying",
        /// Sharing sexual images or messages.
        Sexting => "sexting",
        /// A child sharing a phone number, address or school.
        PersonalInfo => "personal_info",
        /// Fraud for money, accounts or data.
        Scam => "scam",
        /// Malware and phishing.
        Threat => "threat",
        /// Advertising and trackers.
        Ads => "ads",
        /// Purchases inside games.
        InGamePurchase => "in_game_purchase",
        /// Photos with location, data collection.
        Privacy => "privacy",
        /// Game and social time beyond the budget.
        ExcessiveUse => "excessive_use",
        /// Use at bedtime.
        Sleep => "sleep",
    }
);

impl Category {
    /// A short Vietnamese name for children and parents ("cờ bạc, cá độ" for gambling).
    pub fn label_vi(self) -> &'static str {
        use Category::*;
        match self {
            Adult => "nội dung người lớn",
            Violence => "bạo lực",
            Gambling => "cờ bạc, cá độ",
            Drugs => "ma túy, chất cấm",
            SelfHarm => "tự gây hại",
            Hate => "thù ghét, kỳ thị",
            Profanity => "ngôn từ tục tĩu",
            SexualMinors => "xâm hại tình dục trẻ em",
            Grooming => "dụ dỗ trẻ em",
            Sextortion => "tống tiền bằng hình ảnh",
            StrangerContact => "người lạ làm quen",
            Bullying => "bắt nạt",
            Sexting => "tin nhắn, hình ảnh nhạy cảm",
            PersonalInfo => "thông tin cá nhân",
            Scam => "lừa đảo",
            Threat => "mã độc, trang lừa đảo",
            Ads => "quảng cáo, theo dõi",
            InGamePurchase => "mua hàng trong game",
            Privacy => "quyền riêng tư",
            ExcessiveUse => "dùng quá thời gian cho phép",
            Sleep => "giờ đi ngủ",
        }
    }

    /// The risk group this category belongs to.
    pub fn group(self) -> RiskGroup {
        use Category::*;
        match self {
            Adult | Violence | Gambling | Drugs | SelfHarm | Hate | Profanity | SexualMinors => {
                RiskGroup::Content
            }
            Grooming | Sextortion | StrangerContact => RiskGroup::Contact,
            Bullying | Sexting | PersonalInfo => RiskGroup::Conduct,
            Scam | Threat | Ads | InGamePurchase | Privacy => RiskGroup::Contract,
            ExcessiveUse | Sleep => RiskGroup::Health,
        }
    }
}

named_enum!(
    /// A group of online services, so that schedules and time budgets can act on them.
    ServiceGroup, "service group", {
        /// Online and mobile games.
        Games => "games",
        /// Social networks.
        Social => "social",
        /// Video sites and streaming.
        Video => "video",
        /// Messaging and voice chat.
        Chat => "chat",
        /// Dating services.
        Dating => "dating",
        /// Online shops.
        Shopping => "shopping",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_round_trips_through_its_name() {
        for &c in Category::ALL {
            assert_eq!(c.as_str().parse::<Category>().unwrap(), c);
        }
        assert_eq!(Category::ALL.len(), 21);
    }

    #[test]
    fn groups_follow_the_design_table() {
        assert_eq!(Category::Gambling.group(), RiskGroup::Content);
        assert_eq!(Category::Grooming.group(), RiskGroup::Contact);
        assert_eq!(Category::PersonalInfo.group(), RiskGroup::Conduct);
        assert_eq!(Category::Threat.group(), RiskGroup::Contract);
        assert_eq!(Category::Sleep.group(), RiskGroup::Health);
    }

    #[test]
    fn every_category_has_a_distinct_vietnamese_label() {
        let labels: std::collections::HashSet<_> =
            Category::ALL.iter().map(|c| c.label_vi()).collect();
        assert_eq!(labels.len(), Category::ALL.len());
        assert_eq!(Category::Gambling.label_vi(), "cờ bạc, cá độ");
    }

    #[test]
    fn unknown_names_list_what_is_accepted() {
        let err = "porn".parse::<Category>().unwrap_err();
        assert!(err.to_string().contains("unknown category 'porn'"));
        assert!(err.to_string().contains("adult"));
        assert_eq!(
            " Gambling ".parse::<Category>().unwrap(),
            Category::Gambling
        );
    }

    #[test]
    fn serde_uses_the_same_names_as_display() {
        for &c in Category::ALL {
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{c}\""));
            assert_eq!(serde_json::from_str::<Category>(&json).unwrap(), c);
        }
    }
}
