//! `coffer_model::dotenv`: every rule, errors without values, render/parse round trips, Kestra's
//! `.env_encoded` (also as the seed's bash script writes it), and a differential test against
//! python-dotenv on the corpus in `tests/dotenv-corpus/`.

use coffer_crypto::SecretString;
use coffer_model::dotenv::{
    parse, parse_encoded, parse_entries, render, render_encoded, value_form, DotenvError, ValueForm,
};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The python-dotenv version scripts/test.sh installs.
const PYTHON_DOTENV: &str = "1.2.4";

fn pairs(text: &str) -> Vec<(String, String)> {
    parse(text)
        .unwrap_or_else(|e| panic!("parse failed: {e}"))
        .into_iter()
        .map(|(k, v)| (k, v.expose_secret().to_string()))
        .collect()
}

fn p(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn secret_pairs(items: &[(String, String)]) -> Vec<(String, SecretString)> {
    items
        .iter()
        .map(|(k, v)| (k.clone(), SecretString::from(v.as_str())))
        .collect()
}

fn error(text: &str) -> DotenvError {
    match parse(text) {
        Ok(v) => panic!("expected an error, got {} pairs", v.len()),
        Err(e) => e,
    }
}

fn temp_path(name: &str) -> PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("coffer-dotenv-test-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

// ---- the rules ------------------------------------------------------------------------------

#[test]
fn comments_and_blank_lines() {
    assert_eq!(
        pairs("# top\n\n  # indented\nA=1 # trailing\nB=x#y\n\n#C=3\n"),
        p(&[("A", "1"), ("B", "x#y")])
    );
    assert_eq!(pairs(""), p(&[]));
    assert_eq!(pairs("\n\n# only\n"), p(&[]));
}

#[test]
fn export_prefix() {
    assert_eq!(
        pairs("export A=1\nexport\tB=2\nexport=3\nexportC=4\n"),
        p(&[("A", "1"), ("B", "2"), ("export", "3"), ("exportC", "4")])
    );
}

#[test]
fn single_quotes_are_literal_but_for_escaped_quote_and_backslash() {
    assert_eq!(
        pairs("A='$HOME \\n # x'\nB='a\\'b'\nC='a\\\\b'\nD=''\n"),
        p(&[("A", "$HOME \\n # x"), ("B", "a'b"), ("C", "a\\b"), ("D", "")])
    );
}

#[test]
fn double_quotes_decode_escapes() {
    assert_eq!(
        pairs("A=\"a\\nb\\tc\\\"d\\\\e\\'f\"\nB=\"\\a\\b\\f\\v\\r\"\nC=\"\\x41 \\q\"\n"),
        p(&[
            ("A", "a\nb\tc\"d\\e'f"),
            ("B", "\u{7}\u{8}\u{c}\u{b}\r"),
            ("C", "\\x41 \\q")
        ])
    );
}

#[test]
fn quoted_values_span_lines() {
    assert_eq!(
        pairs("A=\"one\ntwo\"\nB='three\nfour'\nC=5\n"),
        p(&[("A", "one\ntwo"), ("B", "three\nfour"), ("C", "5")])
    );
}

#[test]
fn empty_values_and_whitespace_around_equals() {
    assert_eq!(
        pairs("A=\nB= \nC= # comment\nD = 1\n  E\t=\t two words \t\nF=#kept\n"),
        p(&[
            ("A", ""),
            ("B", ""),
            ("C", ""),
            ("D", "1"),
            ("E", "two words"),
            ("F", "#kept")
        ])
    );
}

#[test]
fn a_key_without_equals_is_skipped() {
    assert_eq!(pairs("A\nB=2\nexport C\nD # c\n"), p(&[("B", "2")]));
    // It does not unset an earlier value either (python-dotenv would give None).
    assert_eq!(pairs("A=1\nA\n"), p(&[("A", "1")]));
}

#[test]
fn duplicate_keys_last_wins_in_first_place() {
    assert_eq!(pairs("A=1\nB=2\nA=3\n"), p(&[("A", "3"), ("B", "2")]));
    let e = parse_entries("A=1\nB=2\nA=3\n").expect("parses");
    assert_eq!(e[0].line, 3);
}

#[test]
fn no_variable_expansion() {
    assert_eq!(
        pairs("A=x\nB=${A}\nC=\"$A ${A:-d}\"\n"),
        p(&[("A", "x"), ("B", "${A}"), ("C", "$A ${A:-d}")])
    );
}

#[test]
fn line_endings_and_bom() {
    assert_eq!(
        pairs("\u{feff}A=1\r\nB=\"x\r\ny\"\rC=3"),
        p(&[("A", "1"), ("B", "x\ny"), ("C", "3")])
    );
}

#[test]
fn quoted_keys() {
    assert_eq!(pairs("'a b'=1\n"), p(&[("a b", "1")]));
}

#[test]
fn errors_name_the_line_and_rule_never_the_value() {
    let cases: &[(&str, usize, &str)] = &[
        ("A=1\nB=\"SECRETVALUE\n", 2, "unterminated double-quoted value"),
        ("A=1\n\n\nB='SECRETVALUE\n", 4, "unterminated single-quoted value"),
        (
            "A=\"SECRETVALUE\" SECRETTAIL\n",
            1,
            "unexpected text after the closing quote",
        ),
        ("A=1\nSECRET VALUE\n", 2, "expected '=' after the key"),
        ("A=1\n\n=SECRETVALUE\n", 3, "expected a key before '='"),
        ("A=1\n'SECRETVALUE=1\n", 2, "a quoted key needs a closing quote"),
        (
            "A=\"ok\nSECRETVALUE\" SECRETTAIL\n",
            1,
            "unexpected text after the closing quote",
        ),
    ];
    for (text, line, reason) in cases {
        let e = error(text);
        assert_eq!(e.line, *line, "{text:?}: {e}");
        assert!(e.reason.contains(reason), "{text:?}: {e}");
        let shown = format!("{e} {e:?}");
        assert!(shown.starts_with(&format!("line {line}: ")), "{shown}");
        assert!(!shown.contains("SECRET"), "the value leaked: {shown}");
    }
}

// ---- render ---------------------------------------------------------------------------------

fn round_trip(items: &[(String, String)]) {
    let text = render(&secret_pairs(items)).unwrap_or_else(|e| panic!("render: {e}"));
    let back = pairs(&text);
    let mut want: Vec<(String, String)> = Vec::new();
    for (k, v) in items {
        match want.iter_mut().find(|(wk, _)| wk == k) {
            Some(w) => w.1 = v.clone(),
            None => want.push((k.clone(), v.clone())),
        }
    }
    assert_eq!(back, want, "rendered as {text:?}");
}

#[test]
fn render_quotes_as_needed() {
    let text = render(&secret_pairs(&p(&[
        ("PLAIN", "abc-1.2/x:y@z"),
        ("SPACE", "a b"),
        ("NL", "a\nb"),
        ("QUOTE", "it's \"x\""),
        ("EMPTY", ""),
    ])))
    .expect("renders");
    assert_eq!(
        text,
        "PLAIN=abc-1.2/x:y@z\nSPACE='a b'\nNL='a\nb'\nQUOTE=\"it's \\\"x\\\"\"\nEMPTY=\n"
    );
    round_trip(&p(&[
        ("A", " lead and trail "),
        ("B", "#hash"),
        ("C", "a #b"),
        ("D", "back\\slash'"),
        ("F", "\u{7}\u{8}\u{b}\u{c}\t\u{1c}\u{85}\u{a0}"),
        ("G", "$X $(y) `z` $ {}"),
        ("H", "日本語 🦆"),
        ("I", "'"),
        ("J", "\""),
        ("K", "\\"),
        ("a b", "quoted key"),
        ("#k", "hash key"),
        ("export", "x"),
    ]));
}

#[test]
fn render_refuses_keys_no_line_can_hold() {
    for key in ["", "a'b c", "'a", "it's", "a\rb", "a\0b"] {
        let e = render(&secret_pairs(&[
            ("OK".into(), "1".into()),
            (key.into(), "SECRETVALUE".into()),
        ]))
        .expect_err(key);
        assert_eq!(e.line, 2, "{e}");
        assert!(!e.to_string().contains("SECRETVALUE"));
    }
}

/// Whether `render` may refuse `v` (see `value_form`): a NUL, a carriage return, `${` with a
/// later `}`, or a `'`, a `\\` or a final `\` together with `$` or a backtick.
fn refusable(v: &str) -> bool {
    v.contains(['\0', '\r'])
        || v.find("${").is_some_and(|i| v[i..].contains('}'))
        || ((v.contains('\'') || v.contains("\\\\") || v.ends_with('\\')) && v.contains(['$', '`']))
}

/// The reasons `render` gives for the four refusals, for the key `K`: a refusal's message is
/// one of them (with its key), so it depends on the value only through the rule.
fn refusal_reasons() -> Vec<String> {
    ["a\0b", "a\rb", "${X}", "it's $5"]
        .iter()
        .map(|v| render(&secret_pairs(&p(&[("K", v)]))).expect_err(v).reason)
        .collect()
}

/// `render` then `parse` gives the pairs back, or `render` refuses a value for a reason
/// `refusable` predicts, naming the key and never the value.
fn round_trip_or_refusal(items: &[(String, String)]) -> Result<(), TestCaseError> {
    match render(&secret_pairs(items)) {
        Ok(_) => {
            prop_assert!(
                !items.iter().any(|(_, v)| refusable(v)),
                "a refusable value was written"
            );
            round_trip(items);
        }
        Err(e) => {
            let (i, (k, _)) = items
                .iter()
                .enumerate()
                .find(|(_, (_, v))| refusable(v))
                .expect("only a refusable value is refused");
            let line = 1 + render(&secret_pairs(&items[..i]))
                .expect("the earlier pairs render")
                .matches('\n')
                .count();
            prop_assert_eq!(e.line, line);
            let named = format!("'{}'", k.escape_debug());
            prop_assert!(e.reason.contains(&named), "{}", e);
            let generic = e.reason.replacen(&named, "'K'", 1);
            prop_assert!(refusal_reasons().contains(&generic), "{}", e);
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn render_then_parse_is_identity(
        items in proptest::collection::vec(("[A-Za-z0-9._-]{1,12}", any::<String>()), 0..8)
    ) {
        round_trip_or_refusal(&items)?;
    }

    #[test]
    fn render_then_parse_with_tricky_values(
        items in proptest::collection::vec(
            ("[A-Za-z_][A-Za-z0-9_]{0,6}", "[ \t\r\n'\"\\\\#=$`{}a-z\u{1c}\u{85}\u{a0}\u{feff}é]{0,12}"),
            0..8
        )
    ) {
        round_trip_or_refusal(&items)?;
    }

    #[test]
    fn parse_never_panics(text in any::<String>()) {
        let _ = parse(&text);
        let _ = parse_encoded(&text);
    }

    #[test]
    fn encoded_round_trip(items in proptest::collection::vec(("[A-Za-z0-9._-]{1,12}", any::<String>()), 0..8)) {
        let text = render_encoded(&secret_pairs(&items)).expect("renders");
        let back: Vec<(String, String)> = parse_encoded(&text)
            .expect("parses")
            .into_iter()
            .map(|(k, v)| (k, v.expose_secret().to_string()))
            .collect();
        let mut want: Vec<(String, String)> = Vec::new();
        for (k, v) in &items {
            match want.iter_mut().find(|(wk, _)| wk == k) {
                Some(w) => w.1 = v.clone(),
                None => want.push((k.clone(), v.clone())),
            }
        }
        prop_assert_eq!(back, want);
    }
}

// ---- Kestra's .env_encoded --------------------------------------------------------------------

fn encoded_pairs(text: &str) -> Vec<(String, String)> {
    parse_encoded(text)
        .unwrap_or_else(|e| panic!("parse_encoded failed: {e}"))
        .into_iter()
        .map(|(k, v)| (k, v.expose_secret().to_string()))
        .collect()
}

#[test]
fn encoded_round_trip_of_newlines_equals_and_non_ascii() {
    let items = p(&[
        ("PEM", "-----BEGIN-----\nMIIB\n-----END-----\n"),
        ("EQ", "a=b==c="),
        ("UNI", "héllo wörld 日本語 🦆"),
        ("EMPTY", ""),
        ("LONG", &"x".repeat(300)),
    ]);
    let text = render_encoded(&secret_pairs(&items)).expect("renders");
    assert!(
        text.starts_with("SECRET_PEM=LS0tLS1CRUdJTi0tLS0tCk1JSUIKLS0tLS1FTkQtLS0tLQo=\n"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 5, "one line per value, never wrapped: {text}");
    assert_eq!(encoded_pairs(&text), items);
}

#[test]
fn encoded_accepts_missing_padding_comments_and_blank_lines() {
    assert_eq!(
        encoded_pairs("# comment\n\nSECRET_A=YWJj\nSECRET_B=YWI\nSECRET_C=YQ\nSECRET_D=\n"),
        p(&[("A", "abc"), ("B", "ab"), ("C", "a"), ("D", "")])
    );
}

#[test]
fn encoded_errors_name_the_line_never_the_value() {
    let cases: &[(&str, usize, &str)] = &[
        ("SECRET_A=YWJj\nPLAIN=U0VDUkVU\n", 2, "does not start with SECRET_"),
        ("SECRET_A=YWJj\nSECRET_B=not base64!\n", 2, "not base64"),
        ("SECRET_A=YWJj\n\nSECRET_B=Y\n", 3, "not valid base64"),
        ("SECRET_A=/w==\n", 1, "not UTF-8"),
        ("SECRET_A\n", 1, "no '='"),
        ("SECRET_=YWJj\n", 1, "empty name"),
        ("SECRET_A B=YWJj\n", 1, "blanks"),
    ];
    for (text, line, reason) in cases {
        let e = match parse_encoded(text) {
            Ok(_) => panic!("{text:?} parsed"),
            Err(e) => e,
        };
        assert_eq!(e.line, *line, "{text:?}: {e}");
        assert!(e.reason.contains(reason), "{text:?}: {e}");
        for leak in ["U0VDUkVU", "SECRET_B=", "YWJj"] {
            assert!(!e.to_string().contains(leak), "{e}");
        }
    }
}

/// The seed's script, exactly as Kestra's documentation gives it.
fn kestra_script(env_file: &Path) -> String {
    let script = format!(
        r#"while IFS='=' read -r key value; do
    echo "SECRET_$key=$(echo -n "$value" | base64)";
done < '{}'"#,
        env_file.display()
    );
    let out = Command::new("bash").arg("-c").arg(&script).output().expect("bash runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn reads_what_the_seed_bash_script_writes() {
    let long = "long-secret-".repeat(20); // 240 bytes: GNU base64 wraps it over 5 lines
    let exact = "q".repeat(57); // exactly 76 base64 characters: one full line, no continuation
    let env = format!(
        "POSTGRES_PASSWORD=actual_postgres_password\n\
         # a comment line\n\
         \n\
         WITH_EQUALS=a=b=c\n\
         UNICODE=héllo wörld 日本語\n\
         SPACES= padded value \n\
         LONG={long}\n\
         EXACT={exact}\n\
         ABC=after-exact\n\
         QUOTED=\"kept as written\"\n\
         LAST=x\n"
    );
    let path = temp_path("seed.env");
    std::fs::write(&path, &env).expect("write");
    let encoded = kestra_script(&path);
    assert!(
        encoded.lines().any(|l| !l.starts_with("SECRET_")),
        "GNU base64 wraps long values onto following lines: {encoded}"
    );
    assert!(encoded.contains("SECRET_=\n") && encoded.contains("SECRET_# a comment line=\n"));
    let want: Vec<(String, String)> = env
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (k, v) = l.split_once('=').expect("KEY=VALUE");
            (k.to_string(), v.to_string())
        })
        .collect();
    assert_eq!(encoded_pairs(&encoded), want, "from {encoded}");
}

#[test]
fn the_seed_script_itself_drops_one_trailing_equals_sign() {
    // bash's `read` with IFS='=' removes one trailing delimiter when it ends the last field
    // after a single `=` run: the script encodes `abc` for `A=abc=` (but `x==` for `B=x==`).
    // coffer decodes what the script wrote; this pins the script's behaviour so the README can
    // warn about it.
    let path = temp_path("trailing.env");
    std::fs::write(&path, "A=abc=\nB=x==\n").expect("write");
    assert_eq!(encoded_pairs(&kestra_script(&path)), p(&[("A", "abc"), ("B", "x==")]));
}

#[test]
fn reads_wrapped_base64_of_values_with_newlines() {
    let out = Command::new("bash")
        .arg("-c")
        .arg(r#"v=$(printf 'line one\nline two = %s\nend' "$(printf 'é%.0s' $(seq 1 40))"); echo "SECRET_MULTI=$(echo -n "$v" | base64)"; echo "SECRET_NEXT=$(echo -n 'n' | base64)""#)
        .output()
        .expect("bash runs");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.lines().count() > 2, "wrapped: {text}");
    let got = encoded_pairs(&text);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].1, format!("line one\nline two = {}\nend", "é".repeat(40)));
    assert_eq!(got[1], ("NEXT".to_string(), "n".to_string()));
}

// ---- differential test against python-dotenv --------------------------------------------------

/// Where coffer deliberately reads a corpus file differently from python-dotenv: (file, key,
/// reason). Keep in sync with the README.
const DIFFERENCES: &[(&str, &str, &str)] = &[(
    "50-bare-key-after-value.env",
    "A",
    "a line `KEY` without `=` assigns nothing in coffer; python-dotenv sets the key to None, \
     replacing the earlier `A=1`",
)];

/// Differences that hold for every file, applied by the comparison below:
/// - python-dotenv's `None` (a bare `KEY` line): the key is absent in coffer's result;
/// - a statement python-dotenv cannot parse (it warns and drops it): coffer refuses the whole
///   file with an error naming the line the statement starts on, which must be the line of
///   python-dotenv's first unparsable statement;
/// - no variable expansion: compared with `dotenv_values(path, interpolate=False)`.
fn python() -> String {
    match std::env::var("COFFER_TEST_PYTHON") {
        Ok(p) if !p.is_empty() => p,
        _ => panic!(
            "set COFFER_TEST_PYTHON to a python with python-dotenv=={PYTHON_DOTENV} (scripts/test.sh installs it \
             into its venv and exports COFFER_TEST_PYTHON=$HOME/.cache/coffer-venv/bin/python)"
        ),
    }
}

fn python_dotenv(paths: &[PathBuf]) -> serde_json::Map<String, serde_json::Value> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new(python())
        .arg(root.join("scripts/dotenv_diff.py"))
        .args(paths)
        .output()
        .expect("COFFER_TEST_PYTHON runs");
    assert!(
        out.status.success(),
        "scripts/dotenv_diff.py failed (is python-dotenv=={PYTHON_DOTENV} installed?): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        v["python-dotenv"], PYTHON_DOTENV,
        "the differential test is pinned to python-dotenv {PYTHON_DOTENV}"
    );
    v["files"].as_object().expect("files").clone()
}

#[test]
fn agrees_with_python_dotenv_on_the_corpus() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/dotenv-corpus");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "env"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 40, "the corpus has {} files", paths.len());
    let python = python_dotenv(&paths);
    let mut failures = Vec::new();
    let mut used_differences = Vec::new();
    for path in &paths {
        let name = path.file_name().expect("name").to_string_lossy().to_string();
        let py = &python[&path.to_string_lossy().to_string()];
        let text = std::fs::read_to_string(path).expect("read");
        let errors: Vec<u64> = py["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| e.as_u64().expect("line"))
            .collect();
        let ours = parse(&text);
        if let Some(first) = errors.first() {
            match ours {
                Err(e) if e.line as u64 == *first => {}
                Err(e) => failures.push(format!("{name}: python-dotenv fails at line {first}, coffer: {e}")),
                Ok(_) => failures.push(format!("{name}: python-dotenv fails at line {first}, coffer parses it")),
            }
            continue;
        }
        let ours: BTreeMap<String, String> = match ours {
            Ok(v) => v.into_iter().map(|(k, v)| (k, v.expose_secret().to_string())).collect(),
            Err(e) => {
                failures.push(format!("{name}: python-dotenv parses it, coffer: {e}"));
                continue;
            }
        };
        let theirs = py["values"].as_object().expect("values");
        for (k, v) in theirs {
            if let Some((_, _, _)) = DIFFERENCES.iter().find(|(f, dk, _)| *f == name && dk == k) {
                used_differences.push((name.clone(), k.clone()));
                if ours.get(k).map(String::as_str) == v.as_str() {
                    failures.push(format!("{name}: key {k} is listed as a difference but agrees"));
                }
                continue;
            }
            match v.as_str() {
                None => {
                    if ours.contains_key(k) {
                        failures.push(format!("{name}: {k} is None in python-dotenv, coffer has a value"));
                    }
                }
                Some(want) => {
                    if ours.get(k).map(String::as_str) != Some(want) {
                        failures.push(format!("{name}: {k}: python-dotenv {want:?}, coffer {:?}", ours.get(k)));
                    }
                }
            }
        }
        for k in ours.keys() {
            if !theirs.contains_key(k) {
                failures.push(format!("{name}: coffer has {k}, python-dotenv does not"));
            }
        }
    }
    for (f, k, _) in DIFFERENCES {
        if !used_differences.iter().any(|(uf, uk)| uf == f && uk == k) {
            failures.push(format!("difference {f} {k} is not in the corpus any more"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn python_dotenv_reads_what_render_writes() {
    let items = p(&[
        ("PLAIN", "abc-1.2/x:y@z"),
        ("SPACES", "  lead and trail  "),
        ("NL", "a\nb\n"),
        ("QUOTES", "it's \"x\" \\n"),
        ("HASH", "a #b"),
        ("DOLLAR", "$HOME $USER $(id) `id`"),
        ("CTRL", "\u{7}\u{8}\u{b}\u{c}\t\u{1c}"),
        ("UNI", "日本語 🦆 \u{a0}"),
        ("EMPTY", ""),
        ("a b", "quoted key"),
    ]);
    let path = temp_path("rendered.env");
    std::fs::write(&path, render(&secret_pairs(&items)).expect("renders")).expect("write");
    let py = python_dotenv(std::slice::from_ref(&path));
    let file = &py[&path.to_string_lossy().to_string()];
    assert_eq!(file["errors"], serde_json::json!([]));
    let theirs: Vec<(String, String)> = file["values"]
        .as_object()
        .expect("values")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("str").to_string()))
        .collect();
    assert_eq!(theirs, items);
}

// ---- every reader of render's output: sh, bash, python-dotenv, coffer ---------------------------

/// Values every reader must read back exactly from `render`'s output, and in which a shell
/// sourcing the file must run and expand nothing (the `MARK` files must never appear).
const HOSTILE: &[&str] = &[
    "a;b",
    "a;touch MARK_semi",
    "a&&touch MARK_and",
    "a|touch MARK_pipe",
    "a&touch MARK_bg",
    "a>MARK_redir",
    "<MARK_in",
    "(touch MARK_sub)",
    "$(touch MARK_subst)",
    "`touch MARK_tick`",
    "$HOME",
    "$",
    "$ {}",
    "${",
    "}${",
    "it's",
    "'",
    "''",
    "\"",
    "\"'\"",
    "\\",
    "a\\",
    "a\\\\b",
    "\\\\",
    "\\n\\t\\'\\\"",
    "\\$HOME",
    "it's \\ \"q\"",
    "line\nbreak",
    "trailing newline\n",
    "\n",
    "tab\there",
    "\t",
    " lead and trail ",
    " ",
    "*",
    "?",
    "[ab]",
    "{a,b}",
    "~",
    "~root",
    "~/x",
    "a:~/x",
    "x=~",
    "!",
    "!!",
    "it's!",
    "^x",
    "#lead",
    "a #b",
    " #b",
    "日本語 🦆",
    "\u{a0}\u{85}\u{2028}\u{2029}\u{feff}",
    "\u{7}\u{8}\u{b}\u{c}\u{1b}[31m\u{1c}\u{1d}\u{1e}\u{1f}\u{7f}",
    "",
    "x=y",
    "-n",
    "--",
    "%s%d",
    "plain-1.2/x:y@z,a+b%c",
    "pa$$word #1",
];

/// Values no form can hold: `render` refuses them (python-dotenv expands `${...}` even inside
/// single quotes and reads a carriage return as a line break; no shell variable holds a NUL).
const REFUSED: &[&str] = &[
    "${HOME}",
    "${A:-b}",
    "x${\n}",
    "`touch /tmp/x` it's",
    "it's $HOME",
    "$x\\",
    "a\\\\$b",
    "a\rb",
    "a\r\nb",
    "a\0b",
];

/// A fresh empty directory.
fn empty_dir(name: &str) -> PathBuf {
    let dir = temp_path(name).with_extension("d");
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

/// What `set -a; . ./.env` in `shell` leaves in the variables `keys` (its stdout, split on
/// NUL), its stderr, and whether it succeeded.
fn source_in(shell: &str, dir: &Path, keys: &[String]) -> (Vec<String>, String, bool) {
    let mut script = String::from("set -a; . ./.env; printf '%s\\0'");
    for k in keys {
        script.push_str(&format!(" \"${k}\""));
    }
    let out = Command::new(shell)
        .arg("-c")
        .arg(&script)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{shell} runs: {e}"));
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let mut values: Vec<String> = text.split('\0').map(str::to_string).collect();
    values.pop(); // after the last NUL
    (
        values,
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.success(),
    )
}

/// python-dotenv's `dotenv_values` of `dir/.env`, with its default interpolation (`interpolate`
/// true) or without: the values in order, and its stderr (warnings for unparsable lines).
fn python_values(dir: &Path, interpolate: bool) -> (Vec<(String, Option<String>)>, String) {
    let script = format!(
        "import json, sys\nfrom dotenv import dotenv_values\n\
         json.dump(list(dotenv_values('.env', interpolate={}).items()), sys.stdout)\n",
        if interpolate { "True" } else { "False" }
    );
    let out = Command::new(python())
        .arg("-c")
        .arg(&script)
        .current_dir(dir)
        .output()
        .expect("COFFER_TEST_PYTHON runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Vec<(String, Option<String>)> = serde_json::from_slice(&out.stdout).expect("json");
    (v, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Only `.env` is in `dir`: nothing the shell ran created a file.
fn assert_nothing_created(dir: &Path, context: &str) {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, [".env"], "{context}: sourcing created files");
}

/// Renders `values` as `V0..`, then checks that bash, dash, python-dotenv (with and without
/// interpolation) and `parse` read every value back exactly, and that sourcing ran nothing.
fn every_reader_reads_back(values: &[String]) {
    let items: Vec<(String, String)> = values
        .iter()
        .enumerate()
        .map(|(i, v)| (format!("V{i}"), v.clone()))
        .collect();
    let keys: Vec<String> = items.iter().map(|(k, _)| k.clone()).collect();
    let text = render(&secret_pairs(&items)).unwrap_or_else(|e| panic!("render: {e}"));
    let dir = empty_dir("readers");
    std::fs::write(dir.join(".env"), &text).expect("write");
    for shell in ["bash", "dash"] {
        let (got, stderr, ok) = source_in(shell, &dir, &keys);
        assert!(ok && stderr.is_empty(), "{shell} failed on {text:?}: {stderr}");
        assert_eq!(got, values, "{shell} read {text:?}");
        assert_nothing_created(&dir, shell);
    }
    let want: Vec<(String, Option<String>)> = items.iter().map(|(k, v)| (k.clone(), Some(v.clone()))).collect();
    for interpolate in [true, false] {
        let (got, stderr) = python_values(&dir, interpolate);
        assert!(stderr.is_empty(), "python-dotenv warned on {text:?}: {stderr}");
        assert_eq!(got, want, "python-dotenv (interpolate={interpolate}) read {text:?}");
    }
    assert_eq!(pairs(&text), items, "parse read {text:?}");
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn shells_and_python_dotenv_read_hostile_values_back_and_run_nothing() {
    for shell in ["bash", "dash"] {
        let found = Command::new(shell).arg("-c").arg("true").status();
        assert!(found.is_ok_and(|s| s.success()), "{shell} is needed by this test");
    }
    let values: Vec<String> = HOSTILE.iter().map(|v| v.to_string()).collect();
    every_reader_reads_back(&values);
    // One at a time too: a value must not depend on its neighbours to be read right.
    for v in &values {
        every_reader_reads_back(std::slice::from_ref(v));
    }
}

#[test]
fn values_no_form_can_hold_are_refused_naming_the_key_not_the_value() {
    for v in REFUSED {
        let items = p(&[("OK", "1"), ("MY_TOKEN", v)]);
        let e = render(&secret_pairs(&items)).expect_err(v);
        assert_eq!(e.line, 2, "{v:?}: {e}");
        assert!(e.reason.contains("'MY_TOKEN'"), "{v:?}: {e}");
        assert!(e.reason.contains("coffer env export --kestra"), "{v:?}: {e}");
        assert!(value_form(v).is_err(), "{v:?}");
        // The reason is one of the fixed rules: nothing of the value is in it.
        assert!(
            refusal_reasons().contains(&e.reason.replacen("'MY_TOKEN'", "'K'", 1)),
            "{v:?}: {e}"
        );
    }
}

#[test]
fn value_forms_table() {
    use ValueForm::{Bare, DoubleQuoted, SingleQuoted};
    let cases: &[(&str, Result<ValueForm, &str>)] = &[
        ("", Ok(Bare)),
        ("abc-1.2/x:y@z,a+b%c=d_e", Ok(Bare)),
        ("a;b", Ok(SingleQuoted)),
        ("*", Ok(SingleQuoted)),
        ("~user", Ok(SingleQuoted)),
        ("#x", Ok(SingleQuoted)),
        ("!", Ok(SingleQuoted)),
        ("é", Ok(SingleQuoted)),
        ("$(touch x)", Ok(SingleQuoted)),
        ("`x`", Ok(SingleQuoted)),
        ("a\\b", Ok(SingleQuoted)),
        ("a\nb\tc", Ok(SingleQuoted)),
        ("it's", Ok(DoubleQuoted)),
        ("a\\\\b", Ok(DoubleQuoted)),
        ("a\\", Ok(DoubleQuoted)),
        ("it's\n\"x\"", Ok(DoubleQuoted)),
        ("`touch /tmp/x` it's", Err("a single quote")),
        ("it's $5", Err("a single quote")),
        ("a\\\\`x`", Err("a single quote")),
        ("$HOME\\", Err("a single quote")),
        ("${HOME}", Err("python-dotenv expands")),
        ("'${HOME}'", Err("python-dotenv expands")),
        ("a\rb", Err("carriage return")),
        ("a\0b", Err("NUL")),
    ];
    for (v, want) in cases {
        match (value_form(v), want) {
            (Ok(got), Ok(want)) => assert_eq!(got, *want, "{v:?}"),
            (Err(got), Err(want)) => assert!(got.contains(want), "{v:?}: {got}"),
            (got, want) => panic!("{v:?}: {got:?}, want {want:?}"),
        }
    }
    assert_eq!(
        render(&secret_pairs(&p(&[
            ("A", "a;b"),
            ("B", "`touch /tmp/x` its"),
            ("C", "it's"),
            ("D", "x\\"),
            ("E", "~"),
        ])))
        .expect("renders"),
        "A='a;b'\nB='`touch /tmp/x` its'\nC=\"it's\"\nD=\"x\\\\\"\nE='~'\n"
    );
}

/// Keys that are not shell variable names: `key=value` would be a command to a shell, so they
/// are written after `export `, which a shell refuses (bash goes on, dash stops) and the
/// dotenv readers take as the key.
#[test]
fn keys_that_are_not_shell_names_are_never_run_as_commands() {
    let items = p(&[
        ("FIRST", "1"),
        ("my.key", "/bin/MARK_path"),
        ("1A", "x"),
        ("-n", "y"),
        ("$(touch MARK_key)", "z"),
        ("`touch MARK_tick`", "z"),
        ("a;touch MARK_semi", "z"),
        ("a b", "z"),
        ("#k", "z"),
        ("\u{feff}BOM", "z"),
        ("export", "x"),
        ("LAST", "2"),
    ]);
    let text = render(&secret_pairs(&items)).expect("renders");
    assert!(
        text.starts_with("FIRST=1\nexport my.key=/bin/MARK_path\nexport 1A=x\n"),
        "{text}"
    );
    assert!(text.contains("\nexport '$(touch MARK_key)'=z\n"), "{text}");
    assert!(text.contains("\nexport=x\nLAST=2\n"), "{text}");
    let dir = empty_dir("keys");
    std::fs::write(dir.join(".env"), &text).expect("write");
    // bash reports each bad name and goes on; dash stops at the first. Neither runs anything.
    let (got, stderr, _) = source_in("bash", &dir, &["FIRST".into(), "LAST".into()]);
    assert_eq!(got, ["1", "2"], "bash: {stderr}");
    assert!(stderr.contains("not a valid identifier"), "{stderr}");
    assert_nothing_created(&dir, "bash");
    let (_, stderr, ok) = source_in("dash", &dir, &["FIRST".into()]);
    assert!(!ok && stderr.contains("bad variable name"), "dash: {stderr}");
    assert_nothing_created(&dir, "dash");
    let (got, stderr) = python_values(&dir, true);
    assert!(stderr.is_empty(), "{stderr}");
    let want: Vec<(String, Option<String>)> = items.iter().map(|(k, v)| (k.clone(), Some(v.clone()))).collect();
    assert_eq!(got, want);
    assert_eq!(pairs(&text), items);
    std::fs::remove_dir_all(&dir).expect("clean up");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Random values of shell, dotenv and python metacharacters: whatever `render` writes,
    /// bash, dash, python-dotenv and `parse` read back exactly, and sourcing runs nothing.
    #[test]
    fn every_reader_reads_back_random_hostile_values(
        values in proptest::collection::vec(
            "[ \t\n'\"\\\\#=$`{}()<>;&|*?~!^\\[\\]a-z0-9\u{a0}\u{85}é🦆]{0,10}",
            1..8
        )
    ) {
        let values: Vec<String> = values.into_iter().filter(|v| !refusable(v)).collect();
        if !values.is_empty() {
            every_reader_reads_back(&values);
        }
    }
}
