//! Reviews of calls: a status, timestamped notes and bookmarks, and the agency's scorecard,
//! kept in the library first (offline) and shared through the agency's Supabase project
//! (`docs/reviews.md`: the tables, the conflict rules and the sync).

mod model;

pub use model::*;
