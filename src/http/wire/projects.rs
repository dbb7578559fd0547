//! Answers about projects: the project list, a project, its settings and members.
