//! tokio_client PORT CONNS MSGS -- a tokio echo client.
//!
//! A multi_thread runtime (2 workers) opens CONNS connections to
//! 127.0.0.1:PORT with `TcpStream::connect` (a non-blocking connect inside
//! tokio), each sends MSGS messages of 100 bytes and reads each echo back
//! (checking it), then exits 0 printing the total bytes.

use loopscope_corpus::*;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const USAGE: &str = "PORT CONNS MSGS";
const SIZE: usize = 100;

async fn client(port: u16, id: usize, msgs: usize) -> u64 {
    let mut s = TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap_or_else(|e| fail(format!("connection {}: connect 127.0.0.1:{}: {}", id, port, e)));
    let _ = s.set_nodelay(true);
    let mut back = [0u8; SIZE];
    let mut total = 0u64;
    for m in 0..msgs {
        let mut msg = [0u8; SIZE];
        for (i, b) in msg.iter_mut().enumerate() {
            *b = (id.wrapping_mul(31) ^ m.wrapping_mul(7) ^ i) as u8;
        }
        s.write_all(&msg)
            .await
            .unwrap_or_else(|e| fail(format!("connection {}: write: {}", id, e)));
        s.read_exact(&mut back)
            .await
            .unwrap_or_else(|e| fail(format!("connection {}: read echo #{}: {}", id, m, e)));
        if back != msg {
            fail(format!("connection {}: echo #{} differs from what was sent", id, m));
        }
        total += (SIZE * 2) as u64;
    }
    total
}

fn main() {
    let args = args_exactly(3, USAGE);
    let port: u16 = arg(&args, 1, USAGE);
    let conns: usize = arg(&args, 2, USAGE);
    let msgs: usize = arg(&args, 3, USAGE);
    if port == 0 || conns == 0 || conns > 10_000 || msgs > 10_000_000 {
        usage(USAGE)
    }
    arm();
    let rt = runtime("mt");
    let t0 = Instant::now();
    let total = rt.block_on(async {
        let tasks: Vec<_> = (0..conns).map(|id| tokio::spawn(client(port, id, msgs))).collect();
        let mut total = 0u64;
        for t in tasks {
            total += t.await.unwrap_or_else(|e| fail(format!("client task: {}", e)));
        }
        total
    });
    rt.shutdown_timeout(Duration::from_millis(500));
    say(format!(
        "tokio_client: {} connections x {} messages of {} bytes: {} bytes sent and received in {:.1} ms",
        conns,
        msgs,
        SIZE,
        total,
        ms(t0.elapsed())
    ));
}
