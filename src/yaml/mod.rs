//! The only code that touches the YAML library (serde-saphyr).
//!
//! Parsing gives `serde_json::Value` (with `preserve_order`) plus a `Spans` index from
//! JSON pointer to line and column, so every later stage can locate a value. Duplicate
//! keys are errors, alias expansion and nesting depth are bounded, `<<` merge keys are
//! expanded. Emitting quotes every string that a YAML 1.1 reader (kubectl) would retype.

mod emit;
mod fast;
mod fast_emit;
mod node;
mod spans;
mod stack;

use std::sync::Arc;

use serde_json::Value;
use serde_saphyr::Spanned;
use serde_saphyr::options::{DuplicateKeyPolicy, MergeKeyPolicy, NonFiniteFloatPolicy};

use crate::error::Error;
use crate::limits::{self, Limit};
use crate::source::Origin;

pub use emit::{emit, emit_stream};
pub use spans::Spans;

/// How plain (unquoted, untagged) scalars are typed. Quoted scalars are always strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// Compose and values files, read as docker compose reads them. compose-go parses with
    /// go-yaml v3/v4, which is YAML 1.2 with two YAML 1.1 survivals, and we match it:
    /// - booleans are only `true`/`false` (any case): `yes`, `no`, `on`, `off`, `y`, `n`
    ///   stay strings, as in go-yaml v3 when the target is untyped;
    /// - a leading-zero integer is octal (`0440` is 288, `0o440` too), as go-yaml v3 keeps
    ///   YAML 1.1 octals; so `mode: 0440` means the file mode compose means;
    /// - `1_000` is 1000 (go-yaml strips underscores before parsing a number);
    /// - `.inf`, `-.inf`, `.nan` stay strings (JSON has no such numbers, and in compose
    ///   they only occur as environment values, where the text is what was meant).
    Compose,
    /// Kubernetes manifests, read as kubectl reads them (sigs.k8s.io/yaml, a go-yaml v2
    /// fork, YAML 1.1): `yes`/`no`/`on`/`off`/`y`/`n` are booleans, `0644` is octal 420,
    /// so a manifest berth accepts is one the API server accepts. `.inf`/`.nan` are errors,
    /// as kubectl fails to convert them to JSON.
    Manifest,
}

/// One parsed YAML document.
#[derive(Debug, Clone)]
pub struct Document {
    pub value: Value,
    pub spans: Spans,
}

/// Deepest nesting of mappings and sequences accepted ([`limits::YAML_DEPTH`]).
pub const MAX_DEPTH: usize = limits::YAML_DEPTH.value;
/// Most events that alias replay (`*name`, merges) may add to one file
/// ([`limits::YAML_ALIAS_NODES`]).
pub const MAX_ALIAS_REPLAYED_EVENTS: usize = limits::YAML_ALIAS_NODES.value;
const MAX_NODES: usize = limits::YAML_NODES.value;
const MAX_DOCUMENTS: usize = limits::YAML_DOCUMENTS.value;

fn options(flavor: Flavor) -> serde_saphyr::Options {
    let budget = serde_saphyr::budget! {
        max_depth: MAX_DEPTH,
        flow_nesting_limit: MAX_DEPTH,
        max_nodes: MAX_NODES,
        max_events: 4 * MAX_NODES,
        max_documents: MAX_DOCUMENTS,
        max_aliases: limits::YAML_ALIASES.value,
        max_anchors: limits::YAML_ALIASES.value,
        max_merge_keys: limits::YAML_ALIASES.value,
        max_reader_input_bytes: Some(limits::INPUT_BYTES.value),
        max_total_scalar_bytes: limits::INPUT_BYTES.value,
        // The replayed-nodes limit stops alias bombs; a ratio of aliases to anchors
        // refused real files (150 services merging one `x-defaults` anchor).
        enforce_alias_anchor_ratio: false,
    };
    let alias_limits = serde_saphyr::alias_limits! {
        max_total_replayed_events: MAX_ALIAS_REPLAYED_EVENTS,
        max_replay_stack_depth: limits::YAML_ALIAS_NESTING.value,
    };
    let (strict_booleans, non_finite) = match flavor {
        Flavor::Compose => (true, NonFiniteFloatPolicy::AsString),
        Flavor::Manifest => (false, NonFiniteFloatPolicy::Reject),
    };
    serde_saphyr::options! {
        budget: budget,
        alias_limits: alias_limits,
        duplicate_keys: DuplicateKeyPolicy::PassThrough,
        merge_keys: MergeKeyPolicy::Merge,
        legacy_octal_numbers: true,
        strict_booleans: strict_booleans,
        non_finite_float_policy: non_finite,
        with_snippet: false,
    }
}

/// Turns a library error into a located input error: our wording, the library's first line.
/// `text` is the file's text: a line holding template syntax gets a help about templates,
/// since Jinja read as YAML fails in ways whose YAML help would mislead.
fn parse_error(file: &Arc<str>, text: &str, e: &serde_saphyr::Error) -> Error {
    let e = e.without_snippet();
    let origin = match e.location() {
        Some(l) if l.line() > 0 => Origin::new(file.clone(), l.line() as usize, l.column() as usize),
        _ => Origin::file(file.clone()),
    };
    let said = e.to_string();
    let first = said.lines().next().unwrap_or("").trim();
    let detail = strip_location(first);
    if let Some((limit, what)) = limit_met(detail) {
        return limit.exceeded(Some(origin), format!("invalid YAML: {what}"));
    }
    let (message, mut help) = describe(detail);
    let line = e.location().map_or(0, |l| l.line() as usize);
    if line > 0
        && let Some(held) = text.lines().nth(line - 1)
        && (held.contains("{{") || held.contains("{%"))
    {
        help = "this line holds template syntax (`{{ }}`, `{% %}`): a file inside a chart is a template, so \
                render the chart's folder (`berth render charts/NAME`), not the file; in a plain YAML file, \
                quote the value"
            .to_string();
    }
    Error::input(Some(origin), message, help)
}

/// Drops a leading `error:`/`line N column M:` and a trailing ` at line N, column M ...`
/// (the origin already says where).
fn strip_location(s: &str) -> &str {
    let mut s = s.strip_prefix("error:").map(str::trim_start).unwrap_or(s);
    if let Some(rest) = s.strip_prefix("line ")
        && let Some(i) = rest.find(": ")
        && rest[..i]
            .split(" column ")
            .all(|n| n.chars().all(|c| c.is_ascii_digit()))
    {
        s = rest[i + 2..].trim_start();
    }
    match s.find(" at line ") {
        Some(i) => &s[..i],
        None => s,
    }
}

/// Library messages (lower case, first match wins) that mean a limit was met, and what
/// we say went over it.
const LIMITS_MET: &[(&str, &Limit, &str)] = &[
    ("budget breached: depth", &limits::YAML_DEPTH, "the file nests too deep"),
    ("recursion limit", &limits::YAML_DEPTH, "the file nests too deep"),
    (
        "alias replay stack depth",
        &limits::YAML_ALIAS_NESTING,
        "aliases nest too deep",
    ),
    (
        "alias replay limit",
        &limits::YAML_ALIAS_NODES,
        "aliases copy too many nodes",
    ),
    (
        "alias expansion limit",
        &limits::YAML_ALIAS_NODES,
        "aliases copy too many nodes",
    ),
    (
        "budget breached: nodes",
        &limits::YAML_NODES,
        "the file holds too many nodes",
    ),
    (
        "budget breached: events",
        &limits::YAML_NODES,
        "the file holds too many nodes",
    ),
    (
        "budget breached: documents",
        &limits::YAML_DOCUMENTS,
        "the stream holds too many documents",
    ),
    (
        "budget breached: aliases",
        &limits::YAML_ALIASES,
        "the file uses too many aliases",
    ),
    (
        "budget breached: anchors",
        &limits::YAML_ALIASES,
        "the file defines too many anchors",
    ),
    (
        "budget breached: mergekeys",
        &limits::YAML_ALIASES,
        "the file uses too many `<<` merge keys",
    ),
    (
        "budget breached: aliasanchorratio",
        &limits::YAML_ALIASES,
        "the file uses each anchor too often",
    ),
    (
        "budget breached: inputbytes",
        &limits::INPUT_BYTES,
        "the file is too large",
    ),
    (
        "budget breached: scalarbytes",
        &limits::INPUT_BYTES,
        "the file's text is too large",
    ),
];

/// The limit a library message says was met, if any.
fn limit_met(detail: &str) -> Option<(&'static Limit, &'static str)> {
    let lower = detail.to_ascii_lowercase();
    LIMITS_MET
        .iter()
        .find(|(needle, _, _)| lower.contains(needle))
        .map(|(_, limit, what)| (*limit, *what))
}

/// What we say about a library message, chosen by a lower-case fragment of it (first match
/// wins): our own message when the library's is about Rust types or internals (else the
/// library's first line), and the help. `{depth}` and `{aliases}` stand for the limits.
const DESCRIPTIONS: &[(&str, Option<&str>, &str)] = &[
    (
        "budget breached: depth",
        Some("the file nests deeper than {depth} levels"),
        "flatten the structure; berth refuses deeper nesting to stay safe on hostile input",
    ),
    (
        "recursion limit",
        Some("the file nests deeper than {depth} levels"),
        "flatten the structure; berth refuses deeper nesting to stay safe on hostile input",
    ),
    (
        "replay",
        None,
        "aliases (`*name`) may copy at most {aliases} nodes per file (an alias bomb stops here); \
         replace repeated aliases with plain values",
    ),
    (
        "unknown anchor",
        None,
        "define the anchor (`&name`) before the alias (`*name`) that uses it, in the same document",
    ),
    (
        "budget breached",
        None,
        "the file exceeds a safety limit on its size or its number of aliases; split it into several files",
    ),
    (
        "null into string",
        Some("a mapping key is null (`~`, `null` or empty)"),
        "give the key a name, or quote it (`\"null\"`) if the text is meant",
    ),
    (
        "expected string scalar",
        Some("a mapping key is a list or a mapping"),
        "use plain text keys; quote a key that starts with `[`, `{` or `?`",
    ),
    (
        "non-finite",
        None,
        "quote the value (`\".inf\"`) if it is meant as text; Kubernetes has no infinite numbers",
    ),
    (
        "merge value",
        None,
        "`<<` takes a mapping or a list of mappings, usually aliases: `<<: *defaults` or `<<: [*a, *b]`",
    ),
    (
        "multiline quoted scalar",
        Some("a quoted string is not closed (or goes on in a line indented less than its key)"),
        "close the quote on the line where it opens; a quoted string that spans lines must indent its later lines",
    ),
    (
        "unclosed bracket",
        None,
        "close it with the matching `]` or `}`; a list or mapping in brackets may span lines",
    ),
    (
        "illegal placement of ':'",
        None,
        "a `: ` here starts a key where none may be: check that each `[` or `{` before it is closed, \
         and quote values that hold `: `",
    ),
    (
        "unknown escape",
        None,
        "in double quotes `\\` starts an escape (`\\n`, `\\t`, `\\\\`); use single quotes for text with backslashes",
    ),
    ("major version", None, "remove the `%YAML` line, or write `%YAML 1.2`"),
    (
        "tabs disallowed",
        None,
        "indent with spaces: YAML does not allow tabs in indentation",
    ),
    (
        "unexpected character",
        None,
        "remove the character: YAML text holds no control characters other than tabs and line breaks",
    ),
    (
        "trailing content after",
        None,
        "put nothing after the closing quote but a comment, or quote the whole value",
    ),
    (
        "did not find expected key",
        None,
        "check the indentation: the keys of one mapping start in the same column, and a list item (`- `) \
         belongs under a key of its own",
    ),
    (
        "",
        None,
        "fix the YAML at the place shown (check indentation, quoting and `key: value` spacing)",
    ),
];

/// Our message and help for a library message.
fn describe(detail: &str) -> (String, String) {
    let lower = detail.to_ascii_lowercase();
    let fill = |s: &str| {
        s.replace("{depth}", &MAX_DEPTH.to_string())
            .replace("{aliases}", &MAX_ALIAS_REPLAYED_EVENTS.to_string())
    };
    let (message, help) = DESCRIPTIONS
        .iter()
        .find(|(needle, _, _)| lower.contains(needle))
        .map(|(_, message, help)| (message.map(fill), fill(help)))
        .unwrap_or_default();
    (format!("invalid YAML: {}", message.as_deref().unwrap_or(detail)), help)
}

/// Parses a single-document file (compose files, values files, overlay.yaml).
/// An empty file (or one holding only comments) gives `null`.
pub fn parse_one(file: &Arc<str>, text: &str, flavor: Flavor) -> Result<Document, Error> {
    let mut docs = parse_stream(file, text, flavor)?;
    if docs.len() > 1 {
        let second = docs.swap_remove(1);
        return Err(Error::input(
            Some(second.spans.origin("")),
            "this file holds more than one YAML document",
            "keep a single document here (remove the `---` separator and what follows, or split the file)",
        ));
    }
    Ok(docs.pop().unwrap_or_else(|| Document {
        value: Value::Null,
        spans: Spans::new(file.clone()),
    }))
}

/// Parses a stream of documents separated by `---` (manifests). Empty and `null`
/// documents are skipped, as kubectl skips them; each document has its own spans
/// (pointers are relative to its root).
pub fn parse_stream(file: &Arc<str>, text: &str, flavor: Flavor) -> Result<Vec<Document>, Error> {
    stray_bom(file, text)?;
    match fast::parse(file, text)? {
        Some(docs) => Ok(docs),
        None => full_stream(file, text, flavor),
    }
}

/// Refuses a byte order mark anywhere but at the start of the file or of a document: the
/// parser would keep it as an invisible first character of a key or value (`\u{FEFF}image`),
/// which then fails far from here, or not at all. Pasted text and joined files bring them.
fn stray_bom(file: &Arc<str>, text: &str) -> Result<(), Error> {
    const BOM: char = '\u{FEFF}';
    let mut from = usize::from(text.starts_with(BOM)) * BOM.len_utf8();
    while let Some(i) = text.get(from..).and_then(|t| t.find(BOM)) {
        let at = from + i;
        let before = text.get(..at).unwrap_or_default();
        let line_start = before.rfind('\n').map_or(0, |n| n + 1);
        let previous = before.get(..line_start.saturating_sub(1)).unwrap_or_default();
        let previous = previous.rsplit('\n').next().unwrap_or_default().trim_end();
        let document_start = line_start == at && matches!(previous, "---" | "...");
        if !document_start {
            let line = before.matches('\n').count() + 1;
            let column = before.get(line_start..).map_or(0, |l| l.chars().count()) + 1;
            return Err(Error::input(
                Some(Origin::new(file.clone(), line, column)),
                "invalid YAML: a byte order mark (U+FEFF, invisible) inside the file",
                "delete it: only the start of a file may hold one (pasted text and joined files bring them)",
            ));
        }
        from = at + BOM.len_utf8();
    }
    Ok(())
}

/// The full parser (serde-saphyr), for whatever the fast path leaves to it; the one that
/// defines what berth reads.
fn full_stream(file: &Arc<str>, text: &str, flavor: Flavor) -> Result<Vec<Document>, Error> {
    let (job_file, text) = (file.clone(), text.to_owned());
    stack::on_big_stack(move || parse_here(&job_file, &text, flavor)).unwrap_or_else(|| {
        Err(Error::input(
            Some(Origin::file(file.clone())),
            "cannot parse YAML: the parser thread could not run",
            "retry; if it persists, report a bug with this file",
        ))
    })
}

/// The parse itself; needs the big stack that [`stack::on_big_stack`] provides.
fn parse_here(file: &Arc<str>, text: &str, flavor: Flavor) -> Result<Vec<Document>, Error> {
    let nodes: Vec<Spanned<node::Node>> =
        serde_saphyr::from_multiple_with_options(text, options(flavor)).map_err(|e| parse_error(file, text, &e))?;
    if text.contains('!') {
        unknown_tag(file, text, flavor)?;
    }
    nodes
        .into_iter()
        .map(|n| {
            let (value, spans) = node::into_document(file, n)?;
            Ok(Document { value, spans })
        })
        .filter(|d| !matches!(d, Ok(Document { value: Value::Null, .. })))
        .collect()
}

/// The tags berth reads: the YAML core schema's, `!!binary` and `!!timestamp`, and in
/// compose files compose's own `!reset` and `!override` (see `compose::tags`).
const CORE_TAGS: &[&str] = &[
    "str",
    "int",
    "float",
    "bool",
    "null",
    "map",
    "seq",
    "binary",
    "timestamp",
    "merge",
];
const COMPOSE_TAGS: &[&str] = &["reset", "override"];

/// Refuses a tag berth does not know. The parser keeps the value and drops the tag, so
/// `!vault secret/x` or CloudFormation's `!Ref x` would go on as a plain string that means
/// something else than the author wrote; better to stop at the tag. Runs only on text that
/// parsed (so the limits held) and holds a `!`; the event scan allocates nothing per node.
fn unknown_tag(file: &Arc<str>, text: &str, flavor: Flavor) -> Result<(), Error> {
    use serde_saphyr::granit_parser::{Event, Parser};
    for (event, span) in Parser::new_from_str(text).flatten() {
        let tag = match &event {
            Event::Scalar(_, _, _, tag) | Event::SequenceStart(_, _, tag) | Event::MappingStart(_, _, tag) => tag,
            _ => continue,
        };
        let Some(tag) = tag else { continue };
        let known = if tag.handle() == "tag:yaml.org,2002:" {
            CORE_TAGS.contains(&tag.suffix())
        } else {
            flavor == Flavor::Compose && tag.handle() == "!" && COMPOSE_TAGS.contains(&tag.suffix())
        };
        if known {
            continue;
        }
        let at = span.tag_start.unwrap_or(span.start);
        let written = format!("{}{}", tag.original_handle(), tag.suffix());
        return Err(Error::input(
            Some(Origin::new(file.clone(), at.line(), at.col() + 1)),
            format!("invalid YAML: unknown tag `{written}`"),
            "berth reads only YAML's standard tags (`!!str`, `!!int`, `!!binary`, ...) and, in compose files, \
             `!reset` and `!override`; remove the tag, or quote the value if the `!` is part of the text",
        ));
    }
    Ok(())
}

/// Appends `/key` to a JSON pointer, escaped as [`pointer_segment`] does, without
/// allocating (the parsers build every node's pointer this way).
fn push_segment(path: &mut String, key: &str) {
    path.push('/');
    for c in key.chars() {
        match c {
            '~' => path.push_str("~0"),
            '/' => path.push_str("~1"),
            c => path.push(c),
        }
    }
}

/// Escapes one JSON-pointer segment (RFC 6901).
pub fn pointer_segment(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// The first of `pointer` and its ancestors (`/a/b`, `/a`, ``) for which `find` answers:
/// how every origin lookup falls back to the nearest located value.
pub fn nearest<T>(pointer: &str, mut find: impl FnMut(&str) -> Option<T>) -> Option<T> {
    let mut p = pointer;
    loop {
        if let Some(found) = find(p) {
            return Some(found);
        }
        p = &p[..p.rfind('/')?];
    }
}

#[cfg(test)]
mod tests;
