//! The `coffer` binary: clap commands over `coffer_api::CofferApi` (the embedded store through
//! `coffer_api::Local`, or a server through `coffer_api::Remote`). No business rules here.
//!
//! Exit codes: 0 success, 1 runtime error (store, crypto, not found, conflict, server
//! unreachable), 2 usage or validation error, 3 not authenticated or permission denied.
#![forbid(unsafe_code)]

mod command;
mod dataplane;
mod error;
mod extensions;
mod flights;
mod hint;
mod home;
mod input;
mod output;
mod sandbox;

use clap::Parser;
use error::{exit_code, ExitWith};
use std::process::ExitCode;

/// `coffer ... | head`: Rust ignores SIGPIPE, so printing to a closed pipe panics in
/// `println!`. That is the reader's choice, not an error: exit quietly with the status a
/// process killed by SIGPIPE has (141), as other command-line tools do. Every other panic goes
/// to the default hook.
fn quiet_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}

fn main() -> ExitCode {
    // The run sandbox's helper: before anything else, while the process has one thread.
    let mut args = std::env::args_os();
    if args.nth(1).is_some_and(|a| a == "__sandbox") {
        let rest: Vec<std::ffi::OsString> = args.collect();
        return sandbox::helper(&rest);
    }
    quiet_broken_pipe();
    let cli = command::Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("COFFER_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .init();
    match cli.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // A command that already reported its own errors only sets the exit code.
            if err.downcast_ref::<ExitWith>().is_none() {
                match hint::of(&err) {
                    Some(hint) => eprintln!("error: {err:#}; {hint}"),
                    None => eprintln!("error: {err:#}"),
                }
            }
            ExitCode::from(exit_code(&err))
        }
    }
}
