//! Stopping a render on purpose: `required` and `fail`, with the chart author's own
//! message; and the Helm helpers berth refuses because they would make output depend on
//! something other than the inputs (a cluster, the clock, chance).

use minijinja::value::Rest;
use minijinja::{Environment, Value};

use super::failure;

/// Why a helper stopped the render on purpose, attached as the error's source so the
/// message can say so instead of calling the chart's own stop an "invalid operation".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// `fail(message)`.
    Fail,
    /// `required(message, value)` on a missing value.
    Required,
    /// A Helm helper berth leaves out (`lookup`, `now`, `random`, ...).
    Refused,
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Stop::Fail => "the chart called fail",
            Stop::Required => "a required value is missing",
            Stop::Refused => "the helper is not available",
        })
    }
}

impl std::error::Error for Stop {}

fn stop(kind: Stop, message: &str) -> minijinja::Error {
    failure(message).with_source(kind)
}

/// Helm names that exist only to explain why berth has no such helper. Each is both a
/// function and a filter, so `{{ lookup(...) }}` and `{{ x | random }}` say the same.
const REFUSED: &[(&str, &str)] = &[
    (
        "lookup",
        "lookup is not available: berth renders offline and never reads a cluster; \
         put the value in values.yaml or pass it with --set",
    ),
    (
        "now",
        "now is not available: berth output is pure and must not depend on the clock; \
         pass the date as a value (for example --set buildDate=2026-01-31)",
    ),
    (
        "random",
        "random is not available: berth output is pure and reproducible; \
         derive the value from a stable input (for example `values.name | sha256 | trunc(8)`) or pass it as a value",
    ),
];

/// `required(message, value)`: the value, or a render error saying `message` when the
/// value is undefined, none or the empty string (Helm's `required`; `0` and `false` pass).
pub fn required(message: &str, value: Value) -> Result<Value, minijinja::Error> {
    if is_missing(&value) {
        Err(stop(Stop::Required, message))
    } else {
        Ok(value)
    }
}

/// `value | required(message)`: `required` with the value first, for pipelines.
pub fn required_filter(value: Value, message: &str) -> Result<Value, minijinja::Error> {
    required(message, value)
}

fn is_missing(value: &Value) -> bool {
    value.is_undefined() || value.is_none() || value.as_str() == Some("")
}

/// `fail(message)`: stops the render with the chart author's message.
pub fn fail(message: &str) -> Result<Value, minijinja::Error> {
    Err(stop(Stop::Fail, message))
}

pub(super) fn register_refused(env: &mut Environment<'_>) {
    for (name, why) in REFUSED {
        let refuse = move |_: Rest<Value>| -> Result<Value, minijinja::Error> { Err(stop(Stop::Refused, why)) };
        env.add_function(*name, refuse);
        env.add_filter(*name, refuse);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{err, ok, render};

    #[test]
    fn required_passes_present_values_through() {
        assert_eq!(ok("{{ required('tag is required', values.image.tag) }}"), "1.27");
        assert_eq!(ok("{{ values.zero | required('zero is a value') }}"), "0");
        assert_eq!(ok("{{ required('x', false) }}"), "false");
    }

    #[test]
    fn required_fails_on_missing_none_and_empty() {
        for source in [
            "{{ required('image.pullPolicy is required', values.image.pullPolicy) }}",
            "{{ required('image.pullPolicy is required', values.nothing) }}",
            "{{ values.empty | required('image.pullPolicy is required') }}",
        ] {
            let e = err(&format!("a: 1\nb: {source}\n"));
            assert_eq!(e.detail(), Some("image.pullPolicy is required"), "{source}");
            assert_eq!((e.name(), e.line()), (Some("test.yaml"), Some(2)), "{source}");
        }
    }

    #[test]
    fn required_cannot_reach_through_a_missing_parent() {
        // Strict undefined stops at `values.missing.tag` before `required` runs; the error
        // still names the template line and the undefined path.
        let e = err("{{ required('tag is required', values.missing.tag) }}");
        assert_eq!(e.kind(), minijinja::ErrorKind::UndefinedError);
        assert_eq!(e.line(), Some(1));
    }

    #[test]
    fn fail_stops_with_the_message() {
        let e = err("{% if values.replicas > 2 %}{{ fail('at most 2 replicas') }}{% endif %}");
        assert_eq!(e.detail(), Some("at most 2 replicas"));
        assert_eq!(ok("{% if values.replicas > 5 %}{{ fail('no') }}{% endif %}ok"), "ok");
    }

    #[test]
    fn clock_cluster_and_chance_are_refused() {
        for (source, says) in [
            ("{{ lookup('v1', 'Secret', 'ns', 'x') }}", "berth renders offline"),
            ("{{ now() }}", "must not depend on the clock"),
            ("{{ random() }}", "pure and reproducible"),
            ("{{ [1, 2] | random }}", "pure and reproducible"),
        ] {
            let e = render(&[], source).unwrap_err();
            assert!(e.to_string().contains(says), "{source}: {e}");
            assert_eq!(e.line(), Some(1));
        }
    }

    #[test]
    fn default_is_the_builtin_with_helms_emptiness_as_an_option() {
        assert_eq!(ok("{{ values.missing | default('x') }}"), "x");
        assert_eq!(ok("{{ values.empty | default('x') }}"), "");
        assert_eq!(ok("{{ values.empty | default('x', true) }}"), "x");
        assert_eq!(ok("{{ values.zero | default(5, true) }}"), "5");
        assert_eq!(ok("{{ values.nothing | default('x', true) }}"), "x");
        assert_eq!(ok("{{ values.name | default('x', true) }}"), "web");
        // Under a missing map, default needs the map defaulted first (as the book says).
        assert_eq!(ok("{{ (values.missing | default({})).key | default('x') }}"), "x");
        let e = err("{{ values.missing.key | default('x') }}");
        assert_eq!(e.kind(), minijinja::ErrorKind::UndefinedError);
    }
}
