//! Putting names (which may hold spaces and Vietnamese letters) into links.

/// `text` percent-encoded for a query string value: unreserved ASCII kept, everything else
/// (UTF-8 bytes included) as `%XX`.
pub(crate) fn query_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_survive_a_round_trip_through_the_query() {
        let name = "Lớp 6A & bạn/bè?";
        let encoded = query_value(name);
        assert_eq!(encoded, "L%E1%BB%9Bp%206A%20%26%20b%E1%BA%A1n%2Fb%C3%A8%3F");
        let uri: axum::http::Uri = format!("/activity?profile={encoded}").parse().unwrap();
        assert!(uri.query().is_some());
    }
}
