//! SemVer 2 versions and the constraint language Helm charts use (`>=1.33.0-0`,
//! `~1.35`, `^1.2`, `1.35.x`, `1.2 - 1.4`, `||`), for `version`, `kubeVersion` and
//! dependency versions in Chart.yaml. Small and strict: a constraint berth cannot read
//! is an error, never a silent "matches".

use std::cmp::Ordering;
use std::fmt;

/// A version `major.minor.patch[-pre]` (build metadata is ignored for ordering).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub pre: Vec<String>,
}

impl Version {
    pub const fn new(major: u64, minor: u64, patch: u64) -> Self {
        Version {
            major,
            minor,
            patch,
            pre: Vec::new(),
        }
    }

    /// A full SemVer 2 version (`1.2.3`, `1.2.3-rc.1+build`), with an optional `v`.
    pub fn parse(text: &str) -> Result<Version, String> {
        let p = Partial::parse(text)?;
        match (p.minor, p.patch) {
            (Some(minor), Some(patch)) => Ok(Version {
                major: p.major.ok_or_else(|| format!("`{text}` is not a version"))?,
                minor,
                patch,
                pre: p.pre,
            }),
            _ => Err(format!("`{text}` is not a full version (MAJOR.MINOR.PATCH)")),
        }
    }

    fn pre_cmp(&self, other: &Version) -> Ordering {
        match (self.pre.is_empty(), other.pre.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => {
                for (a, b) in self.pre.iter().zip(&other.pre) {
                    let o = match (a.parse::<u64>(), b.parse::<u64>()) {
                        (Ok(x), Ok(y)) => x.cmp(&y),
                        (Ok(_), Err(_)) => Ordering::Less,
                        (Err(_), Ok(_)) => Ordering::Greater,
                        (Err(_), Err(_)) => a.cmp(b),
                    };
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                self.pre.len().cmp(&other.pre.len())
            }
        }
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| self.pre_cmp(other))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre.join("."))?;
        }
        Ok(())
    }
}

/// A version with missing or wildcard parts (`1`, `1.35`, `1.35.x`, `*`).
#[derive(Debug, Clone)]
struct Partial {
    major: Option<u64>,
    minor: Option<u64>,
    patch: Option<u64>,
    pre: Vec<String>,
}

impl Partial {
    fn parse(text: &str) -> Result<Partial, String> {
        let t = text.trim();
        let t = t.strip_prefix('v').unwrap_or(t);
        let t = t.split_once('+').map_or(t, |(v, _)| v);
        let (core, pre) = match t.split_once('-') {
            Some((c, p)) => {
                let ids: Vec<String> = p.split('.').map(str::to_string).collect();
                if ids
                    .iter()
                    .any(|i| i.is_empty() || !i.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
                {
                    return Err(format!("`{text}` has a malformed pre-release part"));
                }
                (c, ids)
            }
            None => (t, Vec::new()),
        };
        let mut parts = core.split('.');
        let mut next = |what: &str| -> Result<Option<u64>, String> {
            match parts.next() {
                None | Some("x" | "X" | "*") => Ok(None),
                Some(n) if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => n
                    .parse()
                    .map(Some)
                    .map_err(|_| format!("the {what} of `{text}` is too large")),
                Some(_) => Err(format!("`{text}` is not a version")),
            }
        };
        let (major, minor, patch) = (next("major")?, next("minor")?, next("patch")?);
        if parts.next().is_some() {
            return Err(format!("`{text}` has more than three parts"));
        }
        if (major.is_none() && minor.is_some()) || (minor.is_none() && patch.is_some()) {
            return Err(format!("`{text}` has a number after a wildcard"));
        }
        Ok(Partial {
            major,
            minor,
            patch,
            pre,
        })
    }

    fn lower(&self) -> Version {
        Version {
            major: self.major.unwrap_or(0),
            minor: self.minor.unwrap_or(0),
            patch: self.patch.unwrap_or(0),
            pre: self.pre.clone(),
        }
    }

    /// The first version above every version this partial covers; `None`: unbounded.
    fn upper(&self) -> Option<Version> {
        match (self.major, self.minor, self.patch) {
            (None, _, _) => None,
            (Some(m), None, _) => Some(Version::new(m + 1, 0, 0)),
            (Some(m), Some(n), None) => Some(Version::new(m, n + 1, 0)),
            (Some(m), Some(n), Some(p)) => Some(Version::new(m, n, p + 1)),
        }
    }
}

/// One bound: `v` must be at least (or above, or below...) this version.
#[derive(Debug, Clone)]
enum Bound {
    AtLeast(Version),
    Below(Version),
    Not(Version, Option<Version>),
}

impl Bound {
    fn allows(&self, v: &Version) -> bool {
        match self {
            Bound::AtLeast(b) => v >= b,
            Bound::Below(b) => v < b,
            Bound::Not(lo, hi) => !(v >= lo && hi.as_ref().is_none_or(|h| v < h)),
        }
    }
}

/// A constraint: any of several groups, each a list of bounds that must all hold.
#[derive(Debug, Clone)]
pub struct Constraint {
    any: Vec<Vec<Bound>>,
}

impl Constraint {
    pub fn parse(text: &str) -> Result<Constraint, String> {
        let mut any = Vec::new();
        for group in text.split("||") {
            let tokens = tokens(group);
            if tokens.is_empty() {
                return Err(format!("`{text}` has an empty alternative"));
            }
            let mut bounds = Vec::new();
            let mut i = 0;
            while let Some(tok) = tokens.get(i) {
                // Hyphen range: `1.2 - 1.4`.
                if tokens.get(i + 1).map(String::as_str) == Some("-") {
                    let hi = tokens
                        .get(i + 2)
                        .ok_or_else(|| format!("`{text}`: a range needs an upper end"))?;
                    let (lo, hi) = (Partial::parse(tok)?, Partial::parse(hi)?);
                    bounds.push(Bound::AtLeast(lo.lower()));
                    if let Some(u) = hi.upper() {
                        bounds.push(Bound::Below(u));
                    }
                    i += 3;
                    continue;
                }
                bounds.extend(comparator(tok)?);
                i += 1;
            }
            any.push(bounds);
        }
        Ok(Constraint { any })
    }

    pub fn allows(&self, v: &Version) -> bool {
        self.any.iter().any(|all| all.iter().all(|b| b.allows(v)))
    }
}

/// Splits on spaces and commas, gluing an operator to the version after it (`>= 1.2`).
fn tokens(group: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for raw in group.split([' ', ',']).filter(|t| !t.is_empty()) {
        match out.last_mut() {
            Some(last) if last.chars().all(|c| "<>=!~^".contains(c)) => last.push_str(raw),
            _ => out.push(raw.to_string()),
        }
    }
    out
}

fn comparator(tok: &str) -> Result<Vec<Bound>, String> {
    let ops = [">=", "<=", "=<", "=>", "!=", ">", "<", "=", "~", "^"];
    let (op, rest) = ops
        .iter()
        .find_map(|op| tok.strip_prefix(op).map(|r| (*op, r)))
        .unwrap_or(("", tok));
    let p = Partial::parse(rest).map_err(|e| format!("{e} in constraint `{tok}`"))?;
    let lo = p.lower();
    let hi = p.upper();
    let below = |h: Option<Version>| h.map(Bound::Below).into_iter();
    Ok(match op {
        "" | "=" => std::iter::once(Bound::AtLeast(lo)).chain(below(hi)).collect(),
        "!=" => vec![Bound::Not(lo, hi)],
        ">=" | "=>" => vec![Bound::AtLeast(lo)],
        ">" => match hi {
            Some(h) => vec![Bound::AtLeast(h)],
            None => vec![Bound::Below(Version::new(0, 0, 0))],
        },
        "<" => vec![Bound::Below(lo)],
        "<=" | "=<" => below(hi).collect(),
        "~" => {
            let h = match (p.major, p.minor) {
                (Some(m), Some(n)) => Some(Version::new(m, n + 1, 0)),
                (Some(m), None) => Some(Version::new(m + 1, 0, 0)),
                _ => None,
            };
            std::iter::once(Bound::AtLeast(lo)).chain(below(h)).collect()
        }
        "^" => {
            let h = match (p.major, p.minor, p.patch) {
                (Some(0), Some(0), Some(n)) => Some(Version::new(0, 0, n + 1)),
                (Some(0), Some(n), _) => Some(Version::new(0, n + 1, 0)),
                (Some(m), _, _) => Some(Version::new(m + 1, 0, 0)),
                _ => None,
            };
            std::iter::once(Bound::AtLeast(lo)).chain(below(h)).collect()
        }
        _ => return Err(format!("unknown operator in constraint `{tok}`")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allows(c: &str, v: &str) -> bool {
        let c = Constraint::parse(c).unwrap();
        let p = Partial::parse(v).unwrap();
        c.allows(&p.lower())
    }

    #[test]
    fn versions_parse_strictly() {
        assert_eq!(Version::parse("1.2.3").unwrap(), Version::new(1, 2, 3));
        assert_eq!(Version::parse("v1.2.3-rc.1+git").unwrap().to_string(), "1.2.3-rc.1");
        for bad in ["1.2", "1.2.3.4", "a.b.c", "1.2.x", "", "1.2.3-"] {
            assert!(Version::parse(bad).is_err(), "{bad}");
        }
        assert!(Version::parse("1.0.0-rc.1").unwrap() < Version::parse("1.0.0").unwrap());
        assert!(Version::parse("1.0.0-rc.2").unwrap() < Version::parse("1.0.0-rc.10").unwrap());
    }

    #[test]
    fn constraints_as_helm_charts_write_them() {
        let cases = [
            (">=1.33.0-0", "1.35", true),
            (">=1.33.0-0", "1.32", false),
            (">= 1.30, < 1.36", "1.35", true),
            (">= 1.30 < 1.36", "1.36", false),
            ("~1.35", "1.35.4", true),
            ("~1.35", "1.36", false),
            ("^1.30", "1.37", true),
            ("^1.30", "2.0", false),
            ("^0.2.3", "0.3.0", false),
            ("1.35.x", "1.35.9", true),
            ("1.35", "1.36", false),
            ("=1.35.0", "1.35.0", true),
            ("!=1.34", "1.34.2", false),
            ("!=1.34", "1.35", true),
            (">1.34", "1.34.9", false),
            (">1.34", "1.35", true),
            ("<=1.34", "1.34.9", true),
            ("<1.34", "1.34", false),
            ("1.30 - 1.34", "1.34.5", true),
            ("1.30 - 1.34", "1.35", false),
            ("<1.30 || >=1.35", "1.35", true),
            ("<1.30 || >=1.36", "1.35", false),
            ("*", "1.35", true),
        ];
        for (c, v, want) in cases {
            assert_eq!(allows(c, v), want, "{c} allows {v}");
        }
    }

    #[test]
    fn unreadable_constraints_are_errors() {
        for bad in ["", ">=", "1.2 -", "1.x.3", "~>1.2", ">=1.2 ||", "banana"] {
            assert!(Constraint::parse(bad).is_err(), "{bad:?}");
        }
    }
}
