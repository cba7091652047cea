//! The `kaoshi` binary: everything is in `kaoshi_server::cli`.

fn main() -> std::process::ExitCode {
    kaoshi_server::main()
}
