//! Arbitrary UTF-8 through coffer's SQL front end: splitting a script into statements, the
//! shell's "is this statement complete?" test, and parsing each statement (coffer's own
//! CREATE SECRET parser and sqlparser's DuckDB dialect). None of them may panic; errors are
//! fine, and a syntax error must render (message, line, caret) without panicking either.
#![no_main]

use coffer_api::ToExitCode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(sql) = std::str::from_utf8(data) else {
        return;
    };
    let _ = coffer_sql::split::is_complete(sql);
    match coffer_sql::split::split(sql) {
        Ok(statements) => {
            for statement in &statements {
                let _ = statement.start();
                if let Err(e) = coffer_sql::parse::parse(statement) {
                    let _ = e.render(sql);
                    let _ = e.exit_code();
                }
            }
        }
        Err(e) => {
            let _ = e.render(sql);
        }
    }
});
