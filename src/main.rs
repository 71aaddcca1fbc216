//! The `regauth` binary: parse the command line, start logging, dispatch.

use regauth::cli::{Cli, audit};
use regauth::config::ops::LogFormat;
use tracing_subscriber::EnvFilter;

fn main() -> std::process::ExitCode {
    let command = Cli::command_with_settings();
    let matches = command.clone().get_matches();
    let cli = Cli::from_matches(&matches);
    // The configuration says how to log, so it is read first; its errors are printed below.
    let config = cli.load_config();
    start_logging(config.as_ref().map_or(LogFormat::Text, |c| c.log_format));
    let result = config.map_err(Into::into).and_then(|config| {
        // Writes are logged once they end, whether they worked or not.
        let write = audit::describe(&command, &matches);
        let result = regauth::cli::run_with(cli, config);
        if let Some(write) = &write {
            audit::log(write, result.as_ref().err().map(|e| &**e as _));
        }
        result
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Log to stderr, filtered by `RUST_LOG` (default `info`), as text or JSON lines.
fn start_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter);
    match format {
        LogFormat::Text => builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
        // One object a line, the event's fields at the top level beside `message`.
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .init(),
    }
}
