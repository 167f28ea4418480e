//! Which template line produced each line of rendered text.
//!
//! minijinja does not say where output came from, yet a YAML error in rendered text must
//! point at the template line the author can fix (DESIGN.md section 4.2). The template's
//! literal text survives rendering, so each rendered line is matched, in order, to the
//! template line whose literal pieces it contains; a line that is all expression
//! (`{{ values.x | toyaml | nindent(2) }}`) stands for every line it expands to. It is a
//! heuristic for diagnostics only: the message always quotes the rendered line as well.

/// One template line, reduced to what shows in the output.
#[derive(Debug)]
struct Line {
    /// Literal text outside tags, in order (each piece trimmed).
    pieces: Vec<String>,
    /// The line holds a `{{ }}` expression.
    expr: bool,
}

impl Line {
    /// All expression, no literal: may expand to any number of lines.
    fn wild(&self) -> bool {
        self.expr && self.pieces.is_empty()
    }

    /// Neither literal text nor an expression: statements, comments, blank lines.
    fn silent(&self) -> bool {
        !self.expr && self.pieces.is_empty()
    }

    fn matches(&self, rendered: &str) -> bool {
        let r = rendered.trim();
        if !self.expr {
            // Whitespace control can glue the next lines onto this one.
            return r.starts_with(self.pieces.concat().as_str());
        }
        let mut rest = r;
        for p in &self.pieces {
            match rest.find(p.as_str()) {
                Some(i) => rest = &rest[i + p.len()..],
                None => return false,
            }
        }
        true
    }
}

/// Splits a template into lines of literal pieces, skipping `{% %}` and `{# #}` tags
/// (which may span lines) and marking lines where a `{{ }}` starts.
fn scan(template: &str) -> Vec<Line> {
    let mut lines = vec![Line {
        pieces: Vec::new(),
        expr: false,
    }];
    let mut literal = String::new();
    let mut rest = template;
    let flush = |lines: &mut Vec<Line>, literal: &mut String| {
        let piece = literal.trim().to_string();
        literal.clear();
        if let (false, Some(l)) = (piece.is_empty(), lines.last_mut()) {
            l.pieces.push(piece);
        }
    };
    while let Some(c) = rest.chars().next() {
        let close = match rest.get(..2) {
            Some("{{") => Some("}}"),
            Some("{%") => Some("%}"),
            Some("{#") => Some("#}"),
            _ => None,
        };
        if let Some(close) = close {
            flush(&mut lines, &mut literal);
            if close == "}}"
                && let Some(l) = lines.last_mut()
            {
                l.expr = true;
            }
            let end = rest.get(2..).and_then(|r| r.find(close)).map_or(rest.len(), |i| i + 4);
            let tag = rest.get(..end).unwrap_or(rest);
            for _ in tag.matches('\n') {
                lines.push(Line {
                    pieces: Vec::new(),
                    expr: false,
                });
            }
            rest = rest.get(end..).unwrap_or("");
            continue;
        }
        if c == '\n' {
            flush(&mut lines, &mut literal);
            lines.push(Line {
                pieces: Vec::new(),
                expr: false,
            });
        } else {
            literal.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    flush(&mut lines, &mut literal);
    lines
}

/// For each rendered line (0-based index), the 1-based template line that produced it.
#[derive(Debug, Clone)]
pub struct LineMap(Vec<usize>);

impl LineMap {
    pub fn new(template: &str, rendered: &str) -> LineMap {
        let lines = scan(template);
        let mut cur = 0usize;
        let mut out = Vec::new();
        for r in rendered.lines() {
            if r.trim().is_empty() {
                out.push(cur + 1);
                continue;
            }
            let forward = |from: usize, literal_only: bool| {
                (from..lines.len()).find(|&i| {
                    lines
                        .get(i)
                        .is_some_and(|l| !l.silent() && (!literal_only || !l.wild()) && (l.wild() || l.matches(r)))
                })
            };
            let at_wild = lines.get(cur).is_some_and(Line::wild);
            // Inside an expansion, a literal line must match to end it; elsewhere the
            // next line that fits, wild or literal.
            let found = if at_wild {
                forward(cur + 1, true).filter(|&i| lines.get(i).is_some_and(|l| l.matches(r)))
            } else {
                forward(cur, false)
            };
            match found {
                Some(i) => cur = i,
                None if at_wild => {}
                // A loop went round: look again from the top.
                None => {
                    if let Some(i) = (0..cur).find(|&i| lines.get(i).is_some_and(|l| !l.silent() && l.matches(r))) {
                        cur = i;
                    }
                }
            }
            out.push(cur + 1);
            if lines.get(cur).is_some_and(|l| !l.wild()) {
                cur += 1;
                // The next output line comes from a later line; point past silent lines.
                while lines.get(cur).is_some_and(Line::silent) && lines.get(cur + 1).is_some() {
                    cur += 1;
                }
            }
        }
        LineMap(out)
    }

    /// The template line of rendered line `line` (1-based); the last known for lines past
    /// the end (a trailing document end, for instance).
    pub fn template_line(&self, line: usize) -> usize {
        let i = line.saturating_sub(1);
        self.0.get(i).or(self.0.last()).copied().unwrap_or(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(template: &str, rendered: &str) -> Vec<usize> {
        let m = LineMap::new(template, rendered);
        (1..=rendered.lines().count()).map(|l| m.template_line(l)).collect()
    }

    #[test]
    fn literal_lines_map_one_to_one_past_statements() {
        let t = "apiVersion: v1\n{% if x %}\nkind: ConfigMap\n{% endif %}\nmetadata:\n  name: {{ name }}\n";
        let r = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n";
        assert_eq!(map(t, r), [1, 3, 5, 6]);
    }

    #[test]
    fn an_expression_line_stands_for_all_it_expands_to() {
        let t = "data:\n  {{ values.data | toyaml | indent(2) }}\nkind: X\n";
        let r = "data:\n  a: 1\n  b: 2\n  c: 3\nkind: X\n";
        assert_eq!(map(t, r), [1, 2, 2, 2, 3]);
    }

    #[test]
    fn loops_go_back_to_their_body() {
        let t = "ports:\n{% for p in ports %}\n  - name: p{{ p }}\n    port: {{ p }}\n{% endfor %}\nend: 1\n";
        let r = "ports:\n  - name: p1\n    port: 1\n  - name: p2\n    port: 2\nend: 1\n";
        assert_eq!(map(t, r), [1, 3, 4, 3, 4, 6]);
    }

    #[test]
    fn multi_line_tags_keep_line_numbers() {
        let t = "{#\n a comment\n#}\na: 1\n{%\n  set x = 1\n%}\nb: {{ x }}\n";
        let r = "a: 1\nb: 1\n";
        assert_eq!(map(t, r), [4, 8]);
    }
}
