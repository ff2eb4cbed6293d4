//! The tool catalogue: our classification of every tool a server lists, keyed by server, tool
//! name and the hash of what a person judged (title, description, input schema). The server's
//! annotations are hints the specification itself calls untrusted; they never decide a class on
//! their own.
//!
//! Pure: functions take the catalogue and a fresh listing and return the new catalogue and what
//! changed. Storing it is the caller's job (the store, later; a JSON file in the CLI for now).
//!
//! Precedence when a server's listing is merged, first match wins:
//! 1. **Listed twice.** A name listed twice with different definitions is ambiguous: which one
//!    would a call reach? `unclassified` (a `forbidden` tool stays `forbidden`).
//! 2. **Forbidden stays forbidden.** A forbidden tool keeps its class whatever it becomes; a
//!    change is still reported.
//! 3. **Changed.** A known tool whose hash differs from the one classified returns to
//!    `unclassified` (a "rug pull" never keeps its old class, even while it was unlisted).
//! 4. **Known.** Same hash: the class stands (a tool that disappeared and came back unchanged
//!    included).
//! 5. **New.** `write` — it can only ever be proposed and approved — unless an administrator
//!    trusts this server's `readOnlyHint` and the tool sets it, then `read`.
//!
//! Which class allows what ([`Catalogue::usage`]): `read` runs during planning, `write` becomes
//! a proposal, `forbidden` and `unclassified` are not offered to the planner at all.

use std::collections::{BTreeMap, BTreeSet};

use countersign_core::Role;
use serde::{Deserialize, Serialize};

use crate::fingerprint::ToolHash;
use crate::server::ServerName;
use crate::tool::ListedTool;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolClass {
    Read,
    Write,
    Forbidden,
    Unclassified,
}

impl ToolClass {
    pub const ALL: [ToolClass; 4] = [
        ToolClass::Read,
        ToolClass::Write,
        ToolClass::Forbidden,
        ToolClass::Unclassified,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ToolClass::Read => "read",
            ToolClass::Write => "write",
            ToolClass::Forbidden => "forbidden",
            ToolClass::Unclassified => "unclassified",
        }
    }
}

/// Why an entry has its class: what the review screen shows next to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "basis", rename_all = "snake_case")]
pub enum ClassBasis {
    /// First seen; a write until a person decides.
    NewTool,
    /// First seen with `readOnlyHint`, on a server whose hints an administrator trusts.
    TrustedReadOnlyHint,
    /// A person classified exactly this version.
    Reviewed { by: String },
    /// The title, description or schema changed after it was classified.
    Changed { previous: ToolClass },
    /// The server listed the name more than once with different definitions.
    Ambiguous,
}

impl ClassBasis {
    pub fn as_str(&self) -> &'static str {
        match self {
            ClassBasis::NewTool => "new_tool",
            ClassBasis::TrustedReadOnlyHint => "trusted_read_only_hint",
            ClassBasis::Reviewed { .. } => "reviewed",
            ClassBasis::Changed { .. } => "changed",
            ClassBasis::Ambiguous => "ambiguous",
        }
    }

    /// Whether a person should look at the entry: nobody has reviewed this version yet.
    pub fn awaits_review(&self) -> bool {
        !matches!(self, ClassBasis::Reviewed { .. })
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CatalogueEntry {
    /// The tool as last listed: what the review screen shows and what arguments are validated
    /// against.
    pub tool: ListedTool,
    pub hash: ToolHash,
    pub class: ToolClass,
    #[serde(flatten)]
    pub basis: ClassBasis,
    /// In the server's latest listing. An unlisted tool keeps its entry so that it cannot come
    /// back changed and unnoticed.
    pub listed: bool,
}

/// Every server's tools. Serialisable as it is, for the store.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Catalogue {
    pub servers: BTreeMap<ServerName, BTreeMap<String, CatalogueEntry>>,
}

/// Whether an administrator lets this server's `readOnlyHint` classify its new tools.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HintTrust {
    Untrusted,
    TrustReadOnly,
}

/// One difference a listing made, for the audit log and the supervisor's attention.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum CatalogueChange {
    Added {
        tool: String,
        class: ToolClass,
    },
    /// The hash changed: `class` is what it is now (unclassified, or still forbidden).
    Changed {
        tool: String,
        previous: ToolClass,
        class: ToolClass,
    },
    Ambiguous {
        tool: String,
    },
    /// No longer listed.
    Gone {
        tool: String,
    },
    /// Listed again, unchanged, with its class.
    Returned {
        tool: String,
        class: ToolClass,
    },
}

/// The catalogue after a listing, and what changed.
#[derive(Clone, Debug, PartialEq)]
pub struct Refreshed {
    pub catalogue: Catalogue,
    pub changes: Vec<CatalogueChange>,
}

/// What the planner may do with a tool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Usage {
    /// A read: runs during planning.
    RunNow,
    /// A write: only ever a proposal a person approves.
    ProposeOnly,
}

/// Why a tool may not be used, with a stable code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UsageRefusal {
    #[error("{0} is not in the catalogue")]
    Unknown(String),
    #[error("{0} is no longer listed by its server")]
    NotListed(String),
    #[error("{0} is forbidden")]
    Forbidden(String),
    #[error("{0} has not been classified (new definition or listed twice); a supervisor reviews it first")]
    Unclassified(String),
}

impl UsageRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            UsageRefusal::Unknown(_) => "tool_unknown",
            UsageRefusal::NotListed(_) => "tool_not_listed",
            UsageRefusal::Forbidden(_) => "tool_forbidden",
            UsageRefusal::Unclassified(_) => "tool_unclassified",
        }
    }
}

/// Why a classification was not applied, with a stable code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ClassifyError {
    #[error("only a supervisor classifies tools")]
    NeedsSupervisor,
    #[error("{0} is not in the catalogue")]
    UnknownTool(String),
    /// The tool changed between the review screen and the decision: the person judged a
    /// definition that is no longer the current one.
    #[error("{0} changed since it was shown; review it again")]
    Changed(String),
    #[error("a tool is classified as read, write or forbidden")]
    NotAClass,
}

impl ClassifyError {
    pub fn code(&self) -> &'static str {
        match self {
            ClassifyError::NeedsSupervisor => "classify_needs_supervisor",
            ClassifyError::UnknownTool(_) => "tool_unknown",
            ClassifyError::Changed(_) => "tool_changed",
            ClassifyError::NotAClass => "invalid_class",
        }
    }
}

/// Merges a server's fresh listing into the catalogue (see the module's precedence).
pub fn refresh(
    catalogue: &Catalogue,
    server: &ServerName,
    listed: &[ListedTool],
    trust: HintTrust,
) -> Refreshed {
    let mut next = catalogue.clone();
    let entries = next.servers.entry(server.clone()).or_default();
    let mut changes = Vec::new();

    // Group by name first: a duplicate is judged as a whole, never "first one wins".
    let mut by_name: BTreeMap<&str, Vec<&ListedTool>> = BTreeMap::new();
    for tool in listed {
        by_name.entry(tool.name.as_str()).or_default().push(tool);
    }

    for (name, versions) in &by_name {
        let tool = versions[0];
        let hash = ToolHash::of(tool);
        let ambiguous = versions.iter().any(|t| ToolHash::of(t) != hash);
        let entry = match entries.get(*name) {
            Some(old) => merge_known(old, tool, hash, ambiguous, &mut changes),
            None => {
                let (class, basis) = if ambiguous {
                    changes.push(CatalogueChange::Ambiguous {
                        tool: name.to_string(),
                    });
                    (ToolClass::Unclassified, ClassBasis::Ambiguous)
                } else if trust == HintTrust::TrustReadOnly && tool.hints.read_only == Some(true) {
                    (ToolClass::Read, ClassBasis::TrustedReadOnlyHint)
                } else {
                    (ToolClass::Write, ClassBasis::NewTool)
                };
                if !ambiguous {
                    changes.push(CatalogueChange::Added {
                        tool: name.to_string(),
                        class,
                    });
                }
                CatalogueEntry {
                    tool: tool.clone(),
                    hash,
                    class,
                    basis,
                    listed: true,
                }
            }
        };
        entries.insert(name.to_string(), entry);
    }

    let listed_names: BTreeSet<&str> = by_name.keys().copied().collect();
    for (name, entry) in entries.iter_mut() {
        if entry.listed && !listed_names.contains(name.as_str()) {
            entry.listed = false;
            changes.push(CatalogueChange::Gone { tool: name.clone() });
        }
    }
    Refreshed {
        catalogue: next,
        changes,
    }
}

fn merge_known(
    old: &CatalogueEntry,
    tool: &ListedTool,
    hash: ToolHash,
    ambiguous: bool,
    changes: &mut Vec<CatalogueChange>,
) -> CatalogueEntry {
    let name = tool.name.clone();
    let forbidden = old.class == ToolClass::Forbidden;
    if ambiguous {
        changes.push(CatalogueChange::Ambiguous { tool: name });
        let class = if forbidden {
            ToolClass::Forbidden
        } else {
            ToolClass::Unclassified
        };
        return CatalogueEntry {
            tool: tool.clone(),
            hash,
            class,
            basis: ClassBasis::Ambiguous,
            listed: true,
        };
    }
    if hash != old.hash {
        let class = if forbidden {
            ToolClass::Forbidden
        } else {
            ToolClass::Unclassified
        };
        changes.push(CatalogueChange::Changed {
            tool: name,
            previous: old.class,
            class,
        });
        return CatalogueEntry {
            tool: tool.clone(),
            hash,
            class,
            basis: ClassBasis::Changed {
                previous: old.class,
            },
            listed: true,
        };
    }
    if !old.listed {
        changes.push(CatalogueChange::Returned {
            tool: name,
            class: old.class,
        });
    }
    CatalogueEntry {
        // Same hash: same title, description and schema; the hints may differ and are shown
        // as they are now, but they do not change the class.
        tool: tool.clone(),
        listed: true,
        ..old.clone()
    }
}

/// A supervisor's classification of the version of a tool they were shown (`seen`).
pub fn classify(
    catalogue: &Catalogue,
    server: &ServerName,
    tool: &str,
    seen: &ToolHash,
    class: ToolClass,
    role: Role,
    by: &str,
) -> Result<Catalogue, ClassifyError> {
    if role != Role::Supervisor {
        return Err(ClassifyError::NeedsSupervisor);
    }
    if class == ToolClass::Unclassified {
        return Err(ClassifyError::NotAClass);
    }
    let mut next = catalogue.clone();
    let entry = next
        .servers
        .get_mut(server)
        .and_then(|tools| tools.get_mut(tool))
        .ok_or_else(|| ClassifyError::UnknownTool(format!("{server}/{tool}")))?;
    if &entry.hash != seen {
        return Err(ClassifyError::Changed(format!("{server}/{tool}")));
    }
    entry.class = class;
    entry.basis = ClassBasis::Reviewed { by: by.to_owned() };
    Ok(next)
}

impl Catalogue {
    pub fn entry(&self, server: &ServerName, tool: &str) -> Option<&CatalogueEntry> {
        self.servers.get(server).and_then(|tools| tools.get(tool))
    }

    /// What the planner may do with a tool now.
    pub fn usage(&self, server: &ServerName, tool: &str) -> Result<Usage, UsageRefusal> {
        let id = format!("{server}/{tool}");
        let entry = self
            .entry(server, tool)
            .ok_or_else(|| UsageRefusal::Unknown(id.clone()))?;
        if !entry.listed {
            return Err(UsageRefusal::NotListed(id));
        }
        match entry.class {
            ToolClass::Read => Ok(Usage::RunNow),
            ToolClass::Write => Ok(Usage::ProposeOnly),
            ToolClass::Forbidden => Err(UsageRefusal::Forbidden(id)),
            ToolClass::Unclassified => Err(UsageRefusal::Unclassified(id)),
        }
    }
}

#[cfg(test)]
#[path = "catalogue_tests.rs"]
mod tests;
