//! The named arguments of a flight function call: bound to the function's parameters and
//! read as literals (strings, numbers, lists, `MAP {...}`), each error naming the parameter.

use super::func::Func;
use crate::error::{Result, SqlError};
use coffer_core::FlightUpdate;
use coffer_model::flight::FlightKind;
use indexmap::IndexMap;
use sqlparser::ast::{Expr, FunctionArg, FunctionArgExpr, UnaryOperator, Value as AstValue};

/// A literal argument value.
#[derive(Debug)]
pub(super) enum Lit {
    Null,
    Text(String),
    Int(i64),
    Bool(bool),
    List(Vec<Lit>),
    Map(Vec<(Lit, Lit)>),
    /// A number that is not a whole number, kept as written.
    Decimal(String),
}

impl Lit {
    fn describe(&self) -> String {
        match self {
            Lit::Null => "NULL".into(),
            Lit::Text(_) => "a string".into(),
            Lit::Int(i) => format!("the number {i}"),
            Lit::Decimal(n) => format!("the number {n}"),
            Lit::Bool(true) => "TRUE".into(),
            Lit::Bool(false) => "FALSE".into(),
            Lit::List(_) => "a list".into(),
            Lit::Map(_) => "a MAP".into(),
        }
    }

    fn parse(e: &Expr, func: Func, param: &str) -> Result<Lit> {
        Ok(match e {
            Expr::Value(v) => match &v.value {
                AstValue::SingleQuotedString(s)
                | AstValue::DoubleQuotedString(s)
                | AstValue::EscapedStringLiteral(s)
                | AstValue::TripleSingleQuotedString(s)
                | AstValue::TripleDoubleQuotedString(s)
                | AstValue::NationalStringLiteral(s)
                | AstValue::UnicodeStringLiteral(s) => Lit::Text(s.clone()),
                AstValue::DollarQuotedString(d) => Lit::Text(d.value.clone()),
                AstValue::Number(n, _) => match n.parse::<i64>() {
                    Ok(i) => Lit::Int(i),
                    Err(_) => Lit::Decimal(n.to_string()),
                },
                AstValue::Boolean(b) => Lit::Bool(*b),
                AstValue::Null => Lit::Null,
                other => return Err(not_literal(func, param, &other.to_string())),
            },
            Expr::UnaryOp {
                op: UnaryOperator::Minus,
                expr,
            } => match Lit::parse(expr, func, param)? {
                Lit::Int(i) => Lit::Int(-i),
                Lit::Decimal(n) => Lit::Decimal(format!("-{n}")),
                _ => return Err(not_literal(func, param, &e.to_string())),
            },
            Expr::Nested(inner) => Lit::parse(inner, func, param)?,
            Expr::Array(a) => Lit::List(
                a.elem
                    .iter()
                    .map(|x| Lit::parse(x, func, param))
                    .collect::<Result<_>>()?,
            ),
            Expr::Map(m) => Lit::Map(
                m.entries
                    .iter()
                    .map(|entry| {
                        Ok((
                            Lit::parse(&entry.key, func, param)?,
                            Lit::parse(&entry.value, func, param)?,
                        ))
                    })
                    .collect::<Result<_>>()?,
            ),
            other => return Err(not_literal(func, param, &other.to_string())),
        })
    }
}

fn not_literal(func: Func, param: &str, what: &str) -> SqlError {
    SqlError::Semantic(format!(
        "{}: parameter '{param}' takes a literal value (a 'string', a number, a ['list'] or MAP {{'key': 'value'}}), not {what}",
        func.sql_name()
    ))
}

/// The named arguments of one call, checked against the function's parameters.
pub(super) struct Params {
    func: Func,
    pub(super) given: IndexMap<String, Lit>,
}

impl Params {
    pub(super) fn bind(func: Func, args: &[FunctionArg]) -> Result<Params> {
        let valid = func.params();
        let list = valid.join(", ");
        let mut given = IndexMap::new();
        for a in args {
            let (name, e) = match a {
                FunctionArg::Named {
                    name,
                    arg: FunctionArgExpr::Expr(e),
                    ..
                } => (name.value.to_ascii_lowercase(), e),
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => {
                    return Err(SqlError::Semantic(format!(
                        "{}: arguments are named, as in {}(flight_id := '...'); '{e}' has no name; parameters: {list}",
                        func.sql_name(),
                        func.sql_name()
                    )))
                }
                other => {
                    return Err(SqlError::Semantic(format!(
                        "{}: unsupported argument {other}; parameters: {list}",
                        func.sql_name()
                    )))
                }
            };
            if !valid.contains(&name.as_str()) {
                let hint = if valid.is_empty() {
                    "it takes no parameters".to_string()
                } else {
                    format!("valid parameters: {list}")
                };
                return Err(SqlError::Semantic(format!(
                    "{} has no parameter '{name}'; {hint}",
                    func.sql_name()
                )));
            }
            let lit = Lit::parse(e, func, &name)?;
            if given.insert(name.clone(), lit).is_some() {
                return Err(SqlError::Semantic(format!(
                    "{}: parameter '{name}' is given twice",
                    func.sql_name()
                )));
            }
        }
        Ok(Params { func, given })
    }

    pub(super) fn error(&self, param: &str, rule: impl std::fmt::Display) -> SqlError {
        SqlError::Semantic(format!("{}: parameter '{param}' {rule}", self.func.sql_name()))
    }

    /// The value of `name` or of its MotherDuck spelling `alias`, taken out.
    pub(super) fn take_either(&mut self, name: &str, alias: &str) -> Result<Option<(String, Lit)>> {
        match (self.given.shift_remove(name), self.given.shift_remove(alias)) {
            (Some(_), Some(_)) => Err(SqlError::Semantic(format!(
                "{}: give '{name}' or '{alias}' (the same parameter), not both",
                self.func.sql_name()
            ))),
            (Some(v), None) => Ok(Some((name.to_string(), v))),
            (None, Some(v)) => Ok(Some((alias.to_string(), v))),
            (None, None) => Ok(None),
        }
    }

    pub(super) fn take(&mut self, name: &str) -> Option<(String, Lit)> {
        self.given.shift_remove(name).map(|v| (name.to_string(), v))
    }

    /// A string, `Some(None)` for NULL.
    pub(super) fn text(&self, given: Option<(String, Lit)>) -> Result<Option<Option<String>>> {
        match given {
            None => Ok(None),
            Some((_, Lit::Null)) => Ok(Some(None)),
            Some((_, Lit::Text(s))) => Ok(Some(Some(s))),
            Some((p, other)) => Err(self.error(&p, format!("must be a 'string', not {}", other.describe()))),
        }
    }

    /// A required string.
    pub(super) fn required_text(&mut self, name: &str) -> Result<String> {
        let given = self.take(name);
        match self.text(given)? {
            Some(Some(s)) if !s.is_empty() => Ok(s),
            _ => Err(SqlError::Semantic(format!(
                "{} needs {name} := '...'{}",
                self.func.sql_name(),
                if name == "flight_id" {
                    " (the flight's id or its name)"
                } else {
                    ""
                }
            ))),
        }
    }

    /// A whole number in `min..`, `Some(None)` for NULL.
    pub(super) fn int(&self, given: Option<(String, Lit)>, min: i64, what: &str) -> Result<Option<Option<i64>>> {
        match given {
            None => Ok(None),
            Some((_, Lit::Null)) => Ok(Some(None)),
            Some((_, Lit::Int(i))) if i >= min => Ok(Some(Some(i))),
            Some((p, Lit::Int(i))) => Err(self.error(&p, format!("must be {what}, not {i}"))),
            Some((p, other)) => Err(self.error(
                &p,
                format!(
                    "must be {what} (an unquoted number, e.g. {p} := 600), not {}",
                    other.describe()
                ),
            )),
        }
    }

    /// A list of strings, `Some(None)` for NULL.
    pub(super) fn list(&self, given: Option<(String, Lit)>, example: &str) -> Result<Option<Option<Vec<String>>>> {
        let bad = |p: &str, what: String| self.error(p, format!("must be a list of strings, e.g. {example}; {what}"));
        match given {
            None => Ok(None),
            Some((_, Lit::Null)) => Ok(Some(None)),
            Some((p, Lit::List(items))) => items
                .into_iter()
                .map(|i| match i {
                    Lit::Text(s) => Ok(s),
                    other => Err(bad(&p, format!("an item is {}", other.describe()))),
                })
                .collect::<Result<Vec<_>>>()
                .map(|v| Some(Some(v))),
            Some((p, other)) => Err(bad(&p, format!("got {}", other.describe()))),
        }
    }

    /// A MAP of strings to strings, `Some(None)` for NULL.
    pub(super) fn map(&self, given: Option<(String, Lit)>) -> Result<Option<Option<IndexMap<String, String>>>> {
        let bad = |p: &str, what: String| {
            self.error(
                p,
                format!("must be a MAP of strings to strings, e.g. MAP {{'REGION': 'us-east-1'}}; {what}"),
            )
        };
        match given {
            None => Ok(None),
            Some((_, Lit::Null)) => Ok(Some(None)),
            Some((p, Lit::Map(entries))) => {
                let mut out = IndexMap::new();
                for (k, v) in entries {
                    let Lit::Text(k) = k else {
                        return Err(bad(&p, format!("a key is {}", k.describe())));
                    };
                    let v = match v {
                        Lit::Text(v) => v,
                        Lit::Int(_) | Lit::Decimal(_) | Lit::Bool(_) => {
                            return Err(bad(
                                &p,
                                format!(
                                    "the value of '{k}' is {}: config values are strings, quote it",
                                    v.describe()
                                ),
                            ))
                        }
                        other => return Err(bad(&p, format!("the value of '{k}' is {}", other.describe()))),
                    };
                    if out.contains_key(&k) {
                        return Err(bad(&p, format!("the key '{k}' is given twice")));
                    }
                    out.insert(k, v);
                }
                Ok(Some(Some(out)))
            }
            Some((p, other)) => Err(bad(&p, format!("got {}", other.describe()))),
        }
    }

    pub(super) fn kind(&mut self) -> Result<Option<FlightKind>> {
        let given = self.take("kind");
        match self.text(given)? {
            None => Ok(None),
            Some(None) => Err(self.error("kind", "cannot be NULL; use 'command', 'python' or 'sql'")),
            Some(Some(k)) => Ok(Some(FlightKind::parse(&k)?)),
        }
    }

    /// `requirements_txt` (NULL or '' removes it) and `source_builds` (TRUE or FALSE).
    pub(super) fn requirements(&mut self) -> Result<(Option<Option<String>>, Option<bool>)> {
        let given = self.take("requirements_txt");
        let text = self.text(given)?.map(|t| t.filter(|s| !s.trim().is_empty()));
        let builds = match self.take("source_builds") {
            None => None,
            Some((_, Lit::Bool(b))) => Some(b),
            Some((p, other)) => return Err(self.error(&p, format!("must be TRUE or FALSE, not {}", other.describe()))),
        };
        Ok((text, builds))
    }

    /// The definition parameters of create and update, all optional.
    pub(super) fn definition(&mut self) -> Result<FlightUpdate> {
        let (requirements, source_builds) = self.requirements()?;
        let kind = self.kind()?;
        let script = self.take_either("script", "source_code")?;
        let script_param = script.as_ref().map(|(n, _)| n.clone()).unwrap_or_default();
        let script = match self.text(script)? {
            Some(None) => return Err(self.error(&script_param, "cannot be NULL")),
            other => other.flatten(),
        };
        let command = self.take("command");
        let command = match self.list(command, "['echo', 'hi']")? {
            Some(None) => return Err(self.error("command", "cannot be NULL")),
            other => other.flatten(),
        };
        let config = self.take("config");
        let config = match self.map(config)? {
            Some(None) => return Err(self.error("config", "cannot be NULL; MAP {} empties it")),
            other => other.flatten(),
        };
        let secrets = self.take("flight_secret_names");
        let secrets = match self.list(secrets, "['my_api_secret']")? {
            Some(None) => return Err(self.error("flight_secret_names", "cannot be NULL; [] detaches every secret")),
            other => other.flatten(),
        };
        // NULL or '' clears these, as MotherDuck's schedule_cron := ''.
        let clearable = |v: Option<Option<String>>| v.map(|v| v.filter(|s| !s.is_empty()));
        let token = self.take("access_token_name");
        let token_name = clearable(self.text(token)?);
        let schedule = self.take_either("schedule", "schedule_cron")?;
        let schedule = clearable(self.text(schedule)?);
        let timezone = self.take("timezone");
        let timezone = clearable(self.text(timezone)?);
        let timeout = self.take("timeout");
        let timeout_secs = self
            .int(timeout, 1, "a positive whole number of seconds")?
            .map(|v| v.map(|s| s.unsigned_abs()));
        let concurrency = self.take("concurrency");
        let concurrency = match self.int(concurrency, 1, "a positive whole number")? {
            Some(None) => return Err(self.error("concurrency", "cannot be NULL")),
            Some(Some(c)) => {
                Some(u32::try_from(c).map_err(|_| self.error("concurrency", format!("is too large: {c}")))?)
            }
            None => None,
        };
        Ok(FlightUpdate {
            kind,
            command,
            script,
            config,
            secrets,
            token_name,
            schedule,
            timezone,
            timeout_secs,
            concurrency,
            steps: None,
            requirements,
            source_builds,
            if_version: None,
        })
    }

    pub(super) fn limit_offset(&mut self) -> Result<(Option<usize>, usize)> {
        let limit = self.take("limit");
        let limit = self.int(limit, 0, "a whole number, 0 or more")?.flatten();
        let offset = self.take("offset");
        let offset = self.int(offset, 0, "a whole number, 0 or more")?.flatten();
        let us = |v: i64| usize::try_from(v).unwrap_or(usize::MAX);
        Ok((limit.map(us), offset.map_or(0, us)))
    }
}
