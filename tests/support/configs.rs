//! Entries the tests share for their timing or their failure, written in
//! [`super::Scope::config`]'s placeholders: a test names what it is about
//! (a job that blocks 4 s, a service in a crash loop) and this says once
//! how that is made.

/// The standard service `{p}NAME` (the `{service}` placeholder), for a
/// test that writes its entries in a loop or names them by a variable.
pub fn service(name: &str) -> String {
    format!("{{p}}{name}:\n  {{service}}\n")
}

/// A job: a blocking entry (`detach: false`) that runs `secs` seconds (a
/// number, as `sleep` takes it) and exits 0; its apply waits for it.
pub fn job(name: &str, secs: &str) -> String {
    format!("{{p}}{name}:\n  image: {{image}}\n  command: [sleep, '{secs}']\n  detach: false\n")
}

/// A service in a crash loop: it exits 7 (after `before`, a `sh` prefix
/// such as `sleep 0.3; `, or at once) and its restart policy brings it
/// back, again and again.
pub fn crash_loop(name: &str, before: &str) -> String {
    format!(
        "{{p}}{name}:\n  image: {{image}}\n  command: [sh, -c, '{before}echo boom; exit 7']\n  \
         restart: always\n  stop_grace_period: 0\n"
    )
}
