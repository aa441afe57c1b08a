//! Data sources (seed 002: secrets "referenced by name in data source and catalog
//! configurations"): a project's named databases and lakes, which its DuckDB attaches under
//! their names with a coffer secret, as use cases of [`Service`](crate::Service).
//!
//! - A definition is checked by `coffer_model::source::validate_source` (normalised, no
//!   credential in it) and refers to its secret by name: the secret must exist in the project
//!   and be of the type the source takes when the source is written (role `write`), and still
//!   when an engine is about to attach it (role `use`, audited as `source.attach`).
//! - Writes are audited (`source.create`, `source.replace`, `source.drop`, with the name, type
//!   and secret; option values are never audited) and told to the service's observers.
//!
//! The part is `Sources` (`part`), a view over the store and the access and secrets parts, with
//! one file per use case: `define` (create, list, show, drop) and `attach`.

mod attach;
mod define;
mod part;

pub(crate) use part::Sources;
