//! The service's metrics, served by `GET /metrics` in the Prometheus text format (0.0.4),
//! with the `prometheus-client` crate. The families and their labels are listed in
//! `docs/servers.md`; label values come from fixed sets (routes, outcomes, codes the service
//! answers), so a client cannot make new series appear.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// The `Content-Type` of `GET /metrics`.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Decision {
    endpoint: &'static str,
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Endpoint {
    endpoint: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Code {
    code: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReloadResult {
    result: &'static str,
}

fn latency_histogram() -> Histogram {
    // 0.25 ms … about 4 s.
    Histogram::new(exponential_buckets(0.000_25, 2.0, 15))
}

fn fuel_histogram() -> Histogram {
    // 10⁵ … 10¹⁰ units (the default budget is 2·10⁹).
    Histogram::new(exponential_buckets(100_000.0, 10.0, 6))
}

/// Every metric of the service, registered once.
pub struct Metrics {
    registry: Registry,
    decisions: Family<Decision, Counter>,
    errors: Family<Code, Counter>,
    latency: Family<Endpoint, Histogram, fn() -> Histogram>,
    fuel: Family<Endpoint, Histogram, fn() -> Histogram>,
    instances_live: Gauge,
    instances_max: Gauge,
    reloads: Family<ReloadResult, Counter>,
    log_queue: Gauge,
    log_wait: Histogram,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("procura");
        let decisions = Family::<Decision, Counter>::default();
        registry.register(
            "decisions",
            "Answered decision requests by endpoint and outcome (allowed, approvalRequired, blocked for evaluate; allow, deny for authorize; success for the others; failure for any coded failure)",
            decisions.clone(),
        );
        let errors = Family::<Code, Counter>::default();
        registry.register(
            "errors",
            "Coded failures answered, by code (decisions, 401, 404, 405)",
            errors.clone(),
        );
        let latency: Family<Endpoint, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(latency_histogram);
        registry.register(
            "request_duration_seconds",
            "Time from a decision request's arrival to its answer, decision log write included",
            latency.clone(),
        );
        let fuel: Family<Endpoint, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(fuel_histogram);
        registry.register(
            "fuel_used",
            "Fuel (about one WebAssembly instruction each) used per evaluation",
            fuel.clone(),
        );
        let instances_live = Gauge::default();
        registry.register(
            "pool_instances",
            "Instances of the core module in the serving pool now (idle or busy)",
            instances_live.clone(),
        );
        let instances_max = Gauge::default();
        registry.register(
            "pool_instances_max",
            "The most instances the serving pool makes (--instances)",
            instances_max.clone(),
        );
        let reloads = Family::<ReloadResult, Counter>::default();
        registry.register(
            "reloads",
            "Policy changes seen, by result: reloaded, or rejected, unreadable, failed (the old version kept serving)",
            reloads.clone(),
        );
        let log_queue = Gauge::default();
        registry.register(
            "decision_log_queue_depth",
            "Decision log lines waiting for the writer now",
            log_queue.clone(),
        );
        let log_wait = latency_histogram();
        registry.register(
            "decision_log_wait_seconds",
            "Time a decision waited for its log line to be written",
            log_wait.clone(),
        );
        Metrics {
            registry,
            decisions,
            errors,
            latency,
            fuel,
            instances_live,
            instances_max,
            reloads,
            log_queue,
            log_wait,
        }
    }

    /// One answered decision request: its endpoint, answer, first error code (if it failed),
    /// time taken and fuel used (`None` when it never reached an instance).
    pub fn decision(
        &self,
        endpoint: &'static str,
        answer: &str,
        failure_code: Option<&str>,
        elapsed: Duration,
        fuel: Option<u64>,
    ) {
        let outcome = match failure_code {
            Some(code) => {
                self.error(code);
                "failure"
            }
            None => outcome(answer),
        };
        self.decisions
            .get_or_create(&Decision { endpoint, outcome })
            .inc();
        self.latency
            .get_or_create(&Endpoint { endpoint })
            .observe(elapsed.as_secs_f64());
        if let Some(fuel) = fuel {
            self.fuel
                .get_or_create(&Endpoint { endpoint })
                .observe(fuel as f64);
        }
    }

    /// A coded failure answered outside a decision (401, 404, 405).
    pub fn error(&self, code: &str) {
        self.errors
            .get_or_create(&Code {
                code: code.to_owned(),
            })
            .inc();
    }

    /// A reload attempt's result: `reloaded`, `rejected`, `unreadable` or `failed`.
    pub fn reload(&self, result: &'static str) {
        self.reloads.get_or_create(&ReloadResult { result }).inc();
    }

    /// A decision log line written after waiting `waited`.
    pub fn logged(&self, waited: Duration) {
        self.log_wait.observe(waited.as_secs_f64());
    }

    /// The exposition, with the gauges read now.
    pub fn encode(&self, instances_live: usize, instances_max: usize, log_queue: usize) -> String {
        let gauge = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        self.instances_live.set(gauge(instances_live));
        self.instances_max.set(gauge(instances_max));
        self.log_queue.set(gauge(log_queue));
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry);
        text
    }
}

/// The outcome label of a successful answer, read from its start without parsing the rest:
/// the engine writes `{"type":"success","result":{"outcome":"…"` for a checkout and
/// `{"type":"success","result":{"decision":"…"` for a permission check.
fn outcome(answer: &str) -> &'static str {
    const KNOWN: [&str; 5] = ["allowed", "approvalRequired", "blocked", "allow", "deny"];
    let value = answer
        .strip_prefix(r#"{"type":"success","result":{"#)
        .and_then(|rest| {
            rest.strip_prefix(r#""outcome":""#)
                .or_else(|| rest.strip_prefix(r#""decision":""#))
        })
        .and_then(|rest| rest.split('"').next());
    value
        .and_then(|value| KNOWN.into_iter().find(|known| *known == value))
        .unwrap_or("success")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_come_from_the_start_of_the_answer() {
        assert_eq!(
            outcome(r#"{"type":"success","result":{"outcome":"approvalRequired","x":1}}"#),
            "approvalRequired"
        );
        assert_eq!(
            outcome(r#"{"type":"success","result":{"decision":"deny"}}"#),
            "deny"
        );
        assert_eq!(
            outcome(r#"{"type":"success","result":{"outcome":"made-up"}}"#),
            "success"
        );
        assert_eq!(
            outcome(r#"{"type":"success","result":"a,b\r\n"}"#),
            "success"
        );
    }
}
