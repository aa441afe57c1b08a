//! The change feed: one connection per subscription, outside the pool, that LISTENs and
//! turns notifications from other stores into [`StoreChange`]s. When the connection drops it
//! reconnects (with backoff) and reports [`StoreChange::Resync`], since changes may have been
//! missed in between. Writers notify through `pg_notify` in their transaction
//! ([`crate::rows`]), so a rolled-back write notifies nobody.

use crate::error::describe;
use coffer_store::StoreChange;
use futures_util::StreamExt;
use std::sync::mpsc::Sender;
use std::time::Duration;
use tokio_postgres::AsyncMessage;

/// The LISTEN/NOTIFY channel of the change feed.
pub(crate) const CHANNEL: &str = "coffer_changes";

/// The payload of a change notification: compact JSON.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct Note {
    /// The store that made the change.
    pub(crate) o: String,
    /// `u` (secret upserted), `d` (secret dropped), `p` (project dropped).
    pub(crate) k: String,
    /// The project.
    pub(crate) p: String,
    /// The secret's name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) n: String,
}

/// Listens for the changes of stores other than `origin` and sends them on `out` until it
/// closes; `ready` hears whether the first LISTEN is in place.
pub(crate) async fn listen(
    config: tokio_postgres::Config,
    tls: tokio_postgres_rustls::MakeRustlsConnect,
    origin: String,
    out: Sender<StoreChange>,
    ready: Sender<std::result::Result<(), String>>,
) {
    let mut ready = Some(ready);
    let mut backoff = Duration::from_millis(100);
    loop {
        match config.connect(tls.clone()).await {
            Ok((client, mut connection)) => {
                // The connection delivers notifications only while it is polled: a task
                // polls it and hands them over; when it ends, the channel closes.
                let (notes_tx, mut notes) = tokio::sync::mpsc::unbounded_channel();
                tokio::spawn(async move {
                    let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
                    while let Some(Ok(m)) = messages.next().await {
                        if let AsyncMessage::Notification(n) = m {
                            if notes_tx.send(n).is_err() {
                                break;
                            }
                        }
                    }
                });
                match client.batch_execute(&format!("LISTEN {CHANNEL}")).await {
                    Err(e) => {
                        if let Some(r) = ready.take() {
                            let _ = r.send(Err(describe(&e)));
                            return;
                        }
                    }
                    Ok(()) => {
                        let first = match ready.take() {
                            Some(r) => r.send(Ok(())).is_ok(),
                            None => out.send(StoreChange::Resync).is_ok(),
                        };
                        if !first {
                            return;
                        }
                        backoff = Duration::from_millis(100);
                        while let Some(n) = notes.recv().await {
                            let Ok(note) = serde_json::from_str::<Note>(n.payload()) else {
                                continue;
                            };
                            if note.o == origin {
                                continue;
                            }
                            let change = match note.k.as_str() {
                                "u" => StoreChange::SecretUpserted {
                                    project: note.p,
                                    name: note.n,
                                },
                                "d" => StoreChange::SecretDropped {
                                    project: note.p,
                                    name: note.n,
                                },
                                "s" => StoreChange::SourceChanged {
                                    project: note.p,
                                    name: note.n,
                                },
                                "p" => StoreChange::ProjectDropped { project: note.p },
                                _ => StoreChange::Resync,
                            };
                            if out.send(change).is_err() {
                                return;
                            }
                        }
                    }
                }
                drop(client);
            }
            Err(e) => {
                if let Some(r) = ready.take() {
                    let _ = r.send(Err(describe(&e)));
                    return;
                }
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}
