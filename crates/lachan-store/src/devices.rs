//! Devices not yet named: client addresses whose queries matched no configured device (counted
//! per hour by the query-log writer), so that the console can offer to name them.

use std::net::IpAddr;

use serde::Serialize;
use sqlx::Row;

use crate::codec::{narrow, parse};
use crate::tally::HOUR_MS;
use crate::{Store, StoreError};

/// A client address seen in the query log without a device name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeenClient {
    /// The client's address.
    pub ip: IpAddr,
    /// Its first query in the period (ms since the Unix epoch).
    pub first_ms: i64,
    /// Its last query in the period (ms since the Unix epoch).
    pub last_ms: i64,
    /// Its queries in the period.
    pub queries: u64,
}

impl Store {
    /// Client addresses that sent queries without matching a configured device, from the
    /// hour holding `since_ms` on (counts are kept per hour), the most recently seen first; at
    /// most `limit`. Anonymised clients have no address and never appear. An address named
    /// since keeps appearing until its unnamed queries are older than `since_ms`: callers
    /// that know the devices' matchers may leave those out.
    pub async fn unseen_clients(
        &self,
        since_ms: i64,
        limit: u32,
    ) -> Result<Vec<SeenClient>, StoreError> {
        let rows = sqlx::query(
            "SELECT ip, MIN(first_ms) AS first_ms, MAX(last_ms) AS last_ms, \
             SUM(queries) AS queries FROM unnamed_clients WHERE hour_ms >= ? \
             GROUP BY ip ORDER BY last_ms DESC, ip LIMIT ?",
        )
        .bind(since_ms.div_euclid(HOUR_MS) * HOUR_MS)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(SeenClient {
                    ip: parse("unnamed_clients", "ip", row.try_get("ip")?)?,
                    first_ms: row.try_get("first_ms")?,
                    last_ms: row.try_get("last_ms")?,
                    queries: narrow("unnamed_clients", "queries", row.try_get("queries")?)?,
                })
            })
            .collect()
    }
}
