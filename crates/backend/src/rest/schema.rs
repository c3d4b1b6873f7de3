//! The exposed table and its columns, with the Postgres types the real table has (the storage
//! types in SQLite differ: instants are integers, booleans 0/1).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PgType {
    Uuid,
    Text,
    Bool,
    Int,
    Timestamptz,
}

impl PgType {
    /// The name Postgres uses in its error messages.
    pub(crate) fn pg_name(self) -> &'static str {
        match self {
            PgType::Uuid => "uuid",
            PgType::Text => "text",
            PgType::Bool => "boolean",
            PgType::Int => "integer",
            PgType::Timestamptz => "timestamp with time zone",
        }
    }
}

#[derive(Debug)]
pub(crate) struct Column {
    pub name: &'static str,
    pub ty: PgType,
    pub nullable: bool,
}

const fn col(name: &'static str, ty: PgType, nullable: bool) -> Column {
    Column { name, ty, nullable }
}

/// `public.calls`, in table order (what `select=*` returns).
pub(crate) const CALLS: &[Column] = &[
    col("id", PgType::Uuid, false),
    col("ultravox_call_id", PgType::Text, true),
    col("agency_id", PgType::Uuid, false),
    col("has_recording", PgType::Bool, false),
    col("created_at", PgType::Timestamptz, false),
    col("started_at", PgType::Timestamptz, true),
    col("ended_at", PgType::Timestamptz, true),
    col("duration_seconds", PgType::Int, true),
    col("direction", PgType::Text, false),
    col("from_number", PgType::Text, false),
    col("to_number", PgType::Text, false),
    col("status", PgType::Text, false),
    col("agent_name", PgType::Text, true),
];

pub(crate) const TABLE: &str = "calls";

pub(crate) fn column(name: &str) -> Option<&'static Column> {
    CALLS.iter().find(|c| c.name == name)
}
