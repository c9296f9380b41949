//! Invoice calendar: which invoice an order lands on, by cadence.
//!
//! Per order: the order date. Monthly: the 1st of the following month. Every week or every
//! two weeks: the first run date strictly after the order date, counting from the anchor
//! (default [`DEFAULT_ANCHOR`], a Monday).

use jiff::civil::Date;
use jiff::Span;

use crate::compile::Cadence;

/// The run date weekly cadences count from when the policy names none: Monday 2024-01-01.
pub const DEFAULT_ANCHOR: (i16, i8, i8) = (2024, 1, 1);

/// The date of the invoice an order placed on `order_date` lands on.
pub fn invoice_date(cadence: &Cadence, order_date: Date) -> Option<Date> {
    match cadence {
        Cadence::PerOrder => Some(order_date),
        Cadence::Monthly => order_date
            .first_of_month()
            .checked_add(Span::new().months(1))
            .ok(),
        Cadence::Weeks { weeks, anchor } => {
            let (year, month, day) = anchor.unwrap_or(DEFAULT_ANCHOR);
            let anchor = Date::new(year, month, day).ok()?;
            let period = i64::try_from(*weeks).ok()?.checked_mul(7)?;
            if period <= 0 {
                return None;
            }
            let elapsed = i64::from((order_date - anchor).get_days());
            // The first run strictly after the order date.
            let runs = elapsed.div_euclid(period) + 1;
            anchor
                .checked_add(Span::new().days(runs.checked_mul(period)?))
                .ok()
        }
    }
}

/// The cadence as it appears in decisions: `perOrder`, `weekly`, `biweekly`, `monthly`.
pub fn cadence_name(cadence: &Cadence) -> &'static str {
    match cadence {
        Cadence::PerOrder => "perOrder",
        Cadence::Monthly => "monthly",
        Cadence::Weeks { weeks: 1, .. } => "weekly",
        Cadence::Weeks { .. } => "biweekly",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn monthly_invoices_on_the_first_of_next_month() {
        assert_eq!(
            invoice_date(&Cadence::Monthly, date("2026-11-30")),
            Some(date("2026-12-01"))
        );
        assert_eq!(
            invoice_date(&Cadence::Monthly, date("2026-12-31")),
            Some(date("2027-01-01"))
        );
        assert_eq!(
            invoice_date(&Cadence::Monthly, date("2028-02-29")),
            Some(date("2028-03-01"))
        );
    }

    #[test]
    fn weekly_runs_count_from_the_anchor() {
        let weekly = Cadence::Weeks {
            weeks: 1,
            anchor: None,
        };
        // 2026-11-28 is a Saturday; the next Monday is 2026-11-30.
        assert_eq!(
            invoice_date(&weekly, date("2026-11-28")),
            Some(date("2026-11-30"))
        );
        // A Monday order lands on the following Monday.
        assert_eq!(
            invoice_date(&weekly, date("2026-11-30")),
            Some(date("2026-12-07"))
        );
        let biweekly = Cadence::Weeks {
            weeks: 2,
            anchor: Some((2026, 1, 5)),
        };
        assert_eq!(
            invoice_date(&biweekly, date("2026-01-05")),
            Some(date("2026-01-19"))
        );
        assert_eq!(
            invoice_date(&biweekly, date("2026-01-18")),
            Some(date("2026-01-19"))
        );
        assert_eq!(
            invoice_date(&biweekly, date("2025-12-30")),
            Some(date("2026-01-05"))
        );
    }
}
