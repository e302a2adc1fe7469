//! `rnats`: command-line entry point. Reads flags and the config file like Go's
//! `nats-server`, then runs the server until a signal stops it.
use server::cli::{parse_args, CliAction};
use server::server::Server;

/// Turns the command line into options (kept separate so the flag layer can change
/// without touching startup).
fn load_options() -> Result<server::options::Options, i32> {
    match parse_args(std::env::args().skip(1)) {
        CliAction::Run(opts) => Ok(*opts),
        CliAction::Exit(code) => Err(code),
    }
}

fn main() {
    let opts = match load_options() {
        Ok(o) => o,
        Err(code) => std::process::exit(code),
    };
    if let Err(e) = server::server::check_options(&opts) {
        eprintln!("rnats: {e}");
        std::process::exit(1);
    }
    server::log::configure(opts.debug, opts.trace, opts.logtime);
    if let Some(path) = &opts.log_file {
        if let Err(e) = server::log::set_file(path) {
            eprintln!("rnats: cannot open log file {}: {e}", path.display());
            std::process::exit(1);
        }
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rnats: cannot start runtime: {e}");
            std::process::exit(1);
        }
    };
    let srv = Server::new(opts);
    let result = runtime.block_on(srv.run());
    if let Err(e) = result {
        server::fatal!("{e}");
        std::process::exit(1);
    }
}
