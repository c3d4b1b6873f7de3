//! `callrec calls` against each shape of the `calls` table the local backend serves (`full`,
//! `minimal`, `magpipe`): paging, every offered filter and sort, search, opening a call by id,
//! the same offline, and a filter on an absent column refused as a usage error (exit 2).

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use callrec_backend::{BackendArgs, TableShape};
use serde_json::Value;

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_callrec");

/// `callrec` run one command at a time inside one signed-in keyring session: the test writes
/// `cmd.N` (one argument a line), the session answers with `out.N`, `err.N` and `rc.N`.
struct Driver {
    dir: PathBuf,
    next: usize,
    child: Child,
}

const LOOP: &str = r#"printf '%s\n' "$PW" | "$CALLREC" login --email "$EMAIL" --password-stdin >/dev/null || exit 9
n=0
while :; do
  while [ ! -e "$OUT/cmd.$n" ]; do sleep 0.02; done
  if [ "$(cat "$OUT/cmd.$n")" = "exit" ]; then exit 0; fi
  set --
  while IFS= read -r a; do set -- "$@" "$a"; done < "$OUT/cmd.$n"
  "$CALLREC" "$@" > "$OUT/out.$n" 2> "$OUT/err.$n"
  echo $? > "$OUT/rc.$n.tmp" && mv "$OUT/rc.$n.tmp" "$OUT/rc.$n"
  n=$((n+1))
done
"#;

struct Ran {
    code: i32,
    out: String,
    err: String,
}

impl Ran {
    fn json(&self) -> Value {
        serde_json::from_str(&self.out)
            .unwrap_or_else(|e| panic!("{e}: {}\n{}", self.out, self.err))
    }
}

impl Driver {
    fn start(dir: &Path, backend: &callrec_backend::RunningBackend) -> Self {
        let user = backend.demo_user().clone();
        let mut command = common::in_keyring_session(LOOP);
        command
            .env("CALLREC_DATA_DIR", dir.join("data"))
            .env("CALLREC_SUPABASE_URL", backend.base_url())
            .env("CALLREC_SUPABASE_ANON_KEY", backend.anon_key())
            .env("CALLREC", BIN)
            .env("OUT", dir)
            .env("PW", &user.password)
            .env("EMAIL", &user.email)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        Self {
            dir: dir.to_owned(),
            next: 0,
            child: command.spawn().unwrap(),
        }
    }

    async fn run(&mut self, args: &[&str]) -> Ran {
        let n = self.next;
        self.next += 1;
        let tmp = self.dir.join(format!("cmd.{n}.tmp"));
        std::fs::write(&tmp, args.join("\n") + "\n").unwrap();
        std::fs::rename(&tmp, self.dir.join(format!("cmd.{n}"))).unwrap();
        let rc = self.dir.join(format!("rc.{n}"));
        let deadline = Instant::now() + Duration::from_secs(60);
        while !rc.exists() {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the session ended ({status}) before {args:?}");
            }
            assert!(Instant::now() < deadline, "{args:?} never finished");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let read = |name: String| std::fs::read_to_string(self.dir.join(name)).unwrap();
        Ran {
            code: read(format!("rc.{n}")).trim().parse().unwrap(),
            out: read(format!("out.{n}")),
            err: read(format!("err.{n}")),
        }
    }

    async fn ok(&mut self, args: &[&str]) -> Value {
        let ran = self.run(args).await;
        assert_eq!(ran.code, 0, "{args:?}\n{}\n{}", ran.out, ran.err);
        ran.json()
    }

    async fn stop(mut self) {
        let tmp = self.dir.join(format!("cmd.{}.tmp", self.next));
        std::fs::write(&tmp, "exit").unwrap();
        std::fs::rename(&tmp, self.dir.join(format!("cmd.{}", self.next))).unwrap();
        let _ = tokio::task::spawn_blocking(move || self.child.wait()).await;
    }
}

fn ids(page: &Value) -> Vec<String> {
    page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Column `name`'s value in a listed row (JSON): under its field's key when mapped.
fn value_of(schema: &Value, row: &Value, name: &str) -> Option<String> {
    let field = schema["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .and_then(|c| c["field"].as_str());
    let value = match field {
        Some(field) => {
            let key = match field {
                "duration" => "durationSeconds",
                "from" => "fromNumber",
                "to" => "toNumber",
                "agent" => "agentName",
                "started" => "startedAt",
                "ended" => "endedAt",
                other => other,
            };
            &row[key]
        }
        None => &row["extra"][name],
    };
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

fn sort_arg(sort: &str) -> &'static str {
    match sort {
        "dateDesc" => "-date",
        "dateAsc" => "date",
        "durationDesc" => "-duration",
        "durationAsc" => "duration",
        other => panic!("unknown sort {other}"),
    }
}

async fn exercise(shape: TableShape) {
    if !common::keyctl_or_skip(&format!("schemas {shape:?}")) {
        return;
    }
    let backend = callrec_backend::start(BackendArgs {
        calls: 30,
        schema: shape,
        ..BackendArgs::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut cli = Driver::start(dir.path(), &backend);

    let all = cli.ok(&["--json", "calls", "--limit", "1000"]).await;
    let schema = all["schema"].clone();
    let rows = all["rows"].as_array().unwrap().clone();
    assert!(rows.len() >= 25, "{shape:?}");
    let offers = &schema["offers"];
    // Queries run online, then again offline: (args, expected ids).
    let mut queries: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    let expect = |keep: &dyn Fn(&Value) -> bool| -> Vec<String> {
        rows.iter()
            .filter(|r| keep(r))
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect()
    };

    // Every offered sort, paged by --all in sevens, is the order of one big page.
    for sort in offers["sorts"].as_array().unwrap() {
        let sort = sort_arg(sort.as_str().unwrap());
        let big = cli
            .ok(&["--json", "calls", "--limit", "1000", "--sort", sort])
            .await;
        let args = ["--json", "calls", "--all", "--limit", "7", "--sort", sort];
        let paged = cli.ok(&args).await;
        assert_eq!(ids(&paged), ids(&big), "{shape:?} {sort}");
        queries.push((args.map(String::from).to_vec(), ids(&paged)));
    }
    // Every offered filter (and the ones every table has) gives exactly the matching calls.
    let mut filters: Vec<(Vec<String>, Vec<String>)> = vec![(
        vec!["--has-recording".into()],
        expect(&|r| r["hasRecording"] == true),
    )];
    for filter in offers["filters"].as_array().unwrap() {
        let filter = filter.as_str().unwrap();
        let wanted = rows[2][filter].clone();
        filters.push((
            vec![format!("--{filter}"), wanted.as_str().unwrap().to_owned()],
            expect(&|r| r[filter] == wanted),
        ));
    }
    // Search: part of a value of each searched column, matched over all of them.
    for column in offers["search"].as_array().unwrap() {
        let column = column.as_str().unwrap();
        let Some(value) = rows.iter().find_map(|r| value_of(&schema, r, column)) else {
            continue;
        };
        let piece: String = value
            .chars()
            .skip(value.chars().count() / 2)
            .take(4)
            .collect();
        let keep = |r: &Value| {
            offers["search"].as_array().unwrap().iter().any(|c| {
                value_of(&schema, r, c.as_str().unwrap())
                    .is_some_and(|v| v.to_lowercase().contains(&piece.to_lowercase()))
            })
        };
        filters.push((vec!["--search".into(), piece.clone()], expect(&keep)));
    }
    // A full call id, whatever the table's text columns.
    let id = rows[7]["id"].as_str().unwrap().to_owned();
    filters.push((vec!["--search".into(), id.to_uppercase()], vec![id.clone()]));
    for (filter, expected) in filters {
        let mut args: Vec<String> = ["--json", "calls", "--all", "--limit", "6"]
            .map(String::from)
            .to_vec();
        args.extend(filter);
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let got = cli.ok(&argv).await;
        assert_eq!(ids(&got), expected, "{shape:?} {args:?}");
        queries.push((args, expected));
    }

    // What the table lacks: exit 2, naming it and the columns there are.
    let mut absent: Vec<(Vec<&str>, &str)> = Vec::new();
    for (filter, value) in [("direction", "inbound"), ("status", "completed")] {
        if !offers["filters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == filter)
        {
            absent.push((
                vec![
                    "calls",
                    Box::leak(format!("--{filter}").into_boxed_str()),
                    value,
                ],
                filter,
            ));
        }
    }
    if offers["search"].as_array().unwrap().is_empty() {
        absent.push((vec!["calls", "--search", "555"], "text column"));
    }
    if shape == TableShape::Minimal {
        assert_eq!(absent.len(), 3, "minimal lacks direction, status and text");
    }
    for (args, named) in &absent {
        let ran = cli.run(args).await;
        assert_eq!(ran.code, 2, "{args:?}: {}", ran.err);
        assert!(ran.err.contains(named), "{}", ran.err);
        assert!(ran.err.contains("created_at"), "{}", ran.err);
        assert!(!ran.err.contains("server_error"), "{}", ran.err);
    }

    // The table shows only the columns the table has.
    let table = cli.run(&["calls", "--limit", "5"]).await;
    assert_eq!(table.code, 0, "{}", table.err);
    let header = table.out.lines().next().unwrap();
    assert!(header.contains("SECONDS"), "{header}");
    assert_eq!(
        header.contains("DIRECTION"),
        offers["filters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "direction"),
        "{header}"
    );
    assert!(
        !table
            .out
            .lines()
            .skip(1)
            .take(5)
            .any(|l| l.contains("  -  ")),
        "no column of dashes:\n{}",
        table.out
    );

    // Opening one call by its id: the list's row, and `recordings` says which call it is.
    let opened = cli.ok(&["--json", "calls", "--id", &id]).await;
    assert_eq!(opened["source"], "remote");
    assert_eq!(opened["row"], rows[7]);
    let recordings = cli.ok(&["--json", "recordings", &id]).await;
    assert_eq!(recordings["call"], rows[7]);

    // Offline: the library answers the same, and refuses the same.
    backend.shutdown().await;
    for (args, expected) in &queries {
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let got = cli.ok(&argv).await;
        assert_eq!(got["source"], "offline", "{args:?}");
        assert_eq!(&ids(&got), expected, "{shape:?} offline {args:?}");
    }
    for (args, named) in &absent {
        let ran = cli.run(args).await;
        assert_eq!(ran.code, 2, "offline {args:?}: {}", ran.err);
        assert!(ran.err.contains(named), "{}", ran.err);
    }
    let opened = cli.ok(&["--json", "calls", "--id", &id]).await;
    assert_eq!(opened["source"], "offline");
    assert_eq!(opened["row"], rows[7]);
    cli.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_full_table_through_the_cli() {
    exercise(TableShape::Full).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_minimal_table_through_the_cli() {
    exercise(TableShape::Minimal).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn magpipe_s_table_through_the_cli() {
    exercise(TableShape::Magpipe).await;
}
