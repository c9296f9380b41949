//! The shapes a custom field value can be required to have: a calendar date, or a mask
//! such as `CC-###`. The checker validates literals with them, evaluation the order's values.

/// The longest custom field value accepted, in characters; with
/// the checker's limit on pattern length it bounds the cost of one pattern match.
pub const MAX_FIELD_VALUE_CHARS: usize = 256;

/// A calendar date written `YYYY-MM-DD`, e.g. `2026-02-28` but not `2026-02-30`.
pub fn is_date(text: &str) -> bool {
    let shape = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    shape && crate::base::calendar::date(text).is_some()
}

/// Whether `value` matches the mask `pattern`: `#` a digit, `@` a letter, `?` any
/// character, `*` any run of characters (none included), every other character itself.
///
/// Greedy with one resume point (the last `*`), so it never backtracks further than that
/// star: at most `pattern` × `value` steps, bounded by the limits on both.
pub fn mask_matches(pattern: &str, value: &str) -> bool {
    let mask: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = value.chars().collect();
    let (mut m, mut t) = (0, 0);
    // After the last `*` seen: the mask position after it and the text position it resumes at.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        let here = text.get(t).copied();
        match (mask.get(m).copied(), here) {
            (Some('*'), _) => {
                star = Some((m + 1, t));
                m += 1;
            }
            (Some(c), Some(ch)) if one(c, ch) => {
                m += 1;
                t += 1;
            }
            _ => match star {
                // The star takes one more character and the rest of the mask tries again.
                Some((after, from)) => {
                    star = Some((after, from + 1));
                    m = after;
                    t = from + 1;
                }
                None => return false,
            },
        }
    }
    mask.get(m..)
        .is_some_and(|rest| rest.iter().all(|&c| c == '*'))
}

fn one(mask: char, ch: char) -> bool {
    match mask {
        '#' => ch.is_ascii_digit(),
        '@' => ch.is_alphabetic(),
        '?' => true,
        other => other == ch,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_match_digits_letters_and_runs() {
        assert!(mask_matches("P-##", "P-17"));
        assert!(!mask_matches("P-##", "P-1"));
        assert!(!mask_matches("P-##", "P-1x"));
        assert!(!mask_matches("P-##", "P-173"));
        assert!(mask_matches("@@-*", "GL-"));
        assert!(mask_matches("@@-*", "Ré-6100"));
        assert!(mask_matches("6*", "6100"));
        assert!(!mask_matches("6*", "7100"));
        assert!(mask_matches("*-?", "a-b-c"));
        assert!(mask_matches("", ""));
        assert!(!mask_matches("", "x"));
        assert!(mask_matches("*", ""));
        assert!(mask_matches("a*b*c", "aXbYbZc"));
        assert!(!mask_matches("a*b*c", "aXbYbZ"));
    }

    #[test]
    fn masks_stay_bounded_on_adversarial_input() {
        let pattern = "*a".repeat(50);
        let value = "a".repeat(MAX_FIELD_VALUE_CHARS - 1) + "b";
        assert!(!mask_matches(&pattern, &value));
    }

    /// The mask semantics written the obvious (exponential) way, for small inputs.
    fn reference(mask: &[char], text: &[char]) -> bool {
        match (mask.split_first(), text.split_first()) {
            (None, _) => text.is_empty(),
            (Some(('*', rest)), _) => {
                reference(rest, text) || (!text.is_empty() && reference(mask, &text[1..]))
            }
            (Some((&m, rest)), Some((&c, tail))) => one(m, c) && reference(rest, tail),
            (Some(_), None) => false,
        }
    }

    proptest::proptest! {
        #[test]
        fn masks_agree_with_the_reference(
            mask in "[#@?*a1-]{0,8}",
            text in "[a1b2-]{0,10}",
        ) {
            let (m, t): (Vec<char>, Vec<char>) = (mask.chars().collect(), text.chars().collect());
            proptest::prop_assert_eq!(mask_matches(&mask, &text), reference(&m, &t));
        }
    }

    #[test]
    fn dates_are_strict() {
        assert!(is_date("2028-02-29"));
        assert!(!is_date("2026-02-30"));
        assert!(!is_date("2026-2-03"));
        assert!(!is_date("+002026-02-03"));
    }
}
