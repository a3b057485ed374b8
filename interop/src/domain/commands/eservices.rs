//! The e-service and descriptor lifecycle (producer side).

use super::text;
use crate::domain::actor::Ctx;
use crate::domain::actor::Role;
use crate::domain::agreement::AgreementState;
use crate::domain::attribute::AttributeRequirements;
use crate::domain::error::{DomainError, DomainResult, ErrorCode, fail};
use crate::domain::eservice::{
    Descriptor, DescriptorFields, DescriptorState, EService, EServiceInfo,
};
use crate::domain::ids::{DescriptorId, EServiceId, TenantId};
use crate::domain::state::{Event, State};

/// The commands on e-services and their versions (descriptors).
#[derive(Debug, Clone)]
pub enum EServiceCommand {
    Create {
        id: EServiceId,
        descriptor: DescriptorId,
        info: EServiceInfo,
        fields: DescriptorFields,
    },
    Update {
        id: EServiceId,
        info: EServiceInfo,
    },
    Delete {
        id: EServiceId,
    },
    Clone(EServiceClone),
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
}

/// A clone of version `descriptor` of e-service `source`, as e-service `id` with version
/// `new_descriptor`; without a name, "<name> - copy" (or "- copy N") is chosen.
#[derive(Debug, Clone)]
pub struct EServiceClone {
    pub source: EServiceId,
    pub descriptor: DescriptorId,
    pub id: EServiceId,
    pub new_descriptor: DescriptorId,
    pub name: Option<String>,
}

impl EServiceCommand {
    /// The command's name in the event log (its `command` column): stable across renames.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Create { .. } => "CreateEService",
            Self::Update { .. } => "UpdateEService",
            Self::Delete { .. } => "DeleteEService",
            Self::Clone(_) => "CloneEService",
            Self::CreateDescriptor { .. } => "CreateDescriptor",
            Self::UpdateDescriptor { .. } => "UpdateDescriptor",
            Self::DeleteDescriptor { .. } => "DeleteDescriptor",
            Self::PublishDescriptor { .. } => "PublishDescriptor",
            Self::SuspendDescriptor { .. } => "SuspendDescriptor",
            Self::ActivateDescriptor { .. } => "ActivateDescriptor",
            Self::ArchiveDescriptor { .. } => "ArchiveDescriptor",
        }
    }
}

/// Decides an e-service command against the current state.
pub fn handle(s: &State, ctx: &Ctx, cmd: EServiceCommand) -> DomainResult<Vec<Event>> {
    use EServiceCommand as C;
    match cmd {
        C::Create {
            id,
            descriptor,
            info,
            fields,
        } => create(s, ctx, id, descriptor, info, fields),
        C::Update { id, info } => update(s, ctx, id, info),
        C::Delete { id } => delete(s, ctx, id),
        C::Clone(c) => clone(s, ctx, c),
        C::CreateDescriptor {
            eservice,
            id,
            fields,
        } => create_descriptor(s, ctx, eservice, id, fields),
        C::UpdateDescriptor {
            eservice,
            id,
            fields,
        } => update_descriptor(s, ctx, eservice, id, fields),
        C::DeleteDescriptor { eservice, id } => delete_descriptor(s, ctx, eservice, id),
        C::PublishDescriptor { eservice, id } => publish(s, ctx, eservice, id),
        C::SuspendDescriptor { eservice, id } => suspend(s, ctx, eservice, id),
        C::ActivateDescriptor { eservice, id } => activate(s, ctx, eservice, id),
        C::ArchiveDescriptor { eservice, id } => archive(s, ctx, eservice, id),
    }
}

/// The producer's admin or API operator, on its own e-service.
fn owned<'a>(s: &'a State, ctx: &Ctx, id: EServiceId) -> DomainResult<&'a EService> {
    let tenant = ctx.actor.require(&[Role::Api])?;
    let e = s.eservice_for(id, Some(tenant))?;
    if e.producer_id != tenant {
        return fail(
            ErrorCode::NOT_PRODUCER,
            "only the producer manages this e-service",
        );
    }
    Ok(e)
}

fn validate_info(
    s: &State,
    producer: TenantId,
    except: Option<EServiceId>,
    info: &EServiceInfo,
) -> DomainResult<()> {
    text("name", &info.name, 5..=60)?;
    text("description", &info.description, 10..=250)?;
    let taken = s.eservices.values().any(|e| {
        e.producer_id == producer
            && Some(e.id) != except
            && e.name.eq_ignore_ascii_case(info.name.trim())
    });
    if taken {
        return fail(
            ErrorCode::ESERVICE_NAME_TAKEN,
            format!(
                "this producer already has an e-service named {:?}",
                info.name
            ),
        );
    }
    validate_requirements(s, &info.attributes)
}

fn validate_requirements(s: &State, req: &AttributeRequirements) -> DomainResult<()> {
    for (kind, groups) in [
        (
            crate::domain::attribute::AttributeKind::Certified,
            &req.certified,
        ),
        (
            crate::domain::attribute::AttributeKind::Declared,
            &req.declared,
        ),
        (
            crate::domain::attribute::AttributeKind::Verified,
            &req.verified,
        ),
    ] {
        if groups.iter().any(Vec::is_empty) {
            return Err(DomainError::invalid(
                "attributes",
                "an attribute group must not be empty",
            ));
        }
        for a in groups.iter().flatten() {
            let found = s.attribute(a.id)?;
            if found.kind != kind {
                return fail(
                    ErrorCode::ATTRIBUTE_KIND_MISMATCH,
                    format!("attribute {} is {:?}, listed as {kind:?}", a.id, found.kind),
                );
            }
        }
    }
    Ok(())
}

fn draft_descriptor(
    id: DescriptorId,
    version: u32,
    fields: DescriptorFields,
    ctx: &Ctx,
) -> DomainResult<Descriptor> {
    fields.validate()?;
    Ok(Descriptor {
        id,
        version,
        state: DescriptorState::Draft,
        suspended_from: None,
        fields,
        created_at: ctx.now,
        published_at: None,
    })
}

fn create(
    s: &State,
    ctx: &Ctx,
    id: EServiceId,
    descriptor: DescriptorId,
    info: EServiceInfo,
    fields: DescriptorFields,
) -> DomainResult<Vec<Event>> {
    let producer = ctx.actor.require(&[Role::Api])?;
    s.tenant(producer)?;
    validate_info(s, producer, None, &info)?;
    let d = draft_descriptor(descriptor, 1, fields, ctx)?;
    Ok(vec![Event::EServiceSaved(EService {
        id,
        producer_id: producer,
        name: info.name.trim().to_owned(),
        description: info.description.trim().to_owned(),
        technology: info.technology,
        mode: info.mode,
        attributes: info.attributes,
        descriptors: vec![d],
        created_at: ctx.now,
    })])
}

/// General information can change only until version 1 is published.
fn update(s: &State, ctx: &Ctx, id: EServiceId, info: EServiceInfo) -> DomainResult<Vec<Event>> {
    let mut e = owned(s, ctx, id)?.clone();
    if e.ever_published() {
        return fail(
            ErrorCode::ESERVICE_IMMUTABLE,
            "name, description, technology and attributes are frozen once version 1 is published: create a new version",
        );
    }
    validate_info(s, e.producer_id, Some(id), &info)?;
    e.name = info.name.trim().to_owned();
    e.description = info.description.trim().to_owned();
    e.technology = info.technology;
    e.mode = info.mode;
    e.attributes = info.attributes;
    Ok(vec![Event::EServiceSaved(e)])
}

/// The whole e-service can be deleted only while nothing was ever published.
fn delete(s: &State, ctx: &Ctx, id: EServiceId) -> DomainResult<Vec<Event>> {
    let e = owned(s, ctx, id)?;
    if e.ever_published() {
        return fail(
            ErrorCode::ESERVICE_HAS_PUBLISHED_VERSIONS,
            "an e-service with a published version cannot be deleted; delete its draft version instead",
        );
    }
    Ok(vec![Event::EServiceDeleted(id)])
}

/// Clones a PUBLISHED or DEPRECATED version into a new e-service, draft, version 1.
fn clone(s: &State, ctx: &Ctx, clone: EServiceClone) -> DomainResult<Vec<Event>> {
    let EServiceClone {
        source,
        descriptor,
        id,
        new_descriptor,
        name,
    } = clone;
    let e = owned(s, ctx, source)?;
    let d = e.descriptor(descriptor)?;
    if !matches!(
        d.state,
        DescriptorState::Published | DescriptorState::Deprecated
    ) {
        return fail(
            ErrorCode::DESCRIPTOR_STATE_CONFLICT,
            format!(
                "only PUBLISHED or DEPRECATED versions can be cloned; this one is {:?}",
                d.state
            ),
        );
    }
    let name = match name {
        Some(n) => n,
        None => (1..)
            .map(|i| {
                // Names are at most 60 characters: shorten the original to make room.
                let suffix = if i == 1 {
                    " - copy".to_owned()
                } else {
                    format!(" - copy {i}")
                };
                let base: String = e.name.chars().take(60 - suffix.chars().count()).collect();
                format!("{}{suffix}", base.trim_end())
            })
            .find(|n| {
                !s.eservices
                    .values()
                    .any(|x| x.producer_id == e.producer_id && x.name.eq_ignore_ascii_case(n))
            })
            .expect("an unbounded range always yields a free name"),
    };
    let info = EServiceInfo {
        name,
        description: e.description.clone(),
        technology: e.technology,
        mode: e.mode,
        attributes: e.attributes.clone(),
    };
    create(s, ctx, id, new_descriptor, info, d.fields.clone())
}

/// A new draft version; at most one draft at a time. Without fields, the latest version's are
/// copied so the producer edits only what changes.
fn create_descriptor(
    s: &State,
    ctx: &Ctx,
    eservice: EServiceId,
    id: DescriptorId,
    fields: Option<DescriptorFields>,
) -> DomainResult<Vec<Event>> {
    let mut e = owned(s, ctx, eservice)?.clone();
    if let Some(d) = e.draft() {
        return fail(
            ErrorCode::DRAFT_DESCRIPTOR_EXISTS,
            format!("version {} is already a draft", d.version),
        );
    }
    let fields = fields.unwrap_or_else(|| {
        e.descriptors
            .iter()
            .max_by_key(|d| d.version)
            .map(|d| d.fields.clone())
            .unwrap_or_default()
    });
    let d = draft_descriptor(id, e.next_version(), fields, ctx)?;
    e.descriptors.push(d);
    Ok(vec![Event::EServiceSaved(e)])
}

fn draft_mut(e: &mut EService, id: DescriptorId) -> DomainResult<&mut Descriptor> {
    let d = e.descriptor_mut(id)?;
    if d.state != DescriptorState::Draft {
        return fail(
            ErrorCode::DESCRIPTOR_STATE_CONFLICT,
            format!(
                "only a DRAFT can be changed or deleted; this one is {:?}",
                d.state
            ),
        );
    }
    Ok(d)
}

fn update_descriptor(
    s: &State,
    ctx: &Ctx,
    eservice: EServiceId,
    id: DescriptorId,
    fields: DescriptorFields,
) -> DomainResult<Vec<Event>> {
    let mut e = owned(s, ctx, eservice)?.clone();
    fields.validate()?;
    draft_mut(&mut e, id)?.fields = fields;
    Ok(vec![Event::EServiceSaved(e)])
}

fn delete_descriptor(
    s: &State,
    ctx: &Ctx,
    eservice: EServiceId,
    id: DescriptorId,
) -> DomainResult<Vec<Event>> {
    let mut e = owned(s, ctx, eservice)?.clone();
    draft_mut(&mut e, id)?;
    e.descriptors.retain(|d| d.id != id);
    Ok(vec![Event::EServiceSaved(e)])
}

fn publish(
    s: &State,
    ctx: &Ctx,
    eservice: EServiceId,
    id: DescriptorId,
) -> DomainResult<Vec<Event>> {
    let mut e = owned(s, ctx, eservice)?.clone();
    audience_free(s, &e, id)?;
    e.publish(id, ctx.now)?;
    Ok(vec![Event::EServiceSaved(e)])
}

/// A descriptor's audience belongs to one producer. Vouchers carry it in `aud`, and a verifier
/// that trusted `aud` alone would take another producer's vouchers for its own; so a version is
/// not published with an audience that another producer's e-service has ever published.
fn audience_free(s: &State, e: &EService, id: DescriptorId) -> DomainResult<()> {
    let Some(draft) = e.descriptors.iter().find(|d| d.id == id) else {
        return Ok(()); // `publish` names the missing version
    };
    for other in s
        .eservices
        .values()
        .filter(|o| o.producer_id != e.producer_id)
    {
        let published = other
            .descriptors
            .iter()
            .filter(|d| d.state != DescriptorState::Draft);
        for d in published {
            if let Some(a) = draft
                .fields
                .audience
                .iter()
                .find(|a| d.fields.audience.contains(a))
            {
                return fail(
                    ErrorCode::AUDIENCE_TAKEN,
                    format!(
                        "the audience {a:?} belongs to an e-service of another producer: choose one that names your own service"
                    ),
                );
            }
        }
    }
    Ok(())
}

/// Suspending a version stops every agreement and purpose on it (see operativity).
fn suspend(
    s: &State,
    ctx: &Ctx,
    eservice: EServiceId,
    id: DescriptorId,
) -> DomainResult<Vec<Event>> {
    let mut e = owned(s, ctx, eservice)?.clone();
    e.suspend(id)?;
    Ok(vec![Event::EServiceSaved(e)])
}

fn activate(
    s: &State,
    ctx: &Ctx,
    eservice: EServiceId,
    id: DescriptorId,
) -> DomainResult<Vec<Event>> {
    let mut e = owned(s, ctx, eservice)?.clone();
    e.reactivate(id)?;
    Ok(vec![Event::EServiceSaved(e)])
}

/// Archives a DEPRECATED version once every agreement on it has been upgraded. Irreversible.
fn archive(
    s: &State,
    ctx: &Ctx,
    eservice: EServiceId,
    id: DescriptorId,
) -> DomainResult<Vec<Event>> {
    let mut e = owned(s, ctx, eservice)?.clone();
    let d = e.descriptor_mut(id)?;
    if d.state != DescriptorState::Deprecated {
        return fail(
            ErrorCode::DESCRIPTOR_STATE_CONFLICT,
            format!(
                "only a DEPRECATED version can be archived; this one is {:?}",
                d.state
            ),
        );
    }
    // Drafts do not count: they are bound to the version published when they are submitted.
    let remaining = s
        .agreements_on(id)
        .filter(|a| {
            !matches!(
                a.state,
                AgreementState::Draft | AgreementState::MissingCertifiedAttributes
            )
        })
        .count();
    if remaining > 0 {
        return fail(
            ErrorCode::DESCRIPTOR_HAS_AGREEMENTS,
            format!("{remaining} agreement(s) still use this version"),
        );
    }
    d.state = DescriptorState::Archived;
    Ok(vec![Event::EServiceSaved(e)])
}
