//! The store's change feed: a thread hands each change other processes commit to the service,
//! which tells its observers.

use super::part::NodeHost;
use crate::error::{CoreError, Result};
use coffer_store::{Store, StoreChange};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Weak;
use std::thread::JoinHandle;
use std::time::Duration;
use tracing::debug;

/// See [`Service::follow_store`](crate::Service::follow_store): `service` is the service, whose
/// store is `store`.
pub(crate) fn follow(store: &dyn Store, service: Weak<dyn NodeHost>) -> Result<Option<JoinHandle<()>>> {
    let Some(feed) = store.subscribe()? else {
        return Ok(None);
    };
    let thread = std::thread::Builder::new()
        .name("coffer-store-feed".into())
        .spawn(move || follow_loop(&service, &feed))
        .map_err(|e| CoreError::Usage(format!("cannot start the thread following the store: {e}")))?;
    Ok(Some(thread))
}

/// How often the feed thread checks whether its service is gone when no change arrives.
const FEED_POLL: Duration = Duration::from_millis(500);

fn follow_loop(service: &Weak<dyn NodeHost>, feed: &mpsc::Receiver<StoreChange>) {
    loop {
        match feed.recv_timeout(FEED_POLL) {
            Ok(change) => {
                let Some(service) = service.upgrade() else { return };
                debug!(?change, "change from another node");
                service.apply(&change);
            }
            Err(RecvTimeoutError::Timeout) => {
                if service.strong_count() == 0 {
                    return;
                }
            }
            Err(RecvTimeoutError::Disconnected) => {
                debug!("the store's change feed closed");
                return;
            }
        }
    }
}
