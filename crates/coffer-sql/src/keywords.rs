//! DuckDB 1.5.5's keywords that cannot name a secret unquoted: `CREATE SECRET select (...)`
//! and `DROP SECRET left` are syntax errors in DuckDB, `CREATE SECRET "select" (...)` is not.
//! The lists are `SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category = ...`
//! for `reserved` and `type_function` (DuckDB's grammar takes column-name and unreserved
//! keywords as names: `CREATE SECRET int (...)` works). A test compares them with DuckDB 1.5.5
//! itself when its Python package is at hand (`COFFER_TEST_PYTHON`).

/// `keyword_category = 'reserved'`, sorted.
pub const RESERVED: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "column",
    "constraint",
    "create",
    "default",
    "deferrable",
    "desc",
    "describe",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "from",
    "group",
    "having",
    "in",
    "initially",
    "intersect",
    "into",
    "lambda",
    "lateral",
    "leading",
    "limit",
    "not",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "pivot",
    "pivot_longer",
    "pivot_wider",
    "placing",
    "primary",
    "qualify",
    "references",
    "returning",
    "select",
    "show",
    "some",
    "summarize",
    "symmetric",
    "table",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "unpivot",
    "using",
    "variadic",
    "when",
    "where",
    "window",
    "with",
];

/// `keyword_category = 'type_function'`, sorted: function and type names, not secret names.
pub const TYPE_FUNCTION: &[&str] = &[
    "anti",
    "asof",
    "at",
    "authorization",
    "binary",
    "by",
    "collation",
    "columns",
    "concurrently",
    "cross",
    "freeze",
    "full",
    "generated",
    "glob",
    "ilike",
    "inner",
    "is",
    "isnull",
    "join",
    "left",
    "like",
    "map",
    "natural",
    "notnull",
    "outer",
    "overlaps",
    "positional",
    "right",
    "semi",
    "similar",
    "struct",
    "tablesample",
    "try_cast",
    "unpack",
    "verbose",
];

/// Whether `word` (any case) may not name a secret unless quoted.
pub fn refused_as_name(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    RESERVED.binary_search(&lower.as_str()).is_ok() || TYPE_FUNCTION.binary_search(&lower.as_str()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_and_known_words() {
        assert!(RESERVED.windows(2).all(|w| w[0] < w[1]));
        assert!(TYPE_FUNCTION.windows(2).all(|w| w[0] < w[1]));
        for w in ["select", "SELECT", "left", "collate", "in", "or", "not"] {
            assert!(refused_as_name(w), "{w}");
        }
        for w in [
            "int",
            "secret",
            "type",
            "temporary",
            "replace",
            "if",
            "varchar",
            "s1",
            "exists",
        ] {
            assert!(!refused_as_name(w), "{w}");
        }
    }

    /// The embedded lists are DuckDB 1.5.5's, checked against DuckDB itself.
    #[test]
    fn lists_match_duckdb() {
        let Ok(python) = std::env::var("COFFER_TEST_PYTHON") else {
            eprintln!("COFFER_TEST_PYTHON not set: skipped");
            return;
        };
        let script = "import duckdb\n\
            c = duckdb.connect()\n\
            assert duckdb.__version__ == '1.5.5', duckdb.__version__\n\
            for cat in ('reserved', 'type_function'):\n\
            \x20   print(cat + ':' + ','.join(r[0] for r in c.execute(\"SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category = ? ORDER BY keyword_name\", [cat]).fetchall()))\n";
        let out = std::process::Command::new(python)
            .arg("-c")
            .arg(script)
            .output()
            .expect("python runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).expect("utf-8");
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some(format!("reserved:{}", RESERVED.join(",")).as_str()));
        assert_eq!(
            lines.next(),
            Some(format!("type_function:{}", TYPE_FUNCTION.join(",")).as_str())
        );
    }
}
