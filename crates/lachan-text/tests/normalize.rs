//! Normalisation: the contract's examples, spans back into the original on the dev set and
//! ViHOS, robustness transforms on the dev set, and no panic on hostile input.

use std::ops::Range;

use lachan_text::normalize::{MAX_TEXT_BYTES, Normalized, TextError, strip_diacritics, to_nfd};

mod support;

use support::{DATA, dev_texts};

fn norm(text: &str) -> Normalized {
    Normalized::new(text).expect("text under the limit")
}

/// ViHOS comments with their labelled (offensive) char indices, all three splits.
fn vihos() -> Vec<(String, Vec<usize>)> {
    let mut out = Vec::new();
    for split in ["train", "dev", "test"] {
        let mut reader =
            csv::Reader::from_path(format!("{DATA}/vihos/{split}.csv")).expect("ViHOS csv");
        for record in reader.records() {
            let record = record.expect("csv record");
            let spans: Vec<usize> = serde_json::from_str(&record[2]).expect("index_spans");
            out.push((record[1].to_owned(), spans));
        }
    }
    assert_eq!(out.len(), 8844 + 1106 + 1106);
    out
}

/// The byte ranges of the space-separated words of a view.
fn words(view: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in view
        .char_indices()
        .chain(std::iter::once((view.len(), ' ')))
    {
        if c == ' ' {
            if i > start {
                out.push(start..i);
            }
            start = i + 1;
        }
    }
    out
}

/// Checks the spans of every word of both views: inside the original, non-empty, in order, and
/// together covering every letter and digit of the original (combining marks aside).
fn check_spans(n: &Normalized) {
    let chars: Vec<char> = n.original().chars().collect();
    for (view, span) in [
        (
            &n.accented,
            &(|r| n.original_span_accented(r)) as &dyn Fn(Range<usize>) -> Range<usize>,
        ),
        (&n.folded, &|r| n.original_span_folded(r)),
    ] {
        assert!(
            !view.starts_with(' ') && !view.ends_with(' ') && !view.contains("  "),
            "{view:?}"
        );
        let mut covered = vec![false; chars.len()];
        let mut last_start = 0;
        for w in words(view) {
            let s = span(w.clone());
            assert!(
                s.start < s.end && s.end <= chars.len(),
                "{:?} of {view:?} → {s:?} in {:?}",
                &view[w],
                n.original()
            );
            assert!(s.start >= last_start, "spans out of order in {view:?}");
            last_start = s.start;
            covered[s.clone()].iter_mut().for_each(|c| *c = true);
        }
        for (i, c) in chars.iter().enumerate() {
            assert!(
                covered[i]
                    || !c.is_alphanumeric()
                    || unicode_normalization::char::is_combining_mark(*c),
                "{c:?} at {i} of {:?} is behind no word of {view:?}",
                n.original()
            );
        }
    }
}

#[test]
fn contract_examples() {
    let cases = [
        ("hoà", "hòa", "hoa"),
        ("Hòa bình", "hòa bình", "hoa binh"),
        ("nước thuỷ tinh", "nước thủy tinh", "nuoc thuy tinh"),
        ("khoẻ không", "khỏe không", "khoe khong"),
        ("quý qúy", "quý quý", "quy quy"),
        ("ÐÀ NẴNG ðà", "đà nẵng đà", "da nang da"),
        ("n h à c á i", "nhà cái", "nha cai"),
        ("S à m l ồ n", "sàm lồn", "sam lon"),
        ("b u ồ i j", "buồi gì", "buoi gi"),
        ("M À Y  N G U  V L", "mày ngu vl", "may ngu vl"),
        ("b o n g c u o i", "bongcuoi", "bongcuoi"),
        // "u" is "ừ"/"ú" in Vietnamese: English only with English around it.
        ("béo ú", "béo ú", "beo u"),
        ("ừ", "ừ", "u"),
        ("how old r u", "how old are you", "how old are you"),
        ("thg mặt heo", "thằng mặt heo", "thang mat heo"),
        ("đẹp wá", "đẹp quá", "dep qua"),
        ("n.h.à c.á.i", "nhà cái", "nha cai"),
        ("đ.m", "đm", "dm"),
        ("T.à.i X.ỉ.u", "tài xỉu", "tai xiu"),
        ("đẹpppp", "đẹp", "dep"),
        ("ngủuuuu điii", "ngủ đi", "ngu di"),
        (
            "s3x ch3t $ex a$$ sh!t k0",
            "sex chet sex ass shit không",
            "sex chet sex ass shit khong",
        ),
        (
            "$100 US$5 em@gmail.com",
            "100 us 5 em gmail com",
            "100 us 5 em gmail com",
        ),
        ("c4 d0", "ca do", "ca do"),
        (
            "ko k hok đi",
            "không không không đi",
            "khong khong khong di",
        ),
        ("dc đc", "được được", "duoc duoc"),
        ("làm j", "làm gì", "lam gi"),
        ("ib sđt", "inbox số điện thoại", "inbox so dien thoai"),
        ("ny của mk", "người yêu của mình", "nguoi yeu cua minh"),
        ("bn ơi", "bạn ơi", "ban oi"),
        (
            "🍆🔪💊🎰",
            "emoji_eggplant emoji_knife emoji_pill emoji_slot",
            "emoji_eggplant emoji_knife emoji_pill emoji_slot",
        ),
        ("không được", "không được", "khong duoc"),
        ("nh\u{200B}à c\u{200B}ái", "nhà cái", "nha cai"),
        ("nha` ca'i uy ti'n", "nhà cái uy tín", "nha cai uy tin"),
        ("ＳＥＸ 𝐬𝐞𝐱", "sex sex", "sex sex"),
        ("ѕех", "sex", "sex"),
        ("s̸e̸x̸", "sex", "sex"),
        (
            "6h30 50k 8A3 u23 1.000.000 đồng",
            "6h30 50k 8a3 u23 1000000 đồng",
            "6h30 50k 8a3 u23 1000000 dong",
        ),
        (
            "send a pic, chỉ a xem",
            "send a pic chỉ anh xem",
            "send a pic chi anh xem",
        ),
        ("how old r u", "how old are you", "how old are you"),
        ("kkkkkk", "kkk", "kkk"),
        ("don't", "don't", "don't"),
        // `folded` reads the same with or without diacritics: "á" inside a clause is read as
        // the teencode "a" (anh) there, but not in `accented`, nor before punctuation.
        (
            "mệt xỉu á mn",
            "mệt xỉu á mọi người",
            "met xiu anh moi nguoi",
        ),
        ("em ko biết a.", "em không biết a", "em khong biet a"),
        ("kkk kkkkkk ccc", "kkk kkk ccc", "kkk kkk ccc"),
        ("ok :v :vvvv :D", "ok v vvv d", "ok v vvv d"),
        ("nha` d4ng' y3u^", "nhà dáng yêu", "nha dang yeu"),
        ("P5 f1 F1 top1", "p5 f1 f1 top1", "p5 f1 f1 top1"),
        ("c.nó ý.mà", "chị nó ý mà", "chi no y ma"),
        ("hello^^ ok^^", "hello ok", "hello ok"),
    ];
    for (input, accented, folded) in cases {
        let n = norm(input);
        assert_eq!(n.accented, accented, "accented of {input:?}");
        assert_eq!(n.folded, folded, "folded of {input:?}");
        check_spans(&n);
    }
}

#[test]
fn spans_point_at_what_was_written() {
    let n = norm("Em ko đi đâu, ib a nha");
    assert_eq!(n.accented, "em không đi đâu inbox anh nha");
    let chars: Vec<char> = n.original().chars().collect();
    let text = |r: Range<usize>| chars[r].iter().collect::<String>();
    let at = |w: &str| n.accented.find(w).map(|s| s..s + w.len()).expect("word");
    assert_eq!(text(n.original_span_accented(at("không"))), "ko");
    assert_eq!(text(n.original_span_accented(at("inbox anh"))), "ib a");
    let f = n.folded.find("khong di").expect("folded");
    assert_eq!(
        text(n.original_span_folded(f..f + "khong di".len())),
        "ko đi"
    );

    let n = norm("vãi đẹpppp lun");
    let w = n.accented.find("đẹp").expect("word");
    assert_eq!(
        text_of(&n, n.original_span_accented(w..w + "đẹp".len())),
        "đẹpppp"
    );
    // Out of range, empty or reversed ranges never panic and give empty ranges.
    assert!(n.original_span_folded(1000..2000).is_empty());
    assert!(n.original_span_accented(3..3).is_empty());
    #[allow(clippy::reversed_empty_ranges)]
    let reversed = n.original_span_accented(5..2);
    assert!(reversed.is_empty());
}

fn text_of(n: &Normalized, r: Range<usize>) -> String {
    n.original().chars().skip(r.start).take(r.len()).collect()
}

#[test]
fn diacritics_are_detected() {
    assert!(norm("không được").had_diacritics());
    assert!(norm("đi").had_diacritics());
    assert!(norm("nha` ca'i").had_diacritics());
    assert!(norm("kho\u{302}ng").had_diacritics());
    assert!(!norm("khong duoc").had_diacritics());
    assert!(!norm("how old are you").had_diacritics());
    assert!(!norm("ko dc 🍆").had_diacritics());
}

#[test]
fn too_long_is_an_error() {
    let text = "a".repeat(MAX_TEXT_BYTES + 1);
    match Normalized::new(&text) {
        Err(TextError::TooLong { bytes, limit }) => {
            assert_eq!((bytes, limit), (MAX_TEXT_BYTES + 1, MAX_TEXT_BYTES))
        }
        other => panic!("expected TooLong, got {other:?}"),
    }
    assert!(Normalized::new(&"a".repeat(MAX_TEXT_BYTES)).is_ok());
}

#[test]
fn dev_set_spans_map_inside_the_original() {
    for text in dev_texts() {
        check_spans(&norm(&text));
    }
}

#[test]
fn vihos_spans_map_inside_the_original() {
    let mut labelled_runs = 0;
    for (text, labelled) in vihos() {
        let n = norm(&text);
        check_spans(&n);
        // Every labelled offensive character that is a letter or digit is behind a word of
        // `folded`: evidence found in the view can be shown where the annotator marked it.
        let chars: Vec<char> = text.chars().collect();
        let spans: Vec<Range<usize>> = words(&n.folded)
            .into_iter()
            .map(|w| n.original_span_folded(w))
            .collect();
        for &i in &labelled {
            assert!(i < chars.len(), "ViHOS index {i} outside {text:?}");
            if chars[i].is_alphanumeric() {
                assert!(
                    spans.iter().any(|s| s.contains(&i)),
                    "labelled {i} of {text:?} not behind a word"
                );
                labelled_runs += 1;
            }
        }
    }
    assert!(labelled_runs > 50_000, "{labelled_runs}");
}

#[test]
fn dev_set_reads_the_same_without_diacritics_and_in_nfd() {
    for text in dev_texts() {
        let folded = norm(&text).folded;
        assert_eq!(
            norm(&strip_diacritics(&text)).folded,
            folded,
            "diacritics stripped: {text:?}"
        );
        assert_eq!(norm(&to_nfd(&text)).folded, folded, "NFD: {text:?}");
        assert_eq!(
            norm(&to_nfd(&text)).accented,
            norm(&text).accented,
            "NFD: {text:?}"
        );
    }
}

/// A whitespace-separated token split into leading punctuation, word, trailing punctuation.
fn split_punct(token: &str) -> (&str, &str, &str) {
    let start = token
        .find(|c: char| c.is_alphanumeric())
        .unwrap_or(token.len());
    let end = token
        .rfind(|c: char| c.is_alphanumeric())
        .map_or(start, |i| {
            i + token[i..].chars().next().map_or(1, char::len_utf8)
        });
    (&token[..start], &token[start..end], &token[end..])
}

#[test]
fn dev_set_reads_the_same_with_spaces_inserted_in_a_word() {
    let mut checked = 0;
    for text in dev_texts() {
        let folded = norm(&text).folded;
        let tokens: Vec<&str> = text.split(' ').collect();
        let alnum = |t: &str| t.chars().filter(|c| c.is_alphanumeric()).count();
        for (k, token) in tokens.iter().enumerate() {
            let (lead, word, trail) = split_punct(token);
            let lone_neighbour = [k.checked_sub(1), Some(k + 1)]
                .into_iter()
                .flatten()
                .filter_map(|j| tokens.get(j))
                .any(|t| alnum(t) == 1);
            if word.chars().count() < 3 || !word.chars().all(char::is_alphabetic) || lone_neighbour
            {
                continue;
            }
            let spaced: Vec<String> = word.chars().map(String::from).collect();
            let mut changed: Vec<String> = tokens.iter().map(|t| (*t).to_owned()).collect();
            changed[k] = format!("{lead}{}{trail}", spaced.join(" "));
            let changed = changed.join(" ");
            assert_eq!(norm(&changed).folded, folded, "{changed:?}");
            checked += 1;
        }
    }
    assert!(checked > 5_000, "{checked}");
}

/// A small deterministic generator (xorshift) for the fuzz-like test.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// Normalises `text` and checks every view byte range maps inside the original.
fn survives(text: &str) {
    let n = match Normalized::new(text) {
        Ok(n) => n,
        Err(TextError::TooLong { .. }) => {
            assert!(text.len() > MAX_TEXT_BYTES);
            return;
        }
    };
    let count = text.chars().count();
    for view in [&n.accented, &n.folded] {
        let len = view.len();
        let step = (len / 64).max(1);
        for a in (0..=len + 2).step_by(step) {
            for b in [a, a + 1, a + 7, len, len + 5] {
                let s = if std::ptr::eq(view, &n.accented) {
                    n.original_span_accented(a..b)
                } else {
                    n.original_span_folded(a..b)
                };
                assert!(
                    s.start <= s.end && s.end <= count,
                    "{s:?} for {a}..{b} of {text:?}"
                );
            }
        }
    }
    check_spans(&n);
}

#[test]
fn no_panic_on_hostile_input() {
    let lossy =
        String::from_utf8_lossy(&[0xff, 0xfe, b'a', 0xc3, b' ', 0xe1, 0xbb, b'k', 0xf0, 0x9f])
            .into_owned();
    let fixed = [
        String::new(),
        " \t\n\r ".to_owned(),
        "\u{301}\u{300}\u{323}\u{309}".to_owned(),
        format!(
            "a{}",
            "\u{301}\u{323}\u{302}\u{31B}\u{306}\u{20DD}".repeat(500)
        ),
        "\u{FFFD}\u{FFFD} \u{FFFD}".to_owned(),
        "\u{202E}kcuf\u{202C} \u{200F}abc\u{200E} \u{2066}x\u{2069}".to_owned(),
        "😀".repeat(MAX_TEXT_BYTES / 4),
        "🍆".repeat(MAX_TEXT_BYTES / 4),
        "👨\u{200D}👩\u{200D}👧🏽\u{FE0F}".repeat(200),
        "🍆".repeat(MAX_TEXT_BYTES / 4 + 1),
        lossy,
        "\0\u{1}\u{7f}\u{85}\u{2028}\u{feff}".to_owned(),
        "\u{200B}".repeat(MAX_TEXT_BYTES / 3),
        "a.".repeat(MAX_TEXT_BYTES / 2),
        "a ".repeat(MAX_TEXT_BYTES / 2),
        "1 ".repeat(MAX_TEXT_BYTES / 2),
        "1.000".repeat(MAX_TEXT_BYTES / 5),
        "kkkk".repeat(MAX_TEXT_BYTES / 4),
        "ko ".repeat(MAX_TEXT_BYTES / 3),
        "sđt ".repeat(MAX_TEXT_BYTES / 5),
        "a`^~'".repeat(MAX_TEXT_BYTES / 5),
        "'`^~@$!".repeat(100),
        "a$$$$ a@b!c 0ur 0 00 0a".to_owned(),
        "İı ß ﬁ ǅ ẞ Ω K Å".to_owned(),
        "\u{1100}\u{1161}\u{11A8} 한국어 \u{0E17}\u{0E35}\u{0E48} नमस्ते العربية עברית".to_owned(),
        "ＡＢＣ①②ⓐ𝟙𝕒🄰 ᴀʙᴄ".to_owned(),
        "\u{E0001}\u{E0068}\u{E007F} \u{FE0F}\u{FE0F}".to_owned(),
        "𝐬\u{301}𝐞\u{300}".to_owned(),
    ];
    for text in &fixed {
        survives(text);
    }
    // Every code point below U+30000 (surrogates cannot be in a &str), in runs of 200, and each
    // between letters with a mark after it.
    let all: Vec<char> = (0..0x30000u32).filter_map(char::from_u32).collect();
    for chunk in all.chunks(200) {
        survives(&chunk.iter().collect::<String>());
        survives(
            &chunk
                .iter()
                .map(|c| format!("a{c}\u{301}b "))
                .collect::<String>(),
        );
    }
    // Random mixes of tricky pieces.
    let pieces = [
        "a", "đ", "Đ", "ð", "ư", "ơ", "\u{301}", "\u{323}", "\u{302}", " ", "  ", ".", "-", "_",
        "*", "'", "`", "^", "~", "@", "$", "!", "0", "1", "3", "4", "9", "k", "ko", "j", "hoà",
        "thuỷ", "qu", "gi", "🍆", "😀", "\u{200B}", "\u{202E}", "\u{FE0F}", "\u{FFFD}", "\n", "ｓ",
        "ѕ", "х", "ß", "İ", "ng", "bn", "tuổi", "tk", "mk", "1.000", "A",
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..3000 {
        let len = 1 + rng.next() % 40;
        let text: String = (0..len).map(|_| rng.pick(&pieces)).collect();
        survives(&text);
    }
}
