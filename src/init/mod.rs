//! `berth init --from-compose`: a compose file turned into an editable chart and three
//! overlays, so a team can leave compose behind without a rewrite.
//!
//! The chart is the compose file itself, as a template: berth charts may hold a
//! `compose.yaml` rendered with the chart's values, then converted as a compose file
//! (book: charts). The fields a team tunes per environment (images and tags, replicas,
//! resources, environment, ports, storage sizes) move into `values.yaml`, and the
//! template reads them back where they were. Rendering the chart with its defaults gives
//! the compose document berth read, so the chart converts to the same objects by
//! construction; `cli::init` checks it before anything is written.
//!
//! Everything here is a pure function of the compose text and what loading it told:
//! the CLI reads, checks and writes.

use serde_json::{Map, Value, json};

use crate::error::Error;
use crate::source::Origin;

/// What `berth init` knows of the compose file.
#[derive(Debug, Clone)]
pub struct Input<'a> {
    /// Root-relative name of the compose file (for errors).
    pub file: &'a str,
    /// The text of the compose file.
    pub text: &'a str,
    /// The compose project name as berth loads it.
    pub project: &'a str,
    /// The namespace converting the file puts objects in; the chart is named after it,
    /// so the chart rendered alone lands in the same namespace.
    pub namespace: &'a str,
}

/// One file of the tree `berth init` writes, by path relative to the target folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub path: String,
    pub text: String,
}

/// Names a chart's own files use: a file the compose file reads cannot be copied there.
pub const RESERVED: &[&str] = &["Chart.yaml", "values.yaml", "values.schema.json", "compose.yaml"];
/// Folders a chart reads by convention (templates are rendered, charts are subcharts).
pub const RESERVED_DIRS: &[&str] = &["templates", "charts"];

/// The folder of the chart in the tree.
pub fn chart_dir(input: &Input) -> String {
    format!("charts/{}", input.namespace)
}

/// The chart and overlays for `input`: `charts/<name>/{Chart.yaml, values.yaml,
/// values.schema.json, compose.yaml}` and `overlays/{dev,staging,prod}/overlay.yaml` (and
/// prod's values). `label` names the compose file in comments.
pub fn generate(input: &Input, label: &str) -> Result<Vec<File>, Error> {
    let origin = || Some(Origin::file(input.file));
    // compose's tags as the loader reads them: `!reset []` is a reset (null), and
    // `!override` a plain value; the null and the value then say the same untagged.
    let text = crate::compose::rewrite_tags(input.file, input.text, &mut Default::default());
    let parsed = crate::yaml::parse_one(&input.file.into(), &text, crate::yaml::Flavor::Compose)?;
    let Value::Object(mut doc) = parsed.value else {
        return Err(Error::input(
            origin(),
            "a compose file must be a mapping",
            "start the file with `services:`",
        ));
    };
    // The project name as berth loaded it, written down: in a chart the release name
    // would stand in for a missing one, and the folder's name is gone.
    if !doc.contains_key("name") {
        let mut named = Map::new();
        named.insert("name".into(), Value::String(input.project.to_string()));
        named.extend(doc);
        doc = named;
    }
    let mut holes = Holes::new(input.text);
    let mut doc = Value::Object(doc);
    let values = holes.cut(&mut doc);
    let compose = holes.fill(&escape_jinja(&crate::yaml::emit(&doc)?));
    let chart = chart_dir(input);
    let name = input.namespace;
    let mut files = vec![
        File {
            path: format!("{chart}/Chart.yaml"),
            text: format!(
                "# The {name} chart, written by `berth init` from {label}. Its compose.yaml is that\n\
                 # file as a template; values.yaml holds what changes per environment.\n{}",
                crate::yaml::emit(&json!({
                    "apiVersion": "v2",
                    "name": name,
                    "version": "0.1.0",
                    "description": format!("{} (from the compose file {label})", input.project),
                }))?
            ),
        },
        File {
            path: format!("{chart}/values.yaml"),
            text: format!(
                "# Defaults of the {name} chart: with them it renders what {label} converts to.\n\
                 # Per service: the image (repository and tag), and where the compose file sets\n\
                 # them, replicas, resources, environment and ports; per volume, the storage size.\n\
                 # Change them here, in an overlay (`values:` or `set:`), or with --set.\n{}",
                crate::yaml::emit(&values)?
            ),
        },
        File {
            path: format!("{chart}/values.schema.json"),
            text: pretty(&schema(&values))?,
        },
        File {
            path: format!("{chart}/compose.yaml"),
            text: format!(
                "# {label} as a template of the {name} chart, written by `berth init`. Each value in\n\
                 # double braces comes from values.yaml, an overlay or --set; the rest is the compose\n\
                 # file as berth read it (anchors expanded, comments not kept). Edit it freely.\n{compose}"
            ),
        },
    ];
    files.extend(overlays(input, &chart, &values, &holes.stateful)?);
    Ok(files)
}

/// `overlays/dev` renders the chart as it is; `staging` and `prod` move it to their own
/// namespace and label it, and prod runs at least two replicas of each stateless service
/// that sets its replicas.
fn overlays(input: &Input, chart: &str, values: &Value, stateful: &[String]) -> Result<Vec<File>, Error> {
    let name = input.namespace;
    let ns = |suffix: &str| {
        let keep = 63usize.saturating_sub(suffix.len() + 1);
        let head: String = name.chars().take(keep).collect();
        format!("{}-{suffix}", head.trim_end_matches('-'))
    };
    let base = format!("../../{chart}");
    let mut out = vec![File {
        path: "overlays/dev/overlay.yaml".into(),
        text: format!(
            "# dev: the chart with its defaults, in the namespace the compose file converts to; it\n\
             # renders the same objects as `berth render charts/{name}`.\n\
             base: {base}\nrelease:\n  name: {name}\n  namespace: {name}\n"
        ),
    }];
    out.push(File {
        path: "overlays/staging/overlay.yaml".into(),
        text: format!(
            "# staging: the chart in a namespace of its own, every object labelled. Size it with\n\
             # `set:` or `values: [values.yaml]` (a file beside this one).\n\
             base: {base}\nrelease:\n  name: {name}\n  namespace: {}\nlabels:\n  environment: staging\n",
            ns("staging")
        ),
    });
    let scaled = prod_values(values, stateful);
    let mut prod = format!(
        "# prod: the chart in a namespace of its own, every object labelled{}.\n\
         base: {base}\nrelease:\n  name: {name}\n  namespace: {}\nlabels:\n  environment: prod\n",
        if scaled.is_some() {
            ", with the values of\n# values.yaml over the chart's"
        } else {
            ""
        },
        ns("prod")
    );
    if let Some(scaled) = scaled {
        prod.push_str("values: [values.yaml]\n");
        out.push(File {
            path: "overlays/prod/values.yaml".into(),
            text: format!(
                "# Production values, over the chart's: two replicas at least of each service that\n\
                 # sets its replicas and mounts no volume.\n{}",
                crate::yaml::emit(&scaled)?
            ),
        });
    }
    out.insert(
        2,
        File {
            path: "overlays/prod/overlay.yaml".into(),
            text: prod,
        },
    );
    Ok(out)
}

/// `services.<name>.replicas: 2` for each service whose integer replicas are below 2 and
/// that has no `volumes` (scaling a service that owns a volume changes what it is).
fn prod_values(values: &Value, stateful: &[String]) -> Option<Value> {
    let services = values.get("services")?.as_object()?;
    let scaled: Map<String, Value> = services
        .iter()
        .filter(|(name, _)| !stateful.contains(name))
        .filter_map(|(name, v)| {
            let r = v.get("replicas")?.as_u64()?;
            (r < 2).then(|| (name.clone(), json!({"replicas": 2})))
        })
        .collect();
    (!scaled.is_empty()).then(|| json!({"services": scaled}))
}

fn pretty(v: &Value) -> Result<String, Error> {
    serde_json::to_string_pretty(v)
        .map(|t| t + "\n")
        .map_err(|e| Error::Output {
            message: format!("cannot write JSON: {e}"),
        })
}

/// Values cut out of the compose document, each replaced by a placeholder string that
/// `fill` turns into the template expression reading it back.
struct Holes {
    /// Starts every placeholder; chosen so that the compose text does not contain it.
    prefix: String,
    exprs: Vec<String>,
    /// Services that mount volumes (not scaled in prod).
    stateful: Vec<String>,
}

impl Holes {
    fn new(text: &str) -> Self {
        let mut prefix = "__berth_value_".to_string();
        while text.contains(&prefix) {
            prefix.insert(0, '_');
        }
        Holes {
            prefix,
            exprs: Vec::new(),
            stateful: Vec::new(),
        }
    }

    /// A placeholder for the template expression `expr` (a value printed as JSON, which is
    /// YAML too, so every type and string survives).
    fn hole(&mut self, expr: String) -> Value {
        let v = Value::String(format!("{}{}__", self.prefix, self.exprs.len()));
        self.exprs.push(expr);
        v
    }

    /// Moves `slot`'s value into `into[key]`, reading it back from `values.<path>.<key>`.
    fn take(&mut self, slot: &mut Value, into: &mut Map<String, Value>, path: &str, key: &str) {
        into.insert(key.to_string(), slot.take());
        *slot = self.hole(format!("{path}.{key} | tojson"));
    }

    /// Cuts the tunable fields out of `doc` and returns the values they make.
    fn cut(&mut self, doc: &mut Value) -> Value {
        let mut services_values = Map::new();
        for (name, svc) in doc
            .get_mut("services")
            .and_then(Value::as_object_mut)
            .into_iter()
            .flatten()
        {
            let Some(svc) = svc.as_object_mut() else { continue };
            let path = format!("values.services{}", jinja_key(name));
            let mut mine = Map::new();
            if let Some(Value::String(image)) = svc.get("image") {
                let (repository, tag) = split_image(image);
                mine.insert("image".into(), json!({"repository": repository, "tag": tag}));
                // An empty tag is left out: `nginx`, not `nginx:`.
                let expr = format!("[{path}.image.repository, {path}.image.tag] | select | join(\":\") | tojson");
                let hole = self.hole(expr);
                svc.insert("image".into(), hole);
            }
            let in_deploy = svc.get("deploy").and_then(|d| d.get("replicas")).is_some();
            if in_deploy {
                if let Some(slot) = svc.get_mut("deploy").and_then(|d| d.get_mut("replicas")) {
                    self.take(slot, &mut mine, &path, "replicas");
                }
            } else if let Some(slot) = svc.get_mut("scale") {
                self.take(slot, &mut mine, &path, "replicas");
            }
            if let Some(slot) = svc.get_mut("deploy").and_then(|d| d.get_mut("resources")) {
                self.take(slot, &mut mine, &path, "resources");
            }
            for key in ["environment", "ports"] {
                if let Some(slot) = svc.get_mut(key) {
                    self.take(slot, &mut mine, &path, key);
                }
            }
            if svc
                .get("volumes")
                .is_some_and(|v| v.as_array().is_some_and(|a| !a.is_empty()))
            {
                self.stateful.push(name.clone());
            }
            if !mine.is_empty() {
                services_values.insert(name.clone(), Value::Object(mine));
            }
        }
        let mut storage = Map::new();
        for (name, vol) in doc
            .get_mut("volumes")
            .and_then(Value::as_object_mut)
            .into_iter()
            .flatten()
        {
            if let Some(slot) = vol.pointer_mut("/x-berth/size") {
                let hole = self.hole(format!("values.storage{} | tojson", jinja_key(name)));
                storage.insert(name.clone(), std::mem::replace(slot, hole));
            }
        }
        let mut values = Map::new();
        if !services_values.is_empty() {
            values.insert("services".into(), Value::Object(services_values));
        }
        if !storage.is_empty() {
            values.insert("storage".into(), Value::Object(storage));
        }
        Value::Object(values)
    }

    /// The emitted text with each placeholder (plain, or quoted if the emitter quoted it)
    /// replaced by its expression.
    fn fill(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (i, expr) in self.exprs.iter().enumerate().rev() {
            let hole = format!("{}{i}__", self.prefix);
            let with = format!("{{{{ {expr} }}}}");
            for quoted in [format!("\"{hole}\""), format!("'{hole}'"), hole.clone()] {
                out = out.replace(&quoted, &with);
            }
        }
        out
    }
}

/// `.web` for a key that reads as a plain name in a template, else `["odd-name"]`.
fn jinja_key(key: &str) -> String {
    const WORDS: &[&str] = &[
        "true", "false", "none", "True", "False", "None", "and", "or", "not", "in", "is", "if", "else",
    ];
    let mut chars = key.chars();
    let plain = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !WORDS.contains(&key);
    if plain {
        format!(".{key}")
    } else {
        format!("[{}]", Value::String(key.to_string()))
    }
}

/// `nginx:1.27` → (`nginx`, `1.27`); `registry:5000/app` → (`registry:5000/app`, ``). An
/// image with a digest or an interpolation stays whole in `repository`.
fn split_image(image: &str) -> (String, String) {
    let whole = || (image.to_string(), String::new());
    if image.contains('$') || image.contains('@') {
        return whole();
    }
    let name_at = image.rfind('/').map_or(0, |i| i + 1);
    match image.get(name_at..).and_then(|n| n.rfind(':')) {
        Some(i) => {
            let (repo, tag) = (image.get(..name_at + i), image.get(name_at + i + 1..));
            match (repo, tag) {
                (Some(r), Some(t)) if !r.is_empty() && !t.is_empty() => (r.to_string(), t.to_string()),
                _ => whole(),
            }
        }
        None => whole(),
    }
}

/// The text with every `{{`, `{%` and `{#` written as a template expression printing it,
/// so the compose file's own braces (Go templates in labels, `${#VAR}`) survive rendering.
fn escape_jinja(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('{') {
        let (head, tail) = rest.split_at(i);
        out.push_str(head);
        match tail.get(..2) {
            Some(pair @ ("{{" | "{%" | "{#")) => {
                out.push_str(&format!("{{{{ \"{pair}\" }}}}"));
                rest = tail.get(2..).unwrap_or("");
            }
            _ => {
                out.push('{');
                rest = tail.get(1..).unwrap_or("");
            }
        }
    }
    out.push_str(rest);
    out
}

/// The JSON type name of a value, for the schema.
fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `values.schema.json`: every value `generate` wrote, typed, and no other key (a typo in
/// an overlay's values fails the render instead of being ignored).
pub fn schema(values: &Value) -> Value {
    let closed = |props: Map<String, Value>| {
        let required: Vec<&String> = props.keys().collect();
        json!({"type": "object", "additionalProperties": false, "required": required, "properties": props})
    };
    let mut top = Map::new();
    if let Some(services) = values.get("services").and_then(Value::as_object) {
        let mut each = Map::new();
        for (name, svc) in services {
            let mut props = Map::new();
            for (key, v) in svc.as_object().into_iter().flatten() {
                let s = match key.as_str() {
                    "image" => json!({
                        "description": "The image: repository, and tag (empty for none)",
                        "type": "object",
                        "additionalProperties": false,
                        "required": ["repository", "tag"],
                        "properties": {"repository": {"type": "string", "minLength": 1}, "tag": {"type": "string"}},
                    }),
                    "replicas" if v.is_u64() => json!({"type": "integer", "minimum": 0}),
                    _ => json!({"type": type_of(v)}),
                };
                props.insert(key.clone(), s);
            }
            each.insert(name.clone(), closed(props));
        }
        top.insert("services".into(), closed(each));
    }
    if let Some(storage) = values.get("storage").and_then(Value::as_object) {
        let props = storage
            .iter()
            .map(|(k, v)| (k.clone(), json!({"type": type_of(v)})))
            .collect();
        top.insert("storage".into(), closed(props));
    }
    let mut schema = json!({"$schema": "https://json-schema.org/draft/2020-12/schema"});
    if let (Some(m), Value::Object(t)) = (schema.as_object_mut(), closed(top)) {
        m.extend(t);
    }
    schema
}

#[cfg(test)]
mod tests;
