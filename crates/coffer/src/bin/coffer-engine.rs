//! `coffer-engine`: coffer's DuckDB engine process, the only coffer executable that links
//! DuckDB (see the `coffer-duckdb` crate). coffer starts it; it is not meant to be run by hand.

fn main() -> std::process::ExitCode {
    coffer_duckdb::main()
}
