//! A validation run written out: text for people, JSON for scripts, JUnit XML for CI test
//! tabs, SARIF 2.1.0 for code scanning. Each function returns the text; the CLI prints it.
//!
//! Every format lists the same findings in the same order (object by object, rules in
//! table order). Info findings appear only with `verbose`. Waived findings are listed as
//! waived (SARIF: suppressed), never dropped. Nothing depends on the clock or the machine,
//! so the output of a run is reproducible and can be snapshot-tested.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::Arc;

use serde_json::{Value, json};

use super::engine::{Finding, Report, WaiverSource};
use super::ident;
use super::rules::{RULES, Rule, Severity, rule};
use crate::manifest::Object;
use crate::source::Origin;

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Junit,
    Sarif,
}

/// Everything a report is written from.
pub struct Run<'a> {
    pub report: &'a Report,
    /// The objects checked (the report's indexes point here).
    pub objects: &'a [Object],
    /// The files read, in order.
    pub files: &'a [Arc<str>],
    /// Their texts, for snippets in the text format.
    pub sources: &'a HashMap<Arc<str>, Arc<str>>,
    pub strict: bool,
    pub verbose: bool,
}

impl Run<'_> {
    /// The findings shown: everything but info, unless verbose.
    fn shown(&self) -> impl Iterator<Item = &Finding> {
        self.report
            .findings
            .iter()
            .filter(|f| self.verbose || f.severity != Severity::Info)
    }

    fn fails(&self, f: &Finding) -> bool {
        f.waived.is_none() && (f.severity == Severity::Error || (self.strict && f.severity == Severity::Warn))
    }

    fn passed(&self) -> bool {
        !self.report.failed(self.strict)
    }

    /// Counts of the unwaived findings by severity (info counted even when not shown).
    fn counts(&self) -> (usize, usize, usize, usize) {
        let r = self.report;
        let waived = r.findings.iter().filter(|f| f.waived.is_some()).count();
        (
            r.count(Severity::Error),
            r.count(Severity::Warn),
            r.count(Severity::Info),
            waived,
        )
    }

    pub fn write(&self, format: Format) -> String {
        match format {
            Format::Text => text(self),
            Format::Json => json(self),
            Format::Junit => junit(self),
            Format::Sarif => sarif(self),
        }
    }

    /// Writes the report to `out`: the bytes of [`Run::write`]. JSON, the format of large
    /// runs, is streamed: a report of 10,000 objects is tens of megabytes, and building it
    /// whole first cost more in fresh memory pages than in writing it.
    pub fn write_to(&self, format: Format, out: &mut impl std::io::Write) -> std::io::Result<()> {
        match format {
            Format::Json => json_to(self, out),
            other => out.write_all(self.write(other).as_bytes()),
        }
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn label(f: &Finding, fails: bool) -> &'static str {
    match (f.waived.is_some(), f.severity) {
        (true, _) => "waived",
        (false, Severity::Warn) if fails => "error",
        (false, s) => s.as_str(),
    }
}

/// The human format: one block per finding (`error[RULE]: file:line:col: object: message`,
/// the source line, the JSON path and the fix), the waivers, and a summary line.
pub fn text(run: &Run) -> String {
    let mut out = String::new();
    let mut lines = Lines::default();
    for f in run.shown().filter(|f| f.waived.is_none()) {
        let place = f.origin.as_ref().map(|o| format!("{o}: ")).unwrap_or_default();
        let object = if f.object.is_empty() {
            String::new()
        } else {
            format!("{}: ", f.object)
        };
        let _ = writeln!(
            out,
            "{}[{}]: {place}{object}{}",
            label(f, run.fails(f)),
            f.rule,
            f.message
        );
        if let Some(o) = &f.origin {
            lines.snippet(run.sources, o, &mut out);
        }
        if !f.path.is_empty() {
            let _ = writeln!(out, "  at: {}", f.path);
        }
        if let Some(r) = f.rule() {
            let _ = writeln!(out, "  help: {}", r.fix);
        }
    }
    for w in &run.report.waivers {
        let place = w.origin.as_ref().map(|o| format!("{o}: ")).unwrap_or_default();
        let source = match w.source {
            WaiverSource::Annotation => "",
            WaiverSource::Policy => " (policy waiver)",
        };
        let _ = writeln!(
            out,
            "waived[{}]: {place}{}: {}{source}; relaxes {}",
            w.rule,
            w.object,
            w.reason,
            plural(w.matched, "finding", "findings")
        );
    }
    let (errors, warnings, info, waived) = run.counts();
    let failing = run.report.failing(run.strict).count();
    let verdict = if run.passed() { "passed" } else { "FAILED" };
    let mut parts = vec![
        plural(errors, "error", "errors"),
        plural(warnings, "warning", "warnings"),
    ];
    if run.verbose || info > 0 {
        parts.push(format!("{info} info"));
    }
    parts.push(format!("{waived} waived"));
    let _ = writeln!(
        out,
        "berth validate: {verdict}: {} in {}, Kubernetes {}, profile {}{}: {}{}",
        plural(run.report.objects, "object", "objects"),
        plural(run.files.len(), "file", "files"),
        run.report.kube_version,
        profile_name(run),
        if run.strict { " (strict)" } else { "" },
        parts.join(", "),
        if run.strict && warnings > 0 && failing > errors {
            "; warnings fail under --strict"
        } else {
            ""
        }
    );
    out
}

fn profile_name(run: &Run) -> &'static str {
    match run.report.profile {
        crate::harden::Profile::Restricted => "restricted",
        crate::harden::Profile::Baseline => "baseline",
        crate::harden::Profile::None => "none",
    }
}

/// The start of every line of each file a snippet was taken from, built on a file's first
/// snippet: a report with a finding on every object would otherwise scan its file from
/// the top once per finding.
#[derive(Default)]
struct Lines {
    starts: HashMap<Arc<str>, Vec<usize>>,
}

impl Lines {
    /// Appends the source line of `origin` with a caret under its column.
    fn snippet(&mut self, sources: &HashMap<Arc<str>, Arc<str>>, origin: &Origin, out: &mut String) {
        if origin.line == 0 {
            return;
        }
        let Some(text) = sources.get(&origin.file) else {
            return;
        };
        let starts = self
            .starts
            .entry(origin.file.clone())
            .or_insert_with(|| line_starts(text));
        let Some(&start) = starts.get(origin.line - 1) else {
            return;
        };
        let end = starts.get(origin.line).copied().unwrap_or(text.len());
        let Some(line) = text.get(start..end) else { return };
        let line = line.trim_end();
        let width = origin.line.to_string().len();
        let pad = " ".repeat(origin.column.saturating_sub(1));
        let _ = write!(out, "  {:>width$} | {line}\n  {:>width$} | {pad}^\n", origin.line, "");
    }
}

/// Where each line of `text` starts, counting lines as `str::lines` does (no line after a
/// final newline).
fn line_starts(text: &str) -> Vec<usize> {
    if text.is_empty() {
        return Vec::new();
    }
    let mut starts = vec![0];
    starts.extend(
        text.bytes()
            .enumerate()
            .filter(|(i, b)| *b == b'\n' && i + 1 < text.len())
            .map(|(i, _)| i + 1),
    );
    starts
}

/// (file, line, column) of an origin; line and column only for a place in the file.
fn place(origin: Option<&Origin>) -> (Option<&str>, Option<usize>, Option<usize>) {
    match origin {
        Some(o) if o.line > 0 => (Some(&o.file), Some(o.line), Some(o.column)),
        Some(o) => (Some(&o.file), None, None),
        None => (None, None, None),
    }
}

/// The identity fields of an object, as the JSON format lists them.
#[derive(Clone, Copy)]
struct Names<'a> {
    api_version: &'a str,
    kind: &'a str,
    namespace: &'a str,
    name: &'a str,
}

impl<'a> Names<'a> {
    fn of(o: &'a Object) -> Self {
        Names {
            api_version: o.api_version(),
            kind: o.kind(),
            namespace: ident::namespace(o),
            name: ident::name(o),
        }
    }
}

/// The JSON format: a stable document (`berth.dev/validate/v1`) with the verdict, the
/// counts, every finding shown and every waiver.
pub fn json(run: &Run) -> String {
    let mut buf = Vec::new();
    if json_to(run, &mut buf).is_err() {
        return "\n".into();
    }
    String::from_utf8(buf).unwrap_or_default()
}

/// [`json`], written to `out` as it is made.
fn json_to(run: &Run, out: &mut impl std::io::Write) -> std::io::Result<()> {
    let (errors, warnings, info, waived) = run.counts();
    let mut w = Pretty::new(out);
    w.open(b'{')?;
    w.key("apiVersion")?.string("berth.dev/validate/v1")?;
    w.key("kubeVersion")?.string(run.report.kube_version)?;
    w.key("profile")?.string(profile_name(run))?;
    w.key("strict")?.boolean(run.strict)?;
    w.key("passed")?.boolean(run.passed())?;
    w.key("summary")?.open(b'{')?;
    for (name, n) in [
        ("files", run.files.len()),
        ("objects", run.report.objects),
        ("errors", errors),
        ("warnings", warnings),
        ("info", info),
        ("waived", waived),
    ] {
        w.key(name)?.number(Some(n))?;
    }
    w.close(b'}')?;
    w.key("findings")?.open(b'[')?;
    json_findings(run, &mut w)?;
    w.close(b']')?;
    w.key("waivers")?.open(b'[')?;
    for waiver in &run.report.waivers {
        let (file, line, column) = place(waiver.origin.as_ref());
        w.item()?.open(b'{')?;
        w.key("rule")?.string(waiver.rule)?;
        w.key("object")?.string(&waiver.object)?;
        w.key("reason")?.string(&waiver.reason)?;
        w.key("source")?.string(match waiver.source {
            WaiverSource::Annotation => "annotation",
            WaiverSource::Policy => "policy",
        })?;
        w.key("findings")?.number(Some(waiver.matched))?;
        w.key("file")?.optional(file)?;
        w.key("line")?.number(line)?;
        w.key("column")?.number(column)?;
        w.close(b'}')?;
    }
    w.close(b']')?;
    w.close(b'}')?;
    w.out.write_all(b"\n")
}

/// The findings shown, each an object of the `findings` list.
fn json_findings<W: std::io::Write>(run: &Run, w: &mut Pretty<W>) -> std::io::Result<()> {
    // `help_uris[i]` is the help URI of `RULES[i]`, made once per run.
    let help_uris: Vec<String> = RULES.iter().map(Rule::help_uri).collect();
    // An object's findings come one after another: its names are read once for all of
    // them (read per finding, they were a twentieth of a large run, in cache misses).
    let mut last: Option<(usize, Names)> = None;
    for f in run.shown() {
        let (file, line, column) = place(f.origin.as_ref());
        let names = match (f.index, last) {
            (Some(i), Some((at, names))) if at == i => Some(names),
            (Some(i), _) => run.objects.get(i).map(|o| {
                let names = Names::of(o);
                last = Some((i, names));
                names
            }),
            (None, _) => None,
        };
        let row = RULES.iter().position(|r| r.id == f.rule);
        w.item()?.open(b'{')?;
        w.key("rule")?.string(f.rule)?;
        w.key("severity")?.string(f.severity.as_str())?;
        w.key("fails")?.boolean(run.fails(f))?;
        w.key("object")?.string(&f.object)?;
        w.key("apiVersion")?.optional(names.map(|n| n.api_version))?;
        w.key("kind")?.optional(names.map(|n| n.kind))?;
        w.key("namespace")?
            .optional(names.map(|n| n.namespace).filter(|n| !n.is_empty()))?;
        w.key("name")?.optional(names.map(|n| n.name))?;
        w.key("path")?.string(&f.path)?;
        w.key("message")?.string(&f.message)?;
        w.key("file")?.optional(file)?;
        w.key("line")?.number(line)?;
        w.key("column")?.number(column)?;
        w.key("waived")?.optional(f.waived.as_deref())?;
        w.key("help")?.optional(row.and_then(|i| RULES.get(i)).map(|r| r.fix))?;
        w.key("helpUri")?
            .optional(row.and_then(|i| help_uris.get(i)).map(String::as_str))?;
        w.close(b'}')?;
    }
    Ok(())
}

/// Writes JSON as `serde_json::to_writer_pretty` does (two-space indents, `"key": value`,
/// `[]` and `{}` when empty), straight to the output: the report of a large run is tens
/// of megabytes, and serializing it through serde's pretty printer cost twice as long.
/// Strings and numbers are still written by `serde_json`, so escaping has one source.
struct Pretty<'w, W> {
    out: &'w mut W,
    /// Nesting depth of the container being written.
    depth: usize,
    /// Whether that container has had no member yet.
    empty: bool,
}

impl<'w, W: std::io::Write> Pretty<'w, W> {
    fn new(out: &'w mut W) -> Self {
        Pretty {
            out,
            depth: 0,
            empty: true,
        }
    }

    fn open(&mut self, bracket: u8) -> std::io::Result<&mut Self> {
        self.out.write_all(&[bracket])?;
        self.depth += 1;
        self.empty = true;
        Ok(self)
    }

    fn close(&mut self, bracket: u8) -> std::io::Result<()> {
        self.depth = self.depth.saturating_sub(1);
        if !self.empty {
            self.newline()?;
        }
        self.empty = false;
        self.out.write_all(&[bracket])
    }

    /// Starts a member of the current container: the comma, the line, the indent.
    fn item(&mut self) -> std::io::Result<&mut Self> {
        if !self.empty {
            self.out.write_all(b",")?;
        }
        self.empty = false;
        self.newline()?;
        Ok(self)
    }

    fn newline(&mut self) -> std::io::Result<()> {
        const SPACES: &[u8] = &[b' '; 64];
        self.out.write_all(b"\n")?;
        let mut left = 2 * self.depth;
        while left > 0 {
            let n = left.min(SPACES.len());
            self.out.write_all(SPACES.get(..n).unwrap_or_default())?;
            left -= n;
        }
        Ok(())
    }

    /// Starts a member `"name": ` of the current object.
    fn key(&mut self, name: &str) -> std::io::Result<&mut Self> {
        self.item()?;
        self.string(name)?;
        self.out.write_all(b": ")?;
        Ok(self)
    }

    fn string(&mut self, s: &str) -> std::io::Result<()> {
        serde_json::to_writer(&mut *self.out, s).map_err(std::io::Error::from)
    }

    fn optional(&mut self, s: Option<&str>) -> std::io::Result<()> {
        match s {
            Some(s) => self.string(s),
            None => self.out.write_all(b"null"),
        }
    }

    fn number(&mut self, n: Option<usize>) -> std::io::Result<()> {
        match n {
            Some(n) => serde_json::to_writer(&mut *self.out, &n).map_err(std::io::Error::from),
            None => self.out.write_all(b"null"),
        }
    }

    fn boolean(&mut self, b: bool) -> std::io::Result<()> {
        self.out.write_all(if b { b"true" } else { b"false" })
    }
}

/// Escapes text for XML attributes and content.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            c if (c as u32) < 0x20 && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// The position of each file in `files` (the first, if one is read twice).
pub(super) fn file_ranks(files: &[Arc<str>]) -> HashMap<&Arc<str>, usize> {
    let mut ranks = HashMap::with_capacity(files.len());
    for (i, f) in files.iter().enumerate() {
        ranks.entry(f).or_insert(i);
    }
    ranks
}

/// One JUnit test case: an object (or a document that is no object) and its findings.
struct Case<'a> {
    name: String,
    findings: Vec<&'a Finding>,
}

/// The JUnit XML format: one test suite per file, one test case per object; failing
/// findings are `<failure>`s, the others are listed in `<system-out>`.
pub fn junit(run: &Run) -> String {
    let unknown: Arc<str> = Arc::from("-");
    let ranks = file_ranks(run.files);
    let file_rank = |file: &Arc<str>| ranks.get(file).copied().unwrap_or(run.files.len());
    // (file rank, line, case): objects and unreadable documents, in file order.
    let mut placed: Vec<(usize, usize, Arc<str>, Case)> = run
        .objects
        .iter()
        .map(|o| {
            let file = o.origin.as_ref().map_or(unknown.clone(), |o| o.file.clone());
            let line = o.origin.as_ref().map_or(0, |o| o.line);
            let case = Case {
                name: ident::id(o),
                findings: Vec::new(),
            };
            (file_rank(&file), line, file, case)
        })
        .collect();
    for f in run.shown() {
        match f.index.and_then(|i| placed.get_mut(i)) {
            Some((_, _, _, case)) => case.findings.push(f),
            None => {
                let file = f.origin.as_ref().map_or(unknown.clone(), |o| o.file.clone());
                let line = f.origin.as_ref().map_or(0, |o| o.line);
                let case = Case {
                    name: format!("document at line {line}"),
                    findings: vec![f],
                };
                placed.push((file_rank(&file), line, file, case));
            }
        }
    }
    placed.sort_by_key(|(rank, line, _, _)| (*rank, *line));
    let mut suites: BTreeMap<usize, (Arc<str>, Vec<Case>)> = BTreeMap::new();
    for (rank, _, file, case) in placed {
        suites.entry(rank).or_insert_with(|| (file, Vec::new())).1.push(case);
    }
    let failed = |c: &Case| c.findings.iter().any(|f| run.fails(f));
    let total: usize = suites.values().map(|(_, c)| c.len()).sum();
    let failures: usize = suites
        .values()
        .map(|(_, c)| c.iter().filter(|c| failed(c)).count())
        .sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"berth validate\" tests=\"{total}\" failures=\"{failures}\" errors=\"0\">"
    );
    for (file, cases) in suites.values() {
        let n_failed = cases.iter().filter(|c| failed(c)).count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{n_failed}\" errors=\"0\" skipped=\"0\">",
            xml(file),
            cases.len()
        );
        for case in cases {
            junit_case(run, &mut out, file, case);
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn junit_case(run: &Run, out: &mut String, file: &str, case: &Case) {
    let _ = write!(
        out,
        "    <testcase classname=\"{}\" name=\"{}\"",
        xml(file),
        xml(&case.name)
    );
    if case.findings.is_empty() {
        out.push_str("/>\n");
        return;
    }
    out.push_str(">\n");
    let line = |f: &Finding| {
        let place = f.origin.as_ref().map(|o| format!("{o}: ")).unwrap_or_default();
        let at = if f.path.is_empty() {
            String::new()
        } else {
            format!(" (at {})", f.path)
        };
        format!("{}[{}]: {place}{}{at}", label(f, run.fails(f)), f.rule, f.message)
    };
    for f in case.findings.iter().filter(|f| run.fails(f)) {
        let _ = writeln!(
            out,
            "      <failure type=\"{}\" message=\"{}\">{}</failure>",
            f.rule,
            xml(&f.message),
            xml(&line(f))
        );
    }
    let others: Vec<String> = case
        .findings
        .iter()
        .filter(|f| !run.fails(f))
        .map(|f| line(f))
        .collect();
    if !others.is_empty() {
        let _ = writeln!(out, "      <system-out>{}</system-out>", xml(&others.join("\n")));
    }
    out.push_str("    </testcase>\n");
}

/// A file name as a SARIF URI: relative paths stay relative (code scanning resolves them
/// against the repository root), absolute ones become `file://` URIs; characters outside
/// the unreserved set are percent-encoded.
fn uri(file: &str) -> String {
    let mut out = String::new();
    if file.starts_with('/') {
        out.push_str("file://");
    }
    for b in file.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn sarif_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warn => "warning",
        Severity::Info => "note",
    }
}

/// The SARIF 2.1.0 format: the whole rule table as `tool.driver.rules`, one result per
/// finding shown, waived findings as suppressed results.
pub fn sarif(run: &Run) -> String {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "shortDescription": {"text": r.title},
                "fullDescription": {"text": r.what},
                "help": {
                    "text": format!("{}\n\nHow to fix: {}", r.why, r.fix),
                    "markdown": format!("{}\n\n**How to fix.** {}\n\n```yaml\n{}\n```", r.why, r.fix, r.example),
                },
                "helpUri": r.help_uri(),
                "defaultConfiguration": {"level": sarif_level(r.severity)},
                "properties": {"tags": [family(r.id)]},
            })
        })
        .collect();
    // The first waiver of each (object, rule), looked up per waived finding.
    let mut sources: HashMap<(usize, &str), WaiverSource> = HashMap::new();
    for w in &run.report.waivers {
        sources.entry((w.index, w.rule)).or_insert(w.source);
    }
    let results: Vec<Value> = run.shown().map(|f| sarif_result(run, &sources, f)).collect();
    let artifacts: Vec<Value> = run.files.iter().map(|f| json!({"location": {"uri": uri(f)}})).collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "berth",
                "informationUri": "https://berth.dev",
                "rules": rules,
            }},
            "artifacts": artifacts,
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// The rule family (`SCHEMA`, `PSS`, ...), as a SARIF tag.
fn family(id: &str) -> &str {
    id.split('-').next().unwrap_or(id)
}

fn sarif_result(run: &Run, waivers: &HashMap<(usize, &str), WaiverSource>, f: &Finding) -> Value {
    let mut result = serde_json::Map::new();
    result.insert("ruleId".into(), json!(f.rule));
    if let Some(i) = RULES.iter().position(|r| r.id == f.rule) {
        result.insert("ruleIndex".into(), json!(i));
    }
    let level = if run.fails(f) { "error" } else { sarif_level(f.severity) };
    result.insert("level".into(), json!(level));
    let object = if f.object.is_empty() {
        String::new()
    } else {
        format!("{}: ", f.object)
    };
    result.insert("message".into(), json!({"text": format!("{object}{}", f.message)}));
    if let Some(o) = &f.origin {
        let mut physical = json!({"artifactLocation": {"uri": uri(&o.file)}});
        if o.line > 0 {
            physical["region"] = json!({"startLine": o.line, "startColumn": o.column.max(1)});
        }
        let mut location = json!({"physicalLocation": physical});
        if !f.object.is_empty() {
            location["logicalLocations"] = json!([{
                "fullyQualifiedName": format!("{}{}", f.object, f.path),
                "kind": "object",
            }]);
        }
        result.insert("locations".into(), json!([location]));
    }
    if let Some(reason) = &f.waived {
        let kind = match f.index.and_then(|i| waivers.get(&(i, f.rule))) {
            Some(WaiverSource::Policy) => "external",
            _ => "inSource",
        };
        result.insert("suppressions".into(), json!([{"kind": kind, "justification": reason}]));
    }
    if rule(f.rule).is_some_and(|r| r.severity != f.severity) {
        result.insert("rank".into(), json!(rank(f.severity)));
    }
    Value::Object(result)
}

/// A SARIF rank for findings graded below or above their rule's default.
fn rank(severity: Severity) -> f64 {
    match severity {
        Severity::Error => 90.0,
        Severity::Warn => 50.0,
        Severity::Info => 10.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes any value with [`Pretty`], as the report's writer uses it.
    fn pretty<W: std::io::Write>(w: &mut Pretty<W>, v: &Value) -> std::io::Result<()> {
        match v {
            Value::Object(m) => {
                w.open(b'{')?;
                for (k, v) in m {
                    w.key(k)?;
                    pretty(w, v)?;
                }
                w.close(b'}')
            }
            Value::Array(a) => {
                w.open(b'[')?;
                for v in a {
                    w.item()?;
                    pretty(w, v)?;
                }
                w.close(b']')
            }
            Value::String(s) => w.string(s),
            Value::Bool(b) => w.boolean(*b),
            Value::Number(n) => n
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .map_or(Err(std::io::Error::other("n")), |n| w.number(Some(n))),
            Value::Null => w.optional(None),
        }
    }

    #[test]
    fn pretty_writes_what_serde_json_writes() {
        let doc = json!({
            "a": "quote \" and \\ and \n and \u{1} and é", "empty": {}, "none": [], "n": 7, "t": true, "f": false,
            "z": null, "deep": {"list": [{"x": [1, [], {}]}, [2, {"y": {"z": [null]}}]]},
        });
        // Deeper than the writer's run of spaces.
        let deep = (0..40).fold(json!(1), |v, _| json!([v, {"k": "v"}]));
        for v in [doc.clone(), json!({}), json!([]), json!([doc]), deep] {
            let mut out = Vec::new();
            pretty(&mut Pretty::new(&mut out), &v).unwrap();
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string_pretty(&v).unwrap()
            );
        }
    }

    #[test]
    fn uris_are_encoded() {
        assert_eq!(uri("k8s/web app.yaml"), "k8s/web%20app.yaml");
        assert_eq!(uri("/tmp/x.yaml"), "file:///tmp/x.yaml");
    }

    #[test]
    fn xml_escapes_markup_and_control_characters() {
        assert_eq!(xml("a<b & \"c\"\n\u{1}"), "a&lt;b &amp; &quot;c&quot;&#10;");
    }
}
