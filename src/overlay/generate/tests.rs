use std::path::Path;
use std::sync::Arc;

use serde_json::json;

use super::*;
use crate::manifest::parallel::Threads;
use crate::overlay::refs::testing::{assert_same, load};
use crate::overlay::refs::{Rename, apply, builtin};
use crate::overlay::transform;
use crate::source::scratch;
use crate::yaml::{Flavor, parse_one};

fn fixture_dir(case: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/overlay/kustomize")
        .join(case)
}

/// The generator entries of a fixture's kustomization, read with berth's own types.
fn entries(case: &str, field: &str) -> Vec<Generator> {
    let path = fixture_dir(case).join("kustomization.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let doc = parse_one(&Arc::from("kustomization.yaml"), &text, Flavor::Manifest).unwrap();
    serde_json::from_value(doc.value[field].clone()).unwrap()
}

/// Generates every entry of the fixture's kustomization and names it as Kustomize does.
fn generated(case: &str, sandbox: &Sandbox) -> Vec<Object> {
    let mut out = Vec::new();
    for (field, kind) in [
        ("configMapGenerator", Kind::ConfigMap),
        ("secretGenerator", Kind::Secret),
    ] {
        for g in entries(case, field) {
            let mut obj = generate(kind, &g, sandbox, "", None).unwrap();
            if !g.options.disable_name_suffix_hash {
                hash_name(&mut obj);
            }
            out.push(obj);
        }
    }
    out
}

fn hash_name(obj: &mut Object) -> Rename {
    let old = obj.name().to_string();
    let new = format!("{old}-{}", hash_suffix(&obj.value));
    obj.value["metadata"]["name"] = json!(new);
    Rename {
        group: String::new(),
        kind: obj.kind().to_string(),
        namespace: obj.namespace().to_string(),
        old,
        new,
    }
}

/// Literals (quotes, `=` in values, empty values), files (`path`, `key=path`, binary),
/// env files (comments, blanks, no `=`, quotes kept, CRLF), labels, annotations,
/// `immutable`, `disableNameSuffixHash`, empty generators, Secret types and base64: the
/// objects and the hashed names equal Kustomize's.
#[test]
fn generators_match_kustomize() {
    let sandbox = Sandbox::new(&fixture_dir("generators")).unwrap();
    let objects = generated("generators", &sandbox);
    assert_same(&objects, &load("generators", "expected.yaml"));
}

/// The whole sequence over a Deployment: generate (and merge into a base ConfigMap),
/// replicas, namespace, prefix and suffix with their references, images, then the hashes
/// with theirs. The names are Kustomize's, hashes included.
#[test]
fn generated_names_reach_every_reference() {
    let case = "generator-refs";
    let sandbox = Sandbox::new(&fixture_dir(case)).unwrap();
    let mut objects = load(case, "resources.yaml");
    let mut hashed = Vec::new();
    for (field, kind) in [
        ("configMapGenerator", Kind::ConfigMap),
        ("secretGenerator", Kind::Secret),
    ] {
        for g in entries(case, field) {
            let obj = generate(kind, &g, &sandbox, "", None).unwrap();
            match g.behavior(None).unwrap() {
                Behavior::Create => {
                    if !g.options.disable_name_suffix_hash {
                        hashed.push(objects.len());
                    }
                    objects.push(obj);
                }
                behavior => {
                    let base = objects.iter_mut().find(|o| o.id() == obj.id()).unwrap();
                    base.value = combine(&base.value, obj.value, behavior);
                }
            }
        }
    }
    let rule = transform::Replicas {
        name: "web".into(),
        count: 3,
    };
    assert!(transform::replicas(&mut objects, &[rule], Threads::ONE).is_empty());
    transform::namespace(&mut objects, "prod", Threads::ONE);
    let renames = transform::affix(&mut objects, "shop-", "-prod", Threads::ONE);
    apply(&mut objects, &renames, &builtin());
    let image = transform::Image {
        name: "nginx".into(),
        new_tag: Some("1.27".into()),
        ..transform::Image::default()
    };
    assert!(transform::images(&mut objects, &[image], Threads::ONE).is_empty());
    let renames: Vec<Rename> = hashed.iter().map(|i| hash_name(&mut objects[*i])).collect();
    apply(&mut objects, &renames, &builtin());
    assert_same(&objects, &load(case, "expected.yaml"));
}

/// Kustomize keeps the base's name, namespace and labels, puts the generated labels on
/// top, and merges or replaces the keys; the hashes are Kustomize's for the results.
#[test]
fn merge_and_replace_combine_like_kustomize() {
    let base = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "gen", "labels": {"from": "base", "x": "y"}}, "data": {"a": "1", "b": "2"}});
    let (_dir, sandbox) = scratch(&[]);
    let g = Generator {
        name: "gen".into(),
        literals: vec!["b=20".into(), "c=30".into()],
        options: Options {
            labels: json!({"from": "ov"}).as_object().unwrap().clone(),
            annotations: json!({"an": "x"}).as_object().unwrap().clone(),
            ..Options::default()
        },
        ..Generator::default()
    };
    let made = || generate(Kind::ConfigMap, &g, &sandbox, "", None).unwrap().value;
    let merged = combine(&base, made(), Behavior::Merge);
    assert_eq!(merged["data"], json!({"a": "1", "b": "20", "c": "30"}));
    assert_eq!(merged["metadata"]["labels"], json!({"from": "ov", "x": "y"}));
    assert_eq!(merged["metadata"]["annotations"], json!({"an": "x"}));
    assert_eq!(hash_suffix(&merged), "76km87g2ff");
    let replaced = combine(&base, made(), Behavior::Replace);
    assert_eq!(replaced["data"], json!({"b": "20", "c": "30"}));
    assert_eq!(replaced["metadata"]["labels"], json!({"from": "ov", "x": "y"}));
    assert_eq!(hash_suffix(&replaced), "f94824b2t7");
    assert_eq!(combine(&base, made(), Behavior::Create), made());
}

fn error(kind: Kind, g: &Generator, files: &[(&str, &str)]) -> (String, Option<Origin>, String) {
    let (_dir, sandbox) = scratch(files);
    let at = Origin::new("overlays/dev/overlay.yaml", 7, 5);
    match generate(kind, g, &sandbox, "overlays/dev", Some(&at)) {
        Err(Error::Input { message, origin, help }) => (message, origin, help.unwrap_or_default()),
        other => panic!("expected an input error, got {other:?}"),
    }
}

fn entry(literals: &[&str], files: &[&str], envs: &[&str]) -> Generator {
    Generator {
        name: "app".into(),
        literals: literals.iter().map(|s| s.to_string()).collect(),
        files: files.iter().map(|s| s.to_string()).collect(),
        envs: envs.iter().map(|s| s.to_string()).collect(),
        ..Generator::default()
    }
}

#[test]
fn bad_entries_are_located_errors() {
    let at = Some(Origin::new("overlays/dev/overlay.yaml", 7, 5));
    let cm = Kind::ConfigMap;
    let (m, o, _) = error(cm, &entry(&["novalue"], &[], &[]), &[]);
    assert_eq!((m.as_str(), &o), ("literal `novalue` is not `key=value`", &at));
    let (m, _, _) = error(cm, &entry(&["=x"], &[], &[]), &[]);
    assert_eq!(m, "literal `=x` is not `key=value`");
    let (m, o, _) = error(cm, &entry(&[], &["missing.txt"], &[]), &[]);
    assert!(m.starts_with("cannot read `overlays/dev/missing.txt`"), "{m}");
    assert_eq!(o, at);
    let (m, o, h) = error(cm, &entry(&[], &["../../../x.txt"], &[]), &[]);
    assert_eq!((m.as_str(), &o), ("`../../../x.txt` leaves the project root", &at));
    assert!(h.contains("project root"));
    let (m, _, _) = error(cm, &entry(&[], &["=a.txt"], &[]), &[]);
    assert_eq!(m, "file source `=a.txt` has no key before `=`");
    let (m, _, _) = error(cm, &entry(&[], &["k="], &[]), &[]);
    assert_eq!(m, "file source `k=` has no path after `=`");
    let (m, _, _) = error(cm, &entry(&[], &["k=a=b.txt"], &[]), &[]);
    assert_eq!(m, "file source `k=a=b.txt` has more than one `=`");
    let files = [("overlays/dev/a.txt", "x")];
    let (m, o, _) = error(cm, &entry(&["a.txt=y"], &["a.txt"], &[]), &files);
    assert_eq!((m.as_str(), &o), ("ConfigMap `app` has the key `a.txt` twice", &at));
    let mut unnamed = entry(&["a=b"], &[], &[]);
    unnamed.name.clear();
    assert_eq!(
        error(Kind::Secret, &unnamed, &[]).0,
        "a Secret generator needs a `name`"
    );
    let mut typed = entry(&["a=b"], &[], &[]);
    typed.secret_type = Some("kubernetes.io/tls".into());
    assert_eq!(error(cm, &typed, &[]).0, "ConfigMap generator `app` has a `type`");
}

/// Kustomize passes keys Kubernetes refuses on to the API server; berth stops at the line.
#[test]
fn keys_kubernetes_refuses_are_errors_at_their_line() {
    let env = [("overlays/dev/app.env", "# settings\nA=1\nexport FOO=bar\n")];
    let (m, o, h) = error(Kind::ConfigMap, &entry(&[], &[], &["app.env"]), &env);
    assert_eq!(
        m,
        "key `export FOO` of ConfigMap `app` may hold only letters, digits, `-`, `_` and `.`"
    );
    assert_eq!(o, Some(Origin::new("overlays/dev/app.env", 3, 1)));
    assert!(h.contains("rename the key"));
    let (m, _, _) = error(Kind::Secret, &entry(&["a b=c"], &[], &[]), &[]);
    assert_eq!(
        m,
        "key `a b` of Secret `app` may hold only letters, digits, `-`, `_` and `.`"
    );
}

#[test]
fn env_files_must_be_utf8_line_by_line() {
    let (dir, sandbox) = scratch(&[]);
    std::fs::create_dir_all(dir.path().join("o")).unwrap();
    std::fs::write(dir.path().join("o/bad.env"), b"A=1\nB=\xff\n").unwrap();
    let err = generate(Kind::ConfigMap, &entry(&[], &[], &["bad.env"]), &sandbox, "o", None).unwrap_err();
    assert_eq!(err.to_string(), "line 2 of env file `o/bad.env` is not valid UTF-8");
    assert_eq!(err.origin(), Some(&Origin::new("o/bad.env", 2, 1)));
}

#[test]
fn behaviors_parse_or_fail_located() {
    let mut g = entry(&[], &[], &[]);
    assert_eq!(g.behavior(None).unwrap(), Behavior::Create);
    g.behavior = Some("merge".into());
    assert_eq!(g.behavior(None).unwrap(), Behavior::Merge);
    g.behavior = Some("replace".into());
    assert_eq!(g.behavior(None).unwrap(), Behavior::Replace);
    g.behavior = Some("upsert".into());
    let at = Origin::new("o/overlay.yaml", 3, 5);
    let err = g.behavior(Some(&at)).unwrap_err();
    assert_eq!(err.to_string(), "unknown generator behavior `upsert`");
    assert_eq!(err.origin(), Some(&at));
}

#[test]
fn generated_objects_carry_their_entry_origin_and_namespace() {
    let (_dir, sandbox) = scratch(&[("o/conf/app.properties", "a=b\n")]);
    let at = Origin::new("o/overlay.yaml", 4, 3);
    let g = Generator {
        namespace: Some("shop".into()),
        files: vec!["conf/app.properties".into()],
        ..entry(&[], &[], &[])
    };
    let obj = generate(Kind::ConfigMap, &g, &sandbox, "o", Some(&at)).unwrap();
    assert_eq!(obj.origin, Some(at));
    assert_eq!(
        obj.value,
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app", "namespace": "shop"},
            "data": {"app.properties": "a=b\n"}})
    );
}
