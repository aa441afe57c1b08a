//! Reading a statement's tokens: keywords, string literals, names and bracket groups.

use sqlparser::tokenizer::Token;

/// Whether `t` is the unquoted keyword `k` (any case).
pub(super) fn kw(t: Option<&Token>, k: &str) -> bool {
    matches!(t, Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(k))
}

/// The text of a string literal.
pub(super) fn string_value(t: Option<&Token>) -> Option<&str> {
    match t? {
        Token::SingleQuotedString(s)
        | Token::TripleSingleQuotedString(s)
        | Token::EscapedStringLiteral(s)
        | Token::UnicodeStringLiteral(s)
        | Token::NationalStringLiteral(s)
        | Token::SingleQuotedRawStringLiteral(s) => Some(s),
        Token::DollarQuotedString(d) => Some(&d.value),
        _ => None,
    }
}

/// The name of a word (quoted or not), in lower case.
pub(super) fn word_lower(t: Option<&Token>) -> Option<String> {
    match t? {
        Token::Word(w) => Some(w.value.to_ascii_lowercase()),
        _ => None,
    }
}

/// The index just after the bracket group that opens at `i` (or the end when it is not
/// closed).
pub(super) fn skip_group(toks: &[&Token], i: usize) -> usize {
    let mut depth = 0i64;
    for (j, t) in toks.iter().enumerate().skip(i) {
        match t {
            Token::LParen | Token::LBracket | Token::LBrace => depth += 1,
            Token::RParen | Token::RBracket | Token::RBrace => {
                depth -= 1;
                if depth <= 0 {
                    return j + 1;
                }
            }
            _ => {}
        }
    }
    toks.len()
}
