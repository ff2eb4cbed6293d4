//! The eval case format (DESIGN.md "Eval case") and its loading.
//!
//! A case file is checked whole before any case runs: a line that is not a case, an unknown
//! channel, a `/regex/` that does not compile or an id used twice is an input error naming the
//! file and line, never a case that silently fails (a broken pattern would otherwise read as
//! "text missing" and blame the planner).

use std::collections::HashSet;
use std::path::Path;

use countersign_pipeline::Channel;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Why a case file was refused. Each kind has a stable code for the CLI's stderr line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaseErrorKind {
    /// The line is not JSON, or not an eval case (missing field, unknown channel, wrong type).
    NotACase,
    /// A `/.../` in `must_include` or `must_not_include` is not a valid regex.
    InvalidPattern,
    /// Two cases share an id.
    DuplicateId,
}

impl CaseErrorKind {
    pub fn code(self) -> &'static str {
        match self {
            CaseErrorKind::NotACase => "invalid_case",
            CaseErrorKind::InvalidPattern => "invalid_pattern",
            CaseErrorKind::DuplicateId => "duplicate_case_id",
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Expect {
    One(String),
    Any(Vec<String>),
}

impl Expect {
    pub fn accepts(&self, outcome: &str) -> bool {
        match self {
            Expect::One(s) => s == outcome,
            Expect::Any(v) => v.iter().any(|s| s == outcome),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Expect::One(s) => s.clone(),
            Expect::Any(v) => v.join(" or "),
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct ExpectedAction {
    pub tool: String,
    #[serde(default)]
    pub args: serde_json::Map<String, Value>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Case {
    pub id: String,
    #[serde(default)]
    pub input: String,
    pub channel: Channel,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub raw: Option<String>,
    #[serde(default)]
    pub expected_behavior: Option<String>,
    #[serde(default)]
    pub expected_actions: Vec<ExpectedAction>,
    pub expect: Expect,
    #[serde(default)]
    pub must_include: Vec<String>,
    #[serde(default)]
    pub must_not_include: Vec<String>,
    #[serde(default)]
    pub risk_category: Option<String>,
    #[serde(default)]
    pub csat: Option<f64>,
}

/// A `must_include` / `must_not_include` item, compiled once when the file is loaded.
#[derive(Clone, Debug)]
pub enum Needle {
    /// Case-insensitive substring.
    Text(String),
    /// Written `/.../`; case-insensitive.
    Pattern(regex::Regex),
}

impl Needle {
    pub fn parse(item: &str) -> Result<Needle, regex::Error> {
        if item.len() >= 2 && item.starts_with('/') && item.ends_with('/') {
            let re = regex::RegexBuilder::new(&item[1..item.len() - 1])
                .case_insensitive(true)
                .build()?;
            return Ok(Needle::Pattern(re));
        }
        Ok(Needle::Text(item.to_lowercase()))
    }

    pub fn found_in(&self, haystack: &str) -> bool {
        match self {
            Needle::Text(t) => haystack.to_lowercase().contains(t),
            Needle::Pattern(re) => re.is_match(haystack),
        }
    }

    /// A plain string the customer wrote themselves is no leak when the reply repeats it.
    pub fn written_by_customer(&self, input: &str) -> bool {
        matches!(self, Needle::Text(_)) && self.found_in(input)
    }
}

/// A case with its text checks compiled, and the file it came from (metrics are per file).
#[derive(Clone, Debug)]
pub struct LoadedCase {
    pub file: String,
    pub case: Case,
    pub must_include: Vec<(String, Needle)>,
    pub must_not_include: Vec<(String, Needle)>,
}

#[derive(Debug, thiserror::Error)]
#[error("{path} line {line}: {message}")]
pub struct CaseError {
    pub kind: CaseErrorKind,
    pub path: String,
    pub line: usize,
    pub message: String,
}

/// Parses a case file's text. `path` names it in errors; its file name names it in metrics.
pub fn parse_cases(path: &Path, text: &str) -> Result<Vec<LoadedCase>, CaseError> {
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let err = |kind, line, message: String| CaseError {
        kind,
        path: path.display().to_string(),
        line,
        message,
    };
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let case: Case = serde_json::from_str(line)
            .map_err(|e| err(CaseErrorKind::NotACase, i + 1, e.to_string()))?;
        if !seen.insert(case.id.clone()) {
            return Err(err(
                CaseErrorKind::DuplicateId,
                i + 1,
                format!("case id `{}` is used twice", case.id),
            ));
        }
        let compile = |items: &[String]| -> Result<Vec<(String, Needle)>, CaseError> {
            items
                .iter()
                .map(|item| {
                    Needle::parse(item).map(|n| (item.clone(), n)).map_err(|e| {
                        err(
                            CaseErrorKind::InvalidPattern,
                            i + 1,
                            format!("case `{}`: `{item}` is not a valid regex: {e}", case.id),
                        )
                    })
                })
                .collect()
        };
        let must_include = compile(&case.must_include)?;
        let must_not_include = compile(&case.must_not_include)?;
        out.push(LoadedCase {
            file: file.clone(),
            case,
            must_include,
            must_not_include,
        });
    }
    Ok(out)
}
