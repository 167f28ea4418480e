//! `berth render`: a compose file or a chart to manifests on stdout or in `--output-dir`.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use crate::chart::meta::join;
use crate::chart::values::{SetArg, SetKind};
use crate::compose::LoadOptions;
use crate::emit::{self, Format};
use crate::error::Error;
use crate::harden::Profile;
use crate::manifest::parallel::Threads;
use crate::overlay::{self, spec};
use crate::pipeline::{self, ChartRender, ComposeRender, OverlayRender, Rendered};
use crate::source::Sandbox;
use crate::validate::DEFAULT_KUBE_VERSION;

use super::report;

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// An overlay folder (holding overlay.yaml), a chart folder (holding Chart.yaml), a
    /// compose file, or a folder holding compose.yaml (or compose.yml,
    /// docker-compose.yaml, docker-compose.yml). With --env or --all-envs: the folder
    /// holding one overlay folder per environment.
    pub path: PathBuf,
    /// Render these environments (overlay folders under PATH), comma-separated, in one
    /// pass; with --output-dir each goes to its own folder.
    #[arg(long = "env", value_name = "NAME,...", value_delimiter = ',')]
    pub envs: Vec<String>,
    /// Render every overlay folder under PATH (as --env with all of them).
    #[arg(long = "all-envs", conflicts_with = "envs")]
    pub all_envs: bool,
    /// For a compose file: more compose files, merged over PATH in order (as docker
    /// compose -f). For a chart: values files, merged over the chart's values in order
    /// (as helm -f).
    #[arg(short = 'f', long = "file", visible_alias = "values", value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Chart value (`a.b=1`, `list[0]=x`, `a={x,y}`; typed: true, false, integers, null).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Chart value kept as a string whatever it looks like.
    #[arg(long = "set-string", value_name = "PATH=VALUE")]
    pub set_string: Vec<String>,
    /// Chart value given as JSON (`a={"x":1}`).
    #[arg(long = "set-json", value_name = "PATH=JSON")]
    pub set_json: Vec<String>,
    /// Chart value read from a file under the project root (its text).
    #[arg(long = "set-file", value_name = "PATH=FILE")]
    pub set_file: Vec<String>,
    /// Chart value taken verbatim: no typing, no list or escape syntax in the value.
    #[arg(long = "set-literal", value_name = "PATH=VALUE")]
    pub set_literal: Vec<String>,
    /// Release name a chart is rendered as (default: the chart's name).
    #[arg(long = "release-name", value_name = "NAME")]
    pub release_name: Option<String>,
    /// Project root: nothing outside it is read. Default: the nearest folder above PATH
    /// that holds .git, else the folder of PATH.
    #[arg(long)]
    pub root: Option<PathBuf>,
    /// Interpolation variables from these files instead of .env (repeatable).
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_files: Vec<PathBuf>,
    /// Enable a compose profile (repeatable).
    #[arg(long = "compose-profile", value_name = "NAME")]
    pub compose_profiles: Vec<String>,
    /// Let interpolation read this process environment variable (repeatable). No other
    /// variable of the environment is ever read.
    #[arg(long = "env-var", value_name = "NAME")]
    pub env_vars: Vec<String>,
    /// Let interpolation read every process variable whose name starts with PREFIX,
    /// with the prefix removed (as Argo CD's ARGOCD_ENV_).
    #[arg(long = "env-prefix", value_name = "PREFIX")]
    pub env_prefixes: Vec<String>,
    /// Namespace for every object (default: the compose project name, or the chart's
    /// release name).
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,
    /// Target Kubernetes minor version [default: an overlay's kubeVersion, else 1.35].
    #[arg(long)]
    pub kube_version: Option<String>,
    /// Policy profile [default: an overlay's policy.profile, else restricted].
    #[arg(long, value_enum)]
    pub profile: Option<Profile>,
    /// Turn warnings into errors.
    #[arg(long)]
    pub strict: bool,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = Format::Yaml)]
    pub output: Format,
    /// Render and validate, print only diagnostics, write nothing (for pre-commit and CI).
    #[arg(long, conflicts_with = "output_dir")]
    pub check: bool,
    /// Write one file per object into this folder (replaced atomically) instead of stdout.
    #[arg(long)]
    pub output_dir: Option<PathBuf>,
    /// Threads for per-object work (reading manifests, patches, hardening, output); 1
    /// starts no thread. The output is the same for every count. [default: the number of
    /// CPUs available]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
}

pub fn run(args: RenderArgs) -> u8 {
    let root = args.root.clone().unwrap_or_else(|| pipeline::find_root(&args.path));
    let sandbox = match Sandbox::new(&root) {
        Ok(s) => s,
        Err(e) => return report::error(&e, None),
    };
    match render(&sandbox, &args) {
        Ok(code) => code,
        Err(e) => report::error(&e, Some(&sandbox)),
    }
}

fn render(sandbox: &Sandbox, args: &RenderArgs) -> Result<u8, Error> {
    let path = rel(sandbox, &args.path)?;
    let envs = environments(sandbox, args, &path)?;
    let threads = args
        .threads
        .and_then(|n| Threads::new(n.into()))
        .unwrap_or_else(Threads::available);
    if threads.get() > 1 {
        // An overlay may name another version; then this only warmed a cache unused.
        crate::validate::warm_up(args.kube_version.as_deref().unwrap_or(DEFAULT_KUBE_VERSION));
    }
    if envs.is_empty() {
        let rendered = render_path(sandbox, args, path, threads)?;
        report::warnings(&rendered.warnings);
        report::relaxations(&rendered.relaxations);
        let written = if args.check {
            Ok(0)
        } else {
            write(args, &rendered, args.output_dir.as_deref(), threads)
        };
        // The process ends next: freeing every map of thousands of objects one by one
        // would cost about a twentieth of the render, for memory the exit returns anyway.
        std::mem::forget(rendered);
        return written;
    }
    if args.output_dir.is_none() && !args.check {
        return Err(Error::Usage {
            message: format!("{} environments need --output-dir (or --check)", envs.len()),
            help: Some("pass --output-dir DIR: each environment is written to DIR/<env>/".into()),
        });
    }
    // Each environment renders on its own thread from the same sandbox; the output is the
    // same as rendering each one alone, and nothing is written unless all succeed. They
    // share the threads, so several environments do not start more than one would.
    let path = path.as_str();
    let each = Threads::new(threads.get() / envs.len()).unwrap_or(Threads::ONE);
    let results: Vec<Result<Rendered, Error>> = std::thread::scope(|s| {
        let handles: Vec<_> = envs
            .iter()
            .map(|env| s.spawn(move || render_path(sandbox, args, join(path, env), each)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(Error::Usage {
                        message: "internal error: a render thread panicked; please report it".into(),
                        help: None,
                    })
                })
            })
            .collect()
    });
    let mut rendered = Vec::new();
    for (env, r) in envs.iter().zip(results) {
        let r = r?;
        for w in &r.warnings {
            eprintln!("warning: [{env}] {w}");
        }
        for x in &r.relaxations {
            eprintln!("relaxed: [{env}] {x}");
        }
        rendered.push((env, r));
    }
    if let Some(out) = args.output_dir.as_deref() {
        for (env, r) in &rendered {
            write(args, r, Some(&out.join(env.as_str())), threads)?;
        }
    }
    Ok(0)
}

/// The environments `--env`/`--all-envs` name (overlay folders under `path`), or none.
fn environments(sandbox: &Sandbox, args: &RenderArgs, path: &str) -> Result<Vec<String>, Error> {
    let envs: Vec<String> = if args.all_envs {
        let disk = sandbox.root().join(path);
        let mut found: Vec<String> = std::fs::read_dir(&disk)
            .map_err(|e| Error::Usage {
                message: format!("cannot list {}: {e}", disk.display()),
                help: Some("--all-envs takes the folder that holds the overlay folders".into()),
            })?
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| sandbox.exists(&join(&join(path, n), spec::FILE)))
            .collect();
        found.sort();
        if found.is_empty() {
            return Err(Error::Usage {
                message: format!("no overlay folder (holding overlay.yaml) under `{path}`"),
                help: Some("--all-envs takes the folder that holds the overlay folders, e.g. `overlays`".into()),
            });
        }
        found
    } else {
        args.envs
            .iter()
            .map(|e| e.trim().to_string())
            .filter(|e| !e.is_empty())
            .collect()
    };
    for env in &envs {
        if !sandbox.exists(&join(&join(path, env), spec::FILE)) {
            return Err(Error::Usage {
                message: format!("no overlay `{env}`: `{}` holds no overlay.yaml", join(path, env)),
                help: Some("--env names overlay folders under PATH".into()),
            });
        }
    }
    Ok(envs)
}

/// A path the user named, relative to the project root (and refused outside it).
fn rel(sandbox: &Sandbox, p: &Path) -> Result<String, Error> {
    let abs = std::path::absolute(p).map_err(|e| Error::Usage {
        message: format!("{}: {e}", p.display()),
        help: None,
    })?;
    sandbox.resolve("", &abs.to_string_lossy(), None).map(|s| s.to_string())
}

/// Renders one root-relative path: an overlay, a chart or compose files.
fn render_path(sandbox: &Sandbox, args: &RenderArgs, path: String, threads: Threads) -> Result<Rendered, Error> {
    let extra = args
        .files
        .iter()
        .map(|f| rel(sandbox, f))
        .collect::<Result<Vec<_>, _>>()?;
    let variables = named_variables(&args.env_vars, &args.env_prefixes);
    let kube_version = || {
        args.kube_version
            .clone()
            .unwrap_or_else(|| DEFAULT_KUBE_VERSION.to_string())
    };
    let profile = args.profile.unwrap_or_default();
    if sandbox.exists(&join(&path, spec::FILE)) {
        let req = OverlayRender {
            dir: path,
            overlay: overlay::Request {
                values_files: extra,
                sets: set_args(args),
                release_name: args.release_name.clone(),
                namespace: args.namespace.clone(),
                kube_version: args.kube_version.clone(),
                variables,
                threads,
            },
            profile: args.profile,
            strict: args.strict,
        };
        return pipeline::render_overlay(sandbox, &req);
    }
    if sandbox.exists(&join(&path, "Chart.yaml")) {
        let req = ChartRender {
            dir: path,
            values_files: extra,
            sets: set_args(args),
            chart: crate::chart::Request {
                release_name: args.release_name.clone(),
                namespace: args.namespace.clone(),
                env_name: String::new(),
                kube_version: kube_version(),
                variables,
            },
            profile,
            strict: args.strict,
        };
        return pipeline::render_chart(sandbox, &req);
    }
    let env_files = args
        .env_files
        .iter()
        .map(|f| rel(sandbox, f))
        .collect::<Result<Vec<_>, _>>()?;
    let req = ComposeRender {
        load: LoadOptions {
            files: std::iter::once(path).chain(extra).collect(),
            env_files,
            profiles: args.compose_profiles.clone(),
            variables,
            project_name: None,
        },
        namespace: args.namespace.clone(),
        kube_version: kube_version(),
        profile,
        strict: args.strict,
    };
    pipeline::render_compose(sandbox, &req)
}

/// Writes one render to `dir` (one file per object), or to stdout.
fn write(args: &RenderArgs, rendered: &Rendered, dir: Option<&Path>, threads: Threads) -> Result<u8, Error> {
    match dir {
        Some(dir) => emit::write_dir_parallel(dir, &rendered.objects, args.output, threads)?,
        None => {
            let text = emit::to_text_parallel(&rendered.objects, args.output, threads)?;
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes()).map_err(|e| Error::Output {
                message: format!("cannot write to stdout: {e}"),
            })?;
        }
    }
    Ok(0)
}

/// The `--set*` flags in family order (the order they apply in does not depend on how
/// they were interleaved on the command line).
fn set_args(args: &RenderArgs) -> Vec<SetArg> {
    let family = |kind: SetKind, texts: Vec<String>| texts.into_iter().map(move |text| SetArg { kind, text });
    family(SetKind::Json, args.set_json.clone())
        .chain(family(SetKind::Set, args.set.clone()))
        .chain(family(SetKind::String, args.set_string.clone()))
        .chain(family(SetKind::File, args.set_file.clone()))
        .chain(family(SetKind::Literal, args.set_literal.clone()))
        .collect()
}

/// The process variables the user named, and only those (DESIGN.md promise 1).
fn named_variables(names: &[String], prefixes: &[String]) -> Vec<(String, String)> {
    let mut vars = Vec::new();
    if !prefixes.is_empty() {
        let mut prefixed: Vec<(String, String)> = std::env::vars()
            .filter_map(|(k, v)| {
                prefixes
                    .iter()
                    .find_map(|p| k.strip_prefix(p.as_str()).map(|s| (s.to_string(), v.clone())))
            })
            .collect();
        prefixed.sort();
        vars.extend(prefixed);
    }
    for n in names {
        if let Ok(v) = std::env::var(n) {
            vars.push((n.clone(), v));
        }
    }
    vars
}
