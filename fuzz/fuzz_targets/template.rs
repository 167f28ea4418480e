//! Chart rendering as `berth render CHART` does it: a chart whose `values.yaml` and
//! `templates/fuzz.yaml` are the input (values NUL template; without a NUL the whole
//! input is the template), rendered with berth's helpers and fuel, the text parsed into
//! objects. Input: values.yaml NUL templates/fuzz.yaml NUL templates/_helpers.tpl.
#![no_main]

mod common;

use berth::Sandbox;
use berth::chart::{self, values::Values};
use berth::error::Warnings;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (values, template, helpers) = match data.iter().position(|b| *b == 0) {
        None => (String::new(), String::from_utf8_lossy(data).into_owned(), String::new()),
        Some(_) => {
            let p = common::parts(data, 3);
            (p[0].clone(), p[1].clone(), p[2].clone())
        }
    };
    common::write(
        "Chart.yaml",
        "apiVersion: v2\nname: fuzz\nversion: 1.0.0\nappVersion: \"2.1\"\n",
    );
    common::write("values.yaml", &values);
    common::write("templates/fuzz.yaml", &template);
    common::write("templates/_helpers.tpl", &helpers);
    let Ok(sandbox) = Sandbox::new(common::scratch()) else {
        return;
    };
    let req = chart::Request {
        kube_version: "1.35".into(),
        ..chart::Request::default()
    };
    let mut warnings = Warnings::default();
    let _ = chart::render(&sandbox, "", Values::default(), &req, &mut warnings);
});
