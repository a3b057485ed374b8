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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::attribute::AttributeKind;
    use crate::domain::client::ClientKind;
    use crate::domain::commands::clients::NewClient;
    use crate::domain::commands::eservices::EServiceClone;
    use crate::domain::commands::purposes::{NewPurpose, PurposeDraftChanges};
    use crate::domain::eservice::{DescriptorFields, EServiceInfo, EServiceMode, Technology};
    use crate::domain::ids::*;
    use crate::domain::key::{PublicKey, rsa_thumbprint};
    use crate::domain::tenant::NewUser;
    use uuid::Uuid;

    /// One command of every kind, in the order the names were first listed.
    fn one_of_each() -> Vec<Command> {
        let u = Uuid::nil();
        let (t, user, a) = (TenantId(u), UserId(u), AttributeId(u));
        let (e, d, ag) = (EServiceId(u), DescriptorId(u), AgreementId(u));
        let (p, v, c) = (PurposeId(u), PurposeVersionId(u), ClientId(u));
        let new_user = NewUser {
            id: user,
            name: String::new(),
            roles: Default::default(),
        };
        let info = EServiceInfo {
            name: String::new(),
            description: String::new(),
            technology: Technology::Rest,
            mode: EServiceMode::Deliver,
            attributes: Default::default(),
        };
        let fields = DescriptorFields::default();
        let kid = rsa_thumbprint("AQAB", "AQAB");
        let key = PublicKey {
            kid: kid.clone(),
            n: String::new(),
            e: String::new(),
            bits: 0,
            spki_pem: String::new(),
        };
        use AgreementCommand as A;
        use ClientCommand as C;
        use EServiceCommand as E;
        use PurposeCommand as P;
        use TenantCommand as T;
        let ta = |f: fn(TenantId, AttributeId) -> TenantCommand| f(t, a);
        vec![
            T::Create {
                id: t,
                name: String::new(),
                admin: new_user.clone(),
            }
            .into(),
            T::AddUser {
                tenant: t,
                user: new_user,
            }
            .into(),
            T::SetUserSuspended {
                tenant: t,
                user,
                suspended: true,
            }
            .into(),
            T::RemoveUser { tenant: t, user }.into(),
            T::CreateAttribute {
                id: a,
                kind: AttributeKind::Declared,
                name: String::new(),
                description: String::new(),
            }
            .into(),
            ta(|tenant, attribute| T::AssignCertified { tenant, attribute }).into(),
            ta(|tenant, attribute| T::RevokeCertified { tenant, attribute }).into(),
            ta(|tenant, attribute| T::Declare { tenant, attribute }).into(),
            ta(|tenant, attribute| T::RevokeDeclared { tenant, attribute }).into(),
            ta(|tenant, attribute| T::Verify { tenant, attribute }).into(),
            ta(|tenant, attribute| T::RevokeVerification { tenant, attribute }).into(),
            E::Create {
                id: e,
                descriptor: d,
                info: info.clone(),
                fields: fields.clone(),
            }
            .into(),
            E::Update { id: e, info }.into(),
            E::Delete { id: e }.into(),
            E::Clone(EServiceClone {
                source: e,
                descriptor: d,
                id: e,
                new_descriptor: d,
                name: None,
            })
            .into(),
            E::CreateDescriptor {
                eservice: e,
                id: d,
                fields: None,
            }
            .into(),
            E::UpdateDescriptor {
                eservice: e,
                id: d,
                fields,
            }
            .into(),
            E::DeleteDescriptor { eservice: e, id: d }.into(),
            E::PublishDescriptor { eservice: e, id: d }.into(),
            E::SuspendDescriptor { eservice: e, id: d }.into(),
            E::ActivateDescriptor { eservice: e, id: d }.into(),
            E::ArchiveDescriptor { eservice: e, id: d }.into(),
            A::Create {
                id: ag,
                eservice: e,
                descriptor: None,
                consumer_notes: None,
            }
            .into(),
            A::Submit { id: ag }.into(),
            A::Approve { id: ag }.into(),
            A::Reject {
                id: ag,
                reason: String::new(),
            }
            .into(),
            A::Suspend { id: ag }.into(),
            A::Activate { id: ag }.into(),
            A::Upgrade { id: ag, new_id: ag }.into(),
            A::Delete { id: ag }.into(),
            P::Create(NewPurpose {
                id: p,
                version: v,
                eservice: e,
                title: String::new(),
                description: String::new(),
                risk_analysis: serde_json::Value::Null,
                daily_calls: 1,
            })
            .into(),
            P::UpdateDraft(PurposeDraftChanges {
                id: p,
                title: None,
                description: None,
                risk_analysis: None,
                daily_calls: None,
            })
            .into(),
            P::Delete { id: p }.into(),
            P::CreateVersion {
                purpose: p,
                version: v,
                daily_calls: 1,
            }
            .into(),
            P::ActivateVersion {
                purpose: p,
                version: v,
            }
            .into(),
            P::ApproveVersion {
                purpose: p,
                version: v,
            }
            .into(),
            P::RejectVersion {
                purpose: p,
                version: v,
                reason: String::new(),
            }
            .into(),
            P::SetExpectedApprovalDate {
                purpose: p,
                version: v,
                date: time::macros::date!(2026 - 01 - 01),
            }
            .into(),
            P::DeleteVersion {
                purpose: p,
                version: v,
            }
            .into(),
            P::SuspendVersion {
                purpose: p,
                version: v,
            }
            .into(),
            P::ArchiveVersion {
                purpose: p,
                version: v,
            }
            .into(),
            C::Create(NewClient {
                id: c,
                name: String::new(),
                description: String::new(),
                kind: ClientKind::Consumer,
                members: Default::default(),
            })
            .into(),
            C::Delete { id: c }.into(),
            C::AddMember { client: c, user }.into(),
            C::RemoveMember { client: c, user }.into(),
            C::AddKey {
                client: c,
                name: String::new(),
                key,
            }
            .into(),
            C::DeleteKey { client: c, kid }.into(),
            C::AddPurpose {
                client: c,
                purpose: p,
            }
            .into(),
            C::RemovePurpose {
                client: c,
                purpose: p,
            }
            .into(),
        ]
    }

    /// The names are written to the event log's `command` column: a rename would split one
    /// command's history in two.
    #[test]
    fn command_names_in_the_event_log_never_change() {
        let names: Vec<&str> = one_of_each().iter().map(Command::name).collect();
        assert_eq!(
            names,
            [
                "CreateTenant",
                "AddUser",
                "SetUserSuspended",
                "RemoveUser",
                "CreateAttribute",
                "AssignCertified",
                "RevokeCertified",
                "Declare",
                "RevokeDeclared",
                "Verify",
                "RevokeVerification",
                "CreateEService",
                "UpdateEService",
                "DeleteEService",
                "CloneEService",
                "CreateDescriptor",
                "UpdateDescriptor",
                "DeleteDescriptor",
                "PublishDescriptor",
                "SuspendDescriptor",
                "ActivateDescriptor",
                "ArchiveDescriptor",
                "CreateAgreement",
                "SubmitAgreement",
                "ApproveAgreement",
                "RejectAgreement",
                "SuspendAgreement",
                "ActivateAgreement",
                "UpgradeAgreement",
                "DeleteAgreement",
                "CreatePurpose",
                "UpdatePurposeDraft",
                "DeletePurpose",
                "CreatePurposeVersion",
                "ActivatePurposeVersion",
                "ApprovePurposeVersion",
                "RejectPurposeVersion",
                "SetExpectedApprovalDate",
                "DeletePurposeVersion",
                "SuspendPurposeVersion",
                "ArchivePurposeVersion",
                "CreateClient",
                "DeleteClient",
                "AddClientMember",
                "RemoveClientMember",
                "AddClientKey",
                "DeleteClientKey",
                "AddClientPurpose",
                "RemoveClientPurpose",
            ]
        );
    }
}
