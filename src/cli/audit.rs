//! The CLI's own access log: every command that may change something writes one line when it
//! ends, naming the command, its arguments and whether it worked. Reads are not logged.
//! Arguments whose name says they hold a secret are left out (none does today: secrets are
//! generated and printed, never taken).

use clap::{ArgMatches, Command};

/// Last words of the commands that only read.
const READS: &[&str] = &["list", "show", "serve", "healthcheck", "ci-variables"];

/// One write command as given.
pub struct Write {
    /// `token revoke`, `group create`, …
    pub command: String,
    /// `name=value` for every argument given (values of repeated arguments joined by `,`).
    pub arguments: String,
}

/// The write command in `matches` (parsed by `command`), if it is one.
pub fn describe(command: &Command, matches: &ArgMatches) -> Option<Write> {
    let mut words = Vec::new();
    let mut arguments = Vec::new();
    let (mut current, mut spec) = (matches, command);
    while let Some((name, sub)) = current.subcommand() {
        spec = spec.find_subcommand(name)?;
        words.push(name.to_owned());
        arguments.extend(given(spec, sub));
        current = sub;
    }
    let last = words.last()?;
    if READS.contains(&last.as_str()) {
        return None;
    }
    Some(Write {
        command: words.join(" "),
        arguments: arguments.join(" "),
    })
}

/// The arguments of one command level that were given on the command line (arguments
/// only: clap also records an argument group per command).
fn given(spec: &Command, matches: &ArgMatches) -> Vec<String> {
    spec.get_arguments()
        .map(|arg| arg.get_id().as_str())
        .filter(|id| !["json", "config"].contains(id) && !secret_name(id))
        .filter(|id| matches.value_source(id) == Some(clap::parser::ValueSource::CommandLine))
        .filter_map(|id| {
            let values = matches.get_raw(id)?;
            let text: Vec<String> = values.map(|v| v.to_string_lossy().into_owned()).collect();
            Some(format!("{id}={}", text.join(",")))
        })
        .collect()
}

fn secret_name(id: &str) -> bool {
    ["password", "secret", "private"]
        .iter()
        .any(|word| id.contains(word))
}

/// Log how the write command ended.
pub fn log(write: &Write, error: Option<&dyn std::error::Error>) {
    match error {
        None => tracing::info!(
            target: "regauth::access",
            command = write.command.as_str(),
            arguments = write.arguments.as_str(),
            outcome = "ok",
            "cli write"
        ),
        Some(e) => tracing::info!(
            target: "regauth::access",
            command = write.command.as_str(),
            arguments = write.arguments.as_str(),
            outcome = "error",
            reason = %e,
            "cli write"
        ),
    }
}
