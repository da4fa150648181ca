//! Opening the database: the data directory, connection settings and migrations.

use std::path::Path;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

use crate::StoreError;

/// The database file's name inside the data directory.
pub const DATABASE_FILE: &str = "lachan.db";

/// How long a statement waits for another connection's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The size, in bytes, a write-ahead log is cut back to after a checkpoint restarts it.
const WAL_SIZE_LIMIT_BYTES: u64 = 16 * 1024 * 1024;

/// Connections to a file database: one writer at a time, readers alongside it (WAL).
const FILE_CONNECTIONS: u32 = 4;

/// A handle on Lachan's database; cheap to clone (it wraps the connection pool).
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) `lachan.db` in `data_dir` and brings its schema up to date.
    ///
    /// A missing `data_dir` is created, readable by its owner only (0700). The database runs in
    /// WAL mode with foreign keys enforced and a busy timeout, so readers never block the
    /// query-log writer.
    pub async fn open(data_dir: &Path) -> Result<Store, StoreError> {
        create_private_dir(data_dir)?;
        let path = data_dir.join(DATABASE_FILE);
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // A busy WAL is truncated back to this size whenever it restarts, rather than
            // keeping the largest size a burst ever gave it (a 10,000-report burst grew it to
            // ~90 MB).
            .pragma("journal_size_limit", WAL_SIZE_LIMIT_BYTES.to_string())
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(FILE_CONNECTIONS)
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Open { path, source })?;
        Store::migrated(pool).await
    }

    /// Opens a fresh private in-memory database (for tests); it vanishes when the last clone
    /// of the store is dropped.
    pub async fn open_in_memory() -> Result<Store, StoreError> {
        let options = SqliteConnectOptions::new()
            .in_memory(true)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        // Every connection to `:memory:` is a database of its own: keep exactly one, forever.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Open {
                path: ":memory:".into(),
                source,
            })?;
        Store::migrated(pool).await
    }

    async fn migrated(pool: SqlitePool) -> Result<Store, StoreError> {
        sqlx::migrate!().run(&pool).await?;
        let store = Store { pool };
        store.chain_unchained().await?;
        Ok(store)
    }

    /// The connection pool, for the modules of this crate.
    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Starts a transaction that will write. SQLite's `BEGIN IMMEDIATE` takes the write lock at
    /// once (waiting up to the busy timeout), so a transaction that reads before it writes
    /// cannot fail on a lock upgrade.
    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }
}

/// Creates `dir` and its missing parents; the directories made are private to their owner.
fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|source| StoreError::CreateDir {
        path: dir.to_path_buf(),
        source,
    })
}
