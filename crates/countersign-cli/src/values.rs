//! Closed sets on the command line: channels, roles, tools.
//!
//! Clap knows each set (`--help` lists it), and a value outside it is refused before any command
//! runs, with the same one-line stable code as any other bad input (`invalid_channel`,
//! `invalid_role`, `unknown_tool`): the parser returns a `BadInput`, which clap keeps as its
//! error's source and `error::exit_for_usage` prints.

use std::ffi::OsStr;
use std::marker::PhantomData;
use std::sync::OnceLock;

use clap::builder::{PossibleValue, TypedValueParser};
use clap::ValueEnum;
use countersign_core::Role;
use countersign_pipeline::{Channel, PlannerMode};
use countersign_shop::{ToolName, UnknownTool};
use countersign_store::{MailSecurity, Provider};

use crate::error::BadInput;

/// A closed set of command-line values, refused with a stable code.
pub trait Closed: ValueEnum + Send + Sync + 'static {
    /// The code a refused value is reported under.
    const CODE: &'static str;
    /// What one value is called in the refusal ("channel").
    const NOUN: &'static str;

    /// The refusal's detail: by default names the value and lists the set (`a, b or c`).
    fn refusal(value: &str) -> String {
        let names: Vec<String> = Self::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value())
            .map(|p| p.get_name().to_owned())
            .collect();
        let alternatives = match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            _ => names.join(""),
        };
        format!("unknown {} `{value}` ({alternatives})", Self::NOUN)
    }
}

fn parse_closed<E: Closed>(value: &str) -> Result<E, BadInput> {
    E::from_str(value, false).map_err(|_| BadInput::new(E::CODE, E::refusal(value)))
}

/// The value parser for a `Closed` set: `#[arg(value_parser = ClosedParser::<ChannelArg>::new())]`.
#[derive(Clone, Copy, Debug)]
pub struct ClosedParser<E>(PhantomData<fn() -> E>);

impl<E> ClosedParser<E> {
    pub fn new() -> Self {
        ClosedParser(PhantomData)
    }
}

impl<E: Closed> TypedValueParser for ClosedParser<E> {
    type Value = E;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<E, clap::Error> {
        // A function parser makes clap keep our `BadInput` as the error's source.
        parse_closed::<E>.parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            E::value_variants()
                .iter()
                .filter_map(ValueEnum::to_possible_value),
        ))
    }
}

/// `ingest --channel`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ChannelArg {
    Email,
    Chat,
    Widget,
}

impl Closed for ChannelArg {
    const CODE: &'static str = "invalid_channel";
    const NOUN: &'static str = "channel";
}

impl From<ChannelArg> for Channel {
    fn from(c: ChannelArg) -> Self {
        match c {
            ChannelArg::Email => Channel::Email,
            ChannelArg::Chat => Channel::Chat,
            ChannelArg::Widget => Channel::Widget,
        }
    }
}

/// `approve --as`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    Agent,
    Supervisor,
}

impl Closed for RoleArg {
    const CODE: &'static str = "invalid_role";
    const NOUN: &'static str = "role";
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Agent => Role::Agent,
            RoleArg::Supervisor => Role::Supervisor,
        }
    }
}

/// `--provider`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ProviderArg {
    None,
    Openai,
    Anthropic,
}

impl Closed for ProviderArg {
    const CODE: &'static str = "invalid_provider";
    const NOUN: &'static str = "provider";
}

impl From<ProviderArg> for Provider {
    fn from(p: ProviderArg) -> Self {
        match p {
            ProviderArg::None => Provider::None,
            ProviderArg::Openai => Provider::Openai,
            ProviderArg::Anthropic => Provider::Anthropic,
        }
    }
}

/// `--planner`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PlannerArg {
    Auto,
    Rules,
    Llm,
}

impl Closed for PlannerArg {
    const CODE: &'static str = "invalid_planner";
    const NOUN: &'static str = "planner";
}

impl From<PlannerArg> for PlannerMode {
    fn from(p: PlannerArg) -> Self {
        match p {
            PlannerArg::Auto => PlannerMode::Auto,
            PlannerArg::Rules => PlannerMode::Rules,
            PlannerArg::Llm => PlannerMode::Llm,
        }
    }
}

/// `mailbox set --security`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SecurityArg {
    Tls,
    Starttls,
    None,
}

impl Closed for SecurityArg {
    const CODE: &'static str = "invalid_security";
    const NOUN: &'static str = "security";
}

impl From<SecurityArg> for MailSecurity {
    fn from(s: SecurityArg) -> Self {
        match s {
            SecurityArg::Tls => MailSecurity::Tls,
            SecurityArg::Starttls => MailSecurity::Starttls,
            SecurityArg::None => MailSecurity::None,
        }
    }
}

/// A tool name (`propose`, `lookup`). The set is `ToolName::ALL`, owned by the shop crate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ToolArg(pub ToolName);

impl ValueEnum for ToolArg {
    fn value_variants<'a>() -> &'a [Self] {
        static ALL: OnceLock<Vec<ToolArg>> = OnceLock::new();
        ALL.get_or_init(|| ToolName::ALL.iter().copied().map(ToolArg).collect())
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.0.as_str()))
    }
}

impl Closed for ToolArg {
    const CODE: &'static str = "unknown_tool";
    const NOUN: &'static str = "tool";

    /// Fifteen names do not fit on the one line; `--help` lists them.
    fn refusal(value: &str) -> String {
        UnknownTool(value.to_owned()).to_string()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn a_refused_channel_reads_as_before() {
        assert_eq!(
            parse_closed::<ChannelArg>("fax").unwrap_err().to_string(),
            "invalid_channel: unknown channel `fax` (email, chat or widget)"
        );
    }

    #[test]
    fn a_refused_role_reads_as_before() {
        assert_eq!(
            parse_closed::<RoleArg>("boss").unwrap_err().to_string(),
            "invalid_role: unknown role `boss` (agent or supervisor)"
        );
    }

    #[test]
    fn a_refused_tool_reads_as_before() {
        assert_eq!(
            parse_closed::<ToolArg>("drop_tables")
                .unwrap_err()
                .to_string(),
            "unknown_tool: unknown tool `drop_tables`"
        );
    }

    #[test]
    fn every_value_parses_to_the_domain_type_of_the_same_name() {
        for t in ToolName::ALL {
            assert_eq!(parse_closed::<ToolArg>(t.as_str()).unwrap().0, *t);
        }
        for c in ChannelArg::value_variants() {
            let name = c.to_possible_value().unwrap().get_name().to_owned();
            assert_eq!(Channel::from(*c), name.parse::<Channel>().unwrap());
        }
        for p in ProviderArg::value_variants() {
            let name = p.to_possible_value().unwrap().get_name().to_owned();
            assert_eq!(Provider::from(*p).as_str(), name);
        }
        for p in PlannerArg::value_variants() {
            let name = p.to_possible_value().unwrap().get_name().to_owned();
            assert_eq!(PlannerMode::from(*p), name.parse::<PlannerMode>().unwrap());
        }
        for r in RoleArg::value_variants() {
            let name = r.to_possible_value().unwrap().get_name().to_owned();
            assert_eq!(Role::from(*r), name.parse::<Role>().unwrap());
        }
    }
}
