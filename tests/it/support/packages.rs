//! Installing what the tests need from Debian's packages, when the tests run as root on a machine
//! with apt-get (as `.ci/run` does); elsewhere the tests say what to install.

use std::path::Path;
use std::process::{Command, Stdio};

pub fn is_root() -> bool {
    // SAFETY: geteuid only reads the process's credentials.
    unsafe { libc::geteuid() == 0 }
}

/// Whether this process may install packages: as root, with apt-get.
pub fn can_install() -> bool {
    is_root() && Path::new("/usr/bin/apt-get").exists()
}

/// `apt-get install`s `packages`, quietly.
pub fn install(packages: &[&str]) -> Result<(), String> {
    let quiet = |args: &[&str]| {
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null())
            .status()
            .map_err(|e| e.to_string())
    };
    quiet(&["update", "-qq"])?;
    match quiet(&[&["install", "-y", "-qq"], packages].concat())?.success() {
        true => Ok(()),
        false => Err(format!("apt-get install {} failed", packages.join(" "))),
    }
}
