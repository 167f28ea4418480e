//! The `berth` binary on bad charts: every `tests/fixtures/chart-errors/<case>/` is a chart
//! (and the project root) that must fail. Each case asserts the contract of DESIGN.md
//! promises 3, 7 and 8 (exit 2, or 1 for objects that fail validation; nothing on stdout;
//! an `error:` line naming the place and a `help:` line) and snapshots stderr, so a
//! reviewer reads every message as a user would.
//!
//! `berth-test.args` holds extra command-line arguments, one per line; `expected-exit`
//! holds the exit code when it is not 2.

mod common;

#[test]
fn chart_errors() {
    insta::glob!("fixtures/chart-errors/*/Chart.yaml", |path| {
        insta::assert_snapshot!(common::render_error(path.parent().unwrap(), "."));
    });
}
