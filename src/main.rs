//! The `kqlab` binary: runs the CLI and maps the outcome to an exit code.

fn main() {
    std::process::exit(kqlab::cli::run());
}
