//! Helpers shared by the in-process integration tests.
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use server::options::Options;
use server::server::Server;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Starts a server on a random 127.0.0.1 port and waits (bounded) for its address.
pub async fn start(opts: Options) -> (Arc<Server>, SocketAddr) {
    let srv = Server::new(Options { host: "127.0.0.1".into(), port: -1, ..opts });
    let run = Arc::clone(&srv);
    tokio::spawn(async move { run.run().await });
    for _ in 0..200 {
        let addr = *srv.client_addr.lock().unwrap();
        if let Some(addr) = addr {
            return (srv, addr);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("server did not start");
}

/// Connects, swallows INFO, sends `input`, and returns everything received until
/// the server goes quiet (or closes, marked with `<EOF>`).
pub async fn exchange(addr: SocketAddr, input: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let mut info = vec![0u8; 4096];
    let n = s.read(&mut info).await.unwrap();
    assert!(info[..n].starts_with(b"INFO {"));
    s.write_all(input).await.unwrap();
    let mut out = Vec::new();
    let mut buf = vec![0u8; 65536];
    loop {
        match tokio::time::timeout(Duration::from_millis(300), s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => {
                out.extend_from_slice(b"<EOF>");
                break;
            }
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            Err(_) => break,
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
