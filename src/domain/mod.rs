//! Plain-Rust rules of the product: no HTTP, no SQL.

pub mod client;
pub mod clock;
pub mod events;
pub mod permissions;
pub mod tokens;
pub mod users;

pub use clock::Clock;
