//! Client identification: which configured client (and so which profile) a query comes from,
//! by exact IP, by the most specific CIDR, or by MAC address through the kernel's neighbour
//! table.

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use foldhash::fast::RandomState;
use ipnet::IpNet;

/// A MAC address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Mac(pub [u8; 6]);

impl FromStr for Mac {
    type Err = ClientError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.trim().split([':', '-']).collect();
        if parts.len() != 6 {
            return Err(ClientError::BadMatcher(s.to_string()));
        }
        let mut mac = [0u8; 6];
        for (byte, part) in mac.iter_mut().zip(parts) {
            if part.len() != 2 {
                return Err(ClientError::BadMatcher(s.to_string()));
            }
            *byte =
                u8::from_str_radix(part, 16).map_err(|_| ClientError::BadMatcher(s.to_string()))?;
        }
        Ok(Mac(mac))
    }
}

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        )
    }
}

/// A client matcher that could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// Not an IP address, a CIDR or a MAC address.
    #[error(
        "'{0}' is not an IP address, a CIDR (192.168.1.0/24) or a MAC address (aa:bb:cc:dd:ee:ff)"
    )]
    BadMatcher(String),
}

/// One way to recognise a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Matcher {
    /// One address.
    Ip(IpAddr),
    /// A network.
    Net(IpNet),
    /// A hardware address, looked up in the neighbour table.
    Mac(Mac),
}

impl FromStr for Matcher {
    type Err = ClientError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if let Ok(ip) = t.parse::<IpAddr>() {
            return Ok(Matcher::Ip(ip));
        }
        if let Ok(net) = t.parse::<IpNet>() {
            return Ok(Matcher::Net(net.trunc()));
        }
        t.parse::<Mac>()
            .map(Matcher::Mac)
            .map_err(|_| ClientError::BadMatcher(s.to_string()))
    }
}

/// The table of known clients; `T` is what a client maps to (a client index).
#[derive(Debug, Clone)]
pub struct ClientTable<T> {
    by_ip: HashMap<IpAddr, T, RandomState>,
    by_net: Vec<(IpNet, T)>,
    by_mac: HashMap<Mac, T, RandomState>,
}

impl<T: Copy> Default for ClientTable<T> {
    fn default() -> Self {
        ClientTable {
            by_ip: HashMap::default(),
            by_net: Vec::new(),
            by_mac: HashMap::default(),
        }
    }
}

impl<T: Copy> ClientTable<T> {
    /// Adds a matcher for `value`; the first matcher added for an address or MAC wins.
    pub fn insert(&mut self, matcher: Matcher, value: T) {
        match matcher {
            Matcher::Ip(ip) => {
                self.by_ip.entry(ip).or_insert(value);
            }
            Matcher::Net(net) => {
                self.by_net.push((net, value));
                // Most specific network first; stable so earlier clients win ties.
                self.by_net
                    .sort_by_key(|(net, _)| std::cmp::Reverse(net.prefix_len()));
            }
            Matcher::Mac(mac) => {
                self.by_mac.entry(mac).or_insert(value);
            }
        }
    }

    /// Whether any client is recognised by MAC (so the neighbour table is worth reading).
    pub fn uses_mac(&self) -> bool {
        !self.by_mac.is_empty()
    }

    /// The client for a source address: exact IP first, then MAC (through `neighbours`), then
    /// the most specific CIDR.
    pub fn identify(&self, ip: IpAddr, neighbours: &NeighbourTable) -> Option<T> {
        let ip = canonical(ip);
        if let Some(v) = self.by_ip.get(&ip) {
            return Some(*v);
        }
        if !self.by_mac.is_empty()
            && let Some(v) = neighbours.mac_of(ip).and_then(|mac| self.by_mac.get(&mac))
        {
            return Some(*v);
        }
        self.by_net
            .iter()
            .find(|(net, _)| net.contains(&ip))
            .map(|(_, v)| *v)
    }
}

/// IPv4-mapped IPv6 addresses (from dual-stack sockets) are treated as IPv4.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// IP → MAC from the kernel's neighbour (ARP / NDP) table.
#[derive(Debug, Clone, Default)]
pub struct NeighbourTable {
    entries: HashMap<IpAddr, Mac>,
}

impl NeighbourTable {
    /// The MAC address last seen for `ip`.
    pub fn mac_of(&self, ip: IpAddr) -> Option<Mac> {
        self.entries.get(&ip).copied()
    }

    /// Reads the table from `/proc/net/arp` (IPv4) and `ip -6 neigh` (IPv6, when `ip` exists).
    /// Unreadable sources give an empty table: MAC matching then falls back to IP and CIDR.
    pub fn read_system() -> NeighbourTable {
        let mut table = NeighbourTable::default();
        if let Ok(text) = std::fs::read_to_string("/proc/net/arp") {
            table.add_proc_arp(&text);
        }
        if let Ok(out) = std::process::Command::new("ip")
            .args(["-6", "neigh", "show"])
            .output()
        {
            table.add_ip_neigh(&String::from_utf8_lossy(&out.stdout));
        }
        table
    }

    /// Adds the entries of `/proc/net/arp` text.
    pub fn add_proc_arp(&mut self, text: &str) {
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            if let (Some(ip), Some(mac)) = (cols.first(), cols.get(3))
                && let (Ok(ip), Ok(mac)) = (ip.parse::<IpAddr>(), mac.parse::<Mac>())
                && mac.0 != [0; 6]
            {
                self.entries.insert(ip, mac);
            }
        }
    }

    /// Adds the entries of `ip neigh show` output (`ADDR dev IF lladdr MAC STATE`).
    pub fn add_ip_neigh(&mut self, text: &str) {
        for line in text.lines() {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let mac = cols
                .iter()
                .position(|c| *c == "lladdr")
                .and_then(|i| cols.get(i + 1));
            if let (Some(ip), Some(mac)) = (cols.first(), mac)
                && let (Ok(ip), Ok(mac)) = (ip.parse::<IpAddr>(), mac.parse::<Mac>())
            {
                self.entries.insert(ip, mac);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn matchers_parse_and_reject_garbage() {
        assert_eq!(
            "127.0.0.2".parse::<Matcher>().unwrap(),
            Matcher::Ip(ip("127.0.0.2"))
        );
        assert_eq!(
            "192.168.1.7/28".parse::<Matcher>().unwrap(),
            Matcher::Net("192.168.1.0/28".parse().unwrap())
        );
        assert_eq!(
            "AA-bb-cc-dd-ee-0f".parse::<Matcher>().unwrap(),
            Matcher::Mac(Mac([0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x0f]))
        );
        let err = "an-tablet".parse::<Matcher>().unwrap_err();
        assert!(err.to_string().contains("not an IP address, a CIDR"));
    }

    #[test]
    fn exact_ip_beats_mac_beats_most_specific_network() {
        let mut table = ClientTable::default();
        table.insert("10.0.0.0/8".parse().unwrap(), 1);
        table.insert("10.1.0.0/16".parse().unwrap(), 2);
        table.insert("10.1.2.3".parse().unwrap(), 3);
        table.insert("02:00:00:00:00:01".parse().unwrap(), 4);
        let mut neigh = NeighbourTable::default();
        neigh.add_proc_arp(
            "IP address       HW type     Flags       HW address            Mask     Device\n\
             10.1.9.9         0x1         0x2         02:00:00:00:00:01     *        eth0\n\
             10.1.2.3         0x1         0x2         02:00:00:00:00:01     *        eth0\n",
        );
        assert_eq!(table.identify(ip("10.1.2.3"), &neigh), Some(3));
        assert_eq!(table.identify(ip("10.1.9.9"), &neigh), Some(4));
        assert_eq!(table.identify(ip("10.1.5.5"), &neigh), Some(2));
        assert_eq!(table.identify(ip("10.2.0.1"), &neigh), Some(1));
        assert_eq!(table.identify(ip("192.168.0.1"), &neigh), None);
        assert_eq!(table.identify(ip("::ffff:10.1.2.3"), &neigh), Some(3));
    }

    #[test]
    fn ipv6_neighbours_are_read_from_ip_neigh_output() {
        let mut neigh = NeighbourTable::default();
        neigh.add_ip_neigh(
            "fe80::1 dev eth0 lladdr 02:00:00:00:00:02 REACHABLE\nfe80::2 dev eth0 FAILED\n",
        );
        assert_eq!(neigh.mac_of(ip("fe80::1")), Some(Mac([2, 0, 0, 0, 0, 2])));
        assert_eq!(neigh.mac_of(ip("fe80::2")), None);
    }
}
