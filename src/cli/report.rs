//! Diagnostics on stderr: errors with a source snippet (miette), warnings one per line.

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource, Report};

use crate::error::{Error, Warning};
use crate::source::{Origin, Sandbox};

/// Prints an error and returns its exit code.
pub fn error(err: &Error, sandbox: Option<&Sandbox>) -> u8 {
    eprint!("{}", format_error(err, sandbox));
    err.exit_code()
}

/// Prints warnings, then a count.
pub fn warnings(warnings: &[Warning]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
    if !warnings.is_empty() {
        eprintln!("{} warning(s)", warnings.len());
    }
}

/// Prints every relaxation the output carries, then a count.
pub fn relaxations(relaxations: &[crate::pipeline::Relaxation]) {
    for r in relaxations {
        eprintln!("relaxed: {r}");
    }
    if !relaxations.is_empty() {
        eprintln!(
            "{} relaxation(s), each recorded on its object as berth.dev/waive",
            relaxations.len()
        );
    }
}

/// The text of an error as berth prints it: `error: file:line:col: message`, a snippet
/// when the file was read, and a `help:` line.
pub fn format_error(err: &Error, sandbox: Option<&Sandbox>) -> String {
    let mut out = String::new();
    match err {
        Error::Strict(ws) => {
            for w in ws {
                out.push_str(&format!("error: {w}\n"));
            }
            out.push_str(&format!("error: {} warning(s) are errors under --strict\n", ws.len()));
            return out;
        }
        Error::Invalid { summary, problems } => {
            for p in problems {
                out.push_str(&format!("error: {p}\n"));
            }
            out.push_str(&format!("error: {summary}\n"));
            return out;
        }
        _ => {}
    }
    let origin = err.origin();
    match origin {
        Some(o) => out.push_str(&format!("error: {o}: {err}\n")),
        None => out.push_str(&format!("error: {err}\n")),
    }
    if let (Some(o), Some(sb)) = (origin, sandbox)
        && let Some(snippet) = snippet(o, sb)
    {
        out.push_str(&snippet);
    }
    if let Some(h) = err.help() {
        out.push_str(&format!("  help: {h}\n"));
    }
    out
}

fn snippet(origin: &Origin, sandbox: &Sandbox) -> Option<String> {
    if origin.line == 0 {
        return None;
    }
    let text = sandbox.text_of(&origin.file)?;
    let offset = byte_offset(&text, origin.line, origin.column)?;
    let diag = MietteDiagnostic::new("").with_label(LabeledSpan::at_offset(offset, "here"));
    let report = Report::new(diag).with_source_code(NamedSource::new(&origin.file, text));
    let mut out = String::new();
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_context_lines(1);
    handler.render_report(&mut out, report.as_ref()).ok()?;
    // Drop miette's own empty headline; berth prints its own above.
    let body: String = out
        .lines()
        .skip_while(|l| !l.contains('['))
        .map(|l| format!("{l}\n"))
        .collect();
    Some(body)
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
    use super::byte_offset;

    #[test]
    fn offsets_count_characters() {
        let t = "ab\ncé d\n";
        assert_eq!(byte_offset(t, 1, 1), Some(0));
        assert_eq!(byte_offset(t, 2, 3), Some(6));
        assert_eq!(byte_offset(t, 3, 1), None);
    }
}
