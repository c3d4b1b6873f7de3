//! Turns parsed PostgREST requests into parameterised SQLite SQL. Column names come only from
//! the schema (never from the request); every value is a bound parameter, converted first by
//! the column's Postgres type so bad input fails as Postgres would (22P02, 42883, ...).

use axum::http::StatusCode;
use rusqlite::types::Value as SqlValue;

use super::parse::{IsVal, LogicTree, OpExpr, Operation, OrderTerm, Quant, QuantOp, SelectNode};
use super::schema::{Column, PgType};
use super::values::convert;

/// An error as PostgREST reports it: `{code, details, hint, message}`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PgError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Option<String>,
    pub hint: Option<String>,
}

impl PgError {
    pub(crate) fn new(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
    ) -> PgError {
        PgError {
            status,
            code,
            message: message.into(),
            details: None,
            hint: None,
        }
    }

    pub(crate) fn details(mut self, d: impl Into<String>) -> PgError {
        self.details = Some(d.into());
        self
    }

    pub(crate) fn hint(mut self, h: impl Into<String>) -> PgError {
        self.hint = Some(h.into());
        self
    }
}

fn undefined_column(table: Table, name: &str) -> PgError {
    PgError::new(
        StatusCode::BAD_REQUEST,
        "42703",
        format!("column {}.{name} does not exist", table.name),
    )
}

fn no_operator(ty: PgType, op: &str) -> PgError {
    PgError::new(StatusCode::NOT_FOUND, "42883", format!("operator does not exist: {} {op} unknown", ty.pg_name()))
        .hint("No operator matches the given name and argument types. You might need to add explicit type casts.")
}

pub(crate) fn not_implemented(details: impl Into<String>) -> PgError {
    PgError::new(
        StatusCode::BAD_REQUEST,
        "PGRST127",
        "Feature not implemented",
    )
    .details(details)
}

/// The table a request reads or writes.
pub(crate) type Table = &'static super::schema::Table;

fn lookup(table: Table, name: &str, json_path: bool) -> Result<&'static Column, PgError> {
    let col = table
        .column(name)
        .ok_or_else(|| undefined_column(table, name))?;
    if json_path {
        return Err(no_operator(col.ty, "->"));
    }
    Ok(col)
}

/// Postgres LIKE pattern (`%`, `_`, backslash escapes) as a SQLite GLOB pattern, which is
/// case-sensitive like LIKE in Postgres (SQLite's own LIKE is not).
fn like_to_glob(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 4);
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(lit) => push_glob_literal(&mut out, lit),
                None => push_glob_literal(&mut out, '\\'),
            },
            '%' => out.push('*'),
            '_' => out.push('?'),
            other => push_glob_literal(&mut out, other),
        }
    }
    out
}

fn push_glob_literal(out: &mut String, c: char) {
    match c {
        '*' | '?' | '[' => {
            out.push('[');
            out.push(c);
            out.push(']');
        }
        _ => out.push(c),
    }
}

pub(crate) struct Sql {
    pub text: String,
    pub params: Vec<SqlValue>,
}

impl Sql {
    fn bind(&mut self, v: SqlValue) -> String {
        self.params.push(v);
        format!("?{}", self.params.len())
    }
}

/// Compiles one filter into `sql.text`'s next condition.
fn leaf(
    table: Table,
    sql: &mut Sql,
    field: &str,
    json_path: bool,
    expr: &OpExpr,
) -> Result<String, PgError> {
    let col = lookup(table, field, json_path)?;
    // Only the schema's expressions reach the SQL, never the request's text.
    let name = col.expr;
    let cond = match &expr.op {
        Operation::Quant { op, quant, value } => {
            let values: Vec<Option<String>> = match quant {
                None => vec![Some(value.clone())],
                Some(_) => super::parse::pg_array(value).ok_or_else(|| {
                    PgError::new(
                        StatusCode::BAD_REQUEST,
                        "22P02",
                        format!("malformed array literal: \"{value}\""),
                    )
                    .details("Array value must start with \"{\" or dimension information.")
                })?,
            };
            let mut parts = Vec::with_capacity(values.len());
            for v in &values {
                let Some(v) = v else {
                    // A NULL element compares to NULL: never true.
                    parts.push("NULL".to_string());
                    continue;
                };
                let part = match op {
                    QuantOp::Like | QuantOp::ILike => {
                        if col.ty != PgType::Text {
                            return Err(no_operator(
                                col.ty,
                                if *op == QuantOp::Like { "~~" } else { "~~*" },
                            ));
                        }
                        // PostgREST turns `*` into `%` before Postgres sees the pattern.
                        let pattern = v.replace('*', "%");
                        if *op == QuantOp::Like {
                            let glob = like_to_glob(&pattern);
                            format!("{name} GLOB {}", sql.bind(SqlValue::Text(glob)))
                        } else {
                            // SQLite's LIKE folds ASCII case (Postgres' ILIKE folds all of
                            // Unicode) and reads `%`, `_` and backslash escapes as Postgres does.
                            let p = sql.bind(SqlValue::Text(pattern));
                            format!("{name} LIKE {p} ESCAPE '\\'")
                        }
                    }
                    QuantOp::Match | QuantOp::IMatch => {
                        return Err(not_implemented(
                            "regular expression filters (match, imatch) are not supported by the local backend",
                        ));
                    }
                    cmp => {
                        if col.ty == PgType::Jsonb && *cmp != QuantOp::Eq {
                            return Err(not_implemented(
                                "ordering comparisons of jsonb are not supported by the local backend",
                            ));
                        }
                        let sym = match cmp {
                            QuantOp::Eq => "=",
                            QuantOp::Gt => ">",
                            QuantOp::Gte => ">=",
                            QuantOp::Lt => "<",
                            _ => "<=",
                        };
                        format!("{name} {sym} {}", sql.bind(convert(col, v)?))
                    }
                };
                parts.push(part);
            }
            match quant {
                None => parts.pop().unwrap_or_else(|| "0".into()),
                Some(Quant::Any) if parts.is_empty() => "0".into(),
                Some(Quant::All) if parts.is_empty() => "1".into(),
                Some(Quant::Any) => format!("({})", parts.join(" OR ")),
                Some(Quant::All) => format!("({})", parts.join(" AND ")),
            }
        }
        Operation::Simple { op: "neq", value } => {
            format!("{name} <> {}", sql.bind(convert(col, value)?))
        }
        Operation::Simple { op, .. } => {
            let sym = match *op {
                "cs" => "@>",
                "cd" => "<@",
                "ov" => "&&",
                "sl" => "<<",
                "sr" => ">>",
                "nxr" => "&<",
                "nxl" => "&>",
                _ => "-|-",
            };
            return Err(no_operator(col.ty, sym));
        }
        Operation::In(items) => {
            // `in.()` parses as one empty element: an empty list.
            if items.len() == 1 && items[0].is_empty() {
                "0".to_string()
            } else {
                let mut ps = Vec::with_capacity(items.len());
                for it in items {
                    ps.push(sql.bind(convert(col, it)?));
                }
                format!("{name} IN ({})", ps.join(", "))
            }
        }
        Operation::Is(v) => match v {
            IsVal::Null => format!("{name} IS NULL"),
            IsVal::NotNull => format!("{name} IS NOT NULL"),
            tri => {
                if col.ty != PgType::Bool {
                    let what = match tri {
                        IsVal::True => "IS TRUE",
                        IsVal::False => "IS FALSE",
                        _ => "IS UNKNOWN",
                    };
                    return Err(PgError::new(
                        StatusCode::BAD_REQUEST,
                        "42804",
                        format!(
                            "argument of {what} must be type boolean, not type {}",
                            col.ty.pg_name()
                        ),
                    ));
                }
                match tri {
                    IsVal::True => format!("{name} IS 1"),
                    IsVal::False => format!("{name} IS 0"),
                    _ => format!("{name} IS NULL"),
                }
            }
        },
        Operation::IsDistinct(v) => format!("{name} IS NOT {}", sql.bind(convert(col, v)?)),
        Operation::Fts { .. } => {
            return Err(not_implemented(
                "full-text search filters are not supported by the local backend",
            ));
        }
    };
    Ok(if expr.negated {
        format!("NOT ({cond})")
    } else {
        cond
    })
}

fn tree(table: Table, sql: &mut Sql, t: &LogicTree) -> Result<String, PgError> {
    match t {
        LogicTree::Stmt(f) => leaf(table, sql, &f.field, f.json_path, &f.expr),
        LogicTree::Expr {
            negated,
            and,
            children,
        } => {
            let mut parts = Vec::with_capacity(children.len());
            for c in children {
                parts.push(tree(table, sql, c)?);
            }
            let joined = format!("({})", parts.join(if *and { " AND " } else { " OR " }));
            Ok(if *negated {
                format!("NOT {joined}")
            } else {
                joined
            })
        }
    }
}

/// The WHERE clause for the row-level scope plus the request's filters and logic trees.
pub(crate) fn where_clause(
    table: Table,
    scope: &Scope,
    filters: &[(String, bool, OpExpr)],
    trees: &[LogicTree],
) -> Result<Sql, PgError> {
    let mut sql = Sql {
        text: String::new(),
        params: Vec::new(),
    };
    let mut conds = Vec::new();
    match scope {
        Scope::All => {}
        Scope::Nothing => conds.push("0".to_string()),
        Scope::Agency(a) => {
            let p = sql.bind(SqlValue::Text(a.clone()));
            conds.push(format!("agency_id = {p}"));
        }
    }
    for (field, json, expr) in filters {
        conds.push(leaf(table, &mut sql, field, *json, expr)?);
    }
    for t in trees {
        conds.push(tree(table, &mut sql, t)?);
    }
    sql.text = if conds.is_empty() {
        "1".to_string()
    } else {
        conds.join(" AND ")
    };
    Ok(sql)
}

/// What row-level security lets the caller see.
#[derive(Debug, Clone)]
pub(crate) enum Scope {
    All,
    Nothing,
    Agency(String),
}

pub(crate) fn order_clause(table: Table, terms: &[OrderTerm]) -> Result<String, PgError> {
    let mut parts = Vec::with_capacity(terms.len());
    for t in terms {
        let col = lookup(table, &t.field, t.json_path)?;
        if col.ty == PgType::Jsonb {
            return Err(not_implemented(
                "ordering by a jsonb column is not supported by the local backend",
            ));
        }
        let dir = if t.desc { "DESC" } else { "ASC" };
        // Postgres puts NULLs last ascending and first descending; SQLite does the opposite, so
        // nullable columns get an explicit clause. NOT NULL columns skip it, keeping indexes usable.
        let nulls = if col.nullable {
            let first = t.nulls_first.unwrap_or(t.desc);
            if first { " NULLS FIRST" } else { " NULLS LAST" }
        } else {
            ""
        };
        parts.push(format!("{} {dir}{nulls}", col.expr));
    }
    Ok(parts.join(", "))
}

/// One output key of each row.
#[derive(Debug, Clone)]
pub(crate) struct OutCol {
    pub key: String,
    pub col: &'static Column,
    pub as_text: bool,
}

pub(crate) fn columns(table: Table, nodes: &[SelectNode]) -> Result<Vec<OutCol>, PgError> {
    let mut out = Vec::new();
    for n in nodes {
        match n {
            SelectNode::Star => {
                out.extend(table.columns.iter().map(|c| OutCol {
                    key: c.name.to_string(),
                    col: c,
                    as_text: false,
                }));
            }
            SelectNode::Count => {
                return Err(PgError::new(
                    StatusCode::BAD_REQUEST,
                    "PGRST123",
                    "Use of aggregate functions is not allowed",
                ));
            }
            SelectNode::Relation(rel) => {
                return Err(PgError::new(
                    StatusCode::BAD_REQUEST,
                    "PGRST200",
                    format!("Could not find a relationship between '{}' and '{rel}' in the schema cache", table.name),
                )
                .details(format!(
                    "Searched for a foreign key relationship between '{}' and '{rel}' in the schema 'public', but no matches were found.",
                    table.name
                )));
            }
            SelectNode::Field {
                alias,
                name,
                json_path,
                cast,
                aggregate,
            } => {
                if *aggregate {
                    return Err(PgError::new(
                        StatusCode::BAD_REQUEST,
                        "PGRST123",
                        "Use of aggregate functions is not allowed",
                    ));
                }
                let col = lookup(table, name, *json_path)?;
                let as_text = match cast.as_deref().map(str::to_ascii_lowercase).as_deref() {
                    None => false,
                    Some("text" | "varchar" | "character varying") => true,
                    Some(c) if c == col.ty.pg_name() => false,
                    Some("int" | "int4" | "integer" | "bigint" | "int8")
                        if col.ty == PgType::Int =>
                    {
                        false
                    }
                    Some("int8") if col.ty == PgType::BigInt => false,
                    Some("bool") if col.ty == PgType::Bool => false,
                    Some("timestamptz") if col.ty == PgType::Timestamptz => false,
                    Some(other) => {
                        return Err(not_implemented(format!(
                            "casting {} to {other} is not supported by the local backend",
                            col.name
                        )));
                    }
                };
                out.push(OutCol {
                    key: alias.clone().unwrap_or_else(|| col.name.to_string()),
                    col,
                    as_text,
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert_eq!(like_to_glob("%ava%"), "*ava*");
        assert_eq!(like_to_glob("a_b"), "a?b");
        assert_eq!(like_to_glob("100\\%"), "100%");
        assert_eq!(like_to_glob("[x]*"), "[[]x][*]");
    }
}
