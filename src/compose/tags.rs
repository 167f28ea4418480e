//! compose's `!reset` and `!override` YAML tags, which the YAML reader does not report.
//!
//! `!reset` clears an attribute set by an earlier file. The reader already gives `null`
//! for `!reset` and `!reset null`, which the merge treats as a reset; `!reset []` and
//! `!reset {}` are rewritten to `null` (padded to the same width, so columns stay right).
//! `!override` cannot be seen, so it is merged as a plain value, with a warning.

use std::sync::OnceLock;

use regex::Regex;

use crate::error::Warnings;
use crate::source::Origin;

fn reset_re() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"!reset\s+(\[\s*\]|\{\s*\})\s*$").ok())
        .as_ref()
}

/// The text with empty `!reset` values turned into `null`; warns about `!override`.
pub fn rewrite(file: &str, text: &str, warnings: &mut Warnings) -> String {
    if !text.contains("!reset") && !text.contains("!override") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let body = line.trim_end_matches(['\n', '\r']);
        let end = &line[body.len()..];
        let code = body.split(" #").next().unwrap_or(body);
        match reset_re().and_then(|re| re.find(code)) {
            Some(m) => {
                let width = m.as_str().len();
                out.push_str(&body[..m.start()]);
                out.push_str(&format!("{:<width$}", "null"));
                out.push_str(&body[m.end()..]);
                out.push_str(end);
            }
            None => out.push_str(line),
        }
        if let Some(col) = code.find("!override") {
            warnings.push(
                Some(Origin::new(file, n + 1, col + 1)),
                "override-tag",
                "`!override` is merged like a plain value (berth does not see YAML tags yet)",
                Some("use `!reset null` in one file and set the new value in a later file".into()),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_resets_become_null_with_the_same_columns() {
        let mut w = Warnings::default();
        let text = "a: !reset []\nb: !reset\nc: !reset null # gone\nd: [x]\ne: !override [y]\n";
        let out = rewrite("f.yaml", text, &mut w);
        assert_eq!(
            out,
            "a: null     \nb: !reset\nc: !reset null # gone\nd: [x]\ne: !override [y]\n"
        );
        assert_eq!(w.len(), 1);
        assert_eq!(
            w.iter().next().unwrap().origin.as_ref().unwrap().to_string(),
            "f.yaml:5:4"
        );
    }
}
