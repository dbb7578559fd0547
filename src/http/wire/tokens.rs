//! Answers about tokens: personal access tokens, API tokens, service accounts' tokens,
//! the token inventory and the token policy.
