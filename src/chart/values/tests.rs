//! The merge specification (book/src/values.md) as a table, then provenance, subchart
//! scoping, and every error path.

use super::*;
use crate::source::scratch;
use serde_json::json;

/// One layer on top of the chart's values.yaml.
enum Layer {
    /// A values file (overlay values or `-f`), as YAML text.
    File(&'static str),
    /// One `apply_sets` call with these arguments, in command-line order.
    Sets(&'static [(SetKind, &'static str)]),
}

use Layer::{File, Sets};
use SetKind::{File as SetFile, Json, Literal, Set as S, String as Str};

struct Case {
    name: &'static str,
    base: &'static str,
    layers: &'static [Layer],
    want: &'static str,
}

const CASES: &[Case] = &[
    // Maps, lists, scalars.
    Case {
        name: "scalar replaces scalar",
        base: "a: 1",
        layers: &[File("a: 2")],
        want: "a: 2",
    },
    Case {
        name: "maps merge key by key",
        base: "a: {x: 1, y: 2}",
        layers: &[File("a: {y: 3, z: 4}")],
        want: "a: {x: 1, y: 3, z: 4}",
    },
    Case {
        name: "lists replace",
        base: "a: [1, 2, 3]",
        layers: &[File("a: [4]")],
        want: "a: [4]",
    },
    Case {
        name: "lists of maps replace, never merge by index",
        base: "a: [{name: x, v: 1}]",
        layers: &[File("a: [{v: 2}]")],
        want: "a: [{v: 2}]",
    },
    Case {
        name: "empty list replaces a list",
        base: "a: [1]",
        layers: &[File("a: []")],
        want: "a: []",
    },
    Case {
        name: "deep nesting merges at every level",
        base: "a: {b: {c: {d: {e: 1, f: 2}}, g: 3}}",
        layers: &[File("a: {b: {c: {d: {e: 5}}}}")],
        want: "a: {b: {c: {d: {e: 5, f: 2}}, g: 3}}",
    },
    // null.
    Case {
        name: "null deletes a scalar default",
        base: "a: 1\nb: 2",
        layers: &[File("a: null")],
        want: "b: 2",
    },
    Case {
        name: "null deletes a whole map default",
        base: "a: {x: 1, y: {z: 2}}\nb: 2",
        layers: &[File("a: ~")],
        want: "b: 2",
    },
    Case {
        name: "null deletes a nested default",
        base: "a: {x: 1, y: 2}",
        layers: &[File("a: {x: null}")],
        want: "a: {y: 2}",
    },
    Case {
        name: "null deletes a list default",
        base: "a: [1]\nb: 1",
        layers: &[File("a:")],
        want: "b: 1",
    },
    Case {
        name: "null over nothing is dropped",
        base: "b: 1",
        layers: &[File("a: null")],
        want: "b: 1",
    },
    Case {
        name: "null under a new map leaves the map empty",
        base: "b: 1",
        layers: &[File("a: {x: null}")],
        want: "{a: {}, b: 1}",
    },
    Case {
        name: "null in the chart's own values.yaml is kept",
        base: "a: null\nb: ~\nc:",
        layers: &[],
        want: "{a: null, b: null, c: null}",
    },
    Case {
        name: "a kept null is overridden like any value",
        base: "a: null",
        layers: &[File("a: {x: 1}")],
        want: "a: {x: 1}",
    },
    Case {
        name: "nulls inside lists are list items",
        base: "a: [1]",
        layers: &[File("a: [null, 2, {x: null}]")],
        want: "a: [null, 2, {x: null}]",
    },
    Case {
        name: "null between two -f files deletes (Helm keeps the key)",
        base: "{}",
        layers: &[File("a: 1\nb: 1"), File("a: null")],
        want: "b: 1",
    },
    Case {
        name: "deleted then given again starts from nothing",
        base: "a: {x: 1}",
        layers: &[File("a: null"), File("a: {y: 2}")],
        want: "a: {y: 2}",
    },
    // Type conflicts.
    Case {
        name: "map over scalar replaces",
        base: "a: 1",
        layers: &[File("a: {x: 1}")],
        want: "a: {x: 1}",
    },
    Case {
        name: "scalar over map replaces",
        base: "a: {x: 1}",
        layers: &[File("a: 1")],
        want: "a: 1",
    },
    Case {
        name: "list over map replaces",
        base: "a: {x: 1}",
        layers: &[File("a: [1]")],
        want: "a: [1]",
    },
    Case {
        name: "map over list replaces",
        base: "a: [1]",
        layers: &[File("a: {x: 1}")],
        want: "a: {x: 1}",
    },
    Case {
        name: "a map that replaced a scalar does not resurrect the map below",
        base: "a: {x: 1}",
        layers: &[File("a: s"), File("a: {y: 2}")],
        want: "a: {y: 2}",
    },
    // Empty maps and files.
    Case {
        name: "empty map over a map changes nothing",
        base: "a: {x: 1}",
        layers: &[File("a: {}")],
        want: "a: {x: 1}",
    },
    Case {
        name: "empty map over a scalar replaces",
        base: "a: 1",
        layers: &[File("a: {}")],
        want: "a: {}",
    },
    Case {
        name: "empty map where nothing was is kept",
        base: "b: 1",
        layers: &[File("a: {}")],
        want: "{a: {}, b: 1}",
    },
    Case {
        name: "empty file changes nothing",
        base: "a: 1",
        layers: &[File("")],
        want: "a: 1",
    },
    Case {
        name: "comment-only file changes nothing",
        base: "a: 1",
        layers: &[File("# nothing\n")],
        want: "a: 1",
    },
    Case {
        name: "files apply in order",
        base: "a: 1",
        layers: &[File("a: 2"), File("a: 3")],
        want: "a: 3",
    },
    // --set grammar.
    Case {
        name: "--set a.b merges into a map",
        base: "a: {c: 2}",
        layers: &[Sets(&[(S, "a.b=1")])],
        want: "a: {b: 1, c: 2}",
    },
    Case {
        name: "--set several assignments",
        base: "{}",
        layers: &[Sets(&[(S, "a=1,b.c=2")])],
        want: "{a: 1, b: {c: 2}}",
    },
    Case {
        name: "--set types bools, nulls and whole numbers only",
        base: "{}",
        layers: &[Sets(&[(S, "a=true,b=0,c=007,d=1.5,e=0x1F,f=-3,g=False,h=yes,i=1e3")])],
        want: "{a: true, b: 0, c: '007', d: '1.5', e: '0x1F', f: -3, g: false, h: 'yes', i: '1e3'}",
    },
    Case {
        name: "--set-string keeps text",
        base: "{}",
        layers: &[Sets(&[(Str, "a=true,b=1,c=null,d={1,x}")])],
        want: "{a: 'true', b: '1', c: 'null', d: ['1', x]}",
    },
    Case {
        name: "--set null deletes a default",
        base: "a: 1\nb: 2",
        layers: &[Sets(&[(S, "a=null")])],
        want: "b: 2",
    },
    Case {
        name: "--set null under a missing map creates nothing",
        base: "b: 2",
        layers: &[Sets(&[(S, "a.x=null")])],
        want: "b: 2",
    },
    Case {
        name: "--set null through a list index grows the list",
        base: "b: 2",
        layers: &[Sets(&[(S, "a[1].x=null")])],
        want: "{a: [null, {}], b: 2}",
    },
    Case {
        name: "--set empty value is an empty string",
        base: "a: 1",
        layers: &[Sets(&[(S, "a=")])],
        want: "a: ''",
    },
    Case {
        name: "--set index changes one item of a list the user's files give",
        base: "a: [p]",
        layers: &[File("a: [p, q, r]"), Sets(&[(S, "a[1]=x")])],
        want: "a: [p, x, r]",
    },
    Case {
        name: "--set index on a list only the chart gives replaces it, as in Helm",
        base: "a: [p, q, r]",
        layers: &[Sets(&[(S, "a[1]=x")])],
        want: "a: [null, x]",
    },
    Case {
        name: "--set index past the end grows the list with nulls",
        base: "{}",
        layers: &[Sets(&[(S, "a[2]=x")])],
        want: "a: [null, null, x]",
    },
    Case {
        name: "--set index then key builds maps in lists",
        base: "{}",
        layers: &[Sets(&[(S, "a[0].b=1,a[0].c=2,a[1].d=3")])],
        want: "a: [{b: 1, c: 2}, {d: 3}]",
    },
    Case {
        name: "--set nested lists",
        base: "{}",
        layers: &[Sets(&[(S, "a[0][1]=x")])],
        want: "a: [[null, x]]",
    },
    Case {
        name: "--set into an item of a list from a file",
        base: "{}",
        layers: &[File("a: [{name: web, port: 80}]"), Sets(&[(S, "a[0].port=8080")])],
        want: "a: [{name: web, port: 8080}]",
    },
    Case {
        name: "--set escaped dot",
        base: "{}",
        layers: &[Sets(&[(S, r"a\.b=1")])],
        want: "{'a.b': 1}",
    },
    Case {
        name: "--set escaped comma",
        base: "{}",
        layers: &[Sets(&[(S, r"a=x\,y,b=2")])],
        want: "{a: 'x,y', b: 2}",
    },
    Case {
        name: "--set {x,y} list replaces a list",
        base: "a: [1, 2, 3]",
        layers: &[Sets(&[(S, "a={x,2}")])],
        want: "a: [x, 2]",
    },
    Case {
        name: "--set {} is an empty list (Helm: [\"\"])",
        base: "a: [1]",
        layers: &[Sets(&[(S, "a={}")])],
        want: "a: []",
    },
    Case {
        name: "--set map over scalar",
        base: "a: s",
        layers: &[Sets(&[(S, "a.b=1")])],
        want: "a: {b: 1}",
    },
    Case {
        name: "--set scalar over map",
        base: "a: {b: 1}",
        layers: &[Sets(&[(S, "a=1")])],
        want: "a: 1",
    },
    Case {
        name: "--set list index over map",
        base: "a: {m: 1}",
        layers: &[Sets(&[(S, "a[0]=x")])],
        want: "a: [x]",
    },
    Case {
        name: "--set key over list",
        base: "a: [1]",
        layers: &[Sets(&[(S, "a.b=x")])],
        want: "a: {b: x}",
    },
    Case {
        name: "--set-json object merges into a map",
        base: "a: {y: 2}",
        layers: &[Sets(&[(Json, r#"a={"x":1}"#)])],
        want: "a: {x: 1, y: 2}",
    },
    Case {
        name: "--set-json null inside an object deletes",
        base: "a: {x: 1, y: 2}",
        layers: &[Sets(&[(Json, r#"a={"y":null}"#)])],
        want: "a: {x: 1}",
    },
    Case {
        name: "--set-json lists keep their nulls",
        base: "{}",
        layers: &[Sets(&[(Json, r#"a=[1,{"b":null},null]"#)])],
        want: "a: [1, {b: null}, null]",
    },
    Case {
        name: "--set-json empty value deletes",
        base: "a: 1\nb: 1",
        layers: &[Sets(&[(Json, "a=")])],
        want: "b: 1",
    },
    Case {
        name: "--set-json numbers and strings",
        base: "{}",
        layers: &[Sets(&[(Json, r#"a=1.5,b="007",c=true"#)])],
        want: "{a: 1.5, b: '007', c: true}",
    },
    Case {
        name: "flag families apply json, set, string, file, literal whatever the order",
        base: "{}",
        layers: &[Sets(&[
            (Literal, "e=lit"),
            (SetFile, "a=files/a.txt"),
            (Str, "a=s,b=s"),
            (S, "a=1,b=1,c=1"),
            (Json, "a=2,b=2,c=2,d=2,e=2"),
        ])],
        want: "{a: \"text a\\n\", b: s, c: 1, d: 2, e: lit}",
    },
    Case {
        name: "within a family the last argument wins",
        base: "{}",
        layers: &[Sets(&[(S, "a=1"), (S, "a=2,a=3"), (S, "b=4")])],
        want: "{a: 3, b: 4}",
    },
    Case {
        name: "flags beat every file",
        base: "a: 1",
        layers: &[File("a: 2"), Sets(&[(S, "a=3")]), File("b: 1")],
        want: "{a: 3, b: 1}",
    },
    Case {
        name: "--set-file reads text relative to the root",
        base: "{}",
        layers: &[Sets(&[(SetFile, "tls.cert=files/a.txt")])],
        want: "tls: {cert: \"text a\\n\"}",
    },
    Case {
        name: "--set-file list of files",
        base: "{}",
        layers: &[Sets(&[(SetFile, "a={files/a.txt,files/b.txt}")])],
        want: "a: [\"text a\\n\", \"text b\"]",
    },
    Case {
        name: "--set-literal keeps commas and backslashes",
        base: "{}",
        layers: &[Sets(&[(Literal, r"a.b=x,y\z")])],
        want: r"a: {b: 'x,y\z'}",
    },
];

fn sandbox() -> (tempfile::TempDir, Sandbox) {
    scratch(&[("files/a.txt", "text a\n"), ("files/b.txt", "text b")])
}

fn parse(name: &str, text: &str) -> Values {
    Values::parse(&Arc::from(name), text).unwrap()
}

fn yaml_value(text: &str) -> Value {
    yaml::parse_one(&Arc::from("want.yaml"), text, Flavor::Manifest)
        .unwrap()
        .value
}

fn sets(args: &[(SetKind, &str)]) -> Vec<SetArg> {
    args.iter()
        .map(|(kind, text)| SetArg {
            kind: *kind,
            text: text.to_string(),
        })
        .collect()
}

/// Runs the layers as the pipeline does: the user's files and flags merged into one
/// stack, in order, then the stack over the chart's values.yaml.
fn run(case: &Case, sb: &Sandbox) -> Values {
    let mut user = Values::default();
    for (i, layer) in case.layers.iter().enumerate() {
        match layer {
            File(text) => user.merge(parse(&format!("f{i}.yaml"), text)),
            Sets(args) => apply_sets(&mut user, &sets(args), sb).unwrap_or_else(|e| panic!("{}: {e}", case.name)),
        }
    }
    user.over_defaults(parse("values.yaml", case.base))
}

#[test]
fn merge_specification_table() {
    assert!(CASES.len() >= 40, "{} cases", CASES.len());
    let (_dir, sb) = sandbox();
    for case in CASES {
        let values = run(case, &sb);
        assert_eq!(values.tree, yaml_value(case.want), "case: {}", case.name);
        // Files merged one by one onto the chart's values give the same tree as the stack:
        // merging is associative, which subcharts rely on.
        if case.layers.iter().all(|l| matches!(l, File(_))) {
            let mut one_by_one = parse("values.yaml", case.base);
            for (i, layer) in case.layers.iter().enumerate() {
                if let File(text) = layer {
                    one_by_one.merge(parse(&format!("f{i}.yaml"), text));
                }
            }
            assert_eq!(one_by_one.tree, values.tree, "associativity: {}", case.name);
        }
    }
}

#[test]
fn key_order_is_the_base_order_then_new_keys() {
    let mut v = parse("values.yaml", "z: 1\na: {y: 1, b: 2}\nm: 3");
    v.merge(parse("f.yaml", "a: {c: 3, y: 9}\nb: 1\nm: null"));
    assert_eq!(
        yaml::emit(&v.tree).unwrap(),
        "z: 1\na:\n  \"y\": 9\n  b: 2\n  c: 3\nb: 1\n"
    );
}

// Provenance.

fn origin_of(v: &Values, pointer: &str) -> String {
    v.source_of(pointer).map(ToString::to_string).unwrap_or_default()
}

#[test]
fn every_leaf_list_and_empty_map_is_located() {
    let v = parse("values.yaml", "a:\n  b: 1\n  l: [x, y]\n  e: {}\n  n: ~\n");
    assert_eq!(origin_of(&v, "/a/b"), "values.yaml:2:6");
    assert_eq!(origin_of(&v, "/a/l"), "values.yaml:3:6");
    assert_eq!(origin_of(&v, "/a/l/1"), "values.yaml:3:10");
    assert_eq!(origin_of(&v, "/a/e"), "values.yaml:4:6");
    assert_eq!(origin_of(&v, "/a/n"), "values.yaml:5:6");
    assert_eq!(origin_of(&v, "/a/missing/deeper"), "values.yaml:2:3");
}

#[test]
fn provenance_follows_merges() {
    let mut v = parse("values.yaml", "a:\n  x: 1\n  y: 2\nm:\n  p: 1\n  q: 2\nl: [1, 2]\n");
    v.merge(parse("prod.yaml", "a:\n  x: 9\nm: 5\nl: [3]\n"));
    assert_eq!(origin_of(&v, "/a/x"), "prod.yaml:2:6");
    assert_eq!(origin_of(&v, "/a/y"), "values.yaml:3:6");
    // A map keeps the source of the layer that created it.
    assert_eq!(origin_of(&v, "/a"), "values.yaml:2:3");
    // A replaced subtree forgets its old sources.
    assert_eq!(origin_of(&v, "/m"), "prod.yaml:3:4");
    assert!(!v.provenance.contains_key("/m/p"));
    assert_eq!(origin_of(&v, "/l"), "prod.yaml:4:4");
    assert!(!v.provenance.contains_key("/l/1"));
    // A deleted key forgets its sources, and says what deleted it.
    v.merge(parse("del.yaml", "a:\n  y: null\n"));
    assert!(!v.provenance.contains_key("/a/y"));
    assert_eq!(origin_of(&v, "/a/y"), "values.yaml:2:3");
    assert_eq!(v.cleared_by("/a/y").unwrap().to_string(), "del.yaml:2:6");
    assert_eq!(v.cleared_by("/a/x"), None);
}

#[test]
fn flags_are_their_own_source() {
    let (_dir, sb) = sandbox();
    let mut v = parse("values.yaml", "l: [a, b]\nimage: {tag: old}\n");
    apply_sets(
        &mut v,
        &sets(&[(S, "image.tag=1.2,l[1]=c"), (Json, r#"obj={"k":[1]}"#)]),
        &sb,
    )
    .unwrap();
    let flag = |flag, arg: &str| Source::Flag { flag, arg: arg.into() };
    assert_eq!(v.source_of("/image/tag"), Some(&flag("--set", "image.tag=1.2,l[1]=c")));
    assert_eq!(v.source_of("/l/1"), Some(&flag("--set", "image.tag=1.2,l[1]=c")));
    assert_eq!(origin_of(&v, "/l/0"), "values.yaml:1:5");
    assert_eq!(v.source_of("/obj/k/0"), Some(&flag("--set-json", r#"obj={"k":[1]}"#)));
    assert_eq!(origin_of(&v, "/image"), "values.yaml:2:8");
    assert_eq!(flag("--set", "a=1").to_string(), "--set a=1");
}

#[test]
fn set_path_for_overlay_set_maps() {
    let mut v = parse("values.yaml", "image: {tag: old, repo: x}");
    let at = Origin::new("overlay.yaml", 5, 3);
    v.set_path("image.tag", json!("1.4.2"), Source::File(at.clone()), Some(&at))
        .unwrap();
    assert_eq!(v.tree, json!({"image": {"tag": "1.4.2", "repo": "x"}}));
    assert_eq!(v.source_of("/image/tag"), Some(&Source::File(at.clone())));
    let e = v
        .set_path("a..b", json!(1), Source::File(at.clone()), Some(&at))
        .unwrap_err();
    assert_eq!(e.origin(), Some(&at));
}

// Subcharts.

struct SubCase {
    name: &'static str,
    parent: &'static str,
    user: &'static str,
    sets: &'static [(SetKind, &'static str)],
    sub_defaults: &'static str,
    want: &'static str,
}

const SUB_CASES: &[SubCase] = &[
    SubCase {
        name: "the parent's key for the subchart overrides its defaults",
        parent: "sub: {a: 1}\nother: 1",
        user: "",
        sets: &[],
        sub_defaults: "a: 0\nb: 2",
        want: "{a: 1, b: 2}",
    },
    SubCase {
        name: "global is copied in",
        parent: "global: {registry: r}",
        user: "",
        sets: &[],
        sub_defaults: "a: 0",
        want: "{a: 0, global: {registry: r}}",
    },
    SubCase {
        name: "the parent's global wins over the subchart's own global keys",
        parent: "global: {r: parent}\nsub: {global: {t: scoped, r: scoped}}",
        user: "",
        sets: &[],
        sub_defaults: "global: {r: default, s: default}",
        want: "global: {r: parent, s: default, t: scoped}",
    },
    SubCase {
        name: "a null in the parent's values.yaml deletes a subchart default",
        parent: "sub: {a: null}",
        user: "",
        sets: &[],
        sub_defaults: "a: 1\nb: 2",
        want: "b: 2",
    },
    SubCase {
        name: "a user null deletes a subchart default the parent never set",
        parent: "{}",
        user: "sub: {a: null}",
        sets: &[],
        sub_defaults: "a: 1\nb: 2",
        want: "b: 2",
    },
    SubCase {
        name: "a user null deletes a subchart default the parent overrode",
        parent: "sub: {a: 5}",
        user: "sub: {a: null}",
        sets: &[],
        sub_defaults: "a: 1\nb: 2",
        want: "b: 2",
    },
    SubCase {
        name: "a user null in global deletes the subchart's global default",
        parent: "global: {a: 1}",
        user: "global: {a: null}",
        sets: &[],
        sub_defaults: "global: {a: 0, b: 0}",
        want: "global: {b: 0}",
    },
    SubCase {
        name: "a parent scalar replaced by a user map does not resurrect the default map",
        parent: "sub: {x: str}",
        user: "sub: {x: {y: 1}}",
        sets: &[],
        sub_defaults: "x: {z: 1}",
        want: "x: {y: 1}",
    },
    SubCase {
        name: "a parent key for the subchart that is not a map gives nothing",
        parent: "sub: 3",
        user: "",
        sets: &[],
        sub_defaults: "a: 1",
        want: "a: 1",
    },
    SubCase {
        name: "other keys of the parent stay invisible",
        parent: "web: {a: 1}\nsub: {b: 1}",
        user: "",
        sets: &[],
        sub_defaults: "{}",
        want: "b: 1",
    },
    SubCase {
        name: "an empty key for the subchart in the parent does not wipe its defaults",
        parent: "sub:\n  # nothing to override yet\n",
        user: "sub: {a: 1}",
        sets: &[],
        sub_defaults: "a: 0\nb: 2",
        want: "{a: 1, b: 2}",
    },
    SubCase {
        name: "a user null on the subchart's key leaves its defaults",
        parent: "sub: {a: 5}",
        user: "sub: null",
        sets: &[],
        sub_defaults: "a: 1\nb: 2",
        want: "{a: 1, b: 2}",
    },
    SubCase {
        name: "an empty global in the parent does not wipe the subchart's global",
        parent: "global:",
        user: "global: {r: x}",
        sets: &[],
        sub_defaults: "global: {s: d}",
        want: "global: {r: x, s: d}",
    },
    SubCase {
        name: "--set null deletes a subchart default through the parent",
        parent: "{}",
        user: "",
        sets: &[(S, "sub.a=null")],
        sub_defaults: "a: 1\nb: 2",
        want: "b: 2",
    },
    SubCase {
        name: "--set reaches into the subchart",
        parent: "{}",
        user: "",
        sets: &[(S, "sub.a=2,global.g=1")],
        sub_defaults: "a: 1\nb: 2",
        want: "{a: 2, b: 2, global: {g: 1}}",
    },
];

#[test]
fn subchart_scoping_table() {
    let (_dir, sb) = sandbox();
    for case in SUB_CASES {
        let mut parent = parse("values.yaml", case.parent);
        parent.merge(parse("user.yaml", case.user));
        apply_sets(&mut parent, &sets(case.sets), &sb).unwrap();
        let sub = parent
            .for_subchart("sub")
            .over_defaults(parse("charts/sub/values.yaml", case.sub_defaults));
        assert_eq!(sub.tree, yaml_value(case.want), "case: {}", case.name);
    }
}

#[test]
fn subchart_provenance_is_rebased() {
    let (_dir, sb) = sandbox();
    let mut parent = parse("values.yaml", "global:\n  r: x\nsub:\n  a: 1\n");
    apply_sets(&mut parent, &sets(&[(S, "sub.b=2")]), &sb).unwrap();
    let sub = parent
        .for_subchart("sub")
        .over_defaults(parse("charts/sub/values.yaml", "c: 3\n"));
    assert_eq!(origin_of(&sub, "/a"), "values.yaml:4:6");
    assert_eq!(origin_of(&sub, "/global/r"), "values.yaml:2:6");
    assert_eq!(origin_of(&sub, "/c"), "charts/sub/values.yaml:1:4");
    assert_eq!(origin_of(&sub, "/b"), "--set sub.b=2");
}

// Errors.

#[test]
fn malformed_set_is_a_usage_error_quoting_the_argument() {
    let (_dir, sb) = sandbox();
    let mut v = Values::default();
    let e = apply_sets(&mut v, &sets(&[(S, "ok=1"), (S, "image.tag=1,replicas")]), &sb).unwrap_err();
    assert!(matches!(e, Error::Usage { .. }));
    assert_eq!(
        e.to_string(),
        "--set `image.tag=1,replicas`: `replicas` has no value at character 20"
    );
    assert!(e.help().unwrap().contains("`a\\.b=1` for a dot in a key"));
    // Nothing was applied.
    assert_eq!(v.tree, json!({}));
}

#[test]
fn values_file_must_be_a_mapping() {
    for (text, found) in [
        ("- a\n- b\n", "a list"),
        ("just text\n", "a string"),
        ("3\n", "an integer"),
    ] {
        let e = Values::parse(&Arc::from("charts/x/values.yaml"), text).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("a values file must be a mapping at the top, found {found}")
        );
        assert_eq!(e.origin().unwrap().to_string(), "charts/x/values.yaml:1:1");
        assert!(e.help().is_some());
    }
    let (_dir, sb) = scratch(&[("v.yaml", "a: 1\n")]);
    let e = Values::load(&sb, "missing.yaml", Some(&Origin::new("overlay.yaml", 2, 5))).unwrap_err();
    assert_eq!(e.origin().unwrap().to_string(), "overlay.yaml:2:5");
    assert_eq!(Values::load(&sb, "v.yaml", None).unwrap().tree, json!({"a": 1}));
}

#[test]
fn set_file_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("root")).unwrap();
    std::fs::write(dir.path().join("secret.txt"), "s").unwrap();
    let sb = Sandbox::new(&dir.path().join("root")).unwrap();
    let mut v = Values::default();
    let e = apply_sets(&mut v, &sets(&[(SetFile, "a=nope.txt")]), &sb).unwrap_err();
    assert!(matches!(e, Error::Usage { .. }));
    assert!(
        e.to_string()
            .starts_with("--set-file `a=nope.txt`: cannot read `nope.txt`"),
        "{e}"
    );
    let e = apply_sets(&mut v, &sets(&[(SetFile, "a=../secret.txt")]), &sb).unwrap_err();
    assert_eq!(
        e.to_string(),
        "--set-file `a=../secret.txt`: `../secret.txt` leaves the project root"
    );
    assert!(e.help().unwrap().contains("under the project root"));
    let e = apply_sets(&mut v, &sets(&[(SetFile, "a=")]), &sb).unwrap_err();
    assert_eq!(e.to_string(), "--set-file `a=` names no file");
}

const SCHEMA: &str = r##"{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "required": ["image"],
  "properties": {
    "replicas": {"type": "integer"},
    "image": {
      "type": "object",
      "required": ["repository", "tag"],
      "properties": {
        "tag": {"type": "string"},
        "pullPolicy": {"enum": ["Always", "IfNotPresent", "Never"]}
      }
    },
    "port": {"$ref": "#/definitions/port"}
  },
  "definitions": {"port": {"type": "integer", "minimum": 1}}
}
"##;

fn schema_project(values: &str) -> (tempfile::TempDir, Sandbox, Values) {
    let (dir, sb) = scratch(&[
        ("charts/app/values.schema.json", SCHEMA),
        ("charts/app/values.yaml", values),
    ]);
    let v = Values::load(&sb, "charts/app/values.yaml", None).unwrap();
    (dir, sb, v)
}

#[test]
fn schema_accepts_good_values() {
    let (_d, sb, v) = schema_project("replicas: 2\nimage:\n  repository: nginx\n  tag: '1.27'\nport: 80\n");
    check_schema(&v, &sb, "charts/app/values.schema.json").unwrap();
}

#[test]
fn schema_failure_names_the_values_file_line() {
    let (_d, sb, v) = schema_project("replicas: three\nimage:\n  repository: nginx\n  tag: '1'\n");
    let e = check_schema(&v, &sb, "charts/app/values.schema.json").unwrap_err();
    assert_eq!(e.origin().unwrap().to_string(), "charts/app/values.yaml:1:11");
    assert_eq!(e.to_string(), "`replicas` must be an integer, found a string");
    assert_eq!(
        e.help().unwrap(),
        "change the value to an integer; the rule is at \
         charts/app/values.schema.json:6:26"
    );
}

#[test]
fn schema_failure_names_the_set_flag() {
    let (_d, sb, mut v) = schema_project("image:\n  repository: nginx\n  tag: '1'\n");
    apply_sets(&mut v, &sets(&[(S, "image.tag=2"), (Str, "replicas=3")]), &sb).unwrap();
    let errors = schema_errors(&v, &sb, "charts/app/values.schema.json").unwrap();
    let texts: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        texts,
        [
            "`image.tag` must be a string, found an integer (set by --set image.tag=2)",
            "`replicas` must be an integer, found a string (set by --set-string replicas=3)",
        ]
    );
    assert!(errors.iter().all(|e| e.origin().is_none()));
    assert!(errors[0].help().unwrap().contains("use --set-string to pass text"));
    // check_schema reports the first and lists the rest in its help.
    let e = check_schema(&v, &sb, "charts/app/values.schema.json").unwrap_err();
    assert_eq!(e.to_string(), texts[0]);
    assert!(
        e.help()
            .unwrap()
            .contains("1 more value(s) fail the schema:\n    `replicas` must be")
    );
}

#[test]
fn missing_required_key_points_at_the_parent() {
    let (_d, sb, v) = schema_project("replicas: 1\nimage:\n  repository: nginx\n");
    let e = check_schema(&v, &sb, "charts/app/values.schema.json").unwrap_err();
    assert_eq!(e.to_string(), "`image` is missing the required key `tag`");
    assert_eq!(e.origin().unwrap().to_string(), "charts/app/values.yaml:3:3");
    assert!(
        e.help()
            .unwrap()
            .starts_with("set `image.tag` in a values file or with --set image.tag=...")
    );
    let (_d, sb, v) = schema_project("replicas: 1\n");
    let e = check_schema(&v, &sb, "charts/app/values.schema.json").unwrap_err();
    assert_eq!(e.to_string(), "the values lack the required key `image`");
}

#[test]
fn schema_follows_refs_and_enums() {
    let (_d, sb, v) = schema_project("image:\n  repository: r\n  tag: t\n  pullPolicy: Sometimes\nport: 0\n");
    let errors = schema_errors(&v, &sb, "charts/app/values.schema.json").unwrap();
    let texts: Vec<String> = errors.iter().map(|e| format!("{}: {e}", e.origin().unwrap())).collect();
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert_eq!(
        texts[0],
        "charts/app/values.yaml:4:15: `image.pullPolicy` is \"Sometimes\", which is not one of the values the schema allows"
    );
    assert_eq!(
        texts[1],
        "charts/app/values.yaml:5:7: `port`: 0 is less than the minimum of 1"
    );
    assert!(
        errors[1]
            .help()
            .unwrap()
            .ends_with("the rule is at charts/app/values.schema.json:17:58")
    );
}

#[test]
fn draft_2020_12_schemas_work() {
    let schema = r##"{"$schema": "https://json-schema.org/draft/2020-12/schema",
  "properties": {"p": {"$ref": "#/$defs/p"}, "t": {"prefixItems": [{"type": "string"}]}},
  "$defs": {"p": {"type": "boolean"}}}"##;
    let (_d, sb) = scratch(&[("s.json", schema)]);
    let v = parse("values.yaml", "p: true\nt: [x, 1]");
    check_schema(&v, &sb, "s.json").unwrap();
    let v = parse("values.yaml", "p: 1\nt: [1]");
    let errors = schema_errors(&v, &sb, "s.json").unwrap();
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0].to_string(), "`p` must be a boolean, found an integer");
    assert_eq!(errors[1].to_string(), "`t[0]` must be a string, found an integer");
}

#[test]
fn a_schema_without_dialect_is_2020_12() {
    let (_d, sb) = scratch(&[(
        "s.json",
        r#"{"properties": {"t": {"prefixItems": [{"type": "string"}]}}}"#,
    )]);
    let errors = schema_errors(&parse("values.yaml", "t: [1]"), &sb, "s.json").unwrap();
    assert_eq!(errors.len(), 1);
}

#[test]
fn malformed_schemas_are_located_in_the_schema_file() {
    let (_d, sb) = scratch(&[
        ("bad-json.json", "{\n  \"type\": \"object\",\n  \"properties\": {\n}\n"),
        (
            "bad-schema.json",
            "{\n  \"properties\": {\n    \"a\": {\"type\": 5}\n  }\n}\n",
        ),
        (
            "remote.json",
            "{\"properties\": {\"a\": {\"$ref\": \"https://example.com/s.json\"}}}",
        ),
    ]);
    let v = Values::default();
    let e = check_schema(&v, &sb, "bad-json.json").unwrap_err();
    assert!(e.to_string().starts_with("the values schema is not valid JSON"), "{e}");
    assert_eq!(e.origin().unwrap().file.as_ref(), "bad-json.json");
    assert!(e.origin().unwrap().line >= 4);
    let e = check_schema(&v, &sb, "bad-schema.json").unwrap_err();
    assert!(
        e.to_string()
            .starts_with("the values schema is not a valid JSON Schema"),
        "{e}"
    );
    assert_eq!(e.origin().unwrap().to_string(), "bad-schema.json:3:19");
    let e = check_schema(&v, &sb, "remote.json").unwrap_err();
    assert_eq!(e.origin().unwrap().file.as_ref(), "remote.json");
    assert!(e.help().unwrap().contains("offline"), "{:?}", e.help());
    let e = check_schema(&v, &sb, "absent.json").unwrap_err();
    assert!(e.to_string().starts_with("cannot read `absent.json`"));
}

#[test]
fn dotted_paths_spell_set_arguments() {
    let tree = json!({"a": {"b.c": [{"d": 1}]}, "0": {"1": 2}});
    assert_eq!(dotted(&tree, "/a/b.c/0/d"), r"a.b\.c[0].d");
    assert_eq!(dotted(&tree, "/0/1"), "0.1");
    assert_eq!(dotted(&tree, ""), "");
}

#[test]
fn schema_dialects_charts_use_all_compile_offline() {
    for dialect in [
        "http://json-schema.org/draft-07/schema#",
        "https://json-schema.org/draft-07/schema#",
        "http://json-schema.org/draft-07/schema",
        "http://json-schema.org/schema#",
        "https://json-schema.org/draft/2019-09/schema",
        "https://json-schema.org/draft/2020-12/schema",
        "http://json-schema.org/draft-04/schema#",
    ] {
        let schema = format!(
            r##"{{"$schema": "{dialect}", "$id": "https://example.com/values.schema.json",
              "properties": {{"a": {{"$ref": "#/definitions/s"}}}}, "definitions": {{"s": {{"type": "string"}}}}}}"##
        );
        let (_d, sb) = scratch(&[("s.json", &schema)]);
        let errors = schema_errors(&parse("values.yaml", "a: 1"), &sb, "s.json").unwrap();
        assert_eq!(errors.len(), 1, "{dialect}");
    }
}
