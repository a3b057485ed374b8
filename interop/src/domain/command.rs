//! Every change to the engine is a [`Command`]: `handle(state, ctx, command)` returns the events
//! to persist, or a typed [`DomainError`]. Pure: no clock, no randomness, no I/O — ids and the
//! time come in with the command.

use super::actor::{Actor, Role};
use super::agreement::Side;
use super::attribute::{AttributeKind, AttributeRequirements};
use super::commands::{agreements, clients, eservices, purposes, tenants};
use super::error::DomainResult;
use super::eservice::{DescriptorFields, EServiceMode, Technology};
use super::ids::*;
use super::key::{Kid, PublicKey};
use super::state::{Event, State};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use time::{Date, OffsetDateTime};

/// The context of one command: who asks, and when.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub actor: Actor,
    pub now: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUser {
    pub id: UserId,
    pub name: String,
    pub roles: BTreeSet<Role>,
}

/// The general information of an e-service (immutable once version 1 is published).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EServiceInfo {
    pub name: String,
    pub description: String,
    pub technology: Technology,
    pub mode: EServiceMode,
    #[serde(default)]
    pub attributes: AttributeRequirements,
}

#[derive(Debug, Clone)]
pub enum Command {
    // Tenants, users, attributes.
    CreateTenant {
        id: TenantId,
        name: String,
        admin: NewUser,
    },
    AddUser {
        tenant: TenantId,
        user: NewUser,
    },
    SetUserSuspended {
        tenant: TenantId,
        user: UserId,
        suspended: bool,
    },
    RemoveUser {
        tenant: TenantId,
        user: UserId,
    },
    CreateAttribute {
        id: AttributeId,
        kind: AttributeKind,
        name: String,
        description: String,
    },
    AssignCertified {
        tenant: TenantId,
        attribute: AttributeId,
    },
    RevokeCertified {
        tenant: TenantId,
        attribute: AttributeId,
    },
    Declare {
        tenant: TenantId,
        attribute: AttributeId,
    },
    RevokeDeclared {
        tenant: TenantId,
        attribute: AttributeId,
    },
    Verify {
        tenant: TenantId,
        attribute: AttributeId,
    },
    RevokeVerification {
        tenant: TenantId,
        attribute: AttributeId,
    },

    // E-services and descriptors.
    CreateEService {
        id: EServiceId,
        descriptor: DescriptorId,
        info: EServiceInfo,
        fields: DescriptorFields,
    },
    UpdateEService {
        id: EServiceId,
        info: EServiceInfo,
    },
    DeleteEService {
        id: EServiceId,
    },
    CloneEService {
        source: EServiceId,
        descriptor: DescriptorId,
        id: EServiceId,
        new_descriptor: DescriptorId,
        name: Option<String>,
    },
    CreateDescriptor {
        eservice: EServiceId,
        id: DescriptorId,
        fields: Option<DescriptorFields>,
    },
    UpdateDescriptor {
        eservice: EServiceId,
        id: DescriptorId,
        fields: DescriptorFields,
    },
    DeleteDescriptor {
        eservice: EServiceId,
        id: DescriptorId,
    },
    PublishDescriptor {
        eservice: EServiceId,
        id: DescriptorId,
    },
    SuspendDescriptor {
        eservice: EServiceId,
        id: DescriptorId,
    },
    ActivateDescriptor {
        eservice: EServiceId,
        id: DescriptorId,
    },
    ArchiveDescriptor {
        eservice: EServiceId,
        id: DescriptorId,
    },

    // Agreements.
    CreateAgreement {
        id: AgreementId,
        eservice: EServiceId,
        descriptor: Option<DescriptorId>,
        consumer_notes: Option<String>,
    },
    SubmitAgreement {
        id: AgreementId,
    },
    ApproveAgreement {
        id: AgreementId,
    },
    RejectAgreement {
        id: AgreementId,
        reason: String,
    },
    SuspendAgreement {
        id: AgreementId,
    },
    ActivateAgreement {
        id: AgreementId,
    },
    UpgradeAgreement {
        id: AgreementId,
        new_id: AgreementId,
    },
    DeleteAgreement {
        id: AgreementId,
    },

    // Purposes.
    CreatePurpose {
        id: PurposeId,
        version: PurposeVersionId,
        eservice: EServiceId,
        title: String,
        description: String,
        risk_analysis: serde_json::Value,
        daily_calls: u64,
    },
    UpdatePurposeDraft {
        id: PurposeId,
        title: Option<String>,
        description: Option<String>,
        risk_analysis: Option<serde_json::Value>,
        daily_calls: Option<u64>,
    },
    DeletePurpose {
        id: PurposeId,
    },
    CreatePurposeVersion {
        purpose: PurposeId,
        version: PurposeVersionId,
        daily_calls: u64,
    },
    ActivatePurposeVersion {
        purpose: PurposeId,
        version: PurposeVersionId,
    },
    ApprovePurposeVersion {
        purpose: PurposeId,
        version: PurposeVersionId,
    },
    RejectPurposeVersion {
        purpose: PurposeId,
        version: PurposeVersionId,
        reason: String,
    },
    SetExpectedApprovalDate {
        purpose: PurposeId,
        version: PurposeVersionId,
        date: Date,
    },
    DeletePurposeVersion {
        purpose: PurposeId,
        version: PurposeVersionId,
    },
    SuspendPurposeVersion {
        purpose: PurposeId,
        version: PurposeVersionId,
    },
    ArchivePurposeVersion {
        purpose: PurposeId,
        version: PurposeVersionId,
    },

    // Clients and keys.
    CreateClient {
        id: ClientId,
        name: String,
        description: String,
        kind: super::client::ClientKind,
        members: BTreeSet<UserId>,
    },
    DeleteClient {
        id: ClientId,
    },
    AddClientMember {
        client: ClientId,
        user: UserId,
    },
    RemoveClientMember {
        client: ClientId,
        user: UserId,
    },
    AddClientKey {
        client: ClientId,
        name: String,
        key: PublicKey,
    },
    DeleteClientKey {
        client: ClientId,
        kid: Kid,
    },
    AddClientPurpose {
        client: ClientId,
        purpose: PurposeId,
    },
    RemoveClientPurpose {
        client: ClientId,
        purpose: PurposeId,
    },
}

impl Command {
    /// A stable name for the audit log.
    pub fn name(&self) -> &'static str {
        macro_rules! names {
            ($($v:ident),*) => { match self { $(Command::$v { .. } => stringify!($v)),* } };
        }
        names!(
            CreateTenant,
            AddUser,
            SetUserSuspended,
            RemoveUser,
            CreateAttribute,
            AssignCertified,
            RevokeCertified,
            Declare,
            RevokeDeclared,
            Verify,
            RevokeVerification,
            CreateEService,
            UpdateEService,
            DeleteEService,
            CloneEService,
            CreateDescriptor,
            UpdateDescriptor,
            DeleteDescriptor,
            PublishDescriptor,
            SuspendDescriptor,
            ActivateDescriptor,
            ArchiveDescriptor,
            CreateAgreement,
            SubmitAgreement,
            ApproveAgreement,
            RejectAgreement,
            SuspendAgreement,
            ActivateAgreement,
            UpgradeAgreement,
            DeleteAgreement,
            CreatePurpose,
            UpdatePurposeDraft,
            DeletePurpose,
            CreatePurposeVersion,
            ActivatePurposeVersion,
            ApprovePurposeVersion,
            RejectPurposeVersion,
            SetExpectedApprovalDate,
            DeletePurposeVersion,
            SuspendPurposeVersion,
            ArchivePurposeVersion,
            CreateClient,
            DeleteClient,
            AddClientMember,
            RemoveClientMember,
            AddClientKey,
            DeleteClientKey,
            AddClientPurpose,
            RemoveClientPurpose
        )
    }
}

/// Decides a command against the current state.
pub fn handle(s: &State, ctx: &Ctx, cmd: Command) -> DomainResult<Vec<Event>> {
    use Command::*;
    match cmd {
        CreateTenant { id, name, admin } => tenants::create_tenant(s, ctx, id, name, admin),
        AddUser { tenant, user } => tenants::add_user(s, ctx, tenant, user),
        SetUserSuspended {
            tenant,
            user,
            suspended,
        } => tenants::set_user_suspended(s, ctx, tenant, user, suspended),
        RemoveUser { tenant, user } => tenants::remove_user(s, ctx, tenant, user),
        CreateAttribute {
            id,
            kind,
            name,
            description,
        } => tenants::create_attribute(s, ctx, id, kind, name, description),
        AssignCertified { tenant, attribute } => {
            tenants::set_certified(s, ctx, tenant, attribute, true)
        }
        RevokeCertified { tenant, attribute } => {
            tenants::set_certified(s, ctx, tenant, attribute, false)
        }
        Declare { tenant, attribute } => tenants::set_declared(s, ctx, tenant, attribute, true),
        RevokeDeclared { tenant, attribute } => {
            tenants::set_declared(s, ctx, tenant, attribute, false)
        }
        Verify { tenant, attribute } => tenants::set_verified(s, ctx, tenant, attribute, true),
        RevokeVerification { tenant, attribute } => {
            tenants::set_verified(s, ctx, tenant, attribute, false)
        }

        CreateEService {
            id,
            descriptor,
            info,
            fields,
        } => eservices::create(s, ctx, id, descriptor, info, fields),
        UpdateEService { id, info } => eservices::update(s, ctx, id, info),
        DeleteEService { id } => eservices::delete(s, ctx, id),
        CloneEService {
            source,
            descriptor,
            id,
            new_descriptor,
            name,
        } => eservices::clone(s, ctx, source, descriptor, id, new_descriptor, name),
        CreateDescriptor {
            eservice,
            id,
            fields,
        } => eservices::create_descriptor(s, ctx, eservice, id, fields),
        UpdateDescriptor {
            eservice,
            id,
            fields,
        } => eservices::update_descriptor(s, ctx, eservice, id, fields),
        DeleteDescriptor { eservice, id } => eservices::delete_descriptor(s, ctx, eservice, id),
        PublishDescriptor { eservice, id } => eservices::publish(s, ctx, eservice, id),
        SuspendDescriptor { eservice, id } => eservices::suspend(s, ctx, eservice, id),
        ActivateDescriptor { eservice, id } => eservices::activate(s, ctx, eservice, id),
        ArchiveDescriptor { eservice, id } => eservices::archive(s, ctx, eservice, id),

        CreateAgreement {
            id,
            eservice,
            descriptor,
            consumer_notes,
        } => agreements::create(s, ctx, id, eservice, descriptor, consumer_notes),
        SubmitAgreement { id } => agreements::submit(s, ctx, id),
        ApproveAgreement { id } => agreements::approve(s, ctx, id),
        RejectAgreement { id, reason } => agreements::reject(s, ctx, id, reason),
        SuspendAgreement { id } => agreements::set_suspended(s, ctx, id, true),
        ActivateAgreement { id } => agreements::set_suspended(s, ctx, id, false),
        UpgradeAgreement { id, new_id } => agreements::upgrade(s, ctx, id, new_id),
        DeleteAgreement { id } => agreements::delete(s, ctx, id),

        CreatePurpose {
            id,
            version,
            eservice,
            title,
            description,
            risk_analysis,
            daily_calls,
        } => purposes::create(
            s,
            ctx,
            id,
            version,
            eservice,
            title,
            description,
            risk_analysis,
            daily_calls,
        ),
        UpdatePurposeDraft {
            id,
            title,
            description,
            risk_analysis,
            daily_calls,
        } => purposes::update_draft(s, ctx, id, title, description, risk_analysis, daily_calls),
        DeletePurpose { id } => purposes::delete(s, ctx, id),
        CreatePurposeVersion {
            purpose,
            version,
            daily_calls,
        } => purposes::new_version(s, ctx, purpose, version, daily_calls),
        ActivatePurposeVersion { purpose, version } => purposes::activate(s, ctx, purpose, version),
        ApprovePurposeVersion { purpose, version } => purposes::approve(s, ctx, purpose, version),
        RejectPurposeVersion {
            purpose,
            version,
            reason,
        } => purposes::reject(s, ctx, purpose, version, reason),
        SetExpectedApprovalDate {
            purpose,
            version,
            date,
        } => purposes::set_expected_date(s, ctx, purpose, version, date),
        DeletePurposeVersion { purpose, version } => {
            purposes::delete_version(s, ctx, purpose, version)
        }
        SuspendPurposeVersion { purpose, version } => purposes::suspend(s, ctx, purpose, version),
        ArchivePurposeVersion { purpose, version } => purposes::archive(s, ctx, purpose, version),

        CreateClient {
            id,
            name,
            description,
            kind,
            members,
        } => clients::create(s, ctx, id, name, description, kind, members),
        DeleteClient { id } => clients::delete(s, ctx, id),
        AddClientMember { client, user } => clients::set_member(s, ctx, client, user, true),
        RemoveClientMember { client, user } => clients::set_member(s, ctx, client, user, false),
        AddClientKey { client, name, key } => clients::add_key(s, ctx, client, name, key),
        DeleteClientKey { client, kid } => clients::delete_key(s, ctx, client, kid),
        AddClientPurpose { client, purpose } => clients::set_purpose(s, ctx, client, purpose, true),
        RemoveClientPurpose { client, purpose } => {
            clients::set_purpose(s, ctx, client, purpose, false)
        }
    }
}

/// The sides of a two-sided relation the actor's tenant stands on (both, when a tenant consumes
/// its own e-service).
pub(crate) fn sides_of(tenant: TenantId, consumer: TenantId, producer: TenantId) -> Vec<Side> {
    let mut sides = Vec::new();
    if tenant == consumer {
        sides.push(Side::Consumer);
    }
    if tenant == producer {
        sides.push(Side::Producer);
    }
    sides
}
