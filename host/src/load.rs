//! A bounded load generator: `total` requests over `concurrency` keep-alive connections,
//! each response recorded (status, latency, the policy hash it names, transport errors).
//! Used by the load test (which asserts counts, never latencies) and `procura-load`
//! (which prints p50/p99).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::client::Connection;
use crate::server::{DECISION_ID, POLICY_HASH};

/// One request to send: its path (e.g. `/v1/evaluate`) and JSON body.
#[derive(Debug, Clone)]
pub struct Request {
    pub path: String,
    pub body: Vec<u8>,
}

/// What happened to one request.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Its number, 0-based, in the order requests were started.
    pub index: usize,
    pub started: Instant,
    pub latency: Duration,
    /// The HTTP status, or `None` on a transport error.
    pub status: Option<u16>,
    /// The transport error, if any.
    pub error: Option<String>,
    /// The `x-procura-policy-hash` header.
    pub header_hash: Option<String>,
    /// `result.policy.hash` of the answer JSON.
    pub answer_hash: Option<String>,
    /// Whether the response had an `x-decision-id`.
    pub has_decision_id: bool,
    /// The `x-decision-id` header.
    pub decision_id: Option<String>,
}

/// Sends `total` requests (cycling through `requests`) on `concurrency` connections; a
/// connection that fails is reopened for the next request.
pub async fn run(
    addr: SocketAddr,
    requests: Arc<Vec<Request>>,
    total: usize,
    concurrency: usize,
    progress: Option<Arc<AtomicUsize>>,
) -> Vec<Sample> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..concurrency.max(1) {
        let next = Arc::clone(&next);
        let requests = Arc::clone(&requests);
        let progress = progress.clone();
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            let mut connection: Option<Connection> = None;
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= total || requests.is_empty() {
                    break;
                }
                let Some(request) = requests.get(index % requests.len()) else {
                    break;
                };
                let started = Instant::now();
                let outcome = async {
                    let conn = match connection.as_mut() {
                        Some(conn) => conn,
                        None => connection.insert(Connection::open(addr).await?),
                    };
                    conn.post_json(&request.path, &request.body).await
                }
                .await;
                let latency = started.elapsed();
                let sample = match outcome {
                    Ok(response) => Sample {
                        index,
                        started,
                        latency,
                        status: Some(response.status),
                        error: None,
                        header_hash: response.header(POLICY_HASH).map(str::to_owned),
                        answer_hash: answer_hash(&response.body),
                        has_decision_id: response.header(DECISION_ID).is_some(),
                        decision_id: response.header(DECISION_ID).map(str::to_owned),
                    },
                    Err(error) => {
                        connection = None;
                        Sample {
                            index,
                            started,
                            latency,
                            status: None,
                            error: Some(error.to_string()),
                            header_hash: None,
                            answer_hash: None,
                            has_decision_id: false,
                            decision_id: None,
                        }
                    }
                };
                samples.push(sample);
                if let Some(progress) = &progress {
                    progress.fetch_add(1, Ordering::Relaxed);
                }
            }
            samples
        }));
    }
    let mut all = Vec::with_capacity(total);
    for task in tasks {
        if let Ok(samples) = task.await {
            all.extend(samples);
        }
    }
    all.sort_by_key(|sample| sample.index);
    all
}

/// `result.policy.hash` of an answer, if it has one.
pub fn answer_hash(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    value
        .get("result")?
        .get("policy")?
        .get("hash")?
        .as_str()
        .map(str::to_owned)
}

/// The `p`-th percentile (0–100) of `latencies`, nearest rank; zero when empty.
pub fn percentile(latencies: &[Duration], p: f64) -> Duration {
    let mut sorted = latencies.to_vec();
    sorted.sort();
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted
        .get(rank.clamp(1, sorted.len()) - 1)
        .copied()
        .unwrap_or(Duration::ZERO)
}
