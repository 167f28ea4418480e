//! `berth render`: a compose file or a chart to manifests on stdout or in `--output-dir`.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use crate::chart::values::{SetArg, SetKind};
use crate::compose::LoadOptions;
use crate::emit::{self, Format};
use crate::error::Error;
use crate::harden::Profile;
use crate::pipeline::{self, ChartRender, ComposeRender};
use crate::source::Sandbox;
use crate::validate::DEFAULT_KUBE_VERSION;

use super::report;

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// A compose file, a chart folder (holding Chart.yaml), or a folder holding
    /// compose.yaml (or compose.yml, docker-compose.yaml, docker-compose.yml).
    pub path: PathBuf,
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
    /// Target Kubernetes minor version.
    #[arg(long, default_value = DEFAULT_KUBE_VERSION)]
    pub kube_version: String,
    /// Policy profile.
    #[arg(long, value_enum, default_value_t = Profile::Restricted)]
    pub profile: Profile,
    /// Turn warnings into errors.
    #[arg(long)]
    pub strict: bool,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = Format::Yaml)]
    pub output: Format,
    /// Write one file per object into this folder (replaced atomically) instead of stdout.
    #[arg(long)]
    pub output_dir: Option<PathBuf>,
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
    let rel = |p: &PathBuf| -> Result<String, Error> {
        let abs = std::path::absolute(p).map_err(|e| Error::Usage {
            message: format!("{}: {e}", p.display()),
            help: None,
        })?;
        let cwd_rel = abs.to_string_lossy().into_owned();
        sandbox.resolve("", &cwd_rel, None).map(|s| s.to_string())
    };
    let path = rel(&args.path)?;
    let extra = args.files.iter().map(rel).collect::<Result<Vec<_>, _>>()?;
    let variables = named_variables(&args.env_vars, &args.env_prefixes);
    let rendered = if sandbox.exists(&crate::chart::meta::join(&path, "Chart.yaml")) {
        let req = ChartRender {
            dir: path,
            values_files: extra,
            sets: set_args(args),
            chart: crate::chart::Request {
                release_name: args.release_name.clone(),
                namespace: args.namespace.clone(),
                env_name: String::new(),
                kube_version: args.kube_version.clone(),
                variables,
            },
            profile: args.profile,
            strict: args.strict,
        };
        pipeline::render_chart(sandbox, &req)?
    } else {
        let env_files = args.env_files.iter().map(rel).collect::<Result<Vec<_>, _>>()?;
        let req = ComposeRender {
            load: LoadOptions {
                files: std::iter::once(path).chain(extra).collect(),
                env_files,
                profiles: args.compose_profiles.clone(),
                variables,
                project_name: None,
            },
            namespace: args.namespace.clone(),
            kube_version: args.kube_version.clone(),
            profile: args.profile,
            strict: args.strict,
        };
        pipeline::render_compose(sandbox, &req)?
    };
    report::warnings(&rendered.warnings);
    report::relaxations(&rendered.relaxations);
    match &args.output_dir {
        Some(dir) => emit::write_dir(dir, &rendered.objects, args.output)?,
        None => {
            let text = emit::to_text(&rendered.objects, args.output)?;
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
