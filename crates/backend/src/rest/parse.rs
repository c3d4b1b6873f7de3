//! PostgREST's query grammar (select, order, filters, logic trees), following its Parsec
//! parsers in `ApiRequest/QueryParams.hs`, including what they accept loosely.

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ParseError {
    /// `"failed to parse filter (x)" (line 1, column 3)`
    pub message: String,
    /// `unexpected "x" expecting ...`
    pub details: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SelectNode {
    Star,
    Field {
        alias: Option<String>,
        name: String,
        json_path: bool,
        cast: Option<String>,
        aggregate: bool,
    },
    Count,
    Relation(String),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OrderTerm {
    pub field: String,
    pub json_path: bool,
    pub desc: bool,
    pub nulls_first: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum QuantOp {
    Eq,
    Gte,
    Gt,
    Lte,
    Lt,
    Like,
    ILike,
    Match,
    IMatch,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Quant {
    Any,
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IsVal {
    Null,
    NotNull,
    True,
    False,
    Unknown,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Operation {
    Quant {
        op: QuantOp,
        quant: Option<Quant>,
        value: String,
    },
    /// `neq` and the range/array operators (`cs`, `cd`, `ov`, ...), by name.
    Simple {
        op: &'static str,
        value: String,
    },
    In(Vec<String>),
    Is(IsVal),
    IsDistinct(String),
    Fts {
        op: &'static str,
        value: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OpExpr {
    pub negated: bool,
    pub op: Operation,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Filter {
    pub field: String,
    pub json_path: bool,
    pub expr: OpExpr,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum LogicTree {
    Stmt(Filter),
    Expr {
        negated: bool,
        and: bool,
        children: Vec<LogicTree>,
    },
}

struct P {
    s: Vec<char>,
    i: usize,
    what: String,
}

type R<T> = Result<T, ParseError>;

impl P {
    fn new(what: String, input: &str) -> P {
        P {
            s: input.chars().collect(),
            i: 0,
            what,
        }
    }

    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.s.get(self.i + n).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// Consumes `lit` only if it is there in full (Parsec's `try (string lit)`).
    fn eat_str(&mut self, lit: &str) -> bool {
        let n = lit.chars().count();
        if self.s.len() >= self.i + n && self.s[self.i..self.i + n].iter().copied().eq(lit.chars())
        {
            self.i += n;
            true
        } else {
            false
        }
    }

    fn eat_str_ci(&mut self, lit: &str) -> bool {
        let n = lit.chars().count();
        if self.s.len() >= self.i + n
            && self.s[self.i..self.i + n]
                .iter()
                .zip(lit.chars())
                .all(|(a, b)| a.eq_ignore_ascii_case(&b))
        {
            self.i += n;
            true
        } else {
            false
        }
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.i += 1;
        }
    }

    fn err(&self, expecting: &str) -> ParseError {
        let unexpected = match self.peek() {
            Some(c) => format!("unexpected {:?}", c.to_string()),
            None => "unexpected end of input".to_string(),
        };
        ParseError {
            message: format!("{:?} (line 1, column {})", self.what, self.i + 1),
            details: format!("{unexpected} expecting {expecting}"),
        }
    }

    fn expect(&mut self, c: char, what: &str) -> R<()> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.err(what))
        }
    }

    fn rest(&mut self) -> String {
        let out: String = self.s[self.i.min(self.s.len())..].iter().collect();
        self.i = self.s.len();
        out
    }

    fn quoted(&mut self) -> R<String> {
        self.expect('"', "\"\\\"\"")?;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return Err(self.err("\"\\\"\"")),
                Some('"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some('\\') => {
                    self.i += 1;
                    match self.peek() {
                        Some(c) => {
                            out.push(c);
                            self.i += 1;
                        }
                        None => return Err(self.err("any character")),
                    }
                }
                Some(c) => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
    }

    fn identifier(&mut self) -> String {
        let start = self.i;
        while self
            .peek()
            .is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | ' ' | '$'))
        {
            self.i += 1;
        }
        self.s[start..self.i]
            .iter()
            .collect::<String>()
            .trim()
            .to_string()
    }

    /// `pFieldName`: a quoted name, or identifiers joined by dashes (not `->`).
    fn field_name(&mut self) -> R<String> {
        if self.peek() == Some('"') {
            return self.quoted();
        }
        let first = self.identifier();
        if first.is_empty() {
            return Err(self.err("field name (* or [a..z0..9_$])"));
        }
        let mut name = first;
        while self.peek() == Some('-') && self.peek_at(1) != Some('>') {
            self.i += 1;
            let next = self.identifier();
            if next.is_empty() {
                return Err(self.err("letter or digit"));
            }
            name.push('-');
            name.push_str(&next);
        }
        Ok(name)
    }

    /// `pJsonPath`: consumes `->key`/`->>key` operations; says whether there were any.
    fn json_path(&mut self) -> bool {
        let mut any = false;
        loop {
            if !(self.eat_str("->>") || self.eat_str("->")) {
                return any;
            }
            any = true;
            if self.peek() == Some('"') {
                let _ = self.quoted();
                continue;
            }
            while let Some(c) = self.peek() {
                if "(:.,>)".contains(c) || (c == '-' && self.peek_at(1) == Some('>')) {
                    break;
                }
                self.i += 1;
            }
        }
    }

    fn field(&mut self) -> R<(String, bool)> {
        self.ws();
        let name = self.field_name()?;
        let json = self.json_path();
        self.ws();
        Ok((name, json))
    }

    fn is_val(&mut self) -> R<IsVal> {
        for (lit, v) in [
            ("null", IsVal::Null),
            ("not_null", IsVal::NotNull),
            ("true", IsVal::True),
            ("false", IsVal::False),
            ("unknown", IsVal::Unknown),
        ] {
            if self.eat_str_ci(lit) {
                return Ok(v);
            }
        }
        Err(self.err("isVal: (null, not_null, true, false, unknown)"))
    }

    fn list_element(&mut self) -> R<String> {
        if self.peek() == Some('"') {
            let save = self.i;
            if let Ok(v) = self.quoted()
                && matches!(self.peek(), None | Some(',' | ')'))
            {
                return Ok(v);
            }
            self.i = save;
        }
        let start = self.i;
        while self.peek().is_some_and(|c| c != ',' && c != ')') {
            self.i += 1;
        }
        Ok(self.s[start..self.i].iter().collect())
    }

    fn list_val(&mut self) -> R<Vec<String>> {
        self.ws();
        self.expect('(', "\"(\"")?;
        self.ws();
        let mut items = vec![self.list_element()?];
        while self.eat(',') {
            items.push(self.list_element()?);
        }
        self.ws();
        self.expect(')', "\",\" or \")\"")?;
        self.ws();
        Ok(items)
    }

    fn logic_single_val(&mut self) -> String {
        if self.peek() == Some('"') {
            let save = self.i;
            if let Ok(v) = self.quoted()
                && matches!(self.peek(), None | Some(',' | ')'))
            {
                return v;
            }
            self.i = save;
        }
        if self.peek() == Some('{') {
            let save = self.i;
            self.i += 1;
            while self.peek().is_some_and(|c| c != '{' && c != '}') {
                self.i += 1;
            }
            if self.eat('}') {
                return self.s[save..self.i].iter().collect();
            }
            self.i = save;
        }
        let start = self.i;
        while self.peek().is_some_and(|c| c != ',' && c != ')') {
            self.i += 1;
        }
        self.s[start..self.i].iter().collect()
    }

    fn value(&mut self, logic: bool) -> String {
        if logic {
            self.logic_single_val()
        } else {
            self.rest()
        }
    }

    /// `pOpExpr`: `[not.]op.value`.
    fn op_expr(&mut self, logic: bool) -> R<OpExpr> {
        let negated = self.eat_str("not.");
        if self.eat_str("in.") {
            return Ok(OpExpr {
                negated,
                op: Operation::In(self.list_val()?),
            });
        }
        if self.eat_str("is.") {
            return Ok(OpExpr {
                negated,
                op: Operation::Is(self.is_val()?),
            });
        }
        if self.eat_str("isdistinct.") {
            return Ok(OpExpr {
                negated,
                op: Operation::IsDistinct(self.value(logic)),
            });
        }
        for op in ["fts", "plfts", "phfts", "wfts"] {
            let save = self.i;
            if self.eat_str(op) {
                if self.eat('(') {
                    let _ = self.identifier();
                    if !self.eat(')') {
                        self.i = save;
                        continue;
                    }
                }
                if self.eat('.') {
                    return Ok(OpExpr {
                        negated,
                        op: Operation::Fts {
                            op,
                            value: self.value(logic),
                        },
                    });
                }
            }
            self.i = save;
        }
        for op in ["neq", "cs", "cd", "ov", "sl", "sr", "nxr", "nxl", "adj"] {
            let save = self.i;
            if self.eat_str(op) && self.eat('.') {
                return Ok(OpExpr {
                    negated,
                    op: Operation::Simple {
                        op,
                        value: self.value(logic),
                    },
                });
            }
            self.i = save;
        }
        for (lit, op) in [
            ("eq", QuantOp::Eq),
            ("gte", QuantOp::Gte),
            ("gt", QuantOp::Gt),
            ("lte", QuantOp::Lte),
            ("lt", QuantOp::Lt),
            ("like", QuantOp::Like),
            ("ilike", QuantOp::ILike),
            ("match", QuantOp::Match),
            ("imatch", QuantOp::IMatch),
        ] {
            let save = self.i;
            if self.eat_str(lit) {
                let quant = if self.eat_str("(any)") {
                    Some(Quant::Any)
                } else if self.eat_str("(all)") {
                    Some(Quant::All)
                } else {
                    None
                };
                if self.eat('.') {
                    return Ok(OpExpr {
                        negated,
                        op: Operation::Quant {
                            op,
                            quant,
                            value: self.value(logic),
                        },
                    });
                }
            }
            self.i = save;
        }
        Err(self.err(if negated {
            "operator (eq, gt, ...)"
        } else {
            "\"not\" or operator (eq, gt, ...)"
        }))
    }

    fn logic_tree(&mut self) -> R<LogicTree> {
        let save = self.i;
        if let Ok((field, json_path)) = self.field()
            && self.eat('.')
            && let Ok(expr) = self.op_expr(true)
        {
            return Ok(LogicTree::Stmt(Filter {
                field,
                json_path,
                expr,
            }));
        }
        self.i = save;
        let negated = self.eat_str("not.");
        let and = if self.eat_str("and") {
            true
        } else if self.eat_str("or") {
            false
        } else {
            return Err(self.err("logic operator (and, or)"));
        };
        self.ws();
        self.expect('(', "\"(\"")?;
        self.ws();
        let mut children = vec![self.logic_tree()?];
        loop {
            self.ws();
            if !self.eat(',') {
                break;
            }
            self.ws();
            children.push(self.logic_tree()?);
        }
        self.ws();
        self.expect(')', "\",\" or \")\"")?;
        self.ws();
        Ok(LogicTree::Expr {
            negated,
            and,
            children,
        })
    }

    fn at_term_end(&self) -> bool {
        matches!(self.peek(), None | Some(','))
    }

    fn order_term(&mut self, table: &str) -> R<OrderTerm> {
        self.ws();
        let save = self.i;
        if let Ok(rel) = self.field_name()
            && self.peek() == Some('(')
        {
            return Err(ParseError {
                message: format!("A related order on '{table}' is not possible"),
                details: format!("'{table}' has no relation named '{rel}' in this request"),
            });
        }
        self.i = save;
        let (field, json_path) = self.field()?;
        let mut desc = false;
        if self.eat_str(".asc") {
        } else if self.eat_str(".desc") {
            desc = true;
        }
        let nulls_first = if self.eat_str(".nullsfirst") {
            Some(true)
        } else if self.eat_str(".nullslast") {
            Some(false)
        } else {
            None
        };
        self.ws();
        if !self.at_term_end() {
            return Err(self.err(if nulls_first.is_some() {
                "\",\" or end of input"
            } else {
                "\"asc\", \"desc\", \"nullsfirst\" or \"nullslast\""
            }));
        }
        Ok(OrderTerm {
            field,
            json_path,
            desc,
            nulls_first,
        })
    }

    fn select_end(&self) -> bool {
        matches!(self.peek(), None | Some(',' | ')'))
    }

    fn select_forest(&mut self) -> R<Vec<SelectNode>> {
        let mut out = Vec::new();
        self.ws();
        if self.select_end() && self.peek() != Some(',') {
            return Ok(out);
        }
        loop {
            out.push(self.select_item()?);
            self.ws();
            if !self.eat(',') {
                break;
            }
            self.ws();
        }
        Ok(out)
    }

    fn select_item(&mut self) -> R<SelectNode> {
        self.ws();
        // Embedded resources: `...rel(...)`, `alias:rel!hint(...)`.
        let save = self.i;
        let spread = self.eat_str("...");
        let alias_then_name = |p: &mut P| -> Option<String> {
            let s = p.i;
            if let Ok(n) = p.field_name() {
                if p.peek() == Some(':') && p.peek_at(1) != Some(':') {
                    p.i += 1;
                    if let Ok(n2) = p.field_name() {
                        return Some(n2);
                    }
                } else {
                    return Some(n);
                }
            }
            p.i = s;
            None
        };
        if let Some(name) = alias_then_name(self) {
            while self.eat('!') {
                let _ = self.field_name();
            }
            if name != "count" && self.peek() == Some('(') {
                self.i += 1;
                let _inner = self.select_forest()?;
                self.expect(')', "\")\"")?;
                return Ok(SelectNode::Relation(name));
            }
        }
        if spread {
            return Err(self.err("\"(\""));
        }
        self.i = save;
        if self.eat('*') {
            self.ws();
            if self.select_end() {
                return Ok(SelectNode::Star);
            }
            return Err(self.err("\")\", \",\" or end of input"));
        }
        let mut alias = None;
        let s = self.i;
        if let Ok(a) = self.field_name() {
            if self.peek() == Some(':') && self.peek_at(1) != Some(':') {
                self.i += 1;
                alias = Some(a);
            } else {
                self.i = s;
            }
        } else {
            self.i = s;
        }
        if self.eat_str("count()") {
            if self.eat_str("::") {
                let _ = self.identifier();
            }
            self.ws();
            if self.select_end() {
                return Ok(SelectNode::Count);
            }
            return Err(self.err("\",\" or end of input"));
        }
        let (name, json_path) = self.field()?;
        let mut cast = None;
        if self.eat_str("::") {
            let c = self.identifier();
            if c.is_empty() {
                return Err(self.err("letter or digit"));
            }
            cast = Some(c);
        }
        let mut aggregate = false;
        let save = self.i;
        if self.eat('.') {
            let found = ["sum", "avg", "count", "max", "min"]
                .iter()
                .any(|a| self.eat_str(a));
            if found && self.eat_str("()") {
                aggregate = true;
                if self.eat_str("::") {
                    let _ = self.identifier();
                }
            } else {
                self.i = save;
            }
        }
        self.ws();
        if !self.select_end() {
            return Err(self.err("letter, digit, \"-\", \"->>\", \"->\", \"::\", \".\", \")\", \",\" or end of input"));
        }
        Ok(SelectNode::Field {
            alias,
            name,
            json_path,
            cast,
            aggregate,
        })
    }
}

pub(crate) fn select(input: &str) -> R<Vec<SelectNode>> {
    let mut p = P::new(format!("failed to parse select parameter ({input})"), input);
    let out = p.select_forest()?;
    if p.peek().is_some() {
        return Err(p.err("\",\" or end of input"));
    }
    Ok(out)
}

/// `order=...` of a request on `table`.
pub(crate) fn order(table: &str, input: &str) -> R<Vec<OrderTerm>> {
    let mut p = P::new(format!("failed to parse order ({input})"), input);
    let mut out = vec![p.order_term(table)?];
    while p.eat(',') {
        out.push(p.order_term(table)?);
    }
    Ok(out)
}

/// `pColumns` (`on_conflict`, `columns`): field names separated by commas; what follows them is
/// ignored, as Parsec's `parse` without `eof` does.
pub(crate) fn columns(param: &str, input: &str) -> R<Vec<String>> {
    let mut p = P::new(
        format!("failed to parse {param} parameter ({input})"),
        input,
    );
    p.ws();
    let mut out = vec![p.field_name()?];
    loop {
        let save = p.i;
        p.ws();
        if !p.eat(',') {
            p.i = save;
            break;
        }
        p.ws();
        out.push(p.field_name()?);
    }
    Ok(out)
}

/// A filter `key=value`: the key is a (possibly embedded) column path.
pub(crate) fn filter(key: &str, value: &str) -> R<(Vec<String>, Filter)> {
    let mut kp = P::new(format!("failed to parse tree path ({key})"), key);
    let mut path = vec![kp.field_name()?];
    while kp.eat('.') {
        path.push(kp.field_name()?);
    }
    let json_path = kp.json_path();
    let field = path.pop().unwrap_or_default();
    let mut vp = P::new(format!("failed to parse filter ({value})"), value);
    let expr = vp.op_expr(false)?;
    Ok((
        path,
        Filter {
            field,
            json_path,
            expr,
        },
    ))
}

/// A logic tree `or=(...)`, `and=(...)`, `not.or=(...)`: returns the embed path and the tree.
pub(crate) fn logic(key: &str, value: &str) -> R<(Vec<String>, LogicTree)> {
    let mut kp = P::new(format!("failed to parse logic path ({key})"), key);
    let mut path = vec![kp.field_name()?];
    while kp.eat('.') {
        path.push(kp.field_name()?);
    }
    let op = path.pop().unwrap_or_default();
    let negated = path.iter().any(|p| p == "not");
    path.retain(|p| p != "not");
    let text = format!("{}{op}{value}", if negated { "not." } else { "" });
    let mut vp = P::new(format!("failed to parse logic tree ({value})"), &text);
    let tree = vp.logic_tree()?;
    Ok((path, tree))
}

/// Whether a query key is a logic tree (`or`, `and`, `not.or`, `x.or`, ...).
pub(crate) fn is_logic_key(key: &str) -> bool {
    let last = key.rsplit('.').next().unwrap_or(key);
    last == "or" || last == "and"
}

/// Parses a Postgres array literal `{a,"b,c",NULL}` (the value of `op(any)`/`op(all)`).
pub(crate) fn pg_array(input: &str) -> Option<Vec<Option<String>>> {
    let inner = input.trim().strip_prefix('{')?.strip_suffix('}')?;
    let mut out = Vec::new();
    if inner.trim().is_empty() {
        return Some(out);
    }
    let chars: Vec<char> = inner.chars().collect();
    let mut i = 0;
    loop {
        while chars.get(i) == Some(&' ') {
            i += 1;
        }
        if chars.get(i) == Some(&'"') {
            i += 1;
            let mut s = String::new();
            loop {
                match chars.get(i) {
                    None => return None,
                    Some('"') => {
                        i += 1;
                        break;
                    }
                    Some('\\') => {
                        s.push(*chars.get(i + 1)?);
                        i += 2;
                    }
                    Some(c) => {
                        s.push(*c);
                        i += 1;
                    }
                }
            }
            out.push(Some(s));
            while chars.get(i) == Some(&' ') {
                i += 1;
            }
        } else {
            let start = i;
            while chars.get(i).is_some_and(|c| *c != ',') {
                i += 1;
            }
            let raw: String = chars[start..i]
                .iter()
                .collect::<String>()
                .trim()
                .to_string();
            out.push(if raw.eq_ignore_ascii_case("null") {
                None
            } else {
                Some(raw)
            });
        }
        match chars.get(i) {
            None => return Some(out),
            Some(',') => i += 1,
            Some(_) => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(op: QuantOp, v: &str) -> Operation {
        Operation::Quant {
            op,
            quant: None,
            value: v.to_string(),
        }
    }

    #[test]
    fn filters() {
        let (_, f) = filter("status", "eq.completed").unwrap();
        assert_eq!(
            f.expr,
            OpExpr {
                negated: false,
                op: q(QuantOp::Eq, "completed")
            }
        );
        let (_, f) = filter("duration_seconds", "not.gte.60").unwrap();
        assert_eq!(
            f.expr,
            OpExpr {
                negated: true,
                op: q(QuantOp::Gte, "60")
            }
        );
        let (_, f) = filter("status", "in.(completed,\"a,b\", missed)").unwrap();
        assert_eq!(
            f.expr.op,
            Operation::In(vec!["completed".into(), "a,b".into(), " missed".into()])
        );
        let (_, f) = filter("agent_name", "is.NULL").unwrap();
        assert_eq!(f.expr.op, Operation::Is(IsVal::Null));
        let (_, f) = filter("agent_name", "ilike(any).{*ava*,*lee*}").unwrap();
        assert_eq!(
            f.expr.op,
            Operation::Quant {
                op: QuantOp::ILike,
                quant: Some(Quant::Any),
                value: "{*ava*,*lee*}".into()
            }
        );
        let (_, f) = filter("status", "neq.x.y").unwrap();
        assert_eq!(
            f.expr.op,
            Operation::Simple {
                op: "neq",
                value: "x.y".into()
            }
        );
        let e = filter("status", "completed").unwrap_err();
        assert_eq!(
            e.message,
            "\"failed to parse filter (completed)\" (line 1, column 1)"
        );
        assert!(e.details.starts_with("unexpected \"c\""), "{e:?}");
    }

    #[test]
    fn logic_trees() {
        let (_, t) = logic(
            "or",
            "(status.eq.missed,and(duration_seconds.gt.60,agent_name.ilike.*ava*))",
        )
        .unwrap();
        let LogicTree::Expr {
            negated: false,
            and: false,
            children,
        } = t
        else {
            panic!("{t:?}")
        };
        assert_eq!(children.len(), 2);
        assert!(
            matches!(&children[1], LogicTree::Expr { and: true, children, .. } if children.len() == 2)
        );
        let (_, t) = logic("not.and", "(a.eq.\"x,y\",b.in.(1,2))").unwrap();
        let LogicTree::Expr {
            negated: true,
            and: true,
            children,
        } = t
        else {
            panic!()
        };
        assert!(matches!(&children[0], LogicTree::Stmt(f) if f.expr.op == q(QuantOp::Eq, "x,y")));
        assert!(logic("or", "(a.eq.1").is_err());
    }

    #[test]
    fn orders_and_selects() {
        let o = order("calls", "created_at.desc,id.desc.nullslast, agent_name").unwrap();
        assert_eq!(o.len(), 3);
        assert!(o[0].desc && o[1].nulls_first == Some(false) && !o[2].desc);
        assert!(order("calls", "created_at.sideways").is_err());
        assert_eq!(
            columns("on_conflict", "agency_id, call_id,\"reviewer_id\"").unwrap(),
            vec!["agency_id", "call_id", "reviewer_id"]
        );
        assert!(columns("columns", ",").is_err());
        let s = select("id,when:created_at,status::text,*").unwrap();
        assert_eq!(s.len(), 4);
        assert!(
            matches!(&s[1], SelectNode::Field { alias: Some(a), name, .. } if a == "when" && name == "created_at")
        );
        assert!(matches!(&s[2], SelectNode::Field { cast: Some(c), .. } if c == "text"));
        assert_eq!(
            select("agencies(name)").unwrap(),
            vec![SelectNode::Relation("agencies".into())]
        );
        assert_eq!(select("count()").unwrap(), vec![SelectNode::Count]);
        assert_eq!(select("").unwrap(), vec![]);
    }

    #[test]
    fn arrays() {
        assert_eq!(
            pg_array("{a,\"b,c\",NULL}"),
            Some(vec![Some("a".into()), Some("b,c".into()), None])
        );
        assert_eq!(pg_array("{}"), Some(vec![]));
        assert_eq!(pg_array("a,b"), None);
    }
}
