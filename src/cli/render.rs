//! `berth render`: compose file to manifests on stdout or in `--output-dir`.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use crate::compose::LoadOptions;
use crate::emit::{self, Format};
use crate::error::Error;
use crate::harden::Profile;
use crate::pipeline::{self, ComposeRender};
use crate::source::Sandbox;
use crate::validate::DEFAULT_KUBE_VERSION;

use super::report;

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// A compose file, or a folder holding compose.yaml (or compose.yml,
    /// docker-compose.yaml, docker-compose.yml).
    pub path: PathBuf,
    /// More compose files, merged over PATH in order (as docker compose -f).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub files: Vec<PathBuf>,
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
    /// Namespace for every object (default: the compose project name).
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
    let mut files = vec![rel(&args.path)?];
    for f in &args.files {
        files.push(rel(f)?);
    }
    let env_files = args.env_files.iter().map(rel).collect::<Result<Vec<_>, _>>()?;
    let req = ComposeRender {
        load: LoadOptions {
            files,
            env_files,
            profiles: args.compose_profiles.clone(),
            variables: named_variables(&args.env_vars, &args.env_prefixes),
            project_name: None,
        },
        namespace: args.namespace.clone(),
        kube_version: args.kube_version.clone(),
        profile: args.profile,
        strict: args.strict,
    };
    let rendered = pipeline::render_compose(sandbox, &req)?;
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
