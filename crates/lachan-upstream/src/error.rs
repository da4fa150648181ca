//! Errors of building a forwarder and of forwarding a query.

use std::fmt;
use std::sync::Arc;

use hickory_proto::op::ResponseCode;

use crate::SpecError;

/// Why a [`Forwarder`](crate::Forwarder) could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpstreamError {
    /// The list of upstreams was empty.
    #[error(
        "no upstream resolvers configured: give at least one, e.g. 9.9.9.9 or tls://1.1.1.1?name=cloudflare-dns.com"
    )]
    NoUpstreams,
    /// The per-attempt timeout was zero.
    #[error("the upstream timeout is zero: give a positive duration such as 2 s")]
    ZeroTimeout,
    /// An upstream address was unusable.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// `extra_roots_pem` held no usable certificate.
    #[error("the extra trusted certificates are unusable ({0}): give PEM CERTIFICATE blocks")]
    ExtraRoots(String),
    /// The TLS library refused the configuration.
    #[error("cannot set up TLS for upstreams: {0}")]
    Tls(String),
}

/// Why one upstream did not give a usable answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FailureReason {
    /// No matching answer arrived within the per-attempt timeout.
    #[error("no answer within the timeout")]
    Timeout,
    /// Sending or receiving failed (connection refused, reset, unreachable, ...).
    #[error("network error: {0}")]
    Network(String),
    /// The TLS handshake or session failed (e.g. an untrusted certificate).
    #[error("TLS error: {0}")]
    Tls(String),
    /// The DNS-over-HTTPS server answered with an HTTP error or an unexpected body.
    #[error("HTTP error: {0}")]
    Http(String),
    /// The answer could not be parsed, or did not answer the question.
    #[error("malformed answer: {0}")]
    Malformed(String),
    /// The upstream answered SERVFAIL or REFUSED.
    #[error("answered {}", rcode_name(*.0))]
    Rcode(ResponseCode),
}

impl FailureReason {
    /// True if the failure says the upstream itself is unwell (and it should be tried last
    /// for a while). SERVFAIL is usually about the name asked, so it does not count.
    pub(crate) fn is_upstream_fault(&self) -> bool {
        !matches!(self, FailureReason::Rcode(ResponseCode::ServFail))
    }

    /// Classifies an I/O error, telling TLS failures apart from network ones.
    pub(crate) fn from_io(err: &std::io::Error) -> FailureReason {
        match err
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            Some(tls) => FailureReason::Tls(tls.to_string()),
            None => FailureReason::Network(err.to_string()),
        }
    }
}

/// One upstream's failure while forwarding a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The upstream's display name.
    pub upstream: Arc<str>,
    /// What went wrong.
    pub reason: FailureReason,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.upstream, self.reason)
    }
}

/// Why a query could not be forwarded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ForwardError {
    /// The client's message is not a standard query with one question; answer it FORMERR.
    #[error("not a forwardable DNS query: {0}")]
    BadQuery(&'static str),
    /// Every upstream was tried and none gave a usable answer; answer SERVFAIL.
    #[error(
        "every upstream failed ({}): check that they are reachable and answering",
        list(.0)
    )]
    AllFailed(Vec<Failure>),
}

impl ForwardError {
    /// The failures in the order the upstreams were tried (empty for [`ForwardError::BadQuery`]).
    pub fn failures(&self) -> &[Failure] {
        match self {
            ForwardError::BadQuery(_) => &[],
            ForwardError::AllFailed(failures) => failures,
        }
    }
}

/// The RFC mnemonic of the response codes that count as failures.
fn rcode_name(code: ResponseCode) -> String {
    match code {
        ResponseCode::ServFail => "SERVFAIL".to_owned(),
        ResponseCode::Refused => "REFUSED".to_owned(),
        other => other.to_string(),
    }
}

fn list(failures: &[Failure]) -> String {
    failures
        .iter()
        .map(Failure::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
