//! The playground's answers: built by the evaluation in `domain::playground`, described to
//! the document from the same structs.

pub use crate::domain::playground::answer::{
    AdvancedPlaygroundFeature, AdvancedPlaygroundResponse, Outcome, PlaygroundConstraint,
    PlaygroundFeature, PlaygroundInput, PlaygroundLinks, PlaygroundProjects, PlaygroundResponse,
    PlaygroundSegment, PlaygroundStrategies, PlaygroundStrategy, PlaygroundStrategyResult,
    PlaygroundStrategyVariant, PlaygroundVariant, PlaygroundWarnings,
};
