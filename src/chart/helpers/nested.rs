//! Rendering another template (`include`) or a string (`tpl`) to a string inside a
//! render, as Helm's `include` and `tpl` do, so the result can be piped (`| nindent(4)`,
//! `| sha256`).
//!
//! Each nested render is a fresh minijinja render, so minijinja's own recursion limit
//! and fuel restart inside it. A chain of nested renders is therefore tracked here: a
//! template (or `tpl` text) that is already being rendered further up the chain is an
//! error naming the whole chain, and the chain is at most `MAX_NESTING` deep. Recursive
//! output belongs in a macro that calls itself, which minijinja's limit does guard.
//! The chain is kept per thread: a nested render runs on the thread of its caller.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use minijinja::value::ValueKind;
use minijinja::{Error, ErrorKind, State, Value};

use super::failure;
use crate::chart::template::Output;
use crate::limits;

/// Deepest chain of nested `include`/`tpl` renders ([`limits::TEMPLATE_NESTING`]).
const MAX_NESTING: usize = limits::TEMPLATE_NESTING.value;
/// The name minijinja gives `tpl` text in errors: `(in tpl text:2)` is line 2 of the text.
const TPL_NAME: &str = "tpl text";
/// How much of a `tpl` text a recursion error quotes.
const TPL_QUOTE: usize = 40;

thread_local! {
    static CHAIN: RefCell<Vec<Link>> = const { RefCell::new(Vec::new()) };
}

/// One render in the chain: what makes it the same render again, and how to name it.
#[derive(Clone, PartialEq)]
struct Link {
    key: String,
    label: String,
}

impl Link {
    fn template(name: &str) -> Link {
        Link {
            key: format!("template\0{name}"),
            label: name.to_string(),
        }
    }

    fn tpl(text: &str) -> Link {
        let mut quoted: String = text.chars().take(TPL_QUOTE).collect();
        if quoted.len() < text.len() {
            quoted.push('…');
        }
        Link {
            key: format!("tpl\0{text}"),
            label: format!("tpl({quoted:?})"),
        }
    }
}

/// Membership in the chain for the duration of one nested render.
struct Nesting {
    pushed: usize,
}

impl Nesting {
    fn enter(state: &State<'_, '_>, link: Link) -> Result<Nesting, Error> {
        CHAIN.with_borrow_mut(|chain| {
            let mut pushed = 0;
            if chain.is_empty() {
                chain.push(Link::template(state.name()));
                pushed += 1;
            }
            let problem = if let Some(at) = chain.iter().position(|l| l.key == link.key) {
                let names: Vec<&str> = chain.iter().skip(at).map(|l| l.label.as_str()).collect();
                Some(format!(
                    "template recursion: {} includes itself through {} → {}; \
                     write recursive output as a macro that calls itself",
                    link.label,
                    names.join(" → "),
                    link.label
                ))
            } else if chain.len() >= MAX_NESTING {
                let names: Vec<&str> = chain.iter().map(|l| l.label.as_str()).collect();
                Some(format!(
                    "template recursion: include/tpl nested too deep ({} → {} → …) {}; {}",
                    names.join(" → "),
                    link.label,
                    limits::TEMPLATE_NESTING.tag(),
                    limits::TEMPLATE_NESTING.hint
                ))
            } else {
                None
            };
            if let Some(problem) = problem {
                chain.truncate(chain.len() - pushed);
                return Err(failure(problem));
            }
            chain.push(link);
            Ok(Nesting { pushed: pushed + 1 })
        })
    }
}

impl Drop for Nesting {
    fn drop(&mut self) {
        CHAIN.with_borrow_mut(|chain| chain.truncate(chain.len().saturating_sub(self.pushed)));
    }
}

/// `include(name, context?)`: the template `name` (a path under the chart's `templates/`
/// folder) rendered to a string with the current context; a `context` map adds to it
/// (and overrides names it repeats).
pub fn include(state: &State<'_, '_>, name: &str, context: Option<Value>) -> Result<String, Error> {
    let context = context_for(state, "include", context)?;
    let _nesting = Nesting::enter(state, Link::template(name))?;
    let template = state.get_template(name).map_err(|e| match e.kind() {
        ErrorKind::TemplateNotFound => failure(format!(
            "include: there is no template `{name}`; template names are paths under the chart's \
             templates/ folder, such as \"_helpers.j2\" or \"parts/labels.yaml\""
        )),
        _ => nested_error(format!("include(\"{name}\")"), e),
    })?;
    let mut out = Output::default();
    template
        .render_captured_to(context, &mut out)
        .map(|_| out.into_string())
        .map_err(|e| nested_error(format!("include(\"{name}\")"), e))
}

/// `tpl(text, context?)`: the string `text` rendered as a template with the current
/// context, for values that hold template text (`"{{ release.name }}-cache"`).
pub fn tpl(state: &State<'_, '_>, text: String, context: Option<Value>) -> Result<String, Error> {
    let context = context_for(state, "tpl", context)?;
    let _nesting = Nesting::enter(state, Link::tpl(&text))?;
    let mut out = Output::default();
    state
        .env()
        .template_from_named_str(TPL_NAME, &text)
        .and_then(|t| t.render_captured_to(context, &mut out))
        .map(|_| out.into_string())
        .map_err(|e| failure(format!("tpl failed: {e}")))
}

/// The inner error's text in the message (so one line tells the whole story) and the
/// inner error kept as the source, so a report can point at the included template's line.
/// (`tpl` keeps no source: its text is no file, so the caller's line is the place to show.)
fn nested_error(what: String, inner: Error) -> Error {
    Error::new(ErrorKind::BadInclude, format!("{what} failed: {inner}")).with_source(inner)
}

/// The variables visible where the helper was called (the render context, loop and
/// `set` variables), without the environment's globals, which every render sees anyway;
/// then the explicit `context` map on top.
fn context_for(state: &State<'_, '_>, helper: &str, explicit: Option<Value>) -> Result<Value, Error> {
    let globals: BTreeMap<&str, Value> = state.env().globals().collect();
    let mut context: BTreeMap<String, Value> = BTreeMap::new();
    let names: BTreeSet<String> = state.known_variables().into_iter().map(|n| n.into_owned()).collect();
    for name in names {
        let Some(value) = state.lookup(&name) else { continue };
        if value.is_undefined() || globals.get(name.as_str()) == Some(&value) {
            continue;
        }
        context.insert(name, value);
    }
    if let Some(explicit) = explicit {
        if explicit.kind() != ValueKind::Map {
            return Err(failure(format!(
                "{helper}: the context must be a map of names to values (such as {{\"item\": x}}), not {}",
                explicit.kind()
            )));
        }
        for key in explicit.try_iter()? {
            let Some(name) = key.as_str() else {
                return Err(failure(format!("{helper}: context names must be strings, not {key}")));
            };
            context.insert(name.to_string(), explicit.get_item(&key)?);
        }
    }
    Ok(Value::from(context))
}

#[cfg(test)]
mod tests {
    use super::super::testing::render;

    const HELPERS: (&str, &str) = ("_labels.yaml", "app: {{ values.name }}\nrelease: {{ release.name }}\n");

    #[test]
    fn include_renders_with_the_current_context() {
        let out = render(
            &[HELPERS],
            "metadata:\n  labels:\n    {{- include(\"_labels.yaml\") | nindent(4) }}\n",
        )
        .unwrap();
        assert_eq!(out, "metadata:\n  labels:\n    app: web\n    release: demo\n");
    }

    #[test]
    fn include_sees_loop_variables_and_an_explicit_context() {
        let item = ("_item.yaml", "- {{ prefix }}{{ item }} of {{ values.name }}\n");
        let out = render(
            &[item],
            "{% set prefix = '#' %}{% for item in ['a', 'b'] %}{{ include('_item.yaml') }}{% endfor %}",
        )
        .unwrap();
        assert_eq!(out, "- #a of web\n- #b of web\n");
        let out = render(&[item], "{{ include('_item.yaml', {'item': 'z', 'prefix': ''}) }}").unwrap();
        assert_eq!(out, "- z of web\n");
    }

    #[test]
    fn include_output_can_be_hashed() {
        let out = render(&[HELPERS], "{{ include('_labels.yaml') | sha256 | length }}").unwrap();
        assert_eq!(out, "64");
    }

    #[test]
    fn include_of_a_missing_template_says_what_names_are() {
        let e = render(&[], "a: 1\nb: {{ include('_nope.yaml') }}").unwrap_err();
        assert!(e.to_string().contains("there is no template `_nope.yaml`"), "{e}");
        assert_eq!((e.name(), e.line()), (Some("test.yaml"), Some(2)));
    }

    #[test]
    fn include_errors_name_both_templates() {
        let broken = ("_broken.yaml", "ok: 1\nbad: {{ values.nope }}\n");
        let e = render(&[broken], "x: 1\ny: {{ include('_broken.yaml') }}").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("include(\"_broken.yaml\") failed"), "{msg}");
        assert!(msg.contains("_broken.yaml:2"), "{msg}");
        assert_eq!((e.name(), e.line()), (Some("test.yaml"), Some(2)));
        let inner = std::error::Error::source(&e)
            .and_then(|s| s.downcast_ref::<minijinja::Error>())
            .unwrap();
        assert_eq!((inner.name(), inner.line()), (Some("_broken.yaml"), Some(2)));
    }

    #[test]
    fn include_of_a_template_with_a_syntax_error_says_so() {
        let broken = ("_broken.yaml", "a: {{ values.name \n");
        let e = render(&[broken], "{{ include('_broken.yaml') }}").unwrap_err();
        assert!(e.to_string().contains("syntax error"), "{e}");
    }

    #[test]
    fn include_recursion_is_an_error_naming_the_chain() {
        let a = ("a.yaml", "a: {{ include('b.yaml') }}\n");
        let b = ("b.yaml", "b: {{ include('a.yaml') }}\n");
        let e = render(&[a, b], "{{ include('a.yaml') }}").unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("template recursion: a.yaml includes itself through a.yaml → b.yaml → a.yaml"),
            "{msg}"
        );
        let e = render(&[], "x: {{ include('test.yaml') }}").unwrap_err();
        assert!(
            e.to_string()
                .contains("test.yaml includes itself through test.yaml → test.yaml"),
            "{e}"
        );
        // The chain is left empty after an error: the next render starts clean.
        assert_eq!(
            render(&[HELPERS], "{{ include('_labels.yaml') }}").unwrap(),
            "app: web\nrelease: demo\n"
        );
    }

    #[test]
    fn the_same_template_may_be_included_twice_in_a_row() {
        let out = render(&[HELPERS], "{{ include('_labels.yaml') }}{{ include('_labels.yaml') }}").unwrap();
        assert_eq!(out, "app: web\nrelease: demo\n".repeat(2));
    }

    #[test]
    fn tpl_renders_values_holding_templates() {
        assert_eq!(render(&[], "{{ tpl(values.greeting) }}").unwrap(), "hello web");
        assert_eq!(render(&[], "{{ values.greeting | tpl }}").unwrap(), "hello web");
        assert_eq!(
            render(&[], "{{ tpl('{{ x }}-{{ release.name }}', {'x': 1}) }}").unwrap(),
            "1-demo"
        );
    }

    #[test]
    fn tpl_syntax_errors_point_into_the_text_and_the_caller() {
        let e = render(&[], "a: 1\nb: {{ tpl('x\\n{{ oops ') }}").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("tpl failed: syntax error"), "{msg}");
        assert!(msg.contains("tpl text:2"), "{msg}");
        assert_eq!((e.name(), e.line()), (Some("test.yaml"), Some(2)));
        assert!(std::error::Error::source(&e).is_none());
        let e = render(&[], "{{ tpl('{{ values.nope }}') }}").unwrap_err();
        assert!(e.to_string().contains("`values.nope` is undefined"), "{e}");
    }

    #[test]
    fn tpl_recursion_is_an_error() {
        let e = render(&[], "{% set t = \"{{ tpl(t) }}\" %}{{ tpl(t) }}").unwrap_err();
        assert!(
            e.to_string()
                .contains("template recursion: tpl(\"{{ tpl(t) }}\") includes itself"),
            "{e}"
        );
    }

    #[test]
    fn nesting_depth_is_bounded() {
        // Every level renders a different text, so only the depth limit stops it.
        let e = render(&[], "{% set t = \"{{ tpl(t ~ ' ', {'t': t ~ ' '}) }}\" %}{{ tpl(t) }}").unwrap_err();
        assert!(e.to_string().contains("limit `template-nesting`"), "{e}");
    }

    #[test]
    fn a_context_that_is_not_a_map_is_refused() {
        let e = render(&[HELPERS], "{{ include('_labels.yaml', [1]) }}").unwrap_err();
        assert!(e.to_string().contains("include: the context must be a map"), "{e}");
    }
}
