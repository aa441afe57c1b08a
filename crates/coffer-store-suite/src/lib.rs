//! The test suite every [`Store`] backend passes, for the backends' tests only (a
//! dev-dependency: nothing here is compiled into coffer).
//!
//! A backend's test implements [`Backend`] and expands [`store_suite!`], which writes one
//! `#[test]` for each case of [`cases`]:
//!
//! ```ignore
//! struct Sqlite { dir: tempfile::TempDir }
//! impl coffer_store_suite::Backend for Sqlite { /* new(), store() */ }
//! coffer_store_suite::store_suite!(Sqlite);
//! ```
//!
//! A backend that cannot be tested here (no server configured) says so from
//! [`Backend::new`] and its tests pass without running.
#![deny(missing_docs)]

pub mod cases;

pub use cases::{event, flight, record, run, source};
use coffer_store::Store;

/// A backend under test.
pub trait Backend: Sized {
    /// What the tests need to make stores (a temporary directory, a server), or `None`, with
    /// a note on stderr saying why, when this backend cannot be tested here.
    fn new() -> Option<Self>;

    /// A fresh, empty store.
    fn store(&self) -> Box<dyn Store>;
}

/// Runs `case` on a fresh store of `B`, unless `B` cannot be tested here.
pub fn with_store<B: Backend>(case: fn(&dyn Store)) {
    if let Some(backend) = B::new() {
        case(&*backend.store());
    }
}

/// Runs `case` with a maker of fresh stores of `B`, unless `B` cannot be tested here.
pub fn with_maker<B: Backend>(case: fn(&dyn Fn() -> Box<dyn Store>)) {
    if let Some(backend) = B::new() {
        case(&|| backend.store());
    }
}

/// One `#[test]` for each case of [`cases`], on the [`Backend`] given.
#[macro_export]
macro_rules! store_suite {
    ($backend:ty) => {
        $crate::store_suite!(@store $backend;
            put_get_round_trip,
            optimistic_versions,
            projects_are_isolated,
            list_and_delete,
            names_are_case_insensitive,
            audit_is_atomic_with_writes,
            projects_round_trip,
            identities_tokens_grants,
            token_tree_revokes_together,
            audit_filters,
            generation_moves_with_every_change,
            concurrent_audit_appends_all_land,
            replaced_versions_are_kept,
            rewrap_is_compare_and_swap,
            flights_round_trip,
            flight_delete_takes_runs_and_logs,
            project_delete_takes_flights,
            runs_are_numbered_and_limited,
            runs_finish_once,
            cancel_only_running_runs,
            logs_append_and_page,
            claim_tick_is_compare_and_set,
            flight_writes_are_audited,
            flight_writes_leave_the_generation,
            flight_versions_are_kept_and_immutable,
            nodes_heartbeat_and_leave,
            sources_round_trip,
            source_versions_are_checked,
            sources_list_and_delete,
            source_writes_are_audited_and_move_the_generation,
            project_delete_takes_sources,
        );
        $crate::store_suite!(@maker $backend; export_import_round_trip);
    };
    (@store $backend:ty; $($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                $crate::with_store::<$backend>($crate::cases::$case);
            }
        )*
    };
    (@maker $backend:ty; $($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                $crate::with_maker::<$backend>($crate::cases::$case);
            }
        )*
    };
}
