//! The ways of carrying a query to an upstream: UDP, TCP, TLS and HTTPS.

pub(crate) mod doh;
pub(crate) mod dot;
pub(crate) mod stream;
pub(crate) mod udp;

use crate::wire;

/// Most replies that do not match the query one exchange skips before giving up.
const MAX_UNMATCHED_REPLIES: usize = 32;

/// What a reply must carry to be taken as the answer (anti-spoofing, RFC 5452 §9).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Expect<'a> {
    /// The id the upstream query was sent with.
    pub id: u16,
    /// The question asked.
    pub question: wire::Question<'a>,
}

impl Expect<'_> {
    /// True if `reply` is a response with our id to our question.
    pub(crate) fn accepts(&self, reply: &[u8]) -> bool {
        let Some(header) = wire::Header::parse(reply) else {
            return false;
        };
        header.is_response
            && header.id == self.id
            && wire::question(reply).is_some_and(|q| q.same_as(&self.question))
    }
}
