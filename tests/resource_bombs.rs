//! Resource bombs (issue 7, item 3): inputs made to exhaust memory, stack or time. Each
//! must end with a clear error that names the limit it met (`src/limits.rs`), or with a
//! correct result; never with a crash, a hang or the machine out of memory.
//!
//! Every bomb is one row of [`BOMBS`], generated at test time in a temporary folder (a
//! 100 MB fixture has no place in the repository). The tests run the debug binary and
//! assert the outcome; a generous wall-clock guard only keeps a regression from hanging
//! the suite. Time and memory are measured, not asserted: `scripts/bombs` writes the same
//! rows (through [`write_every_bomb_for_the_measuring_script`]) and runs them on the
//! release build, printing wall time and peak RSS per bomb.

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;

const CHART: &str = "name: c\nversion: 1.0.0\n";
const CONFIGMAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: \"1\"\n";
const COMPOSE: &str = "services:\n  web:\n    image: nginx:1.25\n";

/// How deep the nesting bombs nest.
const DEEP: usize = 10_000;

/// What a bomb must end with.
#[derive(Clone, Copy, Debug)]
enum Outcome {
    /// Refused: exit 2, nothing on stdout, stderr names the limit (`limit \`NAME\``) and
    /// holds a `help:` line.
    Refused(&'static str),
    /// `berth validate` reports the file as a finding (exit 1) naming the limit: a file
    /// it cannot read is a failed check there, not a usage error.
    Finding(&'static str),
    /// Refused with this text on stderr (a limit of minijinja's own, or a recursion berth
    /// names by its chain).
    RefusedSaying(&'static str),
    /// Renders: exit 0, and stdout holds this text.
    Renders(&'static str),
}

/// One bomb: its files (path, text) under the project root, and the command line.
struct Case {
    files: Vec<(&'static str, String)>,
    args: Vec<String>,
}

/// A case; a render gets `--root .` after its path (the temporary folder is the project),
/// so rows may push more arguments at the end.
fn case(files: Vec<(&'static str, String)>, args: &[&str]) -> Case {
    let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    if args.first().map(String::as_str) == Some("render") && args.len() >= 2 {
        args.splice(2..2, ["--root".to_string(), ".".to_string()]);
    }
    Case { files, args }
}

/// A chart of one ConfigMap template, plus `extra` files.
fn chart(template: String, extra: Vec<(&'static str, String)>, args: &[&str]) -> Case {
    let mut files = vec![("c/Chart.yaml", CHART.to_string()), ("c/templates/cm.yaml", template)];
    files.extend(extra);
    let mut all = vec!["render", "c"];
    all.extend(args);
    case(files, &all)
}

/// The billion laughs: ten anchors, each a list of ten aliases of the one before, so the
/// last stands for 10^9 strings. `indent` places it under a key.
fn laughs(indent: &str) -> String {
    let mut text = format!("{indent}a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("{indent}a{i}: &a{i} [{refs}]\n"));
    }
    text
}

/// About 100 MB of valid YAML: a list of 1,048,576 strings of 96 characters.
fn hundred_megabytes(indent: &str) -> String {
    let line = format!("{indent}- {}\n", "x".repeat(96));
    line.repeat(100 << 20 >> 7)
}

fn services(n: usize) -> String {
    let mut text = String::from("services:\n");
    for i in 0..n {
        text.push_str(&format!(
            "  s{i}:\n    image: nginx:1.25\n    ports: [\"80\"]\n    environment: {{A: \"1\"}}\n"
        ));
    }
    text
}

type Bomb = (&'static str, fn() -> Case, Outcome);

/// Every bomb, by name.
const BOMBS: &[Bomb] = &[
    // Alias expansion, in every kind of YAML berth reads.
    (
        "alias-compose",
        || {
            case(
                vec![("compose.yaml", format!("{COMPOSE}x-bomb:\n{}", laughs("  ")))],
                &["render", "compose.yaml"],
            )
        },
        Outcome::Refused("yaml-alias-nodes"),
    ),
    (
        "alias-values",
        || chart(CONFIGMAP.into(), vec![("c/values.yaml", laughs(""))], &[]),
        Outcome::Refused("yaml-alias-nodes"),
    ),
    (
        "alias-values-flag",
        || chart(CONFIGMAP.into(), vec![("c/v.yaml", laughs(""))], &["-f", "c/v.yaml"]),
        Outcome::Refused("yaml-alias-nodes"),
    ),
    (
        "alias-overlay",
        || {
            case(
                vec![
                    ("c/Chart.yaml", CHART.into()),
                    ("c/templates/cm.yaml", CONFIGMAP.into()),
                    ("o/overlay.yaml", format!("base: ../c\nx-bomb:\n{}", laughs("  "))),
                ],
                &["render", "o"],
            )
        },
        Outcome::Refused("yaml-alias-nodes"),
    ),
    (
        "alias-patch",
        || {
            case(
                vec![
                    ("c/Chart.yaml", CHART.into()),
                    ("c/templates/cm.yaml", CONFIGMAP.into()),
                    ("o/overlay.yaml", "base: ../c\npatches:\n  - path: p.yaml\n".into()),
                    (
                        "o/p.yaml",
                        format!(
                            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\nx-bomb:\n{}",
                            laughs("  ")
                        ),
                    ),
                ],
                &["render", "o"],
            )
        },
        Outcome::Refused("yaml-alias-nodes"),
    ),
    (
        "alias-validate",
        || {
            case(
                vec![("m.yaml", format!("{CONFIGMAP}x-bomb:\n{}", laughs("  ")))],
                &["validate", "m.yaml"],
            )
        },
        Outcome::Finding("yaml-alias-nodes"),
    ),
    (
        "alias-template-output",
        || chart(format!("{CONFIGMAP}x-bomb:\n{}", laughs("  ")), vec![], &[]),
        Outcome::Refused("yaml-alias-nodes"),
    ),
    // 10,000-deep nesting.
    (
        "deep-block-sequence",
        || {
            case(
                vec![("compose.yaml", format!("{COMPOSE}x-deep:\n{}x\n", "- ".repeat(DEEP)))],
                &["render", "compose.yaml"],
            )
        },
        Outcome::Refused("yaml-depth"),
    ),
    (
        "deep-block-mapping",
        || {
            case(
                vec![(
                    "compose.yaml",
                    format!(
                        "{COMPOSE}x-deep:\n{}",
                        (1..=2_000)
                            .map(|i| format!("{}k:\n", " ".repeat(i)))
                            .collect::<String>()
                    ),
                )],
                &["render", "compose.yaml"],
            )
        },
        Outcome::Refused("yaml-depth"),
    ),
    (
        "deep-flow-sequence",
        || {
            case(
                vec![(
                    "compose.yaml",
                    format!("{COMPOSE}x-deep: {}{}\n", "[".repeat(DEEP), "]".repeat(DEEP)),
                )],
                &["render", "compose.yaml"],
            )
        },
        Outcome::Refused("yaml-depth"),
    ),
    (
        "deep-flow-mapping",
        || {
            case(
                vec![(
                    "compose.yaml",
                    format!("{COMPOSE}x-deep: {}1{}\n", "{a: ".repeat(DEEP), "}".repeat(DEEP)),
                )],
                &["render", "compose.yaml"],
            )
        },
        Outcome::Refused("yaml-depth"),
    ),
    (
        "deep-values",
        || {
            chart(
                CONFIGMAP.into(),
                vec![(
                    "c/values.yaml",
                    format!("a: {}{}\n", "[".repeat(DEEP), "]".repeat(DEEP)),
                )],
                &[],
            )
        },
        Outcome::Refused("yaml-depth"),
    ),
    (
        "deep-validate",
        || {
            case(
                vec![(
                    "m.yaml",
                    format!("{CONFIGMAP}x: {}{}\n", "[".repeat(DEEP), "]".repeat(DEEP)),
                )],
                &["validate", "m.yaml"],
            )
        },
        Outcome::Finding("yaml-depth"),
    ),
    (
        "deep-set-json",
        || {
            let json = format!("a={}{}", "[".repeat(DEEP), "]".repeat(DEEP));
            let mut c = chart(CONFIGMAP.into(), vec![], &["--set-json"]);
            c.args.push(json);
            c
        },
        Outcome::Refused("set-json-depth"),
    ),
    (
        "deep-template-blocks",
        || {
            chart(
                format!(
                    "{}{CONFIGMAP}{}",
                    "{% if true %}".repeat(DEEP),
                    "{% endif %}".repeat(DEEP)
                ),
                vec![],
                &[],
            )
        },
        Outcome::RefusedSaying("template exceeds maximum recursion limits"),
    ),
    (
        "deep-template-expression",
        || {
            chart(
                format!(
                    "{CONFIGMAP}  b: \"{{{{ {}1{} }}}}\"\n",
                    "(".repeat(DEEP),
                    ")".repeat(DEEP)
                ),
                vec![],
                &[],
            )
        },
        Outcome::RefusedSaying("template exceeds maximum recursion limits"),
    ),
    // 100 MB inputs.
    (
        "big-compose",
        || {
            case(
                vec![("compose.yaml", format!("{COMPOSE}x-pad:\n{}", hundred_megabytes("  ")))],
                &["render", "compose.yaml"],
            )
        },
        Outcome::Refused("input-bytes"),
    ),
    (
        "big-values",
        || {
            chart(
                CONFIGMAP.into(),
                vec![("c/values.yaml", format!("pad:\n{}", hundred_megabytes("  ")))],
                &[],
            )
        },
        Outcome::Refused("input-bytes"),
    ),
    (
        "big-validate",
        || {
            case(
                vec![("m.yaml", format!("---\n{CONFIGMAP}").repeat(100 << 20 >> 6))],
                &["validate", "m.yaml"],
            )
        },
        Outcome::Refused("input-bytes"),
    ),
    (
        "big-template",
        || chart(format!("{CONFIGMAP}{{# {} #}}\n", hundred_megabytes("")), vec![], &[]),
        Outcome::Refused("input-bytes"),
    ),
    // Inputs under the size limit, but of very many nodes or documents.
    (
        "many-nodes",
        || {
            chart(
                CONFIGMAP.into(),
                vec![("c/values.yaml", format!("a:\n{}", "- 1\n".repeat(600_000)))],
                &[],
            )
        },
        Outcome::Refused("yaml-nodes"),
    ),
    (
        "many-documents",
        || case(vec![("m.yaml", "---\na: 1\n".repeat(25_000))], &["validate", "m.yaml"]),
        Outcome::Finding("yaml-documents"),
    ),
    // Templates that recurse or loop without end, or produce huge output.
    (
        "template-macro-recursion",
        || {
            chart(
                format!("{{% macro f(n) %}}{{{{ f(n + 1) }}}}{{% endmacro %}}{CONFIGMAP}  b: \"{{{{ f(0) }}}}\"\n"),
                vec![],
                &[],
            )
        },
        Outcome::Refused("template-recursion"),
    ),
    (
        "template-include-itself",
        || {
            chart(
                format!("{CONFIGMAP}  b: \"{{{{ include('cm.yaml') }}}}\"\n"),
                vec![],
                &[],
            )
        },
        Outcome::RefusedSaying("includes itself"),
    ),
    (
        "template-endless-loop",
        || {
            chart(
                format!(
                    "{{% for i in range(100000) %}}{{% for j in range(100000) %}}{{% endfor %}}{{% endfor %}}{CONFIGMAP}"
                ),
                vec![],
                &[],
            )
        },
        Outcome::Refused("template-fuel"),
    ),
    (
        "template-huge-range",
        || {
            chart(
                format!("{{% for i in range(1000000000) %}}{{% endfor %}}{CONFIGMAP}"),
                vec![],
                &[],
            )
        },
        Outcome::RefusedSaying("range has too many elements"),
    ),
    (
        "template-huge-output",
        || {
            chart(
                format!(
                    "{CONFIGMAP}{{% for i in range(100000) %}}  k{{{{ i }}}}: \"{{{{ 'x' * 100000 }}}}\"\n{{% endfor %}}"
                ),
                vec![],
                &[],
            )
        },
        Outcome::Refused("template-output-bytes"),
    ),
    (
        "template-huge-string",
        || chart(format!("{CONFIGMAP}  b: \"{{{{ 'x' * 100000000 }}}}\"\n"), vec![], &[]),
        Outcome::Refused("template-memory-bytes"),
    ),
    // Values that grow without being printed: only the memory budget sees them.
    (
        "template-growing-string",
        || {
            chart(
                format!(
                    "{{% set ns = namespace(s='x') %}}{{% for i in range(40) %}}{{% set ns.s = ns.s ~ ns.s %}}{{% endfor %}}{CONFIGMAP}"
                ),
                vec![],
                &[],
            )
        },
        Outcome::Refused("template-memory-bytes"),
    ),
    (
        "template-growing-list",
        || {
            chart(
                format!(
                    "{{% set ns = namespace(l=[1]) %}}{{% for i in range(40) %}}{{% set ns.l = ns.l + ns.l %}}{{% endfor %}}{CONFIGMAP}  n: \"{{{{ ns.l|length }}}}\"\n"
                ),
                vec![],
                &[],
            )
        },
        Outcome::Refused("template-memory-bytes"),
    ),
    // Near the output limit, and so near the memory budget's share for the output
    // buffer: a large but honest template renders.
    (
        "template-large-output",
        || {
            chart(
                format!(
                    "{CONFIGMAP}{{% for i in range(60000) %}}  k{{{{ i }}}}: \"{{{{ 'x' * 200 }}}}\"\n{{% endfor %}}"
                ),
                vec![],
                &[],
            )
        },
        Outcome::Renders("k59999: "),
    ),
    // Huge `--set` lists.
    (
        "set-huge-index",
        || chart(CONFIGMAP.into(), vec![], &["--set", "a[99999999]=1"]),
        Outcome::Refused("set-list-index"),
    ),
    (
        "set-many-huge-indices",
        || {
            let arg = (0..8_000)
                .map(|i| format!("a{i}[65536]=1"))
                .collect::<Vec<_>>()
                .join(",");
            let mut c = chart(CONFIGMAP.into(), vec![], &["--set"]);
            c.args.push(arg);
            c
        },
        Outcome::Refused("set-list-items"),
    ),
    (
        "set-many-flags",
        || {
            let mut c = chart(CONFIGMAP.into(), vec![], &[]);
            for i in 0..20_000 {
                c.args.push("--set".into());
                c.args.push(format!("k{i}=v"));
            }
            c
        },
        Outcome::Renders("kind: ConfigMap"),
    ),
    // Many services.
    (
        "compose-2000-services",
        || case(vec![("compose.yaml", services(2_000))], &["render", "compose.yaml"]),
        Outcome::Renders("name: s1999"),
    ),
    (
        "compose-10000-services",
        || case(vec![("compose.yaml", services(10_000))], &["render", "compose.yaml"]),
        Outcome::Refused("compose-services"),
    ),
];

/// Writes `case` under `dir`.
fn write(dir: &Path, case: &Case) {
    for (path, text) in &case.files {
        let at = dir.join(path);
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        std::fs::write(at, text).unwrap();
    }
}

/// Runs the bomb `name` with the debug binary and checks its outcome.
fn explode(name: &str) {
    let (_, make, outcome) = BOMBS.iter().find(|(n, _, _)| *n == name).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let case = make();
    write(dir.path(), &case);
    let out = Command::new(env!("CARGO_BIN_EXE_berth"))
        .current_dir(dir.path())
        .args(&case.args)
        .timeout(Duration::from_secs(300))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code();
    let shown = || {
        format!(
            "{name}: exit {code:?}\nstderr: {}",
            stderr.chars().take(2_000).collect::<String>()
        )
    };
    match *outcome {
        Outcome::Refused(limit) => {
            assert_eq!(code, Some(2), "{}", shown());
            assert!(stdout.is_empty(), "{}: stdout is not empty", name);
            assert!(stderr.contains(&format!("limit `{limit}`")), "{}", shown());
            assert!(
                stderr.lines().any(|l| l.trim_start().starts_with("help:")),
                "{}",
                shown()
            );
            let limit = berth::limits::ALL.iter().find(|l| l.name == limit).unwrap();
            assert!(stderr.contains(limit.hint), "{}", shown());
        }
        Outcome::Finding(limit) => {
            assert_eq!(code, Some(1), "{}", shown());
            assert!(stdout.contains(&format!("limit `{limit}`")), "{name}: {stdout:.2000}");
        }
        Outcome::RefusedSaying(text) => {
            assert_eq!(code, Some(2), "{}", shown());
            assert!(stdout.is_empty(), "{}: stdout is not empty", name);
            assert!(stderr.contains(text), "{}", shown());
            assert!(
                stderr.lines().any(|l| l.trim_start().starts_with("help:")),
                "{}",
                shown()
            );
        }
        Outcome::Renders(text) => {
            assert_eq!(code, Some(0), "{}", shown());
            assert!(stdout.contains(text), "{name}: stdout lacks {text:?}");
        }
    }
    // The message quotes what it refuses briefly, never the whole bomb. (The snippet
    // below it shows the source line, however long.)
    let first = stderr.lines().next().unwrap_or_default();
    assert!(
        first.len() < 1_000,
        "{name}: the error line holds {} bytes",
        first.len()
    );
    // A refusal of a file is located in it; one of a flag names the flag.
    if matches!(outcome, Outcome::Refused(_) | Outcome::RefusedSaying(_)) {
        let place = first.strip_prefix("error: ").unwrap_or_default();
        let place = place.split(": ").next().unwrap_or_default();
        let from_flag = case.args.iter().any(|a| a.starts_with("--set"));
        match from_flag {
            true => assert!(place.starts_with("--set"), "{name}: {first}"),
            false => assert!(place.contains(".yaml"), "{name}: not located: {first}"),
        }
    }
}

macro_rules! bombs {
    ($($test:ident => $name:literal,)*) => {
        $(
            #[test]
            fn $test() {
                explode($name);
            }
        )*

        #[test]
        fn every_bomb_has_a_test() {
            let tested = [$($name),*];
            for (name, _, _) in BOMBS {
                assert!(tested.contains(name), "{name} has no test");
            }
        }
    };
}

bombs! {
    alias_compose => "alias-compose",
    alias_values => "alias-values",
    alias_values_flag => "alias-values-flag",
    alias_overlay => "alias-overlay",
    alias_patch => "alias-patch",
    alias_validate => "alias-validate",
    alias_template_output => "alias-template-output",
    deep_block_sequence => "deep-block-sequence",
    deep_block_mapping => "deep-block-mapping",
    deep_flow_sequence => "deep-flow-sequence",
    deep_flow_mapping => "deep-flow-mapping",
    deep_values => "deep-values",
    deep_validate => "deep-validate",
    deep_set_json => "deep-set-json",
    deep_template_blocks => "deep-template-blocks",
    deep_template_expression => "deep-template-expression",
    big_compose => "big-compose",
    big_values => "big-values",
    big_validate => "big-validate",
    big_template => "big-template",
    many_nodes => "many-nodes",
    many_documents => "many-documents",
    template_macro_recursion => "template-macro-recursion",
    template_include_itself => "template-include-itself",
    template_endless_loop => "template-endless-loop",
    template_huge_range => "template-huge-range",
    template_huge_output => "template-huge-output",
    template_huge_string => "template-huge-string",
    template_growing_string => "template-growing-string",
    template_growing_list => "template-growing-list",
    template_large_output => "template-large-output",
    set_huge_index => "set-huge-index",
    set_many_huge_indices => "set-many-huge-indices",
    set_many_flags => "set-many-flags",
    compose_2000_services => "compose-2000-services",
    compose_10000_services => "compose-10000-services",
}

/// Not a check: with `BERTH_BOMBS_OUT=DIR`, writes every bomb to `DIR/NAME/` with its
/// command line in `DIR/NAME/args` (one argument a line), for `scripts/bombs`.
#[test]
#[ignore = "run by scripts/bombs"]
fn write_every_bomb_for_the_measuring_script() {
    let Some(out) = std::env::var_os("BERTH_BOMBS_OUT") else {
        return;
    };
    for (name, make, _) in BOMBS {
        let dir = Path::new(&out).join(name);
        let case = make();
        write(&dir, &case);
        std::fs::write(dir.join("args"), case.args.join("\n") + "\n").unwrap();
    }
}

/// The limits table of the book page is `berth::limits::book_table()` verbatim;
/// `BERTH_BLESS=1` rewrites it.
#[test]
fn the_book_page_holds_the_generated_limits_table() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src/safety-limits.md");
    let md = std::fs::read_to_string(&path).unwrap();
    let begin = "<!-- BEGIN generated: berth::limits::book_table() -->\n";
    let end = "<!-- END generated -->";
    let (head, rest) = md.split_once(begin).expect("safety-limits.md has no BEGIN marker");
    let (table, tail) = rest.split_once(end).expect("safety-limits.md has no END marker");
    let generated = berth::limits::book_table();
    if std::env::var_os("BERTH_BLESS").is_some() {
        std::fs::write(&path, format!("{head}{begin}{generated}{end}{tail}")).unwrap();
        return;
    }
    assert_eq!(
        table, generated,
        "safety-limits.md's limits table is stale: run the tests with BERTH_BLESS=1"
    );
}
