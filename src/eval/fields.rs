//! Custom order and line fields: the values a request carries, validated against the
//! policy's `field` declarations, and the mask language of `pattern`.
//!
//! An undeclared field is a malformed request (a request failure). Every other problem —
//! a required field missing, a value of the wrong form, outside its list or not matching
//! its pattern — leaves the value absent and becomes a [`FieldProblem`]: the decision is
//! then `blocked`, with the problem as an order-level message and an error at its JSON
//! path, so that a storefront still gets its line verdicts.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::base::shapes::{is_date, mask_matches, MAX_FIELD_VALUE_CHARS};
use crate::compile::{CompiledPolicy, CustomField, FieldType, GroupId};
use crate::contract::errors::{request_error, ErrorCode};
use crate::contract::{EvalError, Order};
use crate::eval::expr::FieldValue;
use crate::eval::pick_locale;

/// What is wrong with one field of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trouble {
    Missing,
    NotNumber,
    NotAmount,
    NotDate,
    TooLong,
    NotListed,
    Pattern,
}

impl Trouble {
    fn code(self) -> ErrorCode {
        match self {
            Trouble::Missing => ErrorCode::MissingRequiredField,
            Trouble::NotNumber | Trouble::NotAmount | Trouble::NotDate | Trouble::TooLong => {
                ErrorCode::InvalidFieldValue
            }
            Trouble::NotListed => ErrorCode::FieldValueNotListed,
            Trouble::Pattern => ErrorCode::FieldPatternMismatch,
        }
    }
}

/// A field problem that blocks the order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// The field's slot in [`CompiledPolicy::fields`].
    pub slot: usize,
    /// The id of the line, for a line field.
    pub line: Option<String>,
    /// The JSON path of the value, e.g. `order.lines[0].fields.gl_code`.
    pub path: String,
    pub trouble: Trouble,
    pub value: String,
}

/// The valid values of a request, by slot, and the problems of the others.
#[derive(Debug, Clone, Default)]
pub struct FieldValues {
    pub order: Vec<Option<FieldValue>>,
    /// Per line; each empty when the policy declares no line field.
    pub lines: Vec<Vec<Option<FieldValue>>>,
    pub problems: Vec<FieldProblem>,
}

/// Reads the custom fields of `order`; undeclared names go to `failures`. `group` is the
/// buying group, where known: fields are required only within their scope.
pub fn read(
    policy: &CompiledPolicy,
    order: &Order,
    group: Option<GroupId>,
    failures: &mut Vec<EvalError>,
) -> FieldValues {
    let mut values = FieldValues {
        order: vec![None; policy.fields.len()],
        lines: Vec::with_capacity(order.lines.len()),
        problems: Vec::new(),
    };
    undeclared(
        policy,
        &order.fields,
        false,
        &|| "order.fields".into(),
        failures,
    );
    let required =
        |field: &CustomField| field.required && group.is_some_and(|g| field.scope.contains(g));
    for (slot, field) in policy.fields.iter().enumerate() {
        if field.on_lines {
            continue;
        }
        let path = || format!("order.fields.{}", field.info.id);
        let sent = order.fields.get(&field.info.id).map(String::as_str);
        let value = check(policy, field, sent, required(field)).unwrap_or_else(|trouble| {
            values
                .problems
                .push(problem(slot, None, path(), trouble, sent));
            None
        });
        if let Some(cell) = values.order.get_mut(slot) {
            *cell = value;
        }
    }
    let line_fields = policy.fields.iter().any(|f| f.on_lines);
    for (i, line) in order.lines.iter().enumerate() {
        let base = || format!("order.lines[{i}].fields");
        undeclared(policy, &line.fields, true, &base, failures);
        if !line_fields {
            values.lines.push(Vec::new());
            continue;
        }
        let mut slots = vec![None; policy.fields.len()];
        for (slot, field) in policy.fields.iter().enumerate() {
            if !field.on_lines {
                continue;
            }
            let sent = line.fields.get(&field.info.id).map(String::as_str);
            match check(policy, field, sent, required(field)) {
                Ok(value) => {
                    if let Some(cell) = slots.get_mut(slot) {
                        *cell = value;
                    }
                }
                Err(trouble) => {
                    let path = format!("{}.{}", base(), field.info.id);
                    let line = Some(line.id.clone());
                    values
                        .problems
                        .push(problem(slot, line, path, trouble, sent));
                }
            }
        }
        values.lines.push(slots);
    }
    values
}

fn problem(
    slot: usize,
    line: Option<String>,
    path: String,
    trouble: Trouble,
    sent: Option<&str>,
) -> FieldProblem {
    FieldProblem {
        slot,
        line,
        path,
        trouble,
        value: sent.unwrap_or_default().to_owned(),
    }
}

/// Reports each name of `sent` that no field of that level declares.
fn undeclared(
    policy: &CompiledPolicy,
    sent: &BTreeMap<String, String>,
    on_lines: bool,
    base: &dyn Fn() -> String,
    failures: &mut Vec<EvalError>,
) {
    for name in sent.keys() {
        let declared = policy
            .field_slots
            .get(name)
            .and_then(|&slot| policy.fields.get(slot));
        let message = match declared {
            Some(field) if field.on_lines == on_lines => continue,
            Some(_) if on_lines => format!("`{name}` is an order field, send it in `order.fields`"),
            Some(_) => format!("`{name}` is a line field, send it in each line's `fields`"),
            None => format!("the policy declares no field `{name}`"),
        };
        failures.push(request_error(
            ErrorCode::UndeclaredField,
            message,
            format!("{}.{name}", base()),
        ));
    }
}

/// The value of one field: `Ok(None)` when absent (or empty) and not required.
fn check(
    policy: &CompiledPolicy,
    field: &CustomField,
    sent: Option<&str>,
    required: bool,
) -> Result<Option<FieldValue>, Trouble> {
    let Some(raw) = sent.filter(|v| !v.is_empty()) else {
        return if required {
            Err(Trouble::Missing)
        } else {
            Ok(None)
        };
    };
    if raw.chars().nth(MAX_FIELD_VALUE_CHARS).is_some() {
        return Err(Trouble::TooLong);
    }
    let value = match &field.ty {
        FieldType::Text => {
            let fits = field
                .pattern
                .as_deref()
                .is_none_or(|pattern| mask_matches(pattern, raw));
            if !fits {
                return Err(Trouble::Pattern);
            }
            FieldValue::Text(raw.to_owned())
        }
        FieldType::OneOf(values) => {
            if !values.iter().any(|v| v == raw) {
                return Err(Trouble::NotListed);
            }
            FieldValue::Text(raw.to_owned())
        }
        FieldType::Date => {
            if !is_date(raw) {
                return Err(Trouble::NotDate);
            }
            FieldValue::Text(raw.to_owned())
        }
        FieldType::Number => FieldValue::Number(decimal(raw, true).ok_or(Trouble::NotNumber)?),
        FieldType::Money => {
            let amount = decimal(raw, false)
                .filter(|a| a.scale() <= policy.currency.minor_units)
                .ok_or(Trouble::NotAmount)?;
            FieldValue::Money(amount)
        }
    };
    Ok(Some(value))
}

/// A plain decimal such as `12`, `-3.5` or `125.50`: no exponent, no separators.
fn decimal(text: &str, signed: bool) -> Option<Decimal> {
    let digits = match text.strip_prefix('-') {
        Some(rest) if signed => rest,
        Some(_) => return None,
        None => text,
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (digits, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(whole) || !fraction.is_none_or(all_digits) {
        return None;
    }
    text.parse::<Decimal>().ok()
}

/// The order-level message of a problem, in the buyer's locale where the field's title
/// has it: `` `Project` is required `` or `le champ « Projet » est obligatoire`.
pub fn message(
    policy: &CompiledPolicy,
    problem: &FieldProblem,
    locale: Option<&str>,
) -> (String, String) {
    let Some(field) = policy.fields.get(problem.slot) else {
        return (String::new(), policy.default_locale.clone());
    };
    let (title, chosen) = pick_locale(&field.title, locale, &policy.default_locale);
    let french = chosen
        .split('-')
        .next()
        .is_some_and(|l| l.eq_ignore_ascii_case("fr"));
    let listed = |values: &[String]| {
        values
            .iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let choices = match &field.ty {
        FieldType::OneOf(values) => listed(values),
        _ => String::new(),
    };
    let pattern = field.pattern.as_deref().unwrap_or_default();
    let currency = &policy.currency.code;
    let units = policy.currency.minor_units;
    let limit = MAX_FIELD_VALUE_CHARS;
    let text = if french {
        let what = match problem.trouble {
            Trouble::Missing => "est obligatoire".to_owned(),
            Trouble::NotNumber => "doit être un nombre".to_owned(),
            Trouble::NotAmount if units == 0 => {
                format!("doit être un montant entier en {currency}")
            }
            Trouble::NotAmount => {
                format!("doit être un montant en {currency} d'au plus {units} décimales")
            }
            Trouble::NotDate => "doit être une date de la forme `AAAA-MM-JJ`".to_owned(),
            Trouble::TooLong => format!("doit compter au plus {limit} caractères"),
            Trouble::NotListed => format!("doit être l'une des valeurs {choices}"),
            Trouble::Pattern => format!("doit avoir la forme `{pattern}`"),
        };
        let line = problem.line.as_ref().map(|l| format!("ligne `{l}` : "));
        format!("{}le champ « {title} » {what}", line.unwrap_or_default())
    } else {
        let what = match problem.trouble {
            Trouble::Missing => "is required".to_owned(),
            Trouble::NotNumber => "must be a number".to_owned(),
            Trouble::NotAmount if units == 0 => format!("must be a whole amount in {currency}"),
            Trouble::NotAmount => {
                format!("must be an amount in {currency} with at most {units} decimals")
            }
            Trouble::NotDate => "must be a date written `YYYY-MM-DD`".to_owned(),
            Trouble::TooLong => format!("must be at most {limit} characters"),
            Trouble::NotListed => format!("must be one of {choices}"),
            Trouble::Pattern => format!("must look like `{pattern}`"),
        };
        let line = problem.line.as_ref().map(|l| format!("line `{l}`: "));
        format!("{}`{title}` {what}", line.unwrap_or_default())
    };
    (text, chosen)
}

/// The error of a problem: its code and JSON path, the field as its rule, the field's
/// `help` (in the buyer's locale) as the help.
pub fn error(policy: &CompiledPolicy, problem: &FieldProblem, locale: Option<&str>) -> EvalError {
    let field = policy.fields.get(problem.slot);
    let name = field.map_or("", |f| f.info.id.as_str());
    let value = &problem.value;
    let message = match problem.trouble {
        Trouble::Missing => format!("required field `{name}` is missing"),
        Trouble::NotNumber => format!("`{value}` is not a number"),
        Trouble::NotAmount => format!(
            "`{value}` is not an amount in `{}` with at most {} decimals",
            policy.currency.code, policy.currency.minor_units
        ),
        Trouble::NotDate => format!("`{value}` is not a date written `YYYY-MM-DD`"),
        Trouble::TooLong => format!("value is longer than {MAX_FIELD_VALUE_CHARS} characters"),
        Trouble::NotListed => format!("`{value}` is not one of the values `{name}` allows"),
        Trouble::Pattern => format!(
            "`{value}` does not match the pattern `{}`",
            field.and_then(|f| f.pattern.as_deref()).unwrap_or_default()
        ),
    };
    let mut error = request_error(problem.trouble.code(), message, problem.path.clone());
    if let Some(field) = field {
        error.rule = Some(field.info.id.clone());
        error.span = Some(field.info.span);
        error.help = field
            .help
            .as_ref()
            .map(|help| pick_locale(help, locale, &policy.default_locale).0)
            .or(error.help);
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_and_dates_are_strict() {
        assert_eq!(decimal("125.50", false), Some(Decimal::new(12550, 2)));
        assert_eq!(decimal("-3", true), Some(Decimal::from(-3)));
        for bad in ["", "-", "1e5", "1,000", "1.", ".5", " 1", "+1"] {
            assert_eq!(decimal(bad, true), None, "{bad}");
        }
        assert_eq!(decimal("-3", false), None);
    }
}
