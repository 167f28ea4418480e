//! `berth validate`: schema, semantic and policy checks for manifests from any tool.
//!
//! The report is the command's output, so it goes to stdout in every format (pipe it to a
//! file for SARIF upload or JUnit); only problems that stop the run (an unreadable path, a
//! bad flag, a CRD that cannot be used) go to stderr, with exit code 2. Exit code 1 means
//! the manifests fail: an error finding, or a warning under `--strict`.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;

use crate::error::Error;
use crate::harden::Profile;
use crate::manifest::parallel::Threads;
use crate::source::{Origin, named};
use crate::validate::input::Manifests;
use crate::validate::report::{Format, Run};
use crate::validate::{self, CustomSchemas, DEFAULT_KUBE_VERSION, Options};

use super::report;

/// Extensions of the manifest files read from a folder.
const MANIFEST_EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

const AFTER_HELP: &str = "\
Exit codes:
  0  no error finding (warnings allowed, unless --strict)
  1  the manifests fail: an error finding, or a warning under --strict
  2  bad input or usage: an unreadable path, an unknown option, an unusable --crd

The report goes to stdout in every format; errors that stop the run go to stderr.
Waive a rule for one object with the annotation berth.dev/waive: \"RULE-ID=reason\".";

#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct ValidateArgs {
    /// Manifest files or folders (searched recursively for *.yaml, *.yml and *.json);
    /// `-` reads standard input.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Target Kubernetes minor version.
    #[arg(long, default_value = DEFAULT_KUBE_VERSION)]
    pub kube_version: String,
    /// Policy profile: restricted (every rule), baseline (no restricted-only rules), or
    /// none (schema and semantic checks only).
    #[arg(long, value_enum, default_value_t = Profile::Restricted)]
    pub profile: Profile,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Folder of JSON schemas for custom kinds, named GROUP/KIND_VERSION.json (repeatable).
    #[arg(long = "schema-dir", value_name = "DIR")]
    pub schema_dirs: Vec<PathBuf>,
    /// CustomResourceDefinition manifests (files or folders): their instances are checked
    /// against the CRD's openAPIV3Schema (repeatable).
    #[arg(long = "crd", value_name = "FILE_OR_DIR")]
    pub crds: Vec<PathBuf>,
    /// Warnings fail too (exit 1), unknown kinds included.
    #[arg(long)]
    pub strict: bool,
    /// Also show info findings.
    #[arg(short, long)]
    pub verbose: bool,
    /// Threads for the per-object checks; 1 starts no thread. The report is the same for
    /// every count. [default: the number of CPUs available]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
}

pub fn run(args: ValidateArgs) -> u8 {
    match validate(&args) {
        Ok(code) => code,
        Err(e) => report::error(&e, None),
    }
}

fn validate(args: &ValidateArgs) -> Result<u8, Error> {
    // A wrong --kube-version is a usage error before any file is read.
    validate::check_kube_version(&args.kube_version)?;
    let custom = custom_schemas(&args.crds, &args.schema_dirs)?;
    let mut manifests = Manifests::default();
    let mut sources: HashMap<Arc<str>, Arc<str>> = HashMap::new();
    for path in &args.paths {
        for file in files(path, MANIFEST_EXTENSIONS)? {
            let source = match &file {
                None => named::read_stdin()?,
                Some(p) => named::read(p)?,
            };
            match source.text() {
                Ok(text) => {
                    manifests.add_text(&source.name, text);
                    // Only the text format's snippets read these texts (secret values
                    // masked); copying a large input for the other formats costs time.
                    if args.format == Format::Text {
                        sources.insert(source.name.clone(), Arc::from(crate::redact::text(text)));
                    }
                }
                Err(e) => manifests.add_unreadable(&source.name, &e),
            }
        }
    }
    let opts = Options {
        custom: Some(&custom),
        threads: args
            .threads
            .and_then(|n| Threads::new(n.into()))
            .unwrap_or_else(Threads::available),
        // Info findings are shown only with --verbose; otherwise they are only counted.
        list_info: args.verbose,
        ..Options::new(&args.kube_version, args.profile)
    };
    let report = manifests.check(&opts)?;
    let run = Run {
        report: &report,
        objects: &manifests.objects,
        files: &manifests.files,
        sources: &sources,
        strict: args.strict,
        verbose: args.verbose,
    };
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    run.write_to(args.format, &mut stdout)
        .and_then(|()| stdout.flush())
        .map_err(|e| Error::Output {
            message: format!("cannot write to stdout: {e}"),
        })?;
    let code = if report.failed(args.strict) { 1 } else { 0 };
    // The process ends here: freeing every parsed object one by one would only cost time
    // (a tenth of the run on a large input).
    std::mem::forget(manifests);
    std::mem::forget(report);
    Ok(code)
}

/// The files a PATH argument names: stdin for `-` (as `None`), the file itself, or the
/// files below a folder.
fn files(path: &Path, extensions: &[&str]) -> Result<Vec<Option<PathBuf>>, Error> {
    if path.as_os_str() == "-" {
        return Ok(vec![None]);
    }
    if named::is_dir(path) {
        return Ok(named::files_below(path, extensions)?.into_iter().map(Some).collect());
    }
    Ok(vec![Some(path.to_path_buf())])
}

/// The custom schemas of `--crd` and `--schema-dir`; anything unusable there is an input
/// error (exit 2), since it would silently leave kinds unchecked.
fn custom_schemas(crds: &[PathBuf], schema_dirs: &[PathBuf]) -> Result<CustomSchemas, Error> {
    let mut custom = CustomSchemas::default();
    for path in crds {
        for file in files(path, MANIFEST_EXTENSIONS)? {
            let source = match &file {
                None => named::read_stdin()?,
                Some(p) => named::read(p)?,
            };
            let mut m = Manifests::default();
            m.add_text(&source.name, source.text()?);
            if let Some(f) = m.findings.first() {
                return Err(Error::input(
                    f.origin.clone(),
                    format!("--crd file does not parse: {}", f.message),
                    "pass CustomResourceDefinition manifests with --crd",
                ));
            }
            let mut crds = 0;
            for o in m.objects.iter().filter(|o| o.kind() == "CustomResourceDefinition") {
                custom.add_crd(&o.value, o.origin.as_ref())?;
                crds += 1;
            }
            // A file of other objects is a wrong path, not a file of zero CRDs.
            if let (0, Some(first)) = (crds, m.objects.first()) {
                return Err(Error::input(
                    first.origin.clone(),
                    format!(
                        "this --crd file holds no CustomResourceDefinition: its first object is a {}",
                        first.kind()
                    ),
                    "pass the CRD manifests with --crd (as `kubectl get crd NAME -o yaml` prints them), \
                     and the objects to check as PATH",
                ));
            }
        }
    }
    for dir in schema_dirs {
        if !named::is_dir(dir) {
            return Err(Error::Usage {
                message: format!("--schema-dir {} is not a folder", dir.display()),
                help: Some("pass a folder of JSON schemas named GROUP/KIND_VERSION.json".into()),
            });
        }
        for file in named::files_below(dir, &["json"])? {
            let source = named::read(&file)?;
            let relative = file.strip_prefix(dir).unwrap_or(&file);
            let name = named::display(relative);
            custom.add_schema_file(&name, source.text()?, &Origin::file(source.name.clone()))?;
        }
    }
    Ok(custom)
}
