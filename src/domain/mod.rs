//! Plain-Rust rules of the product: no HTTP, no SQL.

pub mod addons;
pub mod client;
pub mod client_state;
pub mod clock;
pub mod constraints;
pub mod context;
pub mod environments;
pub mod events;
pub mod features;
pub mod json_patch;
pub mod links;
pub mod permissions;
pub mod playground;
pub mod projects;
pub mod sdk_context;
pub mod segments;
pub mod service_accounts;
pub mod shapes;
pub mod strategies;
pub mod tag_types;
pub mod template;
pub mod token_expiry;
pub mod token_inventory;
pub mod token_scope;
pub mod tokens;
pub mod users;

pub use clock::Clock;
