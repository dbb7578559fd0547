//! Who is calling, and what they may do.

pub mod password;
pub mod permission;
pub mod principal;
pub mod principal_cache;
pub mod sealing;
pub mod seen;
pub mod session;
pub mod throttle;
pub mod token;
pub mod token_cache;

pub use permission::Authorized;
pub use principal::{ApiTokenKind, ApiTokenPrincipal, Principal, UserPrincipal, Via};
