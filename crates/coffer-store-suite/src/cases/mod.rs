//! The cases, each a `pub fn` of a fresh, empty store (or of a function that makes them, for
//! a case that needs two), and the records they use. A new case goes into the list of
//! [`store_suite!`](crate::store_suite) too.

mod access;
mod fixtures;
mod flights;
mod nodes;
mod secrets;
mod sources;

pub use access::*;
pub use fixtures::{event, flight, record, run, source};
pub use flights::*;
pub use nodes::*;
pub use secrets::*;
pub use sources::*;
