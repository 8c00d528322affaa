//! The callaudit command line: the glue between arguments, the readers, storage and the domain
//! rules. Each command lives in its own module; `run` dispatches to them.

/// Prints a line to standard output (like `println!`), stopping quietly when the reader has gone
/// away, as in `callaudit report annual … | head`, instead of panicking on the broken pipe.
#[macro_export]
macro_rules! say {
    ($($t:tt)*) => { $crate::write_out(format_args!("{}\n", format_args!($($t)*))) };
}

/// Prints to standard output without a line break (like `print!`), with `say!`'s care.
#[macro_export]
macro_rules! say_raw {
    ($($t:tt)*) => { $crate::write_out(format_args!($($t)*)) };
}

pub mod audio;
pub mod cli;
pub mod demo;
pub mod history;
pub mod import;
pub mod programme;
pub mod report;
pub mod sample;
pub mod serve;
pub mod session;
pub mod summary;

use std::process::ExitCode;

use anyhow::Context;
use callaudit_storage::Store;

use crate::cli::{Cli, Command};

/// Runs one command. `Ok` carries the exit code: data problems (a refused import, a draw that
/// does not verify) exit 1 after saying what is wrong; `Err` is for failures of the machinery.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let ctx = Context_::new(&cli);
    match cli.command {
        Command::Import(cmd) => import::run(&ctx, cmd).await,
        Command::Sample(cmd) => sample::run(&ctx, cmd).await,
        Command::Session(cmd) => session::run(&ctx, cmd).await,
        Command::Programme(cmd) => programme::run(&ctx, cmd).await,
        Command::Demo(cmd) => demo::run(&ctx, cmd).await,
        Command::Report(cmd) => report::run(&ctx, cmd).await,
        Command::Summary => summary::run(&ctx).await,
        Command::Serve(cmd) => serve::run(&ctx, cmd).await,
        Command::Audio(cmd) => audio::run(&ctx, cmd).await,
        Command::History(cmd) => history::run(&ctx, cmd).await,
        Command::Backup(a) => history::backup(&ctx, a).await,
        Command::Account(cmd) => history::account(&ctx, cmd).await,
        Command::Retention(cmd) => history::retention(&ctx, cmd).await,
        Command::Targets(a) => report::targets(&ctx, a).await,
        Command::Totals(a) => report::totals(&ctx, a).await,
    }
}

#[doc(hidden)]
pub fn write_out(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.flush()) {
        // Whatever the command wrote to the database is committed before it prints, so stopping
        // here loses nothing; exit 0 as other command-line tools do when their reader quits.
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("callaudit: cannot write the output: {e}");
        std::process::exit(1);
    }
}

/// Settings every command shares.
pub struct Context_ {
    pub database: String,
    pub force: Option<String>,
    pub actor: String,
}

impl Context_ {
    fn new(cli: &Cli) -> Self {
        let user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
        Context_ {
            database: cli.database.clone(),
            force: cli.force.clone(),
            actor: cli.actor.clone().unwrap_or_else(|| format!("cli:{user}")),
        }
    }

    pub async fn store(&self) -> anyhow::Result<Store> {
        Store::connect(&self.database)
            .await
            .with_context(|| format!("cannot open the database {}", self.database))
    }
}
