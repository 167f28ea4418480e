//! `berth render`: a compose file or a chart to manifests on stdout or in `--output-dir`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Instant;

use clap::Args;

use crate::chart::meta::join;
use crate::emit::{self, Format};
use crate::error::Error;
use crate::manifest::parallel::Threads;
use crate::pipeline::Rendered;
use crate::source::Sandbox;
use crate::validate::DEFAULT_KUBE_VERSION;

use super::inputs::{InputArgs, environments, rel, render_path};
use super::progress;
use super::report::{self, Notes, Subject};

#[derive(Debug, Args)]
pub struct RenderArgs {
    #[command(flatten)]
    pub input: InputArgs,
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
    /// Threads for per-object work (reading manifests, patches, hardening, output); a
    /// manifests folder is read with four reads in flight per thread; 1 starts no thread.
    /// The output is the same for every count. [default: the number of CPUs available]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
}

pub fn run(args: RenderArgs) -> u8 {
    let start = Instant::now();
    let sandbox = match args.input.sandbox() {
        Ok(s) => s,
        Err(e) => return report::error(&e, None),
    };
    match render(&sandbox, &args, start) {
        Ok(code) => code,
        Err(e) => report::error(&e, Some(&sandbox)),
    }
}

fn render(sandbox: &Sandbox, args: &RenderArgs, start: Instant) -> Result<u8, Error> {
    let path = rel(sandbox, &args.input.path)?;
    let envs = environments(sandbox, &args.input, &path)?;
    let threads = args
        .threads
        .and_then(|n| Threads::new(n.into()))
        .unwrap_or_else(Threads::available);
    if threads.get() > 1 {
        // An overlay may name another version; then this only warmed a cache unused.
        crate::validate::warm_up(args.input.kube_version.as_deref().unwrap_or(DEFAULT_KUBE_VERSION));
    }
    let verb = if args.check { "checked" } else { "rendered" };
    // One environment without --output-dir is `render PATH/ENV`: to stdout.
    if let ([], _) | ([_], None) = (envs.as_slice(), &args.output_dir) {
        let shown = args.input.path.display().to_string();
        let (one, subject) = match envs.first() {
            Some(env) => (join(&path, env), Subject::Env(env)),
            None => (path, Subject::Path(&shown)),
        };
        return render_one(sandbox, args, one, &subject, (threads, verb, start));
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
    let style = report::style();
    let show_progress = style.terminal && !style.quiet && envs.len() > 1;
    let results: Vec<Result<Rendered, Error>> =
        progress::run(show_progress, envs.len(), progress::DELAY, std::io::stderr(), |done| {
            std::thread::scope(|s| {
                let handles: Vec<_> = envs
                    .iter()
                    .map(|env| {
                        s.spawn(move || {
                            let r = render_path(sandbox, &args.input, join(path, env), args.strict, each);
                            done.fetch_add(1, Ordering::Relaxed);
                            r
                        })
                    })
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
            })
        });
    let mut rendered = Vec::new();
    let mut notes = Notes::default();
    for (env, r) in envs.iter().zip(results) {
        match r {
            Ok(r) => {
                notes.add(Some(env), &r);
                rendered.push((env, r));
            }
            Err(e) => {
                // What the environments before it said still shows, then the error.
                notes.print();
                return Err(e);
            }
        }
    }
    notes.print();
    if let Some(out) = args.output_dir.as_deref() {
        // All environments are written as one: a failure leaves every folder as it was.
        let dirs: Vec<_> = rendered.iter().map(|(env, _)| out.join(env.as_str())).collect();
        let outputs: Vec<_> = dirs
            .iter()
            .zip(&rendered)
            .map(|(dir, (_, r))| (dir.as_path(), r.objects.as_slice()))
            .collect();
        emit::write_dirs_parallel(&outputs, args.output, threads)?;
    }
    let objects = rendered.iter().map(|(_, r)| r.objects.len()).sum();
    let subject = match envs.as_slice() {
        [one] => Subject::Env(one),
        all => Subject::Envs(all),
    };
    report::print_summary(&report::summary(verb, objects, &subject, &notes, start.elapsed()));
    Ok(0)
}

/// Renders one compose file, chart or overlay to stdout or `--output-dir`; the last
/// argument is the threads, the summary's verb and the start time.
fn render_one(
    sandbox: &Sandbox,
    args: &RenderArgs,
    path: String,
    subject: &Subject,
    (threads, verb, start): (Threads, &str, Instant),
) -> Result<u8, Error> {
    let rendered = render_path(sandbox, &args.input, path, args.strict, threads)?;
    let mut notes = Notes::default();
    notes.add(None, &rendered);
    notes.print();
    if !args.check {
        write(args, &rendered, args.output_dir.as_deref(), threads)?;
    }
    let line = report::summary(verb, rendered.objects.len(), subject, &notes, start.elapsed());
    report::print_summary(&line);
    // The process ends next: freeing every map of thousands of objects one by one
    // would cost about a twentieth of the render, for memory the exit returns anyway.
    std::mem::forget(rendered);
    Ok(0)
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
