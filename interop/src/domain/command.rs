//! Every change to the engine is a [`Command`] on one aggregate: `handle(state, ctx, command)`
//! returns the events to persist, or a typed [`DomainError`](super::DomainError). Pure: no clock,
//! no randomness, no I/O — ids and the time come in with the command. Each aggregate's commands
//! and their rules are in `commands/<aggregate>.rs`; this module only dispatches.

use super::actor::Ctx;
use super::commands::agreements::{self, AgreementCommand};
use super::commands::clients::{self, ClientCommand};
use super::commands::eservices::{self, EServiceCommand};
use super::commands::purposes::{self, PurposeCommand};
use super::commands::tenants::{self, TenantCommand};
use super::error::DomainResult;
use super::state::{Event, State};

#[derive(Debug, Clone)]
pub enum Command {
    /// Tenants, their users and attributes.
    Tenant(TenantCommand),
    /// E-services and their versions (descriptors).
    EService(EServiceCommand),
    Agreement(AgreementCommand),
    /// Purposes and their versions.
    Purpose(PurposeCommand),
    /// Clients, their members, keys and purposes.
    Client(ClientCommand),
}

impl Command {
    /// A stable name for the audit log (the event log's `command` column).
    pub fn name(&self) -> &'static str {
        match self {
            Command::Tenant(c) => c.name(),
            Command::EService(c) => c.name(),
            Command::Agreement(c) => c.name(),
            Command::Purpose(c) => c.name(),
            Command::Client(c) => c.name(),
        }
    }
}

macro_rules! from_aggregate {
    ($($variant:ident($command:ty)),*) => {
        $(impl From<$command> for Command {
            fn from(c: $command) -> Self {
                Command::$variant(c)
            }
        })*
    };
}

from_aggregate!(
    Tenant(TenantCommand),
    EService(EServiceCommand),
    Agreement(AgreementCommand),
    Purpose(PurposeCommand),
    Client(ClientCommand)
);

/// Decides a command against the current state.
pub fn handle(s: &State, ctx: &Ctx, cmd: Command) -> DomainResult<Vec<Event>> {
    match cmd {
        Command::Tenant(c) => tenants::handle(s, ctx, c),
        Command::EService(c) => eservices::handle(s, ctx, c),
        Command::Agreement(c) => agreements::handle(s, ctx, c),
        Command::Purpose(c) => purposes::handle(s, ctx, c),
        Command::Client(c) => clients::handle(s, ctx, c),
    }
}
