//! Alert summaries for moderators and parents, in Vietnamese and English.

use std::fmt::Write;

use super::stage::Stage;

/// `(vietnamese, english)` summaries of an alert. Message numbers count from 1 (index + 1).
pub(crate) fn summaries(risk: f32, stages: &[(Stage, Vec<usize>)]) -> (String, String) {
    let sextortion = stages.iter().any(|(s, _)| *s == Stage::Sextortion);
    let mut vi = String::from(if sextortion {
        "Nguy cơ tống tiền, đe doạ phát tán ảnh của trẻ"
    } else {
        "Nguy cơ dụ dỗ trẻ em (grooming)"
    });
    let mut en = String::from(if sextortion {
        "Possible sextortion of a child"
    } else {
        "Possible grooming of a child"
    });
    let _ = write!(vi, ", mức rủi ro {risk:.2}: ");
    let _ = write!(en, ", risk {risk:.2}: ");
    for (i, (stage, messages)) in stages.iter().enumerate() {
        if i > 0 {
            vi.push_str("; ");
            en.push_str("; ");
        }
        let numbers = numbers(messages);
        let _ = write!(vi, "{} (tin nhắn {numbers})", stage.name_vi());
        let _ = write!(en, "{} (message {numbers})", stage.name_en());
    }
    vi.push('.');
    en.push('.');
    (vi, en)
}

fn numbers(messages: &[usize]) -> String {
    let mut out = String::new();
    for (i, m) in messages.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{}", m.saturating_add(1));
    }
    out
}
