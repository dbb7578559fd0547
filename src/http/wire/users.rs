//! Answers about users: the signed-in user, user administration, invitations and
//! instance administration.
