//! Test helpers for the overlay transformers: the inputs and the outputs `kubectl
//! kustomize` (kustomize v5.5.0) gave for them, recorded under
//! `tests/fixtures/overlay/kustomize/CASE/` with the kustomization that produced them, and
//! a comparison of objects as sets.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use crate::manifest::Object;
use crate::yaml::{Flavor, parse_stream};

/// The objects of a fixture file.
pub(crate) fn load(case: &str, file: &str) -> Vec<Object> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/overlay/kustomize")
        .join(case)
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let name: Arc<str> = format!("{case}/{file}").into();
    parse_stream(&name, &text, Flavor::Manifest)
        .unwrap()
        .into_iter()
        .map(|d| Object::new(d.value, None))
        .collect()
}

fn keyed(objects: &[Object]) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for o in objects {
        let key = format!("{} {}", o.api_version(), o.id());
        assert!(out.insert(key.clone(), o.value.clone()).is_none(), "duplicate {key}");
    }
    out
}

/// Asserts two sets of objects are equal (key order aside), showing the objects that differ.
pub(crate) fn assert_same(actual: &[Object], expected: &[Object]) {
    let (a, e) = (keyed(actual), keyed(expected));
    let only = |x: &BTreeMap<String, Value>, y: &BTreeMap<String, Value>| -> Vec<String> {
        x.keys().filter(|k| !y.contains_key(*k)).cloned().collect()
    };
    assert!(
        only(&a, &e).is_empty() && only(&e, &a).is_empty(),
        "only berth: {:?}\nonly kustomize: {:?}",
        only(&a, &e),
        only(&e, &a)
    );
    for (k, v) in &a {
        let want = &e[k];
        if v != want {
            pretty_assertions::assert_eq!(
                crate::yaml::emit(v).unwrap(),
                crate::yaml::emit(want).unwrap(),
                "{k} differs (left: berth, right: kustomize)"
            );
            panic!("{k} differs only in key order or number types");
        }
    }
}

/// The object with this `Kind/name` or `Kind/namespace/name`.
pub(crate) fn find<'a>(objects: &'a mut [Object], id: &str) -> &'a mut Value {
    let o = objects.iter_mut().find(|o| o.id() == id);
    &mut o.unwrap_or_else(|| panic!("no {id}")).value
}
