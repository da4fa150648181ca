//! Robustness transforms used to evaluate the engine: the same text typed differently.
//!
//! Each is deterministic, so figures measured on transformed sets are reproducible.

use std::ops::Range;

use unicode_normalization::UnicodeNormalization;

/// `s` with every combining mark removed and đ/Đ (and the look-alikes ð/Ð) turned into d/D:
/// Vietnamese as typed on a phone without diacritics ("Không được" → "Khong duoc").
pub fn strip_diacritics(s: &str) -> String {
    s.nfd()
        .filter(|c| !super::letters::is_mark(*c))
        .map(|c| match c {
            'đ' | 'ð' | 'ɖ' => 'd',
            'Đ' | 'Ð' | 'Ɖ' => 'D',
            other => other,
        })
        .nfc()
        .collect()
}

/// `s` in Unicode NFD: every precomposed letter split into base and combining marks.
pub fn to_nfd(s: &str) -> String {
    s.nfd().collect()
}

/// One teencode rewrite: the words as written (lowercase; several words separated by one space
/// form a phrase) and the abbreviations typed instead, used in turn on successive occurrences.
struct Rewrite {
    from: &'static [&'static str],
    to: &'static [&'static str],
}

/// Common Vietnamese chat abbreviations, written for this project from everyday usage. Bare
/// (diacritic-free) forms are listed only where they cannot be another common word ("khong",
/// but not "ban", which is also "bán"/"bàn").
const REWRITES: &[Rewrite] = &[
    Rewrite {
        from: &["số điện thoại", "so dien thoai"],
        to: &["sđt"],
    },
    Rewrite {
        from: &["điện thoại", "dien thoai"],
        to: &["đt"],
    },
    Rewrite {
        from: &["người yêu", "nguoi yeu"],
        to: &["ny"],
    },
    Rewrite {
        from: &["mọi người", "moi nguoi"],
        to: &["mn"],
    },
    Rewrite {
        from: &["bây giờ", "bay gio"],
        to: &["bh"],
    },
    Rewrite {
        from: &["tài khoản", "tai khoan"],
        to: &["tk"],
    },
    Rewrite {
        from: &["mật khẩu", "mat khau"],
        to: &["mk"],
    },
    Rewrite {
        from: &["tin nhắn", "tin nhan"],
        to: &["tn"],
    },
    Rewrite {
        from: &["học sinh", "hoc sinh"],
        to: &["hs"],
    },
    Rewrite {
        from: &["facebook"],
        to: &["fb"],
    },
    Rewrite {
        from: &["inbox"],
        to: &["ib"],
    },
    Rewrite {
        from: &["không", "khong"],
        to: &["ko", "k"],
    },
    Rewrite {
        from: &["được", "duoc"],
        to: &["dc", "đc"],
    },
    Rewrite {
        from: &["gì", "gi"],
        to: &["j"],
    },
    Rewrite {
        from: &["bạn"],
        to: &["bn"],
    },
    Rewrite {
        from: &["mình"],
        to: &["mk"],
    },
    Rewrite {
        from: &["rồi"],
        to: &["r"],
    },
    Rewrite {
        from: &["với"],
        to: &["vs"],
    },
    Rewrite {
        from: &["biết", "biet"],
        to: &["bít"],
    },
    Rewrite {
        from: &["vậy"],
        to: &["v"],
    },
    Rewrite {
        from: &["cũng"],
        to: &["cx"],
    },
    Rewrite {
        from: &["trước", "truoc"],
        to: &["trc"],
    },
    Rewrite {
        from: &["nữa"],
        to: &["nx"],
    },
    Rewrite {
        from: &["người", "nguoi"],
        to: &["ng"],
    },
    Rewrite {
        from: &["thằng"],
        to: &["thg"],
    },
    Rewrite {
        from: &["yêu"],
        to: &["iu"],
    },
    Rewrite {
        from: &["quá"],
        to: &["wá"],
    },
    Rewrite {
        from: &["thôi"],
        to: &["thui"],
    },
    Rewrite {
        from: &["luôn"],
        to: &["lun"],
    },
    Rewrite {
        from: &["muốn"],
        to: &["mún"],
    },
    Rewrite {
        from: &["nhiều", "nhieu"],
        to: &["nhìu"],
    },
    Rewrite {
        from: &["thích"],
        to: &["thik"],
    },
    Rewrite {
        from: &["chồng"],
        to: &["ck"],
    },
    Rewrite {
        from: &["vợ"],
        to: &["vk"],
    },
    Rewrite {
        from: &["giờ"],
        to: &["h"],
    },
    Rewrite {
        from: &["anh"],
        to: &["a"],
    },
    Rewrite {
        from: &["em"],
        to: &["e"],
    },
    Rewrite {
        from: &["chị"],
        to: &["c"],
    },
    Rewrite {
        from: &["tao"],
        to: &["t"],
    },
    Rewrite {
        from: &["mày"],
        to: &["m"],
    },
];

/// `s` (composed to NFC) as a teenager would type it: common words and phrases replaced by chat
/// abbreviations ("Không biết số điện thoại của bạn" → "Ko bít sđt của bn"; "người yêu" → "ny",
/// "được" → "dc", "gì" → "j", "mình" → "mk", "rồi" → "r", "với" → "vs", "vậy" → "v", "anh"
/// → "a", "em" → "e" …). Words are matched whole and case-insensitively; a phrase's words must
/// be separated by whitespace only; the longest phrase wins; a capital first letter is kept.
/// Where several abbreviations are common ("ko"/"k", "dc"/"đc"), successive occurrences take
/// them in turn, so the result is deterministic. Other text, punctuation and spacing are kept.
pub fn to_teencode(s: &str) -> String {
    let s: String = s.nfc().collect();
    let words = word_spans(&s);
    let mut uses = [0usize; REWRITES.len()];
    let mut out = String::with_capacity(s.len());
    let mut copied = 0;
    let mut i = 0;
    while i < words.len() {
        let Some((r, n)) = longest_rewrite(&s, &words[i..]) else {
            i += 1;
            continue;
        };
        let (start, end) = (words[i].start, words[i + n - 1].end);
        out.push_str(&s[copied..start]);
        let forms = REWRITES[r].to;
        let form = forms[uses[r] % forms.len()];
        uses[r] += 1;
        let capital = s[start..].chars().next().is_some_and(char::is_uppercase);
        push_cased(&mut out, form, capital);
        copied = end;
        i += n;
    }
    out.push_str(&s[copied..]);
    out
}

/// The rewrite (index into [`REWRITES`]) matching the most words at the start of `words`, and
/// how many words it covers.
fn longest_rewrite(s: &str, words: &[Range<usize>]) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    for (r, rewrite) in REWRITES.iter().enumerate() {
        for from in rewrite.from {
            let n = from.split(' ').count();
            if n > words.len() || best.is_some_and(|(_, b)| b >= n) {
                continue;
            }
            if phrase_matches(s, &words[..n], from) {
                best = Some((r, n));
            }
        }
    }
    best
}

/// Whether `words` of `s`, separated by whitespace only, read `phrase` (lowercase).
fn phrase_matches(s: &str, words: &[Range<usize>], phrase: &str) -> bool {
    words
        .windows(2)
        .all(|w| s[w[0].end..w[1].start].chars().all(char::is_whitespace))
        && phrase.split(' ').zip(words).all(|(p, w)| {
            s[w.clone()]
                .chars()
                .flat_map(char::to_lowercase)
                .eq(p.chars())
        })
}

/// Appends `form`, with its first letter in capital if `capital`.
fn push_cased(out: &mut String, form: &str, capital: bool) {
    let mut chars = form.chars();
    if capital && let Some(first) = chars.next() {
        out.extend(first.to_uppercase());
    }
    out.push_str(chars.as_str());
}

/// Words shorter than this are never spread: split into one or two letters, they cannot be told
/// from ordinary short words.
const MIN_SPREAD: usize = 3;

/// `s` (composed to NFC) with the letters of every longest word spread by single spaces, as
/// people type to slip past word filters ("nhà cái uy tín" → "n h à c á i uy t í n"; "chơi tài
/// xỉu" → "c h ơ i tài xỉu"). A word is a run of letters and digits; only words made of
/// letters alone, of at least three letters, are spread; text without one is returned as is.
pub fn insert_spaces(s: &str) -> String {
    let s: String = s.nfc().collect();
    let words = word_spans(&s);
    let letters = |w: &Range<usize>| {
        let word = &s[w.clone()];
        if word.chars().all(char::is_alphabetic) {
            word.chars().count()
        } else {
            0
        }
    };
    let longest = words.iter().map(letters).max().unwrap_or(0);
    if longest < MIN_SPREAD {
        return s;
    }
    let mut out = String::with_capacity(s.len() * 2);
    let mut copied = 0;
    for w in words.iter().filter(|w| letters(w) == longest) {
        out.push_str(&s[copied..w.start]);
        for (k, c) in s[w.clone()].chars().enumerate() {
            if k > 0 {
                out.push(' ');
            }
            out.push(c);
        }
        copied = w.end;
    }
    out.push_str(&s[copied..]);
    out
}

/// Byte ranges of the words of `s`: maximal runs of letters and digits.
fn word_spans(s: &str) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(b)) => {
                spans.push(b..i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(b) = start {
        spans.push(b..s.len());
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_and_decomposes() {
        assert_eq!(strip_diacritics("Không được Đà Nẵng"), "Khong duoc Da Nang");
        assert_eq!(to_nfd("ộ"), "o\u{323}\u{302}");
    }

    #[test]
    fn teencode_rewrites_words_and_phrases() {
        assert_eq!(
            to_teencode("Không biết số điện thoại của bạn, gửi mình với!"),
            "Ko bít sđt của bn, gửi mk vs!"
        );
        assert_eq!(
            to_teencode("người yêu em được không, vậy thôi rồi"),
            "ny e dc ko, v thui r"
        );
        assert_eq!(to_teencode("anh thích gì"), "a thik j");
        assert_eq!(to_teencode("khong duoc noi voi ai"), "ko dc noi voi ai");
    }

    #[test]
    fn teencode_alternates_and_keeps_the_rest() {
        assert_eq!(
            to_teencode("không, không, KHÔNG được được"),
            "ko, k, Ko dc đc"
        );
        // Words inside longer words, phrases broken by punctuation and English are untouched.
        assert_eq!(to_teencode("người, yêu"), "ng, iu");
        assert_eq!(to_teencode("anhh emm 3giờ"), "anhh emm 3giờ");
        assert_eq!(
            to_teencode("See you at the park, bring a ball"),
            "See you at the park, bring a ball"
        );
        assert_eq!(to_teencode(""), "");
    }

    #[test]
    fn teencode_composes_nfd_input() {
        assert_eq!(to_teencode(&to_nfd("Được rồi")), "Dc r");
    }

    #[test]
    fn spaces_spread_the_longest_words() {
        assert_eq!(insert_spaces("nhà cái"), "n h à c á i");
        assert_eq!(
            insert_spaces("Vào nhà cái uy tín nhận thưởng!"),
            "Vào nhà cái uy tín nhận t h ư ở n g!"
        );
        assert_eq!(insert_spaces("nhà cái uy tín"), "n h à c á i uy t í n");
        assert_eq!(insert_spaces("Chơi tài xỉu"), "C h ơ i tài xỉu");
    }

    #[test]
    fn spaces_skip_numbers_and_short_words() {
        assert_eq!(insert_spaces("đi ăn"), "đi ăn");
        assert_eq!(insert_spaces("12345 ok"), "12345 ok");
        assert_eq!(insert_spaces("s3x ảnh"), "s3x ả n h");
        assert_eq!(insert_spaces(""), "");
        assert_eq!(insert_spaces(&to_nfd("cỏ mỹ")), "cỏ mỹ");
    }
}
