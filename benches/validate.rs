use std::sync::Arc;
use std::time::Instant;
fn main() {
    let text = std::fs::read_to_string("/tmp/vb/deploy-10000.yaml").unwrap();
    let file: Arc<str> = Arc::from("x.yaml");
    let t = Instant::now();
    let docs = berth::yaml::parse_stream(&file, &text, berth::yaml::Flavor::Manifest).unwrap();
    let parse = t.elapsed();
    let objects: Vec<_> = docs
        .into_iter()
        .map(|d| berth::manifest::Object::new(d.value, None))
        .collect();
    let t = Instant::now();
    let p = berth::validate::problems(&objects, "1.35").unwrap();
    let val = t.elapsed();
    println!("parse {parse:?} validate {val:?} problems {}", p.len());
    let t = Instant::now();
    let v: Vec<serde_json::Value> = objects.iter().map(|o| o.value.clone()).collect();
    println!("clone {:?} {}", t.elapsed(), v.len());
}
