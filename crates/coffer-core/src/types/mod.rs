//! The requests and answers of the use cases, one file per part: plain data that the parts,
//! the [`Service`](crate::Service) façade and the crates above share, with no behaviour
//! beyond building them from store records.

pub(crate) mod access;
pub(crate) mod flights;
pub(crate) mod keys;
pub(crate) mod nodes;
pub(crate) mod secrets;
pub(crate) mod sources;
