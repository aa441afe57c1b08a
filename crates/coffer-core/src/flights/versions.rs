//! A flight's versions: every create and every update that changes the definition writes one
//! (in the store, in the same transaction), and none is ever changed afterwards. Reading them
//! needs what reading the flight needs (role `read`).

use super::part::{flight_object, Flights};
use crate::caller::{Caller, Role};
use crate::error::{CoreError, Result};
use crate::types::flights::{FlightInfo, FlightVersionInfo};
use coffer_store::{FlightRecord, FlightVersionRecord};

impl Flights<'_> {
    /// See [`Service::list_flight_versions`](crate::Service::list_flight_versions).
    pub(crate) fn list_flight_versions(
        &self,
        caller: &Caller,
        project: &str,
        name: &str,
    ) -> Result<Vec<FlightVersionInfo>> {
        let project = &self.access.canonical_project(project)?;
        self.access
            .authorize(caller, project, Role::Read, "flight.versions", &flight_object(name))?;
        let f = self.find_flight(project, name)?;
        Ok(FlightVersionInfo::list(&self.store.list_flight_versions(&f.id)?))
    }

    /// See [`Service::get_flight_version`](crate::Service::get_flight_version).
    pub(crate) fn get_flight_version(
        &self,
        caller: &Caller,
        project: &str,
        name: &str,
        version: i64,
    ) -> Result<FlightInfo> {
        let project = &self.access.canonical_project(project)?;
        self.access
            .authorize(caller, project, Role::Read, "flight.show", &flight_object(name))?;
        let f = self.find_flight(project, name)?;
        if version == f.version {
            // The current version is the flight as it is (read in one row).
            return Ok(self.flight_info(&f));
        }
        match self.store.get_flight_version(&f.id, version)? {
            Some(v) => {
                let mut info = self.flight_info(&at_version(&f, v));
                // An old version is not scheduled: only the current one is.
                info.next_run_at = None;
                Ok(info)
            }
            None => Err(self.no_such_version(&f, version)?),
        }
    }

    /// The error of a version `f` does not have: it names the flight, the version asked for,
    /// the latest one and, when older ones were never kept, the oldest one kept.
    fn no_such_version(&self, f: &FlightRecord, version: i64) -> Result<CoreError> {
        let oldest = self
            .store
            .list_flight_versions(&f.id)?
            .last()
            .map_or(f.version, |v| v.version);
        let why = if version < 1 {
            "versions are numbered 1, 2, 3, ...".to_string()
        } else if version < oldest {
            format!("versions before {oldest} were written before coffer kept a flight's versions")
        } else {
            "there is no such version".to_string()
        };
        Ok(CoreError::Missing(format!(
            "flight '{}' has no version {version} ({why}); its latest version is {}",
            f.name, f.version
        )))
    }
}

/// Flight `f` as it was at version `v`: its definition then, written then; its id, name,
/// owner and creation as they are.
fn at_version(f: &FlightRecord, v: FlightVersionRecord) -> FlightRecord {
    FlightRecord {
        spec: v.spec,
        version: v.version,
        updated_at: v.created_at,
        ..f.clone()
    }
}
