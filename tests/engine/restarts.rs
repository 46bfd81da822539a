//! Convergence after restarts: a detached container whose configuration is
//! unchanged but that is not running (a daemon restart or a reboot left it
//! exited) is started again, the same container; a blocking one is not.

use crate::support::*;

#[test]
fn an_exited_detached_container_is_started_and_a_blocking_one_is_not() {
    let s = Scope::new("restart");
    let file = s.config(
        "r.yml",
        "{p}once:
  image: {image}
  command: 'true'
  detach: false
{p}web:
  {service}
  start_order: 1
{p}poke:
  action: exec
  command: ['{p}web', 'true']
  start_order: 2
",
    );
    s.apply(&file, "c1").ok();
    let (once, web) = (s.name("once"), s.name("web"));
    let (once_id, web_id) = (id_of(&once), id_of(&web));
    // What a daemon restart does to a container without a restart policy.
    engine_ok(&["kill", &web]);
    assert!(!running(&web));
    let plan = s.plan(&file, "c1").ok();
    assert!(
        plan.stdout.contains(&format!("> start   {web}")) && plan.stdout.contains("exited (137)"),
        "{}",
        plan.stdout
    );
    assert!(plan.stdout.contains("1 to start"), "{}", plan.stdout);
    let run = s.apply(&file, "c1").ok();
    assert!(
        run.stdout.contains(&format!("started {web}")),
        "{}",
        run.stdout
    );
    assert!(running(&web));
    assert_eq!(id_of(&web), web_id, "the same container");
    assert_eq!(
        id_of(&once),
        once_id,
        "a blocking container is not run again"
    );
    let again = s.plan(&file, "c1").ok();
    assert!(!again.stdout.contains("start "), "{}", again.stdout);
}
