//! The grooming stages (O'Connell; Lorenzo-Dus) and their names.

use serde::{Deserialize, Serialize};

/// A grooming stage a message can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// First contact or opening rapport: praise, a friend request, joining the child's game.
    Approach,
    /// Probing age, school, home area, who the child lives with, whether parents are home.
    PersonalInfo,
    /// Building a special bond: flattery, empathy, "you are mature for your age".
    Trust,
    /// Offering game currency, phone cards, MoMo money, items or cash.
    Gifts,
    /// Asking the child to hide the contact, not tell parents, delete messages, lie.
    Secrecy,
    /// Driving a wedge between the child and family or friends; insisting on coming alone.
    Isolation,
    /// Moving to a less visible channel (Zalo, Telegram, Snapchat…) or asking for a number.
    PrivateChannel,
    /// Asking for photos, videos or webcam of the child, especially body-focused or at night.
    PhotoRequest,
    /// Normalising romantic or sexual topics: boyfriends, kisses, "age is just a number".
    Desensitisation,
    /// Proposing an offline meeting.
    Meeting,
    /// Threatening to share images or chats, or demanding images or money under threat.
    Sextortion,
}

impl Stage {
    /// Every stage, in the order above.
    pub const ALL: [Stage; 11] = [
        Stage::Approach,
        Stage::PersonalInfo,
        Stage::Trust,
        Stage::Gifts,
        Stage::Secrecy,
        Stage::Isolation,
        Stage::PrivateChannel,
        Stage::PhotoRequest,
        Stage::Desensitisation,
        Stage::Meeting,
        Stage::Sextortion,
    ];

    /// Position in [`Stage::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The snake_case name used in data files and JSON ("personal_info").
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Approach => "approach",
            Stage::PersonalInfo => "personal_info",
            Stage::Trust => "trust",
            Stage::Gifts => "gifts",
            Stage::Secrecy => "secrecy",
            Stage::Isolation => "isolation",
            Stage::PrivateChannel => "private_channel",
            Stage::PhotoRequest => "photo_request",
            Stage::Desensitisation => "desensitisation",
            Stage::Meeting => "meeting",
            Stage::Sextortion => "sextortion",
        }
    }

    /// The stage with this snake_case name, if any.
    pub fn from_name(name: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// A short Vietnamese description for alerts.
    pub fn name_vi(self) -> &'static str {
        match self {
            Stage::Approach => "làm quen",
            Stage::PersonalInfo => "dò hỏi thông tin cá nhân",
            Stage::Trust => "lấy lòng tin",
            Stage::Gifts => "tặng quà, nạp tiền",
            Stage::Secrecy => "đòi giữ bí mật",
            Stage::Isolation => "tách trẻ khỏi gia đình, bạn bè",
            Stage::PrivateChannel => "kéo sang kênh riêng",
            Stage::PhotoRequest => "đòi ảnh, video",
            Stage::Desensitisation => "bình thường hoá chuyện yêu đương",
            Stage::Meeting => "rủ gặp mặt",
            Stage::Sextortion => "đe doạ, tống tiền bằng ảnh",
        }
    }

    /// A short English description for alerts.
    pub fn name_en(self) -> &'static str {
        match self {
            Stage::Approach => "approach",
            Stage::PersonalInfo => "probing personal information",
            Stage::Trust => "building trust",
            Stage::Gifts => "gifts",
            Stage::Secrecy => "secrecy",
            Stage::Isolation => "isolation from family or friends",
            Stage::PrivateChannel => "move to a private channel",
            Stage::PhotoRequest => "photo or video requests",
            Stage::Desensitisation => "desensitisation",
            Stage::Meeting => "meeting proposal",
            Stage::Sextortion => "sextortion",
        }
    }
}
