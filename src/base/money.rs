//! Exact money: currencies with their ISO 4217 minor units, rounding, and conversion.
//!
//! Amounts are `rust_decimal::Decimal`; every operation is checked, so an overflow is an
//! error value, never a wrap or a panic.

use rust_decimal::{Decimal, RoundingStrategy};

/// A currency and its minor units, e.g. `CAD` with 2, `JPY` with 0, `KWD` with 3.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct Currency {
    pub code: String,
    pub minor_units: u32,
}

impl Currency {
    /// Looks up an ISO 4217 code, e.g. `Currency::of("JPY")`.
    pub fn of(code: &str) -> Option<Currency> {
        minor_units(code).map(|minor_units| Currency {
            code: code.to_owned(),
            minor_units,
        })
    }
}

/// Stored by code: reading one back looks its minor units up again, so a stored currency
/// can only be an ISO 4217 one.
impl TryFrom<String> for Currency {
    type Error = String;

    fn try_from(code: String) -> Result<Currency, String> {
        Currency::of(&code).ok_or_else(|| format!("`{code}` is not an ISO 4217 currency"))
    }
}

impl From<Currency> for String {
    fn from(currency: Currency) -> String {
        currency.code
    }
}

/// How amounts are rounded to a currency's minor unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Rounding {
    HalfEven,
    HalfUp,
    HalfDown,
    Up,
    Down,
}

impl Rounding {
    #[cfg(feature = "authoring")]
    pub fn from_keyword(word: &str) -> Rounding {
        match word {
            "half_up" => Rounding::HalfUp,
            "half_down" => Rounding::HalfDown,
            "up" => Rounding::Up,
            "down" => Rounding::Down,
            _ => Rounding::HalfEven,
        }
    }

    fn strategy(self) -> RoundingStrategy {
        match self {
            Rounding::HalfEven => RoundingStrategy::MidpointNearestEven,
            Rounding::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            Rounding::HalfDown => RoundingStrategy::MidpointTowardZero,
            Rounding::Up => RoundingStrategy::AwayFromZero,
            Rounding::Down => RoundingStrategy::ToZero,
        }
    }

    /// Rounds to `units` decimals and pads to exactly that scale, e.g. `12.5` → `12.50`.
    pub fn round(self, amount: Decimal, units: u32) -> Decimal {
        let mut rounded = amount.round_dp_with_strategy(units, self.strategy());
        rounded.rescale(units);
        rounded
    }
}

/// Why a money operation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoneyError {
    Overflow,
    NoRate { from: String, to: String },
}

/// `a × b`, checked.
pub fn mul(a: Decimal, b: Decimal) -> Result<Decimal, MoneyError> {
    a.checked_mul(b).ok_or(MoneyError::Overflow)
}

/// `a + b`, checked.
pub fn add(a: Decimal, b: Decimal) -> Result<Decimal, MoneyError> {
    a.checked_add(b).ok_or(MoneyError::Overflow)
}

/// `a - b`, checked.
pub fn sub(a: Decimal, b: Decimal) -> Result<Decimal, MoneyError> {
    a.checked_sub(b).ok_or(MoneyError::Overflow)
}

/// The exchange rates a request states: how many units of `to` one unit of `from` buys,
/// where the request says so. Conversion tries `from → to`, then the inverse of `to → from`.
pub trait StatedRates {
    fn stated(&self, from: &str, to: &str) -> Option<Decimal>;
}

/// Converts `amount` from one currency to another with a rate from the request, rounding
/// to the target's minor unit. A direct rate (`from → to`) is used when given, else the
/// inverse of `to → from`; with neither, the conversion fails.
pub fn convert(
    amount: Decimal,
    from: &str,
    to: &Currency,
    rates: &(impl StatedRates + ?Sized),
    rounding: Rounding,
) -> Result<Decimal, MoneyError> {
    if from == to.code {
        return Ok(amount);
    }
    Ok(rounding.round(convert_exact(amount, from, to, rates)?, to.minor_units))
}

/// `amount` in `to` with the request's rate and no rounding: for amounts in several
/// currencies summed before the one rounding their comparison makes.
pub fn convert_exact(
    amount: Decimal,
    from: &str,
    to: &Currency,
    rates: &(impl StatedRates + ?Sized),
) -> Result<Decimal, MoneyError> {
    if from == to.code {
        return Ok(amount);
    }
    let converted = if let Some(rate) = rates.stated(from, &to.code) {
        mul(amount, rate)?
    } else if let Some(rate) = rates.stated(&to.code, from) {
        amount.checked_div(rate).ok_or(MoneyError::Overflow)?
    } else {
        return Err(MoneyError::NoRate {
            from: from.to_owned(),
            to: to.code.clone(),
        });
    };
    Ok(converted)
}

/// The ISO 4217 minor units of a currency code, e.g. 2 for `CAD`, 0 for `JPY`.
pub fn minor_units(code: &str) -> Option<u32> {
    iso_currency::Currency::from_code(code)
        .and_then(|c| c.exponent())
        .map(u32::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rates as `(from, to, rate)` triples.
    impl StatedRates for [(&str, &str, Decimal)] {
        fn stated(&self, from: &str, to: &str) -> Option<Decimal> {
            self.iter()
                .find(|(f, t, _)| *f == from && *t == to)
                .map(|(_, _, rate)| *rate)
        }
    }

    fn dec(s: &str) -> Decimal {
        Decimal::from_str_exact(s).unwrap()
    }

    #[test]
    fn half_even_rounds_midpoints_to_even() {
        assert_eq!(Rounding::HalfEven.round(dec("2.345"), 2), dec("2.34"));
        assert_eq!(Rounding::HalfEven.round(dec("2.355"), 2), dec("2.36"));
        assert_eq!(Rounding::HalfUp.round(dec("2.345"), 2), dec("2.35"));
        assert_eq!(Rounding::Down.round(dec("2.349"), 2), dec("2.34"));
        assert_eq!(
            Rounding::HalfEven.round(dec("12.5"), 2).to_string(),
            "12.50"
        );
        assert_eq!(Rounding::HalfEven.round(dec("150000.5"), 0), dec("150000"));
    }

    #[test]
    fn conversion_needs_a_rate() {
        let eur = Currency::of("EUR").unwrap();
        let rates: &[(&str, &str, Decimal)] = &[("USD", "EUR", dec("0.9"))];
        assert_eq!(
            convert(dec("10.05"), "USD", &eur, rates, Rounding::HalfEven),
            Ok(dec("9.04"))
        );
        assert!(matches!(
            convert(dec("1"), "GBP", &eur, rates, Rounding::HalfEven),
            Err(MoneyError::NoRate { .. })
        ));
    }

    #[test]
    fn minor_units_follow_iso_4217() {
        assert_eq!(Currency::of("JPY").unwrap().minor_units, 0);
        assert_eq!(Currency::of("KWD").unwrap().minor_units, 3);
        assert_eq!(Currency::of("CAD").unwrap().minor_units, 2);
        assert!(Currency::of("XYZ").is_none());
    }
}
