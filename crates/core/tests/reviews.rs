//! Shared reviews against the local backend's PostgREST tables: two reviewers of one agency on
//! two data dirs, a reviewer of another agency, changes made while the project is down, the
//! last-writer-wins rule between two computers, and a project without Callrec's tables.

mod common;

use callrec_backend::{BackendArgs, DemoUser, Faults, RunningBackend};
use callrec_core::calls::{self, CallQuery};
use callrec_core::library::Library;
use callrec_core::reviews::{self, CheckResult, NoteKind, ReviewStatus, SyncStatus};
use callrec_core::secret::Secret;
use callrec_core::session::SessionManager;

/// One reviewer on one computer: their own data dir and library.
struct Desk {
    session: SessionManager,
    library: Library,
    _dir: tempfile::TempDir,
}

async fn desk(backend: &RunningBackend, user: &DemoUser) -> Desk {
    let dir = tempfile::tempdir().unwrap();
    let session = common::manager(backend, common::memory(), dir.path());
    session
        .sign_in(&user.email, &Secret::new(user.password.clone()))
        .await
        .unwrap();
    let library = Library::open(dir.path()).unwrap();
    // The list is where a reviewer meets calls (and where the library learns their agency).
    calls::list(&session, &library, &CallQuery::default(), None)
        .await
        .unwrap();
    Desk {
        session,
        library,
        _dir: dir,
    }
}

fn user<'a>(backend: &'a RunningBackend, agency: &str, nth: usize) -> &'a DemoUser {
    backend
        .demo_users()
        .iter()
        .filter(|u| u.agency.as_deref() == Some(agency) && u.email_confirmed)
        .nth(nth)
        .unwrap_or_else(|| panic!("no reviewer {nth} at {agency}"))
}

async fn first_call(desk: &Desk) -> String {
    calls::list(&desk.session, &desk.library, &CallQuery::default(), None)
        .await
        .unwrap()
        .rows[0]
        .id
        .clone()
}

async fn sync(desk: &Desk) -> SyncStatus {
    reviews::sync(&desk.session, &desk.library).await.unwrap()
}

#[tokio::test]
async fn two_reviewers_of_one_agency_share_and_another_agency_sees_nothing() {
    let backend = common::backend(BackendArgs::default()).await;
    let agency = backend.demo_user().agency.clone().unwrap();
    let one = desk(&backend, user(&backend, &agency, 0)).await;
    let two = desk(&backend, user(&backend, &agency, 1)).await;
    let call = first_call(&one).await;

    // Before any sync the scorecard is not known yet: the first sync brings it.
    assert!(matches!(
        sync(&one).await,
        SyncStatus::Shared { pending: 0, .. }
    ));
    let card = reviews::call_reviews(&one.session, &one.library, &call)
        .unwrap()
        .scorecard;
    assert!(card.checks.len() >= 3, "the agency's scorecard: {card:?}");
    reviews::set_status(&one.session, &one.library, &call, ReviewStatus::Flagged).unwrap();
    reviews::answer_check(
        &one.session,
        &one.library,
        &call,
        &card.checks[0].id,
        Some(CheckResult::Fail),
        Some("no greeting".into()),
    )
    .unwrap();
    reviews::add_note(
        &one.session,
        &one.library,
        &call,
        NoteKind::Note,
        83_500,
        None,
        "Promised a refund",
    )
    .unwrap();
    let mine = reviews::add_note(
        &one.session,
        &one.library,
        &call,
        NoteKind::Bookmark,
        12_000,
        None,
        "",
    )
    .unwrap();
    assert!(
        matches!(mine.sync, SyncStatus::Shared { pending: 3, .. }),
        "{:?}",
        mine.sync
    );
    assert!(matches!(
        sync(&one).await,
        SyncStatus::Shared { pending: 0, .. }
    ));

    let seen = {
        sync(&two).await;
        reviews::call_reviews(&two.session, &two.library, &call).unwrap()
    };
    assert_eq!(
        seen.mine.status,
        ReviewStatus::Unreviewed,
        "their own review is untouched"
    );
    assert_eq!(seen.others.len(), 1);
    assert_eq!(seen.others[0].status, ReviewStatus::Flagged);
    assert_eq!(seen.others[0].score, Some(0.0));
    assert_eq!(
        seen.notes
            .iter()
            .map(|n| (n.at_ms, n.kind, n.body.as_str(), n.mine))
            .collect::<Vec<_>>(),
        [
            (12_000, NoteKind::Bookmark, "", false),
            (83_500, NoteKind::Note, "Promised a refund", false)
        ]
    );
    // The second reviewer answers; the first sees it after their next sync.
    reviews::add_note(
        &two.session,
        &two.library,
        &call,
        NoteKind::Note,
        90_000,
        Some(95_000),
        "Agreed",
    )
    .unwrap();
    sync(&two).await;
    sync(&one).await;
    let back = reviews::call_reviews(&one.session, &one.library, &call).unwrap();
    assert_eq!(back.notes.len(), 3);
    assert_eq!(back.notes[2].end_ms, Some(95_000));
    assert!(!back.notes[2].mine);

    // Another agency's reviewer: nothing of Northwind's.
    let other_agency = backend
        .demo_users()
        .iter()
        .find(|u| u.agency.as_ref().is_some_and(|a| *a != agency) && u.email_confirmed)
        .unwrap();
    let outsider = desk(&backend, other_agency).await;
    sync(&outsider).await;
    let nothing = reviews::call_reviews(&outsider.session, &outsider.library, &call).unwrap();
    assert!(
        nothing.others.is_empty() && nothing.notes.is_empty(),
        "{nothing:?}"
    );
    backend.shutdown().await;
}

#[tokio::test]
async fn changes_made_while_the_project_is_down_sync_once_in_order_when_it_returns() {
    let backend = common::backend(BackendArgs::default()).await;
    let agency = backend.demo_user().agency.clone().unwrap();
    let one = desk(&backend, user(&backend, &agency, 0)).await;
    let two = desk(&backend, user(&backend, &agency, 1)).await;
    let call = first_call(&one).await;
    sync(&one).await;

    backend
        .set_faults(Faults {
            error_rate: 1.0,
            ..Faults::default()
        })
        .unwrap();
    reviews::set_status(&one.session, &one.library, &call, ReviewStatus::InReview).unwrap();
    for (n, at) in [30_000u64, 10_000, 20_000].into_iter().enumerate() {
        reviews::add_note(
            &one.session,
            &one.library,
            &call,
            NoteKind::Note,
            at,
            None,
            &format!("note {n}"),
        )
        .unwrap();
    }
    reviews::set_status(&one.session, &one.library, &call, ReviewStatus::Reviewed).unwrap();
    assert_eq!(
        sync(&one).await,
        SyncStatus::Offline { pending: 4 },
        "one review entry, three notes"
    );

    backend.set_faults(Faults::default()).unwrap();
    assert!(matches!(
        sync(&one).await,
        SyncStatus::Shared { pending: 0, .. }
    ));
    // A second sync has nothing to push: each change went once.
    assert!(matches!(
        sync(&one).await,
        SyncStatus::Shared { pending: 0, .. }
    ));
    sync(&two).await;
    let seen = reviews::call_reviews(&two.session, &two.library, &call).unwrap();
    assert_eq!(
        seen.others[0].status,
        ReviewStatus::Reviewed,
        "the last status made offline"
    );
    assert_eq!(
        seen.notes
            .iter()
            .map(|n| n.body.as_str())
            .collect::<Vec<_>>(),
        ["note 1", "note 2", "note 0"],
        "each note once, by time on the call"
    );
    backend.shutdown().await;
}

#[tokio::test]
async fn the_later_edit_wins_whichever_computer_syncs_last_and_a_deleted_note_stays_deleted() {
    let backend = common::backend(BackendArgs::default()).await;
    let me = backend.demo_user().clone();
    let laptop = desk(&backend, &me).await;
    let desktop = desk(&backend, &me).await;
    let call = first_call(&laptop).await;
    sync(&laptop).await;
    sync(&desktop).await;

    // The laptop's edit is older, and reaches the project last.
    reviews::set_status(
        &laptop.session,
        &laptop.library,
        &call,
        ReviewStatus::Reviewed,
    )
    .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    reviews::set_status(
        &desktop.session,
        &desktop.library,
        &call,
        ReviewStatus::Flagged,
    )
    .unwrap();
    let note = reviews::add_note(
        &desktop.session,
        &desktop.library,
        &call,
        NoteKind::Note,
        5_000,
        None,
        "typo'd",
    )
    .unwrap()
    .notes[0]
        .id
        .clone();
    sync(&desktop).await;
    sync(&laptop).await;
    let laptop_view = reviews::call_reviews(&laptop.session, &laptop.library, &call).unwrap();
    assert_eq!(
        laptop_view.mine.status,
        ReviewStatus::Flagged,
        "the later edit won on the laptop too"
    );
    assert_eq!(laptop_view.notes.len(), 1);

    reviews::delete_note(&laptop.session, &laptop.library, &call, &note).unwrap();
    sync(&laptop).await;
    sync(&desktop).await;
    let desktop_view = reviews::call_reviews(&desktop.session, &desktop.library, &call).unwrap();
    assert_eq!(desktop_view.mine.status, ReviewStatus::Flagged);
    assert!(
        desktop_view.notes.is_empty(),
        "the tombstone reached the other computer"
    );
    assert!(matches!(
        reviews::delete_note(&desktop.session, &desktop.library, &call, &note),
        Err(reviews::ReviewError::NoteNotFound { .. })
    ));
    backend.shutdown().await;
}

#[tokio::test]
async fn a_project_without_the_tables_keeps_reviews_here_and_says_so() {
    let backend = common::backend(BackendArgs {
        no_reviews: true,
        ..BackendArgs::default()
    })
    .await;
    let one = desk(&backend, &backend.demo_user().clone()).await;
    let call = first_call(&one).await;
    reviews::set_status(&one.session, &one.library, &call, ReviewStatus::Flagged).unwrap();
    reviews::add_note(
        &one.session,
        &one.library,
        &call,
        NoteKind::Bookmark,
        1_000,
        None,
        "",
    )
    .unwrap();
    match sync(&one).await {
        SyncStatus::LocalOnly { migration, pending } => {
            assert_eq!(migration, reviews::MIGRATION_FILE);
            assert!(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../..")
                    .join(&migration)
                    .is_file()
            );
            assert_eq!(pending, 2, "nothing was lost");
        }
        other => panic!("{other:?}"),
    }
    // Everything works locally: the list filters on it, the call shows it.
    let flagged = calls::list(
        &one.session,
        &one.library,
        &CallQuery {
            review: Some(ReviewStatus::Flagged),
            ..CallQuery::default()
        },
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        flagged
            .rows
            .iter()
            .map(|r| r.id.as_str())
            .collect::<Vec<_>>(),
        [call.as_str()]
    );
    assert_eq!(flagged.rows[0].review_status, ReviewStatus::Flagged);
    let not_yet = calls::list(
        &one.session,
        &one.library,
        &CallQuery {
            review: Some(ReviewStatus::Unreviewed),
            ..CallQuery::default()
        },
        None,
    )
    .await
    .unwrap();
    assert!(!not_yet.rows.is_empty() && not_yet.rows.iter().all(|r| r.id != call));
    let view = reviews::call_reviews(&one.session, &one.library, &call).unwrap();
    assert_eq!(view.mine.status, ReviewStatus::Flagged);
    assert_eq!(view.notes.len(), 1);
    backend.shutdown().await;
}

#[tokio::test]
async fn hostile_input_is_refused_with_its_own_error_and_nothing_is_written() {
    let backend = common::backend(BackendArgs::default()).await;
    let one = desk(&backend, &backend.demo_user().clone()).await;
    let call = first_call(&one).await;
    let long = "x".repeat(reviews::MAX_NOTE_CHARS + 1);
    let code = |r: Result<_, reviews::ReviewError>| {
        use callrec_core::ErrorCode;
        r.err().map(|e| e.code())
    };
    assert_eq!(
        code(reviews::add_note(
            &one.session,
            &one.library,
            &call,
            NoteKind::Note,
            0,
            None,
            &long
        )),
        Some("note_too_long")
    );
    assert_eq!(
        code(reviews::add_note(
            &one.session,
            &one.library,
            &call,
            NoteKind::Note,
            5_000,
            Some(1_000),
            "x"
        )),
        Some("bad_note_time")
    );
    assert_eq!(
        code(reviews::add_note(
            &one.session,
            &one.library,
            &call,
            NoteKind::Note,
            u64::MAX,
            None,
            "x"
        )),
        Some("bad_note_time")
    );
    assert_eq!(
        code(reviews::answer_check(
            &one.session,
            &one.library,
            &call,
            "nope",
            Some(CheckResult::Pass),
            None
        )),
        Some("unknown_check")
    );
    assert_eq!(
        code(reviews::set_status(
            &one.session,
            &one.library,
            &"c".repeat(500),
            ReviewStatus::Reviewed
        )),
        Some("bad_call_id")
    );
    let view = reviews::call_reviews(&one.session, &one.library, &call).unwrap();
    assert!(view.notes.is_empty() && view.mine.status == ReviewStatus::Unreviewed);
    assert_eq!(view.sync, SyncStatus::NotYet { pending: 0 });
    backend.shutdown().await;
}

#[tokio::test]
async fn a_change_is_shared_soon_without_asking() {
    let backend = common::backend(BackendArgs::default()).await;
    let agency = backend.demo_user().agency.clone().unwrap();
    let one = desk(&backend, user(&backend, &agency, 0)).await;
    let two = desk(&backend, user(&backend, &agency, 1)).await;
    let call = first_call(&one).await;
    let auto = reviews::AutoSync::with_timing(
        std::time::Duration::from_millis(50),
        std::time::Duration::from_secs(3600),
    );
    let library = std::sync::Arc::new(Library::open(one._dir.path()).unwrap());
    let runner = {
        let auto = auto.clone();
        let session = one.session.clone();
        tokio::spawn(async move {
            auto.run(library, move || std::future::ready(Some(session.clone())))
                .await
        })
    };
    let mut synced = auto.subscribe();
    reviews::set_status(&one.session, &one.library, &call, ReviewStatus::Reviewed).unwrap();
    auto.changed();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        synced.wait_for(|s| matches!(s, Some(SyncStatus::Shared { .. }))),
    )
    .await
    .expect("the runner said it synced")
    .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        sync(&two).await;
        let seen = reviews::call_reviews(&two.session, &two.library, &call).unwrap();
        if seen
            .others
            .first()
            .is_some_and(|r| r.status == ReviewStatus::Reviewed)
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the change was never pushed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    runner.abort();
    backend.shutdown().await;
}
