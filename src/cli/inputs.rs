//! The inputs of a render, shared by every command that renders (`render`, `explain`,
//! `diff`): the path, values and `--set*` flags, variables, namespace, version and
//! profile, and the one function that turns them into a [`Rendered`].

use std::path::Path;

use clap::Args;

use crate::chart::meta::join;
use crate::chart::values::{SetArg, SetKind};
use crate::compose::LoadOptions;
use crate::error::Error;
use crate::harden::Profile;
use crate::manifest::parallel::Threads;
use crate::overlay::{self, spec};
use crate::pipeline::{self, ChartRender, ComposeRender, OverlayRender, Rendered};
use crate::source::Sandbox;
use crate::validate::DEFAULT_KUBE_VERSION;

/// What to render: the input path and every flag that changes the objects.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// An overlay folder (holding overlay.yaml), a chart folder (holding Chart.yaml), a
    /// compose file, or a folder holding compose.yaml (or compose.yml,
    /// docker-compose.yaml, docker-compose.yml). With --env or --all-envs: the folder
    /// holding one overlay folder per environment.
    pub path: std::path::PathBuf,
    /// Render these environments (overlay folders under PATH), comma-separated, in one
    /// pass; with --output-dir each goes to its own folder (one alone may go to stdout).
    #[arg(long = "env", value_name = "NAME,...", value_delimiter = ',')]
    pub envs: Vec<String>,
    /// Render every overlay folder under PATH (as --env with all of them).
    #[arg(long = "all-envs", conflicts_with = "envs")]
    pub all_envs: bool,
    /// For a compose file: more compose files, merged over PATH in order (as docker
    /// compose -f). For a chart: values files, merged over the chart's values in order
    /// (as helm -f).
    #[arg(short = 'f', long = "file", visible_alias = "values", value_name = "FILE")]
    pub files: Vec<std::path::PathBuf>,
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
    pub root: Option<std::path::PathBuf>,
    /// Interpolation variables from these files instead of .env (repeatable).
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_files: Vec<std::path::PathBuf>,
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
}

impl InputArgs {
    /// The sandbox every read goes through: `--root`, else the root found from PATH
    /// (the nearest folder holding `.git`).
    pub fn sandbox(&self) -> Result<Sandbox, Error> {
        let root = self.root.clone().unwrap_or_else(|| pipeline::find_root(&self.path));
        Sandbox::new(&root)
    }
}

/// The environments `--env`/`--all-envs` name (overlay folders under `path`), or none.
pub fn environments(sandbox: &Sandbox, args: &InputArgs, path: &str) -> Result<Vec<String>, Error> {
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
                message: format!(
                    "--env {env}: no overlay `{env}` (`{}` holds no overlay.yaml)",
                    join(path, env)
                ),
                help: Some("--env names overlay folders under PATH".into()),
            });
        }
    }
    Ok(envs)
}

/// The PATH the user named, relative to the project root (and refused outside it).
pub fn rel(sandbox: &Sandbox, p: &Path) -> Result<String, Error> {
    rel_flag(sandbox, p, "PATH")
}

/// A path the user gave to `flag`, relative to the project root (and refused outside it,
/// the error naming the flag).
pub fn rel_flag(sandbox: &Sandbox, p: &Path, flag: &str) -> Result<String, Error> {
    let abs = std::path::absolute(p).map_err(|e| Error::Usage {
        message: format!("{flag} {}: {e}", p.display()),
        help: None,
    })?;
    sandbox
        .resolve("", &abs.to_string_lossy(), None)
        .map(|s| s.to_string())
        .map_err(|e| Error::Usage {
            message: format!("{flag} {e}"),
            help: e.help().map(str::to_string),
        })
}

/// Renders one root-relative path: an overlay, a chart or compose files.
pub fn render_path(
    sandbox: &Sandbox,
    args: &InputArgs,
    path: String,
    strict: bool,
    threads: Threads,
) -> Result<Rendered, Error> {
    check_flags(args)?;
    let extra = args
        .files
        .iter()
        .map(|f| rel_flag(sandbox, f, "-f"))
        .collect::<Result<Vec<_>, _>>()?;
    for (name, written) in extra.iter().zip(&args.files) {
        if !sandbox.exists(name) {
            return Err(Error::Usage {
                message: format!("-f {}: `{name}` does not exist", written.display()),
                help: Some("check the path; it is relative to the current folder".into()),
            });
        }
    }
    if !sandbox.exists(&path) {
        return Err(Error::Usage {
            message: format!("PATH `{path}` does not exist"),
            help: Some(
                "name a compose file, a chart folder (holding Chart.yaml) or an overlay folder \
                 (holding overlay.yaml); the path is relative to the current folder"
                    .into(),
            ),
        });
    }
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
            strict,
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
            strict,
        };
        return pipeline::render_chart(sandbox, &req);
    }
    if let Some(set) = set_args(args).first() {
        return Err(Error::Usage {
            message: format!(
                "{} `{}`: `{}` is a compose file, which has no values to set",
                set.kind.flag(),
                set.text,
                path
            ),
            help: Some(
                "compose files take variables: `${NAME}` in the file, set with .env, --env-file or \
                 --env-var NAME; the --set flags are for charts and overlays of charts"
                    .into(),
            ),
        });
    }
    let env_files = args
        .env_files
        .iter()
        .map(|f| rel_flag(sandbox, f, "--env-file"))
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
        strict,
    };
    pipeline::render_compose(sandbox, &req)
}

/// Refuses flag values that would only fail later, far from the flag: a namespace or
/// release name Kubernetes rejects (every object would carry it), a variable name that
/// interpolation cannot refer to.
fn check_flags(args: &InputArgs) -> Result<(), Error> {
    use crate::validate::grammar::Grammar;
    let names = [("--namespace", &args.namespace), ("--release-name", &args.release_name)];
    for (flag, value) in names {
        let Some(value) = value else { continue };
        if let Some(why) = Grammar::Dns1123Label.check(value) {
            return Err(Error::Usage {
                message: format!("{flag} `{value}`: the name {why}"),
                help: Some(format!(
                    "{flag} becomes a Kubernetes name (a namespace, or part of every object's name): \
                     write it as `{}`, at most 63 characters",
                    crate::convert::names::dns_label(value, 63)
                )),
            });
        }
    }
    for name in &args.env_vars {
        let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(Error::Usage {
                message: format!("--env-var `{name}`: not a variable name interpolation can use"),
                help: Some(
                    "name a process variable as `${NAME}` would: a letter or `_`, then letters, digits and `_`".into(),
                ),
            });
        }
    }
    Ok(())
}

/// The `--set*` flags in family order (the order they apply in does not depend on how
/// they were interleaved on the command line).
pub fn set_args(args: &InputArgs) -> Vec<SetArg> {
    let family = |kind: SetKind, texts: Vec<String>| texts.into_iter().map(move |text| SetArg { kind, text });
    family(SetKind::Json, args.set_json.clone())
        .chain(family(SetKind::Set, args.set.clone()))
        .chain(family(SetKind::String, args.set_string.clone()))
        .chain(family(SetKind::File, args.set_file.clone()))
        .chain(family(SetKind::Literal, args.set_literal.clone()))
        .collect()
}

/// The process variables the user named, and only those (DESIGN.md promise 1).
pub fn named_variables(names: &[String], prefixes: &[String]) -> Vec<(String, String)> {
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
