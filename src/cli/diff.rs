//! `berth diff`: renders two sides (two environments, the same path in two checkouts, or
//! two paths) and prints their semantic difference (`crate::diff`). Exit codes follow
//! diff(1): 0 equal, 1 different, 2 trouble; a side that fails to render, validation
//! included, is trouble, so 1 always means "the renders differ".

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use crate::chart::meta::join;
use crate::diff::{self, Options};
use crate::error::Error;
use crate::manifest::parallel::Threads;
use crate::pipeline::{self, Rendered};
use crate::source::Sandbox;
use crate::validate::DEFAULT_KUBE_VERSION;

use super::inputs::{InputArgs, environments, rel, render_path};
use super::report;

const AFTER_HELP: &str = "\
Exit codes (as diff(1)):
  0  the two renders hold the same objects (order-only changes ignored)
  1  they differ
  2  trouble: bad input or usage, or a side fails to render or to validate

stdout carries only the difference; diagnostics go to stderr.";

#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct DiffArgs {
    #[command(flatten)]
    pub input: Box<InputArgs>,
    /// A second input to compare PATH with (rendered with the same flags).
    #[arg(value_name = "OTHER")]
    pub other: Option<PathBuf>,
    /// Compare PATH with the same root-relative path under this folder: another checkout
    /// of the project (`git worktree add /tmp/old HEAD~1`), taken as its project root.
    #[arg(long, value_name = "DIR", conflicts_with = "other")]
    pub against: Option<PathBuf>,
    /// Match objects by their namespace as written, even when each side has one namespace
    /// and they differ (by default the two are matched as one).
    #[arg(long)]
    pub exact_namespaces: bool,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = DiffFormat::Text)]
    pub output: DiffFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// `~`/`+`/`-` per object, changed fields indented, a summary line.
    Text,
    /// One JSON document.
    Json,
}

/// One side to render: its sandbox, root-relative path, a label for messages, and its own
/// input flags when they differ from the command line's (the `--against` side).
struct Side {
    sandbox: Sandbox,
    path: String,
    label: String,
    input: Option<InputArgs>,
}

pub fn run(args: DiffArgs) -> u8 {
    let sandbox = match args.input.sandbox() {
        Ok(s) => s,
        Err(e) => return report::error(&e, None),
    };
    let [left, right] = match sides(&sandbox, &args) {
        Ok(s) => s,
        Err(e) => return report::error(&e, Some(&sandbox)),
    };
    // Two renders share the CPUs.
    let threads = Threads::new(Threads::available().get() / 2).unwrap_or(Threads::ONE);
    let render = |side: &Side| {
        let input = side.input.as_ref().unwrap_or(&args.input);
        render_path(&side.sandbox, input, side.path.clone(), false, threads)
    };
    let (a, b) = std::thread::scope(|s| {
        let h = s.spawn(|| render(&right));
        let a = render(&left);
        let b = h.join().unwrap_or_else(|_| {
            Err(Error::Usage {
                message: "internal error: a render thread panicked; please report it".into(),
                help: None,
            })
        });
        (a, b)
    });
    let (a, b) = match (a, b) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) => return failed(&e, &left),
        (_, Err(e)) => return failed(&e, &right),
    };
    let mut notes = report::Notes::default();
    for (side, r) in [(&left, &a), (&right, &b)] {
        notes.add_warnings(Some(&side.label), &r.warnings);
        notes.add_findings(Some(&side.label), &r.findings);
    }
    notes.print();
    let kube_version = args.input.kube_version.as_deref().unwrap_or(DEFAULT_KUBE_VERSION);
    let opts = Options {
        kube_version: kube_version.to_string(),
        exact_namespaces: args.exact_namespaces,
    };
    let report = diff::diff(&values(&a), &values(&b), &opts);
    let text = match args.output {
        DiffFormat::Text => report.to_text(),
        DiffFormat::Json => match serde_json::to_string_pretty(&report.to_json()) {
            Ok(t) => t + "\n",
            Err(e) => {
                let e = Error::Output {
                    message: format!("cannot write the report: {e}"),
                };
                return report::error(&e, None);
            }
        },
    };
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()) {
        let e = Error::Output {
            message: format!("cannot write to stdout: {e}"),
        };
        return report::error(&e, None);
    }
    u8::from(!report.is_equal())
}

fn values(r: &Rendered) -> Vec<serde_json::Value> {
    r.objects.iter().map(|o| o.value.clone()).collect()
}

/// A side's render error, reported with the side's sources. Exit code 2 even for a
/// validation failure: 1 means "the renders differ", and a side that does not render
/// cannot be compared.
fn failed(e: &Error, side: &Side) -> u8 {
    eprint!("{}", report::format_error(e, Some(&side.sandbox)));
    eprintln!("error: {} does not render, so it cannot be compared", side.label);
    2
}

fn shown(p: &str) -> String {
    if p.is_empty() { ".".to_string() } else { p.to_string() }
}

/// The two sides the arguments name, or a usage error.
fn sides(sandbox: &Sandbox, args: &DiffArgs) -> Result<[Side; 2], Error> {
    let path = rel(sandbox, &args.input.path)?;
    let envs = environments(sandbox, &args.input, &path)?;
    let side = |sandbox: Sandbox, path: String, label: String, input: Option<InputArgs>| Side {
        sandbox,
        path,
        label,
        input,
    };
    let mine = |p: String| Sandbox::new(sandbox.root()).map(|s| side(s, p.clone(), shown(&p), None));
    let env = match (envs.as_slice(), &args.against, &args.other) {
        ([a, b], None, None) => return Ok([mine(join(&path, a))?, mine(join(&path, b))?]),
        ([] | [_], Some(_), _) | ([] | [_], _, Some(_)) => envs.first(),
        (list, against, other) => {
            let message = match (list.len(), against.is_some() || other.is_some()) {
                (0, _) => "`berth diff` needs two renders; PATH alone names one".to_string(),
                (1, _) => "`berth diff` needs two renders; one --env names one".to_string(),
                (_, true) => "with OTHER or --against, name at most one --env (it applies to both sides)".into(),
                (n, false) => format!("`berth diff` compares two renders; --env names {n}"),
            };
            return Err(Error::Usage {
                message,
                help: Some(
                    "compare two environments (`berth diff overlays --env dev,prod`), PATH with the same path in another checkout (`--against DIR`), or two paths (`berth diff A B`)"
                        .into(),
                ),
            });
        }
    };
    let with_env = |p: &str| env.map_or_else(|| p.to_string(), |e| join(p, e));
    let left = mine(with_env(&path))?;
    let right = if let Some(dir) = &args.against {
        let other = Sandbox::new(dir)?;
        let p = with_env(&path);
        if !other.exists(&p) {
            return Err(Error::Usage {
                message: format!("`{}` holds no `{}`", dir.display(), shown(&p)),
                help: Some(
                    "--against takes another checkout of the project root, e.g. `git worktree add /tmp/old HEAD~1`"
                        .into(),
                ),
            });
        }
        let label = format!("{} in {}", shown(&p), dir.display());
        side(other, p, label, Some(moved_input(&args.input, sandbox, dir)?))
    } else {
        let o = args.other.as_deref().unwrap_or(Path::new("."));
        let root = args.input.root.clone().unwrap_or_else(|| pipeline::find_root(o));
        let other = Sandbox::new(&root)?;
        let p = rel(&other, o)?;
        // The same --env must exist under OTHER too.
        environments(&other, &args.input, &p)?;
        let p = with_env(&p);
        side(other, p.clone(), shown(&p), None)
    };
    Ok([left, right])
}

/// The input flags for the `--against` side: its files (`-f`, `--env-file`, `--set-file`
/// paths stay root-relative) named under `dir` instead of the first root.
fn moved_input(input: &InputArgs, first: &Sandbox, dir: &Path) -> Result<InputArgs, Error> {
    let moved = |files: &[PathBuf]| -> Result<Vec<PathBuf>, Error> {
        files
            .iter()
            .map(|f| rel(first, f).map(|r| dir.join(r.as_str())))
            .collect()
    };
    Ok(InputArgs {
        path: dir.join(rel(first, &input.path)?.as_str()),
        envs: input.envs.clone(),
        all_envs: input.all_envs,
        files: moved(&input.files)?,
        set: input.set.clone(),
        set_string: input.set_string.clone(),
        set_json: input.set_json.clone(),
        set_file: input.set_file.clone(),
        set_literal: input.set_literal.clone(),
        release_name: input.release_name.clone(),
        root: Some(dir.to_path_buf()),
        env_files: moved(&input.env_files)?,
        compose_profiles: input.compose_profiles.clone(),
        env_vars: input.env_vars.clone(),
        env_prefixes: input.env_prefixes.clone(),
        namespace: input.namespace.clone(),
        kube_version: input.kube_version.clone(),
        profile: input.profile,
    })
}
