//! The `paunch` command line: every flag in [`cli`], one module per
//! command in [`commands`], exit codes in [`commands::exit`]. The library
//! (`paunch`) does the work and never prints.

mod cli;
mod commands;

use clap::Parser;
use cli::Cli;
use commands::exit;

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            std::process::exit(exit::of_usage(&e));
        }
    };
    let result = commands::init_logging(&cli.global).and_then(|()| commands::run(cli));
    if let Err(e) = &result {
        commands::print_error(e);
    }
    std::process::exit(exit::code(&result));
}
