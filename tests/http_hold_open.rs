//! Hold-open attacks: requests that announce a body and never send it are answered 408 and
//! closed within the configured request timeout, while `/healthz` and a deploy-token pull
//! keep answering; and the connection cap makes further connections wait instead of using up
//! file descriptors.

mod harness;

use harness::{Network, TestServer, unthrottled};
use regauth::app::namespaces::HolderRef;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Stalled connections held open at once.
const STALLED: usize = 2_000;
/// The configured request timeout of these tests.
const TIMEOUT: Duration = Duration::from_secs(2);

fn network(max_connections: usize) -> Network {
    Network {
        request_timeout: TIMEOUT,
        max_connections,
        ..unthrottled()
    }
}

/// A request head announcing 100,000 bytes of body, and the first 15 of them.
fn stall(s: &TestServer, method_path: &str) -> TcpStream {
    let addr = s.base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).unwrap();
    let head = format!(
        "{method_path} HTTP/1.1\r\nHost: {addr}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n\
         grant_type=pass"
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream
}

/// Everything the server sends until it closes (or until `wait` passes: then None).
fn answer(stream: &mut TcpStream, wait: Duration) -> Option<String> {
    stream.set_read_timeout(Some(wait)).unwrap();
    let mut text = Vec::new();
    match stream.read_to_end(&mut text) {
        Ok(_) => Some(String::from_utf8_lossy(&text).into_owned()),
        Err(_) => None,
    }
}

#[test]
fn stalled_bodies_are_cut_off_while_health_and_pulls_go_on() {
    // Two descriptors a stalled connection in this process: the client's and the server's.
    rlimit::increase_nofile_limit(u64::MAX).unwrap();
    let s = TestServer::start_network(network(10_000));
    s.seed();
    let (_, user, secret) = s.token(HolderRef::Project("acme/backend/api"), &["read_registry"]);
    let started = Instant::now();
    // (`/auth/forward` never reads a body: it answers at once and closes.)
    let paths = [
        "POST /jwt/auth",
        "POST /api/v4/projects",
        "POST /api/v4/groups",
    ];
    let mut stalled: Vec<(usize, TcpStream)> = (0..STALLED)
        .map(|i| (i % paths.len(), stall(&s, paths[i % paths.len()])))
        .collect();
    let opened = started.elapsed();

    let quick = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let t = Instant::now();
    let health = quick.get(s.url("/healthz")).send().unwrap();
    let health_time = t.elapsed();
    assert_eq!(health.status(), 200);
    let t = Instant::now();
    let pull = quick
        .get(s.url("/jwt/auth?service=container_registry&scope=repository:acme/backend/api:pull"))
        .basic_auth(&user, Some(&secret))
        .send()
        .unwrap();
    let pull_time = t.elapsed();
    assert_eq!(pull.status(), 200);
    let body: serde_json::Value = pull.json().unwrap();
    assert_eq!(
        s.access(body["token"].as_str().unwrap()),
        ["repository:acme/backend/api:pull"]
    );

    // Every stalled connection gets a 408 in its surface's shape, then the connection ends.
    let shapes = [
        "\"errors\":[{\"code\":\"INVALID_REQUEST\"",
        "{\"message\":\"408 Request Timeout\"}",
        "{\"message\":\"408 Request Timeout\"}",
    ];
    for (kind, stream) in &mut stalled {
        let text =
            answer(stream, TIMEOUT * 3).unwrap_or_else(|| panic!("{} still open", paths[*kind]));
        assert!(text.starts_with("HTTP/1.1 408"), "{text}");
        assert!(text.contains("connection: close"), "{text}");
        assert!(text.contains(shapes[*kind]), "{text}");
    }
    let closed = started.elapsed();
    // Generous: the timeout plus the time it took to open them, plus slack for a busy machine.
    assert!(closed < opened + TIMEOUT * 3, "{closed:?}");
    eprintln!(
        "{STALLED} stalled connections opened in {opened:?}; /healthz {health_time:?}, \
         pull {pull_time:?}; all closed {closed:?} after the first was opened"
    );
}

#[test]
fn past_the_connection_cap_new_connections_wait_for_a_free_slot() {
    // Four connections in all (two per worker on two cores, four on one).
    let s = TestServer::start_network(network(4));
    let mut stalled: Vec<TcpStream> = (0..4).map(|_| stall(&s, "POST /jwt/auth")).collect();
    // A fifth connection is not served until a stalled one has been cut off.
    let addr = s.base.trim_start_matches("http://");
    let mut fifth = TcpStream::connect(addr).unwrap();
    fifth
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let health = answer(&mut fifth, TIMEOUT * 5).expect("healthz answered");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    // So by now at least one stalled connection has its 408 waiting to be read.
    let cut_off = stalled
        .iter()
        .filter(|stream| {
            stream.set_nonblocking(true).unwrap();
            let waiting = stream.peek(&mut [0u8; 16]).is_ok_and(|n| n > 0);
            stream.set_nonblocking(false).unwrap();
            waiting
        })
        .count();
    assert!(
        cut_off >= 1,
        "healthz was served while all four held their slots"
    );
    for stream in &mut stalled {
        let text = answer(stream, TIMEOUT * 5).expect("stalled connection closed");
        assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    }
}
