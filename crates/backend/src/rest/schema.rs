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
    /// The name clients see.
    pub name: &'static str,
    pub ty: PgType,
    pub nullable: bool,
    /// The SQLite expression over the stored `calls` row that gives the value: the stored
    /// column of the same name in `full`; another name, or a value made from the row, in the
    /// other shapes.
    pub expr: &'static str,
}

const fn col(name: &'static str, ty: PgType, nullable: bool) -> Column {
    Column {
        name,
        ty,
        nullable,
        expr: name,
    }
}

const fn from(name: &'static str, expr: &'static str, ty: PgType, nullable: bool) -> Column {
    Column {
        name,
        ty,
        nullable,
        expr,
    }
}

/// Which `calls` table the backend serves (`callrec backend --schema`): agencies' tables
/// differ, and Callrec must work with any of them. Only `id`, `agency_id`, `has_recording`,
/// `created_at` and `ultravox_call_id` are in every shape. The rows are the same seeded calls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum TableShape {
    /// The table Callrec was first built against: numbers, agent, direction, status, times.
    #[default]
    Full,
    /// The certain columns and `duration`, nothing else.
    Minimal,
    /// Like magpipe's own call records: `caller_number`, `service_number`, `assistant_name`,
    /// `duration`, `transcript`, `call_summary`, `sentiment`.
    Magpipe,
}

impl TableShape {
    /// The table's columns, in table order (what `select=*` returns).
    pub(crate) fn columns(self) -> &'static [Column] {
        match self {
            TableShape::Full => CALLS,
            TableShape::Minimal => MINIMAL,
            TableShape::Magpipe => MAGPIPE,
        }
    }
}

const MINIMAL: &[Column] = &[
    col("id", PgType::Uuid, false),
    col("ultravox_call_id", PgType::Text, true),
    col("agency_id", PgType::Uuid, false),
    col("has_recording", PgType::Bool, false),
    col("created_at", PgType::Timestamptz, false),
    from("duration", "duration_seconds", PgType::Int, true),
];

const MAGPIPE: &[Column] = &[
    col("id", PgType::Uuid, false),
    col("agency_id", PgType::Uuid, false),
    col("ultravox_call_id", PgType::Text, true),
    col("created_at", PgType::Timestamptz, false),
    col("has_recording", PgType::Bool, false),
    col("direction", PgType::Text, false),
    from("caller_number", "from_number", PgType::Text, false),
    from("service_number", "to_number", PgType::Text, false),
    from("assistant_name", "agent_name", PgType::Text, true),
    col("status", PgType::Text, false),
    from("duration", "duration_seconds", PgType::Int, true),
    // Made from the row, so every shape serves the same seeded calls.
    from(
        "transcript",
        "(CASE WHEN duration_seconds IS NULL THEN NULL ELSE 'Agent: Thanks for calling, this is ' || COALESCE(agent_name, 'the assistant') || '. Caller: Hi, I am calling from ' || from_number || ' about my appointment.' END)",
        PgType::Text,
        true,
    ),
    from(
        "call_summary",
        "(CASE status WHEN 'completed' THEN 'Caller ' || from_number || ' asked about an appointment; resolved.' ELSE 'Call ' || status || ' (' || direction || ').' END)",
        PgType::Text,
        true,
    ),
    from(
        "sentiment",
        "(CASE COALESCE(duration_seconds, 0) % 3 WHEN 0 THEN 'positive' WHEN 1 THEN 'neutral' ELSE 'negative' END)",
        PgType::Text,
        false,
    ),
];

/// `public.calls` of the `full` shape, in table order (what `select=*` returns).
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

pub(crate) fn column(table: &'static [Column], name: &str) -> Option<&'static Column> {
    table.iter().find(|c| c.name == name)
}
