//! The `berth` binary: everything lives in the library; this installs the allocator that
//! keeps a template within its memory budget (`berth::memory`) and hands over the exit code.

#[global_allocator]
static ALLOCATOR: berth::memory::Counting = berth::memory::Counting;

fn main() -> std::process::ExitCode {
    berth::memory::on_exceeded(berth::cli::exit_with);
    berth::cli::main()
}
