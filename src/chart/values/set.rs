//! The `--set` family of flags: Helm's `strvals` grammar (`a.b=1`, `a[0].b=x`, `a\.b=1`,
//! `x\,y`, `{x,y}`), typed as Helm types it, applied by family in a fixed order.
//!
//! A malformed argument is a usage error that quotes the argument, names the character
//! where reading stopped and says how to write it: Helm's own messages ("key map has no
//! value") leave users guessing which part of a long `--set` line is wrong.

use serde_json::{Number, Value};

use super::{Source, Values};
use crate::error::Error;
use crate::limits;
use crate::source::{Origin, Sandbox};

/// The command-line flag families, in the order they apply (lowest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SetKind {
    /// `--set-json a.b={"x":1}`: the value is JSON.
    Json,
    /// `--set a.b=1`: `true`/`false`, `null` and whole numbers are typed, the rest is text.
    Set,
    /// `--set-string a.b=1`: every value is text.
    String,
    /// `--set-file a.b=path`: the value is the text of a file under the project root.
    File,
    /// `--set-literal a.b=x,y`: the value is the rest of the argument, verbatim.
    Literal,
}

impl SetKind {
    /// The flag as the user writes it.
    pub fn flag(self) -> &'static str {
        match self {
            SetKind::Json => "--set-json",
            SetKind::Set => "--set",
            SetKind::String => "--set-string",
            SetKind::File => "--set-file",
            SetKind::Literal => "--set-literal",
        }
    }
}

/// One `--set*` argument as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetArg {
    pub kind: SetKind,
    pub text: String,
}

/// One step of a values path: a map key or a list index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// The largest list index a path may name ([`limits::SET_LIST_INDEX`], Helm's).
const MAX_INDEX: usize = limits::SET_LIST_INDEX.value;
/// The most steps (keys and indices) in one path ([`limits::SET_PATH_STEPS`]).
const MAX_STEPS: usize = limits::SET_PATH_STEPS.value;
/// How much of a long argument an error quotes: a 100 KB argument is not repeated whole.
const QUOTE_CHARS: usize = 80;

/// The characters that end a key, and so must be escaped with `\` inside one.
const KEY_STOPS: &[char] = &['=', '[', ',', '.'];
/// `--set-literal` keys end at these (a comma belongs to the value), and know no escapes.
const LITERAL_KEY_STOPS: &[char] = &['=', '[', '.'];

/// The grammar, for help texts.
const GRAMMAR: &str = "write `name=value`, several as `a=1,b=2`; `a.b=1` for nesting, `a[0]=x` for a list item, \
                       `a={x,y}` for a list, `a\\.b=1` for a dot in a key, `a=x\\,y` for a comma in a value";

/// Applies `--set*` arguments on top of `values`, by family in [`SetKind`] order and
/// in command-line order within a family. `--set-file` reads through the sandbox.
/// Every argument is read (and every file) before any is applied.
pub fn apply_sets(values: &mut Values, sets: &[SetArg], sandbox: &Sandbox) -> Result<(), Error> {
    let mut parsed = Vec::with_capacity(sets.len());
    let mut list_items = 0usize;
    for arg in sets {
        let mut assignments = parse_arg(arg.kind, &arg.text).map_err(|m| m.into_error(arg.kind.flag(), &arg.text))?;
        // Each `[n]` may create up to n + 1 items; counted before any is applied.
        let items = assignments.iter().flat_map(|(steps, _)| steps).map(|s| match s {
            Step::Index(i) => i + 1,
            Step::Key(_) => 0,
        });
        list_items = items.fold(list_items, usize::saturating_add);
        if list_items > limits::SET_LIST_ITEMS.value {
            return Err(limits::SET_LIST_ITEMS.exceeded(
                None,
                format!(
                    "{} `{}`: the list indices ask for too many items",
                    arg.kind.flag(),
                    quote(&arg.text)
                ),
            ));
        }
        if arg.kind == SetKind::File {
            for (_, value) in &mut assignments {
                read_files(value, arg, sandbox)?;
            }
        }
        parsed.push((arg, assignments));
    }
    parsed.sort_by_key(|(arg, _)| arg.kind);
    for (arg, assignments) in parsed {
        let source = Source::Flag {
            flag: arg.kind.flag(),
            arg: arg.text.clone(),
        };
        for (steps, value) in assignments {
            values.assign(&steps, value, &source);
        }
    }
    Ok(())
}

/// Parses a values path on its own (`image.tag`, `hosts[0].name`, `a\.b`), as overlay
/// `set:` keys spell it. `at` locates the path for errors (none: a usage error).
pub fn parse_path(path: &str, at: Option<&Origin>) -> Result<Vec<Step>, Error> {
    let mut p = Parser::new(path, SetKind::Set);
    let steps = p.path(true).map_err(|m| match at {
        Some(origin) => Error::input(
            Some(origin.clone()),
            format!(
                "cannot read the values path `{path}`: {} at character {}",
                m.message,
                m.at + 1
            ),
            format!("{}; {GRAMMAR}", m.help),
        ),
        None => m.into_error("values path", path),
    })?;
    Ok(steps)
}

/// The path spelling of one key: `\` before each character that would end it.
pub fn escape_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for c in key.chars() {
        if c == '\\' || KEY_STOPS.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Replaces each path string in a `--set-file` value (a path, or a `{a,b}` list of them)
/// with the text of that file.
fn read_files(value: &mut Value, arg: &SetArg, sandbox: &Sandbox) -> Result<(), Error> {
    match value {
        Value::Array(items) => items.iter_mut().try_for_each(|v| read_files(v, arg, sandbox)),
        Value::String(path) => {
            let wrap = |e: Error| Error::Usage {
                message: format!("{} `{}`: {e}", arg.kind.flag(), arg.text),
                help: e.help().map(str::to_string),
            };
            if path.is_empty() {
                return Err(Error::Usage {
                    message: format!("{} `{}` names no file", arg.kind.flag(), arg.text),
                    help: Some("write `--set-file key=path/to/file`, the path relative to the project root".into()),
                });
            }
            let name = sandbox.resolve("", path, None).map_err(wrap)?;
            let file = sandbox.read(&name, None).map_err(wrap)?;
            *value = Value::String(file.text().map_err(wrap)?.to_string());
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Why an argument cannot be read: the 0-based character where reading stopped.
#[derive(Debug)]
struct Malformed {
    at: usize,
    message: String,
    help: String,
}

impl Malformed {
    fn into_error(self, flag: &str, text: &str) -> Error {
        Error::Usage {
            message: format!(
                "{flag} `{}`: {} at character {}",
                quote(text),
                self.message,
                self.at + 1
            ),
            help: Some(format!("{}; {GRAMMAR}", self.help)),
        }
    }
}

/// `text`, or its first [`QUOTE_CHARS`] characters and `…`.
fn quote(text: &str) -> String {
    match text.char_indices().nth(QUOTE_CHARS) {
        Some((end, _)) => format!("{}…", text.get(..end).unwrap_or(text)),
        None => text.to_string(),
    }
}

/// Reads one argument into assignments (path, value), in the order written.
fn parse_arg(kind: SetKind, text: &str) -> Result<Vec<(Vec<Step>, Value)>, Malformed> {
    let mut p = Parser::new(text, kind);
    let mut out = Vec::new();
    loop {
        let steps = p.path(false)?;
        let value = p.value()?;
        out.push((steps, value));
        match p.peek() {
            None => return Ok(out),
            Some(',') => {
                p.pos += 1;
                if p.peek().is_none() {
                    // `a=1,` as Helm allows it.
                    return Ok(out);
                }
            }
            Some(c) => {
                return Err(p.fail(
                    format!("unexpected `{c}` after the value"),
                    "separate assignments with `,`",
                ));
            }
        }
    }
}

struct Parser<'t> {
    text: &'t str,
    /// (byte offset, char) of each character, so JSON values can be decoded in place.
    chars: Vec<(usize, char)>,
    pos: usize,
    kind: SetKind,
}

impl<'t> Parser<'t> {
    fn new(text: &'t str, kind: SetKind) -> Self {
        Parser {
            text,
            chars: text.char_indices().collect(),
            pos: 0,
            kind,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).map(|(_, c)| *c)
    }

    fn fail(&self, message: impl Into<String>, help: impl Into<String>) -> Malformed {
        self.fail_at(self.pos, message, help)
    }

    fn fail_at(&self, at: usize, message: impl Into<String>, help: impl Into<String>) -> Malformed {
        Malformed {
            at: at.min(self.chars.len().saturating_sub(1)),
            message: message.into(),
            help: help.into(),
        }
    }

    /// Characters up to (not including) one of `stops` or the end; `\` escapes the next
    /// character when `escapes` is on.
    fn until(&mut self, stops: &[char], escapes: bool) -> Result<String, Malformed> {
        let mut out = String::new();
        while let Some(c) = self.peek() {
            if stops.contains(&c) {
                break;
            }
            self.pos += 1;
            if c == '\\' && escapes {
                let Some(next) = self.peek() else {
                    return Err(self.fail_at(
                        self.pos - 1,
                        "a trailing `\\` escapes nothing",
                        "write `\\\\` for a backslash",
                    ));
                };
                self.pos += 1;
                out.push(next);
            } else {
                out.push(c);
            }
        }
        Ok(out)
    }

    /// A path up to and including its `=` (or, `standalone`, up to the end).
    fn path(&mut self, standalone: bool) -> Result<Vec<Step>, Malformed> {
        let (stops, escapes) = match self.kind {
            SetKind::Literal => (LITERAL_KEY_STOPS, false),
            _ => (KEY_STOPS, true),
        };
        let mut steps = Vec::new();
        loop {
            let start = self.pos;
            let key = self.until(stops, escapes)?;
            if key.is_empty() {
                return Err(self.fail_at(
                    start,
                    "a key is empty",
                    "name every key; `a..b` and `.a` have an empty one",
                ));
            }
            steps.push(Step::Key(key.clone()));
            // After a key: `.key`, `[n]` (any number of them), `=`, or the end.
            loop {
                if steps.len() > MAX_STEPS {
                    return Err(self.fail(
                        format!("the path nests too deep {}", limits::SET_PATH_STEPS.tag()),
                        limits::SET_PATH_STEPS.hint,
                    ));
                }
                match self.peek() {
                    None if standalone => return Ok(steps),
                    Some('=') if !standalone => {
                        self.pos += 1;
                        return Ok(steps);
                    }
                    Some('.') => {
                        self.pos += 1;
                        break;
                    }
                    Some('[') => {
                        let index = self.index()?;
                        steps.push(Step::Index(index));
                    }
                    None | Some(',') if !standalone => {
                        let what = match steps.last() {
                            Some(Step::Index(i)) => format!("`{key}[{i}]`"),
                            _ => format!("`{key}`"),
                        };
                        return Err(self.fail(format!("{what} has no value"), "write `=value` after the key"));
                    }
                    Some(c) => {
                        return Err(self.fail(
                            format!("unexpected `{c}` in the path"),
                            "after `[n]` write `.key`, another `[n]` or `=value`; escape a literal `=`, `,`, `.` \
                             or `[` in a key with `\\`",
                        ));
                    }
                    None => return Err(self.fail("the path ends early", "end the path with a key or `[n]`")),
                }
            }
        }
    }

    /// `[n]`, the cursor on the `[`.
    fn index(&mut self) -> Result<usize, Malformed> {
        let open = self.pos;
        self.pos += 1;
        let digits = self.until(&[']'], false)?;
        if self.peek() != Some(']') {
            return Err(self.fail_at(open, "a `[` is never closed", "write a list index as `name[0]`"));
        }
        self.pos += 1;
        let bad = |why: &str| {
            self.fail_at(
                open + 1,
                format!("the list index `{digits}` {why}"),
                format!("write a list index as a whole number from 0 to {MAX_INDEX}, as in `name[0]`"),
            )
        };
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad("is not a whole number"));
        }
        match digits.parse::<usize>() {
            Ok(i) if i <= MAX_INDEX => Ok(i),
            _ => Err(bad(&format!("is too large {}", limits::SET_LIST_INDEX.tag()))),
        }
    }

    /// The value after `=`, typed as the flag family types it.
    fn value(&mut self) -> Result<Value, Malformed> {
        match self.kind {
            SetKind::Json => self.json(),
            SetKind::Literal => {
                let rest: String = self
                    .chars
                    .get(self.pos..)
                    .unwrap_or_default()
                    .iter()
                    .map(|(_, c)| c)
                    .collect();
                self.pos = self.chars.len();
                Ok(Value::String(rest))
            }
            _ if self.peek() == Some('{') => self.list(),
            _ => {
                let text = self.until(&[','], true)?;
                Ok(self.scalar(text))
            }
        }
    }

    fn scalar(&self, text: String) -> Value {
        match self.kind {
            SetKind::Set => typed(text),
            _ => Value::String(text),
        }
    }

    /// `{x,y}`, the cursor on the `{`. `{}` is an empty list.
    fn list(&mut self) -> Result<Value, Malformed> {
        let open = self.pos;
        self.pos += 1;
        let mut items = Vec::new();
        if self.peek() == Some('}') {
            self.pos += 1;
            return Ok(Value::Array(items));
        }
        loop {
            let item = self.until(&[',', '}'], true)?;
            items.push(self.scalar(item));
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(_) => {
                    self.pos += 1;
                    return Ok(Value::Array(items));
                }
                None => {
                    return Err(self.fail_at(
                        open,
                        "a list `{` is never closed",
                        "end the list with `}`, or escape the brace (`\\{`) if it is text",
                    ));
                }
            }
        }
    }

    /// A JSON value (an empty value is `null`), the cursor after `=`.
    fn json(&mut self) -> Result<Value, Malformed> {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
        if matches!(self.peek(), None | Some(',')) {
            return Ok(Value::Null);
        }
        let start_byte = self.chars.get(self.pos).map_or(self.text.len(), |(b, _)| *b);
        let rest = self.text.get(start_byte..).unwrap_or_default();
        let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
        match stream.next() {
            Some(Ok(value)) => {
                let end_byte = start_byte + stream.byte_offset();
                while self.chars.get(self.pos).is_some_and(|(b, _)| *b < end_byte) {
                    self.pos += 1;
                }
                while self.peek().is_some_and(char::is_whitespace) {
                    self.pos += 1;
                }
                Ok(value)
            }
            Some(Err(e)) => {
                let at = self.pos + e.column().saturating_sub(1);
                let detail = e.to_string();
                let detail = detail.split(" at line ").next().unwrap_or_default();
                if detail.contains("recursion limit exceeded") {
                    let limit = &limits::SET_JSON_DEPTH;
                    return Err(self.fail_at(at, format!("the JSON value nests too deep {}", limit.tag()), limit.hint));
                }
                Err(self.fail_at(
                    at,
                    format!("the value is not valid JSON ({detail})"),
                    "quote JSON strings (`a=\"text\"`) and keys (`a={\"k\":1}`); quote the whole argument for the shell",
                ))
            }
            None => Ok(Value::Null),
        }
    }
}

/// Helm's typing of a `--set` value: `true`/`false` and `null` (any case), and whole
/// numbers that fit 64 bits and do not start with `0` (so `0x1F`, `007` and `1.5` stay
/// text, and `0` is a number). Everything else is text.
fn typed(text: String) -> Value {
    if text.eq_ignore_ascii_case("true") {
        return Value::Bool(true);
    }
    if text.eq_ignore_ascii_case("false") {
        return Value::Bool(false);
    }
    if text.eq_ignore_ascii_case("null") {
        return Value::Null;
    }
    if text == "0" {
        return Value::Number(Number::from(0));
    }
    if !text.starts_with('0')
        && let Ok(n) = text.parse::<i64>()
    {
        return Value::Number(Number::from(n));
    }
    Value::String(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(kind: SetKind, text: &str) -> Vec<(Vec<Step>, Value)> {
        parse_arg(kind, text).unwrap()
    }

    fn key(k: &str) -> Step {
        Step::Key(k.into())
    }

    #[test]
    fn paths_keys_indices_and_escapes() {
        assert_eq!(parse(SetKind::Set, "a.b=1"), vec![(vec![key("a"), key("b")], json!(1))]);
        assert_eq!(
            parse(SetKind::Set, "a[0].b[2][1]=x"),
            vec![(
                vec![key("a"), Step::Index(0), key("b"), Step::Index(2), Step::Index(1)],
                json!("x")
            )]
        );
        assert_eq!(parse(SetKind::Set, r"a\.b=1"), vec![(vec![key("a.b")], json!(1))]);
        assert_eq!(parse(SetKind::Set, r"a\=b=c=d"), vec![(vec![key("a=b")], json!("c=d"))]);
        assert_eq!(parse(SetKind::Set, r"a=x\,y"), vec![(vec![key("a")], json!("x,y"))]);
        assert_eq!(
            parse(SetKind::Set, "a=1,b=2,"),
            vec![(vec![key("a")], json!(1)), (vec![key("b")], json!(2))]
        );
    }

    #[test]
    fn helm_typing() {
        let cases = [
            ("true", json!(true)),
            ("FALSE", json!(false)),
            ("Null", Value::Null),
            ("0", json!(0)),
            ("42", json!(42)),
            ("-7", json!(-7)),
            ("+5", json!(5)),
            ("007", json!("007")),
            ("0x1F", json!("0x1F")),
            ("1.5", json!("1.5")),
            ("1e3", json!("1e3")),
            ("9223372036854775808", json!("9223372036854775808")),
            ("yes", json!("yes")),
            ("", json!("")),
            (" 1", json!(" 1")),
        ];
        for (text, want) in cases {
            assert_eq!(typed(text.into()), want, "{text:?}");
        }
    }

    #[test]
    fn lists_and_families() {
        assert_eq!(parse(SetKind::Set, "a={1,x,true}")[0].1, json!([1, "x", true]));
        assert_eq!(parse(SetKind::String, "a={1,x,true}")[0].1, json!(["1", "x", "true"]));
        assert_eq!(parse(SetKind::Set, "a={}")[0].1, json!([]));
        assert_eq!(parse(SetKind::Set, r"a={x\,y,z\}}")[0].1, json!(["x,y", "z}"]));
        assert_eq!(parse(SetKind::Set, "a={x},b=1")[1].1, json!(1));
        assert_eq!(parse(SetKind::Set, "a=x{y}")[0].1, json!("x{y}"));
        assert_eq!(
            parse(SetKind::Json, r#"a={"x":[1,null]} ,b=2,c="s",d="#),
            vec![
                (vec![key("a")], json!({"x": [1, null]})),
                (vec![key("b")], json!(2)),
                (vec![key("c")], json!("s")),
                (vec![key("d")], Value::Null),
            ]
        );
        assert_eq!(parse(SetKind::Literal, r"a.b=x,y\z={}")[0].1, json!(r"x,y\z={}"));
    }

    #[test]
    fn malformed_arguments_name_the_character() {
        let cases = [
            ("a", "`a` has no value at character 1"),
            ("a.b", "`b` has no value at character 3"),
            ("a,b=1", "`a` has no value at character 2"),
            ("a..b=1", "a key is empty at character 3"),
            ("=1", "a key is empty at character 1"),
            ("a[x]=1", "the list index `x` is not a whole number at character 3"),
            ("a[-1]=1", "the list index `-1` is not a whole number at character 3"),
            (
                "a[99999]=1",
                "the list index `99999` is too large (limit `set-list-index`: at most 65,536 as a list index in a `--set` path (`name[65536]`)) at character 3",
            ),
            ("a[0=1", "a `[` is never closed at character 2"),
            ("a[0]b=1", "unexpected `b` in the path at character 5"),
            ("a[0]", "`a[0]` has no value at character 4"),
            ("a={x,y", "a list `{` is never closed at character 3"),
            ("a={x}y", "unexpected `y` after the value at character 6"),
            (r"a=x\", r"a trailing `\` escapes nothing at character 4"),
            ("a=1,,b=2", "a key is empty at character 5"),
        ];
        for (text, want) in cases {
            let e = parse_arg(SetKind::Set, text).unwrap_err();
            assert_eq!(format!("{} at character {}", e.message, e.at + 1), want, "{text}");
        }
        let e = parse_arg(SetKind::Json, r#"a={"x":}"#).unwrap_err();
        assert!(e.message.starts_with("the value is not valid JSON"), "{}", e.message);
        assert_eq!(e.at, 7);
        let e = parse_arg(SetKind::Json, r#"a={"x":1}y"#).unwrap_err();
        assert_eq!(e.message, "unexpected `y` after the value");
    }

    #[test]
    fn usage_error_quotes_the_argument() {
        let e = parse_arg(SetKind::Set, "image.tag")
            .unwrap_err()
            .into_error("--set", "image.tag");
        assert_eq!(e.to_string(), "--set `image.tag`: `tag` has no value at character 9");
        assert!(
            e.help()
                .unwrap()
                .starts_with("write `=value` after the key; write `name=value`")
        );
        assert_eq!(e.exit_code(), 2);
    }

    #[test]
    fn standalone_paths_and_key_escaping() {
        assert_eq!(
            parse_path(r"a\.b[1].c", None).unwrap(),
            vec![key("a.b"), Step::Index(1), key("c")]
        );
        assert!(parse_path("a=b", None).is_err());
        let at = Origin::new("overlay.yaml", 3, 5);
        let e = parse_path("a[", Some(&at)).unwrap_err();
        assert_eq!(e.origin(), Some(&at));
        assert_eq!(escape_key(r"a.b,c=d[e\f"), r"a\.b\,c\=d\[e\\f");
    }
}
