//! The Unleash wire shapes of the Admin, client and frontend APIs' answers, as typed structs.
//!
//! Handlers convert what the services return into these structs and answer them as JSON;
//! each derives `utoipa::ToSchema`, so the OpenAPI document describes every answer's body
//! and a client (or a property-based tester) can check real answers against it. Field names
//! follow Unleash's camelCase. Grouped by the resource they describe.

pub mod addons;
pub mod applications;
pub mod events;
pub mod export;
pub mod flags;
pub mod operations;
pub mod playground;
pub mod projects;
pub mod sdk;
pub mod tokens;
pub mod users;
