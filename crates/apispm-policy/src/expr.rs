//! The `condition:` language: a small, typed boolean expression over what was observed for an
//! endpoint and the rule's control.
//!
//! ```text
//! condition := or
//! or        := and ( "or" and )*
//! and       := cmp ( "and" cmp )*
//! cmp       := unary ( ("==" | "!=" | "<" | "<=" | ">" | ">=") unary )?
//! unary     := "not" unary | primary
//! primary   := STRING | NUMBER | "true" | "false" | IDENT | "(" or ")"
//! ```
//!
//! `not` binds tightest, then comparison, then `and`, then `or`; comparisons do not chain.
//! Everything is checked when the file loads (unknown identifiers, type mismatches,
//! identifiers that need a `control` the rule lacks), so a policy that loads cannot fail
//! while a scan is running. And/or are n-ary and nesting is capped, which keeps evaluation
//! free of deep recursion whatever a file contains.

use apispm_core::Classification;
use std::fmt;

/// Parentheses and `not` may nest this deep; real conditions need two or three levels.
const MAX_DEPTH: usize = 64;

/// What a condition can refer to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Var {
    /// An `Access-Control-Allow-Origin` value the endpoint answered (`""`: none).
    Origin,
    /// The rule's control was present.
    Present,
    /// Share of the judged requests on which the rule's control was seen, 0..=1.
    ObservedRatio,
    Requests,
    RiskScore,
    Classification,
    Documented,
}

impl Var {
    pub const ALL: [Var; 7] = [
        Var::Origin,
        Var::Present,
        Var::ObservedRatio,
        Var::Requests,
        Var::RiskScore,
        Var::Classification,
        Var::Documented,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Var::Origin => "origin",
            Var::Present => "present",
            Var::ObservedRatio => "observed_ratio",
            Var::Requests => "requests",
            Var::RiskScore => "risk_score",
            Var::Classification => "classification",
            Var::Documented => "documented",
        }
    }

    pub fn parse(s: &str) -> Option<Var> {
        Var::ALL.into_iter().find(|v| v.name() == s)
    }

    pub fn ty(self) -> Type {
        match self {
            Var::Origin | Var::Classification => Type::String,
            Var::Present | Var::Documented => Type::Bool,
            Var::ObservedRatio | Var::Requests | Var::RiskScore => Type::Number,
        }
    }

    /// Refers to the rule's `control`, so a rule without one cannot use it.
    pub fn needs_control(self) -> bool {
        matches!(self, Var::Present | Var::ObservedRatio)
    }

    /// Measured from traffic: meaningless for an endpoint that was never seen.
    pub fn is_observed(self) -> bool {
        matches!(self, Var::Origin | Var::Present | Var::ObservedRatio)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    Bool,
    Number,
    String,
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Type::Bool => "true/false value",
            Type::Number => "number",
            Type::String => "string",
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    fn is_ordering(self) -> bool {
        !matches!(self, CmpOp::Eq | CmpOp::Ne)
    }

    fn apply<T: PartialOrd + ?Sized>(self, a: &T, b: &T) -> bool {
        match self {
            CmpOp::Eq => a == b,
            CmpOp::Ne => a != b,
            CmpOp::Lt => a < b,
            CmpOp::Le => a <= b,
            CmpOp::Gt => a > b,
            CmpOp::Ge => a >= b,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    Bool(bool),
    Number(f64),
    Str(String),
}

/// A parsed node and the character offset it starts at (for error messages).
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub at: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Lit(Literal),
    Var(Var),
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Cmp(CmpOp, Box<Expr>, Box<Expr>),
}

/// A syntax or type error, at a 0-based character offset into the condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExprError {
    pub offset: usize,
    pub message: String,
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at character {})", self.message, self.offset + 1)
    }
}

impl std::error::Error for ExprError {}

fn err<T>(offset: usize, message: impl Into<String>) -> Result<T, ExprError> {
    Err(ExprError {
        offset,
        message: message.into(),
    })
}

// ---------------------------------------------------------------------------------------
// Lexer

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(f64),
    True,
    False,
    And,
    Or,
    Not,
    Cmp(CmpOp),
    LParen,
    RParen,
    End,
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Str(s) => format!("the string '{s}'"),
            Tok::Num(n) => format!("the number {n}"),
            Tok::True => "`true`".into(),
            Tok::False => "`false`".into(),
            Tok::And => "`and`".into(),
            Tok::Or => "`or`".into(),
            Tok::Not => "`not`".into(),
            Tok::Cmp(op) => format!("`{}`", op.symbol()),
            Tok::LParen => "`(`".into(),
            Tok::RParen => "`)`".into(),
            Tok::End => "the end of the condition".into(),
        }
    }
}

struct Token {
    tok: Tok,
    at: usize,
}

fn lex(src: &str) -> Result<Vec<Token>, ExprError> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let at = i;
        let next = chars.get(i + 1).copied();
        let tok = match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '(' => {
                i += 1;
                Tok::LParen
            }
            ')' => {
                i += 1;
                Tok::RParen
            }
            '=' | '!' | '<' | '>' => {
                let (op, len) = match (c, next) {
                    ('=', Some('=')) => (CmpOp::Eq, 2),
                    ('!', Some('=')) => (CmpOp::Ne, 2),
                    ('<', Some('=')) => (CmpOp::Le, 2),
                    ('>', Some('=')) => (CmpOp::Ge, 2),
                    ('<', _) => (CmpOp::Lt, 1),
                    ('>', _) => (CmpOp::Gt, 1),
                    ('=', _) => return err(at, "`=` is not an operator; compare with `==`"),
                    _ => {
                        return err(
                            at,
                            "`!` is not an operator; negate with `not` or compare with `!=`",
                        );
                    }
                };
                i += len;
                Tok::Cmp(op)
            }
            '&' => return err(at, "`&` is not an operator; join conditions with `and`"),
            '|' => return err(at, "`|` is not an operator; join conditions with `or`"),
            '\'' | '"' => {
                let quote = c;
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return err(at, format!("unterminated string: no closing {quote}")),
                        Some(&ch) if ch == quote => {
                            i += 1;
                            break;
                        }
                        Some('\\') => match chars.get(i + 1) {
                            Some(&e @ ('\\' | '\'' | '"')) => {
                                s.push(e);
                                i += 2;
                            }
                            _ => {
                                return err(
                                    i,
                                    "unknown escape in string; only \\\\, \\' and \\\" are allowed",
                                );
                            }
                        },
                        Some(&ch) => {
                            s.push(ch);
                            i += 1;
                        }
                    }
                }
                Tok::Str(s)
            }
            c if c.is_ascii_digit()
                || (c == '.' && next.is_some_and(|n| n.is_ascii_digit()))
                || (c == '-' && next.is_some_and(|n| n.is_ascii_digit() || n == '.')) =>
            {
                let start = i;
                i += 1;
                while let Some(&ch) = chars.get(i) {
                    let exponent_sign =
                        (ch == '+' || ch == '-') && matches!(chars.get(i - 1), Some('e' | 'E'));
                    if ch.is_ascii_alphanumeric() || ch == '.' || ch == '_' || exponent_sign {
                        i += 1;
                    } else {
                        break;
                    }
                }
                let text: String = chars[start..i].iter().collect();
                match text.parse::<f64>() {
                    Ok(n) if n.is_finite() => Tok::Num(n),
                    _ => return err(at, format!("`{text}` is not a number")),
                }
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while chars
                    .get(i)
                    .is_some_and(|ch| ch.is_alphanumeric() || *ch == '_')
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                match word.as_str() {
                    "and" => Tok::And,
                    "or" => Tok::Or,
                    "not" => Tok::Not,
                    "true" => Tok::True,
                    "false" => Tok::False,
                    _ => Tok::Ident(word),
                }
            }
            other => return err(at, format!("unexpected character `{other}`")),
        };
        out.push(Token { tok, at });
    }
    out.push(Token {
        tok: Tok::End,
        at: chars.len(),
    });
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Parser

struct Parser {
    toks: Vec<Token>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> &Token {
        // `lex` always ends with `End`, and `advance` never steps past it.
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }

    fn advance(&mut self) -> &Token {
        let i = self.pos.min(self.toks.len() - 1);
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        &self.toks[i]
    }

    fn enter(&mut self, at: usize) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return err(
                at,
                format!("condition nests deeper than {MAX_DEPTH} levels"),
            );
        }
        Ok(())
    }

    fn parse_or(&mut self) -> Result<Expr, ExprError> {
        let first = self.parse_and()?;
        if self.peek().tok != Tok::Or {
            return Ok(first);
        }
        let at = first.at;
        let mut items = vec![first];
        while self.peek().tok == Tok::Or {
            self.advance();
            items.push(self.parse_and()?);
        }
        Ok(Expr {
            kind: ExprKind::Or(items),
            at,
        })
    }

    fn parse_and(&mut self) -> Result<Expr, ExprError> {
        let first = self.parse_cmp()?;
        if self.peek().tok != Tok::And {
            return Ok(first);
        }
        let at = first.at;
        let mut items = vec![first];
        while self.peek().tok == Tok::And {
            self.advance();
            items.push(self.parse_cmp()?);
        }
        Ok(Expr {
            kind: ExprKind::And(items),
            at,
        })
    }

    fn parse_cmp(&mut self) -> Result<Expr, ExprError> {
        let lhs = self.parse_unary()?;
        let Tok::Cmp(op) = self.peek().tok else {
            return Ok(lhs);
        };
        let at = self.advance().at;
        let rhs = self.parse_unary()?;
        if let Tok::Cmp(_) = self.peek().tok {
            return err(
                self.peek().at,
                "comparisons do not chain; join them with `and`",
            );
        }
        Ok(Expr {
            kind: ExprKind::Cmp(op, Box::new(lhs), Box::new(rhs)),
            at,
        })
    }

    fn parse_unary(&mut self) -> Result<Expr, ExprError> {
        if self.peek().tok != Tok::Not {
            return self.parse_primary();
        }
        let at = self.advance().at;
        self.enter(at)?;
        let inner = self.parse_unary()?;
        self.depth -= 1;
        Ok(Expr {
            kind: ExprKind::Not(Box::new(inner)),
            at,
        })
    }

    fn parse_primary(&mut self) -> Result<Expr, ExprError> {
        let Token { tok, at } = self.advance();
        let at = *at;
        let kind = match tok.clone() {
            Tok::Str(s) => ExprKind::Lit(Literal::Str(s)),
            Tok::Num(n) => ExprKind::Lit(Literal::Number(n)),
            Tok::True => ExprKind::Lit(Literal::Bool(true)),
            Tok::False => ExprKind::Lit(Literal::Bool(false)),
            Tok::Ident(name) => match Var::parse(&name) {
                Some(v) => ExprKind::Var(v),
                None => return err(at, unknown_identifier(&name)),
            },
            Tok::LParen => {
                self.enter(at)?;
                let inner = self.parse_or()?;
                self.depth -= 1;
                if self.peek().tok != Tok::RParen {
                    let found = self.peek();
                    return err(
                        found.at,
                        format!(
                            "expected `)` to close the `(` at character {}, found {}",
                            at + 1,
                            found.tok.describe()
                        ),
                    );
                }
                self.advance();
                return Ok(inner);
            }
            other => {
                return err(
                    at,
                    format!(
                        "expected a value, a name or `(`, found {}",
                        other.describe()
                    ),
                );
            }
        };
        Ok(Expr { kind, at })
    }
}

fn unknown_identifier(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    let hint = if matches!(lower.as_str(), "and" | "or" | "not" | "true" | "false") {
        format!("; keywords are lower-case: write `{lower}`")
    } else {
        let known: Vec<&str> = Var::ALL.iter().map(|v| v.name()).collect();
        format!("; known names: {}", known.join(", "))
    };
    format!("unknown name `{name}`{hint}")
}

// ---------------------------------------------------------------------------------------
// Type checking

fn type_of(e: &Expr, has_control: bool) -> Result<Type, ExprError> {
    match &e.kind {
        ExprKind::Lit(Literal::Bool(_)) => Ok(Type::Bool),
        ExprKind::Lit(Literal::Number(_)) => Ok(Type::Number),
        ExprKind::Lit(Literal::Str(_)) => Ok(Type::String),
        ExprKind::Var(v) => {
            if v.needs_control() && !has_control {
                return err(
                    e.at,
                    format!(
                        "`{}` describes the rule's control, but this rule has no `control`",
                        v.name()
                    ),
                );
            }
            Ok(v.ty())
        }
        ExprKind::Not(inner) => {
            let t = type_of(inner, has_control)?;
            if t != Type::Bool {
                return err(
                    inner.at,
                    format!(
                        "`not` needs a true/false value, found a {t}; `not` binds tightest, so negate a comparison as `not (a == b)`"
                    ),
                );
            }
            Ok(Type::Bool)
        }
        ExprKind::And(items) | ExprKind::Or(items) => {
            let word = if matches!(e.kind, ExprKind::And(_)) {
                "and"
            } else {
                "or"
            };
            for item in items {
                let t = type_of(item, has_control)?;
                if t != Type::Bool {
                    return err(
                        item.at,
                        format!("`{word}` joins true/false values, found a {t}"),
                    );
                }
            }
            Ok(Type::Bool)
        }
        ExprKind::Cmp(op, l, r) => {
            let (lt, rt) = (type_of(l, has_control)?, type_of(r, has_control)?);
            if lt != rt {
                return err(e.at, format!("cannot compare a {lt} with a {rt}"));
            }
            if op.is_ordering() && lt != Type::Number {
                return err(
                    e.at,
                    format!(
                        "`{}` compares numbers; a {lt} allows only == and !=",
                        op.symbol()
                    ),
                );
            }
            for (a, b) in [(l, r), (r, l)] {
                let (ExprKind::Var(Var::Classification), ExprKind::Lit(Literal::Str(s))) =
                    (&a.kind, &b.kind)
                else {
                    continue;
                };
                if Classification::parse(s).is_none() {
                    return err(
                        b.at,
                        format!(
                            "unknown classification '{s}'; expected external, internal, partner, shadow or deprecated"
                        ),
                    );
                }
            }
            Ok(Type::Bool)
        }
    }
}

fn collect_vars(e: &Expr, out: &mut Vec<Var>) {
    match &e.kind {
        ExprKind::Lit(_) => {}
        ExprKind::Var(v) => out.push(*v),
        ExprKind::Not(inner) => collect_vars(inner, out),
        ExprKind::And(items) | ExprKind::Or(items) => {
            items.iter().for_each(|i| collect_vars(i, out))
        }
        ExprKind::Cmp(_, l, r) => {
            collect_vars(l, out);
            collect_vars(r, out);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Evaluation

/// The values a condition is evaluated against.
#[derive(Clone, Debug, PartialEq)]
pub struct Env<'a> {
    pub origin: &'a str,
    pub present: bool,
    pub observed_ratio: f64,
    pub requests: u64,
    pub risk_score: f64,
    pub classification: Classification,
    pub documented: bool,
}

impl Env<'_> {
    /// The value of `v`, for explaining a violation.
    pub fn show(&self, v: Var) -> String {
        match v {
            Var::Origin => format!("'{}'", self.origin),
            Var::Present => self.present.to_string(),
            Var::ObservedRatio => fmt_number(self.observed_ratio),
            Var::Requests => self.requests.to_string(),
            Var::RiskScore => fmt_number(self.risk_score),
            Var::Classification => format!("'{}'", self.classification),
            Var::Documented => self.documented.to_string(),
        }
    }
}

/// Up to three decimals, without trailing zeros: 0.3333.. -> 0.333, 1.0 -> 1.
pub fn fmt_number(x: f64) -> String {
    let s = format!("{x:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

enum Val<'a> {
    Bool(bool),
    Num(f64),
    Str(&'a str),
}

fn eval<'a>(e: &'a Expr, env: &Env<'a>) -> Val<'a> {
    match &e.kind {
        ExprKind::Lit(Literal::Bool(b)) => Val::Bool(*b),
        ExprKind::Lit(Literal::Number(n)) => Val::Num(*n),
        ExprKind::Lit(Literal::Str(s)) => Val::Str(s),
        ExprKind::Var(v) => match v {
            Var::Origin => Val::Str(env.origin),
            Var::Present => Val::Bool(env.present),
            Var::ObservedRatio => Val::Num(env.observed_ratio),
            Var::Requests => Val::Num(env.requests as f64),
            Var::RiskScore => Val::Num(env.risk_score),
            Var::Classification => Val::Str(env.classification.as_str()),
            Var::Documented => Val::Bool(env.documented),
        },
        ExprKind::Not(inner) => Val::Bool(!truthy(eval(inner, env))),
        ExprKind::And(items) => Val::Bool(items.iter().all(|i| truthy(eval(i, env)))),
        ExprKind::Or(items) => Val::Bool(items.iter().any(|i| truthy(eval(i, env)))),
        ExprKind::Cmp(op, l, r) => Val::Bool(match (eval(l, env), eval(r, env)) {
            (Val::Num(a), Val::Num(b)) => op.apply(&a, &b),
            (Val::Str(a), Val::Str(b)) => op.apply(a, b),
            (Val::Bool(a), Val::Bool(b)) => op.apply(&a, &b),
            // ruled out by the type check
            _ => false,
        }),
    }
}

fn truthy(v: Val<'_>) -> bool {
    matches!(v, Val::Bool(true))
}

// ---------------------------------------------------------------------------------------

/// A parsed and type-checked condition.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    source: String,
    expr: Expr,
    vars: Vec<Var>,
}

impl Condition {
    /// Parses and checks `src`. `has_control` tells whether the rule names a control, which
    /// `present` and `observed_ratio` refer to.
    pub fn parse(src: &str, has_control: bool) -> Result<Condition, ExprError> {
        let toks = lex(src)?;
        if toks.len() == 1 {
            return err(0, "empty condition");
        }
        let mut p = Parser {
            toks,
            pos: 0,
            depth: 0,
        };
        let expr = p.parse_or()?;
        let rest = p.peek();
        if rest.tok != Tok::End {
            return err(
                rest.at,
                format!(
                    "unexpected {} after a complete condition",
                    rest.tok.describe()
                ),
            );
        }
        let t = type_of(&expr, has_control)?;
        if t != Type::Bool {
            return err(
                expr.at,
                format!(
                    "a condition must be true or false, but this is a {t}; compare it, e.g. `observed_ratio >= 0.9`"
                ),
            );
        }
        let mut vars = Vec::new();
        collect_vars(&expr, &mut vars);
        vars.sort();
        vars.dedup();
        Ok(Condition {
            source: src.to_string(),
            expr,
            vars,
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn expr(&self) -> &Expr {
        &self.expr
    }

    /// The names the condition mentions, sorted, without repeats.
    pub fn vars(&self) -> &[Var] {
        &self.vars
    }

    pub fn uses(&self, v: Var) -> bool {
        self.vars.contains(&v)
    }

    pub fn holds(&self, env: &Env<'_>) -> bool {
        truthy(eval(&self.expr, env))
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Env<'static> {
        Env {
            origin: "*",
            present: false,
            observed_ratio: 0.25,
            requests: 40,
            risk_score: 62.5,
            classification: Classification::External,
            documented: false,
        }
    }

    fn holds(src: &str) -> bool {
        Condition::parse(src, true)
            .unwrap_or_else(|e| panic!("{src}: {e}"))
            .holds(&env())
    }

    fn error(src: &str, has_control: bool) -> ExprError {
        match Condition::parse(src, has_control) {
            Ok(_) => panic!("{src} parsed"),
            Err(e) => e,
        }
    }

    /// Renders the tree with explicit grouping, to test precedence.
    fn shape(e: &Expr) -> String {
        match &e.kind {
            ExprKind::Lit(Literal::Bool(b)) => b.to_string(),
            ExprKind::Lit(Literal::Number(n)) => n.to_string(),
            ExprKind::Lit(Literal::Str(s)) => format!("'{s}'"),
            ExprKind::Var(v) => v.name().to_string(),
            ExprKind::Not(i) => format!("(not {})", shape(i)),
            ExprKind::And(items) => {
                let v: Vec<String> = items.iter().map(shape).collect();
                format!("({})", v.join(" and "))
            }
            ExprKind::Or(items) => {
                let v: Vec<String> = items.iter().map(shape).collect();
                format!("({})", v.join(" or "))
            }
            ExprKind::Cmp(op, l, r) => format!("({} {} {})", shape(l), op.symbol(), shape(r)),
        }
    }

    fn parsed(src: &str) -> String {
        shape(Condition::parse(src, true).unwrap().expr())
    }

    #[test]
    fn seed_condition() {
        let c = Condition::parse("origin != '*'", true).unwrap();
        assert_eq!(c.vars(), &[Var::Origin]);
        assert!(!c.holds(&env()));
        assert!(c.holds(&Env {
            origin: "https://app.example.com",
            ..env()
        }));
        assert!(c.holds(&Env {
            origin: "",
            ..env()
        }));
    }

    #[test]
    fn precedence_not_then_comparison_then_and_then_or() {
        assert_eq!(
            parsed("present or documented and requests > 1"),
            "(present or (documented and (requests > 1)))"
        );
        assert_eq!(
            parsed("not present and not documented or requests == 0"),
            "(((not present) and (not documented)) or (requests == 0))"
        );
        // not binds tighter than ==: (not present) == false
        assert_eq!(parsed("not present == false"), "((not present) == false)");
        assert_eq!(
            parsed("(present or documented) and requests > 1"),
            "((present or documented) and (requests > 1))"
        );
        assert_eq!(parsed("not not present"), "(not (not present))");
        assert_eq!(parsed("((present))"), "present");
    }

    #[test]
    fn evaluation() {
        assert!(holds("origin == '*'"));
        assert!(holds("origin == \"*\""));
        assert!(holds("not present"));
        assert!(holds("observed_ratio < 0.5 and requests >= 40"));
        assert!(!holds("observed_ratio > 0.25"));
        assert!(holds("observed_ratio >= 0.25"));
        assert!(holds("observed_ratio <= .25 and observed_ratio != 1"));
        assert!(holds("risk_score > 60 or present"));
        assert!(holds(
            "classification == 'external' and documented == false"
        ));
        assert!(!holds("classification != 'external'"));
        assert!(holds("requests > -1 and 1e1 < requests"));
        assert!(holds("true"));
        assert!(!holds("false or (present and true)"));
        assert!(holds("not (origin == '*' and present)"));
        assert!(holds("'it\\'s' == \"it's\""));
    }

    #[test]
    fn syntax_errors_carry_positions() {
        let e = error("origin = '*'", true);
        assert_eq!(e.offset, 7);
        assert!(e.message.contains("=="), "{e}");
        let e = error("origin != '*", true);
        assert_eq!(e.offset, 10);
        assert!(e.message.contains("unterminated"));
        let e = error("(present and documented", true);
        assert_eq!(e.offset, 23);
        assert!(e.message.contains("`)`"), "{e}");
        let e = error("present and", true);
        assert_eq!(e.offset, 11);
        let e = error("present documented", true);
        assert_eq!(e.offset, 8);
        assert!(e.message.contains("after a complete condition"));
        let e = error("", true);
        assert_eq!(e.message, "empty condition");
        let e = error("   ", true);
        assert_eq!(e.message, "empty condition");
        let e = error("0 < observed_ratio < 1", true);
        assert!(e.message.contains("chain"));
        assert_eq!(e.offset, 19);
        let e = error("present && documented", true);
        assert!(e.message.contains("`and`"));
        let e = error("present # x", true);
        assert_eq!(e.offset, 8);
        let e = error("requests > 1.2.3", true);
        assert!(e.message.contains("not a number"));
        assert_eq!(error("origin == 'a\\n'", true).offset, 12);
        let e = error(
            &format!("{}present{}", "(".repeat(100), ")".repeat(100)),
            true,
        );
        assert!(e.message.contains("nests deeper"));
        assert_eq!(e.to_string(), format!("{} (at character 65)", e.message));
    }

    #[test]
    fn unknown_names_and_type_errors() {
        let e = error("origni != '*'", true);
        assert_eq!(e.offset, 0);
        assert!(e.message.contains("unknown name `origni`"), "{e}");
        assert!(e.message.contains("observed_ratio"));
        assert!(
            error("present == True", true)
                .message
                .contains("write `true`")
        );
        // `present`/`observed_ratio` need a control
        let e = error("documented and observed_ratio > 0.5", false);
        assert_eq!(e.offset, 15);
        assert!(e.message.contains("no `control`"));
        assert!(Condition::parse("documented and requests > 0", false).is_ok());
        assert!(Condition::parse("origin != '*'", false).is_ok());
        // types
        let e = error("origin < 5", true);
        assert!(
            e.message.contains("cannot compare a string with a number"),
            "{e}"
        );
        assert_eq!(e.offset, 7);
        assert!(
            error("origin < 'b'", true)
                .message
                .contains("compares numbers")
        );
        assert!(
            error("present > false", true)
                .message
                .contains("compares numbers")
        );
        assert!(
            error("observed_ratio", true)
                .message
                .contains("must be true or false")
        );
        assert!(
            error("origin", true)
                .message
                .contains("must be true or false")
        );
        let e = error("not origin == '*'", true);
        assert!(e.message.contains("not (a == b)"), "{e}");
        assert!(
            error("requests and present", true)
                .message
                .contains("`and` joins")
        );
        assert!(error("present or 1", true).message.contains("`or` joins"));
        let e = error("classification == 'externl'", true);
        assert_eq!(e.offset, 18);
        assert!(e.message.contains("unknown classification"));
        assert!(
            error("'partnr' != classification", true)
                .message
                .contains("unknown classification")
        );
    }

    #[test]
    fn numbers_print_compactly() {
        assert_eq!(fmt_number(1.0), "1");
        assert_eq!(fmt_number(0.25), "0.25");
        assert_eq!(fmt_number(1.0 / 3.0), "0.333");
        assert_eq!(fmt_number(0.0), "0");
        assert_eq!(fmt_number(-0.0001), "0");
    }
}
