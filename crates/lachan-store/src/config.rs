//! Configuration entities: block lists, profiles and clients, from the file or the console.

use std::collections::HashSet;

use lachan_policy::{Budget, Category, Pause, Profile, Schedule, Zone};
use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite, Transaction};

use crate::codec::{from_json, from_serde_name, parse, to_json, to_serde_name};
use crate::{Store, StoreError};

/// `SELECT` of every column of `profiles` that [`profile_from_row`] and the console read,
/// followed by the given clauses.
macro_rules! select_profiles {
    ($clauses:literal) => {
        concat!(
            "SELECT name, block, safe_search, youtube, allow_rules, deny_rules, block_answer, \
             blocked_services, time_rules, age, household, origin FROM profiles ",
            $clauses
        )
    };
}
pub(crate) use select_profiles;

/// The origin of entities declared in the TOML configuration file.
pub const ORIGIN_FILE: &str = "file";
/// The origin of entities made in the web console.
pub const ORIGIN_CONSOLE: &str = "console";

/// A block list as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListRecord {
    /// Unique name, used in rule references ("name:line").
    pub name: String,
    /// A file path or an https URL.
    pub source: String,
    /// The category every rule of the list carries.
    pub category: Category,
    /// Whether an entry also matches the subdomains of its name.
    pub subdomains: bool,
    /// Whether the list is loaded.
    pub enabled: bool,
    /// [`ORIGIN_FILE`] or [`ORIGIN_CONSOLE`].
    pub origin: String,
}

/// A client (a device or a group of devices) as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientRecord {
    /// Unique name, e.g. "An's tablet".
    pub name: String,
    /// IP addresses, CIDR ranges or MAC addresses, as text.
    pub matchers: Vec<String>,
    /// The name of the profile applied to the client.
    pub profile: String,
    /// [`ORIGIN_FILE`] or [`ORIGIN_CONSOLE`].
    pub origin: String,
}

impl Store {
    /// Makes the file-origin lists, profiles and clients equal to those given, in one
    /// transaction: rows are inserted or updated, file-origin rows no longer given are deleted,
    /// and console-origin rows are never touched. The `origin` fields of the records are
    /// ignored: everything given here is stored as [`ORIGIN_FILE`].
    ///
    /// Fails without changing anything if a name is given twice or is already used by a
    /// console-made entity of the same kind.
    pub async fn sync_file_config(
        &self,
        lists: &[ListRecord],
        profiles: &[Profile],
        clients: &[ClientRecord],
    ) -> Result<(), StoreError> {
        ensure_unique(Kind::List, lists.iter().map(|l| l.name.as_str()))?;
        ensure_unique(Kind::Profile, profiles.iter().map(|p| p.name.as_str()))?;
        ensure_unique(Kind::Client, clients.iter().map(|c| c.name.as_str()))?;
        let mut tx = self.begin_write().await?;
        for list in lists {
            upsert_list(&mut tx, list, ORIGIN_FILE).await?;
        }
        for profile in profiles {
            upsert_profile(&mut tx, profile, ORIGIN_FILE).await?;
        }
        for client in clients {
            upsert_client(&mut tx, client, ORIGIN_FILE).await?;
        }
        delete_file_rows(&mut tx, Kind::List, lists.iter().map(|l| l.name.as_str())).await?;
        delete_file_rows(
            &mut tx,
            Kind::Profile,
            profiles.iter().map(|p| p.name.as_str()),
        )
        .await?;
        delete_file_rows(
            &mut tx,
            Kind::Client,
            clients.iter().map(|c| c.name.as_str()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Inserts or updates one list with the origin its record names; fails if a list of the
    /// same name has the other origin.
    pub async fn upsert_list(&self, list: &ListRecord) -> Result<(), StoreError> {
        let origin = checked_origin(&list.origin)?;
        let mut tx = self.begin_write().await?;
        upsert_list(&mut tx, list, origin).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Inserts or updates one profile with `origin`; fails if a profile of the same name has
    /// the other origin.
    pub async fn upsert_profile(&self, profile: &Profile, origin: &str) -> Result<(), StoreError> {
        let origin = checked_origin(origin)?;
        let mut tx = self.begin_write().await?;
        upsert_profile(&mut tx, profile, origin).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Inserts or updates one client with the origin its record names; fails if a client of
    /// the same name has the other origin.
    pub async fn upsert_client(&self, client: &ClientRecord) -> Result<(), StoreError> {
        let origin = checked_origin(&client.origin)?;
        let mut tx = self.begin_write().await?;
        upsert_client(&mut tx, client, origin).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every list, by name.
    pub async fn lists(&self) -> Result<Vec<ListRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT name, source, category, subdomains, enabled, origin FROM lists ORDER BY name",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ListRecord {
                    name: row.try_get("name")?,
                    source: row.try_get("source")?,
                    category: parse("lists", "category", row.try_get("category")?)?,
                    subdomains: row.try_get("subdomains")?,
                    enabled: row.try_get("enabled")?,
                    origin: row.try_get("origin")?,
                })
            })
            .collect()
    }

    /// Every profile, by name.
    pub async fn profiles(&self) -> Result<Vec<Profile>, StoreError> {
        let rows = sqlx::query(select_profiles!("ORDER BY name"))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(profile_from_row).collect()
    }

    /// Every client, by name.
    pub async fn clients(&self) -> Result<Vec<ClientRecord>, StoreError> {
        let rows = sqlx::query("SELECT name, matchers, profile, origin FROM clients ORDER BY name")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|row| {
                Ok(ClientRecord {
                    name: row.try_get("name")?,
                    matchers: from_json("clients", "matchers", row.try_get("matchers")?)?,
                    profile: row.try_get("profile")?,
                    origin: row.try_get("origin")?,
                })
            })
            .collect()
    }
}

/// Reads a profile from a row selected with [`select_profiles`].
pub(crate) fn profile_from_row(row: &SqliteRow) -> Result<Profile, StoreError> {
    let block_answer: Option<String> = row.try_get("block_answer")?;
    let time: TimeRules = from_json("profiles", "time_rules", row.try_get("time_rules")?)?;
    Ok(Profile {
        name: row.try_get("name")?,
        block: from_json("profiles", "block", row.try_get("block")?)?,
        safe_search: row.try_get("safe_search")?,
        youtube: from_serde_name("profiles", "youtube", row.try_get("youtube")?)?,
        allow: from_json("profiles", "allow_rules", row.try_get("allow_rules")?)?,
        deny: from_json("profiles", "deny_rules", row.try_get("deny_rules")?)?,
        block_answer: block_answer
            .map(|text| parse("profiles", "block_answer", &text))
            .transpose()?,
        blocked_services: from_json(
            "profiles",
            "blocked_services",
            row.try_get("blocked_services")?,
        )?,
        age: row
            .try_get::<Option<i64>, _>("age")?
            .and_then(|a| u8::try_from(a).ok()),
        time_zone: time.time_zone,
        schedules: time.schedules,
        budgets: time.budgets,
        pause: time.pause,
    })
}

/// The three kinds of configuration entity.
#[derive(Clone, Copy)]
enum Kind {
    List,
    Profile,
    Client,
}

impl Kind {
    fn noun(self) -> &'static str {
        match self {
            Kind::List => "list",
            Kind::Profile => "profile",
            Kind::Client => "client",
        }
    }

    fn select_file_names(self) -> &'static str {
        match self {
            Kind::List => "SELECT name FROM lists WHERE origin = 'file'",
            Kind::Profile => "SELECT name FROM profiles WHERE origin = 'file'",
            Kind::Client => "SELECT name FROM clients WHERE origin = 'file'",
        }
    }

    fn delete_by_name(self) -> &'static str {
        match self {
            Kind::List => "DELETE FROM lists WHERE name = ?",
            Kind::Profile => "DELETE FROM profiles WHERE name = ?",
            Kind::Client => "DELETE FROM clients WHERE name = ?",
        }
    }
}

/// `origin` as the `'static` constant it equals, or an error.
fn checked_origin(origin: &str) -> Result<&'static str, StoreError> {
    [ORIGIN_FILE, ORIGIN_CONSOLE]
        .into_iter()
        .find(|known| *known == origin)
        .ok_or_else(|| StoreError::InvalidOrigin(origin.to_string()))
}

/// Fails on the first name that `names` repeats.
fn ensure_unique<'a>(kind: Kind, names: impl Iterator<Item = &'a str>) -> Result<(), StoreError> {
    let mut seen = HashSet::new();
    for name in names {
        if !seen.insert(name) {
            return Err(StoreError::DuplicateName {
                kind: kind.noun(),
                name: name.to_string(),
            });
        }
    }
    Ok(())
}

/// Turns the outcome of an upsert guarded by `WHERE origin = excluded.origin` into an error
/// when the existing row had the other origin (nothing was written).
fn guard(affected: u64, kind: Kind, name: &str) -> Result<(), StoreError> {
    if affected == 0 {
        return Err(StoreError::OriginConflict {
            kind: kind.noun(),
            name: name.to_string(),
        });
    }
    Ok(())
}

async fn upsert_list(
    tx: &mut Transaction<'static, Sqlite>,
    list: &ListRecord,
    origin: &'static str,
) -> Result<(), StoreError> {
    let done = sqlx::query(
        "INSERT INTO lists (name, source, category, subdomains, enabled, origin) \
         VALUES (?, ?, ?, ?, ?, ?) \
         ON CONFLICT (name) DO UPDATE SET source = excluded.source, \
         category = excluded.category, subdomains = excluded.subdomains, \
         enabled = excluded.enabled WHERE lists.origin = excluded.origin",
    )
    .bind(&list.name)
    .bind(&list.source)
    .bind(list.category.as_str())
    .bind(list.subdomains)
    .bind(list.enabled)
    .bind(origin)
    .execute(&mut **tx)
    .await?;
    guard(done.rows_affected(), Kind::List, &list.name)
}

/// A profile's time rules, stored together as one JSON object.
#[derive(Default, serde::Serialize, serde::Deserialize)]
struct TimeRules {
    #[serde(default)]
    time_zone: Zone,
    #[serde(default)]
    schedules: Vec<Schedule>,
    #[serde(default)]
    budgets: Vec<Budget>,
    #[serde(default)]
    pause: Option<Pause>,
}

impl TimeRules {
    fn of(profile: &Profile) -> TimeRules {
        TimeRules {
            time_zone: profile.time_zone.clone(),
            schedules: profile.schedules.clone(),
            budgets: profile.budgets.clone(),
            pause: profile.pause,
        }
    }
}

pub(crate) async fn upsert_profile(
    tx: &mut Transaction<'static, Sqlite>,
    profile: &Profile,
    origin: &'static str,
) -> Result<(), StoreError> {
    let done = sqlx::query(
        "INSERT INTO profiles \
         (name, block, safe_search, youtube, allow_rules, deny_rules, block_answer, \
         blocked_services, time_rules, age, origin) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (name) DO UPDATE SET block = excluded.block, \
         safe_search = excluded.safe_search, youtube = excluded.youtube, \
         allow_rules = excluded.allow_rules, deny_rules = excluded.deny_rules, \
         block_answer = excluded.block_answer, blocked_services = excluded.blocked_services, \
         time_rules = excluded.time_rules, age = excluded.age \
         WHERE profiles.origin = excluded.origin",
    )
    .bind(&profile.name)
    .bind(to_json("profiles", "block", &profile.block)?)
    .bind(profile.safe_search)
    .bind(to_serde_name("profiles", "youtube", &profile.youtube)?)
    .bind(to_json("profiles", "allow_rules", &profile.allow)?)
    .bind(to_json("profiles", "deny_rules", &profile.deny)?)
    .bind(profile.block_answer.map(|answer| answer.to_string()))
    .bind(to_json(
        "profiles",
        "blocked_services",
        &profile.blocked_services,
    )?)
    .bind(to_json("profiles", "time_rules", &TimeRules::of(profile))?)
    .bind(profile.age.map(i64::from))
    .bind(origin)
    .execute(&mut **tx)
    .await?;
    guard(done.rows_affected(), Kind::Profile, &profile.name)
}

pub(crate) async fn upsert_client(
    tx: &mut Transaction<'static, Sqlite>,
    client: &ClientRecord,
    origin: &'static str,
) -> Result<(), StoreError> {
    let done = sqlx::query(
        "INSERT INTO clients (name, matchers, profile, origin) VALUES (?, ?, ?, ?) \
         ON CONFLICT (name) DO UPDATE SET matchers = excluded.matchers, \
         profile = excluded.profile WHERE clients.origin = excluded.origin",
    )
    .bind(&client.name)
    .bind(to_json("clients", "matchers", &client.matchers)?)
    .bind(&client.profile)
    .bind(origin)
    .execute(&mut **tx)
    .await?;
    guard(done.rows_affected(), Kind::Client, &client.name)
}

/// Deletes the file-origin rows of `kind` whose names are not in `keep`.
async fn delete_file_rows<'a>(
    tx: &mut Transaction<'static, Sqlite>,
    kind: Kind,
    keep: impl Iterator<Item = &'a str>,
) -> Result<(), StoreError> {
    let keep: HashSet<&str> = keep.collect();
    let stored: Vec<String> = sqlx::query_scalar(kind.select_file_names())
        .fetch_all(&mut **tx)
        .await?;
    for name in stored.iter().filter(|name| !keep.contains(name.as_str())) {
        sqlx::query(kind.delete_by_name())
            .bind(name)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
