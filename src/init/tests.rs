use serde_json::json;

use super::*;

#[test]
fn images_split_into_repository_and_tag() {
    let s = |i: &str| {
        let (r, t) = split_image(i);
        format!("{r}|{t}")
    };
    assert_eq!(s("nginx:1.27"), "nginx|1.27");
    assert_eq!(s("nginx"), "nginx|");
    assert_eq!(s("registry:5000/team/app:2"), "registry:5000/team/app|2");
    assert_eq!(s("registry:5000/team/app"), "registry:5000/team/app|");
    assert_eq!(s("app@sha256:abc"), "app@sha256:abc|");
    assert_eq!(s("${REGISTRY}/app:${TAG:-1}"), "${REGISTRY}/app:${TAG:-1}|");
    assert_eq!(s("nginx:"), "nginx:|");
}

#[test]
fn template_delimiters_in_the_compose_text_are_escaped() {
    assert_eq!(escape_jinja("a {{.State}} b"), "a {{ \"{{\" }}.State}} b");
    assert_eq!(escape_jinja("${#VAR} {% x {"), "${{ \"{#\" }}VAR} {{ \"{%\" }} x {");
    assert_eq!(escape_jinja("{{{"), "{{ \"{{\" }}{");
    assert_eq!(escape_jinja("no braces"), "no braces");
}

fn input(text: &str) -> Input<'_> {
    Input {
        file: "compose.yaml",
        text,
        project: "shop",
        namespace: "shop",
    }
}

fn file<'a>(files: &'a [File], path: &str) -> &'a str {
    &files.iter().find(|f| f.path == path).unwrap().text
}

#[test]
fn tunable_fields_move_into_values() {
    let text = "services:\n  web:\n    image: nginx:1.27\n    ports: [\"8080:80\"]\n    environment:\n      A: \"1\"\n    deploy:\n      replicas: 1\n      resources: {limits: {memory: 64M}}\n  db:\n    image: postgres:17\n    volumes: [data:/var/lib/postgresql/data]\n    deploy: {replicas: 1}\nvolumes:\n  data:\n    x-berth: {size: 5Gi}\n";
    let files = generate(&input(text), "compose.yaml").unwrap();
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "charts/shop/Chart.yaml",
            "charts/shop/values.yaml",
            "charts/shop/values.schema.json",
            "charts/shop/compose.yaml",
            "overlays/dev/overlay.yaml",
            "overlays/staging/overlay.yaml",
            "overlays/prod/overlay.yaml",
            "overlays/prod/values.yaml",
        ]
    );
    let compose = file(&files, "charts/shop/compose.yaml");
    assert!(compose.contains("\nname: shop\n"), "{compose}");
    assert!(
        compose.contains("replicas: {{ values.services.web.replicas | tojson }}"),
        "{compose}"
    );
    assert!(
        compose.contains("size: {{ values.storage.data | tojson }}"),
        "{compose}"
    );
    assert!(
        compose.contains("image: {{ [values.services.web.image.repository, values.services.web.image.tag] | select | join(\":\") | tojson }}"),
        "{compose}"
    );
    assert!(!compose.contains("__berth_value_"), "{compose}");
    let values = crate::yaml::parse_one(
        &"v".into(),
        file(&files, "charts/shop/values.yaml"),
        crate::yaml::Flavor::Compose,
    )
    .unwrap()
    .value;
    assert_eq!(
        values["services"]["web"]["image"],
        json!({"repository": "nginx", "tag": "1.27"})
    );
    assert_eq!(values["services"]["web"]["ports"], json!(["8080:80"]));
    assert_eq!(
        values["services"]["web"]["resources"],
        json!({"limits": {"memory": "64M"}})
    );
    assert_eq!(values["storage"], json!({"data": "5Gi"}));
    // prod scales web (stateless) but not db (it mounts a volume).
    let prod = file(&files, "overlays/prod/values.yaml");
    assert!(
        prod.contains("web:\n    replicas: 2\n") && !prod.contains("db:"),
        "{prod}"
    );
    let schema: Value = serde_json::from_str(file(&files, "charts/shop/values.schema.json")).unwrap();
    assert_eq!(
        schema["properties"]["services"]["properties"]["web"]["properties"]["replicas"]["type"],
        "integer"
    );
    assert_eq!(schema["properties"]["storage"]["required"], json!(["data"]));
}

#[test]
fn an_existing_name_is_kept() {
    let files = generate(&input("name: other\nservices:\n  a:\n    image: x\n"), "compose.yaml").unwrap();
    let compose = file(&files, "charts/shop/compose.yaml");
    assert!(
        compose.contains("\nname: other\n") && !compose.contains("name: shop"),
        "{compose}"
    );
    // Nothing to scale: prod has no values file.
    assert!(!files.iter().any(|f| f.path == "overlays/prod/values.yaml"));
}

#[test]
fn placeholders_never_collide_with_the_text() {
    let text = "services:\n  a:\n    image: x\n    command: [\"__berth_value_0__\"]\n";
    let files = generate(&input(text), "compose.yaml").unwrap();
    let compose = file(&files, "charts/shop/compose.yaml");
    assert!(compose.contains("- __berth_value_0__\n"), "{compose}");
    assert!(compose.contains("image: {{ [values.services.a.image"), "{compose}");
}

#[test]
fn reset_tags_are_kept_as_the_loader_reads_them() {
    let text = "services:\n  a:\n    image: x\n    command: !reset []\n    ports: !override [\"80\"]\n";
    let files = generate(&input(text), "compose.yaml").unwrap();
    let compose = file(&files, "charts/shop/compose.yaml");
    assert!(compose.contains("    command: null\n"), "{compose}");
    let values = file(&files, "charts/shop/values.yaml");
    assert!(
        values.contains("ports:\n      - '80'\n") || values.contains("ports:\n      - \"80\"\n"),
        "{values}"
    );
}

#[test]
fn long_namespaces_stay_labels() {
    let ns = "a".repeat(63);
    let i = Input {
        namespace: &ns,
        ..input("services:\n  a:\n    image: x\n")
    };
    let files = generate(&i, "compose.yaml").unwrap();
    let staging = file(&files, "overlays/staging/overlay.yaml");
    let line = staging.lines().find(|l| l.starts_with("  namespace: ")).unwrap();
    assert_eq!(line.len() - "  namespace: ".len(), 63);
}

#[test]
fn odd_names_are_subscripts() {
    assert_eq!(jinja_key("web"), ".web");
    assert_eq!(jinja_key("my-web"), "[\"my-web\"]");
    assert_eq!(jinja_key("none"), "[\"none\"]");
    assert_eq!(jinja_key("1st"), "[\"1st\"]");
}
