//! Transforms of one word: look-alike letters, leetspeak, VIQR marks, repeated letters and
//! the canonical tone placement.

use super::letters::{self, Parts, is_letter, is_vowel};
use super::scan::Unit;
use super::tables::Tables;

/// Letters repeated this many times or more are cut to one ("đẹpppp" → "đẹp").
const MIN_REPEAT: usize = 3;
/// A word that is a single letter repeated ("kkkkk", "zzz") keeps this many.
const KEPT_WHOLE_WORD_REPEAT: usize = 3;
/// Longer vowel runs are not Vietnamese and keep their tone where it is.
const MAX_VOWEL_RUN: usize = 4;

/// What one pass over a word tells about the steps it needs.
struct Needs {
    /// Only ASCII characters: no look-alikes, no tone to place.
    ascii: bool,
    /// A character that may carry a tone mark (a Latin letter with one, or any character the
    /// Latin tables do not know).
    toned: bool,
    /// A character that is neither ASCII nor a Latin letter (maybe a look-alike).
    foreign: bool,
    /// A character with a leetspeak reading.
    leet: bool,
    /// A VIQR mark to put on a vowel.
    viqr: bool,
    /// A letter repeated [`MIN_REPEAT`] times or more.
    repeat: bool,
}

fn needs(word: &[Unit], tables: &Tables) -> Needs {
    let mut n = Needs {
        ascii: true,
        toned: false,
        foreign: false,
        leet: false,
        viqr: false,
        repeat: false,
    };
    let mut run = 0;
    let mut last = None;
    for u in word {
        if !u.ch.is_ascii() {
            n.ascii = false;
            match letters::parts(u.ch) {
                Some(p) => n.toned |= p.tone.is_some(),
                None => {
                    n.toned = true;
                    n.foreign = true;
                }
            }
        }
        n.leet |= tables.leet.get(u.ch).is_some();
        n.viqr |= u.viqr;
        run = if last.is_some() && last == u.fold {
            run + 1
        } else {
            1
        };
        last = u.fold;
        n.repeat |= run >= MIN_REPEAT;
    }
    n
}

/// Appends the shaped form of `word` to `out`.
pub(super) fn shape(word: &[Unit], tables: &Tables, out: &mut Vec<Unit>, scratch: &mut String) {
    let start = out.len();
    out.extend_from_slice(word);
    let n = needs(word, tables);
    let w = &mut out[start..];
    let mut mapped = false;
    if n.foreign {
        mapped |= map_lookalikes(w, tables);
    }
    if n.leet && leet_applies(w, tables, scratch) {
        for u in w.iter_mut() {
            if let Some(l) = tables.leet.get(u.ch) {
                u.ch = l;
                u.fold = Some(l);
            }
        }
        mapped = true;
    }
    if n.viqr {
        apply_viqr(out, start);
    }
    if n.repeat || n.viqr || mapped {
        squash_repeats(out, start);
    }
    if n.toned || n.viqr {
        place_tones(&mut out[start..]);
    }
}

/// Maps letters of other scripts that look Latin, in a word with Latin letters or made only
/// of look-alikes; returns whether it did.
fn map_lookalikes(w: &mut [Unit], tables: &Tables) -> bool {
    // Latin letters (ASCII or with Vietnamese marks) are never look-alikes.
    let lookalike =
        |c: char| !c.is_ascii() && letters::latin(c).is_none() && tables.lookalike.contains_key(&c);
    if !w.iter().any(|u| lookalike(u.ch)) {
        return false;
    }
    let latin = w
        .iter()
        .any(|u| is_letter(u.ch) && letters::parts(u.ch).is_some());
    let foreign = w.iter().any(|u| {
        is_letter(u.ch) && letters::parts(u.ch).is_none() && !tables.lookalike.contains_key(&u.ch)
    });
    if !latin && foreign {
        return false;
    }
    for u in w.iter_mut() {
        if let Some(&l) = tables.lookalike.get(&u.ch) {
            u.ch = l;
            u.fold = Some(l);
        }
    }
    true
}

/// Whether the digits and symbols of `w` are leetspeak: the word starts with a letter (or `$`,
/// or `0` and a letter), every digit has a leet reading, it does not end in a number ("u23"),
/// and a symbol is used ("a$$", "$ex"), a digit sits between letters ("s3x") or the word is a
/// letter and a vowel digit ("c4", "d0"; not "f1", "p5"). A word that is itself a teencode
/// entry ("gr8") is left alone.
fn leet_applies(w: &[Unit], tables: &Tables, scratch: &mut String) -> bool {
    let leet = |u: &Unit| tables.leet.get(u.ch).is_some();
    if !w.iter().any(leet) {
        return false;
    }
    let letters = || w.iter().filter(|u| !u.viqr);
    let n = letters().count();
    let mut it = letters();
    let starts_right = match (it.next(), it.next()) {
        (Some(first), _) if is_letter(first.ch) || first.ch == '$' => true,
        // "0ur", "0nline": a number never starts with 0 followed by letters.
        (Some(first), Some(second)) => first.ch == '0' && is_letter(second.ch) && n >= 3,
        _ => false,
    };
    if !starts_right || letters().any(|u| u.ch.is_numeric() && !leet(u)) {
        return false;
    }
    let mut tail = letters().rev();
    if let (Some(a), Some(b)) = (tail.next(), tail.next())
        && a.ch.is_ascii_digit()
        && b.ch.is_ascii_digit()
    {
        return false;
    }
    let symbol = letters().any(|u| matches!(u.ch, '@' | '$' | '!'));
    let last_alpha = letters()
        .enumerate()
        .filter(|(_, u)| is_letter(u.ch))
        .map(|(i, _)| i)
        .last();
    let interior = letters()
        .enumerate()
        .any(|(i, u)| u.ch.is_ascii_digit() && last_alpha.is_some_and(|l| l > i));
    let pair = n == 2
        && letters()
            .nth(1)
            .is_some_and(|u| matches!(u.ch, '0' | '3' | '4'));
    if !(symbol || interior || pair) {
        return false;
    }
    scratch.clear();
    scratch.extend(w.iter().filter_map(|u| u.fold));
    !tables
        .words
        .get(scratch.as_str())
        .is_some_and(|i| i.expands())
}

/// Puts VIQR marks on the vowel of the syllable before them (``a` `` → à, "d4ng'" → "dáng",
/// "y3u^" → "yêu") and drops those that fit nowhere.
fn apply_viqr(out: &mut Vec<Unit>, start: usize) {
    if !out[start..].iter().any(|u| u.viqr) {
        return;
    }
    let mut write = start;
    for read in start..out.len() {
        let u = out[read];
        if !u.viqr {
            out[write] = u;
            write += 1;
            continue;
        }
        let mut seen_vowel = false;
        for k in (start..write).rev() {
            let target = &mut out[k];
            let Some(mut p) = letters::parts(target.ch) else {
                break;
            };
            if !is_vowel(p.base) {
                if seen_vowel {
                    break;
                }
                continue;
            }
            seen_vowel = true;
            if p.add(u.ch) {
                target.ch = p.compose();
                target.end = target.end.max(u.end);
                break;
            }
        }
    }
    out.truncate(write);
}

/// Cuts runs of 3 or more of the same letter (compared without marks) to the first marked one
/// (or the first); a word that is only one letter repeated keeps three.
fn squash_repeats(out: &mut Vec<Unit>, start: usize) {
    let len = out.len() - start;
    let same = |a: &Unit, b: &Unit| a.fold == b.fold && is_letter(a.ch) && is_letter(b.ch);
    if !out[start..]
        .windows(MIN_REPEAT)
        .any(|run| run.iter().all(|u| same(u, &run[0])))
    {
        return;
    }
    let whole = len >= MIN_REPEAT && out[start..].iter().all(|u| same(u, &out[start]));
    if whole {
        let end = out[out.len() - 1].end;
        out.truncate(start + KEPT_WHOLE_WORD_REPEAT.min(len));
        if let Some(last) = out.last_mut() {
            last.end = end;
        }
        return;
    }
    let mut write = start;
    let mut read = start;
    while read < out.len() {
        let mut run_end = read + 1;
        while run_end < out.len() && same(&out[read], &out[run_end]) {
            run_end += 1;
        }
        if run_end - read >= MIN_REPEAT {
            let keep = (read..run_end)
                .find(|&k| Some(out[k].ch) != out[k].fold)
                .unwrap_or(read);
            let mut u = out[keep];
            u.start = out[read].start;
            u.end = out[run_end - 1].end;
            out[write] = u;
            write += 1;
        } else {
            out.copy_within(read..run_end, write);
            write += run_end - read;
        }
        read = run_end;
    }
    out.truncate(write);
}

fn vowel_parts(u: &Unit) -> Option<Parts> {
    letters::parts(u.ch).filter(|p| is_vowel(p.base))
}

/// Moves each syllable's tone mark to one canonical vowel, so "hoà"/"hòa", "thuỷ"/"thủy",
/// "qúa"/"quá" give the same text: on the last vowel with a vowel mark (ươ → ơ); else on the
/// last vowel before a final consonant ("hoàn"); else on the first of two vowels ("hòa",
/// "thủy", "mía") or the middle of three ("ngoài"). The u of "qu" and the i of "gi" + vowel are
/// consonants.
fn place_tones(w: &mut [Unit]) {
    if w.iter().all(|u| u.ch.is_ascii()) {
        return;
    }
    let mut i = 0;
    while i < w.len() {
        if vowel_parts(&w[i]).is_none() {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < w.len() && vowel_parts(&w[j]).is_some() {
            j += 1;
        }
        if j - i <= MAX_VOWEL_RUN {
            place_tone(w, i, j);
        }
        i = j;
    }
}

fn place_tone(w: &mut [Unit], a: usize, b: usize) {
    let mut parts = [None; MAX_VOWEL_RUN];
    for (k, slot) in (a..b).zip(parts.iter_mut()) {
        *slot = vowel_parts(&w[k]);
    }
    let parts = &parts[..b - a];
    let mut toned = parts
        .iter()
        .enumerate()
        .filter(|(_, p)| p.is_some_and(|p| p.tone.is_some()));
    let (Some((from, _)), None) = (toned.next(), toned.next()) else {
        return;
    };
    let base = |k: usize| parts[k].map(|p| p.base);
    let mut s = 0;
    if b - a >= 2 && a > 0 {
        let before = w[a - 1].fold;
        if (before == Some('q') && base(0) == Some('u'))
            || (before == Some('g') && base(0) == Some('i'))
        {
            s = 1;
        }
    }
    let n = b - a;
    let final_consonant = w
        .get(b)
        .and_then(|u| u.fold)
        .is_some_and(|c| c.is_ascii_alphabetic());
    let to = match (s..n)
        .rev()
        .find(|&k| parts[k].is_some_and(|p| p.vowel_mark.is_some()))
    {
        Some(k) => k,
        None if final_consonant => n - 1,
        None if n - s <= 2 => s,
        None => s + 1,
    };
    if to == from {
        return;
    }
    let (Some(mut src), Some(mut dst)) = (parts[from], parts[to]) else {
        return;
    };
    dst.tone = src.tone.take();
    w[a + from].ch = src.compose();
    w[a + to].ch = dst.compose();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units(s: &str) -> Vec<Unit> {
        s.chars()
            .enumerate()
            .map(|(i, c)| Unit::new(c, i as u32, i as u32 + 1))
            .collect()
    }

    fn toned(s: &str) -> String {
        let mut w = units(s);
        place_tones(&mut w);
        w.iter().map(|u| u.ch).collect()
    }

    #[test]
    fn one_tone_placement() {
        for (a, b) in [
            ("hoà", "hòa"),
            ("hòa", "hòa"),
            ("thuỷ", "thủy"),
            ("quý", "quý"),
            ("qúy", "quý"),
            ("hoàn", "hoàn"),
            ("hòan", "hoàn"),
            ("ngoài", "ngoài"),
            ("ngòai", "ngoài"),
            ("người", "người"),
            ("ngừơi", "người"),
            ("già", "già"),
            ("gìa", "già"),
            ("gì", "gì"),
            ("mía", "mía"),
            ("khoẻ", "khỏe"),
            ("tuỳ", "tùy"),
            ("huỳnh", "huỳnh"),
            ("quốc", "quốc"),
            ("café", "café"),
        ] {
            assert_eq!(toned(a), b, "{a}");
        }
    }

    #[test]
    fn repeats() {
        let squash = |s: &str| {
            let mut w = units(s);
            squash_repeats(&mut w, 0);
            w.iter().map(|u| u.ch).collect::<String>()
        };
        assert_eq!(squash("đẹpppp"), "đẹp");
        assert_eq!(squash("ngủuuu"), "ngủ");
        assert_eq!(squash("cool"), "cool");
        assert_eq!(squash("kkkkkk"), "kkk");
        assert_eq!(squash("1000"), "1000");
    }
}
