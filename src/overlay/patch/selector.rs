//! Kubernetes label selectors in their text form (`tier=web,env in (prod,staging),!debug`),
//! as Kustomize's `labelSelector` and `annotationSelector` read them: the grammar of the
//! API machinery's `labels.Parse`, so a selector that works with Kustomize or `kubectl -l`
//! works here, and one they refuse is refused with the same reason.

use serde_json::{Map, Value};

use crate::validate::Grammar;

/// A parsed selector: every requirement must hold (the comma means "and").
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Selector {
    requirements: Vec<Requirement>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Requirement {
    key: String,
    op: Op,
    values: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Exists,
    DoesNotExist,
    Equals,
    NotEquals,
    In,
    NotIn,
    GreaterThan,
    LessThan,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Ident(String),
    Not,
    Equals,
    DoubleEquals,
    NotEquals,
    Comma,
    Open,
    Close,
    Greater,
    Less,
    In,
    NotIn,
}

impl Token {
    /// How an error message names the token, as the API machinery does.
    fn shown(&self) -> String {
        match self {
            Token::Ident(s) => s.clone(),
            Token::Not => "!".into(),
            Token::Equals => "=".into(),
            Token::DoubleEquals => "==".into(),
            Token::NotEquals => "!=".into(),
            Token::Comma => ",".into(),
            Token::Open => "(".into(),
            Token::Close => ")".into(),
            Token::Greater => ">".into(),
            Token::Less => "<".into(),
            Token::In => "in".into(),
            Token::NotIn => "notin".into(),
        }
    }
}

/// Characters that end an identifier.
fn is_special(c: char) -> bool {
    c.is_whitespace() || matches!(c, '!' | '=' | ',' | '(' | ')' | '<' | '>')
}

fn lex(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c.is_whitespace() {
            rest = &rest[c.len_utf8()..];
            continue;
        }
        const SYMBOLS: &[(&str, Token)] = &[
            ("==", Token::DoubleEquals),
            ("!=", Token::NotEquals),
            ("=", Token::Equals),
            ("!", Token::Not),
            (",", Token::Comma),
            ("(", Token::Open),
            (")", Token::Close),
            (">", Token::Greater),
            ("<", Token::Less),
        ];
        if let Some((sym, token)) = SYMBOLS.iter().find(|(s, _)| rest.starts_with(s)) {
            tokens.push(token.clone());
            rest = &rest[sym.len()..];
            continue;
        }
        let end = rest.find(is_special).unwrap_or(rest.len());
        let word = &rest[..end];
        tokens.push(match word {
            "in" => Token::In,
            "notin" => Token::NotIn,
            _ => Token::Ident(word.to_string()),
        });
        rest = &rest[end..];
    }
    tokens
}

struct Parser {
    tokens: std::vec::IntoIter<Token>,
    peeked: Option<Token>,
}

impl Parser {
    fn peek(&mut self) -> Option<&Token> {
        if self.peeked.is_none() {
            self.peeked = self.tokens.next();
        }
        self.peeked.as_ref()
    }

    fn next(&mut self) -> Option<Token> {
        self.peek();
        self.peeked.take()
    }
}

fn found(t: Option<&Token>) -> String {
    t.map_or_else(String::new, Token::shown)
}

/// Parses the text form; the error says what was found and what was expected.
pub(super) fn parse(text: &str) -> Result<Selector, String> {
    let mut p = Parser {
        tokens: lex(text).into_iter(),
        peeked: None,
    };
    let mut requirements = Vec::new();
    if p.peek().is_none() {
        return Ok(Selector { requirements });
    }
    loop {
        requirements.push(requirement(&mut p)?);
        match p.next() {
            None => break,
            Some(Token::Comma) => {}
            Some(t) => return Err(format!("found '{}', expected: ',' or 'end of string'", t.shown())),
        }
    }
    Ok(Selector { requirements })
}

fn requirement(p: &mut Parser) -> Result<Requirement, String> {
    let (key, negated) = match p.next() {
        Some(Token::Not) => match p.next() {
            Some(Token::Ident(k)) => (k, true),
            t => return Err(format!("found '{}', expected: identifier after '!'", found(t.as_ref()))),
        },
        Some(Token::Ident(k)) => (k, false),
        t => {
            return Err(format!(
                "found '{}', expected: !, identifier, or 'end of string'",
                found(t.as_ref())
            ));
        }
    };
    if let Some(why) = Grammar::LabelKey.check(&key) {
        return Err(format!("invalid label key {key:?}: it {why}"));
    }
    let (op, values) = if negated {
        (Op::DoesNotExist, Vec::new())
    } else {
        match p.peek() {
            None | Some(Token::Comma) => (Op::Exists, Vec::new()),
            Some(_) => operation(p)?,
        }
    };
    for v in &values {
        if let Some(why) = Grammar::LabelValue.check(v) {
            return Err(format!("invalid label value {v:?} for key {key:?}: it {why}"));
        }
    }
    if matches!(op, Op::GreaterThan | Op::LessThan) && values.iter().any(|v| v.parse::<i64>().is_err()) {
        return Err(format!(
            "for 'gt', 'lt' operators, the value of {key:?} must be an integer"
        ));
    }
    Ok(Requirement { key, op, values })
}

fn operation(p: &mut Parser) -> Result<(Op, Vec<String>), String> {
    let op = match p.next() {
        Some(Token::Equals | Token::DoubleEquals) => Op::Equals,
        Some(Token::NotEquals) => Op::NotEquals,
        Some(Token::In) => Op::In,
        Some(Token::NotIn) => Op::NotIn,
        Some(Token::Greater) => Op::GreaterThan,
        Some(Token::Less) => Op::LessThan,
        t => {
            return Err(format!(
                "found '{}', expected: in, notin, =, ==, !=, gt, lt",
                found(t.as_ref())
            ));
        }
    };
    let values = match op {
        Op::In | Op::NotIn => set(p)?,
        _ => match p.peek() {
            Some(Token::Ident(_)) => match p.next() {
                Some(Token::Ident(v)) => vec![v],
                _ => Vec::new(),
            },
            None | Some(Token::Comma) => vec![String::new()],
            Some(t) => return Err(format!("found '{}', expected: identifier", t.shown())),
        },
    };
    Ok((op, values))
}

/// `( a, b, c )`; an empty element is the empty value, as in the API machinery.
fn set(p: &mut Parser) -> Result<Vec<String>, String> {
    match p.next() {
        Some(Token::Open) => {}
        t => return Err(format!("found '{}', expected: '('", found(t.as_ref()))),
    }
    let mut values = Vec::new();
    if p.peek() == Some(&Token::Close) {
        p.next();
        return Ok(values);
    }
    loop {
        match p.peek() {
            Some(Token::Ident(_)) => {
                if let Some(Token::Ident(v)) = p.next() {
                    values.push(v);
                }
            }
            Some(Token::Comma | Token::Close) => values.push(String::new()),
            t => return Err(format!("found '{}', expected: ',' or ')'", found(t))),
        }
        match p.next() {
            Some(Token::Comma) => {}
            Some(Token::Close) => return Ok(values),
            t => return Err(format!("found '{}', expected: ',' or ')'", found(t.as_ref()))),
        }
    }
}

/// A label's value as text: labels are strings, but an unquoted `1` in a base still means "1".
fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl Selector {
    /// Whether a label (or annotation) map satisfies every requirement; a missing map is
    /// an empty one.
    pub(super) fn matches(&self, labels: Option<&Map<String, Value>>) -> bool {
        let get = |k: &str| labels.and_then(|m| m.get(k)).and_then(text);
        self.requirements.iter().all(|r| {
            let value = get(&r.key);
            let among = || value.as_ref().is_some_and(|v| r.values.contains(v));
            let compare = |ord: std::cmp::Ordering| {
                let (Some(have), Some(want)) = (
                    value.as_deref().and_then(|v| v.parse::<i64>().ok()),
                    r.values.first().and_then(|v| v.parse::<i64>().ok()),
                ) else {
                    return false;
                };
                have.cmp(&want) == ord
            };
            match r.op {
                Op::Exists => value.is_some(),
                Op::DoesNotExist => value.is_none(),
                Op::Equals | Op::In => among(),
                Op::NotEquals | Op::NotIn => !among(),
                Op::GreaterThan => compare(std::cmp::Ordering::Greater),
                Op::LessThan => compare(std::cmp::Ordering::Less),
            }
        })
    }
}
