//! The closest name of a set, as PostgREST finds it for its "Perhaps you meant" hints: the
//! Haskell `fuzzyset` 0.2 `getOne` with its defaults (gram sizes 3 then 2, Levenshtein scoring,
//! minimum score 0.33). Candidates are the entries sharing a gram with the query at the largest
//! gram size that yields a match; their score is `1 - distance / max length` of the lowercased
//! strings.

use std::collections::HashMap;

const MIN_SCORE: f64 = 0.33;

/// `normalized`: lowercase, only alphanumerics, spaces and commas; then enclosed in `-`.
fn grams(s: &str, size: usize) -> HashMap<String, usize> {
    let norm: String = s
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace() || *c == ',')
        .collect();
    let padded: Vec<char> = format!("-{norm}-").chars().collect();
    let mut out = HashMap::new();
    if padded.len() >= size {
        for w in padded.windows(size) {
            *out.entry(w.iter().collect()).or_insert(0) += 1;
        }
    }
    out
}

pub(crate) fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// `levenshteinNorm`: 1 for equal strings, 0 for wholly different ones.
fn similarity(a: &str, b: &str) -> f64 {
    let longest = a.chars().count().max(b.chars().count());
    if longest == 0 {
        return 1.0;
    }
    1.0 - levenshtein(a, b) as f64 / longest as f64
}

/// The entry of `set` closest to `query`, if any scores at least 0.33.
pub(crate) fn closest<'a>(set: &[&'a str], query: &str) -> Option<&'a str> {
    let key = query.to_lowercase();
    if let Some(exact) = set.iter().find(|s| s.to_lowercase() == key) {
        return Some(exact);
    }
    for size in [3, 2] {
        let wanted = grams(query, size);
        let mut scored: Vec<(f64, &'a str)> = set
            .iter()
            .filter(|entry| grams(entry, size).keys().any(|g| wanted.contains_key(g)))
            .map(|entry| (similarity(&key, &entry.to_lowercase()), *entry))
            .filter(|(score, _)| *score >= MIN_SCORE)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        if let Some((_, best)) = scored.first() {
            return Some(best);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_like_postgrest() {
        let only_calls = ["calls"];
        // 1 - 10/15 = 0.33...: just close enough.
        assert_eq!(closest(&only_calls, "callrec_reviews"), Some("calls"));
        assert_eq!(closest(&only_calls, "callrec_notes"), Some("calls"));
        // 1 - 13/18 < 0.33.
        assert_eq!(closest(&only_calls, "callrec_scorecards"), None);
        assert_eq!(closest(&only_calls, "call"), Some("calls"));
        assert_eq!(closest(&only_calls, "xyz"), None);
        let all = [
            "calls",
            "callrec_scorecards",
            "callrec_reviews",
            "callrec_notes",
        ];
        assert_eq!(closest(&all, "callrec_review"), Some("callrec_reviews"));
        assert_eq!(closest(&all, "callrec_note"), Some("callrec_notes"));
    }
}
