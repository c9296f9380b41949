//! Category ids: paths (`office/paper/copier`) and 8-digit UNSPSC codes, what a rule's
//! category covers, and the keys the compiled index files a category under.

/// True for a category path (`office/paper/copier`) or an 8-digit UNSPSC code.
pub fn valid_category_id(id: &str) -> bool {
    if id.len() == 8 && id.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    // One pass over the bytes: segments separated by `/`, each starting with a lowercase
    // letter or digit, then lowercase letters, digits, `-` and `_`.
    let mut segment_start = true;
    for byte in id.bytes() {
        let ok = match byte {
            b'/' => !segment_start,
            b'a'..=b'z' | b'0'..=b'9' => true,
            b'-' | b'_' => !segment_start,
            _ => false,
        };
        if !ok {
            return false;
        }
        segment_start = byte == b'/';
    }
    !segment_start
}

/// The prefix a category covers: a path covers itself and `path/…`; a UNSPSC code covers
/// every code sharing its digits before trailing `00` pairs (`44121600` covers `441216xx`).
pub fn category_covers(rule: &str, line: &str) -> bool {
    if is_unspsc(rule) {
        if !is_unspsc(line) {
            return false;
        }
        let mut prefix = rule;
        while prefix.len() > 2 && prefix.ends_with("00") {
            prefix = prefix.get(..prefix.len() - 2).unwrap_or(prefix);
        }
        return line.starts_with(prefix);
    }
    line == rule || (line.starts_with(rule) && line.as_bytes().get(rule.len()) == Some(&b'/'))
}

/// True for an 8-digit UNSPSC code, e.g. `44121600`.
pub fn is_unspsc(id: &str) -> bool {
    id.len() == 8 && id.bytes().all(|b| b.is_ascii_digit())
}

/// Calls `visit` with each key a category is indexed under and looked up by, shortest
/// first: itself and every ancestor, e.g. `office/paper/copier` → `office`,
/// `office/paper`, `office/paper/copier`, and `44121601` → `44000000`, `44120000`,
/// `44121600`, `44121601`. Path keys are slices of `category`, so the per-line lookup of
/// checkout allocates only for UNSPSC codes.
pub fn for_each_category_key(category: &str, mut visit: impl FnMut(&str)) {
    if is_unspsc(category) {
        let mut last = String::new();
        for digits in [2, 4, 6, 8] {
            let prefix = category.get(..digits).unwrap_or(category);
            let key = format!("{prefix:0<8}");
            if key != last {
                visit(&key);
                last = key;
            }
        }
        return;
    }
    for (at, byte) in category.bytes().enumerate() {
        if byte == b'/' {
            visit(category.get(..at).unwrap_or(category));
        }
    }
    visit(category);
}

#[cfg(test)]
mod tests {
    use super::for_each_category_key;

    fn category_keys(category: &str) -> Vec<String> {
        let mut keys = Vec::new();
        for_each_category_key(category, |key| keys.push(key.to_owned()));
        keys
    }

    #[test]
    fn keys_cover_every_ancestor() {
        assert_eq!(
            category_keys("office/paper/copier"),
            ["office", "office/paper", "office/paper/copier"]
        );
        assert_eq!(
            category_keys("44121601"),
            ["44000000", "44120000", "44121600", "44121601"]
        );
        assert_eq!(
            category_keys("44121600"),
            ["44000000", "44120000", "44121600"]
        );
    }
}
