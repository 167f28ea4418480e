//! `berth init --from-compose FILE DIR`: converts FILE, writes the chart and overlays of
//! `crate::init` into DIR, with the files FILE reads copied beside the chart, and checks
//! that the chart and the dev overlay render what FILE converts to. DIR is written all at
//! once (a temporary folder renamed into place), or not at all.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::compose::LoadOptions;
use crate::emit::{self, Format};
use crate::error::{Error, Warnings};
use crate::init::{self, File, Input};
use crate::manifest::Object;
use crate::manifest::parallel::Threads;
use crate::overlay;
use crate::pipeline::{self, ChartRender, ComposeRender, OverlayRender};
use crate::source::Sandbox;
use crate::validate::DEFAULT_KUBE_VERSION;

use super::report;

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The compose file to start from. Every file it reads (env files, configs, secrets,
    /// included files) must be in its folder or below; they are copied into the chart.
    #[arg(long = "from-compose", value_name = "FILE")]
    pub from_compose: PathBuf,
    /// The folder to write (charts/NAME and overlays/{dev,staging,prod}); it must be new
    /// or empty.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

pub fn run(args: InitArgs) -> u8 {
    match init(&args) {
        Ok(code) => code,
        Err((e, sandbox)) => report::error(&e, sandbox.as_ref()),
    }
}

type Failed = (Error, Option<Sandbox>);

fn usage(message: String, help: &str) -> Failed {
    (
        Error::Usage {
            message,
            help: Some(help.into()),
        },
        None,
    )
}

// The error travels once, to the report at the top: its size costs nothing here.
#[allow(clippy::result_large_err)]
fn init(args: &InitArgs) -> Result<u8, Failed> {
    let dir = &args.dir;
    if dir.exists() {
        let empty = std::fs::read_dir(dir).map(|mut d| d.next().is_none()).unwrap_or(false);
        if !empty {
            return Err(usage(
                format!("DIR {}: the folder is not empty", dir.display()),
                "name a new or empty folder: berth init never overwrites anything",
            ));
        }
    }
    let file = &args.from_compose;
    if !file.is_file() {
        let what = match file.exists() {
            true => "is a folder, not a compose file",
            false => "does not exist",
        };
        return Err(usage(
            format!("--from-compose {}: the path {what}", file.display()),
            "pass the compose file itself, e.g. --from-compose compose.yaml (relative to the current folder)",
        ));
    }
    let folder = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Rooted at the compose file's folder: the chart can hold only what lies below it.
    let sandbox = Sandbox::new(folder).map_err(|e| (e, None))?;
    let direct = match convert(&sandbox, &name) {
        Ok(d) => d,
        Err(e) => return Err((e, Some(sandbox))),
    };
    let generated = match generate(&sandbox, &name, &direct.objects) {
        Ok(g) => g,
        Err(e) => return Err((e, Some(sandbox))),
    };
    let expected = text(&direct.objects).map_err(|e| (e, None))?;
    let temp = write_temp(dir, &generated).map_err(|e| (e, None))?;
    let checked = check(&temp, &generated.chart, &expected);
    let committed = checked.and_then(|check| commit(&temp, dir).map(|()| check));
    let check = match committed {
        Ok(c) => c,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&temp);
            return Err((e, None));
        }
    };
    // What converting FILE warned about holds for the chart too: it renders the same.
    let mut notes = report::Notes::default();
    notes.add(None, &direct);
    notes.print();
    let mut out = String::new();
    for f in &generated.files {
        out.push_str(&format!("wrote {}\n", dir.join(&f.path).display()));
    }
    let n = direct.objects.len();
    match check {
        Check::Same => out.push_str(&format!(
            "{} and overlays/dev render the same {n} objects as {name}\n",
            generated.chart
        )),
        Check::Differs(why) => {
            eprintln!("warning: the chart does not render exactly what {name} converts to; please report it");
            eprint!("{why}");
        }
    }
    print!("{out}");
    Ok(0)
}

/// FILE converted, as `berth render FILE` converts it.
fn convert(sandbox: &Sandbox, name: &str) -> Result<pipeline::Rendered, Error> {
    let req = ComposeRender {
        load: load_options(name),
        namespace: None,
        kube_version: DEFAULT_KUBE_VERSION.into(),
        profile: Default::default(),
        strict: false,
    };
    pipeline::render_compose(sandbox, &req)
}

fn load_options(name: &str) -> LoadOptions {
    LoadOptions {
        files: vec![name.to_string()],
        ..LoadOptions::default()
    }
}

/// The tree to write: the generated chart and overlays, and every file converting FILE
/// read, copied into the chart folder at the same place relative to FILE.
struct Generated {
    chart: String,
    files: Vec<File>,
    copies: Vec<(String, std::sync::Arc<[u8]>)>,
}

fn generate(sandbox: &Sandbox, name: &str, objects: &[Object]) -> Result<Generated, Error> {
    let project = crate::compose::load(sandbox, &load_options(name), &mut Warnings::default())?;
    let namespace = objects
        .iter()
        .map(Object::namespace)
        .find(|n| !n.is_empty())
        .unwrap_or(project.name.as_str())
        .to_string();
    let text = sandbox.read(name, None)?.text()?.to_string();
    let input = Input {
        file: name,
        text: &text,
        project: &project.name,
        namespace: &namespace,
    };
    let files = init::generate(&input, name)?;
    let chart = init::chart_dir(&input);
    let mut copies = Vec::new();
    for read in sandbox.files_read().iter().filter(|f| f.as_ref() != name) {
        let first = read.split('/').next().unwrap_or("");
        let clash = if read.contains('/') {
            init::RESERVED_DIRS.contains(&first)
        } else {
            init::RESERVED.contains(&read.as_ref())
        };
        if clash {
            return Err(Error::input(
                None,
                format!("{name} reads `{read}`, which a chart keeps for its own use"),
                "rename the file (or move it out of `templates/` or `charts/`), then run berth init again",
            ));
        }
        let bytes = sandbox.read(read, None)?.bytes;
        copies.push((format!("{chart}/{read}"), bytes));
    }
    Ok(Generated { chart, files, copies })
}

fn text(objects: &[Object]) -> Result<String, Error> {
    emit::to_text(objects, Format::Yaml)
}

/// Writes the tree into a new folder beside `dir`, for `commit` to rename into place.
fn write_temp(dir: &Path, g: &Generated) -> Result<PathBuf, Error> {
    let failed = |what: &Path, e: std::io::Error| Error::Output {
        message: format!("cannot write {}: {e}", what.display()),
    };
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| failed(parent, e))?;
    let base = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "init".into());
    let temp = parent.join(format!(".{base}.berth-init-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&temp);
    let all = g
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.text.as_bytes()))
        .chain(g.copies.iter().map(|(p, b)| (p.as_str(), b.as_ref())));
    for (path, bytes) in all {
        let target = temp.join(path);
        let written = target
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&target, bytes));
        if let Err(e) = written {
            let _ = std::fs::remove_dir_all(&temp);
            return Err(failed(&target, e));
        }
    }
    Ok(temp)
}

/// Moves the written tree to `dir` (an empty `dir` is replaced).
fn commit(temp: &Path, dir: &Path) -> Result<(), Error> {
    if dir.exists() {
        std::fs::remove_dir(dir).map_err(|e| Error::Output {
            message: format!("cannot replace the empty folder {}: {e}", dir.display()),
        })?;
    }
    std::fs::rename(temp, dir).map_err(|e| Error::Output {
        message: format!("cannot move the new tree to {}: {e}", dir.display()),
    })
}

enum Check {
    Same,
    /// What differs, as `berth diff` prints it.
    Differs(String),
}

/// Renders the written chart (rooted at its own folder, as FILE was rooted at its) and
/// the dev overlay (rooted at the tree, beside the chart rendered there too) and compares.
fn check(temp: &Path, chart: &str, expected: &str) -> Result<Check, Error> {
    let chart_alone = {
        let sandbox = Sandbox::new(&temp.join(chart))?;
        pipeline::render_chart(&sandbox, &chart_request(""))?.objects
    };
    let sandbox = Sandbox::new(temp)?;
    let chart_in_tree = pipeline::render_chart(&sandbox, &chart_request(chart))?.objects;
    let dev = pipeline::render_overlay(
        &sandbox,
        &OverlayRender {
            dir: "overlays/dev".into(),
            overlay: overlay::Request {
                values_files: Vec::new(),
                sets: Vec::new(),
                release_name: None,
                namespace: None,
                kube_version: None,
                variables: Vec::new(),
                threads: Threads::ONE,
            },
            profile: None,
            strict: false,
        },
    )?
    .objects;
    let mut why = String::new();
    let values = |o: &[Object]| o.iter().map(|o| o.value.clone()).collect::<Vec<_>>();
    let opts = crate::diff::Options {
        kube_version: DEFAULT_KUBE_VERSION.into(),
        exact_namespaces: true,
    };
    if text(&chart_alone)? != expected {
        let direct = crate::yaml::parse_stream(&"direct".into(), expected, crate::yaml::Flavor::Manifest)?;
        let direct: Vec<_> = direct.into_iter().map(|d| d.value).collect();
        why.push_str(&crate::diff::diff(&direct, &values(&chart_alone), &opts).to_text());
    }
    if text(&dev)? != text(&chart_in_tree)? {
        why.push_str(&crate::diff::diff(&values(&chart_in_tree), &values(&dev), &opts).to_text());
    }
    Ok(if why.is_empty() {
        Check::Same
    } else {
        Check::Differs(why)
    })
}

fn chart_request(dir: &str) -> ChartRender {
    ChartRender {
        dir: dir.into(),
        values_files: Vec::new(),
        sets: Vec::new(),
        chart: crate::chart::Request {
            release_name: None,
            namespace: None,
            env_name: String::new(),
            kube_version: DEFAULT_KUBE_VERSION.into(),
            variables: Vec::new(),
        },
        profile: Default::default(),
        strict: false,
    }
}
