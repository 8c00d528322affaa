//! The `callaudit` command: parses the arguments and hands over to the library.

use std::process::ExitCode;

use clap::Parser;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = callaudit::cli::Cli::parse();
    if matches!(cli.command, callaudit::cli::Command::Serve(_)) {
        // The server's log: one JSON line per request and per error, on standard error.
        tracing_subscriber::fmt()
            .json()
            .with_writer(std::io::stderr)
            .with_max_level(tracing_subscriber::filter::LevelFilter::INFO)
            .init();
    }
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
