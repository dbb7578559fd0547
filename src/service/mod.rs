//! Use cases: each function checks its rule (from `domain`), then writes through `store` in
//! one transaction together with its audit event. Handlers (API and UI alike) call these.

pub mod addons;
pub mod applications;
pub mod caller;
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
pub mod shapes;
pub mod stats;
pub mod strategies;
pub mod tag_types;
pub mod token_expiry;
pub mod token_inventory;
pub mod token_policy;
pub mod token_rotation;
pub mod tokens;
pub mod users;
pub mod views;

/// Ends a transaction that changed what SDKs see: bumps the stored revision (which tells
/// every node to rebuild its snapshots), commits, and has this node re-read the revision on
/// its next SDK request, so that the change is served here at once.
pub(crate) async fn commit_flag_change(
    mut tx: crate::store::Tx,
    state: &crate::state::AppState,
) -> crate::error::AppResult<()> {
    crate::store::revision::bump(&mut tx).await?;
    tx.commit().await?;
    state.features.invalidate();
    Ok(())
}
