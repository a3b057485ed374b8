//! The rules of the Interop domain (SPEC §1 and the Italian user guide in
//! `shared/seeds/interop-user-guide.it.md`), one test per rule, through the public
//! `interop::domain` API only: `handle(&State, &Ctx, Command)` and `State::apply`.
//!
//! Every refusal is checked by its exact `ErrorCode`, every success by the exact resulting
//! states, so that breaking a rule breaks its test.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use interop::domain::agreement::{Agreement, AgreementState, Side};
use interop::domain::attribute::{AttributeKind, AttributeRequirements, RequiredAttribute};
use interop::domain::client::{Client, ClientKind};
use interop::domain::commands::clients;
use interop::domain::eservice::{ApprovalPolicy, Descriptor, DescriptorFields, DescriptorState};
use interop::domain::eservice::{EServiceMode, Technology};
use interop::domain::ids::*;
use interop::domain::key::{Kid, PublicKey, rsa_thumbprint};
use interop::domain::operativity::{Blocker, operativity};
use interop::domain::purpose::{self, Load, Purpose, PurposeVersionState as PV};
use interop::domain::{
    Actor, AgreementCommand, ClientCommand, Command, Ctx, DomainError, EServiceClone,
    EServiceCommand, EServiceInfo, ErrorCode, Event, NewClient, NewPurpose, NewUser,
    PurposeCommand, Role, State, TenantCommand,
};
use proptest::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;
use time::macros::{date, datetime};
use uuid::Uuid;

// ------------------------------------------------------------------------------------------
// Harness
// ------------------------------------------------------------------------------------------

/// A whole platform in memory: the state, a clock, an id sequence and the tenants' admins.
struct World {
    s: State,
    now: OffsetDateTime,
    seq: u128,
    admins: BTreeMap<TenantId, UserId>,
}

fn platform() -> Actor {
    Actor {
        user: UserId(Uuid::from_u128(u128::MAX)),
        tenant: None,
        roles: BTreeSet::from([Role::Platform]),
    }
}

/// A complete descriptor: publishable as it is.
fn fields(per_consumer: u64, total: u64, policy: ApprovalPolicy) -> DescriptorFields {
    DescriptorFields {
        description: Some("version description".into()),
        audience: vec!["https://api.example.it/aud".into()],
        voucher_lifespan: Some(600),
        daily_calls_per_consumer: Some(per_consumer),
        daily_calls_total: Some(total),
        agreement_approval_policy: Some(policy),
        server_urls: vec!["https://api.example.it/v1".into()],
    }
}

fn automatic() -> DescriptorFields {
    fields(1_000, 10_000, ApprovalPolicy::Automatic)
}

/// `automatic()` with another audience: for a second producer (an audience is one producer's).
fn other_audience() -> DescriptorFields {
    DescriptorFields {
        audience: vec!["https://api.other.example.it/aud".into()],
        ..automatic()
    }
}

fn req(ids: &[&[AttributeId]], explicit: bool) -> Vec<Vec<RequiredAttribute>> {
    ids.iter()
        .map(|g| {
            g.iter()
                .map(|id| RequiredAttribute {
                    id: *id,
                    explicit_verification: explicit,
                })
                .collect()
        })
        .collect()
}

fn risk() -> serde_json::Value {
    serde_json::json!({ "legal_basis": "art. 6(1)(e) GDPR" })
}

fn fixture(name: &str) -> String {
    let path = format!("{}/../fixtures/keys/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

fn key(name: &str) -> PublicKey {
    PublicKey::parse(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn key_code(input: &str) -> ErrorCode {
    match PublicKey::parse(input) {
        Ok(k) => panic!(
            "expected a refusal, the key was accepted with kid {}",
            k.kid
        ),
        Err(e) => e.code,
    }
}

impl World {
    fn new() -> Self {
        World {
            s: State::default(),
            now: datetime!(2026-01-15 10:00 UTC),
            seq: 0,
            admins: BTreeMap::new(),
        }
    }

    fn uuid(&mut self) -> Uuid {
        self.seq += 1;
        Uuid::from_u128(self.seq)
    }

    fn as_platform(&self) -> Actor {
        platform()
    }

    fn as_admin(&self, t: TenantId) -> Actor {
        Actor {
            user: self.admins[&t],
            tenant: Some(t),
            roles: BTreeSet::from([Role::Admin]),
        }
    }

    /// Decides a command and applies its events, as the engine does.
    fn run(&mut self, actor: &Actor, cmd: impl Into<Command>) -> Result<Vec<Event>, DomainError> {
        let cmd = cmd.into();
        let ctx = Ctx {
            actor: actor.clone(),
            now: self.now,
        };
        let events = interop::domain::handle(&self.s, &ctx, cmd)?;
        for e in events.clone() {
            self.s.apply(e);
        }
        Ok(events)
    }

    #[track_caller]
    fn ok(&mut self, actor: &Actor, cmd: impl Into<Command>) -> Vec<Event> {
        let cmd = cmd.into();
        let name = cmd.name();
        self.run(actor, cmd)
            .unwrap_or_else(|e| panic!("{name} was refused: {e} {:?}", e.fields))
    }

    #[track_caller]
    fn refused(&mut self, actor: &Actor, cmd: impl Into<Command>) -> DomainError {
        let cmd = cmd.into();
        let name = cmd.name();
        match self.run(actor, cmd) {
            Ok(events) => panic!("{name} was accepted, producing {events:?}"),
            Err(e) => e,
        }
    }

    #[track_caller]
    fn code(&mut self, actor: &Actor, cmd: impl Into<Command>) -> ErrorCode {
        self.refused(actor, cmd).code
    }

    // --- tenants, users, attributes ---

    fn tenant(&mut self, name: &str) -> TenantId {
        let id = TenantId(self.uuid());
        let admin = UserId(self.uuid());
        self.ok(
            &self.as_platform(),
            TenantCommand::Create {
                id,
                name: name.into(),
                admin: NewUser {
                    id: admin,
                    name: format!("{name} admin"),
                    roles: BTreeSet::from([Role::Admin]),
                },
            },
        );
        self.admins.insert(id, admin);
        id
    }

    fn user(&mut self, t: TenantId, roles: &[Role]) -> Actor {
        let id = UserId(self.uuid());
        let roles: BTreeSet<Role> = roles.iter().copied().collect();
        let admin = self.as_admin(t);
        self.ok(
            &admin,
            TenantCommand::AddUser {
                tenant: t,
                user: NewUser {
                    id,
                    name: "operator".into(),
                    roles: roles.clone(),
                },
            },
        );
        Actor {
            user: id,
            tenant: Some(t),
            roles,
        }
    }

    fn attribute(&mut self, kind: AttributeKind, name: &str) -> AttributeId {
        let id = AttributeId(self.uuid());
        self.ok(
            &self.as_platform(),
            TenantCommand::CreateAttribute {
                id,
                kind,
                name: name.into(),
                description: format!("{name} attribute"),
            },
        );
        id
    }

    fn certify(&mut self, t: TenantId, a: AttributeId) {
        self.ok(
            &self.as_platform(),
            TenantCommand::AssignCertified {
                tenant: t,
                attribute: a,
            },
        );
    }

    // --- e-services ---

    fn info(&mut self, attributes: AttributeRequirements) -> EServiceInfo {
        let n = self.uuid().as_u128();
        EServiceInfo {
            name: format!("E-service {n}"),
            description: "An e-service for the tests".into(),
            technology: Technology::Rest,
            mode: EServiceMode::Deliver,
            attributes,
        }
    }

    /// An e-service with version 1 as a draft.
    fn draft_eservice(
        &mut self,
        producer: TenantId,
        attributes: AttributeRequirements,
        f: DescriptorFields,
    ) -> (EServiceId, DescriptorId) {
        let id = EServiceId(self.uuid());
        let d = DescriptorId(self.uuid());
        let info = self.info(attributes);
        let admin = self.as_admin(producer);
        self.ok(
            &admin,
            EServiceCommand::Create {
                id,
                descriptor: d,
                info,
                fields: f,
            },
        );
        (id, d)
    }

    /// An e-service with version 1 published.
    fn eservice(
        &mut self,
        producer: TenantId,
        attributes: AttributeRequirements,
        f: DescriptorFields,
    ) -> (EServiceId, DescriptorId) {
        let (e, d) = self.draft_eservice(producer, attributes, f);
        self.publish(producer, e, d);
        (e, d)
    }

    fn draft_version(
        &mut self,
        producer: TenantId,
        e: EServiceId,
        f: Option<DescriptorFields>,
    ) -> DescriptorId {
        let d = DescriptorId(self.uuid());
        let admin = self.as_admin(producer);
        self.ok(
            &admin,
            EServiceCommand::CreateDescriptor {
                eservice: e,
                id: d,
                fields: f,
            },
        );
        d
    }

    fn publish(&mut self, producer: TenantId, e: EServiceId, d: DescriptorId) {
        let admin = self.as_admin(producer);
        self.ok(
            &admin,
            EServiceCommand::PublishDescriptor { eservice: e, id: d },
        );
    }

    /// A new version, published.
    fn version(&mut self, producer: TenantId, e: EServiceId, f: DescriptorFields) -> DescriptorId {
        let d = self.draft_version(producer, e, Some(f));
        self.publish(producer, e, d);
        d
    }

    fn descriptor(&self, e: EServiceId, d: DescriptorId) -> &Descriptor {
        self.s.eservices[&e].descriptor(d).unwrap()
    }

    fn dstate(&self, e: EServiceId, d: DescriptorId) -> DescriptorState {
        self.descriptor(e, d).state
    }

    // --- agreements ---

    fn create_agreement(&mut self, consumer: TenantId, e: EServiceId) -> AgreementId {
        let id = AgreementId(self.uuid());
        let admin = self.as_admin(consumer);
        self.ok(
            &admin,
            AgreementCommand::Create {
                id,
                eservice: e,
                descriptor: None,
                consumer_notes: None,
            },
        );
        id
    }

    /// Creates and submits an agreement.
    fn subscribe(&mut self, consumer: TenantId, e: EServiceId) -> AgreementId {
        let id = self.create_agreement(consumer, e);
        let admin = self.as_admin(consumer);
        self.ok(&admin, AgreementCommand::Submit { id });
        id
    }

    /// An ACTIVE agreement (approved by the producer when it went PENDING).
    fn active_agreement(&mut self, consumer: TenantId, e: EServiceId) -> AgreementId {
        let id = self.subscribe(consumer, e);
        if self.agreement(id).state == AgreementState::Pending {
            let producer = self.agreement(id).producer_id;
            let admin = self.as_admin(producer);
            self.ok(&admin, AgreementCommand::Approve { id });
        }
        assert_eq!(self.agreement(id).state, AgreementState::Active);
        id
    }

    fn agreement(&self, id: AgreementId) -> &Agreement {
        &self.s.agreements[&id]
    }

    fn suspend_agreement(&mut self, by: TenantId, id: AgreementId) -> Result<(), ErrorCode> {
        let a = self.as_admin(by);
        self.run(&a, AgreementCommand::Suspend { id })
            .map(|_| ())
            .map_err(|e| e.code)
    }

    fn activate_agreement(&mut self, by: TenantId, id: AgreementId) -> Result<(), ErrorCode> {
        let a = self.as_admin(by);
        self.run(&a, AgreementCommand::Activate { id })
            .map(|_| ())
            .map_err(|e| e.code)
    }

    // --- purposes ---

    fn draft_purpose(
        &mut self,
        consumer: TenantId,
        e: EServiceId,
        calls: u64,
    ) -> (PurposeId, PurposeVersionId) {
        let id = PurposeId(self.uuid());
        let v = PurposeVersionId(self.uuid());
        let admin = self.as_admin(consumer);
        self.ok(
            &admin,
            PurposeCommand::Create(NewPurpose {
                id,
                version: v,
                eservice: e,
                title: "Purpose title".into(),
                description: "Why we need the data".into(),
                risk_analysis: risk(),
                daily_calls: calls,
            }),
        );
        (id, v)
    }

    /// A purpose, published (ACTIVE or WAITING_FOR_APPROVAL by the threshold).
    fn purpose(
        &mut self,
        consumer: TenantId,
        e: EServiceId,
        calls: u64,
    ) -> (PurposeId, PurposeVersionId) {
        let (p, v) = self.draft_purpose(consumer, e, calls);
        let admin = self.as_admin(consumer);
        self.ok(
            &admin,
            PurposeCommand::ActivateVersion {
                purpose: p,
                version: v,
            },
        );
        (p, v)
    }

    /// A new load estimate.
    fn estimate(&mut self, p: PurposeId, calls: u64) -> PurposeVersionId {
        let v = PurposeVersionId(self.uuid());
        let consumer = self.s.purposes[&p].consumer_id;
        let admin = self.as_admin(consumer);
        self.ok(
            &admin,
            PurposeCommand::CreateVersion {
                purpose: p,
                version: v,
                daily_calls: calls,
            },
        );
        v
    }

    fn purpose_(&self, p: PurposeId) -> &Purpose {
        &self.s.purposes[&p]
    }

    fn vstate(&self, p: PurposeId, v: PurposeVersionId) -> PV {
        self.purpose_(p)
            .versions
            .iter()
            .find(|x| x.id == v)
            .unwrap_or_else(|| panic!("version {v} not found"))
            .state
    }

    fn load(&self, e: EServiceId, consumer: TenantId) -> Load {
        self.s.load(e, consumer, None)
    }

    // --- clients ---

    fn client(&mut self, t: TenantId, kind: ClientKind, members: &[UserId]) -> ClientId {
        let id = ClientId(self.uuid());
        let admin = self.as_admin(t);
        self.ok(
            &admin,
            ClientCommand::Create(NewClient {
                id,
                name: "client".into(),
                description: "a client".into(),
                kind,
                members: members.iter().copied().collect(),
            }),
        );
        id
    }

    fn client_(&self, c: ClientId) -> &Client {
        &self.s.clients[&c]
    }

    fn add_key(&mut self, by: &Actor, c: ClientId, k: PublicKey) -> Result<(), ErrorCode> {
        self.run(
            by,
            ClientCommand::AddKey {
                client: c,
                name: "key".into(),
                key: k,
            },
        )
        .map(|_| ())
        .map_err(|e| e.code)
    }
}

/// A producer, a consumer and a published AUTOMATIC e-service with the given limits.
fn market(per_consumer: u64, total: u64) -> (World, TenantId, TenantId, EServiceId, DescriptorId) {
    let mut w = World::new();
    let p = w.tenant("Producer");
    let c = w.tenant("Consumer");
    let (e, d) = w.eservice(
        p,
        AttributeRequirements::default(),
        fields(per_consumer, total, ApprovalPolicy::Automatic),
    );
    (w, p, c, e, d)
}

// ------------------------------------------------------------------------------------------
// Attributes
// ------------------------------------------------------------------------------------------

// seed: "Come funzionano gli attributi?" — "sarà sufficiente ... possedere uno tra quelli elencati"
#[test]
fn attribute_groups_are_or_inside_and_across() {
    let mut w = World::new();
    let p = w.tenant("Producer");
    let comune = w.attribute(AttributeKind::Certified, "Comune");
    let regione = w.attribute(AttributeKind::Certified, "Regione");
    let pa = w.attribute(AttributeKind::Certified, "Pubblica amministrazione");
    let attrs = AttributeRequirements {
        certified: req(&[&[comune, regione], &[pa]], false),
        ..Default::default()
    };
    let (e, _) = w.eservice(p, attrs, automatic());

    // One group satisfied, the other not: AND fails.
    let only_regione = w.tenant("Only Regione");
    w.certify(only_regione, regione);
    let a = w.create_agreement(only_regione, e);
    assert_eq!(
        w.agreement(a).state,
        AgreementState::MissingCertifiedAttributes
    );

    // Either member of the OR group, plus the other group.
    for (name, member) in [("Comune+PA", comune), ("Regione+PA", regione)] {
        let t = w.tenant(name);
        w.certify(t, member);
        w.certify(t, pa);
        let a = w.create_agreement(t, e);
        assert_eq!(w.agreement(a).state, AgreementState::Draft, "{name}");
    }

    // The same rule, on the helper itself.
    use interop::domain::attribute::groups_satisfied;
    let groups = vec![vec![1, 2], vec![3]];
    assert!(groups_satisfied(&groups, |x| [2, 3].contains(x)));
    assert!(!groups_satisfied(&groups, |x| [1, 2].contains(x)));
    assert!(
        groups_satisfied::<i32>(&[], |_| false),
        "no groups: nothing to satisfy"
    );
    assert!(
        !groups_satisfied(&[Vec::<i32>::new()], |_| true),
        "an empty group never holds"
    );
}

// seed: "Fruitore: sottoscrivere una richiesta di fruizione" — "Se l'ente ... possiede gli attributi certificati richiesti"
#[test]
fn missing_certified_attributes_state_blocks_submit_until_assigned() {
    let mut w = World::new();
    let p = w.tenant("Producer");
    let c = w.tenant("Consumer");
    let comune = w.attribute(AttributeKind::Certified, "Comune");
    let attrs = AttributeRequirements {
        certified: req(&[&[comune]], false),
        ..Default::default()
    };
    let (e, _) = w.eservice(p, attrs, automatic());
    let a = w.create_agreement(c, e);
    assert_eq!(
        w.agreement(a).state,
        AgreementState::MissingCertifiedAttributes
    );
    let admin = w.as_admin(c);
    assert_eq!(
        w.code(&admin, AgreementCommand::Submit { id: a }),
        ErrorCode::MISSING_CERTIFIED_ATTRIBUTES
    );
    assert_eq!(
        w.agreement(a).state,
        AgreementState::MissingCertifiedAttributes
    );

    // The authoritative source assigns it: the agreement goes back to DRAFT and can be submitted.
    w.certify(c, comune);
    assert_eq!(w.agreement(a).state, AgreementState::Draft);
    w.ok(&admin, AgreementCommand::Submit { id: a });
    assert_eq!(w.agreement(a).state, AgreementState::Active);
}

// SPEC §1: "`suspended_by_platform` when certified attributes are revoked"
#[test]
fn revoking_certified_attribute_suspends_by_platform() {
    let mut w = World::new();
    let p = w.tenant("Producer");
    let c = w.tenant("Consumer");
    let comune = w.attribute(AttributeKind::Certified, "Comune");
    w.certify(c, comune);
    let attrs = AttributeRequirements {
        certified: req(&[&[comune]], false),
        ..Default::default()
    };
    let (e, _) = w.eservice(p, attrs, automatic());
    let a = w.active_agreement(c, e);

    w.ok(
        &platform(),
        TenantCommand::RevokeCertified {
            tenant: c,
            attribute: comune,
        },
    );
    let ag = w.agreement(a);
    assert_eq!(ag.state, AgreementState::Suspended);
    assert!(ag.suspension.suspended_by_platform);
    assert!(!ag.suspension.suspended_by_consumer && !ag.suspension.suspended_by_producer);

    // Neither party can lift the platform's suspension.
    assert_eq!(
        w.activate_agreement(c, a),
        Err(ErrorCode::AGREEMENT_STATE_CONFLICT)
    );
    assert_eq!(
        w.activate_agreement(p, a),
        Err(ErrorCode::AGREEMENT_STATE_CONFLICT)
    );
    assert_eq!(w.agreement(a).state, AgreementState::Suspended);

    // Assigning it again lifts it.
    w.certify(c, comune);
    let ag = w.agreement(a);
    assert_eq!(ag.state, AgreementState::Active);
    assert!(!ag.suspension.suspended_by_platform);
}

// seed: "Come funzionano gli attributi?" — "all'atto della sottoscrizione ... dichiarerà implicitamente di possederli"
#[test]
fn submitting_declares_the_declared_attributes() {
    let mut w = World::new();
    let p = w.tenant("Producer");
    let c = w.tenant("Consumer");
    let d1 = w.attribute(AttributeKind::Declared, "Declared one");
    let d2 = w.attribute(AttributeKind::Declared, "Declared two");
    let d3 = w.attribute(AttributeKind::Declared, "Declared three");
    let admin = w.as_admin(c);
    w.ok(
        &admin,
        TenantCommand::Declare {
            tenant: c,
            attribute: d2,
        },
    );
    let attrs = AttributeRequirements {
        declared: req(&[&[d1, d2], &[d3]], false),
        ..Default::default()
    };
    let (e, _) = w.eservice(p, attrs, automatic());
    let a = w.create_agreement(c, e);
    assert_eq!(
        w.s.tenants[&c].declared,
        BTreeSet::from([d2]),
        "creating declares nothing"
    );
    w.ok(&admin, AgreementCommand::Submit { id: a });
    // The group already satisfied by d2 adds nothing; the unsatisfied one declares its attribute.
    assert_eq!(w.s.tenants[&c].declared, BTreeSet::from([d2, d3]));
    assert_eq!(w.agreement(a).state, AgreementState::Active);
}

/// A consumer `c` whose verified attribute `v` was verified by producer `p1`.
fn verified_by_first_producer() -> (World, TenantId, TenantId, AttributeId) {
    let mut w = World::new();
    let p1 = w.tenant("First producer");
    let c = w.tenant("Consumer");
    let v = w.attribute(AttributeKind::Verified, "Verified attribute");
    let (e1, _) = w.eservice(p1, AttributeRequirements::default(), automatic());
    w.active_agreement(c, e1);
    let p1_admin = w.as_admin(p1);
    w.ok(
        &p1_admin,
        TenantCommand::Verify {
            tenant: c,
            attribute: v,
        },
    );
    assert!(w.s.tenants[&c].is_verified(v, p1, false));
    (w, p1, c, v)
}

// seed: "Come funzionano gli attributi?" — "oppure può decidere di effettuare una nuova verifica"
#[test]
fn explicit_verification_needs_this_producers_own_verification() {
    let (mut w, _p1, c, v) = verified_by_first_producer();
    let p2 = w.tenant("Second producer");
    let attrs = AttributeRequirements {
        verified: req(&[&[v]], true),
        ..Default::default()
    };
    let (e2, _) = w.eservice(p2, attrs, other_audience());
    // Another producer's verification does not count: PENDING despite the AUTOMATIC policy.
    let a = w.subscribe(c, e2);
    assert_eq!(w.agreement(a).state, AgreementState::Pending);
    let p2_admin = w.as_admin(p2);
    let err = w.refused(&p2_admin, AgreementCommand::Approve { id: a });
    assert_eq!(err.code, ErrorCode::VERIFIED_ATTRIBUTES_NOT_VERIFIED);
    assert_eq!(err.fields, vec![v.to_string()]);
    assert_eq!(w.agreement(a).state, AgreementState::Pending);

    // This producer verifies it: approval goes through.
    w.ok(
        &p2_admin,
        TenantCommand::Verify {
            tenant: c,
            attribute: v,
        },
    );
    w.ok(&p2_admin, AgreementCommand::Approve { id: a });
    assert_eq!(w.agreement(a).state, AgreementState::Active);
}

// seed: "Come funzionano gli attributi?" — "se intende avvalersi della verifica fatta da un altro erogatore"
#[test]
fn reused_verification_accepts_another_producers_verification() {
    let (mut w, _p1, c, v) = verified_by_first_producer();
    let p2 = w.tenant("Second producer");
    let attrs = AttributeRequirements {
        verified: req(&[&[v]], false),
        ..Default::default()
    };
    let (e2, _) = w.eservice(p2, attrs, other_audience());
    // Verified by the first producer: ACTIVE at once under the AUTOMATIC policy.
    let a = w.subscribe(c, e2);
    assert_eq!(w.agreement(a).state, AgreementState::Active);

    // A consumer nobody verified waits for this producer.
    let c2 = w.tenant("Unverified consumer");
    let a2 = w.subscribe(c2, e2);
    assert_eq!(w.agreement(a2).state, AgreementState::Pending);
}

// seed: "Erogatore: approvare una richiesta di fruizione" — "Provare ad attivare ... senza aver verificato tutti gli attributi porterà ad un errore"
#[test]
fn approve_refused_while_verified_attributes_not_verified() {
    let mut w = World::new();
    let p = w.tenant("Producer");
    let c = w.tenant("Consumer");
    let v1 = w.attribute(AttributeKind::Verified, "Verified one");
    let v2 = w.attribute(AttributeKind::Verified, "Verified two");
    let v3 = w.attribute(AttributeKind::Verified, "Verified three");
    let attrs = AttributeRequirements {
        verified: req(&[&[v1, v2], &[v3]], true),
        ..Default::default()
    };
    let (e, _) = w.eservice(p, attrs, fields(10, 10, ApprovalPolicy::Manual));
    let a = w.subscribe(c, e);
    let admin = w.as_admin(p);
    let err = w.refused(&admin, AgreementCommand::Approve { id: a });
    assert_eq!(err.code, ErrorCode::VERIFIED_ATTRIBUTES_NOT_VERIFIED);
    assert_eq!(
        err.fields,
        vec![v1.to_string(), v2.to_string(), v3.to_string()]
    );

    // One attribute of the OR group is enough; the other group still misses.
    w.ok(
        &admin,
        TenantCommand::Verify {
            tenant: c,
            attribute: v2,
        },
    );
    let err = w.refused(&admin, AgreementCommand::Approve { id: a });
    assert_eq!(err.code, ErrorCode::VERIFIED_ATTRIBUTES_NOT_VERIFIED);
    assert_eq!(err.fields, vec![v3.to_string()]);
    w.ok(
        &admin,
        TenantCommand::Verify {
            tenant: c,
            attribute: v3,
        },
    );
    w.ok(&admin, AgreementCommand::Approve { id: a });
    assert_eq!(w.agreement(a).state, AgreementState::Active);
}

// ------------------------------------------------------------------------------------------
// Agreements
// ------------------------------------------------------------------------------------------

// seed: "Richiesta di fruizione" — "la richiesta ... è soggetta a valutazione da parte dell'ente erogatore"
#[test]
fn manual_policy_goes_pending_until_the_producer_approves() {
    let mut w = World::new();
    let p = w.tenant("Producer");
    let c = w.tenant("Consumer");
    let (e, d) = w.eservice(
        p,
        Default::default(),
        fields(10, 10, ApprovalPolicy::Manual),
    );
    let a = w.subscribe(c, e);
    assert_eq!(w.agreement(a).state, AgreementState::Pending);
    assert_eq!(w.agreement(a).descriptor_id, d);
    let consumer = w.as_admin(c);
    assert_eq!(
        w.code(&consumer, AgreementCommand::Approve { id: a }),
        ErrorCode::NOT_PRODUCER
    );
    let producer = w.as_admin(p);
    w.ok(&producer, AgreementCommand::Approve { id: a });
    assert_eq!(w.agreement(a).state, AgreementState::Active);
    assert_eq!(
        w.code(&producer, AgreementCommand::Approve { id: a }),
        ErrorCode::AGREEMENT_STATE_CONFLICT
    );
}

// seed: "Fruitore: sottoscrivere ..." — "L'ente fruitore potrà nuovamente presentare richiesta se una richiesta di fruizione viene rifiutata"
#[test]
fn reject_with_reason_then_a_new_agreement_is_allowed() {
    let mut w = World::new();
    let p = w.tenant("Producer");
    let c = w.tenant("Consumer");
    let (e, _) = w.eservice(
        p,
        Default::default(),
        fields(10, 10, ApprovalPolicy::Manual),
    );
    let a = w.subscribe(c, e);
    let producer = w.as_admin(p);
    let short = AgreementCommand::Reject {
        id: a,
        reason: "no".into(),
    };
    assert_eq!(w.code(&producer, short), ErrorCode::VALIDATION_FAILED);
    let reason = "Missing documentation for the verified attribute".to_string();
    w.ok(
        &producer,
        AgreementCommand::Reject {
            id: a,
            reason: reason.clone(),
        },
    );
    assert_eq!(w.agreement(a).state, AgreementState::Rejected);
    assert_eq!(w.agreement(a).rejection_reason, Some(reason));

    let again = w.subscribe(c, e);
    assert_ne!(again, a);
    assert_eq!(w.agreement(again).state, AgreementState::Pending);
    assert_eq!(w.agreement(a).state, AgreementState::Rejected);
}

// SPEC §1: "One live agreement per consumer and e-service."
#[test]
fn one_live_agreement_per_consumer_and_eservice() {
    let (mut w, p, c, e, _) = market(10, 10);
    let consumer = w.as_admin(c);
    let draft = w.create_agreement(c, e);
    let again = |w: &mut World| {
        let id = AgreementId(w.uuid());
        w.code(
            &consumer,
            AgreementCommand::Create {
                id,
                eservice: e,
                descriptor: None,
                consumer_notes: None,
            },
        )
    };
    assert_eq!(again(&mut w), ErrorCode::AGREEMENT_ALREADY_EXISTS);
    w.ok(&consumer, AgreementCommand::Submit { id: draft });
    assert_eq!(w.agreement(draft).state, AgreementState::Active);
    assert_eq!(again(&mut w), ErrorCode::AGREEMENT_ALREADY_EXISTS);
    w.suspend_agreement(p, draft).unwrap();
    assert_eq!(again(&mut w), ErrorCode::AGREEMENT_ALREADY_EXISTS);

    // Another consumer, and the same consumer on another e-service, are independent.
    let c2 = w.tenant("Other consumer");
    w.create_agreement(c2, e);
    let (e2, _) = w.eservice(p, Default::default(), automatic());
    w.create_agreement(c, e2);
}

// seed: "Aggiornare una richiesta di fruizione" / SPEC §1: "subscribes to the latest published version"
#[test]
fn subscribe_only_to_the_latest_published_version() {
    let mut w = World::new();
    let p = w.tenant("Producer");
    let c = w.tenant("Consumer");
    let consumer = w.as_admin(c);
    let (e, v1) = w.draft_eservice(p, Default::default(), automatic());
    let id = AgreementId(w.uuid());
    let create = |descriptor| AgreementCommand::Create {
        id,
        eservice: e,
        descriptor,
        consumer_notes: None,
    };
    // A never-published e-service does not exist for other tenants.
    assert_eq!(
        w.code(&consumer, create(None)),
        ErrorCode::ESERVICE_NOT_FOUND
    );
    w.publish(p, e, v1);
    let v2 = w.version(p, e, automatic());
    assert_eq!(w.dstate(e, v1), DescriptorState::Deprecated);
    assert_eq!(
        w.code(&consumer, create(Some(v1))),
        ErrorCode::NO_PUBLISHED_DESCRIPTOR
    );
    w.ok(&consumer, create(Some(v2)));
    assert_eq!(w.agreement(id).descriptor_id, v2);
    w.ok(&consumer, AgreementCommand::Delete { id });
    w.ok(&consumer, create(None));
    assert_eq!(w.agreement(id).descriptor_id, v2);
    w.ok(&consumer, AgreementCommand::Delete { id });

    // While the current version is suspended there is nothing to subscribe to.
    let producer = w.as_admin(p);
    w.ok(
        &producer,
        EServiceCommand::SuspendDescriptor {
            eservice: e,
            id: v2,
        },
    );
    assert_eq!(
        w.code(&consumer, create(None)),
        ErrorCode::NO_PUBLISHED_DESCRIPTOR
    );
}

// seed: "Sospendere o riattivare una richiesta di fruizione" — "Se l'ente erogatore sospende ..., l'ente fruitore non potrà riattivarla, e viceversa"
#[test]
fn agreement_suspension_is_two_sided() {
    let (mut w, p, c, e, _) = market(10, 10);
    let a = w.active_agreement(c, e);
    let flags = |w: &World| {
        let s = w.agreement(a).suspension;
        (s.suspended_by_consumer, s.suspended_by_producer)
    };
    w.suspend_agreement(c, a).unwrap();
    assert_eq!(
        (w.agreement(a).state, flags(&w)),
        (AgreementState::Suspended, (true, false))
    );
    assert_eq!(
        w.suspend_agreement(c, a),
        Err(ErrorCode::AGREEMENT_STATE_CONFLICT)
    );
    assert_eq!(
        w.activate_agreement(p, a),
        Err(ErrorCode::AGREEMENT_STATE_CONFLICT)
    );
    w.suspend_agreement(p, a).unwrap();
    assert_eq!(
        (w.agreement(a).state, flags(&w)),
        (AgreementState::Suspended, (true, true))
    );
    w.activate_agreement(c, a).unwrap();
    assert_eq!(
        (w.agreement(a).state, flags(&w)),
        (AgreementState::Suspended, (false, true))
    );
    assert_eq!(
        w.activate_agreement(c, a),
        Err(ErrorCode::AGREEMENT_STATE_CONFLICT)
    );
    w.activate_agreement(p, a).unwrap();
    assert_eq!(
        (w.agreement(a).state, flags(&w)),
        (AgreementState::Active, (false, false))
    );

    // A third tenant does not even see it.
    let other = w.tenant("Stranger");
    assert_eq!(
        w.suspend_agreement(other, a),
        Err(ErrorCode::AGREEMENT_NOT_FOUND)
    );
}

// seed: "Aggiornare una richiesta di fruizione" + "Archiviare una richiesta di fruizione"
#[test]
fn upgrade_archives_the_old_agreement_and_purposes_follow() {
    let (mut w, p, c, e, v1) = market(100, 1_000);
    let a = w.active_agreement(c, e);
    let (p1, p1v) = w.purpose(c, e, 100);
    assert_eq!(w.vstate(p1, p1v), PV::Active);
    let consumer = w.as_admin(c);
    let new_id = AgreementId(w.uuid());
    assert_eq!(
        w.code(&consumer, AgreementCommand::Upgrade { id: a, new_id }),
        ErrorCode::NO_NEWER_DESCRIPTOR
    );

    let v2 = w.version(p, e, fields(200, 1_000, ApprovalPolicy::Automatic));
    // Until the upgrade the agreement's own version (v1) sets the limits.
    let (p2, p2v) = w.purpose(c, e, 50);
    assert_eq!(w.vstate(p2, p2v), PV::WaitingForApproval);

    w.ok(&consumer, AgreementCommand::Upgrade { id: a, new_id });
    assert_eq!(w.agreement(a).state, AgreementState::Archived);
    assert_eq!(w.agreement(a).descriptor_id, v1);
    let new = w.agreement(new_id);
    assert_eq!(
        (
            new.state,
            new.descriptor_id,
            new.consumer_id,
            new.eservice_id
        ),
        (AgreementState::Active, v2, c, e)
    );
    assert_eq!(w.s.live_agreement(c, e).map(|x| x.id), Some(new_id));

    // The purposes follow: still operative, and now under v2's limits (100 + 50 ≤ 200).
    assert!(operativity(&w.s, p1).unwrap().operative);
    assert_eq!(w.vstate(p1, p1v), PV::Active);
    let (p3, p3v) = w.purpose(c, e, 50);
    assert_eq!(w.vstate(p3, p3v), PV::Active);

    // v1 has no agreement left: it can be archived now.
    let producer = w.as_admin(p);
    w.ok(
        &producer,
        EServiceCommand::ArchiveDescriptor {
            eservice: e,
            id: v1,
        },
    );
    assert_eq!(w.dstate(e, v1), DescriptorState::Archived);

    // Nothing newer than v2.
    let newer = AgreementId(w.uuid());
    assert_eq!(
        w.code(
            &consumer,
            AgreementCommand::Upgrade {
                id: new_id,
                new_id: newer
            }
        ),
        ErrorCode::NO_NEWER_DESCRIPTOR
    );
    // The archived one cannot be upgraded again.
    assert_eq!(
        w.code(
            &consumer,
            AgreementCommand::Upgrade {
                id: a,
                new_id: newer
            }
        ),
        ErrorCode::AGREEMENT_STATE_CONFLICT
    );
}

// ------------------------------------------------------------------------------------------
// E-services and descriptors
// ------------------------------------------------------------------------------------------

// seed: "Pubblicare una versione di e-service" — "Se la pubblicazione fallisce, ... uno o più campi richiesti non sono stati compilati"
#[test]
fn publishing_an_incomplete_draft_names_the_missing_fields() {
    let mut w = World::new();
    let p = w.tenant("Producer");
    let producer = w.as_admin(p);
    let (e, d) = w.draft_eservice(p, Default::default(), DescriptorFields::default());
    let err = w.refused(
        &producer,
        EServiceCommand::PublishDescriptor { eservice: e, id: d },
    );
    assert_eq!(err.code, ErrorCode::DESCRIPTOR_INCOMPLETE);
    assert_eq!(
        err.fields,
        [
            "audience",
            "voucher_lifespan",
            "daily_calls_per_consumer",
            "daily_calls_total",
            "agreement_approval_policy",
            "server_urls"
        ]
    );
    assert!(err.detail.contains("audience") && err.detail.contains("server_urls"));
    assert_eq!(w.dstate(e, d), DescriptorState::Draft);

    let mut partial = automatic();
    partial.audience.clear();
    partial.agreement_approval_policy = None;
    w.ok(
        &producer,
        EServiceCommand::UpdateDescriptor {
            eservice: e,
            id: d,
            fields: partial,
        },
    );
    let err = w.refused(
        &producer,
        EServiceCommand::PublishDescriptor { eservice: e, id: d },
    );
    assert_eq!(err.code, ErrorCode::DESCRIPTOR_INCOMPLETE);
    assert_eq!(err.fields, ["audience", "agreement_approval_policy"]);

    w.ok(
        &producer,
        EServiceCommand::UpdateDescriptor {
            eservice: e,
            id: d,
            fields: automatic(),
        },
    );
    w.ok(
        &producer,
        EServiceCommand::PublishDescriptor { eservice: e, id: d },
    );
    assert_eq!(w.dstate(e, d), DescriptorState::Published);
    assert_eq!(w.descriptor(e, d).published_at, Some(w.now));
    assert_eq!(
        w.code(
            &producer,
            EServiceCommand::PublishDescriptor { eservice: e, id: d }
        ),
        ErrorCode::DESCRIPTOR_STATE_CONFLICT
    );
}

// seed: "Pubblicare una versione di e-service" — "mandando la versione precedente in stato \"deprecato\""
#[test]
fn publishing_deprecates_the_previous_version() {
    let (mut w, p, _c, e, v1) = market(10, 10);
    let v2 = w.version(p, e, automatic());
    assert_eq!(
        (w.dstate(e, v1), w.dstate(e, v2)),
        (DescriptorState::Deprecated, DescriptorState::Published)
    );
    let v3 = w.version(p, e, automatic());
    assert_eq!(
        (w.dstate(e, v1), w.dstate(e, v2), w.dstate(e, v3)),
        (
            DescriptorState::Deprecated,
            DescriptorState::Deprecated,
            DescriptorState::Published
        )
    );
}

// seed: "Creare una nuova versione di e-service" — "non è possibile avere più bozze contemporaneamente"
#[test]
fn at_most_one_draft_version() {
    let (mut w, p, _c, e, _) = market(10, 10);
    w.draft_version(p, e, None);
    let producer = w.as_admin(p);
    let id = DescriptorId(w.uuid());
    assert_eq!(
        w.code(
            &producer,
            EServiceCommand::CreateDescriptor {
                eservice: e,
                id,
                fields: None
            }
        ),
        ErrorCode::DRAFT_DESCRIPTOR_EXISTS
    );
    assert_eq!(w.s.eservices[&e].descriptors.len(), 2);
}

// seed: "Creare una nuova versione di e-service" — "numerate automaticamente in ordine crescente"
#[test]
fn versions_are_numbered_automatically() {
    let (mut w, p, _c, e, v1) = market(10, 10);
    let v2 = w.version(p, e, automatic());
    let v3 = w.draft_version(p, e, None);
    let versions = |w: &World| {
        w.s.eservices[&e]
            .descriptors
            .iter()
            .map(|d| (d.id, d.version))
            .collect::<Vec<_>>()
    };
    assert_eq!(versions(&w), vec![(v1, 1), (v2, 2), (v3, 3)]);
    // A draft without fields starts from the latest version's fields.
    assert_eq!(w.descriptor(e, v3).fields, automatic());
    // After deleting the draft, the next one is still numbered after every existing version.
    let producer = w.as_admin(p);
    w.ok(
        &producer,
        EServiceCommand::DeleteDescriptor {
            eservice: e,
            id: v3,
        },
    );
    let v4 = w.draft_version(p, e, None);
    assert!(w.descriptor(e, v4).version > 2);
}

// seed: "Sospendere o riattivare una versione di e-service" — "Per sospenderla ... \"attivo\" o \"deprecato\". Per riattivarla, ... \"sospeso\""
#[test]
fn suspend_and_reactivate_return_to_the_prior_state() {
    let (mut w, p, _c, e, v1) = market(10, 10);
    let producer = w.as_admin(p);
    let suspend = |id| EServiceCommand::SuspendDescriptor { eservice: e, id };
    let activate = |id| EServiceCommand::ActivateDescriptor { eservice: e, id };

    w.ok(&producer, suspend(v1));
    assert_eq!(w.dstate(e, v1), DescriptorState::Suspended);
    assert_eq!(
        w.descriptor(e, v1).suspended_from,
        Some(DescriptorState::Published)
    );
    assert_eq!(
        w.code(&producer, suspend(v1)),
        ErrorCode::DESCRIPTOR_STATE_CONFLICT
    );
    w.ok(&producer, activate(v1));
    assert_eq!(w.dstate(e, v1), DescriptorState::Published);
    assert_eq!(w.descriptor(e, v1).suspended_from, None);
    assert_eq!(
        w.code(&producer, activate(v1)),
        ErrorCode::DESCRIPTOR_STATE_CONFLICT
    );

    let v2 = w.version(p, e, automatic());
    w.ok(&producer, suspend(v1));
    w.ok(&producer, activate(v1));
    assert_eq!(w.dstate(e, v1), DescriptorState::Deprecated);
    assert_eq!(w.dstate(e, v2), DescriptorState::Published);

    let v3 = w.draft_version(p, e, None);
    assert_eq!(
        w.code(&producer, suspend(v3)),
        ErrorCode::DESCRIPTOR_STATE_CONFLICT
    );
    assert_eq!(
        w.code(&producer, activate(v3)),
        ErrorCode::DESCRIPTOR_STATE_CONFLICT
    );
}

// seed: "Pubblicare una versione ..." + "Sospendere o riattivare ..." — a suspended current version comes back deprecated
#[test]
fn publishing_while_the_current_version_is_suspended() {
    let (mut w, p, _c, e, v1) = market(10, 10);
    let producer = w.as_admin(p);
    w.ok(
        &producer,
        EServiceCommand::SuspendDescriptor {
            eservice: e,
            id: v1,
        },
    );
    assert!(w.s.eservices[&e].published().is_none());
    let v2 = w.version(p, e, automatic());
    assert_eq!(w.dstate(e, v1), DescriptorState::Suspended);
    assert_eq!(
        w.descriptor(e, v1).suspended_from,
        Some(DescriptorState::Deprecated)
    );
    assert_eq!(w.dstate(e, v2), DescriptorState::Published);
    w.ok(
        &producer,
        EServiceCommand::ActivateDescriptor {
            eservice: e,
            id: v1,
        },
    );
    assert_eq!(
        (w.dstate(e, v1), w.dstate(e, v2)),
        (DescriptorState::Deprecated, DescriptorState::Published)
    );
    let published: Vec<_> = w.s.eservices[&e]
        .descriptors
        .iter()
        .filter(|d| d.state == DescriptorState::Published)
        .map(|d| d.id)
        .collect();
    assert_eq!(published, vec![v2], "exactly one PUBLISHED version");
}

// seed: "Archiviare una versione di e-service" — "Quando tutte le richieste di fruizione ... sono state aggiornate"
#[test]
fn archive_only_a_deprecated_version_without_live_agreements() {
    let (mut w, p, c, e, v1) = market(10, 10);
    let producer = w.as_admin(p);
    let archive = |id| EServiceCommand::ArchiveDescriptor { eservice: e, id };
    assert_eq!(
        w.code(&producer, archive(v1)),
        ErrorCode::DESCRIPTOR_STATE_CONFLICT
    );
    let a = w.active_agreement(c, e);
    let v2 = w.version(p, e, automatic());
    assert_eq!(
        w.code(&producer, archive(v1)),
        ErrorCode::DESCRIPTOR_HAS_AGREEMENTS
    );
    assert_eq!(
        w.code(&producer, archive(v2)),
        ErrorCode::DESCRIPTOR_STATE_CONFLICT
    );
    // A suspended deprecated version is not DEPRECATED.
    w.ok(
        &producer,
        EServiceCommand::SuspendDescriptor {
            eservice: e,
            id: v1,
        },
    );
    assert_eq!(
        w.code(&producer, archive(v1)),
        ErrorCode::DESCRIPTOR_STATE_CONFLICT
    );
    w.ok(
        &producer,
        EServiceCommand::ActivateDescriptor {
            eservice: e,
            id: v1,
        },
    );

    let consumer = w.as_admin(c);
    let new_id = AgreementId(w.uuid());
    w.ok(&consumer, AgreementCommand::Upgrade { id: a, new_id });
    w.ok(&producer, archive(v1));
    assert_eq!(w.dstate(e, v1), DescriptorState::Archived);
    // Irreversible.
    assert_eq!(
        w.code(&producer, archive(v1)),
        ErrorCode::DESCRIPTOR_STATE_CONFLICT
    );
    assert_eq!(
        w.code(
            &producer,
            EServiceCommand::SuspendDescriptor {
                eservice: e,
                id: v1
            }
        ),
        ErrorCode::DESCRIPTOR_STATE_CONFLICT
    );
    assert_eq!(
        w.code(
            &producer,
            EServiceCommand::ActivateDescriptor {
                eservice: e,
                id: v1
            }
        ),
        ErrorCode::DESCRIPTOR_STATE_CONFLICT
    );
}

// seed: "Cancellare una bozza di e-service" — "Sarà sempre possibile, però cancellare le versioni succesive ... in stato di bozza"
#[test]
fn delete_a_draft_version_only() {
    let (mut w, p, _c, e, v1) = market(10, 10);
    let producer = w.as_admin(p);
    let v2 = w.draft_version(p, e, None);
    w.ok(
        &producer,
        EServiceCommand::DeleteDescriptor {
            eservice: e,
            id: v2,
        },
    );
    let ids: Vec<_> = w.s.eservices[&e].descriptors.iter().map(|d| d.id).collect();
    assert_eq!(ids, vec![v1]);
    assert_eq!(
        w.code(
            &producer,
            EServiceCommand::DeleteDescriptor {
                eservice: e,
                id: v1
            }
        ),
        ErrorCode::DESCRIPTOR_STATE_CONFLICT
    );
    assert_eq!(
        w.code(
            &producer,
            EServiceCommand::DeleteDescriptor {
                eservice: e,
                id: v2
            }
        ),
        ErrorCode::DESCRIPTOR_NOT_FOUND
    );
}

// seed: "Cancellare una bozza di e-service" — "Se invece esiste una versione già pubblicata, non è possibile cancellare l'e-service per intero"
#[test]
fn delete_an_eservice_only_if_never_published() {
    let mut w = World::new();
    let p = w.tenant("Producer");
    let producer = w.as_admin(p);
    let (draft, _) = w.draft_eservice(p, Default::default(), automatic());
    w.ok(&producer, EServiceCommand::Delete { id: draft });
    assert!(!w.s.eservices.contains_key(&draft));

    let (e, _) = w.eservice(p, Default::default(), automatic());
    assert_eq!(
        w.code(&producer, EServiceCommand::Delete { id: e }),
        ErrorCode::ESERVICE_HAS_PUBLISHED_VERSIONS
    );
    assert!(w.s.eservices.contains_key(&e));
    // Someone else's e-service is not theirs to delete.
    let other = w.tenant("Other producer");
    let (theirs, _) = w.draft_eservice(other, Default::default(), automatic());
    // (a draft of another producer does not even exist for this one)
    assert_eq!(
        w.code(&producer, EServiceCommand::Delete { id: theirs }),
        ErrorCode::ESERVICE_NOT_FOUND
    );
}

// seed: "Clonare un e-service" — "solo versioni ... \"attivo\" o \"deprecato\" ... numerazione ... partirà dalla 1"
#[test]
fn clone_from_published_or_deprecated_makes_a_new_v1_draft() {
    let mut w = World::new();
    let p = w.tenant("Producer");
    let producer = w.as_admin(p);
    let comune = w.attribute(AttributeKind::Certified, "Comune");
    let attrs = AttributeRequirements {
        certified: req(&[&[comune]], false),
        ..Default::default()
    };
    let (e, v1) = w.eservice(p, attrs.clone(), fields(5, 50, ApprovalPolicy::Manual));
    let v2 = w.version(p, e, automatic());
    let v3 = w.draft_version(p, e, None);
    let clone = |w: &mut World, from, name: Option<&str>| {
        let id = EServiceId(w.uuid());
        let new_descriptor = DescriptorId(w.uuid());
        let r = w.run(
            &producer,
            EServiceCommand::Clone(EServiceClone {
                source: e,
                descriptor: from,
                id,
                new_descriptor,
                name: name.map(String::from),
            }),
        );
        r.map(|_| (id, new_descriptor)).map_err(|e| e.code)
    };

    let (c1, c1d) = clone(&mut w, v2, None).unwrap();
    let src_name = w.s.eservices[&e].name.clone();
    let cloned = &w.s.eservices[&c1];
    assert_eq!(cloned.name, format!("{src_name} - copy"));
    assert_eq!(cloned.producer_id, p);
    assert_eq!(cloned.attributes, attrs);
    assert_eq!(cloned.descriptors.len(), 1);
    let d = &cloned.descriptors[0];
    assert_eq!((d.id, d.version, d.state), (c1d, 1, DescriptorState::Draft));
    assert_eq!(d.fields, automatic());

    // From the deprecated v1: its own fields.
    let (c2, c2d) = clone(&mut w, v1, Some("A named clone")).unwrap();
    assert_eq!(w.s.eservices[&c2].name, "A named clone");
    assert_eq!(
        w.descriptor(c2, c2d).fields,
        fields(5, 50, ApprovalPolicy::Manual)
    );
    assert_eq!(w.descriptor(c2, c2d).version, 1);

    // Not from a draft, nor from a suspended version.
    assert_eq!(
        clone(&mut w, v3, None),
        Err(ErrorCode::DESCRIPTOR_STATE_CONFLICT)
    );
    w.ok(
        &producer,
        EServiceCommand::SuspendDescriptor {
            eservice: e,
            id: v2,
        },
    );
    assert_eq!(
        clone(&mut w, v2, None),
        Err(ErrorCode::DESCRIPTOR_STATE_CONFLICT)
    );
}

// seed: "Creare un nuovo e-service" — "una volta pubblicata la versione 1 ..., non è più possibile modificare le informazioni generali"
#[test]
fn general_information_is_immutable_after_v1() {
    let mut w = World::new();
    let p = w.tenant("Producer");
    let producer = w.as_admin(p);
    let (e, v1) = w.draft_eservice(p, Default::default(), automatic());
    let mut info = w.info(Default::default());
    info.name = "Renamed e-service".into();
    info.technology = Technology::Soap;
    w.ok(
        &producer,
        EServiceCommand::Update {
            id: e,
            info: info.clone(),
        },
    );
    assert_eq!(w.s.eservices[&e].name, "Renamed e-service");
    assert_eq!(w.s.eservices[&e].technology, Technology::Soap);

    w.publish(p, e, v1);
    let comune = w.attribute(AttributeKind::Certified, "Comune");
    info.attributes.certified = req(&[&[comune]], false);
    assert_eq!(
        w.code(
            &producer,
            EServiceCommand::Update {
                id: e,
                info: info.clone()
            }
        ),
        ErrorCode::ESERVICE_IMMUTABLE
    );
    // Also while a new version is a draft: change comes through versions, not general info.
    w.draft_version(p, e, None);
    assert_eq!(
        w.code(&producer, EServiceCommand::Update { id: e, info }),
        ErrorCode::ESERVICE_IMMUTABLE
    );
    assert!(w.s.eservices[&e].attributes.certified.is_empty());
}

// SPEC §1: "`voucher_lifespan` (60..86400 s), `daily_calls_per_consumer` ≤ `daily_calls_total` (1..1e9)"
#[test]
fn descriptor_bounds_voucher_lifespan_and_daily_calls() {
    let mut w = World::new();
    let p = w.tenant("Producer");
    let producer = w.as_admin(p);
    let (e, d) = w.draft_eservice(p, Default::default(), DescriptorFields::default());
    let update = |w: &mut World, f: DescriptorFields| {
        w.run(
            &producer,
            EServiceCommand::UpdateDescriptor {
                eservice: e,
                id: d,
                fields: f,
            },
        )
        .map(|_| ())
        .map_err(|e| (e.code, e.fields))
    };
    let bad = |field: &str| Err((ErrorCode::VALIDATION_FAILED, vec![field.to_string()]));
    let with = |f: &dyn Fn(&mut DescriptorFields)| {
        let mut x = automatic();
        f(&mut x);
        x
    };

    for (l, ok) in [(59, false), (60, true), (86_400, true), (86_401, false)] {
        let r = update(&mut w, with(&|x| x.voucher_lifespan = Some(l)));
        assert_eq!(
            r,
            if ok { Ok(()) } else { bad("voucher_lifespan") },
            "lifespan {l}"
        );
    }
    for (n, ok) in [
        (0, false),
        (1, true),
        (1_000_000_000, true),
        (1_000_000_001, false),
    ] {
        let r = update(
            &mut w,
            with(&|x| {
                x.daily_calls_per_consumer = Some(n);
                x.daily_calls_total = Some(n);
            }),
        );
        assert_eq!(
            r,
            if ok {
                Ok(())
            } else {
                bad("daily_calls_per_consumer")
            },
            "per {n}"
        );
        let r = update(
            &mut w,
            with(&|x| {
                x.daily_calls_per_consumer = Some(1);
                x.daily_calls_total = Some(n);
            }),
        );
        assert_eq!(
            r,
            if ok { Ok(()) } else { bad("daily_calls_total") },
            "total {n}"
        );
    }
    let r = update(
        &mut w,
        with(&|x| {
            x.daily_calls_per_consumer = Some(11);
            x.daily_calls_total = Some(10);
        }),
    );
    assert_eq!(r, bad("daily_calls_per_consumer"));
    let r = update(
        &mut w,
        with(&|x| {
            x.daily_calls_per_consumer = Some(10);
            x.daily_calls_total = Some(10);
        }),
    );
    assert_eq!(r, Ok(()));
    assert_eq!(w.descriptor(e, d).fields.daily_calls_per_consumer, Some(10));
}

// ------------------------------------------------------------------------------------------
// Purposes and the load threshold
// ------------------------------------------------------------------------------------------

// seed: "Creare una finalità" — "si potranno scegliere solo gli e-service per i quali l'ente ha una richiesta di fruizione attiva"
#[test]
fn purpose_needs_an_active_agreement() {
    let mut w = World::new();
    let p = w.tenant("Producer");
    let c = w.tenant("Consumer");
    let (e, _) = w.eservice(
        p,
        Default::default(),
        fields(10, 10, ApprovalPolicy::Manual),
    );
    let consumer = w.as_admin(c);
    let create = |w: &mut World| {
        let id = PurposeId(w.uuid());
        let version = PurposeVersionId(w.uuid());
        w.run(
            &consumer,
            PurposeCommand::Create(NewPurpose {
                id,
                version,
                eservice: e,
                title: "Purpose title".into(),
                description: "Why we need the data".into(),
                risk_analysis: risk(),
                daily_calls: 1,
            }),
        )
        .map(|_| id)
        .map_err(|e| e.code)
    };
    assert_eq!(
        create(&mut w),
        Err(ErrorCode::AGREEMENT_NOT_ACTIVE),
        "no agreement"
    );
    let a = w.subscribe(c, e);
    assert_eq!(
        create(&mut w),
        Err(ErrorCode::AGREEMENT_NOT_ACTIVE),
        "pending"
    );
    let producer = w.as_admin(p);
    w.ok(&producer, AgreementCommand::Approve { id: a });
    let draft = create(&mut w).unwrap();
    assert_eq!(w.purpose_(draft).versions[0].state, PV::Draft);
    w.suspend_agreement(p, a).unwrap();
    assert_eq!(
        create(&mut w),
        Err(ErrorCode::AGREEMENT_NOT_ACTIVE),
        "suspended"
    );
    // Publishing a draft needs it too.
    let v = w.purpose_(draft).versions[0].id;
    assert_eq!(
        w.code(
            &consumer,
            PurposeCommand::ActivateVersion {
                purpose: draft,
                version: v
            }
        ),
        ErrorCode::AGREEMENT_NOT_ACTIVE
    );
}

// seed: "Gestire il carico dell'e-service" / SPEC §1: "activates it automatically iff c + d ≤ daily_calls_per_consumer and t + d ≤ daily_calls_total"
#[test]
fn load_threshold_on_first_publication_is_exact() {
    let (mut w, p, c1, e, _) = market(100, 150);
    let c2 = w.tenant("Second consumer");
    w.active_agreement(c1, e);
    w.active_agreement(c2, e);

    let (a, av) = w.purpose(c1, e, 60);
    assert_eq!(w.vstate(a, av), PV::Active);
    // c + d = 60 + 40 = 100 = per_consumer: passes.
    let (b, bv) = w.purpose(c1, e, 40);
    assert_eq!(w.vstate(b, bv), PV::Active);
    // c + d = 101 > 100: waits.
    let (x, xv) = w.purpose(c1, e, 1);
    assert_eq!(w.vstate(x, xv), PV::WaitingForApproval);
    assert_eq!(w.purpose_(x).versions[0].activated_at, None);
    assert_eq!(
        w.load(e, c1),
        Load {
            consumer: 100,
            total: 100
        }
    );

    // Second consumer: c = 0, t + d = 100 + 50 = 150 = total: passes.
    let (y, yv) = w.purpose(c2, e, 50);
    assert_eq!(w.vstate(y, yv), PV::Active);
    assert_eq!(w.purpose_(y).versions[0].activated_at, Some(w.now));
    // c + d = 51 ≤ 100 but t + d = 151 > 150: waits on the total.
    let (z, zv) = w.purpose(c2, e, 1);
    assert_eq!(w.vstate(z, zv), PV::WaitingForApproval);
    assert_eq!(
        w.load(e, c2),
        Load {
            consumer: 50,
            total: 150
        }
    );

    // The producer's "finalità da evadere".
    let producer = w.as_admin(p);
    let waiting: Vec<_> = interop::domain::queries::waiting_purposes(&w.s, &producer, e)
        .unwrap()
        .iter()
        .map(|p| p.id)
        .collect();
    let mut expected = vec![x, z];
    expected.sort();
    assert_eq!(waiting, expected);
}

// seed: "Aggiornare la stima di carico di una finalità" — "Se il risultato ... è un valore sotto la soglia ..., verrà aggiornata automaticamente"
#[test]
fn new_estimate_under_threshold_replaces_the_active_version() {
    let (mut w, _p, c, e, _) = market(100, 1_000);
    w.active_agreement(c, e);
    let (p1, v1) = w.purpose(c, e, 60);
    // Interpretation under test: the purpose's own ACTIVE version is left out of c and t, since
    // the new estimate replaces it. 0 + 100 ≤ 100 fits (counting it, 60 + 100 would not).
    let v2 = w.estimate(p1, 100);
    assert_eq!(
        (w.vstate(p1, v1), w.vstate(p1, v2)),
        (PV::Archived, PV::Active)
    );
    assert_eq!(
        w.load(e, c),
        Load {
            consumer: 100,
            total: 100
        }
    );
    assert!(operativity(&w.s, p1).unwrap().operative);

    // Another purpose's load still counts: 30 + 70 = 100 fits.
    let v3 = w.estimate(p1, 30);
    assert_eq!(w.vstate(p1, v3), PV::Active);
    let (p2, p2v) = w.purpose(c, e, 30);
    assert_eq!(w.vstate(p2, p2v), PV::Active);
    let v4 = w.estimate(p1, 70);
    assert_eq!(
        (w.vstate(p1, v3), w.vstate(p1, v4)),
        (PV::Archived, PV::Active)
    );
    assert_eq!(
        w.load(e, c),
        Load {
            consumer: 100,
            total: 100
        }
    );
    assert_eq!(
        w.purpose_(p1)
            .versions
            .iter()
            .map(|v| v.state)
            .collect::<Vec<_>>(),
        vec![PV::Archived, PV::Archived, PV::Archived, PV::Active]
    );
}

// seed: "Aggiornare la stima di carico ..." — "In caso contrario, la finalità continuerà a funzionare con la stima di carico antecedente"
#[test]
fn new_estimate_over_threshold_waits_while_the_old_one_works() {
    let (mut w, _p, c, e, _) = market(100, 1_000);
    w.active_agreement(c, e);
    let (p1, v1) = w.purpose(c, e, 60);
    let (p2, _) = w.purpose(c, e, 30);
    // 30 (other purpose) + 71 = 101 > 100: waits, v1 keeps working.
    let v2 = w.estimate(p1, 71);
    assert_eq!(
        (w.vstate(p1, v1), w.vstate(p1, v2)),
        (PV::Active, PV::WaitingForApproval)
    );
    assert_eq!(
        w.load(e, c),
        Load {
            consumer: 90,
            total: 90
        }
    );
    assert!(operativity(&w.s, p1).unwrap().operative);
    assert_eq!(w.purpose_(p1).active().map(|v| v.daily_calls), Some(60));

    // One waiting estimate at a time.
    let consumer = w.as_admin(c);
    let v3 = PurposeVersionId(w.uuid());
    assert_eq!(
        w.code(
            &consumer,
            PurposeCommand::CreateVersion {
                purpose: p1,
                version: v3,
                daily_calls: 10
            }
        ),
        ErrorCode::PURPOSE_VERSION_PENDING
    );
    // The consumer may withdraw it.
    w.ok(
        &consumer,
        PurposeCommand::DeleteVersion {
            purpose: p1,
            version: v2,
        },
    );
    assert_eq!(w.purpose_(p1).versions.len(), 1);
    assert!(w.purpose_(p2).active().is_some());
}

// seed: "Gestire il carico dell'e-service" — "L'erogatore potrà attivare manualmente ognuna di quelle finalità"
#[test]
fn producer_approves_a_waiting_version() {
    let (mut w, p, c, e, _) = market(100, 1_000);
    w.active_agreement(c, e);
    let (p1, v1) = w.purpose(c, e, 100);
    let (p2, p2v) = w.purpose(c, e, 10);
    assert_eq!(w.vstate(p2, p2v), PV::WaitingForApproval);
    let v2 = w.estimate(p1, 150);
    assert_eq!(w.vstate(p1, v2), PV::WaitingForApproval);

    let consumer = w.as_admin(c);
    let producer = w.as_admin(p);
    let approve = |purpose, version| PurposeCommand::ApproveVersion { purpose, version };
    assert_eq!(w.code(&consumer, approve(p2, p2v)), ErrorCode::NOT_PRODUCER);
    let api = w.user(p, &[Role::Api]);
    assert_eq!(w.code(&api, approve(p2, p2v)), ErrorCode::ROLE_REQUIRED);

    // A first publication: ACTIVE although over the threshold.
    w.ok(&producer, approve(p2, p2v));
    assert_eq!(w.vstate(p2, p2v), PV::Active);
    assert_eq!(w.purpose_(p2).versions[0].activated_at, Some(w.now));
    // A new estimate: it replaces the active version.
    w.ok(&producer, approve(p1, v2));
    assert_eq!(
        (w.vstate(p1, v1), w.vstate(p1, v2)),
        (PV::Archived, PV::Active)
    );
    assert_eq!(
        w.load(e, c),
        Load {
            consumer: 160,
            total: 160
        }
    );
    assert_eq!(
        w.code(&producer, approve(p1, v2)),
        ErrorCode::PURPOSE_STATE_CONFLICT
    );
}

// seed: "Gestire il carico dell'e-service" — "definire una data di completamento ... La data di completamento è eventualmente modificabile unilateralmente dall'erogatore"
#[test]
fn expected_approval_date_is_set_and_changed_by_the_producer_only() {
    let (mut w, p, c, e, _) = market(10, 1_000);
    w.active_agreement(c, e);
    let (p1, v1) = w.purpose(c, e, 10);
    let (p2, v2) = w.purpose(c, e, 5);
    assert_eq!(w.vstate(p2, v2), PV::WaitingForApproval);
    let set = |purpose, version, date| PurposeCommand::SetExpectedApprovalDate {
        purpose,
        version,
        date,
    };
    let consumer = w.as_admin(c);
    let producer = w.as_admin(p);
    let expected = |w: &World| w.purpose_(p2).versions[0].expected_approval_date;

    assert_eq!(
        w.code(&consumer, set(p2, v2, date!(2026 - 03 - 01))),
        ErrorCode::NOT_PRODUCER
    );
    assert_eq!(expected(&w), None);
    w.ok(&producer, set(p2, v2, date!(2026 - 03 - 01)));
    assert_eq!(expected(&w), Some(date!(2026 - 03 - 01)));
    w.ok(&producer, set(p2, v2, date!(2026 - 04 - 15)));
    assert_eq!(expected(&w), Some(date!(2026 - 04 - 15)));
    // Today is fine, the past is not.
    w.ok(&producer, set(p2, v2, date!(2026 - 01 - 15)));
    let err = w.refused(&producer, set(p2, v2, date!(2026 - 01 - 14)));
    assert_eq!(
        (err.code, err.fields),
        (
            ErrorCode::VALIDATION_FAILED,
            vec!["expected_approval_date".into()]
        )
    );
    assert_eq!(expected(&w), Some(date!(2026 - 01 - 15)));
    // Only on a waiting version.
    assert_eq!(
        w.code(&producer, set(p1, v1, date!(2026 - 03 - 01))),
        ErrorCode::PURPOSE_STATE_CONFLICT
    );
    // The consumer sees it (it is on its purpose); approval clears it.
    w.ok(
        &producer,
        PurposeCommand::ApproveVersion {
            purpose: p2,
            version: v2,
        },
    );
    assert_eq!(expected(&w), None);
}

// seed: "Gestire il carico dell'e-service" — the producer decides on the waiting purposes
#[test]
fn producer_rejects_a_waiting_version() {
    let (mut w, p, c, e, _) = market(100, 1_000);
    w.active_agreement(c, e);
    let (p1, v1) = w.purpose(c, e, 60);
    let v2 = w.estimate(p1, 200);
    let producer = w.as_admin(p);
    let consumer = w.as_admin(c);
    let reason = "We cannot sustain that load this year".to_string();
    let reject = |version, reason: &str| PurposeCommand::RejectVersion {
        purpose: p1,
        version,
        reason: reason.into(),
    };
    assert_eq!(
        w.code(&consumer, reject(v2, &reason)),
        ErrorCode::NOT_PRODUCER
    );
    assert_eq!(
        w.code(&producer, reject(v2, "no")),
        ErrorCode::VALIDATION_FAILED
    );
    assert_eq!(
        w.code(&producer, reject(v1, &reason)),
        ErrorCode::PURPOSE_STATE_CONFLICT
    );
    w.ok(&producer, reject(v2, &reason));
    assert_eq!(
        (w.vstate(p1, v1), w.vstate(p1, v2)),
        (PV::Active, PV::Rejected)
    );
    let rejected = w.purpose_(p1).versions.iter().find(|v| v.id == v2).unwrap();
    assert_eq!(rejected.rejection_reason, Some(reason));
    // Nothing waits any more: the consumer may ask again.
    let v3 = w.estimate(p1, 80);
    assert_eq!(
        (w.vstate(p1, v1), w.vstate(p1, v3)),
        (PV::Archived, PV::Active)
    );
}

// seed: "Sospendere una finalità" — "verrà alleggerito il carico stimato ... Quel carico potrà essere usato per eventuali altre finalità"
#[test]
fn suspending_a_purpose_frees_its_load() {
    let (mut w, _p, c, e, _) = market(100, 1_000);
    w.active_agreement(c, e);
    let (p1, v1) = w.purpose(c, e, 100);
    let consumer = w.as_admin(c);
    w.ok(
        &consumer,
        PurposeCommand::SuspendVersion {
            purpose: p1,
            version: v1,
        },
    );
    assert_eq!(w.vstate(p1, v1), PV::Suspended);
    assert_eq!(
        w.load(e, c),
        Load {
            consumer: 0,
            total: 0
        }
    );
    let (p2, v2) = w.purpose(c, e, 100);
    assert_eq!(w.vstate(p2, v2), PV::Active);

    // Interpretation: reactivating re-checks the threshold; the freed load was taken, so the
    // suspended purpose comes back WAITING_FOR_APPROVAL rather than overloading the producer.
    w.ok(
        &consumer,
        PurposeCommand::ActivateVersion {
            purpose: p1,
            version: v1,
        },
    );
    assert_eq!(w.vstate(p1, v1), PV::WaitingForApproval);
    assert!(!w.purpose_(p1).suspension.any());
    assert_eq!(
        w.load(e, c),
        Load {
            consumer: 100,
            total: 100
        }
    );
}

// seed: "Aggiornare la stima di carico ..." + "Sospendere una finalità" — one pending estimate per purpose
// Interpretation: a newer estimate already waiting supersedes the reactivated one that no longer fits.
#[test]
fn reactivating_a_suspended_purpose_does_not_leave_two_waiting_versions() {
    let (mut w, _p, c, e, _) = market(100, 1_000);
    w.active_agreement(c, e);
    let (p1, v1) = w.purpose(c, e, 60);
    let v2 = w.estimate(p1, 101);
    assert_eq!(w.vstate(p1, v2), PV::WaitingForApproval);
    let consumer = w.as_admin(c);
    w.ok(
        &consumer,
        PurposeCommand::SuspendVersion {
            purpose: p1,
            version: v1,
        },
    );
    // Its freed load is taken by another purpose.
    let (p2, p2v) = w.purpose(c, e, 100);
    assert_eq!(w.vstate(p2, p2v), PV::Active);
    let _ = w.run(
        &consumer,
        PurposeCommand::ActivateVersion {
            purpose: p1,
            version: v1,
        },
    );
    let waiting = w
        .purpose_(p1)
        .versions
        .iter()
        .filter(|v| v.state == PV::WaitingForApproval)
        .count();
    assert_eq!(waiting, 1, "{:?}", w.purpose_(p1).versions);
    assert_eq!(w.vstate(p1, v1), PV::Archived);
    assert_eq!(w.vstate(p1, v2), PV::WaitingForApproval);
}

// seed: "Archiviare una finalità" — "viene alleggerito il carico stimato ... Quest'azione è irreversibile"
#[test]
fn archiving_a_purpose_frees_its_load() {
    let (mut w, _p, c, e, _) = market(100, 1_000);
    w.active_agreement(c, e);
    let (p1, v1) = w.purpose(c, e, 60);
    let v2 = w.estimate(p1, 500);
    let consumer = w.as_admin(c);
    w.ok(
        &consumer,
        PurposeCommand::ArchiveVersion {
            purpose: p1,
            version: v1,
        },
    );
    // Every live version goes, the waiting estimate included.
    assert_eq!(
        (w.vstate(p1, v1), w.vstate(p1, v2)),
        (PV::Archived, PV::Archived)
    );
    assert!(w.purpose_(p1).is_archived());
    assert_eq!(
        w.load(e, c),
        Load {
            consumer: 0,
            total: 0
        }
    );
    let (p2, p2v) = w.purpose(c, e, 100);
    assert_eq!(w.vstate(p2, p2v), PV::Active);
    // Irreversible.
    assert_eq!(
        w.code(
            &consumer,
            PurposeCommand::ActivateVersion {
                purpose: p1,
                version: v1
            }
        ),
        ErrorCode::PURPOSE_STATE_CONFLICT
    );
    let v3 = PurposeVersionId(w.uuid());
    assert_eq!(
        w.code(
            &consumer,
            PurposeCommand::CreateVersion {
                purpose: p1,
                version: v3,
                daily_calls: 1
            }
        ),
        ErrorCode::PURPOSE_STATE_CONFLICT
    );
    // And its clients can no longer be attached to it.
    let client = w.client(c, ClientKind::Consumer, &[]);
    assert_eq!(
        w.code(
            &consumer,
            ClientCommand::AddPurpose {
                client,
                purpose: p1
            }
        ),
        ErrorCode::PURPOSE_STATE_CONFLICT
    );
}

// seed: "Eliminare una finalità" — "È possibile eliminare una finalità solamente quando questa è in bozza"
#[test]
fn delete_only_draft_purposes() {
    let (mut w, _p, c, e, _) = market(100, 1_000);
    w.active_agreement(c, e);
    let consumer = w.as_admin(c);
    let (draft, _) = w.draft_purpose(c, e, 10);
    let client = w.client(c, ClientKind::Consumer, &[]);
    w.ok(
        &consumer,
        ClientCommand::AddPurpose {
            client,
            purpose: draft,
        },
    );
    w.ok(&consumer, PurposeCommand::Delete { id: draft });
    assert!(!w.s.purposes.contains_key(&draft));
    assert!(
        w.client_(client).purposes.is_empty(),
        "detached from its clients"
    );

    let (published, _) = w.purpose(c, e, 10);
    assert_eq!(
        w.code(&consumer, PurposeCommand::Delete { id: published }),
        ErrorCode::PURPOSE_STATE_CONFLICT
    );
    let (waiting, wv) = w.purpose(c, e, 1_000);
    assert_eq!(w.vstate(waiting, wv), PV::WaitingForApproval);
    assert_eq!(
        w.code(&consumer, PurposeCommand::Delete { id: waiting }),
        ErrorCode::PURPOSE_STATE_CONFLICT
    );
}

// seed: "Finalità" two-sided suspension (SPEC §1: "Suspend (consumer or producer, unilateral, flags as for agreements)")
#[test]
fn purpose_suspension_is_two_sided() {
    let (mut w, p, c, e, _) = market(100, 1_000);
    w.active_agreement(c, e);
    let (p1, v1) = w.purpose(c, e, 10);
    let consumer = w.as_admin(c);
    let producer = w.as_admin(p);
    let suspend = PurposeCommand::SuspendVersion {
        purpose: p1,
        version: v1,
    };
    let activate = PurposeCommand::ActivateVersion {
        purpose: p1,
        version: v1,
    };
    let flags = |w: &World| {
        let s = w.purpose_(p1).suspension;
        (
            w.vstate(p1, v1),
            s.suspended_by_consumer,
            s.suspended_by_producer,
        )
    };
    w.ok(&consumer, suspend.clone());
    w.ok(&producer, suspend.clone());
    assert_eq!(flags(&w), (PV::Suspended, true, true));
    w.ok(&consumer, activate.clone());
    assert_eq!(flags(&w), (PV::Suspended, false, true));
    assert_eq!(
        w.code(&consumer, activate.clone()),
        ErrorCode::PURPOSE_STATE_CONFLICT
    );
    w.ok(&producer, activate.clone());
    assert_eq!(flags(&w), (PV::Active, false, false));
}

// seed: SPEC §1 "Show remaining daily calls (per consumer and total) for a purpose."
#[test]
fn remaining_daily_calls() {
    let (mut w, _p, c1, e, _) = market(100, 300);
    let c2 = w.tenant("Second consumer");
    w.active_agreement(c1, e);
    w.active_agreement(c2, e);
    let (p1, _) = w.purpose(c1, e, 30);
    w.purpose(c2, e, 50);
    w.purpose(c2, e, 500); // waiting: not counted
    let load = w.load(e, c1);
    assert_eq!(
        load,
        Load {
            consumer: 30,
            total: 80
        }
    );
    assert_eq!(purpose::remaining(load, 100, 300), (70, 220));
    assert_eq!(
        purpose::remaining(
            Load {
                consumer: 150,
                total: 400
            },
            100,
            300
        ),
        (0, 0)
    );

    let consumer = w.as_admin(c1);
    let r = interop::domain::queries::remaining_calls(&w.s, &consumer, p1).unwrap();
    assert_eq!(
        (
            r.daily_calls_per_consumer,
            r.daily_calls_total,
            r.remaining_per_consumer,
            r.remaining_total
        ),
        (100, 300, 70, 220)
    );
}

// ------------------------------------------------------------------------------------------
// Operativity
// ------------------------------------------------------------------------------------------

// seed: "Operatività e sospensioni" — "Esistono tre punti nei quali è possibile limitare l'operatività del servizio"
#[test]
fn operativity_reports_who_stopped_what() {
    let (mut w, p, c, e, d) = market(100, 1_000);
    let a = w.active_agreement(c, e);
    let (p1, v1) = w.purpose(c, e, 10);
    let producer = w.as_admin(p);
    let consumer = w.as_admin(c);
    let blockers = |w: &World| {
        let o = operativity(&w.s, p1).unwrap();
        assert_eq!(o.purpose_id, p1);
        assert_eq!(o.operative, o.blockers.is_empty());
        o.blockers
    };
    assert_eq!(blockers(&w), vec![]);
    assert!(operativity(&w.s, p1).unwrap().operative);

    // 1. The producer suspends the version.
    w.ok(
        &producer,
        EServiceCommand::SuspendDescriptor { eservice: e, id: d },
    );
    assert_eq!(
        blockers(&w),
        vec![Blocker::Descriptor {
            descriptor_id: d,
            state: DescriptorState::Suspended
        }]
    );
    w.ok(
        &producer,
        EServiceCommand::ActivateDescriptor { eservice: e, id: d },
    );
    assert_eq!(blockers(&w), vec![]);

    // 2. Either party suspends the agreement.
    let agreement_blocker = |by: Vec<Side>| Blocker::Agreement {
        agreement_id: a,
        state: AgreementState::Suspended,
        suspended_by: by,
    };
    w.suspend_agreement(c, a).unwrap();
    assert_eq!(blockers(&w), vec![agreement_blocker(vec![Side::Consumer])]);
    w.suspend_agreement(p, a).unwrap();
    assert_eq!(
        blockers(&w),
        vec![agreement_blocker(vec![Side::Consumer, Side::Producer])]
    );
    w.activate_agreement(c, a).unwrap();
    assert_eq!(blockers(&w), vec![agreement_blocker(vec![Side::Producer])]);
    w.activate_agreement(p, a).unwrap();
    assert_eq!(blockers(&w), vec![]);

    // 3. The purpose, by whom.
    let suspend = PurposeCommand::SuspendVersion {
        purpose: p1,
        version: v1,
    };
    let activate = PurposeCommand::ActivateVersion {
        purpose: p1,
        version: v1,
    };
    let purpose_blocker = |by: Vec<Side>| Blocker::Purpose {
        state: Some(PV::Suspended),
        suspended_by: by,
    };
    w.ok(&consumer, suspend.clone());
    assert_eq!(blockers(&w), vec![purpose_blocker(vec![Side::Consumer])]);
    w.ok(&consumer, activate.clone());
    w.ok(&producer, suspend.clone());
    assert_eq!(blockers(&w), vec![purpose_blocker(vec![Side::Producer])]);

    // Every blocker is listed, not only the first.
    w.ok(
        &producer,
        EServiceCommand::SuspendDescriptor { eservice: e, id: d },
    );
    w.suspend_agreement(p, a).unwrap();
    assert_eq!(
        blockers(&w),
        vec![
            Blocker::Descriptor {
                descriptor_id: d,
                state: DescriptorState::Suspended
            },
            agreement_blocker(vec![Side::Producer]),
            purpose_blocker(vec![Side::Producer]),
        ]
    );
    w.ok(
        &producer,
        EServiceCommand::ActivateDescriptor { eservice: e, id: d },
    );
    w.activate_agreement(p, a).unwrap();
    w.ok(&producer, activate);
    assert_eq!(blockers(&w), vec![]);
}

// ------------------------------------------------------------------------------------------
// Clients and keys
// ------------------------------------------------------------------------------------------

// seed: "A cosa servono le API M2M?" / "Come utilizzare le API M2M" — "Le chiavi depositate nei client Interop potranno essere usate esclusivamente per ... Interop M2M"
#[test]
fn api_clients_cannot_be_attached_to_purposes() {
    let (mut w, _p, c, e, _) = market(100, 1_000);
    w.active_agreement(c, e);
    let (p1, _) = w.purpose(c, e, 10);
    let consumer = w.as_admin(c);
    let api = w.client(c, ClientKind::Api, &[]);
    assert_eq!(
        w.code(
            &consumer,
            ClientCommand::AddPurpose {
                client: api,
                purpose: p1
            }
        ),
        ErrorCode::CLIENT_KIND_MISMATCH
    );
    assert!(w.client_(api).purposes.is_empty());
    let cons = w.client(c, ClientKind::Consumer, &[]);
    w.ok(
        &consumer,
        ClientCommand::AddPurpose {
            client: cons,
            purpose: p1,
        },
    );
    assert_eq!(w.client_(cons).purposes, BTreeSet::from([p1]));
    assert_eq!(
        w.s.clients_of(p1).map(|x| x.id).collect::<Vec<_>>(),
        vec![cons]
    );
}

// seed: "Client" — "un gruppo di operatori di sicurezza autorizzati a caricare chiavi pubbliche"
#[test]
fn client_members_must_be_security_operators_or_admins() {
    let mut w = World::new();
    let c = w.tenant("Consumer");
    let consumer = w.as_admin(c);
    let sec = w.user(c, &[Role::Security]);
    let api = w.user(c, &[Role::Api]);
    let admin2 = w.user(c, &[Role::Admin]);
    let id = ClientId(w.uuid());
    let create = |members: &[UserId]| {
        ClientCommand::Create(NewClient {
            id,
            name: "client".into(),
            description: String::new(),
            kind: ClientKind::Consumer,
            members: members.iter().copied().collect(),
        })
    };
    assert_eq!(
        w.code(&consumer, create(&[sec.user, api.user])),
        ErrorCode::USER_ROLE_MISMATCH
    );
    assert_eq!(w.code(&sec, create(&[sec.user])), ErrorCode::ROLE_REQUIRED);
    w.ok(&consumer, create(&[sec.user]));
    let add = |user| ClientCommand::AddMember { client: id, user };
    assert_eq!(
        w.code(&consumer, add(api.user)),
        ErrorCode::USER_ROLE_MISMATCH
    );
    assert_eq!(
        w.code(&consumer, add(UserId(Uuid::nil()))),
        ErrorCode::USER_NOT_FOUND
    );
    w.ok(&consumer, add(admin2.user));
    assert_eq!(
        w.code(&consumer, add(admin2.user)),
        ErrorCode::USER_ALREADY_EXISTS
    );
    assert_eq!(
        w.client_(id).members,
        BTreeSet::from([sec.user, admin2.user])
    );
    // A user of another tenant cannot be a member.
    let other = w.tenant("Other");
    let stranger = w.user(other, &[Role::Security]);
    assert_eq!(
        w.code(&consumer, add(stranger.user)),
        ErrorCode::USER_NOT_FOUND
    );
}

// seed: "Caricare una chiave pubblica" — "un'operatore di sicurezza ... troverà i client ai quali è associato"
#[test]
fn keys_are_uploaded_only_by_members() {
    let mut w = World::new();
    let c = w.tenant("Consumer");
    let member = w.user(c, &[Role::Security]);
    let outsider = w.user(c, &[Role::Security]);
    let api = w.user(c, &[Role::Api]);
    let admin = w.as_admin(c);
    let client = w.client(c, ClientKind::Consumer, &[member.user]);

    // An admin sees the client but is not a member of it.
    assert_eq!(
        w.add_key(&admin, client, key("client-a.pub.pem")),
        Err(ErrorCode::NOT_CLIENT_MEMBER)
    );
    // A security operator of another client does not even see it.
    assert_eq!(
        w.add_key(&outsider, client, key("client-a.pub.pem")),
        Err(ErrorCode::CLIENT_NOT_FOUND)
    );
    assert_eq!(
        w.add_key(&api, client, key("client-a.pub.pem")),
        Err(ErrorCode::ROLE_REQUIRED)
    );
    assert!(w.client_(client).keys.is_empty());

    w.add_key(&member, client, key("client-a.pub.pem")).unwrap();
    let k = &w.client_(client).keys[0];
    assert_eq!(
        (k.kid.clone(), k.uploaded_by),
        (key("client-a.pub.pem").kid, member.user)
    );
    // An admin who is a member uploads too.
    w.ok(
        &admin,
        ClientCommand::AddMember {
            client,
            user: admin.user,
        },
    );
    w.add_key(&admin, client, key("client-b.pub.pem")).unwrap();
    assert_eq!(w.client_(client).keys.len(), 2);
}

// SPEC §1: "`kid` = RFC 7638 JWK thumbprint (base64url, 43 chars), unique platform-wide"
#[test]
fn kid_is_unique_platform_wide() {
    let mut w = World::new();
    let c1 = w.tenant("Consumer one");
    let c2 = w.tenant("Consumer two");
    let s1 = w.user(c1, &[Role::Security]);
    let s2 = w.user(c2, &[Role::Security]);
    let a = w.client(c1, ClientKind::Consumer, &[s1.user]);
    let b = w.client(c1, ClientKind::Api, &[s1.user]);
    let other = w.client(c2, ClientKind::Consumer, &[s2.user]);
    w.add_key(&s1, a, key("client-a.pub.pem")).unwrap();
    assert_eq!(
        w.add_key(&s1, a, key("client-a.pub.pem")),
        Err(ErrorCode::KEY_ALREADY_EXISTS)
    );
    // The PKCS#1 form is the same key.
    assert_eq!(
        w.add_key(&s1, a, key("client-a.pkcs1.pub.pem")),
        Err(ErrorCode::KEY_ALREADY_EXISTS)
    );
    assert_eq!(
        w.add_key(&s1, b, key("client-a.pub.pem")),
        Err(ErrorCode::KEY_ALREADY_EXISTS)
    );
    assert_eq!(
        w.add_key(&s2, other, key("client-a.pub.pem")),
        Err(ErrorCode::KEY_ALREADY_EXISTS)
    );
    assert_eq!(w.client_(a).keys.len(), 1);
    assert!(w.client_(b).keys.is_empty() && w.client_(other).keys.is_empty());
    let kid = key("client-a.pub.pem").kid;
    assert_eq!(w.s.client_by_kid(&kid).map(|x| x.id), Some(a));

    // Once deleted, the kid is free again.
    w.ok(
        &s1,
        ClientCommand::DeleteKey {
            client: a,
            kid: kid.clone(),
        },
    );
    assert!(w.s.client_by_kid(&kid).is_none());
    w.add_key(&s2, other, key("client-a.pub.pem")).unwrap();
    assert_eq!(w.s.client_by_kid(&kid).map(|x| x.id), Some(other));
}

// seed: "Eliminare un client" — "prevede anche la sua rimozione da tutte le finalità ... e ... l'eliminazione di tutte le chiavi"
#[test]
fn deleting_a_client_removes_its_keys() {
    let (mut w, _p, c, e, _) = market(100, 1_000);
    w.active_agreement(c, e);
    let (p1, _) = w.purpose(c, e, 10);
    let sec = w.user(c, &[Role::Security]);
    let consumer = w.as_admin(c);
    let client = w.client(c, ClientKind::Consumer, &[sec.user]);
    w.add_key(&sec, client, key("client-a.pub.pem")).unwrap();
    w.add_key(&sec, client, key("client-b.pub.pem")).unwrap();
    w.ok(
        &consumer,
        ClientCommand::AddPurpose {
            client,
            purpose: p1,
        },
    );
    assert_eq!(w.s.clients_of(p1).count(), 1);

    assert_eq!(
        w.code(&sec, ClientCommand::Delete { id: client }),
        ErrorCode::ROLE_REQUIRED
    );
    w.ok(&consumer, ClientCommand::Delete { id: client });
    assert!(!w.s.clients.contains_key(&client));
    assert!(w.s.client_by_kid(&key("client-a.pub.pem").kid).is_none());
    assert!(w.s.client_by_kid(&key("client-b.pub.pem").kid).is_none());
    assert_eq!(w.s.clients_of(p1).count(), 0);
    // The key can be uploaded again elsewhere.
    let again = w.client(c, ClientKind::Consumer, &[sec.user]);
    w.add_key(&sec, again, key("client-a.pub.pem")).unwrap();
}

// seed: "Gestire gli operatori di un client" — "le chiavi caricate fino a quel momento rimarrano valide e attive e potranno essere rimosse da altri utenti"
#[test]
fn removing_a_member_keeps_their_keys() {
    let mut w = World::new();
    let c = w.tenant("Consumer");
    let leaving = w.user(c, &[Role::Security]);
    let staying = w.user(c, &[Role::Security]);
    let consumer = w.as_admin(c);
    let client = w.client(c, ClientKind::Consumer, &[leaving.user, staying.user]);
    w.add_key(&leaving, client, key("client-a.pub.pem"))
        .unwrap();
    w.ok(
        &consumer,
        ClientCommand::RemoveMember {
            client,
            user: leaving.user,
        },
    );

    let cl = w.client_(client);
    assert_eq!(cl.members, BTreeSet::from([staying.user]));
    assert_eq!(cl.keys.len(), 1);
    assert_eq!(cl.keys[0].uploaded_by, leaving.user);
    let kid = key("client-a.pub.pem").kid;
    assert_eq!(w.s.client_by_kid(&kid).map(|x| x.id), Some(client));
    // The removed operator can no longer operate in the client; the others can.
    assert_eq!(
        w.add_key(&leaving, client, key("client-b.pub.pem")),
        Err(ErrorCode::CLIENT_NOT_FOUND)
    );
    assert_eq!(
        w.code(
            &leaving,
            ClientCommand::DeleteKey {
                client,
                kid: kid.clone()
            }
        ),
        ErrorCode::CLIENT_NOT_FOUND
    );
    w.ok(&staying, ClientCommand::DeleteKey { client, kid });
    assert!(w.client_(client).keys.is_empty());
}

// seed: "Operatività e sospensioni" — "Le operazioni sugli operatori di sicurezza non hanno impatti immediati sulle chiavi"
#[test]
fn removing_a_user_from_the_tenant_keeps_their_keys() {
    let mut w = World::new();
    let c = w.tenant("Consumer");
    let sec = w.user(c, &[Role::Security]);
    let consumer = w.as_admin(c);
    let c1 = w.client(c, ClientKind::Consumer, &[sec.user]);
    let c2 = w.client(c, ClientKind::Api, &[sec.user]);
    w.add_key(&sec, c1, key("client-a.pub.pem")).unwrap();
    w.add_key(&sec, c2, key("client-b.pub.pem")).unwrap();

    w.ok(
        &consumer,
        TenantCommand::SetUserSuspended {
            tenant: c,
            user: sec.user,
            suspended: true,
        },
    );
    assert_eq!(w.client_(c1).keys.len(), 1);
    w.ok(
        &consumer,
        TenantCommand::SetUserSuspended {
            tenant: c,
            user: sec.user,
            suspended: false,
        },
    );

    w.ok(
        &consumer,
        TenantCommand::RemoveUser {
            tenant: c,
            user: sec.user,
        },
    );
    assert!(!w.s.tenants[&c].users.contains_key(&sec.user));
    for (client, file) in [(c1, "client-a.pub.pem"), (c2, "client-b.pub.pem")] {
        let cl = w.client_(client);
        assert!(cl.members.is_empty());
        assert_eq!(cl.keys.len(), 1);
        assert_eq!(
            w.s.client_by_kid(&key(file).kid).map(|x| x.id),
            Some(client)
        );
    }
}

// seed: "Operatori di sicurezza" — "Può solo vedere i client ai quali è associato"
#[test]
fn security_operator_sees_only_their_clients() {
    let mut w = World::new();
    let c = w.tenant("Consumer");
    let member = w.user(c, &[Role::Security]);
    let outsider = w.user(c, &[Role::Security]);
    let admin = w.as_admin(c);
    let client = w.client(c, ClientKind::Consumer, &[member.user]);
    let code = |actor: &Actor| {
        clients::visible(&w.s, actor, client)
            .map(|x| x.id)
            .map_err(|e| e.code)
    };
    assert_eq!(code(&member), Ok(client));
    assert_eq!(code(&admin), Ok(client));
    assert_eq!(code(&outsider), Err(ErrorCode::CLIENT_NOT_FOUND));
    let other = w.tenant("Other");
    let other_admin = w.as_admin(other);
    let code = |actor: &Actor| {
        clients::visible(&w.s, actor, client)
            .map(|x| x.id)
            .map_err(|e| e.code)
    };
    assert_eq!(code(&other_admin), Err(ErrorCode::CLIENT_NOT_FOUND));
    assert_eq!(code(&platform()), Err(ErrorCode::CLIENT_NOT_FOUND));
    // The listing agrees.
    let listed = |actor: &Actor| {
        interop::domain::queries::clients(&w.s, actor)
            .iter()
            .map(|x| x.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(listed(&member), vec![client]);
    assert_eq!(listed(&outsider), vec![]);
    assert_eq!(listed(&admin), vec![client]);
}

// ------------------------------------------------------------------------------------------
// Roles
// ------------------------------------------------------------------------------------------

// seed: "Operatori API" — "Può gestire il ciclo di vita degli e-service"; "Amministratori e delegati" — "gestire tutti gli atti di tipo amministrativo"
#[test]
fn api_operator_manages_eservices_but_not_agreements() {
    let mut w = World::new();
    let p = w.tenant("Producer");
    let c = w.tenant("Consumer");
    let api = w.user(p, &[Role::Api]);
    let sec = w.user(p, &[Role::Security]);
    let e = EServiceId(w.uuid());
    let d = DescriptorId(w.uuid());
    let info = w.info(Default::default());
    let create = |info: EServiceInfo| EServiceCommand::Create {
        id: e,
        descriptor: d,
        info,
        fields: fields(10, 10, ApprovalPolicy::Manual),
    };
    assert_eq!(w.code(&sec, create(info.clone())), ErrorCode::ROLE_REQUIRED);
    w.ok(&api, create(info));
    w.ok(
        &api,
        EServiceCommand::PublishDescriptor { eservice: e, id: d },
    );
    w.ok(
        &api,
        EServiceCommand::SuspendDescriptor { eservice: e, id: d },
    );
    w.ok(
        &api,
        EServiceCommand::ActivateDescriptor { eservice: e, id: d },
    );
    assert_eq!(w.dstate(e, d), DescriptorState::Published);

    // Agreements are administrative acts, on both sides.
    let c_api = w.user(c, &[Role::Api]);
    let a = AgreementId(w.uuid());
    let subscribe = AgreementCommand::Create {
        id: a,
        eservice: e,
        descriptor: None,
        consumer_notes: None,
    };
    assert_eq!(w.code(&c_api, subscribe), ErrorCode::ROLE_REQUIRED);
    let a = w.subscribe(c, e);
    assert_eq!(
        w.code(&api, AgreementCommand::Approve { id: a }),
        ErrorCode::ROLE_REQUIRED
    );
    assert_eq!(
        w.code(
            &api,
            AgreementCommand::Reject {
                id: a,
                reason: "Not enough documentation".into()
            }
        ),
        ErrorCode::ROLE_REQUIRED
    );
    assert_eq!(
        w.code(&api, AgreementCommand::Suspend { id: a }),
        ErrorCode::ROLE_REQUIRED
    );
    assert_eq!(w.agreement(a).state, AgreementState::Pending);
    let admin = w.as_admin(p);
    w.ok(&admin, AgreementCommand::Approve { id: a });
    assert_eq!(w.agreement(a).state, AgreementState::Active);
}

// SPEC §1: the platform "certifies attributes and registers tenants" (authoritative source)
#[test]
fn only_the_platform_creates_tenants_and_certified_attributes() {
    let mut w = World::new();
    let t = w.tenant("Tenant");
    let admin = w.as_admin(t);
    let new_tenant = |id| TenantCommand::Create {
        id,
        name: "Another tenant".into(),
        admin: NewUser {
            id: UserId(Uuid::from_u128(999_999)),
            name: "boss".into(),
            roles: BTreeSet::from([Role::Admin]),
        },
    };
    let id = TenantId(w.uuid());
    assert_eq!(w.code(&admin, new_tenant(id)), ErrorCode::ROLE_REQUIRED);
    assert!(!w.s.tenants.contains_key(&id));
    w.ok(&platform(), new_tenant(id));
    assert!(w.s.tenants.contains_key(&id));

    let attr = |id, kind| TenantCommand::CreateAttribute {
        id,
        kind,
        name: format!("{kind:?} attribute"),
        description: "an attribute".into(),
    };
    let cert = AttributeId(w.uuid());
    assert_eq!(
        w.code(&admin, attr(cert, AttributeKind::Certified)),
        ErrorCode::ROLE_REQUIRED
    );
    w.ok(&platform(), attr(cert, AttributeKind::Certified));
    assert_eq!(w.s.attributes[&cert].origin, None);
    // Declared ones may be defined by a tenant.
    let decl = AttributeId(w.uuid());
    w.ok(&admin, attr(decl, AttributeKind::Declared));
    assert_eq!(w.s.attributes[&decl].origin, Some(t));

    assert_eq!(
        w.code(
            &admin,
            TenantCommand::AssignCertified {
                tenant: t,
                attribute: cert
            }
        ),
        ErrorCode::ROLE_REQUIRED
    );
    assert!(w.s.tenants[&t].certified.is_empty());
    w.certify(t, cert);
    assert_eq!(
        w.code(
            &admin,
            TenantCommand::RevokeCertified {
                tenant: t,
                attribute: cert
            }
        ),
        ErrorCode::ROLE_REQUIRED
    );
    assert_eq!(w.s.tenants[&t].certified, BTreeSet::from([cert]));
    // And the platform is no tenant: it cannot subscribe.
    let (e, _) = w.eservice(t, Default::default(), automatic());
    let a = AgreementId(w.uuid());
    assert_eq!(
        w.code(
            &platform(),
            AgreementCommand::Create {
                id: a,
                eservice: e,
                descriptor: None,
                consumer_notes: None
            }
        ),
        ErrorCode::ROLE_REQUIRED
    );
}

// ------------------------------------------------------------------------------------------
// Key parsing
// ------------------------------------------------------------------------------------------

// SPEC §1: "Keys: RSA public keys, PEM ..."
#[test]
fn key_spki_and_pkcs1_forms_give_the_same_kid() {
    let spki = key("client-a.pub.pem");
    let pkcs1 = key("client-a.pkcs1.pub.pem");
    assert_eq!(spki.kid, pkcs1.kid);
    assert_eq!(
        (spki.n.clone(), spki.e.clone()),
        (pkcs1.n.clone(), pkcs1.e.clone())
    );
    assert_eq!(spki.bits, 2048);
    assert_eq!(spki.e, "AQAB");
    // Stored normalised to SPKI.
    assert!(pkcs1.spki_pem.starts_with("-----BEGIN PUBLIC KEY-----"));
    assert_eq!(spki.spki_pem, pkcs1.spki_pem);
    assert_ne!(spki.kid, key("client-b.pub.pem").kid);
}

// SPEC §1: "PEM (base64 of PEM accepted too)"
#[test]
fn key_base64_of_pem_is_accepted() {
    for file in ["client-a.pub.pem", "client-a.pkcs1.pub.pem"] {
        let b64 = STANDARD.encode(fixture(file));
        assert_eq!(
            PublicKey::parse(&b64).unwrap().kid,
            key("client-a.pub.pem").kid,
            "{file}"
        );
        // Wrapped in lines, as tools print it.
        let wrapped: String = b64
            .as_bytes()
            .chunks(64)
            .map(|c| format!("{}\n", std::str::from_utf8(c).unwrap()))
            .collect();
        assert_eq!(
            PublicKey::parse(&wrapped).unwrap().kid,
            key("client-a.pub.pem").kid
        );
    }
    // Base64 of something that is not PEM stays garbage.
    assert_eq!(
        key_code(&STANDARD.encode("hello")),
        ErrorCode::KEY_INVALID_PEM
    );
    // Base64 of a private key is still a private key.
    assert_eq!(
        key_code(&STANDARD.encode(fixture("client-a.key.pem"))),
        ErrorCode::KEY_IS_PRIVATE
    );
}

// SPEC §1: "no private keys"
#[test]
fn key_private_is_refused() {
    for file in ["client-a.key.pem", "short-1024.key.pem", "ec-p256.key.pem"] {
        assert_eq!(
            key_code(&fixture(file)),
            ErrorCode::KEY_IS_PRIVATE,
            "{file}"
        );
    }
    let pkcs1_label = fixture("client-a.key.pem").replace("PRIVATE KEY", "RSA PRIVATE KEY");
    assert_eq!(key_code(&pkcs1_label), ErrorCode::KEY_IS_PRIVATE);
}

// SPEC §1: "no ... certificates"
#[test]
fn key_certificate_is_refused() {
    assert_eq!(
        key_code(&fixture("client-a.cert.pem")),
        ErrorCode::KEY_IS_CERTIFICATE
    );
}

// SPEC §1: "≥ 2048 bits"
#[test]
fn key_under_2048_bits_is_too_short() {
    assert_eq!(
        key_code(&fixture("short-1024.pub.pem")),
        ErrorCode::KEY_TOO_SHORT
    );
}

// SPEC §1: "RSA public keys"
#[test]
fn key_ec_is_not_rsa() {
    assert_eq!(
        key_code(&fixture("ec-p256.pub.pem")),
        ErrorCode::KEY_NOT_RSA
    );
}

// seed: "Caricare una chiave pubblica" — one key per upload
#[test]
fn key_two_blocks_are_refused() {
    let two = format!(
        "{}\n{}",
        fixture("client-a.pub.pem"),
        fixture("client-b.pub.pem")
    );
    assert_eq!(key_code(&two), ErrorCode::KEY_MULTIPLE_BLOCKS);
    let with_private = format!(
        "{}\n{}",
        fixture("client-a.pub.pem"),
        fixture("client-a.key.pem")
    );
    assert_eq!(key_code(&with_private), ErrorCode::KEY_MULTIPLE_BLOCKS);
}

// SPEC §1: "PEM"
#[test]
fn key_garbage_is_invalid_pem() {
    assert_eq!(key_code(""), ErrorCode::KEY_INVALID_PEM);
    assert_eq!(key_code("not a key at all"), ErrorCode::KEY_INVALID_PEM);
    assert_eq!(
        key_code("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
        ErrorCode::KEY_INVALID_PEM
    );
    assert_eq!(
        key_code("-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----\n"),
        ErrorCode::KEY_INVALID_PEM
    );
    // A truncated body.
    let pem = fixture("client-a.pub.pem");
    let lines: Vec<&str> = pem.lines().collect();
    let truncated = format!("{}\n{}\n{}\n", lines[0], lines[1], lines[lines.len() - 1]);
    assert_eq!(key_code(&truncated), ErrorCode::KEY_INVALID_PEM);
}

// SPEC §1: "`kid` = RFC 7638 JWK thumbprint (base64url, 43 chars)"
#[test]
fn kid_is_the_rfc7638_thumbprint() {
    // RFC 7638 §3.1, the worked example.
    let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
    assert_eq!(
        rsa_thumbprint(n, "AQAB").as_str(),
        "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    );

    // The fixture's kid, computed outside the crate (openssl modulus + SHA-256 of the canonical
    // JWK) and once more here from the parsed n/e.
    let k = key("client-a.pub.pem");
    assert_eq!(
        k.kid.as_str(),
        "ffAAX9iJRLzdyAsFLS7UlsVipxef3-X-rR4Ko8MhzFk"
    );
    let canonical = format!(r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#, k.e, k.n);
    let ours = URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()));
    assert_eq!(k.kid.as_str(), ours);
    assert_eq!(k.kid.as_str().len(), 43);
    // n is the unsigned big-endian modulus: no leading zero byte.
    let n_bytes = URL_SAFE_NO_PAD.decode(&k.n).unwrap();
    assert_eq!(n_bytes.len(), 256);
    assert_ne!(n_bytes[0], 0);
    assert!(Kid::parse(k.kid.as_str()).is_ok());
    assert_eq!(
        Kid::parse("short").unwrap_err().code,
        ErrorCode::VALIDATION_FAILED
    );
}

// ------------------------------------------------------------------------------------------
// Properties
// ------------------------------------------------------------------------------------------

// SPEC §1: "activates it automatically iff c + d ≤ daily_calls_per_consumer and t + d ≤ daily_calls_total" (no overflow)
#[test]
fn within_threshold_overflowing_sums_never_fit() {
    let full = Load {
        consumer: u64::MAX,
        total: u64::MAX,
    };
    assert!(!purpose::within_threshold(full, 1, u64::MAX, u64::MAX));
    let c_full = Load {
        consumer: u64::MAX,
        total: 0,
    };
    assert!(!purpose::within_threshold(c_full, 1, u64::MAX, u64::MAX));
    assert!(purpose::within_threshold(c_full, 0, u64::MAX, u64::MAX));
    assert!(purpose::within_threshold(
        Load {
            consumer: 0,
            total: 0
        },
        u64::MAX,
        u64::MAX,
        u64::MAX
    ));
}

fn edge_u64() -> impl Strategy<Value = u64> {
    prop_oneof![
        any::<u64>(),
        0u64..=2_000,
        (u64::MAX - 2_000)..=u64::MAX,
        Just(u64::MAX),
        (u64::MAX / 2 - 1_000)..=(u64::MAX / 2 + 1_000),
    ]
}

/// Operations of one side on a two-sided suspension: (by producer?, suspend?).
fn side_ops() -> impl Strategy<Value = Vec<(bool, bool)>> {
    prop::collection::vec((any::<bool>(), any::<bool>()), 0..24)
}

#[derive(Debug, Clone)]
enum LoadOp {
    Publish { consumer: usize, calls: u64 },
    Estimate { purpose: usize, calls: u64 },
    Suspend { purpose: usize, by_producer: bool },
    Reactivate { purpose: usize, by_producer: bool },
    Archive { purpose: usize },
    Approve { purpose: usize },
}

fn load_op() -> impl Strategy<Value = LoadOp> {
    let calls = 1u64..=120;
    prop_oneof![
        3 => (0usize..3, calls.clone()).prop_map(|(consumer, calls)| LoadOp::Publish { consumer, calls }),
        2 => (any::<usize>(), calls).prop_map(|(purpose, calls)| LoadOp::Estimate { purpose, calls }),
        2 => (any::<usize>(), any::<bool>()).prop_map(|(purpose, by_producer)| LoadOp::Suspend { purpose, by_producer }),
        2 => (any::<usize>(), any::<bool>()).prop_map(|(purpose, by_producer)| LoadOp::Reactivate { purpose, by_producer }),
        1 => any::<usize>().prop_map(|purpose| LoadOp::Archive { purpose }),
        1 => any::<usize>().prop_map(|purpose| LoadOp::Approve { purpose }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    // SPEC §1: the threshold rule, literally, over all of u64 (no panic, no wrap-around).
    #[test]
    fn within_threshold_is_the_literal_formula(
        c in edge_u64(), t in edge_u64(), d in edge_u64(), per in edge_u64(), total in edge_u64(),
    ) {
        let literal = (c as u128 + d as u128) <= per as u128 && (t as u128 + d as u128) <= total as u128;
        let load = Load { consumer: c, total: t };
        prop_assert_eq!(purpose::within_threshold(load, d, per, total), literal);
        let (rc, rt) = purpose::remaining(load, per, total);
        prop_assert_eq!(rc as u128, (per as u128).saturating_sub(c as u128));
        prop_assert_eq!(rt as u128, (total as u128).saturating_sub(t as u128));
    }

    // seed: "Sospendere o riattivare una richiesta di fruizione" — "è attiva se sia per l'erogatore che per il fruitore è attiva"
    #[test]
    fn agreement_active_iff_no_suspension_flag(ops in side_ops()) {
        let (mut w, p, c, e, _) = market(10, 10);
        let a = w.active_agreement(c, e);
        let (mut by_c, mut by_p) = (false, false);
        for (producer, suspend) in ops {
            let (who, flag) = if producer { (p, &mut by_p) } else { (c, &mut by_c) };
            let r = if suspend { w.suspend_agreement(who, a) } else { w.activate_agreement(who, a) };
            if *flag == suspend {
                prop_assert_eq!(r, Err(ErrorCode::AGREEMENT_STATE_CONFLICT));
            } else {
                prop_assert_eq!(r, Ok(()));
                *flag = suspend;
            }
            let ag = w.agreement(a);
            prop_assert_eq!(ag.suspension.suspended_by_consumer, by_c);
            prop_assert_eq!(ag.suspension.suspended_by_producer, by_p);
            prop_assert!(!ag.suspension.suspended_by_platform);
            let expected = if by_c || by_p { AgreementState::Suspended } else { AgreementState::Active };
            prop_assert_eq!(ag.state, expected);
        }
    }

    // SPEC §1: purposes — "Suspend (consumer or producer, unilateral, flags as for agreements)"
    #[test]
    fn purpose_active_iff_no_suspension_flag(ops in side_ops()) {
        let (mut w, p, c, e, _) = market(100, 1_000);
        w.active_agreement(c, e);
        let (pid, v) = w.purpose(c, e, 10);
        let (mut by_c, mut by_p) = (false, false);
        for (producer, suspend) in ops {
            let (who, flag) = if producer { (p, &mut by_p) } else { (c, &mut by_c) };
            let actor = w.as_admin(who);
            let cmd = if suspend {
                PurposeCommand::SuspendVersion { purpose: pid, version: v }
            } else {
                PurposeCommand::ActivateVersion { purpose: pid, version: v }
            };
            let r = w.run(&actor, cmd).map(|_| ()).map_err(|e| e.code);
            if *flag == suspend {
                prop_assert_eq!(r, Err(ErrorCode::PURPOSE_STATE_CONFLICT));
            } else {
                prop_assert_eq!(r, Ok(()));
                *flag = suspend;
            }
            let pu = w.purpose_(pid);
            prop_assert_eq!(pu.suspension.suspended_by_consumer, by_c);
            prop_assert_eq!(pu.suspension.suspended_by_producer, by_p);
            let expected = if by_c || by_p { PV::Suspended } else { PV::Active };
            prop_assert_eq!(w.vstate(pid, v), expected);
            prop_assert_eq!(w.load(e, c).consumer, if by_c || by_p { 0 } else { 10 });
        }
    }

    // seed: "Gestire il carico dell'e-service" — "L'erogatore potrà attivare manualmente ognuna di quelle finalità"
    #[test]
    fn active_load_stays_under_threshold_unless_the_producer_approves(
        ops in prop::collection::vec(load_op(), 1..40),
    ) {
        const PER: u64 = 100;
        const TOTAL: u64 = 150;
        let (mut w, p, c0, e, _) = market(PER, TOTAL);
        let consumers = [c0, w.tenant("Consumer two"), w.tenant("Consumer three")];
        for c in consumers {
            w.active_agreement(c, e);
        }
        let mut purposes: Vec<PurposeId> = Vec::new();
        let mut approved = false;
        let loads = |w: &World| consumers.map(|c| w.load(e, c));
        for op in ops {
            let before = loads(&w);
            let pick = |i: usize| (!purposes.is_empty()).then(|| purposes[i % purposes.len()]);
            let version_in = |w: &World, pid: PurposeId, states: &[PV]| {
                w.purpose_(pid).versions.iter().find(|v| states.contains(&v.state)).map(|v| v.id)
            };
            let mut is_approval = false;
            match op.clone() {
                LoadOp::Publish { consumer, calls } => {
                    let (pid, _) = w.purpose(consumers[consumer], e, calls);
                    purposes.push(pid);
                }
                LoadOp::Estimate { purpose, calls } => {
                    if let Some(pid) = pick(purpose) {
                        let consumer = w.as_admin(w.purpose_(pid).consumer_id);
                        let version = PurposeVersionId(w.uuid());
                        let _ = w.run(&consumer, PurposeCommand::CreateVersion { purpose: pid, version, daily_calls: calls });
                    }
                }
                LoadOp::Suspend { purpose, by_producer } | LoadOp::Reactivate { purpose, by_producer } => {
                    if let Some(pid) = pick(purpose) {
                        let who = if by_producer { p } else { w.purpose_(pid).consumer_id };
                        let actor = w.as_admin(who);
                        let suspend = matches!(op, LoadOp::Suspend { .. });
                        if let Some(version) = version_in(&w, pid, &[PV::Active, PV::Suspended]) {
                            let cmd = if suspend {
                                PurposeCommand::SuspendVersion { purpose: pid, version }
                            } else {
                                PurposeCommand::ActivateVersion { purpose: pid, version }
                            };
                            let _ = w.run(&actor, cmd);
                        }
                    }
                }
                LoadOp::Archive { purpose } => {
                    if let Some(pid) = pick(purpose) {
                        let consumer = w.as_admin(w.purpose_(pid).consumer_id);
                        if let Some(version) = version_in(&w, pid, &[PV::Active, PV::Suspended, PV::WaitingForApproval]) {
                            let _ = w.run(&consumer, PurposeCommand::ArchiveVersion { purpose: pid, version });
                        }
                    }
                }
                LoadOp::Approve { purpose } => {
                    if let Some(pid) = pick(purpose)
                        && let Some(version) = version_in(&w, pid, &[PV::WaitingForApproval])
                    {
                        let producer = w.as_admin(p);
                        is_approval = w.run(&producer, PurposeCommand::ApproveVersion { purpose: pid, version }).is_ok();
                        approved |= is_approval;
                    }
                }
            }
            let after = loads(&w);
            if !approved {
                for l in after {
                    prop_assert!(l.consumer <= PER, "{:?} after {:?}", l, op);
                    prop_assert!(l.total <= TOTAL, "{:?} after {:?}", l, op);
                }
            }
            if !is_approval {
                // Anything but an approval may only raise a load up to the threshold.
                for (b, a) in before.iter().zip(after.iter()) {
                    if a.consumer > b.consumer {
                        prop_assert!(a.consumer <= PER, "{:?} -> {:?} after {:?}", b, a, op);
                    }
                    if a.total > b.total {
                        prop_assert!(a.total <= TOTAL, "{:?} -> {:?} after {:?}", b, a, op);
                    }
                }
            }
            // Every purpose has at most one version in force and at most one waiting.
            for pid in &purposes {
                let pu = w.purpose_(*pid);
                let in_force = pu.versions.iter().filter(|v| matches!(v.state, PV::Active | PV::Suspended)).count();
                prop_assert!(in_force <= 1, "{:?}", pu.versions);
                let waiting = pu.versions.iter().filter(|v| v.state == PV::WaitingForApproval).count();
                prop_assert!(waiting <= 1, "{:?}", pu.versions);
            }
        }
    }
}

/// An audience names one producer's service: vouchers carry it in `aud`, so another producer
/// publishing it could pass for that service where a verifier trusts `aud`.
#[test]
fn an_audience_is_published_by_one_producer_only() {
    let mut w = World::new();
    let (p1, p2) = (w.tenant("Produttore Uno"), w.tenant("Produttore Due"));
    let f = automatic();
    w.eservice(p1, AttributeRequirements::default(), f.clone());
    // The same producer may offer it again (another e-service, another version)…
    w.eservice(p1, AttributeRequirements::default(), f.clone());
    // …another producer may draft it but not publish it.
    let (e, d) = w.draft_eservice(p2, AttributeRequirements::default(), f.clone());
    let admin = w.as_admin(p2);
    let err = w.refused(
        &admin,
        EServiceCommand::PublishDescriptor { eservice: e, id: d },
    );
    assert_eq!(err.code, ErrorCode::AUDIENCE_TAKEN);
    assert!(err.detail.contains(&f.audience[0]), "{}", err.detail);
    // Another audience is fine.
    w.eservice(p2, AttributeRequirements::default(), other_audience());
}

/// A person may be a user of several tenants, with other roles in each: the token names the
/// tenant it acts for, and the engine grants what that tenant granted. Registering them twice in
/// one tenant is refused.
#[test]
fn one_person_is_a_user_of_several_tenants_with_the_roles_each_granted() {
    let mut w = World::new();
    let (a, b) = (w.tenant("Comune A"), w.tenant("Comune B"));
    let person = w.user(a, &[Role::Api]);
    let admin_b = w.as_admin(b);
    let add = |roles: &[Role]| TenantCommand::AddUser {
        tenant: b,
        user: NewUser {
            id: person.user,
            name: "Persona".into(),
            roles: roles.iter().copied().collect(),
        },
    };
    w.ok(&admin_b, add(&[Role::Security]));
    assert_eq!(
        w.code(&admin_b, add(&[Role::Admin])),
        ErrorCode::USER_ALREADY_EXISTS
    );
    let in_a = &w.s.tenant(a).unwrap().users[&person.user];
    let in_b = &w.s.tenant(b).unwrap().users[&person.user];
    assert_eq!(in_a.roles, BTreeSet::from([Role::Api]));
    assert_eq!(in_b.roles, BTreeSet::from([Role::Security]));
    // A tenant of one's own, as its first administrator, while being a user of others.
    let c = TenantId(w.uuid());
    w.ok(
        &w.as_platform(),
        TenantCommand::Create {
            id: c,
            name: "Comune C".into(),
            admin: NewUser {
                id: person.user,
                name: "Persona".into(),
                roles: BTreeSet::new(),
            },
        },
    );
    assert!(
        w.s.tenant(c).unwrap().users[&person.user]
            .roles
            .contains(&Role::Admin)
    );
}
