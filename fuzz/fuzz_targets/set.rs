//! The `--set` family: each NUL-separated part is one argument, its first byte choosing
//! the flag (`--set`, `--set-string`, `--set-json`, `--set-literal`, `--set-file`), applied
//! as the CLI applies them; the values are then emitted as YAML, as a render would.
#![no_main]

mod common;

use berth::Sandbox;
use berth::chart::values::{self, SetArg, SetKind, Values};
use libfuzzer_sys::fuzz_target;

const KINDS: [SetKind; 5] = [
    SetKind::Set,
    SetKind::String,
    SetKind::Json,
    SetKind::Literal,
    SetKind::File,
];

fuzz_target!(|data: &[u8]| {
    let sandbox = SANDBOX.get_or_init(|| {
        common::write("a.txt", "from a file\n");
        common::write("dir/b.txt", "b");
        Sandbox::new(common::scratch()).expect("scratch sandbox")
    });
    let sets: Vec<SetArg> = data
        .split(|b| *b == 0)
        .filter_map(|part| {
            let (kind, text) = part.split_first()?;
            Some(SetArg {
                kind: KINDS[usize::from(*kind) % KINDS.len()],
                text: String::from_utf8_lossy(text).into_owned(),
            })
        })
        .collect();
    for s in &sets {
        let _ = values::parse_path(&s.text, None);
    }
    let mut v = Values::default();
    if values::apply_sets(&mut v, &sets, sandbox).is_ok() {
        let _ = berth::yaml::emit(&v.tree);
    }
});

static SANDBOX: std::sync::OnceLock<Sandbox> = std::sync::OnceLock::new();
