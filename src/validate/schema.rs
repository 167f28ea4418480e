//! Strict Kubernetes schemas, embedded per minor version and compiled once.
//!
//! Each supported version ships one `_definitions.json` (vendored by
//! `scripts/vendor_schemas.py`). It is parsed the first time that version is asked for,
//! registered in one offline `jsonschema` registry, and every (apiVersion, kind) gets one
//! compiled validator, cached for the life of the process: compiling costs milliseconds,
//! validating a compiled schema microseconds, so a render of any size compiles each kind once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use jsonschema::error::ValidationErrorKind;
use jsonschema::{Registry, Validator};
use serde_json::{Value, json};

use super::KUBE_VERSIONS;
use crate::error::Problem;
use crate::manifest::Object;

/// The `$id` every vendored `_definitions.json` declares; kind schemas refer into it.
const DEFINITIONS_URI: &str = "https://kubernetes.io/api/_definitions.json";

/// The vendored text per version, in the order of `KUBE_VERSIONS`.
const EMBEDDED: [&str; 5] = [
    include_str!("../../schemas/kubernetes/v1.33/_definitions.json"),
    include_str!("../../schemas/kubernetes/v1.34/_definitions.json"),
    include_str!("../../schemas/kubernetes/v1.35/_definitions.json"),
    include_str!("../../schemas/kubernetes/v1.36/_definitions.json"),
    include_str!("../../schemas/kubernetes/v1.37/_definitions.json"),
];

/// One version's schemas: the registry, the kind index, and the validators built so far.
struct Schemas {
    registry: Registry<'static>,
    /// (apiVersion, kind) → definition name, from `x-kubernetes-group-version-kind`.
    kinds: HashMap<(String, String), String>,
    /// Definition name → compiled validator.
    validators: Mutex<HashMap<String, Arc<Validator>>>,
}

static LOADED: [OnceLock<Result<Schemas, String>>; 5] = [const { OnceLock::new() }; 5];

/// The schemas of `version` (an entry of `KUBE_VERSIONS`), loading them on first use.
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

fn load(text: &str) -> Result<Schemas, String> {
    let doc: Value = serde_json::from_str(text).map_err(|e| format!("embedded schema is not JSON: {e}"))?;
    let kinds = index_kinds(&doc);
    let registry = Registry::new()
        .add(DEFINITIONS_URI, doc)
        .and_then(|b| b.prepare())
        .map_err(|e| format!("embedded schema does not register: {e}"))?;
    Ok(Schemas {
        registry,
        kinds,
        validators: Mutex::new(HashMap::new()),
    })
}

/// Maps every group-version-kind a definition declares to the definition's name.
fn index_kinds(doc: &Value) -> HashMap<(String, String), String> {
    let mut kinds = HashMap::new();
    let Some(defs) = doc.get("$defs").and_then(Value::as_object) else {
        return kinds;
    };
    for (name, def) in defs {
        let gvks = def.get("x-kubernetes-group-version-kind").and_then(Value::as_array);
        for gvk in gvks.into_iter().flatten() {
            let field = |k: &str| gvk.get(k).and_then(Value::as_str).unwrap_or("");
            let api_version = match field("group") {
                "" => field("version").to_string(),
                group => format!("{group}/{}", field("version")),
            };
            kinds.insert((api_version, field("kind").to_string()), name.clone());
        }
    }
    kinds
}

impl Schemas {
    /// The compiled validator of one kind, built on first use; `None` for an unknown kind.
    fn validator(&'static self, api_version: &str, kind: &str) -> Result<Option<Arc<Validator>>, String> {
        let Some(def) = self.kinds.get(&(api_version.to_string(), kind.to_string())) else {
            return Ok(None);
        };
        let mut cache = self.validators.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(v) = cache.get(def) {
            return Ok(Some(v.clone()));
        }
        let schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$ref": format!("{DEFINITIONS_URI}#/$defs/{def}"),
        });
        let validator = jsonschema::options()
            .with_registry(&self.registry)
            .offline()
            .build(&schema)
            .map_err(|e| format!("embedded schema of {def} does not compile: {e}"))?;
        let validator = Arc::new(validator);
        cache.insert(def.clone(), validator.clone());
        Ok(Some(validator))
    }
}

/// The parsed `_definitions.json` of `version` (`{"$defs": {name: schema}}`), for code that
/// reads the schemas' annotations (strategic merge keys); parsed on first use.
pub fn definitions(version: &str) -> Option<&'static Value> {
    static PARSED: [OnceLock<Option<Value>>; 5] = [const { OnceLock::new() }; 5];
    let i = KUBE_VERSIONS.iter().position(|v| *v == version)?;
    let (slot, text) = (PARSED.get(i)?, EMBEDDED.get(i)?);
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

/// The compiled validator of a built-in kind of `version`; `Ok(None)` for a kind the
/// version does not serve. An error means the embedded schemas are broken.
pub fn validator(version: &str, api_version: &str, kind: &str) -> Result<Option<Arc<Validator>>, String> {
    schemas(version).and_then(|s| s.validator(api_version, kind))
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
    match validator(version, obj.api_version(), obj.kind()) {
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
        Ok(Some(v)) => errors(&v, &obj.value)
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

    #[test]
    fn schemas_are_shareable_between_threads() {
        fn sync<T: Send + Sync>() {}
        sync::<Schemas>();
    }
}
