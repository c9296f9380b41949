//! `procura schema [--out DIR]`: write one JSON Schema per contract type.
//!
//! The schemas are generated from the Rust types themselves (schemars), so they cannot
//! disagree with what the engine accepts and answers; `schema/` in the repository holds
//! the generated files and a test fails when they drift. Writes files only, prints
//! nothing; exit 0, or 2 when a file cannot be written.

use std::fs;
use std::path::{Path, PathBuf};

use procura::contract::{
    Answer, AuthorizeDecision, AuthorizeRequest, BadgeDecision, BadgeRequest, CheckoutRequest,
    Decision, Directory, InvoiceRun, InvoiceRunRequest, Permissions, PermissionsRequest,
    PolicyOutline, ProgressRequest, ReportDefinition, TestReport, WorkflowState,
};
use procura::impact::ImpactReport;
use schemars::{schema_for, Schema};

use crate::files;
use crate::status::Status;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The directory to write the schemas to (created when missing).
    #[arg(long, value_name = "DIR", default_value = "schema")]
    out: PathBuf,
}

/// Every schema, by file name.
fn schemas() -> Vec<(&'static str, Schema)> {
    vec![
        ("directory.schema.json", schema_for!(Directory)),
        ("checkout-request.schema.json", schema_for!(CheckoutRequest)),
        (
            "decision.schema.json",
            titled(schema_for!(Answer<Decision>), "DecisionAnswer"),
        ),
        (
            "authorize-request.schema.json",
            schema_for!(AuthorizeRequest),
        ),
        (
            "authorize-decision.schema.json",
            titled(schema_for!(Answer<AuthorizeDecision>), "AuthorizeAnswer"),
        ),
        ("badge-request.schema.json", schema_for!(BadgeRequest)),
        (
            "badge-decision.schema.json",
            titled(schema_for!(Answer<BadgeDecision>), "BadgeAnswer"),
        ),
        ("test-report.schema.json", schema_for!(TestReport)),
        ("progress-request.schema.json", schema_for!(ProgressRequest)),
        (
            "workflow-state.schema.json",
            titled(schema_for!(Answer<WorkflowState>), "WorkflowAnswer"),
        ),
        (
            "invoice-run-request.schema.json",
            schema_for!(InvoiceRunRequest),
        ),
        (
            "invoice-run.schema.json",
            titled(schema_for!(Answer<InvoiceRun>), "InvoiceRunAnswer"),
        ),
        (
            "report-definition.schema.json",
            schema_for!(ReportDefinition),
        ),
        ("policy-outline.schema.json", schema_for!(PolicyOutline)),
        ("impact-report.schema.json", schema_for!(ImpactReport)),
        (
            "permissions-request.schema.json",
            schema_for!(PermissionsRequest),
        ),
        (
            "permissions.schema.json",
            titled(schema_for!(Answer<Permissions>), "PermissionsAnswer"),
        ),
    ]
}

/// The answers would all be titled `Answer` (the generic type's name); a distinct
/// title keeps code generators from merging them.
fn titled(mut schema: Schema, title: &str) -> Schema {
    schema.insert("title".to_owned(), title.into());
    schema
}

pub fn run(args: &Args) -> Status {
    if let Err(err) = fs::create_dir_all(&args.out) {
        files::report_error(&format!("cannot create {}: {err}", args.out.display()));
        return Status::Trouble;
    }
    schemas()
        .iter()
        .map(|(name, schema)| write(&args.out.join(name), schema))
        .fold(Status::Success, Status::worst)
}

fn write(path: &Path, schema: &Schema) -> Status {
    match serde_json::to_string_pretty(schema) {
        Ok(mut text) => {
            text.push('\n');
            files::write_file(path, &text)
        }
        Err(err) => {
            files::report_error(&format!("cannot encode {}: {err}", path.display()));
            Status::Trouble
        }
    }
}
