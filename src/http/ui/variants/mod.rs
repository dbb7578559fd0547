//! Variants in the UI: the row editor shared by the strategy form (strategy variants) and
//! the page of a flag's variants in one environment, and that page's handlers.
//!
//! A row has a name, a weight type (variable or fixed), a weight typed as a percentage
//! with at most one decimal (stored, as Unleash stores it, in units of 0.1 %), a payload
//! type and value. One stickiness applies to the whole list. Fixed weights are kept and
//! variable ones share the rest through the domain's
//! [`distribute_weights`](crate::domain::features::distribute_weights). Without JavaScript
//! the editor offers blank rows (ignored when left empty), an **Add variant** button that
//! shows the form again with one more row and a **Remove** button per row; with JavaScript
//! both work in place.
//!
//! The editor's rows are in [`editor`], reading a submitted editor into the list to save is
//! in [`form`], and the page of one environment's variants is in [`environment`].

mod editor;
mod environment;
mod form;

use axum::Router;

pub use editor::{chip, context_stickiness, VariantEditor};
pub use form::{keep_if_unchanged, read_editor, VariantStep};

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    environment::routes()
}
