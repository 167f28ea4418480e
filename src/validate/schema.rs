//! Strict Kubernetes schemas, embedded per minor version and compiled on demand.
//!
//! Each supported version ships one `_definitions.json` (vendored by
//! `scripts/vendor_schemas.py`, about 0.5 MB). Start-up time matters more than anything
//! here (every `berth render` validates its output), so nothing is parsed up front: the
//! first use of a version only splits the file into its definitions (a scan that builds
//! no JSON values) and reads their group-version-kinds. A kind's validator, built on its
//! first use and cached for the life of the process, parses just the definitions its
//! schema reaches through `$ref` (a Deployment reaches 120 of the 735) and registers them
//! in an offline `jsonschema` registry of its own. Compiling costs milliseconds,
//! validating a compiled schema microseconds, so a run of any size compiles each kind once.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use jsonschema::error::ValidationErrorKind;
use jsonschema::{Registry, Validator};
use serde_json::{Map, Value, json};

use super::KUBE_VERSIONS;
use super::screen::Screen;
use crate::error::Problem;
use crate::manifest::Object;

/// The `$id` every vendored `_definitions.json` declares; kind schemas refer into it.
const DEFINITIONS_URI: &str = "https://kubernetes.io/api/_definitions.json";

/// How definitions refer to each other (`"$ref": "#/$defs/NAME"`).
const LOCAL_REF: &str = "\"#/$defs/";

/// The vendored text per version, in the order of `KUBE_VERSIONS`.
const EMBEDDED: [&str; 5] = [
    include_str!("../../schemas/kubernetes/v1.33/_definitions.json"),
    include_str!("../../schemas/kubernetes/v1.34/_definitions.json"),
    include_str!("../../schemas/kubernetes/v1.35/_definitions.json"),
    include_str!("../../schemas/kubernetes/v1.36/_definitions.json"),
    include_str!("../../schemas/kubernetes/v1.37/_definitions.json"),
];

/// One version's schemas: the definitions as text, the kind index, and the validators
/// built so far.
struct Schemas {
    /// The members of the file besides `$defs` (`$schema`, `$id`), as text.
    top: Vec<(&'static str, &'static str)>,
    /// Definition name → its JSON text, a slice of the embedded file.
    defs: HashMap<&'static str, &'static str>,
    /// (apiVersion, kind) → definition name, from `x-kubernetes-group-version-kind`.
    kinds: HashMap<(String, String), String>,
    /// Definition name → compiled validator.
    validators: Mutex<HashMap<String, Arc<Validator>>>,
    /// Decides most objects without a compiled validator.
    screen: Screen,
    /// Definition name → its value, parsed on first use ([`definition`]).
    parsed: HashMap<&'static str, OnceLock<Option<Value>>>,
}

static LOADED: [OnceLock<Result<Schemas, String>>; 5] = [const { OnceLock::new() }; 5];

/// The schemas of `version` (an entry of `KUBE_VERSIONS`), indexed on first use.
/// An error here means the embedded files are broken: a bug in berth, not in the input.
fn schemas(version: &str) -> Result<&'static Schemas, String> {
    let i = KUBE_VERSIONS
        .iter()
        .position(|v| *v == version)
        .ok_or_else(|| format!("no schemas for Kubernetes {version}"))?;
    let (Some(slot), Some(text)) = (LOADED.get(i), EMBEDDED.get(i)) else {
        return Err(format!("no schemas for Kubernetes {version}"));
    };
    slot.get_or_init(|| load(text)).as_ref().map_err(Clone::clone)
}

fn load(text: &'static str) -> Result<Schemas, String> {
    let broken = |what: &str| format!("embedded schema is not JSON as expected: {what}");
    let mut top = Vec::new();
    let mut defs = None;
    for (key, value) in members(text).ok_or_else(|| broken("the file is not one JSON object"))? {
        if key == "$defs" {
            let list = members(value).ok_or_else(|| broken("$defs is not an object"))?;
            defs = Some(list);
        } else {
            top.push((key, value));
        }
    }
    let defs = defs.ok_or_else(|| broken("no $defs"))?;
    let kinds = index_kinds(&defs)?;
    let defs: HashMap<&'static str, &'static str> = defs.into_iter().collect();
    Ok(Schemas {
        top,
        screen: Screen::new(&defs),
        parsed: defs.keys().map(|name| (*name, OnceLock::new())).collect(),
        defs,
        kinds,
        validators: Mutex::new(HashMap::new()),
    })
}

/// The members of the JSON object `text` (keys without escapes), each value as its text,
/// in order; `None` unless `text` is one object. Only the nesting of the values is
/// followed, so this costs a pass over the bytes and builds no values; a value that is not
/// JSON fails later, when it is parsed.
fn members(text: &str) -> Option<Vec<(&str, &str)>> {
    let b = text.as_bytes();
    let mut i = skip_space(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_space(b, i + 1);
    let mut out = Vec::new();
    if b.get(i) == Some(&b'}') {
        return (skip_space(b, i + 1) == b.len()).then_some(out);
    }
    loop {
        let key_end = string_end(b, i)?;
        let key = text.get(i + 1..key_end - 1)?;
        if key.contains('\\') {
            return None;
        }
        i = skip_space(b, key_end);
        if b.get(i) != Some(&b':') {
            return None;
        }
        let start = skip_space(b, i + 1);
        let end = value_end(b, start)?;
        out.push((key, text.get(start..end)?));
        i = skip_space(b, end);
        match b.get(i) {
            Some(b',') => i = skip_space(b, i + 1),
            Some(b'}') => return (skip_space(b, i + 1) == b.len()).then_some(out),
            _ => return None,
        }
    }
}

fn skip_space(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// The end (exclusive) of the string that starts at `i`.
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let mut j = i + 1;
    loop {
        match b.get(j)? {
            b'"' => return Some(j + 1),
            b'\\' => j += 2,
            _ => j += 1,
        }
    }
}

/// The end (exclusive) of the value that starts at `i`: a string, or everything up to the
/// bracket that closes the one at `i`, or a bare literal (number, true, false, null).
fn value_end(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' => string_end(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                match b.get(j)? {
                    b'"' => {
                        j = string_end(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.checked_sub(1)?;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        _ => {
            let mut j = i;
            while b
                .get(j)
                .is_some_and(|c| !matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
            {
                j += 1;
            }
            (j > i).then_some(j)
        }
    }
}

/// Maps every group-version-kind a definition declares to the definition's name; a later
/// definition wins, as it would reading the file top to bottom.
fn index_kinds(defs: &[(&str, &str)]) -> Result<HashMap<(String, String), String>, String> {
    #[derive(serde::Deserialize)]
    struct Declared {
        #[serde(rename = "x-kubernetes-group-version-kind", default)]
        gvks: Vec<Gvk>,
    }
    #[derive(serde::Deserialize)]
    struct Gvk {
        #[serde(default)]
        group: String,
        #[serde(default)]
        version: String,
        #[serde(default)]
        kind: String,
    }
    let mut kinds = HashMap::new();
    // Only the definitions that name a kind are read at all (a substring test first).
    for (name, text) in defs
        .iter()
        .filter(|(_, t)| t.contains("x-kubernetes-group-version-kind"))
    {
        let declared: Declared =
            serde_json::from_str(text).map_err(|e| format!("embedded schema of {name} is not JSON: {e}"))?;
        for gvk in declared.gvks {
            let api_version = match gvk.group.as_str() {
                "" => gvk.version,
                group => format!("{group}/{}", gvk.version),
            };
            kinds.insert((api_version, gvk.kind), (*name).to_string());
        }
    }
    Ok(kinds)
}

impl Schemas {
    /// The compiled validator of one kind, built on first use; `None` for an unknown kind.
    fn validator(&'static self, api_version: &str, kind: &str) -> Result<Option<Arc<Validator>>, String> {
        let Some(def) = self.kinds.get(&(api_version.to_string(), kind.to_string())) else {
            return Ok(None);
        };
        let cached = self
            .validators
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(def)
            .cloned();
        if let Some(v) = cached {
            return Ok(Some(v));
        }
        // Compiled without the lock, so threads compile different kinds at once; two that
        // compile the same kind get equal validators, and the first one stored is kept.
        let registry = self.registry_for(def)?;
        let schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$ref": format!("{DEFINITIONS_URI}#/$defs/{def}"),
        });
        let validator = jsonschema::options()
            .with_registry(&registry)
            .offline()
            .build(&schema)
            .map_err(|e| format!("embedded schema of {def} does not compile: {e}"))?;
        let mut cache = self.validators.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(Some(
            cache.entry(def.clone()).or_insert_with(|| Arc::new(validator)).clone(),
        ))
    }

    /// A registry that holds the definitions file with just the definitions `root` reaches,
    /// so its `$ref`s resolve as in the whole file.
    fn registry_for(&self, root: &str) -> Result<Registry<'static>, String> {
        let mut doc = Map::new();
        for (key, text) in &self.top {
            let value: Value =
                serde_json::from_str(text).map_err(|e| format!("embedded schema {key} is not JSON: {e}"))?;
            doc.insert((*key).to_string(), value);
        }
        let mut defs = Map::new();
        for name in self.reachable(root) {
            let Some(text) = self.defs.get(name) else {
                return Err(format!("embedded schema refers to {name}, which it does not define"));
            };
            let value: Value =
                serde_json::from_str(text).map_err(|e| format!("embedded schema of {name} is not JSON: {e}"))?;
            defs.insert(name.to_string(), value);
        }
        doc.insert("$defs".into(), Value::Object(defs));
        Registry::new()
            .add(DEFINITIONS_URI, Value::Object(doc))
            .and_then(|b| b.prepare())
            .map_err(|e| format!("embedded schema does not register: {e}"))
    }

    /// `root` and every definition it refers to, directly or not, in name order.
    fn reachable<'a>(&'a self, root: &'a str) -> BTreeSet<&'a str> {
        let mut seen = BTreeSet::from([root]);
        let mut todo = vec![root];
        while let Some(name) = todo.pop() {
            let text = self.defs.get(name).copied().unwrap_or("");
            for (at, _) in text.match_indices(LOCAL_REF) {
                let rest = text.get(at + LOCAL_REF.len()..).unwrap_or("");
                let target = rest.split('"').next().unwrap_or("");
                if seen.insert(target) {
                    todo.push(target);
                }
            }
        }
        seen
    }
}

/// The definition `name` of `version`'s schemas, parsed on first use, for code that reads
/// the schemas' annotations (strategic merge keys).
pub fn definition(version: &str, name: &str) -> Option<&'static Value> {
    let s = schemas(version).ok()?;
    let (text, slot) = (s.defs.get(name)?, s.parsed.get(name)?);
    slot.get_or_init(|| serde_json::from_str(text).ok()).as_ref()
}

/// The definition name (`io.k8s.api.apps.v1.Deployment`) of `apiVersion`/`kind`.
pub fn definition_of(version: &str, api_version: &str, kind: &str) -> Option<String> {
    schemas(version)
        .ok()?
        .kinds
        .get(&(api_version.to_string(), kind.to_string()))
        .cloned()
}

/// Every `group/version` and `group/version/Kind` the schemas of `version` know, sorted
/// (what a chart sees as `capabilities.api_versions`).
pub fn api_versions(version: &str) -> Vec<String> {
    let Ok(s) = schemas(version) else { return Vec::new() };
    // DeleteOptions and WatchEvent list every version ever served, removed ones too.
    let mut out: Vec<String> = s
        .kinds
        .keys()
        .filter(|(_, kind)| kind != "DeleteOptions" && kind != "WatchEvent")
        .flat_map(|(api, kind)| [api.clone(), format!("{api}/{kind}")])
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Whether `version`'s schemas know `apiVersion`/`kind`.
pub fn knows(version: &str, api_version: &str, kind: &str) -> bool {
    schemas(version).is_ok_and(|s| s.kinds.contains_key(&(api_version.to_string(), kind.to_string())))
}

/// The schema errors of a built-in object of `version`; `Ok(None)` for a kind the version
/// does not serve. The screen passes valid objects without a compiled validator; any other
/// object is validated by the compiled one, whose errors are reported (so an object the
/// screen doubts but that is valid has no errors). An error means the embedded schemas are
/// broken.
pub fn builtin_errors(
    version: &str,
    api_version: &str,
    kind: &str,
    value: &Value,
) -> Result<Option<Vec<SchemaError>>, String> {
    let s = schemas(version)?;
    let Some(def) = s.kinds.get(&(api_version.to_string(), kind.to_string())) else {
        return Ok(None);
    };
    if s.screen.passes(def, value) {
        return Ok(Some(Vec::new()));
    }
    Ok(s.validator(api_version, kind)?.map(|v| errors(&v, value)))
}

/// Starts indexing the schemas of `version` on a thread of its own, so that the scan of
/// the embedded file overlaps reading and converting the input. A failure here is met
/// again, and reported, where the schemas are used.
pub fn warm_up(version: &str) {
    let Some(version) = KUBE_VERSIONS.iter().copied().find(|v| *v == version) else {
        return;
    };
    let _ = std::thread::Builder::new().name("berth-schemas".into()).spawn(move || {
        let _ = schemas(version);
    });
}

/// The API versions under which `version` serves `kind` of `group` (`""` for core).
pub fn served_versions(version: &str, group: &str, kind: &str) -> Vec<String> {
    let Ok(s) = schemas(version) else { return Vec::new() };
    let mut found: Vec<String> = s
        .kinds
        .keys()
        .filter(|(av, k)| k == kind && group_of(av) == group)
        .map(|(av, _)| av.clone())
        .collect();
    found.sort();
    found
}

/// Whether `group` is a built-in API group of `version` (the core group `""` is).
pub fn builtin_group(version: &str, group: &str) -> bool {
    group.is_empty() || schemas(version).is_ok_and(|s| s.kinds.keys().any(|(av, _)| group_of(av) == group))
}

/// The group of an apiVersion: `apps` for `apps/v1`, `""` for `v1`.
pub fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

/// One schema error: where, what, and whether the pointer names an unexpected mapping key
/// (to be located at the key rather than its value).
pub struct SchemaError {
    pub path: String,
    pub message: String,
    pub key: bool,
}

/// Every error `validator` finds in `value`. Valid objects
/// (the common case) cost one fast pass. Messages mask instance values, so a Secret's data
/// never reaches the output; an unexpected field is reported at its own pointer, one
/// problem per field, so it can be located.
pub fn errors(validator: &Validator, value: &Value) -> Vec<SchemaError> {
    if validator.is_valid(value) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for e in validator.iter_errors(value) {
        let at = e.instance_path().to_string();
        match e.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                for field in unexpected {
                    out.push(SchemaError {
                        path: format!("{at}/{}", crate::yaml::pointer_segment(field)),
                        message: format!("unknown field {field:?}"),
                        key: true,
                    });
                }
            }
            _ => out.push(SchemaError {
                path: at,
                message: e.masked().to_string(),
                key: false,
            }),
        }
    }
    out
}

/// Every schema error of one built-in object (rule SCHEMA-STRICT); a kind `version` does not
/// know is one SCHEMA-KIND problem.
pub fn problems(obj: &Object, version: &str) -> Vec<Problem> {
    let problem = |rule: &'static str, path: String, message: String| Problem {
        rule,
        object: obj.id(),
        path,
        message,
        origin: obj.origin.clone(),
    };
    match builtin_errors(version, obj.api_version(), obj.kind(), &obj.value) {
        Err(e) => vec![problem("SCHEMA-STRICT", String::new(), e)],
        Ok(None) => vec![problem(
            "SCHEMA-KIND",
            String::new(),
            format!(
                "no schema for {} {} in Kubernetes {version}",
                obj.api_version(),
                obj.kind()
            ),
        )],
        Ok(Some(errors)) => errors
            .into_iter()
            .map(|e| problem("SCHEMA-STRICT", e.path, e.message))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_validator_per_kind_is_compiled_and_reused() {
        let s = schemas("1.37").unwrap();
        let a = s.validator("apps/v1", "Deployment").unwrap().unwrap();
        let b = s.validator("apps/v1", "Deployment").unwrap().unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert!(s.validator("apps/v9", "Deployment").unwrap().is_none());
    }

    #[test]
    fn core_group_kinds_have_a_bare_api_version() {
        assert!(knows("1.33", "v1", "Service"));
        assert!(!knows("1.33", "core/v1", "Service"));
        assert!(!knows("1.20", "v1", "Service"));
    }

    /// The index the scan builds, as a full parse of the file would give it.
    fn parsed_kinds(doc: &Value) -> HashMap<(String, String), String> {
        let mut kinds = HashMap::new();
        for (name, def) in doc["$defs"].as_object().unwrap() {
            for gvk in def["x-kubernetes-group-version-kind"].as_array().into_iter().flatten() {
                let field = |k: &str| gvk.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                let api_version = match field("group").as_str() {
                    "" => field("version"),
                    group => format!("{group}/{}", field("version")),
                };
                kinds.insert((api_version, field("kind")), name.clone());
            }
        }
        kinds
    }

    #[test]
    fn the_scan_finds_every_definition_and_kind_a_full_parse_does() {
        for version in KUBE_VERSIONS {
            let s = schemas(version).unwrap();
            let doc: Value =
                serde_json::from_str(EMBEDDED[KUBE_VERSIONS.iter().position(|v| v == version).unwrap()]).unwrap();
            let defs = doc["$defs"].as_object().unwrap();
            assert_eq!(s.defs.len(), defs.len(), "{version}");
            for (name, def) in defs {
                let text = s.defs.get(name.as_str()).unwrap();
                assert_eq!(&serde_json::from_str::<Value>(text).unwrap(), def, "{version} {name}");
                assert_eq!(definition(version, name), Some(def), "{version} {name}");
                // Every definition reaches only defined ones, so every kind can compile.
                assert!(
                    s.reachable(name).iter().all(|n| s.defs.contains_key(n)),
                    "{version} {name}"
                );
            }
            let top: Vec<&str> = s.top.iter().map(|(k, _)| *k).collect();
            assert_eq!(top, ["$schema", "$id"], "{version}");
            assert_eq!(s.kinds, parsed_kinds(&doc), "{version}");
        }
    }

    #[test]
    fn members_reject_what_is_not_one_object() {
        assert_eq!(
            members(r#" {"a": [1, {"b": "}"}], "c": null} "#).unwrap(),
            [("a", r#"[1, {"b": "}"}]"#), ("c", "null")]
        );
        assert_eq!(members("{}").unwrap(), []);
        for bad in [
            "",
            "[]",
            r#"{"a": 1"#,
            r#"{"a": 1} x"#,
            r#"{"a" 1}"#,
            r#"{"a": [1}"#,
            r#"{"a\"b": 1}"#,
        ] {
            assert!(members(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_kind_compiles_from_the_definitions_it_reaches() {
        let v = schemas("1.35")
            .unwrap()
            .validator("apps/v1", "Deployment")
            .unwrap()
            .unwrap();
        let ok = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {"metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}});
        assert!(errors(&v, &ok).is_empty());
        let mut bad = ok.clone();
        bad["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = json!(3);
        bad["spec"]["template"]["spec"]["containers"][0]["prots"] = json!([]);
        let paths: Vec<String> = errors(&v, &bad).into_iter().map(|e| e.path).collect();
        assert_eq!(paths.len(), 2, "{paths:?}");
        assert!(
            paths.contains(&"/spec/template/spec/containers/0/prots".to_string()),
            "{paths:?}"
        );
    }

    /// Every object of the fixtures that names a built-in kind, as (apiVersion, kind, value).
    fn fixture_objects() -> Vec<(String, String, Value)> {
        let mut out = Vec::new();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
            let entry = entry.unwrap();
            let path = entry.path();
            if !matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            let file: std::sync::Arc<str> = path.to_string_lossy().into();
            let Ok(docs) = crate::yaml::parse_stream(&file, &text, crate::yaml::Flavor::Manifest) else {
                continue;
            };
            for doc in docs {
                let field = |k: &str| doc.value.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                let (api, kind) = (field("apiVersion"), field("kind"));
                if !api.is_empty() && !kind.is_empty() {
                    out.push((api, kind, doc.value));
                }
            }
        }
        out
    }

    /// Panics if the screen passes `value` while the compiled validator rejects it; returns
    /// (whether the two agree, whether the screen passed it).
    fn agree(s: &'static Schemas, api: &str, kind: &str, value: &Value) -> (bool, bool) {
        let Some(def) = s.kinds.get(&(api.to_string(), kind.to_string())) else {
            return (true, false);
        };
        let compiled = s.validator(api, kind).unwrap().unwrap().is_valid(value);
        let screened = s.screen.passes(def, value);
        assert!(
            !screened || compiled,
            "the screen passes what the schema rejects: {api} {kind} {value}"
        );
        (screened == compiled, screened)
    }

    #[test]
    fn the_screen_agrees_with_the_compiled_schemas_on_every_fixture() {
        let objects = fixture_objects();
        assert!(objects.len() > 100, "{}", objects.len());
        for version in ["1.33", "1.35", "1.37"] {
            let s = schemas(version).unwrap();
            for (api, kind, value) in &objects {
                assert!(
                    agree(s, api, kind, value).0,
                    "{version}: the screen doubts a valid {api} {kind}: {value}"
                );
            }
        }
    }

    /// Every pointer to a value inside `v`.
    fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => m
                .iter()
                .for_each(|(k, c)| pointers(c, format!("{at}/{}", crate::yaml::pointer_segment(k)), out)),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .for_each(|(i, c)| pointers(c, format!("{at}/{i}"), out)),
            _ => {}
        }
        out.push(at);
    }

    #[test]
    fn the_screen_never_passes_a_mutation_the_compiled_schema_rejects() {
        let objects = fixture_objects();
        let s = schemas("1.35").unwrap();
        let replacements = [
            json!(null),
            json!(true),
            json!(7),
            json!(-1),
            json!(1.5),
            json!(2.0),
            json!("x"),
            json!("TCP"),
            json!([]),
            json!([1]),
            json!({}),
            json!({"unknownField": 1}),
        ];
        let mut seen = std::collections::HashSet::new();
        let (mut mutations, mut both_valid, mut removed, mut doubted_removals) = (0, 0, 0, 0);
        for (api, kind, value) in objects {
            // One object per kind and shape is enough; mutations grow with its size.
            if !seen.insert(format!("{api}/{kind}/{}", value.to_string().len())) || seen.len() > 60 {
                continue;
            }
            let mut at = Vec::new();
            pointers(&value, String::new(), &mut at);
            for pointer in at.iter().filter(|p| !p.is_empty()) {
                for r in &replacements {
                    let mut m = value.clone();
                    if let Some(slot) = m.pointer_mut(pointer) {
                        *slot = r.clone();
                    }
                    mutations += 1;
                    if agree(s, &api, &kind, &m).1 {
                        both_valid += 1;
                    }
                }
                let mut m = value.clone();
                if let Some(Value::Object(map)) = m.pointer_mut(pointer) {
                    map.insert("unknownField".into(), json!(1));
                    mutations += 1;
                    agree(s, &api, &kind, &m);
                }
                // The field removed: one the schema requires must not pass the screen.
                let mut m = value.clone();
                if let Some((parent, key)) = pointer.rsplit_once('/')
                    && let Some(Value::Object(map)) = m.pointer_mut(parent)
                    && map.remove(&key.replace("~1", "/").replace("~0", "~")).is_some()
                {
                    mutations += 1;
                    removed += 1;
                    if !agree(s, &api, &kind, &m).0 {
                        doubted_removals += 1;
                    }
                }
            }
        }
        assert!(
            mutations > 5_000 && both_valid > 100 && removed > 500,
            "{mutations} mutations, {both_valid} valid, {removed} removals"
        );
        // Removals the screen doubts though they are valid would only cost time; a few are
        // expected (oneOf alternatives), not most.
        assert!(
            doubted_removals * 10 < removed,
            "{doubted_removals} of {removed} removals doubted"
        );
    }

    #[test]
    fn the_screen_hands_unknown_keywords_to_the_compiled_schema() {
        let defs = HashMap::from([
            (
                "a",
                r#"{"type": "object", "properties": {"n": {"type": "integer", "minimum": 3}}}"#,
            ),
            (
                "b",
                r#"{"description": "anything", "x-kubernetes-preserve-unknown-fields": true}"#,
            ),
        ]);
        let screen = Screen::new(&defs);
        assert!(
            !screen.passes("a", &json!({"n": 5})),
            "minimum is not interpreted, so never passed"
        );
        assert!(screen.passes("a", &json!({})));
        assert!(screen.passes("b", &json!([1, "x"])));
        assert!(!screen.passes("c", &json!({})));
    }

    #[test]
    fn schemas_are_shareable_between_threads() {
        fn sync<T: Send + Sync>() {}
        sync::<Schemas>();
    }
}
