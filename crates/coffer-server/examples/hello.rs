//! A bare hyper 1.x HTTP/1.1 server that answers `hello` to every request: the baseline that
//! `scripts/bench_serve.sh` measures `coffer serve` against (same machine, same load generator).
//!
//! Usage: `hello 127.0.0.1:PORT`. Runs on tokio's multi-thread runtime, like `coffer serve`.

use std::convert::Infallible;
use std::net::SocketAddr;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

async fn hello(_req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(b"hello"))))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr: SocketAddr = std::env::args()
        .nth(1)
        .ok_or("usage: hello IP:PORT")?
        .parse()
        .map_err(|e| format!("invalid address: {e}"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let listener = TcpListener::bind(addr).await?;
        eprintln!("hello: serving on http://{}", listener.local_addr()?);
        loop {
            // Socket options left at their defaults, as `axum::serve` (coffer serve) leaves them.
            let (stream, _) = listener.accept().await?;
            tokio::spawn(async move {
                if let Err(e) = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service_fn(hello))
                    .await
                {
                    eprintln!("hello: connection error: {e}");
                }
            });
        }
    })
}
