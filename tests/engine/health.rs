//! Health where a person or a script looks: `list` in every format, and a
//! plan's note on a running container whose health check fails.

use crate::support::*;

#[test]
fn list_shows_health_and_a_plan_notes_an_unhealthy_container() {
    let s = Scope::new("health");
    let file = s.config(
        "h.yml",
        "{p}fine:
  {service}
  healthcheck: {test: 'true', interval: 1s, retries: 1}
{p}sick:
  {service}
  healthcheck: {test: 'false', interval: 1s, retries: 1}
",
    );
    s.apply(&file, "c1").ok();
    let (fine, sick) = (s.name("fine"), s.name("sick"));
    let health = |n: &str| {
        inspect(n)["State"]["Health"]["Status"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    wait_until(30, "the health checks to settle", || {
        run_health_checks(&[&fine, &sick]);
        health(&fine) == "healthy" && health(&sick) == "unhealthy"
    });

    let table = s.paunch(&["list"]).ok().stdout;
    assert!(
        table.contains("running (healthy)") && table.contains("running (unhealthy)"),
        "{table}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&s.paunch(&["list", "--format", "json"]).ok().stdout).unwrap();
    let rows = json["c1"].as_array().unwrap();
    let row = |n: &str| rows.iter().find(|r| r["container"] == n).unwrap().clone();
    assert_eq!(row(&fine)["status"], "running (healthy)");
    assert_eq!(row(&fine)["health"], "healthy");
    assert_eq!(row(&sick)["health"], "unhealthy");
    let yaml = s.paunch(&["list", "--format", "yaml"]).ok().stdout;
    assert!(yaml.contains("health: unhealthy"), "{yaml}");

    let plan = s.plan(&file, "c1").ok().stdout;
    assert!(
        plan.contains(&format!("{sick} runs but is unhealthy")),
        "{plan}"
    );
    assert!(!plan.contains(&format!("{fine} runs but")), "{plan}");
}
