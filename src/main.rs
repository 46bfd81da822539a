use clap::Parser;
use paunch::cli::Cli;
use paunch::commands;

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = match e.kind() {
                clap::error::ErrorKind::DisplayHelp
                | clap::error::ErrorKind::DisplayVersion
                | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => 0,
                // Usage errors share the code of invalid configuration (3),
                // so that 2 stays "changes present" for --detailed-exitcode.
                _ => paunch::ErrorKind::Usage.exit_code(),
            };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    if let Err(e) = commands::init_logging(&cli.global) {
        commands::print_error(&e);
        std::process::exit(e.exit_code());
    }
    let code = match commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            commands::print_error(&e);
            e.exit_code()
        }
    };
    std::process::exit(code);
}
