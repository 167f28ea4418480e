//! Charts (DESIGN.md section 4.2): a folder with `Chart.yaml`, `values.yaml`, Jinja
//! templates and an optional templated `compose.yaml`, rendered to objects that then go
//! through the same harden, validate and emit stages as a compose file.
//!
//! The stages inside, each a module named after its job:
//!
//! ```text
//! meta (Chart.yaml) ─► values (merge, --set, provenance, schema) ─► template (environment,
//! helpers, files) ─► render (templates to text, text to objects located at template lines)
//! ```
//!
//! Nothing here reads a file except through the `Sandbox`, and no helper reads the
//! clock, the environment, the network or a random source.

pub mod files;
pub mod helpers;
mod lines;
pub mod meta;
mod render;
mod semver;
mod template;
pub mod values;

use minijinja::value::Serde;
use minijinja::{Value as Jinja, context};
use serde_json::{Value, json};

use crate::compose::{self, LoadOptions};
use crate::convert::{self, ConvertOptions};
use crate::error::{Error, Warnings};
use crate::manifest::{self, Object};
use crate::source::{Origin, Sandbox};
use meta::{Meta, join};
use template::Source;
use values::Values;

/// Subcharts nest at most this deep; deeper is surely a cycle the path check missed.
const MAX_DEPTH: usize = 16;

/// What a chart render needs besides the chart and its values.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// `--release-name`; default: the chart's name.
    pub release_name: Option<String>,
    /// `--namespace`; default: the release name.
    pub namespace: Option<String>,
    /// The overlay's name (`env` in templates), or empty.
    pub env_name: String,
    /// Target Kubernetes minor version (`"1.35"`).
    pub kube_version: String,
    /// Interpolation variables for a chart's `compose.yaml`.
    pub variables: Vec<(String, String)>,
}

/// The release a chart is rendered as.
#[derive(Debug, Clone)]
pub struct Release {
    pub name: String,
    pub namespace: String,
}

/// A rendered chart: its objects (unordered, namespaced) and its release.
#[derive(Debug)]
pub struct Output {
    pub objects: Vec<Object>,
    pub release: Release,
}

/// Renders the chart in root-relative folder `dir` with `user` values (overlay values,
/// `-f` files and `--set` flags, already merged) over its defaults.
pub fn render(
    sandbox: &Sandbox,
    dir: &str,
    user: Values,
    req: &Request,
    warnings: &mut Warnings,
) -> Result<Output, Error> {
    let meta = meta::load(sandbox, dir)?;
    meta.check_kube_version(&req.kube_version)?;
    if meta.library {
        return Err(Error::input(
            Some(meta.spans.origin("/type")),
            format!(
                "chart `{}` is a library chart: it offers macros and renders nothing",
                meta.name
            ),
            "render an application chart that lists it under `dependencies`",
        ));
    }
    let name = req.release_name.clone().unwrap_or_else(|| meta.name.clone());
    let release = Release {
        namespace: req.namespace.clone().unwrap_or_else(|| name.clone()),
        name,
    };
    let ctx = Ctx {
        sandbox,
        req,
        release: &release,
    };
    let mut stack = Vec::new();
    // minijinja recurses on the stack; a thread with room keeps deep templates from
    // overflowing a small caller stack (the error for runaway recursion is minijinja's).
    let rendered = std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn_scoped(s, || {
                let mut w = Warnings::default();
                ctx.chart(meta, user, &mut stack, &mut w)
                    .map(|(objects, _)| (objects, w))
            })
            .map_err(|e| Error::Usage {
                message: format!("cannot start the template thread: {e}"),
                help: None,
            })?
            .join()
            .map_err(|_| Error::Usage {
                message: "internal error: chart rendering panicked; please report it with the chart".into(),
                help: None,
            })?
    });
    let (mut objects, w) = rendered?;
    warnings.extend(w);
    manifest::default_namespace(&mut objects, &release.namespace);
    let namespaced = crate::explain::Step::new(crate::explain::Stage::Berth, "the release's namespace", None);
    crate::explain::step(&mut objects, sandbox.tracing(), &namespaced, &|_, _| None);
    let has_ns = objects
        .iter()
        .any(|o| o.kind() == "Namespace" && o.name() == release.namespace);
    if !has_ns && !manifest::SYSTEM_NAMESPACES.contains(&release.namespace.as_str()) {
        objects.push(Object::new(
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": release.namespace}}),
            Some(Origin::file(join(dir, "Chart.yaml"))),
        ));
    }
    Ok(Output { objects, release })
}

struct Ctx<'a> {
    sandbox: &'a Sandbox,
    req: &'a Request,
    release: &'a Release,
}

impl Ctx<'_> {
    /// Renders one chart and its enabled dependencies; returns the objects and the
    /// chart's templates (which its parent can import under the dependency's key).
    fn chart(
        &self,
        meta: Meta,
        user: Values,
        stack: &mut Vec<String>,
        warnings: &mut Warnings,
    ) -> Result<(Vec<Object>, Vec<Source>), Error> {
        stack.push(meta.dir.clone());
        let values = self.values(&meta, user)?;
        let mut objects = Vec::new();
        let mut deps = Vec::new();
        for (i, dep) in meta.dependencies.iter().enumerate() {
            if !enabled(dep, &values) {
                continue;
            }
            let dir = meta.dependency_dir(self.sandbox, dep)?;
            if stack.contains(&dir) || stack.len() >= MAX_DEPTH {
                let shown = |d: &str| if d.is_empty() { ".".to_string() } else { d.to_string() };
                let chain: Vec<String> = stack.iter().map(|d| shown(d)).chain([shown(&dir)]).collect();
                return Err(Error::input(
                    dep.origin.clone(),
                    format!("dependency cycle: {}", chain.join(" → ")),
                    "a chart cannot depend on itself, directly or through its dependencies",
                ));
            }
            let sub = meta::load(self.sandbox, &dir)?;
            meta.check_dependency_version(i, dep, &sub.version)?;
            sub.check_kube_version(&self.req.kube_version)?;
            let library = sub.library;
            let (objs, templates) = self.chart(sub, values.for_subchart(dep.key()), stack, warnings)?;
            if !library {
                objects.extend(objs);
            }
            deps.push((dep.key().to_string(), templates));
        }
        let own = template::read_templates(self.sandbox, &meta.dir)?;
        if !meta.library {
            let templates = template::environment(&own, &deps)?;
            let files = files::Files::load(self.sandbox, &meta.dir)?;
            let ctx = self.context(&meta, &values, files);
            for src in own.iter().filter(|s| s.is_rendered()) {
                let text = render::text(&templates, &src.name, &ctx, &values)?;
                let traced = self.sandbox.tracing().then_some(&values);
                objects.extend(render::objects(src, &text, traced)?);
            }
            objects.extend(self.compose(&meta, &values, &ctx, &own, &deps, warnings)?);
        }
        stack.pop();
        Ok((objects, own))
    }

    /// The chart's defaults, the user's values over them, checked by the chart's schema.
    fn values(&self, meta: &Meta, user: Values) -> Result<Values, Error> {
        let file = join(&meta.dir, "values.yaml");
        let mut values = if self.sandbox.exists(&file) {
            Values::load(self.sandbox, &file, None)?
        } else {
            Values::default()
        };
        values.merge(user);
        let schema = join(&meta.dir, "values.schema.json");
        if self.sandbox.exists(&schema) {
            values::check_schema(&values, self.sandbox, &schema)?;
        }
        Ok(values)
    }

    fn context(&self, meta: &Meta, values: &Values, files: files::Files) -> Jinja {
        let kube = &self.req.kube_version;
        let minor = kube.split('.').nth(1).unwrap_or("");
        context! {
            values => Jinja::from(Serde(&values.tree)),
            chart => Jinja::from(Serde(&meta.raw)),
            release => context! { name => &self.release.name, namespace => &self.release.namespace },
            env => &self.req.env_name,
            capabilities => context! {
                kube_version => context! { version => format!("v{kube}.0"), major => "1", minor => minor },
                api_versions => crate::validate::api_versions(kube),
            },
            files => files.into_value(),
        }
    }

    /// A chart's `compose.yaml`: rendered as a template, then loaded and converted exactly
    /// as a plain compose file (the rendered text stands in for the file).
    fn compose(
        &self,
        meta: &Meta,
        values: &Values,
        ctx: &Jinja,
        own: &[Source],
        deps: &[(String, Vec<Source>)],
        warnings: &mut Warnings,
    ) -> Result<Vec<Object>, Error> {
        let file = join(&meta.dir, "compose.yaml");
        if !self.sandbox.exists(&file) {
            return Ok(Vec::new());
        }
        let text = self.sandbox.read(&file, None)?.text()?.to_string();
        let mut with_compose = own.to_vec();
        with_compose.push(Source {
            name: "../compose.yaml".into(),
            file: file.clone(),
            text,
        });
        let templates = template::environment(&with_compose, deps)?;
        let rendered = render::text(&templates, "../compose.yaml", ctx, values)?;
        let sandbox = self.sandbox.with_substitute(&file, rendered);
        let load = LoadOptions {
            files: vec![file],
            env_files: Vec::new(),
            profiles: Vec::new(),
            variables: self.req.variables.clone(),
            project_name: Some(self.release.name.clone()),
        };
        let project = compose::load(&sandbox, &load, warnings)?;
        let opts = ConvertOptions {
            namespace: Some(self.release.namespace.clone()),
            kube_version: self.req.kube_version.clone(),
        };
        convert::convert(&project, &sandbox, &opts, warnings)
    }
}

/// Helm's rules: `enabled: false` disables; else the first `condition` path that holds a
/// boolean decides; else `tags` (enabled when any listed tag is true, disabled when all
/// listed tags are false); else enabled.
fn enabled(dep: &meta::Dependency, values: &Values) -> bool {
    if dep.enabled == Some(false) {
        return false;
    }
    let at = |path: &str| {
        let pointer: String = path
            .split('.')
            .map(|p| format!("/{}", crate::yaml::pointer_segment(p)))
            .collect();
        values.tree.pointer(&pointer).and_then(Value::as_bool)
    };
    if let Some(decided) = dep
        .condition
        .iter()
        .flat_map(|c| c.split(','))
        .find_map(|p| at(p.trim()))
    {
        return decided;
    }
    let tags: Vec<bool> = dep.tags.iter().filter_map(|t| at(&format!("tags.{t}"))).collect();
    tags.is_empty() || tags.iter().any(|t| *t)
}
