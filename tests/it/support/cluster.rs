//! A throwaway PostgreSQL server for the tests, so that `cargo test` needs nothing running: when
//! `LADDER_TEST_POSTGRES_URL` names no server, the first test that needs one makes a cluster with the
//! installed server binaries (`initdb` into a temporary folder), starts it on a free loopback port,
//! and it ends with the test process (it is told to quit when the thread that started it ends, and
//! that thread lives as long as the process). As root, which PostgreSQL refuses to run as, it runs as
//! the `postgres` system user. It keeps PostgreSQL's default durability settings, so that the
//! benchmarks, which use it too, measure what a real server does. Where the binaries are missing, they are installed from Debian's
//! packages when that is possible (as root, with apt-get), or the tests stop with one line saying what
//! to install.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::packages;

/// The URL of the server the tests create their databases on.
pub fn admin_url() -> String {
    if let Ok(url) = std::env::var("LADDER_TEST_POSTGRES_URL") {
        return url;
    }
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| start().unwrap_or_else(|why| panic!("{why}"))).clone()
}

/// The newest installed server's `bin` folder.
fn server_binaries() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists() && bin.join("postgres").exists())
        .collect();
    versions.sort_by_key(|p| p.parent().and_then(|v| v.file_name()?.to_str()?.parse::<u32>().ok()).unwrap_or(0));
    versions.pop()
}

/// The `postgres` system user's uid and gid, to run the server as when the tests run as root.
fn postgres_user() -> Result<(u32, u32), String> {
    let id = |flag: &str| -> Result<u32, String> {
        let out = Command::new("id").args([flag, "postgres"]).output().map_err(|e| e.to_string())?;
        String::from_utf8_lossy(&out.stdout).trim().parse().map_err(|_| "no `postgres` system user".to_owned())
    };
    Ok((id("-u")?, id("-g")?))
}

fn start() -> Result<String, String> {
    let missing = "the tests need PostgreSQL's server binaries (initdb, postgres): install them (Debian: \
                   apt-get install postgresql), or set LADDER_TEST_POSTGRES_URL to a server where user postgres \
                   may create databases";
    let bin = match server_binaries() {
        Some(bin) => bin,
        None if packages::can_install() => {
            packages::install(&["postgresql"]).map_err(|e| format!("{missing} ({e})"))?;
            server_binaries().ok_or(missing)?
        }
        None => return Err(missing.to_owned()),
    };
    let user = if packages::is_root() { Some(postgres_user()?) } else { None };
    remove_stale_clusters();
    let dir = std::env::temp_dir().join(format!("{PREFIX}{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot make {}: {e}", dir.display()))?;
    if let Some((uid, gid)) = user {
        std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).map_err(|e| format!("chown {}: {e}", dir.display()))?;
    }
    let data = dir.join("data");
    let mut initdb = Command::new(bin.join("initdb"));
    initdb.args(["-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "-D"]).arg(&data);
    run_as(&mut initdb, user);
    let out = initdb.output().map_err(|e| format!("initdb: {e}"))?;
    if !out.status.success() {
        return Err(format!("initdb failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let port =
        std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?.port();
    let (postgres, data_dir, sockets) = (bin.join("postgres"), data.clone(), dir.clone());
    let log = std::fs::File::create(dir.join("server.log")).map_err(|e| e.to_string())?;
    let (started, server) = std::sync::mpsc::channel();
    // The server is told to quit when this thread ends, which is when the test process ends.
    std::thread::Builder::new()
        .name("test postgres".into())
        .spawn(move || {
            let mut cmd = Command::new(postgres);
            cmd.arg("-D").arg(&data_dir).arg("-k").arg(&sockets);
            cmd.args(["-p", &port.to_string(), "-c", "listen_addresses=127.0.0.1"]);
            cmd.args(["-c", "max_connections=300", "-c", "shared_buffers=64MB"]);
            cmd.stdout(Stdio::null()).stderr(log);
            run_as(&mut cmd, user);
            // SAFETY: prctl only sets this child's parent-death signal, after its credentials changed.
            unsafe {
                cmd.pre_exec(|| {
                    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGQUIT);
                    Ok(())
                });
            }
            let child = cmd.spawn();
            let _ = started.send(child.as_ref().map(|_| ()).map_err(|e| e.to_string()));
            if let Ok(mut child) = child {
                let _ = child.wait();
            }
            std::thread::park(); // never reached while the server runs
        })
        .map_err(|e| e.to_string())?;
    server.recv().map_err(|e| e.to_string())?.map_err(|e| format!("postgres: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
            return Err(format!("the test PostgreSQL did not start: {log}"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(format!("postgres://postgres@127.0.0.1:{port}/postgres?sslmode=disable"))
}

/// How the folders of test clusters are named, before the test process's id.
const PREFIX: &str = "ladder-test-postgres-";

/// Removes the folders of test clusters whose test process has ended.
fn remove_stale_clusters() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.strip_prefix(PREFIX).and_then(|p| p.parse::<u32>().ok()) else { continue };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// `url` with its port changed to `port`.
pub fn with_port(url: &str, port: u16) -> String {
    let mut parsed = url::Url::parse(url).expect("a database URL");
    parsed.set_port(Some(port)).expect("a URL with a host");
    parsed.to_string()
}

/// The port of `url`.
pub fn port_of(url: &str) -> u16 {
    url::Url::parse(url).ok().and_then(|u| u.port()).expect("a database URL with a port")
}

/// Runs `cmd` as the `postgres` user when one is given (the tests run as root).
fn run_as(cmd: &mut Command, user: Option<(u32, u32)>) {
    if let Some((uid, gid)) = user {
        cmd.uid(uid).gid(gid).env("HOME", "/tmp");
    }
}
