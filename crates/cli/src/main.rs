//! The `callaudit` command: parses the arguments and hands over to the library.

use std::process::ExitCode;

use clap::Parser;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = callaudit::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("callaudit: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(callaudit::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("callaudit: {e:#}");
            ExitCode::FAILURE
        }
    }
}
