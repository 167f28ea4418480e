//! DESIGN.md promise 2 on the whole test corpus: every input under `tests/fixtures` that
//! `berth render` accepts gives byte-identical output whatever the thread count, the
//! locale, the time zone, the working directory (and so the spelling of PATH) and the
//! unrelated variables of the process environment.
//!
//! The corpus is found, not listed, so a new fixture is covered the day it is added: every
//! folder holding `overlay.yaml` or `Chart.yaml`, and every YAML file with a top-level
//! `services:` key. A candidate that fails (the bad-input fixtures, parts of charts such
//! as subcharts, and fixtures whose tests pass flags) is skipped; the floor on the count
//! keeps a regression from quietly turning cases into skips. Each case runs three times,
//! so that every value of every dimension appears once without the full product:
//!
//! | run      | threads | LANG and LC_ALL | TZ                | working directory     |
//! |----------|---------|-----------------|-------------------|-----------------------|
//! | baseline | 1       | C               | UTC               | the fixture's folder  |
//! | second   | 8       | de_DE.UTF-8     | Pacific/Kiritimati | its parent           |
//! | third    | 3       | tr_TR.UTF-8     | Pacific/Kiritimati | the temp dir (absolute PATH) |
//!
//! The locales need not be installed: the variables are what a careless program would
//! read. A last test renders each compose file under two project roots (the repository,
//! its own folder): names derived from paths must not depend on the root. The later runs also carry variables berth must never read (compose's own
//! `COMPOSE_PROJECT_NAME`, a `HOME` that differs), in an otherwise cleared environment.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The environment of one run.
struct Variant {
    name: &'static str,
    threads: &'static str,
    locale: &'static str,
    tz: &'static str,
    cwd: Cwd,
    /// Variables berth must not read; they differ from the baseline's.
    noise: &'static [(&'static str, &'static str)],
}

/// Where a run starts, and so how PATH is spelled.
#[derive(Clone, Copy)]
enum Cwd {
    /// The folder of the input: PATH is the file name, or `.` for a folder.
    Own,
    /// Its parent: PATH is `folder/file` or `folder`.
    Parent,
    /// The temp dir: PATH is absolute.
    Elsewhere,
}

const VARIANTS: [Variant; 3] = [
    Variant {
        name: "baseline",
        threads: "1",
        locale: "C",
        tz: "UTC",
        cwd: Cwd::Own,
        noise: &[("HOME", "/home/determinism")],
    },
    Variant {
        name: "de_DE, Kiritimati, parent folder, 8 threads",
        threads: "8",
        locale: "de_DE.UTF-8",
        tz: "Pacific/Kiritimati",
        cwd: Cwd::Parent,
        noise: &[
            ("HOME", "/home/determinism"),
            ("COMPOSE_PROJECT_NAME", "other"),
            ("BERTH_THREADS", "2"),
        ],
    },
    Variant {
        name: "tr_TR, Kiritimati, temp dir and absolute PATH, 3 threads",
        threads: "3",
        locale: "tr_TR.UTF-8",
        tz: "Pacific/Kiritimati",
        cwd: Cwd::Elsewhere,
        noise: &[
            ("HOME", "/home/determinism"),
            ("COMPOSE_PROJECT_NAME", "other"),
            ("COMPOSE_FILE", "nothing.yaml"),
        ],
    },
];

/// Flags tried in order on a candidate until one renders: none, then the profile the
/// Kustomize-equivalence fixtures are written for, then the one variable the conversion
/// fixtures interpolate (named, so berth may read it; every run gives it the same value).
const ATTEMPTS: [&[&str]; 3] = [&[], &["--profile", "none"], &["--env-var", "HOME"]];

/// One input that renders, and the flags it renders with.
struct Case {
    input: PathBuf,
    flags: &'static [&'static str],
    baseline: Vec<u8>,
}

/// Runs `berth render PATH ARGS` under `v`, PATH spelled as `v.cwd` says.
fn run(input: &Path, args: &[&str], v: &Variant) -> Output {
    let (dir, path) = spelled(input, v.cwd);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_berth"));
    cmd.env_clear()
        .env("LANG", v.locale)
        .env("LC_ALL", v.locale)
        .env("TZ", v.tz)
        .current_dir(dir)
        .arg("render")
        .arg(path)
        .args(args)
        .args(["--threads", v.threads]);
    for (k, val) in v.noise {
        cmd.env(k, val);
    }
    cmd.output().unwrap()
}

/// The working directory and the PATH argument that name `input` from it.
fn spelled(input: &Path, cwd: Cwd) -> (PathBuf, PathBuf) {
    let (own, name) = if input.is_dir() {
        (input.to_path_buf(), PathBuf::from("."))
    } else {
        (
            input.parent().unwrap().to_path_buf(),
            PathBuf::from(input.file_name().unwrap()),
        )
    };
    match cwd {
        Cwd::Own => (own, name),
        Cwd::Parent => {
            let parent = own.parent().unwrap().to_path_buf();
            let folder = PathBuf::from(own.file_name().unwrap());
            let path = if input.is_dir() { folder } else { folder.join(name) };
            (parent, path)
        }
        Cwd::Elsewhere => (std::env::temp_dir(), input.to_path_buf()),
    }
}

/// Every candidate input under the fixtures, sorted.
fn candidates() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(fixtures()).sort_by_file_name() {
        let entry = entry.unwrap();
        let path = entry.path();
        if entry.file_type().is_dir() {
            if path.join("overlay.yaml").is_file() || path.join("Chart.yaml").is_file() {
                out.push(path.to_path_buf());
            }
            continue;
        }
        let yaml = path.extension().is_some_and(|x| x == "yaml" || x == "yml");
        let compose =
            yaml && std::fs::read_to_string(path).is_ok_and(|t| t.lines().any(|l| l.trim_end() == "services:"));
        if compose {
            out.push(path.to_path_buf());
        }
    }
    out
}

/// The candidates that render under the baseline, each with its baseline output.
fn corpus() -> Vec<Case> {
    corpus_of(candidates())
}

/// Those of `inputs` that render under the baseline, each with its baseline output.
fn corpus_of(inputs: Vec<PathBuf>) -> Vec<Case> {
    let base = &VARIANTS[0];
    inputs
        .into_iter()
        .filter_map(|input| {
            ATTEMPTS.iter().find_map(|flags| {
                let out = run(&input, flags, base);
                (out.status.code() == Some(0)).then(|| Case {
                    input: input.clone(),
                    flags,
                    baseline: out.stdout,
                })
            })
        })
        .collect()
}

/// The first line where `a` and `b` differ, for the failure message.
fn first_difference(a: &[u8], b: &[u8]) -> String {
    let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
    a.lines()
        .zip(b.lines())
        .enumerate()
        .find(|(_, (x, y))| x != y)
        .map(|(i, (x, y))| format!("line {}: {x:?} vs {y:?}", i + 1))
        .unwrap_or_else(|| format!("lengths {} and {}", a.len(), b.len()))
}

fn rel(p: &Path) -> String {
    p.strip_prefix(fixtures()).unwrap_or(p).display().to_string()
}

#[test]
fn every_renderable_fixture_gives_the_same_bytes_in_every_environment() {
    let corpus = corpus();
    // 170 when this test was written; a drop means fixtures stopped rendering.
    assert!(corpus.len() >= 150, "only {} fixtures render", corpus.len());
    let mut failures = Vec::new();
    for case in &corpus {
        assert!(!case.baseline.is_empty(), "{} renders nothing", rel(&case.input));
        for v in &VARIANTS[1..] {
            let out = run(&case.input, case.flags, v);
            if out.status.code() != Some(0) {
                failures.push(format!(
                    "{} {:?} [{}]: exit {:?}: {}",
                    rel(&case.input),
                    case.flags,
                    v.name,
                    out.status.code(),
                    String::from_utf8_lossy(&out.stderr)
                ));
            } else if out.stdout != case.baseline {
                failures.push(format!(
                    "{} {:?} [{}]: {}",
                    rel(&case.input),
                    case.flags,
                    v.name,
                    first_difference(&case.baseline, &out.stdout)
                ));
            }
        }
    }
    eprintln!(
        "determinism: {} inputs x {} runs = {} renders compared",
        corpus.len(),
        VARIANTS.len(),
        corpus.len() * VARIANTS.len()
    );
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every file under `dir`, by path relative to it.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// The fixture folders holding two overlay folders or more: what `--all-envs` takes.
fn environment_sets() -> Vec<PathBuf> {
    walkdir::WalkDir::new(fixtures())
        .sort_by_file_name()
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_dir())
        .filter(|e| {
            std::fs::read_dir(e.path())
                .unwrap()
                .filter_map(Result::ok)
                .filter(|c| c.path().join("overlay.yaml").is_file())
                .count()
                >= 2
        })
        .map(|e| e.into_path())
        .collect()
}

#[test]
fn multi_environment_output_dirs_are_the_same_in_every_environment() {
    let scratch = tempfile::tempdir().unwrap();
    let mut rendered = 0;
    for set in environment_sets() {
        let mut trees = Vec::new();
        for (i, v) in VARIANTS.iter().enumerate() {
            let out_dir = scratch.path().join(format!("{rendered}-{i}"));
            let out_arg = out_dir.to_string_lossy().into_owned();
            let found = ATTEMPTS.iter().find_map(|flags| {
                let mut args = vec!["--all-envs", "--output-dir", out_arg.as_str()];
                args.extend_from_slice(flags);
                let out = run(&set, &args, v);
                (out.status.code() == Some(0)).then_some(out)
            });
            let Some(out) = found else {
                assert!(i == 0, "{} renders in the baseline only, not [{}]", rel(&set), v.name);
                break;
            };
            assert!(out.stdout.is_empty(), "{}: --output-dir wrote to stdout", rel(&set));
            trees.push(tree(&out_dir));
        }
        let Some((first, rest)) = trees.split_first() else {
            continue;
        };
        assert!(first.len() >= 2, "{}: {} files", rel(&set), first.len());
        for (t, v) in rest.iter().zip(&VARIANTS[1..]) {
            let names = |t: &[(PathBuf, Vec<u8>)]| t.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>();
            assert_eq!(names(first), names(t), "{} [{}]: other files", rel(&set), v.name);
            for ((p, a), (_, b)) in first.iter().zip(t) {
                assert!(
                    a == b,
                    "{}/{} [{}]: {}",
                    rel(&set),
                    p.display(),
                    v.name,
                    first_difference(a, b)
                );
            }
        }
        rendered += 1;
    }
    eprintln!("determinism: {rendered} multi-environment trees compared");
    assert!(rendered >= 1, "no fixture folder with several environments renders");
}

/// Names berth derives from file paths (ConfigMaps of env files and bind mounts) are
/// relative to the compose file's folder, so the project root does not change a byte:
/// every compose file of the corpus renders the same with the repository as its root and
/// with its own folder as the root (when it reads nothing outside that folder).
#[test]
fn compose_files_render_the_same_whatever_the_project_root() {
    let base = &VARIANTS[0];
    let mut compared = 0;
    let mut failures = Vec::new();
    let files = candidates().into_iter().filter(|p| p.is_file()).collect();
    for case in &corpus_of(files) {
        let folder = case.input.parent().unwrap().to_string_lossy().into_owned();
        let mut args = vec!["--root", folder.as_str()];
        args.extend_from_slice(case.flags);
        let out = run(&case.input, &args, base);
        match out.status.code() {
            Some(0) if out.stdout == case.baseline => compared += 1,
            Some(0) => failures.push(format!(
                "{}: {}",
                rel(&case.input),
                first_difference(&case.baseline, &out.stdout)
            )),
            // It reads a file outside its folder: refused under the narrower root.
            Some(2) if String::from_utf8_lossy(&out.stderr).contains("project root") => {}
            code => failures.push(format!(
                "{}: exit {code:?}: {}",
                rel(&case.input),
                String::from_utf8_lossy(&out.stderr)
            )),
        }
    }
    eprintln!("determinism: {compared} compose files compared under two roots");
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(compared >= 50, "only {compared} compose files compared");
}

/// The allocator's variables change nothing either: mimalloc reads `MIMALLOC_*` unless its
/// C is built without (`.cargo/config.toml`), and these two would print its statistics and
/// messages on stderr.
#[test]
fn the_allocator_reads_no_variable_of_the_environment() {
    let input = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("overlays/prod");
    let noisy = Variant {
        name: "mimalloc's variables",
        noise: &[("MIMALLOC_SHOW_STATS", "1"), ("MIMALLOC_VERBOSE", "1")],
        ..VARIANTS[0]
    };
    let (plain, loud) = (run(&input, &[], &VARIANTS[0]), run(&input, &[], &noisy));
    assert_eq!(
        plain.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&plain.stderr)
    );
    assert!(
        plain.stdout == loud.stdout,
        "{}",
        first_difference(&plain.stdout, &loud.stdout)
    );
    let stderr = String::from_utf8_lossy(&loud.stderr);
    assert!(!stderr.to_lowercase().contains("mimalloc"), "{stderr}");
    let lines = |o: &Output| String::from_utf8_lossy(&o.stderr).lines().count();
    assert_eq!(lines(&plain), lines(&loud), "{stderr}");
}
