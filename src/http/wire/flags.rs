//! Answers about feature flags: flags, their environments, strategies and variants, and
//! the configuration they use (environments, segments, context fields, tags, strategies).
