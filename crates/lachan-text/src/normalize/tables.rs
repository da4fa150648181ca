//! The built-in data tables (`data/teencode.toml`, `data/leet.toml`, `data/emoji.toml`),
//! parsed once.

use std::collections::BTreeMap;
use std::collections::hash_map::Entry;
use std::sync::OnceLock;

use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;

use super::hash::FastMap;
use super::letters::{fold, is_word_char};

/// The language a stretch of text reads as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Lang {
    /// Vietnamese.
    Vi,
    /// English.
    En,
}

/// A replacement text with the folded form of each of its characters.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Expansion {
    /// (accented char, folded char) pairs.
    pub chars: Box<[(char, Option<char>)]>,
    /// Only letters, digits, `_` and spaces (no "'" as in "i don't know").
    pub words_only: bool,
}

/// What the tables know about one folded word.
#[derive(Debug, Default)]
pub(super) struct WordInfo {
    /// The language the word is a cue for.
    pub cue: Option<Lang>,
    /// Expansion in any text.
    pub always: Option<Expansion>,
    /// Expansion where the text reads as Vietnamese.
    pub vi: Option<Expansion>,
    /// Expansion where the text reads as Vietnamese and the word does not end a clause.
    pub vi_inside: Option<Expansion>,
    /// Expansion where the text reads as English.
    pub en: Option<Expansion>,
    /// Whether the word starts a two-word phrase of the phrase table.
    pub starts_phrase: bool,
    /// The spellings with diacritics under which the expansions also apply to the accented
    /// view ("đc"); a word with other diacritics ("á" for the key "a") is expanded only in the
    /// folded view, which must read the same with or without diacritics.
    pub accented_keys: Vec<Box<str>>,
}

impl WordInfo {
    /// The expansion that applies in text of language `lang`, for a word that ends a clause
    /// or not.
    pub fn expansion(&self, lang: Lang, clause_end: bool) -> Option<&Expansion> {
        self.always.as_ref().or(match lang {
            Lang::Vi if clause_end => self.vi.as_ref(),
            Lang::Vi => self.vi.as_ref().or(self.vi_inside.as_ref()),
            Lang::En => self.en.as_ref(),
        })
    }

    /// Whether the word has an expansion in any language.
    pub fn expands(&self) -> bool {
        self.always.is_some() || self.vi.is_some() || self.vi_inside.is_some() || self.en.is_some()
    }
}

/// A two-word expansion.
#[derive(Debug)]
pub(super) struct Phrase {
    /// The replacement.
    pub expansion: Expansion,
    /// Spellings with diacritics under which it also applies to the accented view.
    pub accented_keys: Vec<Box<str>>,
}

/// Leetspeak characters (all ASCII) → letters.
#[derive(Debug)]
pub(super) struct Leet([Option<char>; 128]);

impl Leet {
    /// The letter `c` stands for, if it is a leetspeak character.
    pub fn get(&self, c: char) -> Option<char> {
        self.0.get(c as usize).copied().flatten()
    }
}

/// All tables.
#[derive(Debug)]
pub(super) struct Tables {
    /// Folded word → cue and expansions.
    pub words: FastMap<Box<str>, WordInfo>,
    /// "word word" (folded) → expansion.
    pub phrases: FastMap<Box<str>, Phrase>,
    /// Leetspeak character → letter.
    pub leet: Leet,
    /// Look-alike letter → Latin letter.
    pub lookalike: FastMap<char, char>,
    /// Emoji → token ("emoji_knife").
    pub emoji: FastMap<char, Box<str>>,
    /// Per letter `a..=z`: whether it is a word of Vietnamese teencode on its own ("t", "r",
    /// "j"), so that it may stand alone when spaced letters are cut into syllables.
    pub single_letters: [bool; 26],
}

impl Tables {
    /// Whether the lowercase ASCII letter `b` is a teencode word of Vietnamese on its own.
    pub fn single_letter(&self, b: u8) -> bool {
        b.is_ascii_lowercase() && self.single_letters[usize::from(b - b'a')]
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TeencodeFile {
    always: BTreeMap<String, String>,
    vietnamese: BTreeMap<String, String>,
    vietnamese_inside: BTreeMap<String, String>,
    english: BTreeMap<String, String>,
    phrases: BTreeMap<String, String>,
    cues: Cues,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Cues {
    vietnamese: Vec<String>,
    english: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LeetFile {
    leet: BTreeMap<String, String>,
    lookalike: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EmojiFile {
    emoji: BTreeMap<String, String>,
}

const TEENCODE: &str = include_str!("../../data/teencode.toml");
const LEET: &str = include_str!("../../data/leet.toml");
const EMOJI: &str = include_str!("../../data/emoji.toml");

/// The tables, parsed on first use.
pub(super) fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| match build() {
        Ok(t) => t,
        // The tables are compiled into the crate and checked by its tests; no input reaches here.
        Err(e) => panic!("built-in normalisation table is invalid: {e}"),
    })
}

fn build() -> Result<Tables, String> {
    let teencode: TeencodeFile =
        toml::from_str(TEENCODE).map_err(|e| format!("teencode.toml: {e}"))?;
    let leet: LeetFile = toml::from_str(LEET).map_err(|e| format!("leet.toml: {e}"))?;
    let emoji: EmojiFile = toml::from_str(EMOJI).map_err(|e| format!("emoji.toml: {e}"))?;
    let mut words = FastMap::default();
    add_cues(&mut words, &teencode.cues)?;
    add_words(&mut words, &teencode)?;
    let phrases = phrases(&mut words, &teencode.phrases)?;
    let mut single_letters = [false; 26];
    for (i, slot) in single_letters.iter_mut().enumerate() {
        let letter = char::from(b'a' + i as u8).to_string();
        *slot = words
            .get(letter.as_str())
            .is_some_and(|w| w.always.is_some() || w.vi.is_some() || w.vi_inside.is_some());
    }
    Ok(Tables {
        words,
        phrases,
        single_letters,
        leet: leet_table(&leet.leet)?,
        lookalike: char_map(&leet.lookalike)?,
        emoji: emoji_tokens(&emoji.emoji)?,
    })
}

fn add_cues(words: &mut FastMap<Box<str>, WordInfo>, cues: &Cues) -> Result<(), String> {
    for (list, lang) in [(&cues.vietnamese, Lang::Vi), (&cues.english, Lang::En)] {
        for w in list {
            let info = words.entry(key(w)?.0).or_default();
            if info.cue.is_some_and(|l| l != lang) {
                return Err(format!(
                    "teencode.toml: cue {w:?} is listed for both languages"
                ));
            }
            info.cue = Some(lang);
        }
    }
    Ok(())
}

fn add_words(words: &mut FastMap<Box<str>, WordInfo>, file: &TeencodeFile) -> Result<(), String> {
    let tables = [
        (&file.always, 0),
        (&file.vietnamese, 1),
        (&file.vietnamese_inside, 2),
        (&file.english, 3),
    ];
    for (table, which) in tables {
        for (k, v) in table {
            let (folded, accented) = key(k)?;
            let info = words.entry(folded).or_default();
            let slot = match which {
                0 => &mut info.always,
                1 => &mut info.vi,
                2 => &mut info.vi_inside,
                _ => &mut info.en,
            };
            let e = expansion(v)?;
            match slot {
                Some(old) if *old != e => {
                    return Err(format!("teencode.toml: {k:?} has two expansions"));
                }
                Some(_) => {}
                None => *slot = Some(e),
            }
            info.accented_keys.extend(accented);
        }
    }
    Ok(())
}

fn phrases(
    words: &mut FastMap<Box<str>, WordInfo>,
    table: &BTreeMap<String, String>,
) -> Result<FastMap<Box<str>, Phrase>, String> {
    let mut phrases: FastMap<Box<str>, Phrase> = FastMap::default();
    for (k, v) in table {
        let parts = k.split(' ').map(key).collect::<Result<Vec<_>, _>>()?;
        let [(first, first_acc), (second, second_acc)] = parts.as_slice() else {
            return Err(format!("teencode.toml: phrase {k:?} must be two words"));
        };
        words.entry(first.clone()).or_default().starts_phrase = true;
        let e = expansion(v)?;
        let folded = format!("{first} {second}").into_boxed_str();
        let phrase = match phrases.entry(folded) {
            Entry::Occupied(o) if o.get().expansion != e => {
                return Err(format!("teencode.toml: phrase {k:?} has two expansions"));
            }
            Entry::Occupied(o) => o.into_mut(),
            Entry::Vacant(slot) => slot.insert(Phrase {
                expansion: e,
                accented_keys: Vec::new(),
            }),
        };
        if first_acc.is_some() || second_acc.is_some() {
            let a = first_acc.as_deref().unwrap_or(first);
            let b = second_acc.as_deref().unwrap_or(second);
            phrase
                .accented_keys
                .push(format!("{a} {b}").into_boxed_str());
        }
    }
    Ok(phrases)
}

fn char_map(m: &BTreeMap<String, String>) -> Result<FastMap<char, char>, String> {
    m.iter()
        .map(|(k, v)| match (one_char(k), one_char(v)) {
            (Some(a), Some(b)) => Ok((a, b)),
            _ => Err(format!(
                "leet.toml: {k:?} = {v:?} must map one character to one"
            )),
        })
        .collect()
}

fn leet_table(m: &BTreeMap<String, String>) -> Result<Leet, String> {
    let mut table = [None; 128];
    for (k, v) in char_map(m)? {
        match table.get_mut(k as usize) {
            Some(slot) => *slot = Some(v),
            None => return Err(format!("leet.toml: leet character {k:?} must be ASCII")),
        }
    }
    Ok(Leet(table))
}

fn emoji_tokens(m: &BTreeMap<String, String>) -> Result<FastMap<char, Box<str>>, String> {
    m.iter()
        .map(|(k, v)| {
            let name_ok = !v.is_empty()
                && v.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            match one_char(k) {
                Some(c) if name_ok => Ok((c, format!("emoji_{v}").into_boxed_str())),
                _ => Err(format!(
                    "emoji.toml: {k:?} = {v:?} must map one code point to a lowercase name"
                )),
            }
        })
        .collect()
}

fn one_char(s: &str) -> Option<char> {
    let mut it = s.chars();
    let c = it.next()?;
    it.next().is_none().then_some(c)
}

/// The folded form of a table key, which must be one lowercase word, and its spelling with
/// diacritics if it has any.
fn key(word: &str) -> Result<(Box<str>, Option<Box<str>>), String> {
    let folded: String = super::robust::strip_diacritics(word)
        .chars()
        .filter_map(fold)
        .collect();
    if folded.is_empty()
        || folded
            .chars()
            .any(|c| c.is_whitespace() || c.is_uppercase())
    {
        return Err(format!("table key {word:?} must be one lowercase word"));
    }
    let accented: String = word.nfc().collect();
    let accented = (accented != folded).then(|| accented.into_boxed_str());
    Ok((folded.into_boxed_str(), accented))
}

fn expansion(text: &str) -> Result<Expansion, String> {
    if text.trim().is_empty() || text.trim() != text || text.contains("  ") {
        return Err(format!(
            "expansion {text:?} must be words separated by single spaces"
        ));
    }
    let chars = text
        .nfc()
        .map(|c| (c, fold(c)))
        .collect::<Vec<_>>()
        .into_boxed_slice();
    let word = |c: char| c == ' ' || is_word_char(c);
    let words_only = chars.iter().all(|&(c, f)| word(c) && f.is_none_or(word));
    Ok(Expansion { chars, words_only })
}

#[cfg(test)]
mod tests {
    #[test]
    fn built_in_tables_parse() {
        let t = super::build().expect("tables");
        let dc = &t.words["dc"];
        assert_eq!(
            dc.always.as_ref().map(|e| e.chars.len()),
            Some("được".chars().count())
        );
        assert!(dc.accented_keys.iter().any(|k| &**k == "đc"));
        assert_eq!(t.leet.get('3'), Some('e'));
        assert_eq!(&*t.emoji[&'🍆'], "emoji_eggplant");
        assert!(t.phrases.contains_key("tk mk"));
        // The shaper skips Latin letters when it looks for look-alikes.
        assert!(
            t.lookalike
                .keys()
                .all(|&c| super::super::letters::latin(c).is_none())
        );
    }
}
