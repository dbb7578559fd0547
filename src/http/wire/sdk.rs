//! Answers of the client (backend SDK), frontend and Edge APIs, described for the document.
