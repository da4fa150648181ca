//! Minimal, allocation-light walking of DNS wire messages (RFC 1035 §4).
//!
//! Only what the hot paths need: header fields, the single question, and the position of each
//! resource record's TTL. Full validation of upstream answers is done with `hickory-proto`
//! (see `forwarder`); everything here is bounds-checked and returns `None` on malformed input.

use std::ops::Range;

/// Length of the fixed DNS header.
pub(crate) const HEADER_LEN: usize = 12;
/// Longest domain name on the wire (RFC 1035 §2.3.4).
const MAX_NAME_LEN: usize = 255;
/// Record type of the EDNS(0) pseudo-record, whose TTL field holds flags, not a TTL.
pub(crate) const TYPE_OPT: u16 = 41;
/// Record type of TSIG, whose TTL must stay 0.
const TYPE_TSIG: u16 = 250;
/// Record type of SOA.
const TYPE_SOA: u16 = 6;
/// Response code NOERROR.
pub(crate) const RCODE_NOERROR: u8 = 0;
/// Response code NXDOMAIN.
pub(crate) const RCODE_NXDOMAIN: u8 = 3;

/// Reads a big-endian `u16` at `pos`.
pub(crate) fn read_u16(msg: &[u8], pos: usize) -> Option<u16> {
    let bytes = msg.get(pos..pos.checked_add(2)?)?;
    Some(u16::from_be_bytes([bytes[0], bytes[1]]))
}

/// Reads a big-endian `u32` at `pos`.
pub(crate) fn read_u32(msg: &[u8], pos: usize) -> Option<u32> {
    let bytes = msg.get(pos..pos.checked_add(4)?)?;
    Some(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

/// Writes a big-endian `u32` at `pos`; does nothing if it does not fit.
pub(crate) fn write_u32(msg: &mut [u8], pos: usize, value: u32) {
    if let Some(slot) = pos.checked_add(4).and_then(|end| msg.get_mut(pos..end)) {
        slot.copy_from_slice(&value.to_be_bytes());
    }
}

/// Overwrites the message id; does nothing on a message shorter than two bytes.
pub(crate) fn set_id(msg: &mut [u8], id: u16) {
    if let Some(slot) = msg.get_mut(0..2) {
        slot.copy_from_slice(&id.to_be_bytes());
    }
}

/// The fixed header fields this crate looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    /// Message id.
    pub id: u16,
    /// QR bit: this is a response.
    pub is_response: bool,
    /// OPCODE (0 = standard query).
    pub opcode: u8,
    /// TC bit: the answer was truncated.
    pub truncated: bool,
    /// The low four bits of the response code.
    pub rcode: u8,
    /// Section counts: questions, answers, authorities, additionals.
    pub counts: [u16; 4],
}

impl Header {
    /// Parses the header; `None` if the message is shorter than 12 bytes.
    pub(crate) fn parse(msg: &[u8]) -> Option<Header> {
        let h = msg.get(..HEADER_LEN)?;
        let word = |i: usize| u16::from_be_bytes([h[i], h[i + 1]]);
        Some(Header {
            id: word(0),
            is_response: h[2] & 0x80 != 0,
            opcode: (h[2] >> 3) & 0x0f,
            truncated: h[2] & 0x02 != 0,
            rcode: h[3] & 0x0f,
            counts: [word(4), word(6), word(8), word(10)],
        })
    }
}

/// The single question of a message, with its name as it appears on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Question<'a> {
    /// The uncompressed wire-format name, including the final zero byte.
    pub name: &'a [u8],
    /// QTYPE.
    pub qtype: u16,
    /// QCLASS.
    pub qclass: u16,
    /// Offset just past the question.
    pub end: usize,
}

impl Question<'_> {
    /// True if both questions ask the same thing (names compared ASCII case-insensitively).
    pub(crate) fn same_as(&self, other: &Question<'_>) -> bool {
        self.qtype == other.qtype
            && self.qclass == other.qclass
            && self.name.eq_ignore_ascii_case(other.name)
    }
}

/// Reads the question of a message that has exactly one. The question name must not be
/// compressed (nothing precedes it that it could point to).
pub(crate) fn question(msg: &[u8]) -> Option<Question<'_>> {
    let header = Header::parse(msg)?;
    if header.counts[0] != 1 {
        return None;
    }
    let name_end = uncompressed_name_end(msg, HEADER_LEN)?;
    let qtype = read_u16(msg, name_end)?;
    let qclass = read_u16(msg, name_end + 2)?;
    Some(Question {
        name: &msg[HEADER_LEN..name_end],
        qtype,
        qclass,
        end: name_end + 4,
    })
}

/// End offset of an uncompressed name starting at `pos`.
fn uncompressed_name_end(msg: &[u8], mut pos: usize) -> Option<usize> {
    let start = pos;
    // Each label takes at least one byte, so the loop is bounded by the name length limit.
    for _ in 0..=MAX_NAME_LEN {
        let len = usize::from(*msg.get(pos)?);
        if len == 0 {
            return (pos + 1 - start <= MAX_NAME_LEN).then_some(pos + 1);
        }
        if len > 63 {
            return None;
        }
        pos += 1 + len;
        if pos - start >= MAX_NAME_LEN {
            return None;
        }
    }
    None
}

/// Offset just past a possibly compressed name starting at `pos` (pointers are not followed).
fn skip_name(msg: &[u8], mut pos: usize) -> Option<usize> {
    let start = pos;
    for _ in 0..=MAX_NAME_LEN {
        let len = *msg.get(pos)?;
        match len {
            0 => return Some(pos + 1),
            1..=63 => {
                pos += 1 + usize::from(len);
                if pos - start >= MAX_NAME_LEN {
                    return None;
                }
            }
            0xc0..=0xff => {
                let target = usize::from(read_u16(msg, pos)? & 0x3fff);
                return (target < pos).then_some(pos + 2);
            }
            _ => return None,
        }
    }
    None
}

/// Which section of the message a record is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    /// Answer section.
    Answer,
    /// Authority section.
    Authority,
    /// Additional section.
    Additional,
}

/// Where one resource record sits in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecordPos {
    /// The section it is in.
    pub section: Section,
    /// TYPE.
    pub rtype: u16,
    /// Offset of the 4-byte TTL field.
    pub ttl_offset: usize,
    /// The RDATA bytes.
    pub rdata: Range<usize>,
}

impl RecordPos {
    /// True if the TTL field holds a real TTL (not OPT flags or a TSIG zero).
    pub(crate) fn has_ttl(&self) -> bool {
        self.rtype != TYPE_OPT && self.rtype != TYPE_TSIG
    }

    /// True for an SOA record.
    pub(crate) fn is_soa(&self) -> bool {
        self.rtype == TYPE_SOA
    }
}

/// A message whose records have all been located.
#[derive(Debug, Clone)]
pub(crate) struct Walked<'a> {
    /// Header fields.
    pub header: Header,
    /// The question.
    pub question: Question<'a>,
    /// Every record, in wire order.
    pub records: Vec<RecordPos>,
    /// Offset just past the last record; bytes after it are ignored.
    pub end: usize,
}

impl Walked<'_> {
    /// The EDNS(0) OPT record, if any.
    pub(crate) fn opt(&self) -> Option<&RecordPos> {
        self.records
            .iter()
            .find(|r| r.section == Section::Additional && r.rtype == TYPE_OPT)
    }
}

/// Walks a whole message with one question, locating every record.
pub(crate) fn walk(msg: &[u8]) -> Option<Walked<'_>> {
    let header = Header::parse(msg)?;
    let question = question(msg)?;
    let [_, answers, authorities, additionals] = header.counts;
    let total = usize::from(answers) + usize::from(authorities) + usize::from(additionals);
    // Each record takes at least 11 bytes; reject counts the message cannot hold before allocating.
    if total > msg.len() / 11 {
        return None;
    }
    let mut records = Vec::with_capacity(total);
    let mut pos = question.end;
    for (section, count) in [
        (Section::Answer, answers),
        (Section::Authority, authorities),
        (Section::Additional, additionals),
    ] {
        for _ in 0..count {
            let name_end = skip_name(msg, pos)?;
            let rtype = read_u16(msg, name_end)?;
            let rdlen = usize::from(read_u16(msg, name_end + 8)?);
            let rdata_start = name_end + 10;
            let rdata_end = rdata_start + rdlen;
            if rdata_end > msg.len() {
                return None;
            }
            records.push(RecordPos {
                section,
                rtype,
                ttl_offset: name_end + 4,
                rdata: rdata_start..rdata_end,
            });
            pos = rdata_end;
        }
    }
    Some(Walked {
        header,
        question,
        records,
        end: pos,
    })
}

/// The MINIMUM field of an SOA record's RDATA (the last of its five 32-bit fields).
pub(crate) fn soa_minimum(msg: &[u8], rdata: &Range<usize>) -> Option<u32> {
    let after_mname = skip_name(msg, rdata.start)?;
    let after_rname = skip_name(msg, after_mname)?;
    if after_rname + 20 != rdata.end {
        return None;
    }
    read_u32(msg, after_rname + 16)
}

/// The DO (DNSSEC OK) bit of an OPT record.
pub(crate) fn dnssec_ok(msg: &[u8], opt: &RecordPos) -> bool {
    msg.get(opt.ttl_offset + 2).is_some_and(|b| b & 0x80 != 0)
}

/// The requestor's UDP payload size from an OPT record (its CLASS field).
pub(crate) fn udp_payload_size(msg: &[u8], opt: &RecordPos) -> Option<u16> {
    read_u16(msg, opt.ttl_offset.checked_sub(2)?)
}

/// Writes `name` over the question name of `msg` if they differ only in ASCII case, so that an
/// answer shared between clients carries each client's own spelling.
pub(crate) fn restore_question_case(msg: &mut [u8], name: &[u8]) {
    let end = HEADER_LEN + name.len();
    if let Some(slot) = msg.get_mut(HEADER_LEN..end)
        && slot.eq_ignore_ascii_case(name)
    {
        slot.copy_from_slice(name);
    }
}

/// What a query's EDNS(0) OPT record asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct QueryEdns {
    /// The requestor's UDP payload size.
    pub payload: u16,
    /// The DO (DNSSEC OK) bit.
    pub dnssec_ok: bool,
}

/// The OPT record of a query whose question ends at `question_end`, looked up cheaply: queries
/// carry it in the additional section, usually with nothing before it. `None` without EDNS.
pub(crate) fn query_edns(query: &[u8], question_end: usize) -> Option<QueryEdns> {
    let header = Header::parse(query)?;
    if header.counts[3] == 0 {
        return None;
    }
    let lone_root_opt = header.counts[1] == 0
        && header.counts[2] == 0
        && header.counts[3] == 1
        && query.get(question_end) == Some(&0)
        && read_u16(query, question_end + 1) == Some(TYPE_OPT);
    if lone_root_opt {
        return Some(QueryEdns {
            payload: read_u16(query, question_end + 3)?,
            dnssec_ok: query.get(question_end + 7)? & 0x80 != 0,
        });
    }
    let walked = walk(query)?;
    let opt = walked.opt()?;
    Some(QueryEdns {
        payload: udp_payload_size(query, opt)?,
        dnssec_ok: dnssec_ok(query, opt),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A response to `a.b.` A with one answer (name compressed) and one OPT record.
    fn sample() -> Vec<u8> {
        let mut m = vec![0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 1];
        m.extend_from_slice(&[1, b'a', 1, b'b', 0, 0, 1, 0, 1]);
        m.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 192, 0, 2, 1]);
        m.extend_from_slice(&[0, 0, 41, 0x10, 0, 0, 0, 0x80, 0, 0, 0]);
        m
    }

    #[test]
    fn walks_records_and_finds_ttls() {
        let m = sample();
        let w = walk(&m).expect("well-formed");
        assert_eq!(w.header.id, 0x1234);
        assert!(w.header.is_response);
        assert_eq!(w.question.name, &[1, b'a', 1, b'b', 0]);
        assert_eq!(w.question.qtype, 1);
        assert_eq!(w.records.len(), 2);
        assert_eq!(read_u32(&m, w.records[0].ttl_offset), Some(3600));
        assert!(w.records[0].has_ttl());
        let opt = w.opt().expect("opt");
        assert!(!opt.has_ttl());
        assert!(dnssec_ok(&m, opt));
        assert_eq!(udp_payload_size(&m, opt), Some(4096));
        assert_eq!(w.end, m.len());
    }

    #[test]
    fn query_edns_fast_and_slow_paths_agree() {
        let mut q = sample();
        q[2] = 0x01; // a query
        q[7] = 0; // no answers: the OPT record follows the question directly
        q.drain(21..37);
        let fast = query_edns(&q, 21).expect("opt");
        assert_eq!(
            fast,
            QueryEdns {
                payload: 4096,
                dnssec_ok: true
            }
        );
        let r = sample();
        assert_eq!(query_edns(&r, 21), Some(fast));
        q[11] = 0;
        q.truncate(21);
        assert_eq!(query_edns(&q, 21), None);
    }

    #[test]
    fn every_truncation_is_rejected_without_panicking() {
        let m = sample();
        for len in 0..m.len() {
            assert!(walk(&m[..len]).is_none(), "prefix of {len} bytes accepted");
        }
    }

    #[test]
    fn forward_pointers_and_long_labels_are_rejected() {
        let mut m = sample();
        m[21] = 200; // answer name now points forward, past itself
        assert!(walk(&m).is_none());
        let mut m = sample();
        m[12] = 64; // label length with reserved bits
        assert!(walk(&m).is_none());
    }

    #[test]
    fn huge_counts_do_not_allocate() {
        let mut m = sample();
        m[6] = 0xff;
        m[7] = 0xff;
        assert!(walk(&m).is_none());
    }
}
