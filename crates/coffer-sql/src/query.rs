//! A small evaluator of `SELECT` over an in-memory [`Table`]: projection (`*`, columns,
//! expressions, aliases), `WHERE`, `ORDER BY` (expressions, aliases, positions, ASC/DESC),
//! `LIMIT` and `OFFSET`. Expressions: column names, literals, comparisons, `AND`/`OR`/`NOT`,
//! `IS [NOT] NULL`, `[NOT] LIKE`/`ILIKE`, `[NOT] IN (...)`, `BETWEEN`, `||`, and the functions
//! `lower`, `upper`, `length`, `len`, `starts_with`, `contains`, `list_contains`,
//! `array_contains`, `coalesce`. Anything else is refused by name.

use crate::error::{Result, SqlError};
use crate::table::{ColType, Table, Value};
use sqlparser::ast::{
    BinaryOperator, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, LimitClause, OrderByKind, OrderBySort,
    Query, Select, SelectItem, SetExpr, UnaryOperator, Value as AstValue,
};
use std::cmp::Ordering;

fn unsupported(what: impl std::fmt::Display) -> SqlError {
    SqlError::Unsupported(format!(
        "{what} (coffer evaluates simple SELECTs over its secret tables: columns, WHERE, ORDER BY, LIMIT)"
    ))
}

/// The `Select` of a plain query, refusing set operations, CTEs and the like.
///
/// # Errors
/// [`SqlError::Unsupported`].
pub fn plain_select(q: &Query) -> Result<&Select> {
    if q.with.is_some() {
        return Err(unsupported("WITH"));
    }
    match q.body.as_ref() {
        SetExpr::Select(s) => Ok(s),
        other => Err(unsupported(format!("'{other}'"))),
    }
}

struct Row<'a> {
    table: &'a Table,
    values: &'a [Value],
}

impl Row<'_> {
    fn column(&self, name: &str) -> Result<Value> {
        self.table
            .columns
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|i| self.values[i].clone())
            .ok_or_else(|| {
                let names: Vec<&str> = self.table.columns.iter().map(|(n, _)| n.as_str()).collect();
                SqlError::Semantic(format!("unknown column '{name}'; columns: {}", names.join(", ")))
            })
    }
}

fn literal(v: &AstValue) -> Result<Value> {
    Ok(match v {
        AstValue::SingleQuotedString(s) | AstValue::DoubleQuotedString(s) | AstValue::EscapedStringLiteral(s) => {
            Value::Text(s.clone())
        }
        AstValue::Number(n, _) => Value::Int(
            n.parse()
                .map_err(|_| unsupported(format!("the number {n} (only integers)")))?,
        ),
        AstValue::Boolean(b) => Value::Bool(*b),
        AstValue::Null => Value::Null,
        other => return Err(unsupported(format!("the literal {other}"))),
    })
}

fn truthy(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Null => None,
        _ => None,
    }
}

fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Null, _) | (_, Value::Null) => None,
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Text(x), Value::Text(y)) => Some(x.cmp(y)),
        (Value::Text(x), Value::Bool(y)) | (Value::Bool(y), Value::Text(x)) => {
            let parsed = match x.to_ascii_lowercase().as_str() {
                "true" | "t" => Some(true),
                "false" | "f" => Some(false),
                _ => None,
            }?;
            let o = parsed.cmp(y);
            Some(if matches!(a, Value::Text(_)) { o } else { o.reverse() })
        }
        (Value::Text(x), Value::Int(y)) => x.parse::<i64>().ok().map(|x| x.cmp(y)),
        (Value::Int(x), Value::Text(y)) => y.parse::<i64>().ok().map(|y| x.cmp(&y)),
        (Value::List(x), Value::List(y)) => {
            for (p, q) in x.iter().zip(y) {
                match compare(p, q)? {
                    Ordering::Equal => continue,
                    o => return Some(o),
                }
            }
            Some(x.len().cmp(&y.len()))
        }
        _ => None,
    }
}

/// SQL LIKE with `%` (any run of characters) and `_` (one character); ILIKE lower-cases both
/// sides first. There is no escape character (`ESCAPE` is refused before this).
///
/// Linear in the text for a given pattern, whatever the input: the pattern is cut at `%` into
/// segments; the first must match at the start, the last at the end, and each one between at its
/// leftmost place after the previous (the greedy choice is always safe, since a `%` after it can
/// absorb anything). A segment without `_` is found with `str::find` (Two-Way: linear); one with
/// `_` with a bit-parallel Shift-And over characters, `O(text · ⌈segment / 64⌉)`. Each middle
/// segment's search starts where the previous match ended, so the text is scanned once.
pub fn like(text: &str, pattern: &str, case_insensitive: bool) -> bool {
    if case_insensitive {
        like_exact(&text.to_lowercase(), &pattern.to_lowercase())
    } else {
        like_exact(text, pattern)
    }
}

fn like_exact(text: &str, pattern: &str) -> bool {
    let mut segments = pattern.split('%');
    let first = segments.next().unwrap_or("");
    let Some(rest_at) = anchored_prefix(text, first) else {
        return false;
    };
    // `split` yields one segment more than there are `%`.
    let Some(last) = segments.next_back() else {
        return rest_at == text.len();
    };
    let Some(end) = anchored_suffix(&text[rest_at..], last).map(|n| rest_at + n) else {
        return false;
    };
    let mut at = rest_at;
    for segment in segments.filter(|s| !s.is_empty()) {
        match find_segment(&text[at..end], segment) {
            Some(n) => at += n,
            None => return false,
        }
    }
    true
}

/// Whether `segment` (`_` for any one character) matches a prefix of `text`: the byte length
/// of that prefix.
fn anchored_prefix(text: &str, segment: &str) -> Option<usize> {
    let mut t = text.char_indices();
    for p in segment.chars() {
        let (_, c) = t.next()?;
        if p != '_' && p != c {
            return None;
        }
    }
    Some(t.next().map_or(text.len(), |(i, _)| i))
}

/// Whether `segment` matches a suffix of `text`: the byte offset where that suffix starts.
fn anchored_suffix(text: &str, segment: &str) -> Option<usize> {
    let mut t = text.char_indices().rev();
    let mut start = text.len();
    for p in segment.chars().rev() {
        let (i, c) = t.next()?;
        if p != '_' && p != c {
            return None;
        }
        start = i;
    }
    Some(start)
}

/// The byte offset just after the leftmost match of `segment` (non-empty) in `text`.
fn find_segment(text: &str, segment: &str) -> Option<usize> {
    if !segment.contains('_') {
        return text.find(segment).map(|i| i + segment.len());
    }
    // Shift-And: bit j of `state` says the last j + 1 characters read match the segment's first
    // j + 1. `masks[c]` has bit j set where the segment's character j is `c` or `_`.
    let pattern: Vec<char> = segment.chars().collect();
    let words = pattern.len().div_ceil(64);
    let mut wild = vec![0u64; words];
    let mut masks: std::collections::HashMap<char, Vec<u64>> = std::collections::HashMap::new();
    for (j, &p) in pattern.iter().enumerate() {
        if p == '_' {
            wild[j / 64] |= 1 << (j % 64);
        }
    }
    for (j, &p) in pattern.iter().enumerate() {
        if p != '_' {
            masks.entry(p).or_insert_with(|| wild.clone())[j / 64] |= 1 << (j % 64);
        }
    }
    let last = pattern.len() - 1;
    let mut state = vec![0u64; words];
    for (i, c) in text.char_indices() {
        let mask = masks.get(&c).unwrap_or(&wild);
        let mut carry = 1u64;
        for (s, m) in state.iter_mut().zip(mask) {
            let next_carry = *s >> 63;
            *s = ((*s << 1) | carry) & m;
            carry = next_carry;
        }
        if state[last / 64] & (1 << (last % 64)) != 0 {
            return Some(i + c.len_utf8());
        }
    }
    None
}

fn text_arg(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::Text(s) => Some(s.clone()),
        other => Some(other.display()),
    }
}

fn function(name: &str, args: Vec<Value>) -> Result<Value> {
    let lower = name.to_ascii_lowercase();
    let arity = |n: usize| {
        if args.len() == n {
            Ok(())
        } else {
            Err(SqlError::Semantic(format!(
                "{lower}() takes {n} argument(s), got {}",
                args.len()
            )))
        }
    };
    Ok(match lower.as_str() {
        "lower" | "upper" => {
            arity(1)?;
            match text_arg(&args[0]) {
                None => Value::Null,
                Some(s) => Value::Text(if lower == "lower" {
                    s.to_lowercase()
                } else {
                    s.to_uppercase()
                }),
            }
        }
        "length" | "len" | "array_length" => {
            arity(1)?;
            match &args[0] {
                Value::Null => Value::Null,
                Value::List(l) => Value::Int(l.len() as i64),
                other => Value::Int(text_arg(other).map_or(0, |s| s.chars().count() as i64)),
            }
        }
        "starts_with" | "prefix" | "contains" | "suffix" | "ends_with" => {
            arity(2)?;
            match (text_arg(&args[0]), text_arg(&args[1])) {
                (Some(a), Some(b)) => Value::Bool(match lower.as_str() {
                    "starts_with" | "prefix" => a.starts_with(&b),
                    "contains" => a.contains(&b),
                    _ => a.ends_with(&b),
                }),
                _ => Value::Null,
            }
        }
        "list_contains" | "array_contains" | "list_has" | "array_has" => {
            arity(2)?;
            match &args[0] {
                Value::List(items) => Value::Bool(items.iter().any(|i| compare(i, &args[1]) == Some(Ordering::Equal))),
                Value::Null => Value::Null,
                _ => return Err(SqlError::Semantic(format!("{lower}() takes a list first"))),
            }
        }
        "coalesce" => args.into_iter().find(|v| *v != Value::Null).unwrap_or(Value::Null),
        _ => return Err(unsupported(format!("the function {name}()"))),
    })
}

fn eval(e: &Expr, row: &Row<'_>) -> Result<Value> {
    Ok(match e {
        Expr::Identifier(i) => row.column(&i.value)?,
        Expr::CompoundIdentifier(parts) => match parts.last() {
            Some(i) => row.column(&i.value)?,
            None => Value::Null,
        },
        Expr::Value(v) => literal(&v.value)?,
        Expr::Nested(inner) => eval(inner, row)?,
        Expr::IsNull(x) => Value::Bool(eval(x, row)? == Value::Null),
        Expr::IsNotNull(x) => Value::Bool(eval(x, row)? != Value::Null),
        Expr::IsTrue(x) => Value::Bool(truthy(&eval(x, row)?) == Some(true)),
        Expr::IsFalse(x) => Value::Bool(truthy(&eval(x, row)?) == Some(false)),
        Expr::UnaryOp {
            op: UnaryOperator::Not,
            expr,
        } => match truthy(&eval(expr, row)?) {
            Some(b) => Value::Bool(!b),
            None => Value::Null,
        },
        Expr::Like {
            negated,
            any: false,
            expr,
            pattern,
            escape_char: None,
        } => like_op(*negated, expr, pattern, row, false)?,
        Expr::ILike {
            negated,
            any: false,
            expr,
            pattern,
            escape_char: None,
        } => like_op(*negated, expr, pattern, row, true)?,
        Expr::InList { expr, list, negated } => {
            let v = eval(expr, row)?;
            if v == Value::Null {
                Value::Null
            } else {
                let mut found = false;
                for item in list {
                    if compare(&v, &eval(item, row)?) == Some(Ordering::Equal) {
                        found = true;
                        break;
                    }
                }
                Value::Bool(found != *negated)
            }
        }
        Expr::Between {
            expr,
            negated,
            low,
            high,
        } => {
            let v = eval(expr, row)?;
            let (lo, hi) = (eval(low, row)?, eval(high, row)?);
            match (compare(&v, &lo), compare(&v, &hi)) {
                (Some(a), Some(b)) => Value::Bool((a != Ordering::Less && b != Ordering::Greater) != *negated),
                _ => Value::Null,
            }
        }
        Expr::BinaryOp { left, op, right } => binary(op, eval(left, row)?, eval(right, row)?)?,
        Expr::Array(arr) => Value::List(arr.elem.iter().map(|x| eval(x, row)).collect::<Result<_>>()?),
        Expr::Function(f) => {
            let name = f.name.to_string();
            let args = match &f.args {
                FunctionArguments::List(list) => list
                    .args
                    .iter()
                    .map(|a| match a {
                        FunctionArg::Unnamed(FunctionArgExpr::Expr(x)) => eval(x, row),
                        other => Err(unsupported(format!("the argument {other}"))),
                    })
                    .collect::<Result<Vec<_>>>()?,
                FunctionArguments::None => Vec::new(),
                FunctionArguments::Subquery(_) => return Err(unsupported("subqueries")),
            };
            function(&name, args)?
        }
        other => return Err(unsupported(format!("the expression '{other}'"))),
    })
}

fn like_op(negated: bool, expr: &Expr, pattern: &Expr, row: &Row<'_>, ci: bool) -> Result<Value> {
    match (text_arg(&eval(expr, row)?), text_arg(&eval(pattern, row)?)) {
        (Some(t), Some(p)) => Ok(Value::Bool(like(&t, &p, ci) != negated)),
        _ => Ok(Value::Null),
    }
}

fn binary(op: &BinaryOperator, l: Value, r: Value) -> Result<Value> {
    use BinaryOperator as B;
    Ok(match op {
        B::And => match (truthy(&l), truthy(&r)) {
            (Some(false), _) | (_, Some(false)) => Value::Bool(false),
            (Some(true), Some(true)) => Value::Bool(true),
            _ => Value::Null,
        },
        B::Or => match (truthy(&l), truthy(&r)) {
            (Some(true), _) | (_, Some(true)) => Value::Bool(true),
            (Some(false), Some(false)) => Value::Bool(false),
            _ => Value::Null,
        },
        B::Eq | B::NotEq | B::Lt | B::LtEq | B::Gt | B::GtEq => match compare(&l, &r) {
            None => Value::Null,
            Some(o) => Value::Bool(match op {
                B::Eq => o == Ordering::Equal,
                B::NotEq => o != Ordering::Equal,
                B::Lt => o == Ordering::Less,
                B::LtEq => o != Ordering::Greater,
                B::Gt => o == Ordering::Greater,
                _ => o != Ordering::Less,
            }),
        },
        B::StringConcat => match (text_arg(&l), text_arg(&r)) {
            (Some(a), Some(b)) => Value::Text(a + &b),
            _ => Value::Null,
        },
        other => return Err(unsupported(format!("the operator {other}"))),
    })
}

/// The type of an expression's column, known without rows (as DuckDB types it at bind time).
fn infer_type(e: &Expr, source: &Table) -> ColType {
    let column = |name: &str| {
        source
            .columns
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|c| c.1.clone())
    };
    match e {
        Expr::Identifier(id) => column(&id.value).unwrap_or(ColType::Varchar),
        Expr::CompoundIdentifier(parts) => parts.last().and_then(|i| column(&i.value)).unwrap_or(ColType::Varchar),
        Expr::Nested(inner) => infer_type(inner, source),
        Expr::Value(v) => match &v.value {
            AstValue::Boolean(_) => ColType::Boolean,
            AstValue::Number(..) => ColType::BigInt,
            _ => ColType::Varchar,
        },
        Expr::Array(_) => ColType::VarcharList,
        Expr::IsNull(_)
        | Expr::IsNotNull(_)
        | Expr::IsTrue(_)
        | Expr::IsFalse(_)
        | Expr::UnaryOp {
            op: UnaryOperator::Not, ..
        }
        | Expr::Like { .. }
        | Expr::ILike { .. }
        | Expr::InList { .. }
        | Expr::Between { .. } => ColType::Boolean,
        Expr::BinaryOp {
            op: BinaryOperator::StringConcat,
            ..
        } => ColType::Varchar,
        Expr::BinaryOp { .. } => ColType::Boolean,
        Expr::Function(f) => match f.name.to_string().to_ascii_lowercase().as_str() {
            "length" | "len" | "array_length" => ColType::BigInt,
            "starts_with" | "prefix" | "contains" | "suffix" | "ends_with" | "list_contains" | "array_contains"
            | "list_has" | "array_has" => ColType::Boolean,
            "coalesce" => match &f.args {
                FunctionArguments::List(l) => match l.args.first() {
                    Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(x))) => infer_type(x, source),
                    _ => ColType::Varchar,
                },
                _ => ColType::Varchar,
            },
            _ => ColType::Varchar,
        },
        _ => ColType::Varchar,
    }
}

fn int_of(e: &Expr, what: &str) -> Result<usize> {
    match e {
        Expr::Value(v) => match &v.value {
            AstValue::Number(n, _) => n
                .parse()
                .map_err(|_| SqlError::Semantic(format!("{what} must be a whole number"))),
            _ => Err(SqlError::Semantic(format!("{what} must be a whole number"))),
        },
        _ => Err(SqlError::Semantic(format!("{what} must be a whole number"))),
    }
}

/// Runs `query` (whose FROM the caller has resolved to `source`) over `source`.
///
/// # Errors
/// Unknown columns, unsupported expressions.
pub fn run(query: &Query, source: &Table) -> Result<Table> {
    let select = plain_select(query)?;
    if select.distinct.is_some()
        || select.having.is_some()
        || !matches!(select.group_by, sqlparser::ast::GroupByExpr::Expressions(ref v, _) if v.is_empty())
    {
        return Err(unsupported("DISTINCT, GROUP BY and HAVING"));
    }
    // Filter.
    let mut kept: Vec<&Vec<Value>> = Vec::new();
    for values in &source.rows {
        let row = Row { table: source, values };
        let keep = match &select.selection {
            None => true,
            Some(w) => truthy(&eval(w, &row)?) == Some(true),
        };
        if keep {
            kept.push(values);
        }
    }
    // Project. `FROM t` alone (DuckDB's FROM-first) selects everything.
    enum Item<'a> {
        All,
        Expr(&'a Expr, String),
    }
    let mut items = Vec::new();
    if select.projection.is_empty() {
        items.push(Item::All);
    }
    for p in &select.projection {
        match p {
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) => items.push(Item::All),
            SelectItem::UnnamedExpr(e) => {
                // A column keeps the table's spelling of its name, as in DuckDB.
                let column = |id: &str| {
                    source
                        .columns
                        .iter()
                        .find(|(n, _)| n.eq_ignore_ascii_case(id))
                        .map(|(n, _)| n.clone())
                };
                let name = match e {
                    Expr::Identifier(i) => column(&i.value).unwrap_or_else(|| i.value.clone()),
                    Expr::CompoundIdentifier(parts) => parts
                        .last()
                        .map(|i| column(&i.value).unwrap_or_else(|| i.value.clone()))
                        .unwrap_or_default(),
                    other => other.to_string(),
                };
                items.push(Item::Expr(e, name));
            }
            SelectItem::ExprWithAlias { expr, alias } => items.push(Item::Expr(expr, alias.value.clone())),
            other => return Err(unsupported(format!("'{other}'"))),
        }
    }
    let mut out = Table::default();
    let mut projected: Vec<(Vec<Value>, &Vec<Value>)> = Vec::new();
    for values in &kept {
        let row = Row { table: source, values };
        let mut rowv = Vec::new();
        for item in &items {
            match item {
                Item::All => rowv.extend(values.iter().cloned()),
                Item::Expr(e, _) => rowv.push(eval(e, &row)?),
            }
        }
        projected.push((rowv, values));
    }
    for item in &items {
        match item {
            Item::All => out.columns.extend(source.columns.iter().cloned()),
            Item::Expr(e, name) => {
                out.columns.push((name.clone(), infer_type(e, source)));
            }
        }
    }
    // Order.
    if let Some(order) = &query.order_by {
        let exprs = match &order.kind {
            OrderByKind::Expressions(v) => v,
            OrderByKind::All(_) => return Err(unsupported("ORDER BY ALL")),
        };
        let mut keyed: Vec<(Vec<Value>, Vec<Value>)> = Vec::new();
        for (rowv, src) in projected {
            let mut keys = Vec::new();
            for o in exprs {
                let key = match &o.expr {
                    Expr::Value(v) if matches!(v.value, AstValue::Number(..)) => {
                        let n = int_of(&o.expr, "an ORDER BY position")?;
                        rowv.get(n.wrapping_sub(1)).cloned().ok_or_else(|| {
                            SqlError::Semantic(format!("ORDER BY position {n} is not in the select list"))
                        })?
                    }
                    Expr::Identifier(id) if out.columns.iter().any(|(n, _)| n.eq_ignore_ascii_case(&id.value)) => {
                        let i = out
                            .columns
                            .iter()
                            .position(|(n, _)| n.eq_ignore_ascii_case(&id.value))
                            .unwrap_or(0);
                        rowv[i].clone()
                    }
                    e => eval(
                        e,
                        &Row {
                            table: source,
                            values: src,
                        },
                    )?,
                };
                keys.push(key);
            }
            keyed.push((keys, rowv));
        }
        keyed.sort_by(|(a, _), (b, _)| {
            for (i, o) in exprs.iter().enumerate() {
                let desc = matches!(o.options.sort, Some(OrderBySort::Desc));
                // DuckDB's default: NULLS LAST for both directions.
                let nulls_first = o.options.nulls_first.unwrap_or(false);
                let ord = match (&a[i], &b[i]) {
                    (Value::Null, Value::Null) => Ordering::Equal,
                    (Value::Null, _) => {
                        if nulls_first {
                            Ordering::Less
                        } else {
                            Ordering::Greater
                        }
                    }
                    (_, Value::Null) => {
                        if nulls_first {
                            Ordering::Greater
                        } else {
                            Ordering::Less
                        }
                    }
                    (x, y) => {
                        let o = compare(x, y).unwrap_or(Ordering::Equal);
                        if desc {
                            o.reverse()
                        } else {
                            o
                        }
                    }
                };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
            Ordering::Equal
        });
        out.rows = keyed.into_iter().map(|(_, r)| r).collect();
    } else {
        out.rows = projected.into_iter().map(|(r, _)| r).collect();
    }
    // Limit.
    if let Some(limit) = &query.limit_clause {
        let (limit, offset) = match limit {
            LimitClause::LimitOffset { limit, offset, .. } => (
                limit.as_ref().map(|l| int_of(l, "LIMIT")).transpose()?,
                offset.as_ref().map(|o| int_of(&o.value, "OFFSET")).transpose()?,
            ),
            LimitClause::OffsetCommaLimit { offset, limit } => {
                (Some(int_of(limit, "LIMIT")?), Some(int_of(offset, "OFFSET")?))
            }
        };
        let rows = std::mem::take(&mut out.rows);
        out.rows = rows
            .into_iter()
            .skip(offset.unwrap_or(0))
            .take(limit.unwrap_or(usize::MAX))
            .collect();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns() {
        assert!(like("s3://bucket", "s3://%", false));
        assert!(like("abc", "a_c", false));
        assert!(!like("abc", "a_", false));
        assert!(like("ABC", "a%", true));
        assert!(like("", "%", false));
        assert!(like("a%b", "a%b", false));
        assert!(like("abcabd", "%ab_", false));
        assert!(like("aXbYc", "a%b%c", false));
        assert!(!like("ab", "a%%b%b", false));
        assert!(like("ab", "a%%b%", false));
        assert!(!like("aba", "ab%ba", false));
        assert!(like("abba", "ab%ba", false));
        assert!(like("xé_y", "x__y", false));
        assert!(like("ÉTÉ", "%_t%", true));
        assert!(!like("", "_", false));
        assert!(like("", "", false));
        assert!(!like("a", "", false));
    }

    /// The textbook dynamic-programming matcher, quadratic but obviously right.
    fn like_reference(text: &str, pattern: &str, case_insensitive: bool) -> bool {
        let (t, p): (Vec<char>, Vec<char>) = if case_insensitive {
            (
                text.to_lowercase().chars().collect(),
                pattern.to_lowercase().chars().collect(),
            )
        } else {
            (text.chars().collect(), pattern.chars().collect())
        };
        // m[i][j]: t[..i] matches p[..j].
        let mut m = vec![vec![false; p.len() + 1]; t.len() + 1];
        m[0][0] = true;
        for i in 0..=t.len() {
            for j in 1..=p.len() {
                m[i][j] = match p[j - 1] {
                    '%' => m[i][j - 1] || (i > 0 && m[i - 1][j]),
                    '_' => i > 0 && m[i - 1][j - 1],
                    c => i > 0 && t[i - 1] == c && m[i - 1][j - 1],
                };
            }
        }
        m[t.len()][p.len()]
    }

    #[test]
    fn long_segments_with_wildcards_cross_words() {
        let segment: String = (0..150).map(|i| if i % 7 == 0 { '_' } else { 'a' }).collect();
        let text = format!("{}b{}c", "a".repeat(200), "a".repeat(150));
        assert!(like(&text, &format!("%b{segment}c"), false));
        assert!(like(&text, &format!("%{segment}%c"), false));
        assert!(!like(&text, &format!("%b{segment}ac"), false));
        assert_eq!(
            like(&text, &format!("%{segment}b%"), false),
            like_reference(&text, &format!("%{segment}b%"), false)
        );
    }

    proptest::proptest! {
        #[test]
        fn like_agrees_with_the_reference(
            text in "[abAé İ%_]{0,14}",
            pattern in "[abAé İ%_]{0,8}",
            ci in proptest::bool::ANY,
        ) {
            proptest::prop_assert_eq!(like(&text, &pattern, ci), like_reference(&text, &pattern, ci));
        }

        #[test]
        fn like_finds_long_segments_with_holes(
            text in "[ab]{100,200}",
            start in 0usize..100,
            len in 65usize..100,
            holes in proptest::collection::vec(proptest::bool::weighted(0.3), 100),
        ) {
            let end = (start + len).min(text.len());
            let segment: String = text[start..end]
                .chars()
                .zip(&holes)
                .map(|(c, hole)| if *hole { '_' } else { c })
                .collect();
            let pattern = format!("%{segment}%");
            proptest::prop_assert!(like(&text, &pattern, false));
            let pattern = format!("%{segment}b%a");
            proptest::prop_assert_eq!(like(&text, &pattern, false), like_reference(&text, &pattern, false));
        }

        #[test]
        fn like_agrees_on_longer_patterns(
            text in "[ab]{0,40}",
            pattern in "[ab%_]{0,70}",
        ) {
            proptest::prop_assert_eq!(like(&text, &pattern, false), like_reference(&text, &pattern, false));
        }
    }
}
