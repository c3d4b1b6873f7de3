//! The `Prefer` header, as PostgREST's `ApiRequest/Preferences.hs` reads it: every `Prefer`
//! header, split on commas; of each kind the first recognised value wins, the rest is ignored.
//! [`Preferences::applied`] renders `Preference-Applied` in PostgREST's order.

use axum::http::HeaderMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resolution {
    MergeDuplicates,
    IgnoreDuplicates,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Representation {
    Full,
    HeadersOnly,
    Minimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Count {
    Exact,
    Planned,
    Estimated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Missing {
    Default,
    Null,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Preferences {
    pub resolution: Option<Resolution>,
    pub representation: Option<Representation>,
    pub count: Option<Count>,
    pub missing: Option<Missing>,
}

impl Preferences {
    pub(crate) fn from_headers(headers: &HeaderMap) -> Preferences {
        let mut p = Preferences::default();
        for v in headers.get_all("prefer") {
            for item in v.to_str().unwrap_or_default().split(',') {
                match item.trim() {
                    "resolution=merge-duplicates" => {
                        p.resolution.get_or_insert(Resolution::MergeDuplicates);
                    }
                    "resolution=ignore-duplicates" => {
                        p.resolution.get_or_insert(Resolution::IgnoreDuplicates);
                    }
                    "return=representation" => {
                        p.representation.get_or_insert(Representation::Full);
                    }
                    "return=headers-only" => {
                        p.representation.get_or_insert(Representation::HeadersOnly);
                    }
                    "return=minimal" => {
                        p.representation.get_or_insert(Representation::Minimal);
                    }
                    "count=exact" => {
                        p.count.get_or_insert(Count::Exact);
                    }
                    "count=planned" => {
                        p.count.get_or_insert(Count::Planned);
                    }
                    "count=estimated" => {
                        p.count.get_or_insert(Count::Estimated);
                    }
                    "missing=default" => {
                        p.missing.get_or_insert(Missing::Default);
                    }
                    "missing=null" => {
                        p.missing.get_or_insert(Missing::Null);
                    }
                    _ => {}
                }
            }
        }
        p
    }

    /// Whether the response carries a total (`shouldCount`: exact or estimated).
    pub(crate) fn counts(&self) -> bool {
        matches!(self.count, Some(Count::Exact | Count::Estimated))
    }

    /// `Preference-Applied`, of the preferences the response honours, or `None`.
    pub(crate) fn applied(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(r) = self.resolution {
            parts.push(match r {
                Resolution::MergeDuplicates => "resolution=merge-duplicates",
                Resolution::IgnoreDuplicates => "resolution=ignore-duplicates",
            });
        }
        if let Some(m) = self.missing {
            parts.push(match m {
                Missing::Default => "missing=default",
                Missing::Null => "missing=null",
            });
        }
        if let Some(r) = self.representation {
            parts.push(match r {
                Representation::Full => "return=representation",
                Representation::HeadersOnly => "return=headers-only",
                Representation::Minimal => "return=minimal",
            });
        }
        if let Some(c) = self.count {
            parts.push(count_text(c));
        }
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

pub(crate) fn count_text(c: Count) -> &'static str {
    match c {
        Count::Exact => "count=exact",
        Count::Planned => "count=planned",
        Count::Estimated => "count=estimated",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn first_value_of_each_kind_wins_across_headers() {
        let mut h = HeaderMap::new();
        h.append(
            "prefer",
            HeaderValue::from_static("return=representation, resolution=merge-duplicates"),
        );
        h.append(
            "prefer",
            HeaderValue::from_static("return=minimal,count=exact,bogus"),
        );
        let p = Preferences::from_headers(&h);
        assert_eq!(p.representation, Some(Representation::Full));
        assert_eq!(p.resolution, Some(Resolution::MergeDuplicates));
        assert!(p.counts());
        assert_eq!(
            p.applied().as_deref(),
            Some("resolution=merge-duplicates, return=representation, count=exact")
        );
        assert_eq!(Preferences::default().applied(), None);
    }
}
