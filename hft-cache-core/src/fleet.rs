//! Fleet control on NATS JetStream (feature `fleet`): one halt for every process, leases that
//! fail closed, a durable audit trail, and every process's compliance in one view.

mod audit;
mod client;
mod current;
mod error;
mod member;
mod operator;
mod records;
mod scope_key;

pub use audit::{parse_since, AuditEntry, MAX_AUDIT_READ};
pub use client::{FleetClient, FleetClientBuilder};
pub use error::FleetError;
pub use member::{FleetMember, FleetMemberBuilder, FleetMemberHandle};
pub use operator::{FleetStatus, HaltInForce, LeaseState, MemberStatus, ResumeRequest};
pub use records::{AuditEvent, FleetHalt, LeaseRecord};
