//! Output formats and the all-or-nothing `--output-dir` write.

use std::path::Path;
use std::sync::Arc;

use berth::emit::{self, Format};
use berth::manifest::Object;
use berth::yaml::{self, Flavor};
use serde_json::{Value, json};

fn objects() -> Vec<Object> {
    vec![
        Object::new(
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}),
            None,
        ),
        Object::new(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web", "namespace": "shop"},
                   "data": {"on": "yes", "mode": "0644"}}),
            None,
        ),
    ]
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn old_output(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("001-deployment-gone.yaml"), "old").unwrap();
    std::fs::write(dir.join("007-service-gone.yaml"), "old").unwrap();
}

#[test]
fn yaml_is_a_stream_separated_by_document_markers() {
    let text = emit::to_text(&objects(), Format::Yaml).unwrap();
    assert_eq!(text.lines().filter(|l| *l == "---").count(), 1, "{text}");
    assert!(!text.starts_with("---") && text.ends_with('\n'));
    let back = yaml::parse_stream(&Arc::from("out.yaml"), &text, Flavor::Manifest).unwrap();
    let values: Vec<Value> = back.into_iter().map(|d| d.value).collect();
    let want: Vec<Value> = objects().into_iter().map(|o| o.value).collect();
    assert_eq!(
        values, want,
        "strings such as \"yes\" and \"0644\" must survive a round trip"
    );
}

#[test]
fn json_is_a_v1_list_in_order() {
    let text = emit::to_text(&objects(), Format::Json).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["apiVersion"], "v1");
    assert_eq!(v["kind"], "List");
    assert_eq!(v["items"][0]["kind"], "Namespace");
    assert_eq!(v["items"][1]["metadata"]["name"], "web");
    assert!(text.ends_with("}\n"));
}

#[test]
fn output_dir_replaces_an_old_folder_entirely() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("out");
    old_output(&dir);
    emit::write_dir(&dir, &objects(), Format::Yaml).unwrap();
    assert_eq!(listing(&dir), ["001-namespace-shop.yaml", "002-configmap-web.yaml"]);
    let cm = std::fs::read_to_string(dir.join("002-configmap-web.yaml")).unwrap();
    assert!(!cm.contains("---") && cm.contains("name: web"), "{cm}");
    assert_eq!(listing(scratch.path()), ["out"], "no temporary folder is left behind");
}

#[test]
fn output_dir_in_json_writes_one_object_per_file() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("deep/er/out");
    emit::write_dir(&dir, &objects(), Format::Json).unwrap();
    assert_eq!(listing(&dir), ["001-namespace-shop.json", "002-configmap-web.json"]);
    let ns: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("001-namespace-shop.json")).unwrap()).unwrap();
    assert_eq!(ns, objects()[0].value);
}

#[test]
fn a_failed_write_leaves_the_old_folder_untouched() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("out");
    old_output(&dir);
    // A file where the temporary folder should go makes the write fail before the swap.
    std::fs::write(scratch.path().join(".out.berth-tmp"), "in the way").unwrap();
    let e = emit::write_dir(&dir, &objects(), Format::Yaml).unwrap_err();
    assert!(e.to_string().contains(".out.berth-tmp"), "{e}");
    assert_eq!(e.exit_code(), 2);
    assert_eq!(listing(&dir), ["001-deployment-gone.yaml", "007-service-gone.yaml"]);
    assert_eq!(
        std::fs::read_to_string(dir.join("001-deployment-gone.yaml")).unwrap(),
        "old"
    );
    assert_eq!(
        std::fs::read_to_string(scratch.path().join(".out.berth-tmp")).unwrap(),
        "in the way",
        "berth removes nothing it did not create"
    );
}

#[test]
fn a_folder_berth_did_not_write_is_never_replaced() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("src");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("main.rs"), "fn main() {}").unwrap();
    let e = emit::write_dir(&dir, &objects(), Format::Yaml).unwrap_err();
    assert!(e.to_string().contains("main.rs"), "{e}");
    assert_eq!(listing(&dir), ["main.rs"]);
    let file = scratch.path().join("file");
    std::fs::write(&file, "x").unwrap();
    assert!(emit::write_dir(&file, &objects(), Format::Yaml).is_err());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
    std::os::unix::fs::symlink(&dir, scratch.path().join("link")).unwrap();
    let e = emit::write_dir(&scratch.path().join("link"), &objects(), Format::Yaml).unwrap_err();
    assert!(e.to_string().contains("symbolic link"), "{e}");
    assert_eq!(listing(scratch.path()), ["file", "link", "src"]);
}
