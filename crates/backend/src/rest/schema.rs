//! The exposed tables: their columns, with the Postgres types the real tables have (the storage
//! types in SQLite differ: instants are integer microseconds, booleans 0/1, `numeric(p,s)` an
//! integer of units of 10^-s, `jsonb` its canonical text), and who may do what with them.

use super::write_rules::Writes;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PgType {
    Uuid,
    Text,
    Bool,
    Int,
    BigInt,
    /// `numeric(precision, scale)`.
    Numeric {
        precision: u32,
        scale: u32,
    },
    Timestamptz,
    Jsonb,
}

impl PgType {
    /// The name Postgres uses in its error messages.
    pub(crate) fn pg_name(self) -> &'static str {
        match self {
            PgType::Uuid => "uuid",
            PgType::Text => "text",
            PgType::Bool => "boolean",
            PgType::Int => "integer",
            PgType::BigInt => "bigint",
            PgType::Numeric { .. } => "numeric",
            PgType::Timestamptz => "timestamp with time zone",
            PgType::Jsonb => "jsonb",
        }
    }
}

/// A column's `DEFAULT`, used when an insert does not name the column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColumnDefault {
    /// No default: NULL.
    Null,
    /// A constant, written as Postgres input text (`'[]'::jsonb`, `'note'`).
    Literal(&'static str),
    /// `now()`.
    Now,
    /// `gen_random_uuid()`.
    RandomUuid,
    /// `auth.uid()`: the JWT's `sub`.
    AuthUid,
}

#[derive(Debug)]
pub(crate) struct Column {
    /// The name clients see.
    pub name: &'static str,
    pub ty: PgType,
    pub nullable: bool,
    /// The SQLite expression over the stored row that gives the value: the stored column of
    /// the same name, except in `calls`' other shapes (another name, or a value made from the
    /// row).
    pub expr: &'static str,
    pub default: ColumnDefault,
}

pub(crate) const fn col(name: &'static str, ty: PgType, nullable: bool) -> Column {
    Column {
        name,
        ty,
        nullable,
        expr: name,
        default: ColumnDefault::Null,
    }
}

const fn from(name: &'static str, expr: &'static str, ty: PgType, nullable: bool) -> Column {
    Column {
        name,
        ty,
        nullable,
        expr,
        default: ColumnDefault::Null,
    }
}

/// A column with a default.
pub(crate) const fn with_default(
    name: &'static str,
    ty: PgType,
    nullable: bool,
    default: ColumnDefault,
) -> Column {
    Column {
        name,
        ty,
        nullable,
        expr: name,
        default,
    }
}

/// What one role may do with a table (its `GRANT`s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Privileges {
    pub select: bool,
    pub insert: bool,
    pub update: bool,
    pub delete: bool,
}

impl Privileges {
    pub(crate) const NONE: Privileges = Privileges {
        select: false,
        insert: false,
        update: false,
        delete: false,
    };
    pub(crate) const READ: Privileges = Privileges {
        select: true,
        ..Privileges::NONE
    };
    /// `select, insert, update`: no delete.
    pub(crate) const WRITE: Privileges = Privileges {
        select: true,
        insert: true,
        update: true,
        delete: false,
    };
    pub(crate) const ALL: Privileges = Privileges {
        select: true,
        insert: true,
        update: true,
        delete: true,
    };
}

/// The grants of the three API roles.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Grants {
    pub anon: Privileges,
    pub authenticated: Privileges,
    pub service: Privileges,
}

/// A table PostgREST exposes. Row-level security scopes every role but the service role to the
/// rows whose `agency_id` is the caller's agency (anon: none).
#[derive(Debug)]
pub(crate) struct Table {
    /// The name in `public`, and of the SQLite table holding the rows.
    pub name: &'static str,
    /// In table order (what `select=*` returns).
    pub columns: &'static [Column],
    pub grants: Grants,
    /// Keys, constraints, write policies and triggers; `None`: the local backend does not write
    /// this table (even where a grant allows it).
    pub writes: Option<&'static Writes>,
}

impl Table {
    pub(crate) fn column(&self, name: &str) -> Option<&'static Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The position of a column the code names (not the request).
    pub(crate) fn index(&self, name: &str) -> usize {
        self.columns
            .iter()
            .position(|c| c.name == name)
            .unwrap_or_else(|| panic!("{} has no column {name}", self.name))
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
    /// `public.calls` in this shape.
    pub(crate) fn table(self) -> &'static Table {
        match self {
            TableShape::Full => &CALLS_FULL,
            TableShape::Minimal => &CALLS_MINIMAL,
            TableShape::Magpipe => &CALLS_MAGPIPE,
        }
    }
}

/// Reviewers read their agency's calls; only the admin API adds calls here.
const CALLS_GRANTS: Grants = Grants {
    anon: Privileges::READ,
    authenticated: Privileges::READ,
    service: Privileges::ALL,
};

static CALLS_FULL: Table = Table {
    name: CALLS_TABLE,
    columns: CALLS,
    grants: CALLS_GRANTS,
    writes: None,
};

static CALLS_MINIMAL: Table = Table {
    name: CALLS_TABLE,
    columns: MINIMAL,
    grants: CALLS_GRANTS,
    writes: None,
};

static CALLS_MAGPIPE: Table = Table {
    name: CALLS_TABLE,
    columns: MAGPIPE,
    grants: CALLS_GRANTS,
    writes: None,
};

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

pub(crate) const CALLS_TABLE: &str = "calls";
