//! Helpers shared by the corpus programs: a watchdog, one-line failures,
//! argument parsing and the two tokio runtime flavours.

use std::fmt::Display;
use std::io::Write;
use std::time::Duration;

/// The program's name as invoked (for error lines).
pub fn prog() -> String {
    std::env::args()
        .next()
        .and_then(|p| p.rsplit('/').next().map(str::to_owned))
        .unwrap_or_else(|| "loopscope-corpus".into())
}

/// One line on stderr, exit status 1: an unexpected result.
pub fn fail(msg: impl Display) -> ! {
    eprintln!("{}: {}", prog(), msg);
    std::process::exit(1)
}

/// One line on stderr, exit status 2: bad command line.
pub fn usage(args: &str) -> ! {
    eprintln!("usage: {} {}", prog(), args);
    std::process::exit(2)
}

/// Exit 3 with one line on stderr if the program is still running after
/// `secs` seconds (every program arms one for 30 s).
pub fn watchdog(secs: u64) {
    std::thread::Builder::new()
        .name("watchdog".into())
        .spawn(move || {
            std::thread::sleep(Duration::from_secs(secs));
            eprintln!("{}: watchdog: still running after {} s", prog(), secs);
            std::process::exit(3)
        })
        .unwrap_or_else(|e| fail(format!("spawning watchdog: {}", e)));
}

/// The standard arming: a 30 s watchdog.
pub fn arm() {
    watchdog(30)
}

/// Print a line on stdout and flush it (e.g. "ready").
pub fn say(line: impl Display) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", line);
    let _ = out.flush();
}

/// Parse argument `i` (1-based) as a `T`, or exit with the usage line.
pub fn arg<T: std::str::FromStr>(args: &[String], i: usize, usage_line: &str) -> T {
    args.get(i)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| usage(usage_line))
}

/// Argument `i` (1-based), one of `choices`, or exit with the usage line.
pub fn choice<'a>(args: &'a [String], i: usize, choices: &[&str], usage_line: &str) -> &'a str {
    match args.get(i) {
        Some(s) if choices.contains(&s.as_str()) => s.as_str(),
        _ => usage(usage_line),
    }
}

/// Exactly `n` arguments after the program name, or exit with the usage line.
pub fn args_exactly(n: usize, usage_line: &str) -> Vec<String> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != n + 1 {
        usage(usage_line)
    }
    args
}

/// `n` arguments and an optional last one, ROUNDS (1..=150, default 10: more
/// let a tracer attach mid-run), or exit with the usage line.
pub fn args_and_rounds(n: usize, usage_line: &str) -> (Vec<String>, u32) {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != n + 1 && args.len() != n + 2 {
        usage(usage_line)
    }
    let rounds: u32 = if args.len() == n + 2 { arg(&args, n + 1, usage_line) } else { 10 };
    if rounds == 0 || rounds > 150 {
        usage(usage_line)
    }
    (args, rounds)
}

/// A tokio runtime of the given flavour: `mt` = multi_thread with 2 worker
/// threads (tokio's default worker names), `ct` = current_thread.  Both with
/// IO and time drivers.
pub fn runtime(flavor: &str) -> tokio::runtime::Runtime {
    let mut b = match flavor {
        "mt" => {
            let mut b = tokio::runtime::Builder::new_multi_thread();
            b.worker_threads(2);
            b
        }
        "ct" => tokio::runtime::Builder::new_current_thread(),
        other => fail(format!("unknown runtime flavour {:?}", other)),
    };
    b.enable_all()
        .build()
        .unwrap_or_else(|e| fail(format!("building the {} runtime: {}", flavor, e)))
}

/// Milliseconds in a duration, as a float with one decimal.
pub fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 10_000.0).round() / 10.0
}
