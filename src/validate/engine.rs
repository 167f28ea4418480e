//! The policy engine: runs the rule table over a set of objects for a profile, applies
//! waivers, and returns every finding with its severity.
//!
//! One implementation serves `berth validate` and `berth render` (DESIGN.md section 6), so
//! `berth render X | berth validate -` reaches the same verdict: the waivers a render
//! relies on travel with the objects as `berth.dev/waive` annotations.
//!
//! Order of a run: custom schemas (CRDs among the objects join the ones given), the facts
//! about the whole set, then per object the schema lookup and validation, the semantic
//! tables, and the policy checks of the profile; last, waivers turn findings of the rules
//! they name into waived findings. Findings come out object by object, in the order of
//! the rule table, so reports are deterministic.

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::Value;

use super::crd::{CustomSchemas, Found};
use super::policy::{Facts, Hit, Sink, Subject};
use super::rules::{Check, RULES, Rule, Severity, rule};
use super::{apis, schema, semantic};
use crate::error::{Error, Problem};
use crate::harden::Profile;
use crate::manifest::parallel::{self, Threads};
use crate::manifest::{Object, WAIVE_ANNOTATION};
use crate::source::Origin;
use crate::validate::ident;

/// What a run checks against.
#[derive(Clone, Copy)]
pub struct Options<'a> {
    /// Target Kubernetes version (`1.35`, `v1.35.2`).
    pub kube_version: &'a str,
    pub profile: Profile,
    /// Waivers given as data (an overlay's `policy.waivers`), besides the annotations.
    pub waivers: &'a [Waiver],
    /// Schemas of custom kinds (`--crd`, `--schema-dir`).
    pub custom: Option<&'a CustomSchemas>,
    /// Threads for the per-object checks (the report is the same for any count).
    pub threads: Threads,
    /// Whether info findings no waiver relaxes are listed in the report, or only counted
    /// (`Report::unlisted_info`): a run that shows none (`berth validate` without
    /// `--verbose`) would make, locate and sort about half its findings for nothing.
    pub list_info: bool,
}

impl<'a> Options<'a> {
    pub fn new(kube_version: &'a str, profile: Profile) -> Self {
        Options {
            kube_version,
            profile,
            waivers: &[],
            custom: None,
            threads: Threads::ONE,
            list_info: true,
        }
    }
}

/// A waiver given as data: rule, which objects, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiver {
    pub rule: String,
    pub target: WaiverTarget,
    pub reason: String,
    /// Where the waiver is written, for errors about it.
    pub origin: Option<Origin>,
}

/// Which objects a waiver covers: every field given must match (`None` matches anything).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WaiverTarget {
    pub kind: Option<String>,
    pub namespace: Option<String>,
    pub name: Option<String>,
}

impl WaiverTarget {
    pub fn matches(&self, o: &Object) -> bool {
        let same = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
        same(&self.kind, o.kind()) && same(&self.namespace, ident::namespace(o)) && same(&self.name, ident::name(o))
    }
}

/// Where a waiver was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaiverSource {
    /// The object's `berth.dev/waive` annotation.
    Annotation,
    /// A waiver given as data (an overlay's `policy.waivers`).
    Policy,
}

/// One finding: a rule an object (or a document) breaks, where, and how badly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    /// Index of the object in the checked slice; `None` for a document that is no object.
    pub index: Option<usize>,
    /// `Kind/namespace/name` (empty for a document that is no object); one string shared
    /// by the findings of an object.
    pub object: Arc<str>,
    /// JSON pointer into the object.
    pub path: String,
    /// The pointer names a mapping key that should not be there: locate the key.
    pub key: bool,
    pub message: String,
    /// Where the offending field (or the object) is written, when known.
    pub origin: Option<Origin>,
    /// The reason of the waiver that relaxes this finding.
    pub waived: Option<String>,
}

impl Finding {
    /// The rule's row in the table.
    pub fn rule(&self) -> Option<&'static Rule> {
        rule(self.rule)
    }
}

/// A waiver that was in force during a run, and how many findings it relaxed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedWaiver {
    pub index: usize,
    pub object: String,
    pub rule: &'static str,
    pub reason: String,
    pub source: WaiverSource,
    pub matched: usize,
    pub origin: Option<Origin>,
}

/// The outcome of a run.
#[derive(Debug, Clone)]
pub struct Report {
    pub kube_version: &'static str,
    pub profile: Profile,
    /// How many objects were checked.
    pub objects: usize,
    pub findings: Vec<Finding>,
    pub waivers: Vec<AppliedWaiver>,
    /// Info findings no waiver relaxes that were counted but not listed
    /// (`Options::list_info` off).
    pub unlisted_info: usize,
}

impl Report {
    /// Findings of `severity` that no waiver relaxes, listed or not.
    pub fn count(&self, severity: Severity) -> usize {
        let unlisted = if severity == Severity::Info {
            self.unlisted_info
        } else {
            0
        };
        self.active().filter(|f| f.severity == severity).count() + unlisted
    }

    /// Findings no waiver relaxes.
    pub fn active(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.waived.is_none())
    }

    /// Findings that fail the run: errors, and warnings under `--strict`.
    pub fn failing(&self, strict: bool) -> impl Iterator<Item = &Finding> {
        self.active()
            .filter(move |f| f.severity == Severity::Error || (strict && f.severity == Severity::Warn))
    }

    pub fn failed(&self, strict: bool) -> bool {
        self.failing(strict).next().is_some()
    }

    /// Gives each finding of an object the place of its field: `locate(index, pointer,
    /// key)`, `key` asking for the place of the mapping key rather than of its value.
    pub fn locate(&mut self, locate: impl Fn(usize, &str, bool) -> Option<Origin>) {
        for f in &mut self.findings {
            if let Some(o) = f.index.and_then(|i| locate(i, &f.path, f.key)) {
                f.origin = Some(o);
            }
        }
        for w in &mut self.waivers {
            if w.source == WaiverSource::Annotation {
                let at = format!(
                    "/metadata/annotations/{}",
                    crate::yaml::pointer_segment(WAIVE_ANNOTATION)
                );
                if let Some(o) = locate(w.index, &at, false) {
                    w.origin = Some(o);
                }
            }
        }
    }

    /// The failing findings as the `Problem`s of `Error::Invalid`.
    pub fn problems(&self, strict: bool) -> Vec<Problem> {
        self.failing(strict)
            .map(|f| Problem {
                rule: f.rule,
                object: f.object.to_string(),
                path: f.path.clone(),
                message: f.message.clone(),
                origin: f.origin.clone(),
            })
            .collect()
    }
}

/// Checks that waivers given as data name a known, waivable rule and give a reason: a
/// broken waiver is an input error (exit 2), located where it is written.
pub fn check_waivers(waivers: &[Waiver]) -> Result<(), Error> {
    for w in waivers {
        if let Err(why) = waivable(&w.rule, &w.reason) {
            return Err(Error::input(
                w.origin.clone(),
                why,
                "a waiver is {rule: RULE-ID, target: {kind, name}, reason: why}, with a rule id from the book's rule reference",
            ));
        }
    }
    Ok(())
}

/// The rule a waiver names, if it may be waived and has a reason; else why not.
fn waivable(rule_id: &str, reason: &str) -> Result<&'static Rule, String> {
    let Some(r) = rule(rule_id) else {
        return Err(format!("waiver names unknown rule {rule_id:?}"));
    };
    if !r.waivable {
        return Err(format!(
            "{rule_id} cannot be waived: the API server rejects such objects whatever berth says"
        ));
    }
    if reason.trim().is_empty() {
        return Err(format!("waiver of {rule_id} has no reason; write {rule_id}=why"));
    }
    Ok(r)
}

/// Runs every rule of `opts.profile` over `objects`.
pub fn check(objects: &[Object], opts: &Options) -> Result<Report, Error> {
    let version = super::resolve_kube_version(opts.kube_version)?;
    check_waivers(opts.waivers)?;
    let minor = version
        .split('.')
        .nth(1)
        .and_then(|m| m.parse::<u32>().ok())
        .unwrap_or(0);
    let mut custom = opts.custom.cloned().unwrap_or_default();
    for o in objects {
        if o.kind() == "CustomResourceDefinition" {
            // A CRD whose schema cannot be used leaves its kinds unknown (SCHEMA-KIND).
            let _ = custom.add_crd(&o.value, o.origin.as_ref());
        }
    }
    let context = semantic::Context::new(objects);
    let mut facts = Facts::new(objects, &context, minor);
    facts.custom_cluster_kinds = custom.cluster_kinds().clone();
    let run = Run {
        version,
        minor,
        profile: opts.profile,
        custom: &custom,
        facts: &facts,
        context: &context,
        list_info: opts.list_info,
    };
    let mut report = Report {
        kube_version: version,
        profile: opts.profile,
        objects: objects.len(),
        findings: Vec::new(),
        waivers: Vec::new(),
        unlisted_info: 0,
    };
    // Each object's findings depend on it and the shared context only, so they are made
    // per object on any thread and put back in object order.
    let numbered: Vec<(usize, &Object)> = objects.iter().enumerate().collect();
    let parts = parallel::map(opts.threads, &numbered, |&(index, object)| {
        let mut part = Report {
            kube_version: version,
            profile: opts.profile,
            objects: 0,
            findings: Vec::new(),
            waivers: Vec::new(),
            unlisted_info: 0,
        };
        run.object(index, object, opts.waivers, &mut part);
        (part.findings, part.waivers, part.unlisted_info)
    });
    // Sized once: the findings of a large run are many, and growing the list step by step
    // copies them again and again.
    report.findings.reserve(parts.iter().map(|(f, _, _)| f.len()).sum());
    for (findings, waivers, unlisted_info) in parts {
        report.findings.extend(findings);
        report.waivers.extend(waivers);
        report.unlisted_info += unlisted_info;
    }
    Ok(report)
}

/// The row of rule `id` in `RULES` (past the end for an unknown id, which is dropped).
fn row_of(id: &str) -> usize {
    RULES.iter().position(|r| r.id == id).unwrap_or(usize::MAX)
}

/// What every object's checks share.
struct Run<'a> {
    version: &'static str,
    minor: u32,
    profile: Profile,
    custom: &'a CustomSchemas,
    facts: &'a Facts<'a>,
    context: &'a semantic::Context<'a>,
    list_info: bool,
}

/// A finding before it is attached to its object.
struct Raw {
    /// The rule's row in `RULES`: findings are ordered by it.
    row: usize,
    rule: &'static str,
    severity: Option<Severity>,
    path: String,
    key: bool,
    message: String,
}

impl Run<'_> {
    fn object(&self, index: usize, object: &Object, data_waivers: &[Waiver], report: &mut Report) {
        let mut raw = Vec::new();
        self.schema(object, &mut raw);
        for p in semantic::problems(self.context, object) {
            raw.push(Raw {
                row: row_of(p.rule),
                rule: p.rule,
                severity: None,
                path: p.path,
                key: false,
                message: p.message,
            });
        }
        let subject = Subject::new(index, object);
        let mut sink = Sink::default();
        for (row, r) in RULES.iter().enumerate() {
            if !r.applies.in_profile(self.profile) {
                continue;
            }
            if let Check::Object(check) = r.check {
                check(self.facts, &subject, &mut sink);
                raw.extend(sink.hits.drain(..).map(|h: Hit| Raw {
                    row,
                    rule: r.id,
                    severity: h.severity,
                    path: h.path,
                    key: false,
                    message: h.message,
                }));
            }
        }
        let waivers = self.waivers(index, object, data_waivers, &mut raw);
        raw.sort_by_key(|r| r.row);
        let id: Arc<str> = Arc::from(ident::id(object));
        let start = report.findings.len();
        for r in raw {
            let Some(row) = RULES.get(r.row) else { continue };
            let waived = waivers.iter().find(|w| w.rule == r.rule).map(|w| w.reason.clone());
            let severity = r.severity.unwrap_or(row.severity);
            if severity == Severity::Info && waived.is_none() && !self.list_info {
                report.unlisted_info += 1;
                continue;
            }
            report.findings.push(Finding {
                rule: row.id,
                severity,
                index: Some(index),
                object: id.clone(),
                path: r.path,
                key: r.key,
                message: r.message,
                origin: object.origin.clone(),
                waived,
            });
        }
        let added = report.findings.get(start..).unwrap_or_default();
        for mut w in waivers {
            w.matched = added.iter().filter(|f| f.rule == w.rule && f.waived.is_some()).count();
            // An annotation is part of its object and always reported; a policy waiver
            // (which may target many objects) only where it relaxed something.
            if w.source == WaiverSource::Annotation || w.matched > 0 {
                report.waivers.push(w);
            }
        }
    }

    /// The schema lookup and the strict schema (SCHEMA-STRICT, -APIVERSION, -KIND).
    fn schema(&self, object: &Object, raw: &mut Vec<Raw>) {
        let mut push = |rule, severity, path: String, message: String| {
            raw.push(Raw {
                row: row_of(rule),
                rule,
                severity,
                path,
                key: false,
                message,
            })
        };
        let (api_version, kind) = (object.api_version(), object.kind());
        if api_version.is_empty() || kind.is_empty() {
            let missing: Vec<&str> = [("apiVersion", api_version), ("kind", kind)]
                .into_iter()
                .filter(|(_, v)| v.is_empty())
                .map(|(k, _)| k)
                .collect();
            push(
                "SCHEMA-STRICT",
                None,
                String::new(),
                format!("{} is required on every object", missing.join(" and ")),
            );
            return;
        }
        let errors = match schema::builtin_errors(self.version, api_version, kind, &object.value) {
            Ok(Some(errors)) => errors,
            Ok(None) => match self.custom.find(api_version, kind) {
                Found::Schema(Some(v)) => schema::errors(&v, &object.value),
                Found::Schema(None) => Vec::new(),
                Found::OtherVersions(served) => {
                    push(
                        "SCHEMA-APIVERSION",
                        None,
                        "/apiVersion".into(),
                        format!(
                            "{api_version} {kind} is not served by its CustomResourceDefinition; it serves {}",
                            served.join(", ")
                        ),
                    );
                    return;
                }
                Found::Unknown => {
                    self.unknown(api_version, kind, &mut push);
                    return;
                }
            },
            Err(e) => {
                push("SCHEMA-STRICT", None, String::new(), e);
                return;
            }
        };
        let row = row_of("SCHEMA-STRICT");
        raw.extend(errors.into_iter().map(|e| Raw {
            row,
            rule: "SCHEMA-STRICT",
            severity: None,
            path: e.path,
            key: e.key,
            message: e.message,
        }));
    }

    /// An apiVersion/kind nothing knows: a removed API, a built-in kind under a version
    /// this Kubernetes does not serve, a typo in a built-in group, or a custom kind
    /// without a schema.
    fn unknown(
        &self,
        api_version: &str,
        kind: &str,
        push: &mut impl FnMut(&'static str, Option<Severity>, String, String),
    ) {
        if let Some(why) = apis::removed(api_version, kind, self.minor) {
            push("SCHEMA-APIVERSION", None, "/apiVersion".into(), why);
            return;
        }
        let group = schema::group_of(api_version);
        let served = schema::served_versions(self.version, group, kind);
        if !served.is_empty() {
            push(
                "SCHEMA-APIVERSION",
                None,
                "/apiVersion".into(),
                format!(
                    "Kubernetes {} does not serve {api_version} {kind}; use apiVersion: {}",
                    self.version,
                    served.join(" or ")
                ),
            );
        } else if schema::builtin_group(self.version, group) {
            push(
                "SCHEMA-KIND",
                Some(Severity::Error),
                "/kind".into(),
                format!(
                    "Kubernetes {} has no kind {kind:?} in {api_version}; check the spelling",
                    self.version
                ),
            );
        } else {
            push(
                "SCHEMA-KIND",
                None,
                "/kind".into(),
                format!(
                    "no schema for {api_version} {kind}: it is not checked; pass its CustomResourceDefinition with --crd or a schema with --schema-dir"
                ),
            );
        }
    }

    /// The waivers in force on an object: its annotation's and the matching data waivers.
    /// Broken annotation entries become POLICY-WAIVER findings.
    fn waivers(&self, index: usize, object: &Object, data: &[Waiver], raw: &mut Vec<Raw>) -> Vec<AppliedWaiver> {
        let mut out: Vec<AppliedWaiver> = Vec::new();
        let mut seen = HashSet::new();
        let annotation = object
            .value
            .pointer("/metadata/annotations")
            .and_then(|a| a.get(WAIVE_ANNOTATION))
            .and_then(Value::as_str);
        let at = format!(
            "/metadata/annotations/{}",
            crate::yaml::pointer_segment(WAIVE_ANNOTATION)
        );
        for entry in annotation.into_iter().flat_map(|a| a.split(';')) {
            let entry = entry.trim();
            if entry.is_empty() {
                continue;
            }
            let (rule_id, reason) = entry.split_once('=').unwrap_or((entry, ""));
            match waivable(rule_id.trim(), reason) {
                Ok(r) if seen.insert(r.id) => out.push(AppliedWaiver {
                    index,
                    object: ident::id(object),
                    rule: r.id,
                    reason: reason.trim().to_string(),
                    source: WaiverSource::Annotation,
                    matched: 0,
                    origin: object.origin.clone(),
                }),
                Ok(_) => {}
                Err(why) => raw.push(Raw {
                    row: row_of("POLICY-WAIVER"),
                    rule: "POLICY-WAIVER",
                    severity: None,
                    path: at.clone(),
                    key: false,
                    message: why,
                }),
            }
        }
        for w in data.iter().filter(|w| w.target.matches(object)) {
            if let Ok(r) = waivable(&w.rule, &w.reason)
                && seen.insert(r.id)
            {
                out.push(AppliedWaiver {
                    index,
                    object: ident::id(object),
                    rule: r.id,
                    reason: w.reason.trim().to_string(),
                    source: WaiverSource::Policy,
                    matched: 0,
                    origin: w.origin.clone(),
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(annotations: Value) -> Object {
        Object::new(
            json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "p", "namespace": "ns", "annotations": annotations},
                "spec": {"containers": [{"name": "c", "image": "nginx:1.27",
                    "securityContext": {"privileged": true}}]}
            }),
            None,
        )
    }

    fn rules_of(report: &Report) -> Vec<(&str, bool)> {
        report.findings.iter().map(|f| (f.rule, f.waived.is_some())).collect()
    }

    #[test]
    fn profiles_select_rules() {
        let objects = [pod(json!({}))];
        let none = check(&objects, &Options::new("1.35", Profile::None)).unwrap();
        assert!(none.findings.is_empty(), "{:#?}", none.findings);
        let baseline = check(&objects, &Options::new("1.35", Profile::Baseline)).unwrap();
        assert!(rules_of(&baseline).contains(&("PSS-BASELINE", false)));
        assert!(!rules_of(&baseline).iter().any(|(r, _)| *r == "PSS-RESTRICTED"));
        let restricted = check(&objects, &Options::new("1.35", Profile::Restricted)).unwrap();
        assert!(rules_of(&restricted).contains(&("PSS-RESTRICTED", false)));
        assert!(restricted.failed(false));
    }

    #[test]
    fn annotation_waivers_relax_and_are_reported() {
        let objects = [pod(
            json!({"berth.dev/waive": "PSS-BASELINE=node agent; PSS-RESTRICTED = node agent"}),
        )];
        let r = check(&objects, &Options::new("1.35", Profile::Restricted)).unwrap();
        assert!(
            r.findings
                .iter()
                .filter(|f| f.rule.starts_with("PSS-"))
                .all(|f| f.waived.is_some())
        );
        let waived: Vec<(&str, &str, usize)> = r
            .waivers
            .iter()
            .map(|w| (w.rule, w.reason.as_str(), w.matched))
            .collect();
        assert_eq!(
            waived,
            [("PSS-BASELINE", "node agent", 1), ("PSS-RESTRICTED", "node agent", 4)]
        );
    }

    #[test]
    fn unlisted_info_findings_are_counted_and_waived_ones_still_listed() {
        let objects = [
            pod(json!({})),
            pod(json!({"berth.dev/waive": "IMG-DIGEST=pinned by the mirror"})),
        ];
        let all = check(&objects, &Options::new("1.35", Profile::Restricted)).unwrap();
        let quiet = check(
            &objects,
            &Options {
                list_info: false,
                ..Options::new("1.35", Profile::Restricted)
            },
        )
        .unwrap();
        assert!(all.count(Severity::Info) > 0);
        for severity in [Severity::Error, Severity::Warn, Severity::Info] {
            assert_eq!(quiet.count(severity), all.count(severity), "{severity:?}");
        }
        let listed = |r: &Report| -> Vec<(&str, bool)> {
            r.findings
                .iter()
                .filter(|f| f.severity == Severity::Info)
                .map(|f| (f.rule, f.waived.is_some()))
                .collect()
        };
        assert_eq!(listed(&quiet), [("IMG-DIGEST", true)]);
        assert_eq!(quiet.unlisted_info, all.count(Severity::Info));
        assert_eq!(quiet.waivers, all.waivers);
        let without_info = |r: &Report| -> Vec<Finding> {
            r.findings
                .iter()
                .filter(|f| f.severity != Severity::Info || f.waived.is_some())
                .cloned()
                .collect()
        };
        assert_eq!(without_info(&quiet), without_info(&all));
    }

    #[test]
    fn broken_waivers_are_findings_and_relax_nothing() {
        let objects = [pod(
            json!({"berth.dev/waive": "PSS-BASELINE; NOPE=x; SCHEMA-STRICT=y; REL-PDB="}),
        )];
        let r = check(&objects, &Options::new("1.35", Profile::Baseline)).unwrap();
        let messages: Vec<&str> = r
            .findings
            .iter()
            .filter(|f| f.rule == "POLICY-WAIVER")
            .map(|f| f.message.as_str())
            .collect();
        assert_eq!(messages.len(), 4, "{messages:#?}");
        assert!(messages[0].contains("no reason") && messages[1].contains("unknown rule"));
        assert!(messages[2].contains("cannot be waived") && messages[3].contains("no reason"));
        assert!(r.waivers.is_empty());
        assert!(rules_of(&r).contains(&("PSS-BASELINE", false)));
    }

    #[test]
    fn data_waivers_match_their_target_and_bad_ones_are_input_errors() {
        let objects = [pod(json!({}))];
        let w = Waiver {
            rule: "PSS-BASELINE".into(),
            target: WaiverTarget {
                kind: Some("Pod".into()),
                name: Some("p".into()),
                namespace: None,
            },
            reason: "node agent".into(),
            origin: None,
        };
        let waivers = [w.clone()];
        let opts = Options {
            waivers: &waivers,
            ..Options::new("1.35", Profile::Baseline)
        };
        let r = check(&objects, &opts).unwrap();
        assert_eq!(r.waivers.len(), 1);
        assert_eq!(r.waivers[0].source, WaiverSource::Policy);
        let bad = [Waiver {
            reason: " ".into(),
            ..w
        }];
        let e = check(&objects, &Options { waivers: &bad, ..opts }).unwrap_err();
        assert_eq!(e.exit_code(), 2);
    }

    #[test]
    fn unknown_kinds_are_told_apart() {
        let obj = |av: &str, kind: &str| {
            Object::new(json!({"apiVersion": av, "kind": kind, "metadata": {"name": "x"}}), None)
        };
        let objects = [
            obj("extensions/v1beta1", "Ingress"),
            obj("apps/v1beta9", "Deployment"),
            obj("apps/v1", "Deploymnet"),
            obj("cert-manager.io/v1", "Certificate"),
            obj("", "Thing"),
        ];
        let r = check(&objects, &Options::new("1.35", Profile::None)).unwrap();
        let got: Vec<(&str, Severity)> = r.findings.iter().map(|f| (f.rule, f.severity)).collect();
        assert_eq!(
            got,
            [
                ("SCHEMA-APIVERSION", Severity::Error),
                ("SCHEMA-APIVERSION", Severity::Error),
                ("SCHEMA-KIND", Severity::Error),
                ("SCHEMA-KIND", Severity::Warn),
                ("SCHEMA-STRICT", Severity::Error),
            ]
        );
        assert!(r.findings[0].message.contains("networking.k8s.io/v1"));
        assert!(r.findings[1].message.contains("use apiVersion: apps/v1"));
    }
}
