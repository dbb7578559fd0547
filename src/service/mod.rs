//! Use cases: each function checks its rule (from `domain`), then writes through `store` in
//! one transaction together with its audit event. Handlers (API and UI alike) call these.

pub mod addons;
pub mod applications;
pub mod context;
pub mod edge;
pub mod environments;
pub mod events;
pub mod export_import;
pub mod favorites;
pub mod feature_types;
pub mod features;
pub mod invite_links;
pub mod leaked_tokens;
pub mod links;
pub mod maintenance;
pub mod metrics;
pub mod password_reset;
pub mod playground;
pub mod projects;
pub mod segments;
pub mod service_accounts;
pub mod stats;
pub mod strategies;
pub mod tag_types;
pub mod token_expiry;
pub mod token_inventory;
pub mod token_policy;
pub mod token_rotation;
pub mod tokens;
pub mod users;
