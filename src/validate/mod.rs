//! Validation of objects: embedded strict Kubernetes schemas per minor version (`schema`),
//! schemas of custom resources (`crd`), the semantic checks those schemas cannot express
//! (`semantic`, `grammar`), and the policy rules (`rules`, `policy`), run by one engine
//! (`engine`) for `berth validate` and `berth render` alike.
//!
//! `input` turns manifest text into objects (multi-document YAML and JSON, `List` kinds
//! flattened, one bad document never hiding the others); `report` writes a run as text,
//! JSON, JUnit XML or SARIF. Printing is the CLI's.

mod apis;
pub mod crd;
mod engine;
pub(crate) mod grammar;
mod ident;
pub mod input;
pub mod policy;
pub mod report;
pub mod rules;
mod schema;
mod screen;
mod semantic;

use std::collections::BTreeSet;

use crate::error::{Error, Problem};
use crate::harden::Profile;
use crate::manifest::Object;
use crate::manifest::parallel::Threads;

pub use crd::CustomSchemas;
pub use engine::{AppliedWaiver, Finding, Options, Report, Waiver, WaiverSource, WaiverTarget, check, check_waivers};
pub use grammar::Grammar;
pub use rules::{RULES, Rule, Severity, rule};
pub use semantic::rules as semantic_rules;

/// Kubernetes minor versions whose schemas are embedded.
pub const KUBE_VERSIONS: &[&str] = &["1.33", "1.34", "1.35", "1.36", "1.37"];
/// The version used when none is given.
pub const DEFAULT_KUBE_VERSION: &str = "1.35";

/// Indexes, in the background, the schemas every render needs (see [`schema::warm_up`]);
/// nothing for a version berth does not know (the render reports it).
pub fn warm_up(kube_version: &str) {
    if let Ok(version) = resolve_kube_version(kube_version) {
        schema::warm_up(version);
    }
}

/// The embedded minor version `v` names: `1.35`, `v1.35` and `1.35.4` all mean 1.35.
pub fn resolve_kube_version(v: &str) -> Result<&'static str, Error> {
    let bare = v.trim().trim_start_matches('v');
    let mut parts = bare.splitn(3, '.');
    let minor = match (parts.next(), parts.next(), parts.next()) {
        (Some(major), Some(minor), patch) if patch.is_none_or(|p| p.chars().all(|c| c.is_ascii_digit())) => {
            format!("{major}.{minor}")
        }
        _ => String::new(),
    };
    KUBE_VERSIONS
        .iter()
        .find(|k| **k == minor)
        .copied()
        .ok_or_else(|| Error::Usage {
            message: format!("unsupported --kube-version {v:?}"),
            help: Some(format!(
                "berth embeds the schemas of Kubernetes {}; pick one of them",
                KUBE_VERSIONS.join(", ")
            )),
        })
}

/// Fails with a usage error listing the supported versions unless `v` is one of them.
/// Call it before doing any work, so a typo is reported first.
pub fn check_kube_version(v: &str) -> Result<(), Error> {
    resolve_kube_version(v).map(|_| ())
}

/// The strict-schema problems of one object (rule SCHEMA-STRICT), every error at once.
/// An unknown version or kind is itself a problem.
pub fn schema_problems(obj: &Object, kube_version: &str) -> Vec<Problem> {
    match resolve_kube_version(kube_version) {
        Ok(v) => schema::problems(obj, v),
        Err(e) => vec![Problem {
            rule: "SCHEMA-STRICT",
            object: obj.id(),
            path: String::new(),
            message: e.to_string(),
            origin: obj.origin.clone(),
        }],
    }
}

/// Whether the schemas of `kube_version` know `apiVersion`/`kind`.
pub fn knows_kind(kube_version: &str, api_version: &str, kind: &str) -> bool {
    resolve_kube_version(kube_version).is_ok_and(|v| schema::knows(v, api_version, kind))
}

/// The embedded schema definitions of one Kubernetes version, for readers of the schemas'
/// annotations such as strategic merge patch. Each definition is parsed the first time it
/// is asked for: a patch of Deployments reads a few dozen of the several hundred.
/// A version berth has no schemas of has no definitions.
#[derive(Debug, Clone, Copy)]
pub struct Definitions(Option<&'static str>);

impl Definitions {
    pub fn of(kube_version: &str) -> Self {
        Definitions(resolve_kube_version(kube_version).ok())
    }

    /// The definition `name` (`io.k8s.api.apps.v1.Deployment`), as the file has it.
    pub fn get(&self, name: &str) -> Option<&'static serde_json::Value> {
        schema::definition(self.0?, name)
    }

    /// The definition of `apiVersion`/`kind`, `$ref`s followed.
    pub fn of_kind(&self, api_version: &str, kind: &str) -> Option<&'static serde_json::Value> {
        let name = schema::definition_of(self.0?, api_version, kind)?;
        self.get(&name).map(|s| self.resolve(s))
    }

    /// Follows `$ref` (`#/$defs/NAME`, or a URI ending so) to the definition.
    pub fn resolve(&self, mut s: &'static serde_json::Value) -> &'static serde_json::Value {
        for _ in 0..16 {
            let next = s
                .get("$ref")
                .and_then(serde_json::Value::as_str)
                .and_then(|r| r.rsplit_once("#/$defs/"))
                .and_then(|(_, name)| self.get(name));
            match next {
                Some(n) => s = n,
                None => break,
            }
        }
        s
    }
}

/// The API versions (`apps/v1`) and kinds (`apps/v1/Deployment`) `kube_version` serves.
pub fn api_versions(kube_version: &str) -> Vec<String> {
    resolve_kube_version(kube_version).map_or_else(|_| Vec::new(), schema::api_versions)
}

/// Every schema and semantic problem of every object (profile `none`, without waivers):
/// schema errors first, then semantic checks, object by object in the order given. Cross
/// references are resolved among `objects` only.
pub fn problems(objects: &[Object], kube_version: &str) -> Result<Vec<Problem>, Error> {
    let version = resolve_kube_version(kube_version)?;
    let ctx = semantic::Context::new(objects);
    Ok(objects
        .iter()
        .flat_map(|o| {
            let mut p = schema::problems(o, version);
            p.extend(semantic::problems(&ctx, o));
            p
        })
        .collect())
}

/// Validates objects someone else wrote against the strict schema of `kube_version` and
/// the semantic checks (profile `none`); all failing problems at once in `Error::Invalid`.
pub fn validate(objects: &[Object], kube_version: &str) -> Result<(), Error> {
    let report = check(objects, &Options::new(kube_version, Profile::None))?;
    fail_on(&report, "")
}

/// Validates a render's output with the render's profile: schema, semantic checks and
/// policy, honouring the `berth.dev/waive` annotations the output carries, so the verdict
/// is the one `berth validate` gives the same objects. Errors fail (exit 1); the report
/// (warnings, waivers) is returned otherwise.
pub fn validate_rendered(
    objects: &[Object],
    kube_version: &str,
    profile: Profile,
    threads: Threads,
) -> Result<Report, Error> {
    let report = check_on(objects, kube_version, profile, threads)?;
    // A schema or semantic failure of rendered output is berth's doing; a policy failure
    // (or a broken waiver the input wrote) may be the input's.
    let berths_doing = |f: &Finding| {
        f.rule()
            .is_some_and(|r| r.applies == rules::Applies::Always && r.id != "POLICY-WAIVER")
    };
    let note = if report.failing(false).any(berths_doing) {
        "; this is a bug in berth, please report it with the input"
    } else {
        "; relax a rule with a reason (berth.dev/waive) or choose another --profile"
    };
    fail_on(&report, note)?;
    Ok(report)
}

/// As `validate_rendered`, for objects a user wrote (templates, patches, manifests): a
/// failure is theirs to fix, never reported as a bug in berth.
pub fn validate_authored(
    objects: &[Object],
    kube_version: &str,
    profile: Profile,
    threads: Threads,
) -> Result<Report, Error> {
    let report = check_on(objects, kube_version, profile, threads)?;
    fail_on(
        &report,
        "; fix the objects named above, or relax a policy rule with a reason (berth.dev/waive)",
    )?;
    Ok(report)
}

/// The checks of a render: no data waivers, no custom schemas. A render reports errors
/// and warnings only, so info findings are counted, never made.
fn check_on(objects: &[Object], kube_version: &str, profile: Profile, threads: Threads) -> Result<Report, Error> {
    let opts = Options {
        threads,
        list_info: false,
        ..Options::new(kube_version, profile)
    };
    check(objects, &opts)
}

fn fail_on(report: &Report, note: &str) -> Result<(), Error> {
    let problems = report.problems(false);
    if problems.is_empty() {
        return Ok(());
    }
    let failing: BTreeSet<&str> = problems.iter().map(|p| p.object.as_str()).collect();
    let n = failing.len();
    let noun = if n == 1 { "object fails" } else { "objects fail" };
    let what = if report.profile == Profile::None {
        "validation".to_string()
    } else {
        format!("validation or the {} policy", report.profile.pss_level())
    };
    Err(Error::Invalid {
        summary: format!("{n} {noun} {what} against Kubernetes {}{note}", report.kube_version),
        problems,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_resolve_leniently_and_unknown_ones_list_the_supported() {
        assert_eq!(resolve_kube_version("1.35").unwrap(), "1.35");
        assert_eq!(resolve_kube_version("v1.37.2").unwrap(), "1.37");
        assert!(resolve_kube_version(DEFAULT_KUBE_VERSION).is_ok());
        let e = check_kube_version("1.20").unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.help().unwrap().contains("1.33, 1.34, 1.35, 1.36, 1.37"));
        assert!(check_kube_version("1.35.x").is_err());
        assert!(check_kube_version("135").is_err());
    }
}
