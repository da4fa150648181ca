//! Conversions between Rust values and the texts and integers stored in columns.

use std::str::FromStr;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::StoreError;

/// Serialises `value` as JSON text for a TEXT column.
pub(crate) fn to_json<T: Serialize + ?Sized>(
    table: &'static str,
    column: &'static str,
    value: &T,
) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt {
        table,
        column,
        detail: format!("cannot encode as JSON: {e}"),
    })
}

/// Reads JSON text stored in `table.column`.
pub(crate) fn from_json<T: DeserializeOwned>(
    table: &'static str,
    column: &'static str,
    text: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt {
        table,
        column,
        detail: format!("{e} in {text:?}"),
    })
}

/// The bare name serde gives a unit enum value (`YoutubeMode::Moderate` → `moderate`).
pub(crate) fn to_serde_name<T: Serialize>(
    table: &'static str,
    column: &'static str,
    value: &T,
) -> Result<String, StoreError> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => Ok(name),
        other => Err(StoreError::Corrupt {
            table,
            column,
            detail: format!("expected a name, the value encodes as {other:?}"),
        }),
    }
}

/// Reads back a value stored with [`to_serde_name`].
pub(crate) fn from_serde_name<T: DeserializeOwned>(
    table: &'static str,
    column: &'static str,
    name: &str,
) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(name.to_string())).map_err(|e| {
        StoreError::Corrupt {
            table,
            column,
            detail: e.to_string(),
        }
    })
}

/// Parses text stored in `table.column` with the type's `FromStr`.
pub(crate) fn parse<T>(
    table: &'static str,
    column: &'static str,
    text: &str,
) -> Result<T, StoreError>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    text.parse().map_err(|e: T::Err| StoreError::Corrupt {
        table,
        column,
        detail: e.to_string(),
    })
}

/// Narrows an integer stored in `table.column` to the type it was written from.
pub(crate) fn narrow<T: TryFrom<i64>>(
    table: &'static str,
    column: &'static str,
    value: i64,
) -> Result<T, StoreError> {
    T::try_from(value).map_err(|_| StoreError::Corrupt {
        table,
        column,
        detail: format!("{value} is out of range"),
    })
}
