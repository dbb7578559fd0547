//! Plain-Rust rules of the product: no HTTP, no SQL.

pub mod clock;
pub mod events;
pub mod features;
pub mod json_patch;
pub mod permissions;
pub mod projects;
pub mod users;

pub use clock::Clock;
