//! The one error type of the store.

use std::path::PathBuf;

/// What went wrong in the store, and what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The data directory could not be created.
    #[error(
        "cannot create the data directory {path}: {source}; check that its parent exists and is writable, or choose another data directory"
    )]
    CreateDir {
        /// The directory that was to be created.
        path: PathBuf,
        /// Why the operating system refused.
        source: std::io::Error,
    },
    /// The database file could not be opened or created.
    #[error(
        "cannot open the database {path}: {source}; check the file's permissions and free disk space, or move a damaged file away to start afresh"
    )]
    Open {
        /// The database file.
        path: PathBuf,
        /// The driver's error.
        source: sqlx::Error,
    },
    /// The schema could not be brought up to date.
    #[error(
        "cannot bring the database schema up to date: {0}; if a newer Lachan wrote this database, run that version or restore a backup"
    )]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A statement failed.
    #[error("database error: {0}; check disk space and the database file, then retry")]
    Database(#[from] sqlx::Error),
    /// The configuration file names an entity that already exists as a console-made one.
    #[error(
        "{kind} '{name}' is declared in the configuration file but was made in the web console; rename one of them"
    )]
    OriginConflict {
        /// "list", "profile" or "client".
        kind: &'static str,
        /// The name both use.
        name: String,
    },
    /// The configuration file gives two entities of one kind the same name.
    #[error("{kind} '{name}' is declared twice in the configuration file; give each a unique name")]
    DuplicateName {
        /// "list", "profile" or "client".
        kind: &'static str,
        /// The repeated name.
        name: String,
    },
    /// The console tried to make or change an entity that the configuration file declares.
    #[error(
        "{kind} '{name}' is declared in the configuration file, so the console cannot take or change it; choose another name, or edit the configuration file"
    )]
    FileOwned {
        /// "profile" or "client".
        kind: &'static str,
        /// The name both use.
        name: String,
    },
    /// A period to summarise was empty, out of order or too long.
    #[error("invalid period: {0}")]
    InvalidPeriod(String),
    /// A refresh was recorded for a list the store does not hold.
    #[error("no list named '{0}' is stored; sync the configuration before recording its refresh")]
    UnknownList(String),
    /// An origin other than "file" or "console" was given.
    #[error("invalid origin '{0}': use \"file\" or \"console\"")]
    InvalidOrigin(String),
    /// A console user was to get a role that is not a person's.
    #[error(
        "the role '{0}' is for API tokens of software, not for console users; give the user the \
         admin or guardian role, and make a token with `lachan token create --role {0}`"
    )]
    NotAPersonRole(crate::Role),
    /// An operator or supervisor was to be made without the hotline they work for.
    #[error(
        "a console user with the role '{0}' works for a hotline; give the hotline's name (e.g. 111)"
    )]
    MissingHotline(crate::Role),
    /// A bank name that is empty, too long or has characters other than letters, digits,
    /// '.', '_' and '-'.
    #[error(
        "'{0}' is not a bank name: use 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-', \
         e.g. ncmec-2026-11"
    )]
    InvalidBankName(String),
    /// An import named an existing bank with another category.
    #[error(
        "the bank '{name}' holds {stored} hashes, not {given}: import into a bank of the right \
         category, or remove this one first (lachan image bank remove {name})"
    )]
    BankCategoryConflict {
        /// The bank.
        name: String,
        /// Its category.
        stored: &'static str,
        /// The category the import gave.
        given: &'static str,
    },
    /// A change to the hotline's reports and cases was refused.
    #[error(transparent)]
    Hotline(#[from] crate::hotline::HotlineError),
    /// A stored value could not be read back.
    #[error(
        "the database holds an invalid value in {table}.{column}: {detail}; correct or delete that row"
    )]
    Corrupt {
        /// The table holding the value.
        table: &'static str,
        /// The column holding the value.
        column: &'static str,
        /// What is wrong with it.
        detail: String,
    },
}
