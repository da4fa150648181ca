//! One streaming pass over all list sources, collecting the rules of chosen shards (and, in the
//! first pass, the pattern rules and the per-list reports).

use foldhash::fast::RandomState;

use crate::complex::PatternBuilder;
use crate::error::RuleError;
use crate::parse::{Line, classify, hosts_names};
use crate::shard::{
    BADFILTER, EXCEPTION, IMPORTANT, SHARDS, SUBTREE, ShardBuilder, ShardFull, name_hash, shard_of,
};
use crate::source::{LineReader, ListId, ListInput, ListReport, ListSource, RawLine};

/// Average bytes per rule line assumed when sizing buffers (short domain-list lines; hosts
/// lines are longer, so the guess errs towards too much room, which costs address space only).
const BYTES_PER_RULE_GUESS: u64 = 16;

/// What a pass collected.
pub(crate) struct PassOutput {
    /// The targeted shards' builders, with their shard numbers.
    pub shards: Vec<(usize, ShardBuilder)>,
    /// Wildcard and regex rules (first pass only).
    pub patterns: PatternBuilder,
    /// One report per input (complete in the first pass only).
    pub reports: Vec<ListReport>,
    /// One read error (or none) per input.
    pub io_errors: Vec<Option<String>>,
}

enum LineFailure {
    Rule(RuleError),
    Full,
}

impl From<RuleError> for LineFailure {
    fn from(e: RuleError) -> Self {
        LineFailure::Rule(e)
    }
}

impl From<ShardFull> for LineFailure {
    fn from(_: ShardFull) -> Self {
        LineFailure::Full
    }
}

/// A pass over `inputs`.
pub(crate) struct Pass<'a> {
    hasher: &'a RandomState,
    inputs: &'a [ListInput],
    /// First pass: also collect pattern rules and report line errors.
    first: bool,
    builders: Vec<Option<ShardBuilder>>,
    patterns: PatternBuilder,
    names: String,
    scratch: String,
}

impl<'a> Pass<'a> {
    pub fn new(hasher: &'a RandomState, inputs: &'a [ListInput], first: bool) -> Self {
        Pass {
            hasher,
            inputs,
            first,
            builders: (0..SHARDS).map(|_| None).collect(),
            patterns: PatternBuilder::default(),
            names: String::new(),
            scratch: String::new(),
        }
    }

    /// Collects shard `shard`, expecting about `bytes` bytes of its lines.
    pub fn target(&mut self, shard: usize, bytes: u64) {
        let entries = usize::try_from(bytes / BYTES_PER_RULE_GUESS).unwrap_or(0);
        let arena = usize::try_from(bytes).unwrap_or(0);
        self.builders[shard] = Some(ShardBuilder::with_capacity(entries, arena));
    }

    pub fn run(mut self) -> PassOutput {
        let mut reports = Vec::with_capacity(self.inputs.len());
        let mut io_errors = Vec::with_capacity(self.inputs.len());
        for input in self.inputs {
            let mut report = ListReport::new(input.id);
            let io_error = self.read(input, &mut report);
            report.io_error.clone_from(&io_error);
            reports.push(report);
            io_errors.push(io_error);
        }
        let shards = self
            .builders
            .into_iter()
            .enumerate()
            .filter_map(|(i, b)| Some((i, b?)))
            .collect();
        PassOutput {
            shards,
            patterns: self.patterns,
            reports,
            io_errors,
        }
    }

    /// Reads one source; returns why it could not be read to the end, if so.
    fn read(&mut self, input: &ListInput, report: &mut ListReport) -> Option<String> {
        let reader = match input.source.open() {
            Ok(r) => r,
            Err(e) => return Some(format!("cannot open {}: {e}", describe(input))),
        };
        let mut lines = LineReader::new(reader);
        loop {
            let (line_no, raw) = match lines.next_line() {
                Ok(Some(line)) => line,
                Ok(None) => return None,
                Err(e) => return Some(format!("reading {} failed: {e}", describe(input))),
            };
            let text = match raw {
                RawLine::Text(text) => text,
                RawLine::Refused(bytes, err) => {
                    if self.first {
                        report.refuse(line_no, bytes, &err);
                    }
                    continue;
                }
            };
            match self.line(input.id, input.subdomains, line_no, text) {
                Ok(n) => report.rules += n,
                Err(LineFailure::Rule(e)) => {
                    if self.first {
                        report.refuse(line_no, text.as_bytes(), &e);
                    }
                }
                Err(LineFailure::Full) => {
                    return Some(format!(
                        "{}: the index is full (over 4 GiB of names in one shard); load fewer lists",
                        describe(input)
                    ));
                }
            }
        }
    }

    /// Handles one line; returns how many rules it held.
    fn line(
        &mut self,
        list: ListId,
        subdomains: bool,
        line_no: u32,
        text: &str,
    ) -> Result<usize, LineFailure> {
        match classify(text, subdomains, self.first)? {
            Line::Skip => Ok(0),
            Line::Hosts(rest) => {
                hosts_names(rest, &mut self.names, &mut self.scratch)?;
                if self.names.is_empty() {
                    return Ok(0);
                }
                let mut n = 0;
                for name in self.names.split(' ') {
                    add_simple(&mut self.builders, self.hasher, name, list, line_no, 0)?;
                    n += 1;
                }
                Ok(n)
            }
            Line::Simple(rule) => {
                let Some(name) = rule.normalized(&mut self.scratch)? else {
                    return Ok(0);
                };
                let flag = |on: bool, bit: u16| if on { bit } else { 0 };
                let flags = flag(rule.subdomains, SUBTREE)
                    | flag(rule.exception, EXCEPTION)
                    | flag(rule.important, IMPORTANT)
                    | flag(rule.badfilter, BADFILTER);
                add_simple(&mut self.builders, self.hasher, name, list, line_no, flags)?;
                Ok(1)
            }
            Line::Complex(rule) => {
                match rule.index_key() {
                    Some(key) => {
                        let hash = name_hash(self.hasher, key.as_bytes());
                        if let Some(b) = self.builders[shard_of(hash)].as_mut() {
                            let key = key.to_string();
                            b.push_keyed(hash, &key, *rule, list, line_no)?;
                        }
                    }
                    None => self.patterns.push(*rule, list, line_no),
                }
                Ok(1)
            }
        }
    }
}

fn add_simple(
    builders: &mut [Option<ShardBuilder>],
    hasher: &RandomState,
    name: &str,
    list: ListId,
    line: u32,
    flags: u16,
) -> Result<(), ShardFull> {
    let hash = name_hash(hasher, name.as_bytes());
    match builders[shard_of(hash)].as_mut() {
        Some(b) => b.push_simple(hash, name, list, line, flags),
        None => Ok(()),
    }
}

fn describe(input: &ListInput) -> String {
    match &input.source {
        ListSource::File(path) => format!("list {} ({})", input.name, path.display()),
        ListSource::Text(_) => format!("list {}", input.name),
    }
}
