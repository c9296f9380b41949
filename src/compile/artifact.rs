//! Policy artifacts: a compiled policy as bytes, built once by an author and loaded by
//! every storefront and server, e.g. `procura build maple.procura` → `maple.pcy`.
//!
//! Layout (docs/artifacts.md): an 8-byte magic, the format version (`u16`, little
//! endian), flags (`u16`), the payload's length (`u32`) and its CRC-32, then the payload:
//! the engine version and the compiled policy in postcard. The derived indexes are not
//! stored: loading rebuilds them with the compiler's own [`CompiledPolicy::build_indexes`]
//! after checking every cross-reference, so a loaded policy decides exactly as a compiled one.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::ir::{ApproverSpec, CompiledPolicy, Expr, GroupSet, Requirement};
use crate::base::vocabulary::Field;
use crate::contract::errors::ErrorCode;

/// The first bytes of every artifact; the `\r\n` and `\x1a` catch text-mode mangling.
pub const MAGIC: [u8; 8] = *b"\x89PCY\r\n\x1a\n";
/// The format this engine writes and reads. Any other is refused with `E0702`.
pub const FORMAT_VERSION: u16 = 1;
/// The largest artifact accepted, in bytes.
pub const MAX_ARTIFACT_BYTES: usize = 16 * 1024 * 1024;
const HEADER_BYTES: usize = 8 + 2 + 2 + 4 + 4;
/// Flag bit: the payload keeps the policy source.
const WITH_SOURCE: u16 = 1;

/// What the payload holds besides the policy.
#[derive(Serialize, Deserialize)]
struct Payload {
    /// The `procura` version that built it, for messages and audits.
    engine: String,
    policy: CompiledPolicy,
}

/// Why bytes could not be loaded as a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactError {
    pub code: ErrorCode,
    pub message: String,
}

fn malformed(message: impl Into<String>) -> ArtifactError {
    ArtifactError {
        code: ErrorCode::ArtifactMalformed,
        message: message.into(),
    }
}

fn invalid(message: impl Into<String>) -> ArtifactError {
    ArtifactError {
        code: ErrorCode::ArtifactInvalid,
        message: message.into(),
    }
}

/// True when `bytes` start like an artifact (and so are not policy source).
pub fn is_artifact(bytes: &[u8]) -> bool {
    bytes.starts_with(&MAGIC)
}

/// The artifact of a compiled policy; without `with_source` the source text is left out.
pub fn encode(policy: &CompiledPolicy, with_source: bool) -> Vec<u8> {
    let mut policy = policy.clone();
    if !with_source {
        policy.source = String::new();
    }
    let payload = Payload {
        engine: env!("CARGO_PKG_VERSION").to_owned(),
        policy,
    };
    // Serialising plain data to a Vec cannot fail; an empty payload would fail to load.
    let body = postcard::to_allocvec(&payload).unwrap_or_default();
    let mut out = Vec::with_capacity(HEADER_BYTES + body.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    let flags = if with_source { WITH_SOURCE } else { 0 };
    out.extend_from_slice(&flags.to_le_bytes());
    let length = u32::try_from(body.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&length.to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

/// `sha256:` and the hex digest of the whole artifact, e.g. for `--expect-hash` records.
pub fn artifact_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Reads and validates an artifact: the policy, indexed and ready to evaluate.
pub fn decode(bytes: &[u8]) -> Result<CompiledPolicy, ArtifactError> {
    if bytes.len() > MAX_ARTIFACT_BYTES {
        return Err(malformed(format!(
            "the artifact is {} bytes, more than the limit of {MAX_ARTIFACT_BYTES}",
            bytes.len()
        )));
    }
    if !is_artifact(bytes) {
        return Err(malformed("these bytes are not a Procura policy artifact"));
    }
    let (header, body) = bytes
        .split_at_checked(HEADER_BYTES)
        .ok_or_else(|| malformed("the artifact is truncated inside its header"))?;
    let field = |at: usize, len: usize| header.get(at..at + len).unwrap_or_default();
    let version = u16::from_le_bytes(field(8, 2).try_into().unwrap_or_default());
    if version != FORMAT_VERSION {
        let advice = if version > FORMAT_VERSION {
            "a newer engine built it: load it with that version or newer"
        } else {
            "an older engine built it: rebuild it with this version's `procura build`"
        };
        return Err(ArtifactError {
            code: ErrorCode::ArtifactVersion,
            message: format!(
                "the artifact is format {version}, this engine reads format {FORMAT_VERSION}; {advice}"
            ),
        });
    }
    let flags = u16::from_le_bytes(field(10, 2).try_into().unwrap_or_default());
    if flags & !WITH_SOURCE != 0 {
        return Err(malformed(format!(
            "the artifact has unknown flags `{flags:#06x}`"
        )));
    }
    let length = u32::from_le_bytes(field(12, 4).try_into().unwrap_or_default());
    if usize::try_from(length).ok() != Some(body.len()) {
        return Err(malformed(format!(
            "the artifact's payload is {} bytes, its header says {length}: it is truncated or has bytes appended",
            body.len()
        )));
    }
    let check = u32::from_le_bytes(field(16, 4).try_into().unwrap_or_default());
    if crc32fast::hash(body) != check {
        return Err(malformed(
            "the artifact's integrity check failed: its bytes were changed",
        ));
    }
    let payload: Payload = postcard::from_bytes(body)
        .map_err(|error| malformed(format!("the artifact's content cannot be read: {error}")))?;
    let mut policy = payload.policy;
    if (flags & WITH_SOURCE == 0) != policy.source.is_empty() {
        return Err(invalid(
            "the artifact's source flag does not match its content",
        ));
    }
    validate(&policy).map_err(invalid)?;
    policy.build_indexes();
    Ok(policy)
}

/// Every cross-reference of a decoded policy points at something that exists: the checks
/// compilation guarantees by construction, repeated for bytes that could come from anyone.
fn validate(policy: &CompiledPolicy) -> Result<(), String> {
    let groups = policy.groups.len();
    for (id, group) in policy.groups.iter().enumerate() {
        let mut current = group.parent;
        let mut steps = 0;
        while let Some(parent) = current {
            if parent >= groups || steps > groups {
                return Err(format!(
                    "group `{}` has an invalid or cyclic parent",
                    group.name
                ));
            }
            current = policy.groups.get(parent).and_then(|g| g.parent);
            steps += 1;
        }
        if policy.group_ids.get(&group.name) != Some(&id) {
            return Err(format!(
                "group `{}` is missing from the group names",
                group.name
            ));
        }
    }
    if policy.group_ids.len() != groups {
        return Err("the group names do not match the groups".into());
    }
    if policy
        .field_slots
        .values()
        .any(|slot| *slot >= policy.fields.len())
        || policy.field_slots.len() != policy.fields.len()
    {
        return Err("the custom field names do not match the fields".into());
    }
    if !policy
        .aggregate_categories
        .windows(2)
        .all(|w| w.first() < w.last())
    {
        return Err("the aggregate categories are not sorted and distinct".into());
    }
    let check = References { policy, groups };
    check.rules()
}

/// Checks the references inside rules: scopes sized to the groups, group ids, custom
/// field slots, and expressions.
struct References<'p> {
    policy: &'p CompiledPolicy,
    groups: usize,
}

impl References<'_> {
    fn rules(&self) -> Result<(), String> {
        let p = self.policy;
        let scopes = p
            .line_rules
            .iter()
            .map(|r| (&r.info.id, &r.scope))
            .chain(p.order_rules.iter().map(|r| (&r.info.id, &r.scope)))
            .chain(p.prefers.iter().map(|r| (&r.info.id, &r.scope)))
            .chain(p.approvals.iter().map(|r| (&r.info.id, &r.scope)))
            .chain(p.splits.iter().map(|r| (&r.info.id, &r.scope)))
            .chain(p.payments.iter().map(|r| (&r.info.id, &r.scope)))
            .chain(p.ship_tos.iter().map(|r| (&r.info.id, &r.scope)))
            .chain(p.po_rules.iter().map(|r| (&r.info.id, &r.scope)))
            .chain(p.invoices.iter().map(|r| (&r.info.id, &r.scope)))
            .chain(p.fields.iter().map(|r| (&r.info.id, &r.scope)));
        for (id, scope) in scopes {
            self.scope(id, scope)?;
        }
        for rule in &p.invoices {
            if rule.specificity.len() != self.groups {
                return Err(format!(
                    "invoice rule `{}` does not cover every group",
                    rule.info.id
                ));
            }
        }
        for budget in &p.budgets {
            if budget.group >= self.groups {
                return Err(format!(
                    "budget `{}` names a group that does not exist",
                    budget.info.id
                ));
            }
            for (_, action) in &budget.bands {
                self.requirement(&budget.info.id, action.approve.as_ref())?;
            }
        }
        for rule in &p.line_rules {
            self.expr(&rule.info.id, rule.condition.as_ref())?;
            self.requirement(&rule.info.id, rule.approve.as_ref())?;
        }
        for rule in &p.order_rules {
            self.expr(&rule.info.id, Some(&rule.condition))?;
            self.requirement(&rule.info.id, rule.approve.as_ref())?;
        }
        for rule in &p.prefers {
            self.requirement(&rule.info.id, rule.otherwise.approve.as_ref())?;
            let price = rule
                .price_rule
                .as_ref()
                .and_then(|r| r.action.approve.as_ref());
            self.requirement(&rule.info.id, price)?;
        }
        for rule in &p.approvals {
            self.expr(&rule.info.id, rule.condition.as_ref())?;
            if let super::ir::SelfApproval::When(condition) = &rule.self_approval {
                self.expr(&rule.info.id, Some(condition))?;
            }
            for level in &rule.levels {
                self.requirement(&rule.info.id, Some(level))?;
            }
        }
        for rule in &p.splits {
            self.requirement(
                &rule.info.id,
                rule.action.as_ref().and_then(|a| a.approve.as_ref()),
            )?;
        }
        Ok(())
    }

    fn scope(&self, rule: &str, scope: &GroupSet) -> Result<(), String> {
        if scope.0.len() == self.groups {
            Ok(())
        } else {
            Err(format!(
                "`{rule}` has a scope of {} groups, the policy has {}",
                scope.0.len(),
                self.groups
            ))
        }
    }

    fn requirement(&self, rule: &str, requirement: Option<&Requirement>) -> Result<(), String> {
        let Some(requirement) = requirement else {
            return Ok(());
        };
        self.expr(rule, requirement.condition.as_ref())?;
        let approvers = requirement
            .approvers
            .iter()
            .chain(requirement.fallback.as_ref())
            .chain(
                requirement
                    .escalation
                    .as_ref()
                    .map(|(_, approver)| approver),
            );
        for approver in approvers {
            match approver {
                ApproverSpec::Role {
                    group: Some(group), ..
                } if *group >= self.groups => {
                    return Err(format!(
                        "`{rule}` names an approver group that does not exist"
                    ));
                }
                ApproverSpec::Chain { covers, .. } => self.expr(rule, Some(covers))?,
                _ => {}
            }
        }
        Ok(())
    }

    /// Walks an expression without recursion (its depth was bounded when it was read).
    fn expr(&self, rule: &str, expr: Option<&Expr>) -> Result<(), String> {
        let mut pending: Vec<&Expr> = expr.into_iter().collect();
        while let Some(expr) = pending.pop() {
            match expr {
                Expr::Field(Field::OrderCustom(slot) | Field::LineCustom(slot))
                    if *slot >= self.policy.fields.len() =>
                {
                    return Err(format!("`{rule}` reads a custom field that does not exist"));
                }
                Expr::Groups(set) => self.scope(rule, set)?,
                Expr::List(items) => pending.extend(items),
                Expr::Aggregate {
                    categories,
                    condition,
                    ..
                } => {
                    let known =
                        |c: &String| self.policy.aggregate_categories.binary_search(c).is_ok();
                    if !categories.iter().all(known) {
                        return Err(format!(
                            "`{rule}` sums a category the policy does not index"
                        ));
                    }
                    pending.extend(condition.as_deref());
                }
                Expr::Not(inner) | Expr::Neg(inner) => pending.push(inner),
                Expr::Binary(_, left, right) => pending.extend([&**left, &**right]),
                _ => {}
            }
        }
        Ok(())
    }
}

#[cfg(all(test, feature = "authoring"))]
#[allow(clippy::panic, reason = "a test fails by panicking")]
mod tests {
    use super::*;
    use crate::compile::ir::{Expr, LineRule, RuleInfo, Severity};
    use crate::contract::Directory;

    fn maple() -> CompiledPolicy {
        let source = std::fs::read_to_string("examples/maple.procura").unwrap_or_default();
        let engine = crate::Engine::new(&source, &Directory::default());
        let artifact = engine.map(|e| e.artifact(false)).unwrap_or_default();
        decode(&artifact).unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn code_of(policy: &CompiledPolicy) -> Option<&'static str> {
        decode(&encode(policy, false)).err().map(|e| e.code.code())
    }

    /// Bytes whose hash is right but whose content points nowhere: refused, coded.
    #[test]
    fn hostile_content_with_a_valid_hash_is_refused() {
        let policy = maple();
        assert_eq!(code_of(&policy), None);

        let mut cyclic = policy.clone();
        if let Some(group) = cyclic.groups.get_mut(0) {
            group.parent = Some(0);
        }
        assert_eq!(code_of(&cyclic), Some("E0703"));

        let mut narrow = policy.clone();
        assert!(!narrow.line_rules.is_empty());
        if let Some(rule) = narrow.line_rules.get_mut(0) {
            rule.scope.0.pop();
        }
        assert_eq!(code_of(&narrow), Some("E0703"));

        let mut budget = policy.clone();
        assert!(!budget.budgets.is_empty());
        if let Some(b) = budget.budgets.get_mut(0) {
            b.group = 1_000;
        }
        assert_eq!(code_of(&budget), Some("E0703"));

        let mut field = policy;
        if let Some(rule) = field.line_rules.get_mut(0) {
            rule.condition = Some(Expr::Field(Field::OrderCustom(99)));
        }
        assert_eq!(code_of(&field), Some("E0703"));
    }

    /// An expression nested far deeper than the checker allows fails to load instead of
    /// exhausting the stack.
    #[test]
    fn deeply_nested_expressions_are_refused() {
        let mut policy = maple();
        let mut condition = Expr::Bool(true);
        for _ in 0..1_000 {
            condition = Expr::Not(Box::new(condition));
        }
        let groups = policy.groups.len();
        policy.line_rules.push(LineRule {
            info: RuleInfo {
                id: "deep".into(),
                span: Default::default(),
                order: 10_000,
            },
            severity: Severity::Warn,
            scope: GroupSet(vec![true; groups]),
            categories: Vec::new(),
            condition: Some(condition),
            approve: None,
            message: None,
        });
        assert_eq!(code_of(&policy), Some("E0701"));
    }
}
