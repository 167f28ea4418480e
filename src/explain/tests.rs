use serde_json::json;

use super::*;

fn traced(value: Value) -> Object {
    let mut o = Object::new(value, None);
    begin(std::slice::from_mut(&mut o), true, |_| {
        Step::new(Stage::Berth, "made", None)
    });
    o
}

#[test]
fn a_step_records_only_what_it_changed() {
    let mut objects = vec![traced(
        json!({"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": 1, "x": {"a": 1}}}),
    )];
    objects[0].value["spec"]["replicas"] = json!(3);
    objects[0].value["spec"]["x"] = json!("flat");
    objects[0].value["metadata"]["labels"] = json!({"team": "a"});
    step(&mut objects, true, &Step::new(Stage::Patch, "patch", None), &|_, _| {
        None
    });
    let t = objects[0].trace.as_ref().unwrap();
    let keys: Vec<&str> = t.fields.keys().map(String::as_str).collect();
    assert_eq!(keys, ["/metadata/labels/team", "/spec/replicas", "/spec/x"]);
    assert!(t.later.is_empty());
}

#[test]
fn a_leaf_changed_twice_keeps_both_steps_and_a_removed_tree_forgets_its_leaves() {
    let mut objects = vec![traced(json!({"spec": {"a": 1, "t": {"b": 2}}}))];
    objects[0].value["spec"]["a"] = json!(2);
    objects[0].value["spec"]["t"] = json!({"b": 3});
    step(&mut objects, true, &Step::new(Stage::Patch, "one", None), &|_, _| None);
    objects[0].value["spec"]["a"] = json!(5);
    objects[0].value["spec"].as_object_mut().unwrap().remove("t");
    step(
        &mut objects,
        true,
        &Step::new(Stage::Transform, "two", None),
        &|_, _| None,
    );
    let t = objects[0].trace.as_ref().unwrap();
    let steps: Vec<&str> = t.fields["/spec/a"].iter().map(|s| s.what.as_str()).collect();
    assert_eq!(steps, ["one", "two"]);
    assert!(!t.fields.contains_key("/spec/t/b"));
}

#[test]
fn without_tracing_nothing_is_recorded() {
    let mut objects = vec![Object::new(json!({"a": 1}), None)];
    begin(&mut objects, false, |_| Step::new(Stage::Berth, "made", None));
    step(&mut objects, false, &Step::new(Stage::Patch, "p", None), &|_, _| None);
    assert!(objects[0].trace.is_none());
}

#[test]
fn a_patch_line_is_found_by_place_op_path_or_unique_key() {
    let at = |p: &str| Origin::new("p.yaml", p.len(), 1);
    let merge = json!({"spec": {"replicas": 4, "containers": [{"name": "web", "image": "x:2"}]}});
    assert_eq!(
        in_patch(&merge, "/spec/replicas", &json!(4), &at),
        Some(at("/spec/replicas"))
    );
    assert_eq!(
        in_patch(&merge, "/spec/containers/1/image", &json!("x:2"), &at),
        Some(at("/spec/containers/0/image"))
    );
    assert_eq!(in_patch(&merge, "/spec/other", &json!(1), &at), None);
    let ops = json!([{"op": "replace", "path": "/spec/replicas", "value": 5}]);
    assert_eq!(in_patch(&ops, "/spec/replicas", &json!(5), &at), Some(at("/0")));
}

#[test]
fn values_read_by_a_line_name_their_source_and_never_a_flag_value() {
    use crate::chart::values::{Source, Values};
    let mut v = Values::parse(&"values.yaml".into(), "image:\n  repo: nginx\n  tag: '1'\n").unwrap();
    v.set_path(
        "image.tag",
        json!("2"),
        Source::Flag {
            flag: "--set",
            arg: "image.tag=2".into(),
        },
        None,
    )
    .unwrap();
    let reads = values_read(
        "image: {{ values.image.repo }}:{{ values.image.tag }} {{ values.nope }}",
        &v,
    );
    let shown: Vec<(String, String)> = reads.into_iter().map(|u| (u.path, u.source)).collect();
    assert_eq!(
        shown,
        [
            ("values.image.repo".to_string(), "values.yaml:2:9".to_string()),
            ("values.image.tag".to_string(), "--set image.tag".to_string()),
        ]
    );
}

#[test]
fn the_compose_key_of_a_node_is_found_by_indentation() {
    let text = "name: shop\nservices:\n  web:\n    image: nginx\n    ports:\n      - \"8080:8080\"\nsecrets:\n  db:\n    file: ./x\n";
    assert_eq!(key_path(text, 1, 7), ["name"]);
    assert_eq!(key_path(text, 4, 5), ["services", "web"]);
    assert_eq!(key_path(text, 6, 9), ["services", "web", "ports"]);
    assert_eq!(key_path(text, 9, 5), ["secrets", "db"]);
}
