//! tokio_half_duplex mt|ct bug|fix -- "read() blocks my send()".
//!
//! A std-thread peer ("peer" sends, "peer-reader" reads) on 127.0.0.1
//! accepts one connection and sends a 64-byte message every 250 ms, 12
//! messages, while counting what comes back.  The client, a tokio runtime
//! (`mt`: multi_thread with 2 workers; `ct`: current_thread) running the
//! main future in `rt.block_on`, wants to send a 16-byte heartbeat every
//! 30 ms:
//!   bug: one loop in the main future: `read_exact(64).await`, then
//!        `write_all` every heartbeat that fell due meanwhile, so each send
//!        waits for the next incoming message (bursts every 250 ms);
//!   fix: the stream is split (`into_split`); a spawned writer task sends
//!        each heartbeat on a 30 ms interval while the main future reads.
//! In both, an unrelated spawned task ticks a 10 ms interval doing nothing
//! (it keeps the thread's epoll waits short).  The client closes after the
//! 12th message; the peer checks it received heartbeats (and, for the
//! verdict, the longest gap between them: ~250 ms for bug, ~30 ms for fix).

use loopscope_corpus::*;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const USAGE: &str = "mt|ct bug|fix";
const MSG: usize = 64;
const MSGS: usize = 12;
const MSG_EVERY: Duration = Duration::from_millis(250);
const HB: usize = 16;
const HB_EVERY: Duration = Duration::from_millis(30);

struct PeerReport {
    hb_bytes: usize,
    longest_gap: Duration,
}

/// The peer: accept one connection, send 12 messages 250 ms apart, read
/// (on a second thread) until the client closes.
fn peer(listener: TcpListener) -> PeerReport {
    let (mut s, _) = listener.accept().unwrap_or_else(|e| fail(format!("peer accept: {}", e)));
    let _ = s.set_nodelay(true);
    let mut r = s.try_clone().unwrap_or_else(|e| fail(format!("peer dup: {}", e)));
    let reader = std::thread::Builder::new()
        .name("peer-reader".into())
        .spawn(move || {
            let mut buf = [0u8; 4096];
            let (mut total, mut last, mut longest) = (0usize, Instant::now(), Duration::ZERO);
            loop {
                match r.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        if buf[..n].iter().any(|&b| b != b'h') {
                            fail("peer: received something other than heartbeats");
                        }
                        total += n;
                        longest = longest.max(last.elapsed());
                        last = Instant::now();
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => fail(format!("peer read: {}", e)),
                }
            }
            PeerReport { hb_bytes: total, longest_gap: longest }
        })
        .unwrap_or_else(|e| fail(format!("spawning peer-reader: {}", e)));
    let start = Instant::now();
    for i in 1..=MSGS {
        let due = start + MSG_EVERY * i as u32;
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
        let msg = [b'0' + (i % 10) as u8; MSG];
        s.write_all(&msg).unwrap_or_else(|e| fail(format!("peer write #{}: {}", i, e)));
    }
    reader.join().unwrap_or_else(|_| fail("peer-reader panicked"))
}

/// Heartbeats due by now since `start` (one at each 30 ms mark).
fn due(start: Instant) -> u64 {
    (start.elapsed().as_nanos() / HB_EVERY.as_nanos()) as u64
}

async fn bug(mut s: TcpStream) -> u64 {
    let start = Instant::now();
    let mut sent = 0u64;
    let mut msg = [0u8; MSG];
    for i in 1..=MSGS {
        s.read_exact(&mut msg)
            .await
            .unwrap_or_else(|e| fail(format!("read message #{}: {}", i, e)));
        // Only now, after the read, the heartbeats that fell due meanwhile.
        while sent < due(start) {
            s.write_all(&[b'h'; HB])
                .await
                .unwrap_or_else(|e| fail(format!("write heartbeat: {}", e)));
            sent += 1;
        }
    }
    sent
}

async fn fix(s: TcpStream) -> u64 {
    let (mut rd, mut wr) = s.into_split();
    let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
    let writer = tokio::spawn(async move {
        let mut iv = tokio::time::interval_at(tokio::time::Instant::now() + HB_EVERY, HB_EVERY);
        let mut sent = 0u64;
        loop {
            tokio::select! {
                _ = iv.tick() => {
                    wr.write_all(&[b'h'; HB])
                        .await
                        .unwrap_or_else(|e| fail(format!("write heartbeat: {}", e)));
                    sent += 1;
                }
                _ = &mut stop_rx => break,
            }
        }
        sent // dropping `wr` shuts the write side down
    });
    let mut msg = [0u8; MSG];
    for i in 1..=MSGS {
        rd.read_exact(&mut msg)
            .await
            .unwrap_or_else(|e| fail(format!("read message #{}: {}", i, e)));
    }
    let _ = stop_tx.send(());
    writer.await.unwrap_or_else(|e| fail(format!("writer task: {}", e)))
}

fn main() {
    let args = args_exactly(2, USAGE);
    let flavor = choice(&args, 1, &["mt", "ct"], USAGE).to_owned();
    let mode = choice(&args, 2, &["bug", "fix"], USAGE).to_owned();
    arm();

    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| fail(format!("peer bind: {}", e)));
    let addr = listener.local_addr().unwrap();
    let peer = std::thread::Builder::new()
        .name("peer".into())
        .spawn(move || peer(listener))
        .unwrap_or_else(|e| fail(format!("spawning peer: {}", e)));

    let rt = runtime(&flavor);
    let t0 = Instant::now();
    let sent = rt.block_on(async {
        // Unrelated busy-ish task: a 10 ms timer doing nothing.
        tokio::spawn(async {
            let mut iv = tokio::time::interval(Duration::from_millis(10));
            loop {
                iv.tick().await;
            }
        });
        let s = TcpStream::connect(addr)
            .await
            .unwrap_or_else(|e| fail(format!("connect {}: {}", addr, e)));
        let _ = s.set_nodelay(true);
        if mode == "bug" {
            bug(s).await
        } else {
            fix(s).await
        }
    });
    // The stream is closed (dropped) by now.
    let rep = peer.join().unwrap_or_else(|_| fail("peer panicked"));
    rt.shutdown_timeout(Duration::from_millis(500));

    let got = rep.hb_bytes / HB;
    say(format!(
        "tokio_half_duplex {} {}: {} messages read, {} heartbeats sent, peer got {} ({} bytes), longest gap {:.1} ms, {:.0} ms in all",
        flavor, mode, MSGS, sent, got, rep.hb_bytes, ms(rep.longest_gap), ms(t0.elapsed())
    ));
    if rep.hb_bytes % HB != 0 || got as u64 != sent {
        fail(format!("peer got {} bytes, expected {} heartbeats of {}", rep.hb_bytes, sent, HB));
    }
    if got < 50 {
        fail(format!("peer got only {} heartbeats", got));
    }
    let gap = rep.longest_gap;
    if mode == "bug" && gap < Duration::from_millis(200) {
        fail(format!("bug: longest heartbeat gap {:.1} ms, expected ~250 ms", ms(gap)));
    }
    if mode == "fix" && gap >= Duration::from_millis(200) {
        fail(format!("fix: longest heartbeat gap {:.1} ms, expected ~30 ms", ms(gap)));
    }
}
