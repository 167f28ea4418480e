//! Diagnostics on stderr: errors with a source snippet (miette); warnings grouped by kind
//! and counted; the relaxations; and a one-line summary. Colour is decided once per
//! process (`configure`), from `--color`, the terminal and `NO_COLOR`, and miette follows
//! the same decision.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::IsTerminal as _;
use std::sync::OnceLock;
use std::time::Duration;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource, Report};

use crate::error::{Error, Warning};
use crate::pipeline::{Relaxation, Rendered};
use crate::source::{Origin, Sandbox};
use crate::validate::Finding;

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when stderr is a terminal and `NO_COLOR` is unset or empty.
    #[default]
    Auto,
    /// Colour even when piped (`NO_COLOR` too is overridden: the flag is the user's word).
    Always,
    Never,
}

/// How this process writes diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub colour: bool,
    /// `--quiet`: no summary line, no progress.
    pub quiet: bool,
    /// stderr is a terminal: progress may be drawn, long groups are shortened.
    pub terminal: bool,
}

impl Style {
    /// Plain text, as for a file.
    pub const PLAIN: Style = Style {
        colour: false,
        quiet: false,
        terminal: false,
    };

    fn paint(self, ansi: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{ansi}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn error(self) -> String {
        self.paint("1;31", "error")
    }

    fn warning(self) -> String {
        self.paint("1;33", "warning")
    }

    fn relaxed(self) -> String {
        self.paint("1;36", "relaxed")
    }

    fn help(self) -> String {
        self.paint("1", "help")
    }

    /// Objects listed per group before "and K more": on a terminal a long group would
    /// push everything else off the screen; a file or a CI log gets every one.
    fn limit(self) -> Option<usize> {
        self.terminal.then_some(GROUP_LIMIT)
    }
}

const GROUP_LIMIT: usize = 10;

static STYLE: OnceLock<Style> = OnceLock::new();

/// Whether to colour: `always` and `never` are the user's word; `auto` colours only a
/// terminal, and never when `NO_COLOR` is set to anything but the empty string
/// (no-color.org) or the terminal is `dumb`.
pub fn colour_wanted(choice: ColorChoice, terminal: bool, no_color: Option<&str>, term: Option<&str>) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => terminal && no_color.is_none_or(str::is_empty) && term != Some("dumb"),
    }
}

/// Decides the style of this process from the flags and the environment, and points
/// miette's own handler at the same colour decision. Called once, before any output.
pub fn configure(choice: ColorChoice, quiet: bool) {
    let terminal = std::io::stderr().is_terminal();
    let no_color = std::env::var("NO_COLOR").ok();
    let term = std::env::var("TERM").ok();
    let colour = colour_wanted(choice, terminal, no_color.as_deref(), term.as_deref());
    let _ = STYLE.set(Style {
        colour,
        quiet,
        terminal,
    });
    let _ = miette::set_hook(Box::new(move |_| {
        Box::new(
            miette::MietteHandlerOpts::new()
                .color(colour)
                .unicode(true)
                .force_graphical(true)
                .build(),
        )
    }));
}

/// The style `configure` decided (plain before it ran, as in library tests).
pub fn style() -> Style {
    STYLE.get().copied().unwrap_or(Style::PLAIN)
}

/// Prints an error and returns its exit code.
pub fn error(err: &Error, sandbox: Option<&Sandbox>) -> u8 {
    eprint!("{}", format_error(err, sandbox));
    err.exit_code()
}

/// One line of a warning group: the place and message, and lines shown under it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Item {
    head: String,
    at: Option<String>,
    help: Option<String>,
}

/// Everything a command warns about, collected from one or more renders and printed
/// grouped: one block per warning kind, whatever the number of objects it is about.
#[derive(Debug, Default)]
pub struct Notes {
    /// By (0 for render warnings, 1 for policy findings; the rule's row; the code).
    warnings: BTreeMap<(u8, usize, &'static str), Vec<Item>>,
    /// By (rule, reason): the objects relaxed.
    relaxations: BTreeMap<(String, String), Vec<String>>,
    count_warnings: usize,
    count_relaxations: usize,
}

impl Notes {
    /// Adds a render's warnings, policy findings and relaxations; `label` (an environment,
    /// a side of a diff) prefixes each line when several renders are reported together.
    pub fn add(&mut self, label: Option<&str>, rendered: &Rendered) {
        self.add_warnings(label, &rendered.warnings);
        self.add_findings(label, &rendered.findings);
        self.add_relaxations(label, &rendered.relaxations);
    }

    pub fn add_warnings(&mut self, label: Option<&str>, warnings: &[Warning]) {
        for w in warnings {
            let head = format!("{}{}{}", prefix(label), place(w.origin.as_ref()), w.message);
            self.push((0, 0, w.code), head, None, w.help.clone());
        }
    }

    pub fn add_findings(&mut self, label: Option<&str>, findings: &[Finding]) {
        for f in findings {
            let object = if f.object.is_empty() {
                String::new()
            } else {
                format!("{}: ", f.object)
            };
            let head = format!("{}{}{object}{}", prefix(label), place(f.origin.as_ref()), f.message);
            let row = crate::validate::RULES
                .iter()
                .position(|r| r.id == f.rule)
                .unwrap_or(usize::MAX);
            let at = (!f.path.is_empty()).then(|| f.path.clone());
            let help = f.rule().map(|r| r.fix.to_string());
            self.push((1, row, f.rule), head, at, help);
        }
    }

    pub fn add_relaxations(&mut self, label: Option<&str>, relaxations: &[Relaxation]) {
        for r in relaxations {
            self.relaxations
                .entry((r.rule.clone(), r.reason.clone()))
                .or_default()
                .push(format!("{}{}", prefix(label), r.object));
            self.count_relaxations += 1;
        }
    }

    fn push(&mut self, key: (u8, usize, &'static str), head: String, at: Option<String>, help: Option<String>) {
        self.warnings.entry(key).or_default().push(Item { head, at, help });
        self.count_warnings += 1;
    }

    pub fn warnings(&self) -> usize {
        self.count_warnings
    }

    pub fn relaxations(&self) -> usize {
        self.count_relaxations
    }

    /// The text of every group. A kind seen once prints as one warning
    /// (`warning: place: message [code]` and its help); a kind seen n times prints a
    /// `warning[code]: n warnings` head, one line per object (the first `limit`, then
    /// "and K more"), and the help once when every line shares it.
    pub fn format(&self, style: Style) -> String {
        let mut out = String::new();
        for ((_, _, code), items) in &self.warnings {
            match items.as_slice() {
                [one] => {
                    let _ = writeln!(out, "{}: {} [{code}]", style.warning(), one.head);
                    if let Some(at) = &one.at {
                        let _ = writeln!(out, "  at: {at}");
                    }
                    if let Some(h) = &one.help {
                        let _ = writeln!(out, "  {}: {h}", style.help());
                    }
                }
                _ => group(&mut out, style, code, items),
            }
        }
        for ((rule, reason), objects) in &self.relaxations {
            match objects.as_slice() {
                [one] => {
                    let _ = writeln!(out, "{}: {one} waives {rule}: {reason}", style.relaxed());
                }
                _ => {
                    let _ = writeln!(
                        out,
                        "{}[{rule}]: {} objects waive it: {reason}",
                        style.relaxed(),
                        objects.len()
                    );
                    let shown = style.limit().unwrap_or(usize::MAX);
                    for o in objects.iter().take(shown) {
                        let _ = writeln!(out, "  - {o}");
                    }
                    more(&mut out, objects.len(), shown);
                }
            }
        }
        out
    }

    /// Prints the groups on stderr.
    pub fn print(&self) {
        eprint!("{}", self.format(style()));
    }
}

fn group(out: &mut String, style: Style, code: &str, items: &[Item]) {
    let _ = writeln!(out, "{}[{code}]: {} warnings", style.warning(), items.len());
    let shared = items
        .first()
        .and_then(|f| f.help.as_ref())
        .filter(|h| items.iter().all(|i| i.help.as_ref() == Some(*h)));
    let shown = style.limit().unwrap_or(usize::MAX);
    for i in items.iter().take(shown) {
        let _ = writeln!(out, "  - {}", i.head);
        if let Some(at) = &i.at {
            let _ = writeln!(out, "    at: {at}");
        }
        if shared.is_none()
            && let Some(h) = &i.help
        {
            let _ = writeln!(out, "    {}: {h}", style.help());
        }
    }
    more(out, items.len(), shown);
    if let Some(h) = shared {
        let _ = writeln!(out, "  {}: {h}", style.help());
    }
}

fn more(out: &mut String, total: usize, shown: usize) {
    if total > shown {
        let _ = writeln!(
            out,
            "  … and {} more (every one is listed when stderr is not a terminal)",
            total - shown
        );
    }
}

fn prefix(label: Option<&str>) -> String {
    label.map(|l| format!("[{l}] ")).unwrap_or_default()
}

fn place(origin: Option<&Origin>) -> String {
    origin.map(|o| format!("{o}: ")).unwrap_or_default()
}

/// What a summary line is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject<'a> {
    /// One input, named by its path.
    Path(&'a str),
    /// One environment of `--env`.
    Env(&'a str),
    /// Several environments.
    Envs(&'a [String]),
}

/// The closing line of a command on stderr:
/// `rendered 14 objects for prod: 3 warnings, 2 waivers, in 41 ms`.
pub fn summary(verb: &str, objects: usize, subject: &Subject, notes: &Notes, elapsed: Duration) -> String {
    let about = match subject {
        Subject::Path("") => String::new(),
        Subject::Path(p) => format!(" from {p}"),
        Subject::Env(e) => format!(" for {e}"),
        Subject::Envs(envs) => format!(" for {} environments ({})", envs.len(), envs.join(", ")),
    };
    format!(
        "{verb} {}{about}: {}, {}, in {}\n",
        plural(objects, "object", "objects"),
        plural(notes.warnings(), "warning", "warnings"),
        plural(notes.relaxations(), "waiver", "waivers"),
        duration(elapsed)
    )
}

/// Prints the summary line unless `--quiet`.
pub fn print_summary(line: &str) {
    if !style().quiet {
        eprint!("{line}");
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `41 ms` below ten seconds, `12.3 s` above.
fn duration(d: Duration) -> String {
    if d < Duration::from_secs(10) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// The text of an error as berth prints it: `error: file:line:col: message`, a snippet
/// when the file was read, and a `help:` line.
pub fn format_error(err: &Error, sandbox: Option<&Sandbox>) -> String {
    format_error_styled(err, sandbox, style())
}

fn format_error_styled(err: &Error, sandbox: Option<&Sandbox>, style: Style) -> String {
    let mut out = String::new();
    let error = style.error();
    match err {
        Error::Strict(ws) => {
            for w in ws {
                let _ = writeln!(out, "{error}: {w}");
            }
            let _ = writeln!(out, "{error}: {} warning(s) are errors under --strict", ws.len());
            return out;
        }
        Error::Invalid { summary, problems } => {
            for p in problems {
                let _ = writeln!(out, "{error}: {p}");
            }
            let _ = writeln!(out, "{error}: {summary}");
            return out;
        }
        _ => {}
    }
    let origin = err.origin();
    match origin {
        Some(o) => {
            let _ = writeln!(out, "{error}: {o}: {err}");
        }
        None => {
            let _ = writeln!(out, "{error}: {err}");
        }
    }
    if let (Some(o), Some(sb)) = (origin, sandbox)
        && let Some(snippet) = snippet(o, sb, style)
    {
        out.push_str(&snippet);
    }
    if let Some(h) = err.help() {
        let _ = writeln!(out, "  {}: {h}", style.help());
    }
    out
}

fn snippet(origin: &Origin, sandbox: &Sandbox, style: Style) -> Option<String> {
    if origin.line == 0 {
        return None;
    }
    let text = sandbox.text_of(&origin.file)?;
    snippet_of(&origin.file, &text, origin.line, origin.column, style)
}

/// Characters of a line a snippet shows: a minified JSON file or a long base64 value is
/// one line of megabytes, and a snippet should fit a terminal.
const SNIPPET_WIDTH: usize = 120;

/// The snippet of `text` at `line`:`column`, long lines cut to a window around it.
fn snippet_of(file: &str, text: &str, line: usize, column: usize, style: Style) -> Option<String> {
    let (text, shown) = shorten(text, line, column);
    let offset = byte_offset(&text, line, shown)?;
    let diag = MietteDiagnostic::new("").with_label(LabeledSpan::at_offset(offset, "here"));
    let report = Report::new(diag).with_source_code(NamedSource::new(file, text));
    let mut out = String::new();
    let theme = if style.colour {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_context_lines(1);
    handler.render_report(&mut out, report.as_ref()).ok()?;
    // Drop miette's own empty headline (up to the frame's top corner); berth prints its
    // own above.
    let body: String = out
        .lines()
        .skip_while(|l| !l.contains('╭'))
        .map(|l| format!("{l}\n"))
        .collect();
    if shown == column {
        return Some(body);
    }
    // The frame's top names the column in the cut line: put the file's own back.
    let (top, rest) = body.split_once('\n').unwrap_or((&body, ""));
    let at = format!(":{line}:");
    let top = match top.rfind(&at) {
        Some(i) => {
            let (head, tail) = top.split_at(i + at.len());
            let digits = tail.find(|c: char| !c.is_ascii_digit()).unwrap_or(tail.len());
            format!("{head}{column}{}", tail.get(digits..).unwrap_or(""))
        }
        None => top.to_string(),
    };
    Some(format!("{top}\n{rest}"))
}

/// `text` with the lines a snippet shows (`line` and one either side) cut to
/// [`SNIPPET_WIDTH`] characters, marked `…` where cut: the error's line keeps the window
/// around `column`. Returns the text and the column in the cut line.
fn shorten(text: &str, line: usize, column: usize) -> (String, usize) {
    let long = |l: &str| l.chars().count() > SNIPPET_WIDTH;
    let near = |i: usize| i + 1 + 1 >= line && i < line + 1;
    if !text.split_inclusive('\n').enumerate().any(|(i, l)| near(i) && long(l)) {
        return (text.to_string(), column);
    }
    let mut out = String::with_capacity(text.len());
    let mut new_column = column;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if !(near(i) && long(l)) {
            out.push_str(l);
            continue;
        }
        let body = l.trim_end_matches(['\n', '\r']);
        let chars: Vec<char> = body.chars().collect();
        let start = match i + 1 == line {
            true => column
                .saturating_sub(1 + SNIPPET_WIDTH / 2)
                .min(chars.len().saturating_sub(SNIPPET_WIDTH)),
            false => 0,
        };
        let end = (start + SNIPPET_WIDTH).min(chars.len());
        if start > 0 {
            out.push('…');
        }
        out.extend(chars.get(start..end).into_iter().flatten());
        if end < chars.len() {
            out.push('…');
        }
        out.push('\n');
        if i + 1 == line {
            new_column = column - start + usize::from(start > 0);
        }
    }
    (out, new_column)
}

/// Byte offset of a 1-based line and column (columns count characters).
fn byte_offset(text: &str, line: usize, column: usize) -> Option<usize> {
    let mut start = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let col = column.saturating_sub(1);
            let within = l
                .char_indices()
                .nth(col)
                .map_or(l.trim_end_matches('\n').len(), |(b, _)| b);
            return Some(start + within);
        }
        start += l.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warning(line: usize, code: &'static str, help: &str) -> Warning {
        Warning {
            origin: Some(Origin {
                file: "compose.yaml".into(),
                line,
                column: 5,
            }),
            code,
            message: format!("service at line {line} gets a default"),
            help: Some(help.to_string()),
        }
    }

    const TERMINAL: Style = Style {
        colour: false,
        quiet: false,
        terminal: true,
    };

    /// A line of megabytes (minified JSON) shows as a window around the error.
    #[test]
    fn a_long_line_shows_as_a_window_around_the_column() {
        let long = format!("{}BAD{}", "a".repeat(3_000), "b".repeat(3_000));
        let text = format!("first: 1\nkey: {long}\n{}\n", "c".repeat(500));
        let column = "key: ".len() + 3_000 + 1;
        let out = snippet_of("f.yaml", &text, 2, column, Style::PLAIN).unwrap();
        for l in out.lines() {
            assert!(l.chars().count() < SNIPPET_WIDTH + 20, "{l}");
        }
        let error_line = out.lines().find(|l| l.contains("BAD")).unwrap();
        assert!(error_line.contains("…a") && error_line.contains("b…"), "{out}");
        // The marker stands under the B of BAD.
        let marker = out.lines().find(|l| l.contains('▲')).unwrap();
        let at = |l: &str, c: char| l.chars().position(|x| x == c).unwrap();
        assert_eq!(at(marker, '▲'), at(error_line, 'B'), "{out}");
        assert!(out.contains(&format!("[f.yaml:2:{column}]")), "{out}");
        assert!(out.lines().any(|l| l.ends_with("c…")), "{out}");
        // Short lines are shown as they are.
        let out = snippet_of("f.yaml", "a: 1\nb: x\n", 2, 4, Style::PLAIN).unwrap();
        assert!(out.contains("b: x") && !out.contains('…'), "{out}");
    }

    #[test]
    fn colour_follows_the_flag_the_terminal_and_no_color() {
        use ColorChoice::*;
        let cases = [
            // (choice, terminal, NO_COLOR, TERM, colour)
            (Auto, true, None, None, true),
            (Auto, false, None, None, false),
            (Auto, true, Some("1"), None, false),
            (Auto, true, Some(""), None, true),
            (Auto, true, None, Some("dumb"), false),
            (Always, false, Some("1"), Some("dumb"), true),
            (Never, true, None, None, false),
        ];
        for (choice, terminal, no_color, term, want) in cases {
            assert_eq!(
                colour_wanted(choice, terminal, no_color, term),
                want,
                "{choice:?} terminal={terminal} NO_COLOR={no_color:?} TERM={term:?}"
            );
        }
    }

    #[test]
    fn one_warning_prints_as_before_and_many_as_one_group() {
        let mut notes = Notes::default();
        notes.add_warnings(None, &[warning(3, "only-once", "do this")]);
        notes.add_warnings(
            Some("prod"),
            &[warning(7, "twice", "same help"), warning(9, "twice", "same help")],
        );
        let text = notes.format(Style::PLAIN);
        assert_eq!(
            text,
            "warning: compose.yaml:3:5: service at line 3 gets a default [only-once]\n  help: do this\n\
             warning[twice]: 2 warnings\n\
             \x20 - [prod] compose.yaml:7:5: service at line 7 gets a default\n\
             \x20 - [prod] compose.yaml:9:5: service at line 9 gets a default\n\
             \x20 help: same help\n"
        );
        assert_eq!(notes.warnings(), 3);
    }

    #[test]
    fn a_terminal_lists_the_first_ten_of_a_group_then_a_count() {
        let mut notes = Notes::default();
        let many: Vec<Warning> = (1..=13).map(|i| warning(i, "alike", &format!("help {i}"))).collect();
        notes.add_warnings(None, &many);
        let text = notes.format(TERMINAL);
        assert!(text.starts_with("warning[alike]: 13 warnings\n"), "{text}");
        assert_eq!(text.matches("  - compose.yaml").count(), 10, "{text}");
        // Helps differ: each shown under its line.
        assert!(text.contains("    help: help 10\n"), "{text}");
        assert!(!text.contains("help 11"), "{text}");
        assert!(
            text.ends_with("  … and 3 more (every one is listed when stderr is not a terminal)\n"),
            "{text}"
        );
        // Not a terminal: all thirteen.
        assert_eq!(notes.format(Style::PLAIN).matches("  - compose.yaml").count(), 13);
    }

    #[test]
    fn relaxations_group_by_rule_and_reason() {
        let r = |object: &str, rule: &str| Relaxation {
            object: object.into(),
            rule: rule.into(),
            reason: "no probe".into(),
        };
        let mut notes = Notes::default();
        notes.add_relaxations(
            None,
            &[
                r("Deployment/a", "REL-LIVENESS"),
                r("Deployment/b", "REL-LIVENESS"),
                r("Deployment/a", "REL-READINESS"),
            ],
        );
        assert_eq!(
            notes.format(Style::PLAIN),
            "relaxed[REL-LIVENESS]: 2 objects waive it: no probe\n  - Deployment/a\n  - Deployment/b\n\
             relaxed: Deployment/a waives REL-READINESS: no probe\n"
        );
        assert_eq!(notes.relaxations(), 3);
    }

    #[test]
    fn the_summary_line_says_what_was_rendered() {
        let mut notes = Notes::default();
        notes.add_warnings(None, &[warning(1, "x", "h")]);
        let ms = Duration::from_millis(41);
        assert_eq!(
            summary("rendered", 14, &Subject::Env("prod"), &notes, ms),
            "rendered 14 objects for prod: 1 warning, 0 waivers, in 41 ms\n"
        );
        let envs = ["dev".to_string(), "prod".to_string()];
        assert_eq!(
            summary(
                "checked",
                1,
                &Subject::Envs(&envs),
                &Notes::default(),
                Duration::from_millis(12_340)
            ),
            "checked 1 object for 2 environments (dev, prod): 0 warnings, 0 waivers, in 12.3 s\n"
        );
        assert_eq!(
            summary("rendered", 2, &Subject::Path("compose.yaml"), &notes, ms),
            "rendered 2 objects from compose.yaml: 1 warning, 0 waivers, in 41 ms\n"
        );
    }

    #[test]
    fn colour_paints_the_labels_only() {
        let style = Style {
            colour: true,
            ..Style::PLAIN
        };
        let mut notes = Notes::default();
        notes.add_warnings(None, &[warning(3, "once", "h")]);
        assert_eq!(
            notes.format(style),
            "\x1b[1;33mwarning\x1b[0m: compose.yaml:3:5: service at line 3 gets a default [once]\n  \x1b[1mhelp\x1b[0m: h\n"
        );
    }

    #[test]
    fn offsets_count_characters() {
        let t = "ab\ncé d\n";
        assert_eq!(byte_offset(t, 1, 1), Some(0));
        assert_eq!(byte_offset(t, 2, 3), Some(6));
        assert_eq!(byte_offset(t, 3, 1), None);
    }
}
