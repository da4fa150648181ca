//! The DNS wire format on the answer path: parsing a query's header, question and EDNS record,
//! and writing the answers Lachan gives itself (blocks, rewrites, refusals) without building a
//! full message object. Upstream answers are handled by `lachan-upstream` with hickory-proto.

use std::net::IpAddr;

/// Resource record types used on the answer path.
pub mod rtype {
    /// IPv4 address.
    pub const A: u16 = 1;
    /// Canonical name.
    pub const CNAME: u16 = 5;
    /// Start of authority.
    pub const SOA: u16 = 6;
    /// IPv6 address.
    pub const AAAA: u16 = 28;
    /// EDNS pseudo-record.
    pub const OPT: u16 = 41;
    /// HTTPS service binding.
    pub const HTTPS: u16 = 65;
}

/// Response codes Lachan answers with.
pub mod rcode {
    /// No error.
    pub const NOERROR: u8 = 0;
    /// The query could not be parsed.
    pub const FORMERR: u8 = 1;
    /// The server failed to answer (every upstream failed).
    pub const SERVFAIL: u8 = 2;
    /// The name does not exist.
    pub const NXDOMAIN: u8 = 3;
    /// The kind of query is not supported.
    pub const NOTIMP: u8 = 4;
    /// The server refuses to answer.
    pub const REFUSED: u8 = 5;
}

/// Extended DNS Error (RFC 8914) info codes Lachan uses.
pub mod ede {
    /// "Blocked": blocked by the operator's policy.
    pub const BLOCKED: u16 = 15;
    /// "Filtered": blocked by a filter the client (its guardian) asked for.
    pub const FILTERED: u16 = 17;
    /// "Prohibited": the client is not allowed to use this resolver.
    pub const PROHIBITED: u16 = 18;
    /// "Stale Answer": served from cache past its TTL (RFC 8767).
    pub const STALE_ANSWER: u16 = 3;
    /// "Network Error": no upstream could be reached.
    pub const NETWORK_ERROR: u16 = 23;
    /// "Other Error".
    pub const OTHER: u16 = 0;
}

const HEADER_LEN: usize = 12;
const EDNS_OPTION_EDE: u16 = 15;
/// The largest name in presentation form (RFC 1035: 255 octets on the wire).
const MAX_NAME_WIRE: usize = 255;

/// Why a packet is not a query Lachan can answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// Shorter than a DNS header: nothing to answer, drop it.
    #[error("packet shorter than a DNS header")]
    TooShort,
    /// The QR bit is set: a response sent to us; drop it (never answer answers).
    #[error("packet is a response, not a query")]
    NotAQuery,
    /// The header is readable but the question is not: answer FORMERR.
    #[error("malformed question: {0}")]
    Malformed(&'static str),
    /// An opcode other than QUERY: answer NOTIMP.
    #[error("opcode {0} is not supported")]
    UnsupportedOpcode(u8),
}

impl WireError {
    /// The response code to answer with, or `None` when the packet must be dropped.
    pub fn rcode(self) -> Option<u8> {
        match self {
            WireError::TooShort | WireError::NotAQuery => None,
            WireError::Malformed(_) => Some(rcode::FORMERR),
            WireError::UnsupportedOpcode(_) => Some(rcode::NOTIMP),
        }
    }
}

/// What the query's OPT record said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edns {
    /// The largest UDP answer the client accepts (at least 512).
    pub udp_size: u16,
    /// The DNSSEC OK bit.
    pub dnssec_ok: bool,
}

/// A parsed query: enough to decide and to answer it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// The transaction id.
    pub id: u16,
    /// The flags word of the header (RD and CD are echoed in answers).
    pub flags: u16,
    /// The question name, lowercase, without the trailing dot ("" for the root); bytes outside
    /// letters, digits, `-` and `_` are written as `\DDD`.
    pub name: String,
    /// The question type.
    pub qtype: u16,
    /// The question class.
    pub qclass: u16,
    /// The question section exactly as received (echoed in answers).
    pub question: Vec<u8>,
    /// The EDNS record, if the query carried one.
    pub edns: Option<Edns>,
}

impl Query {
    /// The largest answer this client takes over UDP.
    pub fn udp_limit(&self) -> usize {
        self.edns.map_or(512, |e| usize::from(e.udp_size.max(512)))
    }
}

/// Reads a big-endian u16 at `at`, if present.
fn read_u16(buf: &[u8], at: usize) -> Option<u16> {
    buf.get(at..at + 2)
        .map(|b| u16::from_be_bytes([b[0], b[1]]))
}

/// Parses a query packet. Never panics, whatever the bytes.
pub fn parse_query(buf: &[u8]) -> Result<Query, WireError> {
    if buf.len() < HEADER_LEN {
        return Err(WireError::TooShort);
    }
    let id = u16::from_be_bytes([buf[0], buf[1]]);
    let flags = u16::from_be_bytes([buf[2], buf[3]]);
    if flags & 0x8000 != 0 {
        return Err(WireError::NotAQuery);
    }
    let opcode = ((flags >> 11) & 0x0f) as u8;
    if opcode != 0 {
        return Err(WireError::UnsupportedOpcode(opcode));
    }
    let qdcount = u16::from_be_bytes([buf[4], buf[5]]);
    let ancount = u16::from_be_bytes([buf[6], buf[7]]);
    let nscount = u16::from_be_bytes([buf[8], buf[9]]);
    let arcount = u16::from_be_bytes([buf[10], buf[11]]);
    if qdcount != 1 {
        return Err(WireError::Malformed(
            "a query must carry exactly one question",
        ));
    }
    let (name, after_name) = read_question_name(buf, HEADER_LEN)?;
    let qtype = read_u16(buf, after_name).ok_or(WireError::Malformed("question truncated"))?;
    let qclass = read_u16(buf, after_name + 2).ok_or(WireError::Malformed("question truncated"))?;
    let question_end = after_name + 4;
    let edns = read_edns(buf, question_end, ancount, nscount, arcount)?;
    Ok(Query {
        id,
        flags,
        name,
        qtype,
        qclass,
        question: buf[HEADER_LEN..question_end].to_vec(),
        edns,
    })
}

/// Reads the uncompressed question name at `at`; returns it in presentation form and the offset
/// after it. Compression pointers are not allowed in a question (nothing precedes it).
fn read_question_name(buf: &[u8], mut at: usize) -> Result<(String, usize), WireError> {
    let mut name = String::with_capacity(32);
    let start = at;
    loop {
        let len = *buf.get(at).ok_or(WireError::Malformed("name truncated"))? as usize;
        if len == 0 {
            at += 1;
            break;
        }
        if len & 0xc0 != 0 {
            return Err(WireError::Malformed(
                "compressed or extended label in question",
            ));
        }
        let label = buf
            .get(at + 1..at + 1 + len)
            .ok_or(WireError::Malformed("label truncated"))?;
        if !name.is_empty() {
            name.push('.');
        }
        push_label(&mut name, label);
        at += 1 + len;
        // The final zero byte counts too: with it, a name is at most 255 bytes.
        if at - start >= MAX_NAME_WIRE {
            return Err(WireError::Malformed("name longer than 255 bytes"));
        }
    }
    Ok((name, at))
}

/// Appends one label, lowercased, escaping bytes that are not letters, digits, `-` or `_`.
fn push_label(name: &mut String, label: &[u8]) {
    for &b in label {
        match b {
            b'A'..=b'Z' => name.push((b + 32) as char),
            b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' => name.push(b as char),
            _ => {
                name.push('\\');
                name.push((b'0' + b / 100) as char);
                name.push((b'0' + (b / 10) % 10) as char);
                name.push((b'0' + b % 10) as char);
            }
        }
    }
}

/// Skips one resource record's owner name (compression allowed) and returns the offset after it.
fn skip_name(buf: &[u8], mut at: usize) -> Result<usize, WireError> {
    for _ in 0..128 {
        let len = *buf
            .get(at)
            .ok_or(WireError::Malformed("record name truncated"))? as usize;
        match len {
            0 => return Ok(at + 1),
            l if l & 0xc0 == 0xc0 => return Ok(at + 2),
            l if l & 0xc0 != 0 => return Err(WireError::Malformed("unknown label type")),
            l => at += 1 + l,
        }
    }
    Err(WireError::Malformed("record name has too many labels"))
}

/// Walks the records after the question and returns the OPT record, if any.
fn read_edns(
    buf: &[u8],
    mut at: usize,
    ancount: u16,
    nscount: u16,
    arcount: u16,
) -> Result<Option<Edns>, WireError> {
    let total = u32::from(ancount) + u32::from(nscount) + u32::from(arcount);
    let mut edns = None;
    for index in 0..total {
        at = skip_name(buf, at)?;
        let rtype = read_u16(buf, at).ok_or(WireError::Malformed("record truncated"))?;
        let class = read_u16(buf, at + 2).ok_or(WireError::Malformed("record truncated"))?;
        let ttl_high = read_u16(buf, at + 6).ok_or(WireError::Malformed("record truncated"))?;
        let rdlen = read_u16(buf, at + 8).ok_or(WireError::Malformed("record truncated"))?;
        let end = at + 10 + usize::from(rdlen);
        if end > buf.len() {
            return Err(WireError::Malformed("record data truncated"));
        }
        if rtype == rtype::OPT && index >= u32::from(ancount) + u32::from(nscount) {
            if edns.is_some() {
                return Err(WireError::Malformed("more than one OPT record"));
            }
            edns = Some(Edns {
                udp_size: class.max(512),
                dnssec_ok: ttl_high & 0x8000 != 0,
            });
        }
        at = end;
    }
    Ok(edns)
}

/// Writes a name in wire form (uncompressed). `name` is in the form [`Query::name`] uses.
pub fn write_name(out: &mut Vec<u8>, name: &str) {
    for label in name.split('.').filter(|l| !l.is_empty()) {
        let bytes = unescape_label(label);
        let len = bytes.len().min(63);
        out.push(len as u8);
        out.extend_from_slice(&bytes[..len]);
    }
    out.push(0);
}

/// Turns `\DDD` escapes back into bytes.
fn unescape_label(label: &str) -> Vec<u8> {
    let raw = label.as_bytes();
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\\' && i + 3 < raw.len() && raw[i + 1..i + 4].iter().all(u8::is_ascii_digit)
        {
            let value = u16::from(raw[i + 1] - b'0') * 100
                + u16::from(raw[i + 2] - b'0') * 10
                + u16::from(raw[i + 3] - b'0');
            out.push(value.min(255) as u8);
            i += 4;
        } else {
            out.push(raw[i]);
            i += 1;
        }
    }
    out
}

/// One record of an answer Lachan writes itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// An address record (A or AAAA, by the address family).
    Address {
        /// Owner name; `None` is the question name.
        owner: Option<String>,
        /// The address.
        ip: IpAddr,
    },
    /// A CNAME from the question name to `target`.
    Cname {
        /// The canonical name.
        target: String,
    },
}

/// Builds answers to one query: header, echoed question, records, and an OPT record when the
/// query had one (carrying an Extended DNS Error when given).
pub struct AnswerBuilder<'q> {
    query: &'q Query,
    rcode: u8,
    records: Vec<Record>,
    ttl: u32,
    ede: Option<(u16, &'q str)>,
    authoritative: bool,
}

impl<'q> AnswerBuilder<'q> {
    /// An empty NOERROR answer to `query`.
    pub fn new(query: &'q Query) -> Self {
        AnswerBuilder {
            query,
            rcode: rcode::NOERROR,
            records: Vec::new(),
            ttl: 0,
            ede: None,
            authoritative: false,
        }
    }

    /// Sets the response code.
    pub fn rcode(mut self, rcode: u8) -> Self {
        self.rcode = rcode;
        self
    }

    /// Sets the TTL of every record written.
    pub fn ttl(mut self, ttl: u32) -> Self {
        self.ttl = ttl;
        self
    }

    /// Adds a record.
    pub fn record(mut self, record: Record) -> Self {
        self.records.push(record);
        self
    }

    /// Adds an Extended DNS Error (RFC 8914); only sent when the query had EDNS.
    pub fn ede(mut self, code: u16, text: &'q str) -> Self {
        self.ede = Some((code, text));
        self
    }

    /// Marks the answer authoritative (Lachan's own data).
    pub fn authoritative(mut self) -> Self {
        self.authoritative = true;
        self
    }

    /// Writes the answer.
    pub fn build(self) -> Vec<u8> {
        let q = self.query;
        let mut out = Vec::with_capacity(64 + q.question.len() + self.records.len() * 32);
        out.extend_from_slice(&q.id.to_be_bytes());
        // QR, opcode 0, AA as asked, RD and CD echoed, RA set.
        let mut flags: u16 = 0x8000 | 0x0080 | (q.flags & 0x0100) | (q.flags & 0x0010);
        if self.authoritative {
            flags |= 0x0400;
        }
        flags |= u16::from(self.rcode & 0x0f);
        out.extend_from_slice(&flags.to_be_bytes());
        out.extend_from_slice(&1u16.to_be_bytes());
        out.extend_from_slice(&(self.records.len() as u16).to_be_bytes());
        out.extend_from_slice(&0u16.to_be_bytes());
        out.extend_from_slice(&u16::from(q.edns.is_some()).to_be_bytes());
        out.extend_from_slice(&q.question);
        let mut cname_target_at: Option<usize> = None;
        for record in &self.records {
            match record {
                Record::Cname { target } => {
                    out.extend_from_slice(&[0xc0, 0x0c]);
                    out.extend_from_slice(&rtype::CNAME.to_be_bytes());
                    out.extend_from_slice(&1u16.to_be_bytes());
                    out.extend_from_slice(&self.ttl.to_be_bytes());
                    let len_at = out.len();
                    out.extend_from_slice(&[0, 0]);
                    cname_target_at = Some(out.len());
                    write_name(&mut out, target);
                    let rdlen = (out.len() - len_at - 2) as u16;
                    out[len_at..len_at + 2].copy_from_slice(&rdlen.to_be_bytes());
                }
                Record::Address { owner, ip } => {
                    match (owner, cname_target_at) {
                        (None, _) => out.extend_from_slice(&[0xc0, 0x0c]),
                        (Some(_), Some(at)) if at < 0x3fff => {
                            out.extend_from_slice(&(0xc000 | at as u16).to_be_bytes())
                        }
                        (Some(name), _) => write_name(&mut out, name),
                    }
                    let (kind, data): (u16, Vec<u8>) = match ip {
                        IpAddr::V4(v4) => (rtype::A, v4.octets().to_vec()),
                        IpAddr::V6(v6) => (rtype::AAAA, v6.octets().to_vec()),
                    };
                    out.extend_from_slice(&kind.to_be_bytes());
                    out.extend_from_slice(&1u16.to_be_bytes());
                    out.extend_from_slice(&self.ttl.to_be_bytes());
                    out.extend_from_slice(&(data.len() as u16).to_be_bytes());
                    out.extend_from_slice(&data);
                }
            }
        }
        if q.edns.is_some() {
            write_opt(&mut out, self.ede);
        }
        out
    }
}

/// Writes an OPT record advertising 1232-byte UDP answers, with an optional EDE option.
fn write_opt(out: &mut Vec<u8>, ede: Option<(u16, &str)>) {
    out.push(0);
    out.extend_from_slice(&rtype::OPT.to_be_bytes());
    out.extend_from_slice(&1232u16.to_be_bytes());
    out.extend_from_slice(&0u32.to_be_bytes());
    match ede {
        Some((code, text)) => {
            let text = &text.as_bytes()[..text.len().min(300)];
            let option_len = 2 + text.len();
            out.extend_from_slice(&((4 + option_len) as u16).to_be_bytes());
            out.extend_from_slice(&EDNS_OPTION_EDE.to_be_bytes());
            out.extend_from_slice(&(option_len as u16).to_be_bytes());
            out.extend_from_slice(&code.to_be_bytes());
            out.extend_from_slice(text);
        }
        None => out.extend_from_slice(&0u16.to_be_bytes()),
    }
}

/// Rewrites an answer from the upstream or the cache for the client: sets the client's id,
/// echoes the client's spelling of the question (a cached answer carries the spelling of
/// whoever filled the cache; resolvers using 0x20 case randomisation check it) and, when it is
/// larger than `limit` bytes (a UDP client), replaces it with a truncated (TC) answer so the
/// client retries over TCP.
pub fn fit_for_client(mut answer: Vec<u8>, query: &Query, limit: usize) -> Vec<u8> {
    if answer.len() < HEADER_LEN {
        return AnswerBuilder::new(query).rcode(rcode::SERVFAIL).build();
    }
    answer[0..2].copy_from_slice(&query.id.to_be_bytes());
    let question = HEADER_LEN..HEADER_LEN + query.question.len();
    if answer[4..6] == [0, 1]
        && let Some(echoed) = answer.get_mut(question)
        && echoed.eq_ignore_ascii_case(&query.question)
    {
        echoed.copy_from_slice(&query.question);
    }
    if answer.len() <= limit {
        return answer;
    }
    let mut truncated = AnswerBuilder::new(query).build();
    truncated[2] |= 0x02; // TC
    let rcode = answer[3] & 0x0f;
    truncated[3] = (truncated[3] & 0xf0) | rcode;
    truncated
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::op::{Edns as HEdns, Message, MessageType, OpCode, Query as HQuery};
    use hickory_proto::rr::{Name, RData, RecordType};

    fn query_bytes(name: &str, rtype: RecordType, edns: bool) -> Vec<u8> {
        let mut m = Message::new(0x1234, MessageType::Query, OpCode::Query);
        m.metadata.recursion_desired = true;
        m.add_query(HQuery::query(Name::from_ascii(name).unwrap(), rtype));
        if edns {
            let mut e = HEdns::new();
            e.set_max_payload(1400);
            e.set_dnssec_ok(true);
            m.set_edns(e);
        }
        m.to_vec().unwrap()
    }

    #[test]
    fn parses_name_type_and_edns() {
        let q = parse_query(&query_bytes("WWW.Example.COM.", RecordType::AAAA, true)).unwrap();
        assert_eq!(q.id, 0x1234);
        assert_eq!(q.name, "www.example.com");
        assert_eq!(q.qtype, rtype::AAAA);
        assert_eq!(q.qclass, 1);
        assert_eq!(
            q.edns,
            Some(Edns {
                udp_size: 1400,
                dnssec_ok: true
            })
        );
        assert_eq!(q.udp_limit(), 1400);
        let plain = parse_query(&query_bytes("a.b.", RecordType::A, false)).unwrap();
        assert_eq!(plain.edns, None);
        assert_eq!(plain.udp_limit(), 512);
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        assert_eq!(parse_query(&[0; 5]), Err(WireError::TooShort));
        let mut response = query_bytes("a.", RecordType::A, false);
        response[2] |= 0x80;
        assert_eq!(parse_query(&response), Err(WireError::NotAQuery));
        let mut cut = query_bytes("example.com.", RecordType::A, false);
        cut.truncate(20);
        assert!(matches!(parse_query(&cut), Err(WireError::Malformed(_))));
        let mut two = query_bytes("a.", RecordType::A, false);
        two[5] = 2;
        assert!(matches!(parse_query(&two), Err(WireError::Malformed(_))));
        let mut update = query_bytes("a.", RecordType::A, false);
        update[2] |= 5 << 3;
        assert_eq!(parse_query(&update), Err(WireError::UnsupportedOpcode(5)));
        assert_eq!(WireError::UnsupportedOpcode(5).rcode(), Some(rcode::NOTIMP));
        // Every prefix and a byte flip at every position of a real query must not panic.
        let good = query_bytes("www.example.com.", RecordType::A, true);
        for len in 0..good.len() {
            let _ = parse_query(&good[..len]);
        }
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0xff;
            let _ = parse_query(&bad);
        }
    }

    fn question_with_labels(lengths: &[usize]) -> Vec<u8> {
        let mut packet = vec![0x12, 0x34, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        for &len in lengths {
            packet.push(len as u8);
            packet.extend(std::iter::repeat_n(b'a', len));
        }
        packet.extend_from_slice(&[0, 0, 1, 0, 1]);
        packet
    }

    #[test]
    fn names_are_at_most_255_bytes_with_the_final_zero() {
        assert!(parse_query(&question_with_labels(&[63, 63, 63, 61])).is_ok());
        assert_eq!(
            parse_query(&question_with_labels(&[63, 63, 63, 62])),
            Err(WireError::Malformed("name longer than 255 bytes"))
        );
    }

    #[test]
    fn odd_bytes_in_names_are_escaped_and_round_trip() {
        let mut packet = query_bytes("ab.example.", RecordType::A, false);
        packet[13] = b'.';
        let q = parse_query(&packet).unwrap();
        assert_eq!(q.name, "\\046b.example");
        let mut wire = Vec::new();
        write_name(&mut wire, &q.name);
        assert_eq!(&wire[..], &packet[12..12 + wire.len()]);
    }

    #[test]
    fn block_answer_with_ede_is_valid_dns() {
        let q = parse_query(&query_bytes("ads.example.", RecordType::A, true)).unwrap();
        let bytes = AnswerBuilder::new(&q)
            .ttl(10)
            .record(Record::Address {
                owner: None,
                ip: "0.0.0.0".parse().unwrap(),
            })
            .ede(ede::FILTERED, "Lachan: blocked (adult)")
            .build();
        let m = Message::from_vec(&bytes).unwrap();
        assert_eq!(m.metadata.id, 0x1234);
        assert_eq!(m.metadata.message_type, MessageType::Response);
        assert!(m.metadata.recursion_desired && m.metadata.recursion_available);
        assert_eq!(m.answers.len(), 1);
        assert_eq!(m.answers[0].ttl, 10);
        assert_eq!(m.answers[0].data, RData::A("0.0.0.0".parse().unwrap()));
        let opt = m.edns.expect("OPT echoed");
        let ede = opt
            .option(hickory_proto::rr::rdata::opt::EdnsCode::Unknown(15))
            .expect("EDE option");
        match ede {
            hickory_proto::rr::rdata::opt::EdnsOption::Unknown(15, data) => {
                assert_eq!(u16::from_be_bytes([data[0], data[1]]), ede::FILTERED);
                assert_eq!(&data[2..], b"Lachan: blocked (adult)");
            }
            other => panic!("unexpected option {other:?}"),
        }
    }

    #[test]
    fn cname_chain_points_addresses_at_the_target() {
        let q = parse_query(&query_bytes("www.google.com.vn.", RecordType::A, false)).unwrap();
        let bytes = AnswerBuilder::new(&q)
            .ttl(300)
            .record(Record::Cname {
                target: "forcesafesearch.google.com".into(),
            })
            .record(Record::Address {
                owner: Some("forcesafesearch.google.com".into()),
                ip: "216.239.38.120".parse().unwrap(),
            })
            .build();
        let m = Message::from_vec(&bytes).unwrap();
        assert!(m.edns.is_none());
        assert_eq!(m.answers.len(), 2);
        assert_eq!(m.answers[0].name.to_ascii(), "www.google.com.vn.");
        assert_eq!(
            m.answers[0].data,
            RData::CNAME(hickory_proto::rr::rdata::CNAME(
                Name::from_ascii("forcesafesearch.google.com.").unwrap()
            ))
        );
        assert_eq!(m.answers[1].name.to_ascii(), "forcesafesearch.google.com.");
    }

    #[test]
    fn answers_echo_the_clients_spelling_of_the_question() {
        let filled_by =
            parse_query(&query_bytes("www.example.com.", RecordType::A, false)).unwrap();
        let cached = AnswerBuilder::new(&filled_by)
            .ttl(60)
            .record(Record::Address {
                owner: None,
                ip: "192.0.2.1".parse().unwrap(),
            })
            .build();
        let asker = parse_query(&query_bytes("wWw.ExAmple.COM.", RecordType::A, false)).unwrap();
        let fitted = fit_for_client(cached, &asker, 512);
        let m = Message::from_vec(&fitted).unwrap();
        assert_eq!(m.queries[0].name().to_ascii(), "wWw.ExAmple.COM.");
        assert_eq!(m.answers.len(), 1);
    }

    #[test]
    fn oversized_answers_are_truncated_for_udp_clients() {
        let q = parse_query(&query_bytes("big.example.", RecordType::A, false)).unwrap();
        let mut big = AnswerBuilder::new(&q);
        for i in 0..60u8 {
            big = big.record(Record::Address {
                owner: None,
                ip: IpAddr::from([10, 0, 0, i]),
            });
        }
        let big = big.build();
        assert!(big.len() > 512);
        let fitted = fit_for_client(big.clone(), &q, q.udp_limit());
        let m = Message::from_vec(&fitted).unwrap();
        assert!(m.metadata.truncation);
        assert!(m.answers.is_empty());
        assert_eq!(fit_for_client(big.clone(), &q, 65535), big);
    }
}
