//! Minutes of service use per profile, the basis of daily time budgets.

use lachan_policy::ServiceGroup;
use sqlx::Row;

use crate::codec::parse;
use crate::{Store, StoreError};

/// One minute in which a profile's devices used a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceMinute {
    /// The profile.
    pub profile: String,
    /// Start of the minute, in milliseconds since the Unix epoch.
    pub minute_ms: i64,
    /// The service's catalogue id.
    pub service: String,
    /// The service's group.
    pub group: ServiceGroup,
}

impl Store {
    /// Records minutes of use; a minute already recorded is kept once.
    pub async fn record_service_minutes(
        &self,
        minutes: &[ServiceMinute],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for m in minutes {
            sqlx::query(
                "INSERT INTO service_usage (profile, minute_ms, service, service_group) \
                 VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            )
            .bind(&m.profile)
            .bind(m.minute_ms)
            .bind(&m.service)
            .bind(m.group.as_str())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every minute of use from `since_ms` on, oldest first.
    pub async fn service_minutes_since(
        &self,
        since_ms: i64,
    ) -> Result<Vec<ServiceMinute>, StoreError> {
        let rows = sqlx::query(
            "SELECT profile, minute_ms, service, service_group FROM service_usage \
             WHERE minute_ms >= ? ORDER BY minute_ms",
        )
        .bind(since_ms)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ServiceMinute {
                    profile: row.try_get("profile")?,
                    minute_ms: row.try_get("minute_ms")?,
                    service: row.try_get("service")?,
                    group: parse(
                        "service_usage",
                        "service_group",
                        row.try_get("service_group")?,
                    )?,
                })
            })
            .collect()
    }
}
