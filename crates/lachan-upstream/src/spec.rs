//! Upstream resolver addresses as users write them, and `resolv.conf` import.

use std::fmt;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::str::FromStr;

use rustls::pki_types::ServerName;

/// Default port of plain DNS.
const DNS_PORT: u16 = 53;
/// Default port of DNS-over-TLS (RFC 7858).
const DOT_PORT: u16 = 853;
/// Default port of HTTPS.
const HTTPS_PORT: u16 = 443;

/// One upstream resolver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpstreamSpec {
    /// Plain DNS: UDP, retried over TCP when the answer is truncated.
    Udp(SocketAddr),
    /// DNS-over-TLS (RFC 7858).
    Tls {
        /// Where to connect.
        addr: SocketAddr,
        /// The name (or IP address) the server's certificate must be valid for; also sent as SNI.
        server_name: String,
    },
    /// DNS-over-HTTPS (RFC 8484), `POST` of `application/dns-message`.
    Https {
        /// The endpoint, `https://host[:port]/path`.
        url: String,
        /// Where to connect; `None` resolves the URL's host when the forwarder is built.
        addr: Option<SocketAddr>,
    },
}

/// Why an upstream address could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// Nothing was given.
    #[error(
        "empty upstream address: give an IP address such as 9.9.9.9, tls://host or https://host/dns-query"
    )]
    Empty,
    /// A plain DNS upstream was not an IP address.
    #[error(
        "plain DNS upstream {0:?} is not an IP address: write 1.2.3.4, 1.2.3.4:5300 or [::1]:53 (hostnames are accepted only for tls:// and https://)"
    )]
    NotAnIp(String),
    /// The scheme is not one this crate speaks.
    #[error("unsupported upstream scheme in {0:?}: use a bare IP address, tls:// or https://")]
    UnsupportedScheme(String),
    /// Text after `?` other than `name=…`.
    #[error("unknown option {option:?} in {spec:?}: only ?name=<certificate name> is understood")]
    UnknownOption {
        /// The whole address.
        spec: String,
        /// The option that was not understood.
        option: String,
    },
    /// The host part is missing or malformed.
    #[error(
        "bad host {host:?} in {spec:?}: give a hostname or an IP address, optionally with :port"
    )]
    BadHost {
        /// The whole address.
        spec: String,
        /// The host part as written.
        host: String,
    },
    /// The port is not a number from 1 to 65535.
    #[error("bad port in {0:?}: use a number from 1 to 65535")]
    BadPort(String),
    /// The certificate name is not a valid DNS name or IP address.
    #[error(
        "{0:?} is not a valid certificate name: use the DNS name the server's certificate is issued for"
    )]
    BadServerName(String),
    /// The URL could not be parsed.
    #[error("bad DNS-over-HTTPS URL {url:?}: {reason}; write https://host[:port]/dns-query")]
    BadUrl {
        /// The URL as written.
        url: String,
        /// What was wrong.
        reason: String,
    },
    /// The system resolver could not resolve a hostname.
    #[error(
        "cannot resolve {host:?} with the system resolver ({reason}): use an IP address, e.g. tls://1.1.1.1?name=cloudflare-dns.com"
    )]
    Resolve {
        /// The hostname.
        host: String,
        /// The resolver's error.
        reason: String,
    },
}

impl FromStr for UpstreamSpec {
    type Err = SpecError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text.is_empty() {
            return Err(SpecError::Empty);
        }
        if let Some(rest) = strip_prefix_ignore_case(text, "tls://") {
            parse_tls(text, rest)
        } else if strip_prefix_ignore_case(text, "https://").is_some() {
            parse_https(text)
        } else if text.contains("://") {
            Err(SpecError::UnsupportedScheme(text.to_owned()))
        } else {
            match parse_ip_port(text, DNS_PORT) {
                Some(addr) => Ok(UpstreamSpec::Udp(addr)),
                None => Err(SpecError::NotAnIp(text.to_owned())),
            }
        }
    }
}

impl fmt::Display for UpstreamSpec {
    /// Writes the address in the form `FromStr` reads (without needing a lookup).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UpstreamSpec::Udp(addr) => write!(f, "{addr}"),
            UpstreamSpec::Tls { addr, server_name } if *server_name == addr.ip().to_string() => {
                write!(f, "tls://{addr}")
            }
            UpstreamSpec::Tls { addr, server_name } => write!(f, "tls://{addr}?name={server_name}"),
            UpstreamSpec::Https { url, .. } => f.write_str(url),
        }
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// `1.2.3.4`, `1.2.3.4:53`, `::1`, `[::1]`, `[::1]:53`.
fn parse_ip_port(text: &str, default_port: u16) -> Option<SocketAddr> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Some(addr);
    }
    let bare = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text);
    bare.parse::<IpAddr>()
        .ok()
        .map(|ip| SocketAddr::new(ip, default_port))
}

/// Splits `host[:port]` where host is a DNS name (IP forms are handled by `parse_ip_port`).
fn split_host_port<'a>(
    spec: &str,
    text: &'a str,
    default_port: u16,
) -> Result<(&'a str, u16), SpecError> {
    let (host, port) = match text.rsplit_once(':') {
        Some((host, port)) => {
            let port = port
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| SpecError::BadPort(spec.to_owned()))?;
            (host, port)
        }
        None => (text, default_port),
    };
    let valid = !host.is_empty()
        && host.len() <= 253
        && host
            .split('.')
            .all(|label| !label.is_empty() && label.len() <= 63)
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_');
    if !valid {
        return Err(SpecError::BadHost {
            spec: spec.to_owned(),
            host: host.to_owned(),
        });
    }
    Ok((host, port))
}

/// Resolves a hostname with the system resolver, preferring IPv4.
pub(crate) fn resolve(host: &str, port: u16) -> Result<SocketAddr, SpecError> {
    let err = |reason: String| SpecError::Resolve {
        host: host.to_owned(),
        reason,
    };
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| err(e.to_string()))?
        .collect();
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or_else(|| addrs.first())
        .copied()
        .ok_or_else(|| err("no addresses".to_owned()))
}

fn check_server_name(name: &str) -> Result<(), SpecError> {
    ServerName::try_from(name)
        .map(|_| ())
        .map_err(|_| SpecError::BadServerName(name.to_owned()))
}

fn parse_tls(spec: &str, rest: &str) -> Result<UpstreamSpec, SpecError> {
    let (hostport, name_option) = match rest.split_once('?') {
        Some((hostport, query)) => match query.strip_prefix("name=") {
            Some(name) if !name.is_empty() => (hostport, Some(name)),
            _ => {
                return Err(SpecError::UnknownOption {
                    spec: spec.to_owned(),
                    option: query.to_owned(),
                });
            }
        },
        None => (rest, None),
    };
    let hostport = hostport.trim_end_matches('/');
    let (addr, host_name) = match parse_ip_port(hostport, DOT_PORT) {
        Some(addr) => (addr, addr.ip().to_string()),
        None => {
            let (host, port) = split_host_port(spec, hostport, DOT_PORT)?;
            (resolve(host, port)?, host.to_owned())
        }
    };
    let server_name = name_option.map_or(host_name, str::to_owned);
    check_server_name(&server_name)?;
    Ok(UpstreamSpec::Tls { addr, server_name })
}

/// The parts of a DNS-over-HTTPS URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HttpsUrl {
    /// Host as written, without brackets for IPv6.
    pub host: String,
    /// Port (443 unless given).
    pub port: u16,
    /// Path and query, starting with `/`.
    pub path: String,
}

impl HttpsUrl {
    /// Parses `https://host[:port][/path]`; a missing path means `/dns-query`.
    pub(crate) fn parse(url: &str) -> Result<HttpsUrl, SpecError> {
        let bad = |reason: &str| SpecError::BadUrl {
            url: url.to_owned(),
            reason: reason.to_owned(),
        };
        let rest = strip_prefix_ignore_case(url.trim(), "https://")
            .ok_or_else(|| bad("it must start with https://"))?;
        let (authority, path) = match rest.find(['/', '?']) {
            Some(i) if rest[i..].starts_with('/') => (&rest[..i], &rest[i..]),
            Some(_) => return Err(bad("a path such as /dns-query must come before any query")),
            None => (rest, "/dns-query"),
        };
        if authority.contains('@') {
            return Err(bad("user information is not supported"));
        }
        if path
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        {
            return Err(bad("the path contains spaces or control characters"));
        }
        let (host, port) = match parse_ip_port(authority, HTTPS_PORT) {
            Some(addr) => (addr.ip().to_string(), addr.port()),
            None => {
                let (host, port) = split_host_port(url, authority, HTTPS_PORT)?;
                (host.to_owned(), port)
            }
        };
        check_server_name(&host)?;
        Ok(HttpsUrl {
            host,
            port,
            path: path.to_owned(),
        })
    }

    /// `host[:port]` as it goes into a `Host` header or URI authority.
    pub(crate) fn authority(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == HTTPS_PORT {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    /// The socket address of the host: the IP itself, or a system-resolver lookup.
    pub(crate) fn resolve(&self) -> Result<SocketAddr, SpecError> {
        match self.host.parse::<IpAddr>() {
            Ok(ip) => Ok(SocketAddr::new(ip, self.port)),
            Err(_) => resolve(&self.host, self.port),
        }
    }
}

fn parse_https(spec: &str) -> Result<UpstreamSpec, SpecError> {
    let url = HttpsUrl::parse(spec)?;
    let addr = url.resolve()?;
    Ok(UpstreamSpec::Https {
        url: format!("https://{}{}", url.authority(), url.path),
        addr: Some(addr),
    })
}

/// The `nameserver` entries of a `resolv.conf` file, as plain DNS upstreams on port 53.
///
/// Comments (`#`, `;`) and other directives are ignored, and so are entries that are not IP
/// addresses (e.g. IPv6 link-local addresses with a `%interface` suffix). Leaving out the
/// gateway's own listening addresses is the caller's job.
pub fn upstreams_from_resolv_conf(text: &str) -> Vec<UpstreamSpec> {
    text.lines()
        .filter_map(|line| {
            let line = line.split(['#', ';']).next().unwrap_or("");
            let mut words = line.split_whitespace();
            if words.next() != Some("nameserver") {
                return None;
            }
            let ip = words.next()?.parse::<IpAddr>().ok()?;
            Some(UpstreamSpec::Udp(SocketAddr::new(ip, DNS_PORT)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn udp(s: &str) -> UpstreamSpec {
        UpstreamSpec::Udp(s.parse().expect("socket address"))
    }

    #[test]
    fn plain_addresses() {
        assert_eq!("1.2.3.4".parse(), Ok(udp("1.2.3.4:53")));
        assert_eq!(" 1.2.3.4:5300 ".parse(), Ok(udp("1.2.3.4:5300")));
        assert_eq!("[::1]:53".parse(), Ok(udp("[::1]:53")));
        assert_eq!("::1".parse(), Ok(udp("[::1]:53")));
        assert_eq!("[2001:db8::1]".parse(), Ok(udp("[2001:db8::1]:53")));
    }

    #[test]
    fn plain_rejects_hostnames_and_other_schemes() {
        assert!(matches!(
            "dns.example".parse::<UpstreamSpec>(),
            Err(SpecError::NotAnIp(_))
        ));
        assert!(matches!(
            "1.2.3.4:99999".parse::<UpstreamSpec>(),
            Err(SpecError::NotAnIp(_))
        ));
        assert!(matches!(
            "quic://1.2.3.4".parse::<UpstreamSpec>(),
            Err(SpecError::UnsupportedScheme(_))
        ));
        assert_eq!("  ".parse::<UpstreamSpec>(), Err(SpecError::Empty));
    }

    #[test]
    fn tls_with_ip_and_name() {
        assert_eq!(
            "tls://1.1.1.1?name=cloudflare-dns.com".parse(),
            Ok(UpstreamSpec::Tls {
                addr: "1.1.1.1:853".parse().expect("addr"),
                server_name: "cloudflare-dns.com".into()
            })
        );
        assert_eq!(
            "TLS://[2606:4700::1111]:8853".parse(),
            Ok(UpstreamSpec::Tls {
                addr: "[2606:4700::1111]:8853".parse().expect("addr"),
                server_name: "2606:4700::1111".into()
            })
        );
    }

    #[test]
    fn tls_hostname_is_resolved_and_used_as_name() {
        // `localhost` resolves from the hosts file, without any network traffic.
        let spec: UpstreamSpec = "tls://localhost:8853".parse().expect("parses");
        let UpstreamSpec::Tls { addr, server_name } = spec else {
            panic!("not tls: {spec:?}");
        };
        assert!(addr.ip().is_loopback());
        assert_eq!(addr.port(), 8853);
        assert_eq!(server_name, "localhost");
    }

    #[test]
    fn tls_errors() {
        assert!(matches!(
            "tls://1.1.1.1?sni=x".parse::<UpstreamSpec>(),
            Err(SpecError::UnknownOption { .. })
        ));
        assert!(matches!(
            "tls://1.1.1.1?name=bad name".parse::<UpstreamSpec>(),
            Err(SpecError::BadServerName(_))
        ));
        assert!(matches!(
            "tls://dns.example:0".parse::<UpstreamSpec>(),
            Err(SpecError::BadPort(_))
        ));
        assert!(matches!(
            "tls://bad host".parse::<UpstreamSpec>(),
            Err(SpecError::BadHost { .. })
        ));
    }

    #[test]
    fn https_urls() {
        assert_eq!(
            "https://127.0.0.1:8443/dns-query".parse(),
            Ok(UpstreamSpec::Https {
                url: "https://127.0.0.1:8443/dns-query".into(),
                addr: Some("127.0.0.1:8443".parse().expect("addr"))
            })
        );
        assert_eq!(
            "https://[::1]".parse(),
            Ok(UpstreamSpec::Https {
                url: "https://[::1]/dns-query".into(),
                addr: Some("[::1]:443".parse().expect("addr"))
            })
        );
        let url = HttpsUrl::parse("https://dns.example:444/q?x=1").expect("parses");
        assert_eq!(
            (url.host.as_str(), url.port, url.path.as_str()),
            ("dns.example", 444, "/q?x=1")
        );
        assert_eq!(url.authority(), "dns.example:444");
        assert!(matches!(
            HttpsUrl::parse("http://dns.example/"),
            Err(SpecError::BadUrl { .. })
        ));
        assert!(matches!(
            HttpsUrl::parse("https://u@dns.example/"),
            Err(SpecError::BadUrl { .. })
        ));
        assert!(matches!(
            HttpsUrl::parse("https:///dns-query"),
            Err(SpecError::BadHost { .. })
        ));
    }

    #[test]
    fn display_round_trips() {
        for text in [
            "1.2.3.4:53",
            "tls://1.1.1.1:853?name=cloudflare-dns.com",
            "tls://9.9.9.9:853",
        ] {
            let spec: UpstreamSpec = text.parse().expect("parses");
            assert_eq!(spec.to_string(), text);
        }
    }

    #[test]
    fn resolv_conf() {
        let text = "# generated\nsearch lan\nnameserver 192.0.2.1\nnameserver 2001:db8::53 # v6\n\
                    ;nameserver 192.0.2.9\nnameserver fe80::1%eth0\nnameserver\noptions edns0\n  nameserver   192.0.2.2\n";
        assert_eq!(
            upstreams_from_resolv_conf(text),
            vec![
                udp("192.0.2.1:53"),
                udp("[2001:db8::53]:53"),
                udp("192.0.2.2:53")
            ]
        );
    }
}
