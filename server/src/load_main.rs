//! `kaoshi-load`: drives simulated seats against a real `kaoshi serve` on loopback.

fn main() -> std::process::ExitCode {
    kaoshi_server::load::main()
}
