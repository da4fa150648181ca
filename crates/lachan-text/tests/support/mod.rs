//! The development set's texts, shared by this crate's tests and benches (benches include this
//! file with `#[path]`).

/// The text-safety data of `../shared/data/text/`.
pub const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/text");

/// Every `"text"` of the dev set: the single messages, then the conversation messages.
pub fn dev_texts() -> Vec<String> {
    let mut out = Vec::new();
    for file in ["messages.jsonl", "conversations.jsonl"] {
        let body = std::fs::read_to_string(format!("{DATA}/dev/{file}"))
            .expect("dev set (../shared/data/text/dev)");
        for line in body.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line).expect("json line");
            match v.get("messages").and_then(|m| m.as_array()) {
                Some(ms) => out.extend(
                    ms.iter()
                        .filter_map(|m| m["text"].as_str())
                        .map(str::to_owned),
                ),
                None => out.extend(v["text"].as_str().map(str::to_owned)),
            }
        }
    }
    out
}
