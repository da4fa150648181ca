//! The hotline's names: snake_case enums shared by the API, the database and the console. Each has
//! `ALL`, `as_str()`, `FromStr`, `Display` and serde under the same names (lachan-policy's
//! `named_enum!`), so a name means the same thing everywhere. Labels live in the server's Fluent
//! files (`subtype-<name>`, ...), not here.

use lachan_policy::{Category, named_enum};

named_enum!(
    /// How a contact or report reached the hotline (stored in `reports.source`).
    Channel, "channel", {
        /// A phone call, typed in live by an operator.
        Phone => "phone",
        /// A Zalo chat, typed in live by an operator.
        Zalo => "zalo",
        /// An e-mail, typed in by an operator.
        Email => "email",
        /// The public web form (anonymous allowed).
        WebForm => "web_form",
        /// A platform filing through `POST /api/v1/reports` with an API key.
        Platform => "platform",
        /// Lachan's image bank matched a photo.
        ImageMatch => "image_match",
        /// Lachan's text engine raised a grooming alert.
        GroomingAlert => "grooming_alert",
        /// Repeated adult or gambling lookups on a DNS profile whose guardian opted in.
        DnsAlert => "dns_alert",
    }
);

impl Channel {
    /// True for Lachan's own detections (image match, grooming alert, DNS alert): no person filed
    /// these.
    pub fn is_detection(self) -> bool {
        matches!(
            self,
            Channel::ImageMatch | Channel::GroomingAlert | Channel::DnsAlert
        )
    }

    /// True when a person complained to the hotline (phone, Zalo, e-mail, web form): the
    /// 48-hour complaint clock applies to cases opened from these.
    pub fn is_complaint(self) -> bool {
        matches!(
            self,
            Channel::Phone | Channel::Zalo | Channel::Email | Channel::WebForm
        )
    }
}

named_enum!(
    /// The child's age band, as hotlines report it (no birth dates are kept).
    AgeBand, "age band", {
        /// 0 to 5 years.
        Under6 => "under_6",
        /// 6 to 10 years.
        Age6To10 => "age_6_10",
        /// 11 to 13 years.
        Age11To13 => "age_11_13",
        /// 14 to 15 years.
        Age14To15 => "age_14_15",
        /// 16 to 17 years.
        Age16To17 => "age_16_17",
        /// Not known or not said.
        Unknown => "unknown",
    }
);

named_enum!(
    /// The child's gender, as the reporter gives it.
    Gender, "gender", {
        /// A girl.
        Girl => "girl",
        /// A boy.
        Boy => "boy",
        /// Another gender.
        Other => "other",
        /// Not known or not said.
        Unknown => "unknown",
    }
);

named_enum!(
    /// A family of online harm, in the style of Child Helpline International's framework; every
    /// [`Subtype`] belongs to one.
    Theme, "theme", {
        /// Online sexual abuse and exploitation.
        SexualExploitation => "sexual_exploitation",
        /// An adult preparing a child for abuse.
        Grooming => "grooming",
        /// Threats to publish intimate images.
        Sextortion => "sextortion",
        /// Bullying between children online.
        Cyberbullying => "cyberbullying",
        /// Exposure to harmful content.
        HarmfulContent => "harmful_content",
        /// Excessive gaming and social media use.
        GamingAddiction => "gaming_addiction",
        /// Fraud and phishing.
        Scam => "scam",
        /// Personal data and privacy.
        Privacy => "privacy",
        /// Anything else.
        Other => "other",
    }
);

named_enum!(
    /// What happened, more precisely than a [`Category`]: each has a parent category
    /// ([`Subtype::category`]) and a [`Theme`] ([`Subtype::theme`]).
    Subtype, "subtype", {
        /// Child sexual abuse material.
        Csam => "csam",
        /// Abuse of a child streamed live.
        LiveStreamedAbuse => "live_streamed_abuse",
        /// Sexual images a child made of themself.
        SelfGeneratedImages => "self_generated_images",
        /// Intimate images shared without consent.
        NonConsensualSharing => "non_consensual_sharing",
        /// An adult building trust with a child online to abuse them.
        OnlineGrooming => "online_grooming",
        /// An online contact asking the child to meet offline.
        MeetingRequest => "meeting_request",
        /// Demands for more images or sexual acts under threat of publication.
        SexualExtortion => "sexual_extortion",
        /// Demands for money under threat of publishing intimate images.
        FinancialSextortion => "financial_sextortion",
        /// Repeated insults or threats.
        Harassment => "harassment",
        /// Humiliating posts, photos or videos of the child.
        HumiliatingContent => "humiliating_content",
        /// Someone posing as the child.
        Impersonation => "impersonation",
        /// Deliberate exclusion from groups.
        Exclusion => "exclusion",
        /// Sexual content for adults seen by the child.
        AdultContent => "adult_content",
        /// Violence or gore seen by the child.
        ViolentContent => "violent_content",
        /// Content encouraging suicide or self-harm.
        SelfHarmContent => "self_harm_content",
        /// Betting and gambling.
        Gambling => "gambling",
        /// Attacks on people for who they are.
        HateContent => "hate_content",
        /// Excessive gaming.
        GamingAddiction => "gaming_addiction",
        /// Excessive social media use.
        SocialMediaOveruse => "social_media_overuse",
        /// Scams around games: accounts, items, top-ups.
        GameScam => "game_scam",
        /// Phishing pages and messages.
        Phishing => "phishing",
        /// Other fraud for money.
        Fraud => "fraud",
        /// The child's personal details published to harm them.
        Doxxing => "doxxing",
        /// The child's data exposed by a service or an app.
        DataExposure => "data_exposure",
        /// Unknown adults contacting the child, without signs of grooming.
        UnwantedContact => "unwanted_contact",
        /// None of the above: the reporter chooses the category.
        Other => "other",
    }
);

impl Subtype {
    /// The parent category of the taxonomy. [`Subtype::Other`] has no category of its own: it
    /// answers [`Category::PersonalInfo`] as a placeholder, and a report of subtype `other` keeps
    /// the category its reporter chose (see [`Subtype::fits`]).
    pub fn category(self) -> Category {
        use Subtype::*;
        match self {
            Csam | LiveStreamedAbuse => Category::SexualMinors,
            SelfGeneratedImages | NonConsensualSharing => Category::Sexting,
            OnlineGrooming | MeetingRequest => Category::Grooming,
            SexualExtortion | FinancialSextortion => Category::Sextortion,
            Harassment | HumiliatingContent | Impersonation | Exclusion => Category::Bullying,
            AdultContent => Category::Adult,
            ViolentContent => Category::Violence,
            SelfHarmContent => Category::SelfHarm,
            Gambling => Category::Gambling,
            HateContent => Category::Hate,
            GamingAddiction | SocialMediaOveruse => Category::ExcessiveUse,
            GameScam | Fraud => Category::Scam,
            Phishing => Category::Threat,
            Doxxing => Category::PersonalInfo,
            DataExposure => Category::Privacy,
            UnwantedContact => Category::StrangerContact,
            Other => Category::PersonalInfo,
        }
    }

    /// Whether a report may carry this subtype together with `category`: the subtype's own
    /// category, or any category for [`Subtype::Other`].
    pub fn fits(self, category: Category) -> bool {
        self == Subtype::Other || self.category() == category
    }

    /// The theme this subtype is counted under in statistics.
    pub fn theme(self) -> Theme {
        use Subtype::*;
        match self {
            Csam | LiveStreamedAbuse | SelfGeneratedImages | NonConsensualSharing => {
                Theme::SexualExploitation
            }
            OnlineGrooming | MeetingRequest => Theme::Grooming,
            SexualExtortion | FinancialSextortion => Theme::Sextortion,
            Harassment | HumiliatingContent | Impersonation | Exclusion => Theme::Cyberbullying,
            AdultContent | ViolentContent | SelfHarmContent | Gambling | HateContent => {
                Theme::HarmfulContent
            }
            GamingAddiction | SocialMediaOveruse => Theme::GamingAddiction,
            GameScam | Phishing | Fraud => Theme::Scam,
            Doxxing | DataExposure => Theme::Privacy,
            UnwantedContact | Other => Theme::Other,
        }
    }
}

named_enum!(
    /// How urgent a case is. Declared from lowest to highest, so `Ord` ranks
    /// [`Risk::Emergency`] highest and `ALL` is in ascending order.
    Risk, "risk", {
        /// No danger now: information or counselling.
        Low => "low",
        /// Harm happened or may happen; no immediate danger.
        Medium => "medium",
        /// Serious harm, ongoing or likely soon.
        High => "high",
        /// A child at serious risk now: emergency intervention within 12 hours.
        Emergency => "emergency",
    }
);

named_enum!(
    /// Where a case (or a report waiting in the queue) is in the workflow; moves are checked by
    /// [`crate::workflow`].
    CaseStatus, "case status", {
        /// A report in the queue, not yet triaged.
        New => "new",
        /// Assessed: a case with a risk level and an operator.
        Triaged => "triaged",
        /// Counselling or emergency intervention under way.
        InIntervention => "in_intervention",
        /// Referred to an authority or a platform, waiting for its answer.
        Referred => "referred",
        /// Waiting to check on the child later.
        FollowUp => "follow_up",
        /// Finished, with a [`CloseReason`].
        Closed => "closed",
    }
);

named_enum!(
    /// Why a case was closed.
    CloseReason, "close reason", {
        /// The harm stopped and the child is safe.
        Resolved => "resolved",
        /// Handed over to an authority that now owns it.
        ReferredOut => "referred_out",
        /// The reporter or child could not be reached.
        NoContact => "no_contact",
        /// Another case covers it.
        Duplicate => "duplicate",
        /// Not about online harm to a child.
        NotOnlineHarm => "not_online_harm",
        /// Checked and found without basis.
        Unfounded => "unfounded",
    }
);

named_enum!(
    /// Something the hotline did on a case.
    ActionKind, "action kind", {
        /// Counselling the child or the family.
        Counselling => "counselling",
        /// Emergency intervention for a child at serious risk.
        EmergencyIntervention => "emergency_intervention",
        /// A referral to an authority that is not a platform.
        Referral => "referral",
        /// A request to a platform to remove content.
        TakedownRequest => "takedown_request",
        /// A reminder to check on the case at a due time.
        FollowUp => "follow_up",
    }
);

named_enum!(
    /// The kind of body a referral or takedown request goes to.
    AuthorityKind, "authority kind", {
        /// The commune or ward People's Committee.
        CommuneCommittee => "commune_committee",
        /// The police's cyber-crime department.
        PoliceCyber => "police_cyber",
        /// The local police.
        PoliceLocal => "police_local",
        /// The child's school.
        School => "school",
        /// Health services.
        Health => "health",
        /// Social services and child protection workers.
        SocialServices => "social_services",
        /// An online platform (takedown requests).
        Platform => "platform",
        /// Any other body.
        Other => "other",
    }
);

named_enum!(
    /// What came of an action.
    ActionOutcome, "action outcome", {
        /// Not answered or not finished yet.
        Pending => "pending",
        /// Done; for a takedown request, the content was removed.
        Done => "done",
        /// The authority or platform refused.
        Refused => "refused",
        /// No answer from the authority, platform or family.
        NoAnswer => "no_answer",
    }
);

named_enum!(
    /// The topic of a contact that did not lead to a report (counted in statistics only).
    ContactTopic, "contact topic", {
        /// Child protection, but not online harm.
        OtherChildProtection => "other_child_protection",
        /// A request for information.
        Information => "information",
        /// A silent call or a prank.
        SilentOrPrank => "silent_or_prank",
        /// An adult calling about themself.
        AdultCaller => "adult_caller",
    }
);

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::fmt::Display;
    use std::str::FromStr;

    fn round_trips<T>(all: &[T], count: usize)
    where
        T: Copy + Eq + Display + FromStr + std::fmt::Debug,
        T::Err: std::fmt::Debug,
    {
        assert_eq!(all.len(), count);
        let names: HashSet<String> = all.iter().map(|v| v.to_string()).collect();
        assert_eq!(names.len(), count, "names are distinct");
        for &v in all {
            assert_eq!(v.to_string().parse::<T>().unwrap(), v);
        }
    }

    #[test]
    fn every_name_round_trips() {
        round_trips(Channel::ALL, 8);
        round_trips(AgeBand::ALL, 6);
        round_trips(Gender::ALL, 4);
        round_trips(Theme::ALL, 9);
        round_trips(Subtype::ALL, 26);
        round_trips(Risk::ALL, 4);
        round_trips(CaseStatus::ALL, 6);
        round_trips(CloseReason::ALL, 6);
        round_trips(ActionKind::ALL, 5);
        round_trips(AuthorityKind::ALL, 8);
        round_trips(ActionOutcome::ALL, 4);
        round_trips(ContactTopic::ALL, 4);
    }

    #[test]
    fn names_follow_the_contract() {
        assert_eq!(Channel::WebForm.as_str(), "web_form");
        assert_eq!(AgeBand::Under6.as_str(), "under_6");
        assert_eq!(AgeBand::Age16To17.as_str(), "age_16_17");
        assert_eq!(CaseStatus::InIntervention.as_str(), "in_intervention");
        assert_eq!(Subtype::LiveStreamedAbuse.as_str(), "live_streamed_abuse");
        assert_eq!(
            "grooming_alert".parse::<Channel>().unwrap(),
            Channel::GroomingAlert
        );
        let err = "fax".parse::<Channel>().unwrap_err().to_string();
        assert!(err.contains("unknown channel 'fax'"), "{err}");
        assert!(err.contains("web_form"), "{err}");
    }

    #[test]
    fn channels_are_detections_complaints_or_platform() {
        let detections: Vec<_> = Channel::ALL.iter().filter(|c| c.is_detection()).collect();
        assert_eq!(
            detections,
            [
                &Channel::ImageMatch,
                &Channel::GroomingAlert,
                &Channel::DnsAlert
            ]
        );
        let complaints: Vec<_> = Channel::ALL.iter().filter(|c| c.is_complaint()).collect();
        assert_eq!(
            complaints,
            [
                &Channel::Phone,
                &Channel::Zalo,
                &Channel::Email,
                &Channel::WebForm
            ]
        );
        assert!(!Channel::Platform.is_detection() && !Channel::Platform.is_complaint());
    }

    #[test]
    fn emergency_is_the_highest_risk() {
        assert!(Risk::Emergency > Risk::High);
        assert!(Risk::High > Risk::Medium);
        assert!(Risk::Medium > Risk::Low);
        assert_eq!(Risk::ALL.iter().max(), Some(&Risk::Emergency));
    }

    #[test]
    fn subtypes_have_the_contract_categories_and_themes() {
        assert_eq!(Subtype::Csam.category(), Category::SexualMinors);
        assert_eq!(Subtype::Csam.theme(), Theme::SexualExploitation);
        assert_eq!(Subtype::NonConsensualSharing.category(), Category::Sexting);
        assert_eq!(Subtype::MeetingRequest.theme(), Theme::Grooming);
        assert_eq!(
            Subtype::FinancialSextortion.category(),
            Category::Sextortion
        );
        assert_eq!(Subtype::Exclusion.theme(), Theme::Cyberbullying);
        assert_eq!(Subtype::Gambling.category(), Category::Gambling);
        assert_eq!(Subtype::Gambling.theme(), Theme::HarmfulContent);
        assert_eq!(
            Subtype::SocialMediaOveruse.category(),
            Category::ExcessiveUse
        );
        assert_eq!(Subtype::Phishing.category(), Category::Threat);
        assert_eq!(Subtype::Phishing.theme(), Theme::Scam);
        assert_eq!(Subtype::Doxxing.theme(), Theme::Privacy);
        assert_eq!(
            Subtype::UnwantedContact.category(),
            Category::StrangerContact
        );
    }

    #[test]
    fn every_theme_has_a_subtype() {
        let themes: HashSet<Theme> = Subtype::ALL.iter().map(|s| s.theme()).collect();
        assert_eq!(themes.len(), Theme::ALL.len());
    }

    #[test]
    fn other_fits_any_category_and_the_rest_only_their_own() {
        for &c in Category::ALL {
            assert!(Subtype::Other.fits(c));
        }
        assert!(Subtype::Harassment.fits(Category::Bullying));
        assert!(!Subtype::Harassment.fits(Category::Adult));
    }

    /// JSON names equal the names the API accepts and the database stores, also for names with
    /// digits (`age_11_13`), which serde's `snake_case` would spell `age11_to13`.
    fn assert_serde_names<T>(all: &[T])
    where
        T: Copy + std::fmt::Display + PartialEq + std::fmt::Debug,
        T: serde::Serialize + serde::de::DeserializeOwned,
    {
        for &value in all {
            let json = serde_json::to_string(&value).unwrap();
            assert_eq!(json, format!("\"{value}\""));
            assert_eq!(serde_json::from_str::<T>(&json).unwrap(), value);
        }
    }

    #[test]
    fn serde_uses_the_display_names() {
        assert_serde_names(Subtype::ALL);
        assert_serde_names(AgeBand::ALL);
        assert_serde_names(Channel::ALL);
        assert_serde_names(Gender::ALL);
        assert_serde_names(Theme::ALL);
        assert_serde_names(Risk::ALL);
        assert_serde_names(CaseStatus::ALL);
        assert_serde_names(CloseReason::ALL);
        assert_serde_names(ActionKind::ALL);
        assert_serde_names(AuthorityKind::ALL);
        assert_serde_names(ActionOutcome::ALL);
        assert_serde_names(ContactTopic::ALL);
        assert_eq!(
            serde_json::to_string(&AgeBand::Age11To13).unwrap(),
            "\"age_11_13\""
        );
    }
}
