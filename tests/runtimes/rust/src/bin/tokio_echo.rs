//! tokio_echo MODE PORT SECONDS -- a healthy tokio TCP echo server.
//!
//! MODE `mt`: multi_thread runtime with 2 workers; `ct`: current_thread.
//! Listens on 127.0.0.1:PORT, prints "ready" once listening, one task per
//! connection (read up to 4 KiB, write_all it back), plus a housekeeping
//! task on a 20 ms `tokio::time::interval` (the 50 Hz timer real servers
//! have).  Serves for SECONDS, then exits 0.

use loopscope_corpus::*;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const USAGE: &str = "mt|ct PORT SECONDS";

#[derive(Default)]
struct Stats {
    conns: AtomicU64,
    open: AtomicU64,
    bytes: AtomicU64,
    ticks: AtomicU64,
    peak_open: AtomicU64,
}

async fn serve(mut s: TcpStream, st: Arc<Stats>) {
    let mut buf = [0u8; 4096];
    loop {
        let n = match s.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if s.write_all(&buf[..n]).await.is_err() {
            break;
        }
        st.bytes.fetch_add(n as u64, Relaxed);
    }
    st.open.fetch_sub(1, Relaxed);
}

fn main() {
    let args = args_exactly(3, USAGE);
    let mode = choice(&args, 1, &["mt", "ct"], USAGE).to_owned();
    let port: u16 = arg(&args, 2, USAGE);
    let secs: f64 = arg(&args, 3, USAGE);
    if !(secs > 0.0 && secs <= 25.0) {
        usage(USAGE)
    }
    arm();
    let st = Arc::new(Stats::default());
    let rt = runtime(&mode);
    let st2 = st.clone();
    rt.block_on(async move {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap_or_else(|e| fail(format!("bind 127.0.0.1:{}: {}", port, e)));
        say("ready");

        // Housekeeping: a 50 Hz timer doing something trivial.
        let hk = st2.clone();
        tokio::spawn(async move {
            let mut iv = tokio::time::interval(Duration::from_millis(20));
            loop {
                iv.tick().await;
                hk.ticks.fetch_add(1, Relaxed);
                let open = hk.open.load(Relaxed);
                hk.peak_open.fetch_max(open, Relaxed);
            }
        });

        let accept = async {
            loop {
                match listener.accept().await {
                    Ok((s, _)) => {
                        let _ = s.set_nodelay(true);
                        st2.conns.fetch_add(1, Relaxed);
                        st2.open.fetch_add(1, Relaxed);
                        tokio::spawn(serve(s, st2.clone()));
                    }
                    // EMFILE and the like: back off a little, keep serving.
                    Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
                }
            }
        };
        tokio::select! {
            _ = accept => {}
            _ = tokio::time::sleep(Duration::from_secs_f64(secs)) => {}
        }
    });
    rt.shutdown_timeout(Duration::from_secs(1));
    say(format!(
        "tokio_echo {}: {} connections, {} bytes echoed, {} housekeeping ticks, peak {} open",
        mode,
        st.conns.load(Relaxed),
        st.bytes.load(Relaxed),
        st.ticks.load(Relaxed),
        st.peak_open.load(Relaxed)
    ));
}
