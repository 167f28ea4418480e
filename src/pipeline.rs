//! The render pipeline as one function per input kind: each stage's output is the next
//! stage's input, as in DESIGN.md section 3. The CLI calls these; tests can too.

use std::path::Path;

use crate::chart::{self, values};
use crate::compose::{self, LoadOptions};
use crate::convert::{self, ConvertOptions};
use crate::error::{Error, Warning, Warnings};
use crate::harden::{self, HardenOptions, Profile};
use crate::manifest::parallel::Threads;
use crate::manifest::{self, Object};
use crate::overlay;
use crate::source::Sandbox;
use crate::validate;

/// Everything a compose render needs besides the files.
#[derive(Debug, Clone)]
pub struct ComposeRender {
    pub load: LoadOptions,
    pub namespace: Option<String>,
    pub kube_version: String,
    pub profile: Profile,
    pub strict: bool,
}

/// The result of a render: objects in install order, the warnings (sorted), and every
/// relaxation the output carries (DESIGN.md section 6: none is invisible).
#[derive(Debug)]
pub struct Rendered {
    pub objects: Vec<Object>,
    pub warnings: Vec<Warning>,
    /// The policy warnings validation found in the output (no waiver relaxes them), as
    /// `berth validate` reports them for the same objects.
    pub findings: Vec<validate::Finding>,
    pub relaxations: Vec<Relaxation>,
}

/// One `berth.dev/waive` entry of an emitted object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relaxation {
    /// `Kind/namespace/name`.
    pub object: String,
    pub rule: String,
    pub reason: String,
}

impl std::fmt::Display for Relaxation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} waives {}: {}", self.object, self.rule, self.reason)
    }
}

/// The relaxations written on `objects`, read back from the annotation itself, so the
/// report and the output cannot disagree.
pub fn relaxations(objects: &[Object]) -> Vec<Relaxation> {
    objects
        .iter()
        .flat_map(|o| {
            let annotation = o
                .value
                .pointer("/metadata/annotations")
                .and_then(|a| a.get(manifest::WAIVE_ANNOTATION))
                .and_then(serde_json::Value::as_str)
                .unwrap_or("");
            manifest::waivers(annotation)
                .into_iter()
                .map(move |(rule, reason)| Relaxation {
                    object: o.id(),
                    rule: rule.to_string(),
                    reason: reason.to_string(),
                })
        })
        .collect()
}

/// Compose files to ordered, hardened, validated objects.
pub fn render_compose(sandbox: &Sandbox, req: &ComposeRender) -> Result<Rendered, Error> {
    // A wrong --kube-version is a usage error before any file is read.
    validate::resolve_kube_version(&req.kube_version)?;
    let mut warnings = Warnings::default();
    let project = compose::load(sandbox, &req.load, &mut warnings)?;
    let opts = ConvertOptions {
        namespace: req.namespace.clone(),
        kube_version: req.kube_version.clone(),
    };
    let objects = convert::convert(&project, sandbox, &opts, &mut warnings)?;
    finish(
        objects,
        warnings,
        &req.kube_version,
        req.profile,
        req.strict,
        Author::Berth,
        Threads::ONE,
        sandbox.tracing(),
    )
}

/// Everything a chart render needs besides the files.
#[derive(Debug, Clone)]
pub struct ChartRender {
    /// Root-relative chart folder.
    pub dir: String,
    /// Root-relative values files (`-f`), in order.
    pub values_files: Vec<String>,
    /// `--set`, `--set-string`, `--set-json`, `--set-file`, in command-line order.
    pub sets: Vec<values::SetArg>,
    pub chart: chart::Request,
    pub profile: Profile,
    pub strict: bool,
}

/// A chart folder to ordered, hardened, validated objects.
pub fn render_chart(sandbox: &Sandbox, req: &ChartRender) -> Result<Rendered, Error> {
    validate::resolve_kube_version(&req.chart.kube_version)?;
    let mut warnings = Warnings::default();
    let mut user = values::Values::default();
    for f in &req.values_files {
        user.merge(values::Values::load(sandbox, f, None)?);
    }
    values::apply_sets(&mut user, &req.sets, sandbox)?;
    let out = chart::render(sandbox, &req.dir, user, &req.chart, &mut warnings)?;
    finish(
        out.objects,
        warnings,
        &req.chart.kube_version,
        req.profile,
        req.strict,
        Author::User,
        Threads::ONE,
        sandbox.tracing(),
    )
}

/// Everything an overlay render needs besides the files.
#[derive(Debug, Clone)]
pub struct OverlayRender {
    /// Root-relative overlay folder.
    pub dir: String,
    pub overlay: overlay::Request,
    /// `--profile`; else the overlay's `policy.profile`; else restricted.
    pub profile: Option<Profile>,
    pub strict: bool,
}

/// An overlay folder to ordered, hardened, validated objects.
pub fn render_overlay(sandbox: &Sandbox, req: &OverlayRender) -> Result<Rendered, Error> {
    let mut warnings = Warnings::default();
    let out = overlay::render(sandbox, &req.dir, &req.overlay, &mut warnings)?;
    let profile = match (req.profile, &out.profile) {
        (Some(p), _) => p,
        (None, Some(name)) => <Profile as clap::ValueEnum>::from_str(name, false).unwrap_or_default(),
        (None, None) => Profile::default(),
    };
    finish(
        out.objects,
        warnings,
        &out.kube_version,
        profile,
        req.strict,
        Author::User,
        req.overlay.threads,
        sandbox.tracing(),
    )
}

/// Who wrote the objects a render validates: an invalid object berth converted is a bug
/// in berth; one a template wrote is the template's to fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Author {
    Berth,
    User,
}

/// The stages every input shares: harden, `--strict`, install order, validation.
/// `tracing`: record hardening's changes on the objects' traces (`berth explain`).
#[allow(clippy::too_many_arguments)]
fn finish(
    mut objects: Vec<Object>,
    mut warnings: Warnings,
    kube_version: &str,
    profile: Profile,
    strict: bool,
    author: Author,
    threads: Threads,
    tracing: bool,
) -> Result<Rendered, Error> {
    let kube_version = validate::resolve_kube_version(kube_version)?;
    crate::explain::begin(&mut objects, tracing, crate::explain::made_by_berth);
    let hopts = HardenOptions {
        profile,
        kube_version: kube_version.to_string(),
    };
    let changes = harden::harden_parallel(&mut objects, &hopts, threads, tracing, &mut warnings);
    crate::explain::hardened(&mut objects, tracing, &changes);
    let warnings = warnings.into_sorted();
    if strict && !warnings.is_empty() {
        return Err(Error::Strict(warnings));
    }
    manifest::order(&mut objects);
    let report = match author {
        Author::Berth => validate::validate_rendered(&objects, kube_version, profile, threads)?,
        Author::User => validate::validate_authored(&objects, kube_version, profile, threads)?,
    };
    // `--strict` fails on the policy warnings `berth validate --strict` fails on.
    let problems = if strict { report.problems(true) } else { Vec::new() };
    if !problems.is_empty() {
        let n = problems.len();
        return Err(Error::Invalid {
            summary: format!(
                "{n} policy warning{} {} errors under --strict; fix them or relax the rule with a reason (berth.dev/waive)",
                if n == 1 { "" } else { "s" },
                if n == 1 { "is" } else { "are" }
            ),
            problems,
        });
    }
    let findings = report
        .findings
        .into_iter()
        .filter(|f| f.waived.is_none() && f.severity == validate::Severity::Warn)
        .collect();
    let relaxations = relaxations(&objects);
    Ok(Rendered {
        objects,
        warnings,
        findings,
        relaxations,
    })
}

/// The project root of DESIGN.md promise 1: the nearest folder above `path` that holds
/// `.git`, else the folder of `path` (or `path` itself when it is a folder).
pub fn find_root(path: &Path) -> std::path::PathBuf {
    let start = if path.is_dir() {
        path.to_path_buf()
    } else {
        path.parent().unwrap_or(Path::new(".")).to_path_buf()
    };
    let start = if start.as_os_str().is_empty() {
        Path::new(".").to_path_buf()
    } else {
        start
    };
    let abs = start.canonicalize().unwrap_or_else(|_| start.clone());
    abs.ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
        .unwrap_or(abs)
}
