//! Planning 1000 containers from a saved observation, no engine:
//! `cargo bench --bench planner`. Prints medians and peak heap; asserts
//! nothing (targets: under 50 ms, under 30 MB; reading and planning 1000
//! containers from Kubernetes Pod manifests under 100 ms; reading and
//! planning a 300-service compose file under 100 ms).

use paunch::plan::{PlanOptions, plan_apply};
use paunch::{Config, Observed};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};
use std::time::{Duration, Instant};

/// The system allocator, counting live and peak bytes while `COUNTING` is
/// on. Timed runs switch it off: two atomic updates per allocation cost
/// the planner a sixth of its time, which is the benchmark's, not paunch's.
struct Counting;
static COUNTING: AtomicBool = AtomicBool::new(false);
// Signed: a block allocated before counting began may be freed during it.
static CURRENT: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded to the system allocator unchanged.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() && COUNTING.load(Ordering::Relaxed) {
            let size = layout.size() as isize;
            let now = CURRENT.fetch_add(size, Ordering::Relaxed) + size;
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded to the system allocator unchanged.
        unsafe { System.dealloc(ptr, layout) };
        if COUNTING.load(Ordering::Relaxed) {
            CURRENT.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const N: usize = 1000;

fn config_text() -> String {
    let mut s = String::new();
    for i in 0..N {
        s.push_str(&format!(
            "svc-{i:04}:
  image: registry.example.com/team/svc-{m}:1.{i}
  command: [/usr/bin/svc, --port, '{port}', --name, svc-{i:04}]
  restart: unless-stopped
  stop_grace_period: 30s
  start_order: {order}
  environment:
    LOG_LEVEL: info
    INSTANCE: '{i}'
  volumes: ['svc-{i:04}-data:/var/lib/svc']
  healthcheck: {{test: 'curl -f localhost:{port}', interval: 30s}}
",
            m = i % 20,
            port = 8000 + i,
            order = i % 5
        ));
    }
    s
}

/// The observation of a host running that config, with `changed` entries
/// differing, and 200 containers of other tools.
fn observation(config: &Config, changed: usize) -> String {
    let mut obs = serde_json::json!({"containers": [], "foreign": [], "images": {}});
    for (i, e) in config.entries.iter().enumerate() {
        let data = if i < changed {
            e.config_data().replace("info", "debug")
        } else {
            e.config_data().to_string()
        };
        obs["containers"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({
                "id": format!("{i:064x}"),
                "name": e.name,
                "state": "running",
                "image_id": format!("sha256:{:064x}", i % 20),
                "image": e.image(),
                "command": e.command(),
                "created": "2026-11-01T10:00:00Z",
                "labels": {
                    "managed_by": "paunch", "config_id": "v1",
                    "container_name": e.name, "config_data": data
                }
            }));
        obs["images"][e.image().unwrap()] = serde_json::json!(format!("sha256:{:064x}", i % 20));
    }
    for i in 0..200 {
        obs["foreign"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({
                "id": format!("f{i:063x}"), "name": format!("other-{i}")
            }));
    }
    obs.to_string()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let text = config_text();
    let opts = PlanOptions {
        config_id: "v1".into(),
        ..PlanOptions::default()
    };
    let config = Config::parse(&text, "bench.yml").unwrap();
    println!(
        "planner benchmark: {N} containers, {} KiB of YAML",
        text.len() / 1024
    );
    for changed in [0, 100, N] {
        let saved = observation(&config, changed);
        let mut parse = Vec::new();
        let mut load = Vec::new();
        let mut plan_t = Vec::new();
        let mut total = Vec::new();
        let mut steps = 0;
        for _ in 0..15 {
            let t0 = Instant::now();
            let config = Config::parse(&text, "bench.yml").unwrap();
            let t1 = Instant::now();
            let mut observed: Observed = serde_json::from_str(&saved).unwrap();
            observed.normalize();
            let t2 = Instant::now();
            let plan = plan_apply(&config, &observed, &opts);
            let t3 = Instant::now();
            steps = plan.steps.len();
            parse.push(t1 - t0);
            load.push(t2 - t1);
            plan_t.push(t3 - t2);
            total.push(t3 - t0);
            drop((config, observed, plan));
        }
        // Peak heap in a run of its own, counted from zero live bytes
        // (what is freed during the run but was allocated before it would
        // otherwise count against it).
        CURRENT.store(0, Ordering::Relaxed);
        PEAK.store(0, Ordering::Relaxed);
        COUNTING.store(true, Ordering::Relaxed);
        {
            let config = Config::parse(&text, "bench.yml").unwrap();
            let mut observed: Observed = serde_json::from_str(&saved).unwrap();
            observed.normalize();
            let plan = plan_apply(&config, &observed, &opts);
            drop((config, observed, plan));
        }
        COUNTING.store(false, Ordering::Relaxed);
        let peak = PEAK.load(Ordering::Relaxed);
        println!(
            "  {changed:>4} changed: plan {:6.1} ms | parse config {:6.1} ms | load observation {:5.1} ms | all {:6.1} ms | peak heap {:5.1} MB | {steps} steps",
            ms(median(plan_t)),
            ms(median(parse)),
            ms(median(load)),
            ms(median(total)),
            peak as f64 / 1e6,
        );
    }
    println!("  (medians of 15 runs; targets: planning under 50 ms, peak under 30 MB)");
    // Kubernetes Pods: 250 Pods of three containers and an infra
    // container each, read and planned on a host running none of them.
    let pods = paunch::config::kube::bench_manifest(250);
    let empty: Observed = serde_json::from_str(r#"{"containers": [], "images": {}}"#).unwrap();
    let mut times = Vec::new();
    let mut n = 0;
    for _ in 0..15 {
        let t0 = Instant::now();
        let config = Config::parse(&pods, "pods.yaml").unwrap();
        let plan = plan_apply(&config, &empty, &opts);
        times.push(t0.elapsed());
        n = config.entries.len();
        drop((config, plan));
    }
    println!(
        "  pods: read + plan {n} containers from Pod manifests ({} KiB): {:6.1} ms (target under 100 ms)",
        pods.len() / 1024,
        ms(median(times))
    );
    // A compose file of 300 services (networks, a volume, depends_on,
    // interpolation, anchors), read and planned on an empty host.
    let compose = compose_text(300);
    let opts = PlanOptions {
        config_id: "shop".into(),
        ..PlanOptions::default()
    };
    let mut times = Vec::new();
    let mut n = 0;
    for _ in 0..15 {
        let t0 = Instant::now();
        let config = Config::parse(&compose, "compose.yaml").unwrap();
        let plan = plan_apply(&config, &empty, &opts);
        times.push(t0.elapsed());
        n = config.entries.len();
        drop((config, plan));
    }
    println!(
        "  compose: read + plan 300 services ({n} containers, {} KiB): {:6.1} ms (target under 100 ms)",
        compose.len() / 1024,
        ms(median(times))
    );
}

/// A compose file of `n` services: each on the project network, some on a
/// back network, a shared volume, every fifth depending on the one before
/// (healthy), values through `${VAR:-default}` and an `x-` anchor.
fn compose_text(n: usize) -> String {
    let mut s = String::from(
        "x-common: &common\n  restart: unless-stopped\n  stop_grace_period: 10s\n  logging: {driver: json-file, options: {max-size: 10m}}\nservices:\n",
    );
    for i in 0..n {
        s.push_str(&format!(
            "  svc{i}:\n    <<: *common\n    image: ${{REGISTRY:-registry.example.com}}/svc{m}:1.{i}\n    command: /usr/bin/svc --port {port} --name svc{i}\n    environment:\n      LOG_LEVEL: ${{LOG_LEVEL:-info}}\n      INSTANCE: '{i}'\n    ports: ['{port}:{port}']\n    volumes: [data:/var/lib/svc, ./conf/svc{i}:/etc/svc:ro]\n    healthcheck: {{test: 'curl -f localhost:{port}', interval: 30s}}\n    deploy: {{resources: {{limits: {{memory: 128m, cpus: '0.5'}}}}}}\n",
            m = i % 20,
            port = 8000 + i
        ));
        if i % 5 != 0 {
            s.push_str(&format!(
                "    depends_on:\n      svc{}: {{condition: service_healthy}}\n",
                i - 1
            ));
        }
        if i % 3 == 0 {
            s.push_str("    networks: [back]\n");
        }
    }
    s.push_str("networks:\n  back: {}\nvolumes:\n  data: {}\n");
    s
}
