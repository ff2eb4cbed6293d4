//! One named row per scenario of the precedence in `catalogue.rs`.

use super::*;
use crate::tool::ToolHints;
use serde_json::json;

fn tool(name: &str, description: &str, read_only: Option<bool>) -> ListedTool {
    ListedTool {
        name: name.into(),
        title: None,
        description: Some(description.into()),
        input_schema: json!({"type": "object", "properties": {"path": {"type": "string"}}}),
        hints: ToolHints {
            read_only,
            ..ToolHints::default()
        },
    }
}

fn server() -> ServerName {
    ServerName::new("fs").unwrap()
}

/// A catalogue in which `name` was listed as `t` and then given `class` by a person.
fn reviewed(t: &ListedTool, class: ToolClass) -> Catalogue {
    let c = refresh(
        &Catalogue::default(),
        &server(),
        std::slice::from_ref(t),
        HintTrust::Untrusted,
    );
    classify(
        &c.catalogue,
        &server(),
        &t.name,
        &ToolHash::of(t),
        class,
        Role::Supervisor,
        "sam",
    )
    .unwrap()
}

struct Row {
    name: &'static str,
    before: Catalogue,
    listing: Vec<ListedTool>,
    trust: HintTrust,
    class: ToolClass,
    change: Option<CatalogueChange>,
}

#[test]
fn refresh_table() {
    let read = tool("read_file", "Reads a file", Some(true));
    let lying = tool("read_file", "Reads a file", Some(true));
    let mut rug = read.clone();
    rug.description = Some("Reads a file, then deletes it".into());
    let mut new_schema = read.clone();
    new_schema.input_schema["properties"]["mode"] = json!({"type": "string"});
    let mut hint_flipped = read.clone();
    hint_flipped.hints.read_only = Some(false);
    let gone_then_changed = {
        let c = reviewed(&read, ToolClass::Read);
        refresh(&c, &server(), &[], HintTrust::Untrusted).catalogue
    };
    let gone = gone_then_changed.clone();
    let unnamed = |t: &str| t.to_string();
    let rows = vec![
        Row {
            name: "a new tool is a write, whatever its hints say",
            before: Catalogue::default(),
            listing: vec![lying.clone()],
            trust: HintTrust::Untrusted,
            class: ToolClass::Write,
            change: Some(CatalogueChange::Added {
                tool: unnamed("read_file"),
                class: ToolClass::Write,
            }),
        },
        Row {
            name: "a new tool with readOnlyHint is a read on a trusted server",
            before: Catalogue::default(),
            listing: vec![read.clone()],
            trust: HintTrust::TrustReadOnly,
            class: ToolClass::Read,
            change: Some(CatalogueChange::Added {
                tool: unnamed("read_file"),
                class: ToolClass::Read,
            }),
        },
        Row {
            name: "a new tool without the hint is a write on a trusted server",
            before: Catalogue::default(),
            listing: vec![tool("read_file", "Reads a file", None)],
            trust: HintTrust::TrustReadOnly,
            class: ToolClass::Write,
            change: Some(CatalogueChange::Added {
                tool: unnamed("read_file"),
                class: ToolClass::Write,
            }),
        },
        Row {
            name: "an unchanged reviewed tool keeps its class",
            before: reviewed(&read, ToolClass::Read),
            listing: vec![read.clone()],
            trust: HintTrust::Untrusted,
            class: ToolClass::Read,
            change: None,
        },
        Row {
            name: "a changed description returns a read to unclassified",
            before: reviewed(&read, ToolClass::Read),
            listing: vec![rug.clone()],
            trust: HintTrust::TrustReadOnly,
            class: ToolClass::Unclassified,
            change: Some(CatalogueChange::Changed {
                tool: unnamed("read_file"),
                previous: ToolClass::Read,
                class: ToolClass::Unclassified,
            }),
        },
        Row {
            name: "a changed schema returns a write to unclassified",
            before: reviewed(&read, ToolClass::Write),
            listing: vec![new_schema.clone()],
            trust: HintTrust::Untrusted,
            class: ToolClass::Unclassified,
            change: Some(CatalogueChange::Changed {
                tool: unnamed("read_file"),
                previous: ToolClass::Write,
                class: ToolClass::Unclassified,
            }),
        },
        Row {
            name: "a changed forbidden tool stays forbidden",
            before: reviewed(&read, ToolClass::Forbidden),
            listing: vec![rug.clone()],
            trust: HintTrust::Untrusted,
            class: ToolClass::Forbidden,
            change: Some(CatalogueChange::Changed {
                tool: unnamed("read_file"),
                previous: ToolClass::Forbidden,
                class: ToolClass::Forbidden,
            }),
        },
        Row {
            name: "a flipped hint alone changes nothing",
            before: reviewed(&read, ToolClass::Read),
            listing: vec![hint_flipped],
            trust: HintTrust::TrustReadOnly,
            class: ToolClass::Read,
            change: None,
        },
        Row {
            name: "a name listed twice with different definitions is unclassified",
            before: reviewed(&read, ToolClass::Read),
            listing: vec![read.clone(), rug.clone()],
            trust: HintTrust::TrustReadOnly,
            class: ToolClass::Unclassified,
            change: Some(CatalogueChange::Ambiguous {
                tool: unnamed("read_file"),
            }),
        },
        Row {
            name: "a new name listed twice is unclassified, not a write",
            before: Catalogue::default(),
            listing: vec![read.clone(), rug.clone()],
            trust: HintTrust::TrustReadOnly,
            class: ToolClass::Unclassified,
            change: Some(CatalogueChange::Ambiguous {
                tool: unnamed("read_file"),
            }),
        },
        Row {
            name: "a name listed twice identically is one tool",
            before: Catalogue::default(),
            listing: vec![read.clone(), read.clone()],
            trust: HintTrust::Untrusted,
            class: ToolClass::Write,
            change: Some(CatalogueChange::Added {
                tool: unnamed("read_file"),
                class: ToolClass::Write,
            }),
        },
        Row {
            name: "a tool back unchanged keeps its class",
            before: gone,
            listing: vec![read.clone()],
            trust: HintTrust::Untrusted,
            class: ToolClass::Read,
            change: Some(CatalogueChange::Returned {
                tool: unnamed("read_file"),
                class: ToolClass::Read,
            }),
        },
        Row {
            name: "a tool back changed is unclassified",
            before: gone_then_changed,
            listing: vec![rug.clone()],
            trust: HintTrust::Untrusted,
            class: ToolClass::Unclassified,
            change: Some(CatalogueChange::Changed {
                tool: unnamed("read_file"),
                previous: ToolClass::Read,
                class: ToolClass::Unclassified,
            }),
        },
    ];
    for row in rows {
        let out = refresh(&row.before, &server(), &row.listing, row.trust);
        let entry = out.catalogue.entry(&server(), "read_file").unwrap();
        assert_eq!(entry.class, row.class, "{}", row.name);
        assert!(entry.listed, "{}", row.name);
        assert_eq!(out.changes.first().cloned(), row.change, "{}", row.name);
        assert!(out.changes.len() <= 1, "{}: {:?}", row.name, out.changes);
    }
}

#[test]
fn a_tool_no_longer_listed_is_gone_and_not_usable() {
    let c = reviewed(&tool("read_file", "Reads", None), ToolClass::Read);
    let out = refresh(&c, &server(), &[], HintTrust::Untrusted);
    assert_eq!(
        out.changes,
        vec![CatalogueChange::Gone {
            tool: "read_file".into()
        }]
    );
    assert_eq!(
        out.catalogue
            .usage(&server(), "read_file")
            .map_err(|e| e.code()),
        Err("tool_not_listed")
    );
    // Another server's listing leaves this server's tools alone.
    let other = ServerName::new("billing").unwrap();
    let out = refresh(&c, &other, &[], HintTrust::Untrusted);
    assert!(out.changes.is_empty());
    assert!(out.catalogue.entry(&server(), "read_file").unwrap().listed);
}

#[test]
fn classification_table() {
    let t = tool("read_file", "Reads", None);
    let c = refresh(
        &Catalogue::default(),
        &server(),
        std::slice::from_ref(&t),
        HintTrust::Untrusted,
    )
    .catalogue;
    let h = ToolHash::of(&t);
    let stale = ToolHash("0".repeat(64));
    use ToolClass::*;
    // (name, tool, hash seen, class, role, expected error code)
    type Row<'a> = (
        &'a str,
        &'a str,
        &'a ToolHash,
        ToolClass,
        Role,
        Option<&'a str>,
    );
    let rows: Vec<Row<'_>> = vec![
        (
            "a supervisor classifies what they saw",
            "read_file",
            &h,
            Read,
            Role::Supervisor,
            None,
        ),
        (
            "an agent may not",
            "read_file",
            &h,
            Read,
            Role::Agent,
            Some("classify_needs_supervisor"),
        ),
        (
            "a stale view is refused",
            "read_file",
            &stale,
            Read,
            Role::Supervisor,
            Some("tool_changed"),
        ),
        (
            "an unknown tool",
            "nope",
            &h,
            Read,
            Role::Supervisor,
            Some("tool_unknown"),
        ),
        (
            "unclassified is not a decision",
            "read_file",
            &h,
            Unclassified,
            Role::Supervisor,
            Some("invalid_class"),
        ),
        (
            "forbidding is a decision",
            "read_file",
            &h,
            Forbidden,
            Role::Supervisor,
            None,
        ),
    ];
    for (name, tool_name, seen, class, role, want) in rows {
        let got = classify(&c, &server(), tool_name, seen, class, role, "sam");
        assert_eq!(got.as_ref().err().map(|e| e.code()), want, "{name}");
        if let Ok(next) = got {
            let e = next.entry(&server(), tool_name).unwrap();
            assert_eq!(e.class, class, "{name}");
            assert!(!e.basis.awaits_review(), "{name}");
        }
    }
}

#[test]
fn usage_follows_the_class() {
    let t = tool("t", "d", None);
    let mut c = refresh(
        &Catalogue::default(),
        &server(),
        std::slice::from_ref(&t),
        HintTrust::Untrusted,
    )
    .catalogue;
    assert_eq!(c.usage(&server(), "t"), Ok(Usage::ProposeOnly));
    for (class, want) in [
        (ToolClass::Read, Ok(Usage::RunNow)),
        (ToolClass::Write, Ok(Usage::ProposeOnly)),
        (ToolClass::Forbidden, Err("tool_forbidden")),
        (ToolClass::Unclassified, Err("tool_unclassified")),
    ] {
        c.servers
            .get_mut(&server())
            .unwrap()
            .get_mut("t")
            .unwrap()
            .class = class;
        assert_eq!(
            c.usage(&server(), "t").map_err(|e| e.code()),
            want,
            "{class:?}"
        );
    }
    assert_eq!(
        c.usage(&server(), "other").map_err(|e| e.code()),
        Err("tool_unknown")
    );
}

#[test]
fn the_catalogue_round_trips_as_json() {
    let c = reviewed(&tool("t", "d", Some(true)), ToolClass::Read);
    let json = serde_json::to_string(&c).unwrap();
    assert_eq!(serde_json::from_str::<Catalogue>(&json).unwrap(), c);
}
