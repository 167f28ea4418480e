//! The template environment of one chart: its templates read once through the sandbox,
//! compiled with the settings DESIGN.md section 4.2 asks for (strict undefined, no
//! auto-escape), the helpers registered, and bounds on runaway templates.
//!
//! Template names are paths relative to the chart's `templates/` folder; a dependency's
//! templates are also reachable as `<dependency>/<name>`, so a library chart's macros can
//! be imported (`{% import "common/_labels.j2" as labels %}`).

use std::collections::BTreeMap;

use minijinja::syntax::SyntaxConfig;
use minijinja::{AutoEscape, Environment, UndefinedBehavior};

use super::helpers;
use super::meta::join;
use crate::error::Error;
use crate::limits;
use crate::source::{Origin, Sandbox};

/// Instructions one template render may execute ([`limits::TEMPLATE_FUEL`]).
const FUEL: u64 = limits::TEMPLATE_FUEL.value as u64;
/// Nesting of includes, macros and blocks ([`limits::TEMPLATE_RECURSION`]).
const RECURSION_LIMIT: usize = limits::TEMPLATE_RECURSION.value;

/// Where a render writes: text up to [`limits::TEMPLATE_OUTPUT_BYTES`], then a write
/// error that stops the render (minijinja stops at the first failed write), so a loop that
/// prints gigabytes ends at the limit instead of in memory exhaustion. Includes and `tpl`
/// render into one of their own; which ever overflows marks the thread, so the caller of
/// the outermost render can report the limit (see [`Output::overflowed`]).
#[derive(Default)]
pub struct Output {
    bytes: Vec<u8>,
}

thread_local! {
    static OVERFLOWED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

impl Output {
    /// Clears the overflow mark before an outermost render.
    pub fn start() -> Output {
        OVERFLOWED.set(false);
        Output::default()
    }

    /// Whether a render on this thread went over the limit since [`Output::start`].
    pub fn overflowed() -> bool {
        OVERFLOWED.get()
    }

    pub fn into_string(self) -> String {
        String::from_utf8(self.bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }
}

impl std::io::Write for Output {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + buf.len() > limits::TEMPLATE_OUTPUT_BYTES.value {
            OVERFLOWED.set(true);
            return Err(std::io::Error::other(format!(
                "the output exceeds the limit `{}`",
                limits::TEMPLATE_OUTPUT_BYTES.name
            )));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// One template file: its name in the environment, its root-relative path and its text.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub file: String,
    pub text: String,
}

impl Source {
    /// Whether this file produces objects: YAML or JSON, not a `_` partial.
    pub fn is_rendered(&self) -> bool {
        let base = self.name.rsplit('/').next().unwrap_or(&self.name);
        let base = base.strip_suffix(".j2").unwrap_or(base);
        !base.starts_with('_') && [".yaml", ".yml", ".json"].iter().any(|e| base.ends_with(e))
    }
}

/// Every file under `<chart_dir>/templates/`, sorted by name.
pub fn read_templates(sandbox: &Sandbox, chart_dir: &str) -> Result<Vec<Source>, Error> {
    let dir = join(chart_dir, "templates");
    let mut out = Vec::new();
    if !sandbox.is_dir(&dir) {
        return Ok(out);
    }
    let disk = sandbox.root().join(&dir);
    for entry in walkdir::WalkDir::new(&disk).sort_by_file_name() {
        let entry = entry.map_err(|e| {
            Error::input(
                Some(Origin::file(dir.clone())),
                format!("cannot list the templates: {e}"),
                "check the folder's permissions",
            )
        })?;
        if entry.file_type().is_dir() {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(&disk) else {
            continue;
        };
        let name = rel.to_string_lossy().replace('\\', "/");
        let file = join(&dir, &name);
        let src = sandbox.read(&file, None)?;
        out.push(Source {
            name,
            file,
            text: src.text()?.to_string(),
        });
    }
    Ok(out)
}

/// The environment of one chart, with its own templates and its dependencies' under
/// `<key>/`. `files` maps every environment name to its root-relative file, for errors.
pub struct Templates {
    pub env: Environment<'static>,
    pub files: BTreeMap<String, String>,
}

/// Compiles `own` (the chart's templates) and `deps` (`(key, templates)` of each
/// dependency); a syntax error is reported at its template line.
pub fn environment(own: &[Source], deps: &[(String, Vec<Source>)]) -> Result<Templates, Error> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_fuel(Some(FUEL));
    env.set_recursion_limit(RECURSION_LIMIT);
    // Off by default in release builds, which would then locate a template error at its
    // line's first column and leave the undefined name out of the message: the binary
    // users run must say what the tests check. It costs only when an error is made.
    env.set_debug(true);
    let syntax = SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build()
        .map_err(|e| Error::Usage {
            message: format!("internal error: template syntax settings: {e}"),
            help: None,
        })?;
    env.set_syntax(syntax);
    minijinja_contrib::add_to_environment(&mut env);
    env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
    helpers::register(&mut env);
    let mut files = BTreeMap::new();
    let prefixed = deps
        .iter()
        .flat_map(|(key, srcs)| srcs.iter().map(move |s| (format!("{key}/{}", s.name), s)));
    let all = own.iter().map(|s| (s.name.clone(), s)).chain(prefixed);
    for (name, src) in all {
        files.insert(name.clone(), src.file.clone());
        // Compiling folds constant expressions (`'x' * 100000000`): it has the budget of
        // a render.
        let _budget = crate::memory::Budget::start(&src.file);
        env.add_template_owned(name, src.text.clone())
            .map_err(|e| template_error(&e, &files))?;
    }
    Ok(Templates { env, files })
}

/// A minijinja error as a located input error: the innermost template and line of the
/// chain (an error inside an included template points there), what went wrong, and a
/// hint by kind.
pub fn template_error(err: &minijinja::Error, files: &BTreeMap<String, String>) -> Error {
    let mut located = err;
    let mut stop = None;
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(m) = e.downcast_ref::<minijinja::Error>()
            && m.name().is_some()
            && m.line().is_some()
        {
            located = m;
        }
        stop = stop.or_else(|| e.downcast_ref::<helpers::Stop>().copied());
        cur = e.source();
    }
    let origin = located.name().map(|name| {
        let file = files.get(name).cloned().unwrap_or_else(|| name.to_string());
        Origin::new(file, located.line().unwrap_or(0), column(located))
    });
    let detail = located.detail().or(err.detail()).unwrap_or("");
    if let Some((limit, what)) = limit_met(located.kind(), detail) {
        return limit.exceeded(origin, what);
    }
    // The chart's own stops say what the author wrote, and what to do about it.
    let (message, help) = match stop {
        Some(helpers::Stop::Fail) => (
            format!("the chart stops the render (`fail`): {detail}"),
            "its author made this a hard stop: do what the message asks, usually set a value in values.yaml, \
             with -f or with --set",
        ),
        Some(helpers::Stop::Required) => (
            format!("a required value is missing: {detail}"),
            "set it in values.yaml, with -f or with --set; `required` refuses undefined, null and empty values",
        ),
        Some(helpers::Stop::Refused) => (
            detail.to_string(),
            "berth has no Helm helper that would make the output depend on a cluster, the clock or chance",
        ),
        None => {
            let what = kind_text(located.kind());
            let message = if detail.is_empty() {
                what.to_string()
            } else {
                format!("{what}: {detail}")
            };
            (message, help_for(located.kind()))
        }
    };
    Error::Input {
        origin,
        message,
        help: Some(help.to_string()),
    }
}

/// The limit a render error says was met, and what we say went over it.
fn limit_met(kind: minijinja::ErrorKind, detail: &str) -> Option<(&'static limits::Limit, &'static str)> {
    if kind == minijinja::ErrorKind::OutOfFuel {
        Some((&limits::TEMPLATE_FUEL, "the template ran too long (an endless loop?)"))
    } else if detail.contains("recursion limit exceeded") {
        Some((
            &limits::TEMPLATE_RECURSION,
            "macro calls, includes or blocks nest too deep",
        ))
    } else if Output::overflowed() {
        Some((&limits::TEMPLATE_OUTPUT_BYTES, "the template produces too much text"))
    } else {
        None
    }
}

/// 1-based column of the error's span start, when minijinja knows it.
fn column(e: &minijinja::Error) -> usize {
    let (Some(range), Some(src), Some(line)) = (e.range(), e.template_source(), e.line()) else {
        return 1;
    };
    let line_start: usize = src
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    range.start.saturating_sub(line_start) + 1
}

fn kind_text(kind: minijinja::ErrorKind) -> &'static str {
    use minijinja::ErrorKind as K;
    match kind {
        K::SyntaxError => "template syntax error",
        K::UndefinedError => "undefined value",
        K::UnknownFilter => "unknown filter",
        K::UnknownFunction => "unknown function",
        K::UnknownTest => "unknown test",
        K::UnknownMethod => "unknown method",
        K::TemplateNotFound => "template not found",
        K::InvalidOperation => "invalid operation",
        K::BadEscape => "bad escape in a string",
        K::TooManyArguments | K::MissingArgument => "wrong number of arguments",
        K::BadSerialization => "value cannot be serialized",
        K::OutOfFuel => "the template ran too long (endless loop?)",
        _ => "template error",
    }
}

fn help_for(kind: minijinja::ErrorKind) -> &'static str {
    use minijinja::ErrorKind as K;
    match kind {
        K::SyntaxError => "check the `{{ }}` and `{% %}` tags around this line",
        K::UndefinedError => {
            "set the value in values.yaml (or -f/--set), or guard it: `{% if values.x is defined %}` or `values.x | default(...)`"
        }
        K::UnknownFilter | K::UnknownFunction => {
            "see the helper reference in the book for the filters and functions berth offers"
        }
        K::TemplateNotFound => "template names are paths under the chart's templates/ folder",
        K::OutOfFuel => "a loop or recursion does not end; check loop bounds and recursive macros",
        _ => "fix the template at this line",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// minijinja's debug mode, which places an error at its column and names what is
    /// undefined, is on by default only in debug builds: the environment sets it, so the
    /// released binary reports what the tests see.
    #[test]
    fn errors_carry_their_column_in_every_build() {
        let templates = environment(&[], &[]).unwrap();
        assert!(templates.env.debug());
    }
}
