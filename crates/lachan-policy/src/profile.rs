//! Filtering profiles: what one child, class or household is protected from.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{Budget, Category, Pause, Schedule, Target, Zone};

/// How YouTube is restricted for a profile (a toggle separate from safe search).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum YoutubeMode {
    /// No restriction.
    #[default]
    Off,
    /// Restricted Mode, moderate (`restrictmoderate.youtube.com`).
    Moderate,
    /// Restricted Mode, strict (`restrict.youtube.com`).
    Strict,
}

/// What a blocked name is answered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BlockAnswer {
    /// `0.0.0.0` for A and `::` for AAAA queries, other types get an empty answer.
    #[default]
    NullIp,
    /// NXDOMAIN: the name does not exist.
    NxDomain,
    /// REFUSED: the resolver will not answer.
    Refused,
    /// The address of a block page; the other address family gets an empty answer.
    Address(IpAddr),
}

/// A text that is not a block answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid block answer '{0}': use null_ip, nxdomain, refused, or the IP address of a block page"
)]
pub struct InvalidBlockAnswer(pub String);

impl FromStr for BlockAnswer {
    type Err = InvalidBlockAnswer;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "null_ip" | "null" | "0.0.0.0" => Ok(BlockAnswer::NullIp),
            "nxdomain" => Ok(BlockAnswer::NxDomain),
            "refused" => Ok(BlockAnswer::Refused),
            other => other
                .parse::<IpAddr>()
                .map(BlockAnswer::Address)
                .map_err(|_| InvalidBlockAnswer(s.to_string())),
        }
    }
}

impl fmt::Display for BlockAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlockAnswer::NullIp => f.write_str("null_ip"),
            BlockAnswer::NxDomain => f.write_str("nxdomain"),
            BlockAnswer::Refused => f.write_str("refused"),
            BlockAnswer::Address(ip) => write!(f, "{ip}"),
        }
    }
}

impl Serialize for BlockAnswer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for BlockAnswer {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl BlockAnswer {
    /// The IPv4 address to put in an A answer, if this mode answers with one.
    pub fn ipv4(self) -> Option<Ipv4Addr> {
        match self {
            BlockAnswer::NullIp => Some(Ipv4Addr::UNSPECIFIED),
            BlockAnswer::Address(IpAddr::V4(a)) => Some(a),
            _ => None,
        }
    }

    /// The IPv6 address to put in an AAAA answer, if this mode answers with one.
    pub fn ipv6(self) -> Option<Ipv6Addr> {
        match self {
            BlockAnswer::NullIp => Some(Ipv6Addr::UNSPECIFIED),
            BlockAnswer::Address(IpAddr::V6(a)) => Some(a),
            _ => None,
        }
    }
}

/// A filtering profile: the protection given to the devices of one child, class or household.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Unique name, e.g. "child" or "Lớp 6A".
    pub name: String,
    /// Categories whose lists are blocked.
    #[serde(default)]
    pub block: Vec<Category>,
    /// Force safe search on Google (all its search hosts), Bing and DuckDuckGo.
    #[serde(default)]
    pub safe_search: bool,
    /// YouTube Restricted Mode.
    #[serde(default)]
    pub youtube: YoutubeMode,
    /// Custom rules that allow names, in list syntax; they win over every list.
    #[serde(default)]
    pub allow: Vec<String>,
    /// Custom rules that block names, in list syntax; they win over every list.
    #[serde(default)]
    pub deny: Vec<String>,
    /// How blocked names are answered for this profile; `None` uses the server's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_answer: Option<BlockAnswer>,
    /// Services of the catalogue blocked outright: `"service:tiktok"` or a whole group,
    /// `"group:games"`.
    #[serde(default)]
    pub blocked_services: Vec<Target>,
    /// The child's age, if known. Under 18 with no `budgets` written, the Decree 147/2024
    /// gaming limits apply (60 minutes per game, 180 minutes of games a day).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age: Option<u8>,
    /// The IANA time zone of schedules and of the budget day (default `Asia/Ho_Chi_Minh`).
    #[serde(default)]
    pub time_zone: Zone,
    /// Blocking schedules (bedtime, school hours), written in `time_zone`.
    #[serde(default)]
    pub schedules: Vec<Schedule>,
    /// Daily time budgets per service or group.
    #[serde(default)]
    pub budgets: Vec<Budget>,
    /// The guardian's "pause internet", if set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pause: Option<Pause>,
}

impl Profile {
    /// A profile with nothing blocked, named `name`.
    pub fn unfiltered(name: impl Into<String>) -> Self {
        Profile {
            name: name.into(),
            block: Vec::new(),
            safe_search: false,
            youtube: YoutubeMode::Off,
            allow: Vec::new(),
            deny: Vec::new(),
            block_answer: None,
            blocked_services: Vec::new(),
            age: None,
            time_zone: Zone::default(),
            schedules: Vec::new(),
            budgets: Vec::new(),
            pause: None,
        }
    }

    /// Whether any schedule, budget or pause applies to this profile.
    pub fn has_time_limits(&self) -> bool {
        !self.schedules.is_empty() || !self.effective_budgets().is_empty() || self.pause.is_some()
    }

    /// The budgets in force: those the guardian wrote, or for a child under 18 with none
    /// written, the Decree 147/2024 gaming limits.
    pub fn effective_budgets(&self) -> Vec<Budget> {
        match self.age {
            Some(age) if age < 18 && self.budgets.is_empty() => crate::decree_147_defaults(),
            _ => self.budgets.clone(),
        }
    }

    /// The built-in profile for a child: adult, gambling and threat sites blocked, safe search
    /// on, YouTube moderate.
    pub fn default_child() -> Self {
        Profile {
            name: "child".into(),
            block: vec![Category::Adult, Category::Gambling, Category::Threat],
            safe_search: true,
            youtube: YoutubeMode::Moderate,
            ..Profile::unfiltered("child")
        }
    }

    /// Whether this profile blocks lists of `category`.
    pub fn blocks(&self, category: Category) -> bool {
        self.block.contains(&category)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_answers_parse_from_config_words() {
        assert_eq!(
            "null_ip".parse::<BlockAnswer>().unwrap(),
            BlockAnswer::NullIp
        );
        assert_eq!(
            "NXDOMAIN".parse::<BlockAnswer>().unwrap(),
            BlockAnswer::NxDomain
        );
        assert_eq!(
            "refused".parse::<BlockAnswer>().unwrap(),
            BlockAnswer::Refused
        );
        assert_eq!(
            "192.168.1.2".parse::<BlockAnswer>().unwrap(),
            BlockAnswer::Address("192.168.1.2".parse().unwrap())
        );
        let err = "block".parse::<BlockAnswer>().unwrap_err();
        assert!(err.to_string().contains("null_ip, nxdomain, refused"));
    }

    #[test]
    fn block_page_address_answers_only_its_family() {
        let page = BlockAnswer::Address("10.0.0.1".parse().unwrap());
        assert_eq!(page.ipv4(), Some(Ipv4Addr::new(10, 0, 0, 1)));
        assert_eq!(page.ipv6(), None);
        assert_eq!(BlockAnswer::NullIp.ipv6(), Some(Ipv6Addr::UNSPECIFIED));
        assert_eq!(BlockAnswer::NxDomain.ipv4(), None);
    }

    #[test]
    fn children_under_18_get_the_decree_147_limits_unless_budgets_are_written() {
        let mut p = Profile {
            age: Some(12),
            ..Profile::unfiltered("An")
        };
        assert_eq!(p.effective_budgets(), crate::decree_147_defaults());
        assert!(p.has_time_limits());
        p.budgets = vec![Budget::new("group:games".parse().unwrap(), 90)];
        assert_eq!(p.effective_budgets(), p.budgets);
        let adult = Profile {
            age: Some(18),
            ..Profile::unfiltered("Bình")
        };
        assert!(adult.effective_budgets().is_empty() && !adult.has_time_limits());
        assert!(
            Profile::unfiltered("unknown age")
                .effective_budgets()
                .is_empty()
        );
    }

    #[test]
    fn profiles_deserialize_with_defaults_and_reject_typos() {
        let p: Profile =
            serde_json::from_str(r#"{"name":"child","block":["adult"],"youtube":"strict"}"#)
                .unwrap();
        assert!(p.blocks(Category::Adult));
        assert!(!p.blocks(Category::Gambling));
        assert_eq!(p.youtube, YoutubeMode::Strict);
        assert!(!p.safe_search);
        let err = serde_json::from_str::<Profile>(r#"{"name":"x","blok":[]}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field `blok`"));
    }
}
