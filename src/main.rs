use clap::Parser;
use paunch::cli::Cli;
use paunch::commands::{self, exit};

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
