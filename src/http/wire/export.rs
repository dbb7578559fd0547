//! The export document (`POST /api/admin/features-batch/export`), described for the
//! document.
//!
//! `service::export_import` builds the export from these structs (it also records the
//! document in the audit event), so they live in `service::shapes` and are re-exported here.

pub use crate::service::shapes::{
    ExportContextField, ExportDependencies, ExportDocument, ExportFlag, ExportFlagEnvironment,
    ExportLink, ExportLinks, ExportParent, ExportSegment, ExportStrategy, ExportTag, ExportTagType,
};
