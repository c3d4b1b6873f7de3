//! The session's life cycle on the real OS keyring (Secret Service through gnome-keyring in
//! CI): sign in, restore in a new manager over a new keyring connection, sign out leaves no
//! entry. Skipped, with the reason printed, where no session bus is running — unless
//! `CALLREC_REQUIRE_KEYRING=1`, which makes that a failure.

mod common;

use std::sync::Arc;

use callrec_backend::BackendArgs;
use callrec_core::secret::Secret;
use callrec_core::session::{
    KeyringBackend, KeyringStore, MAX_STORED_BYTES, SessionStatus, StoredSession, TokenStore,
};
use common::{backend, manager, secret_service_or_skip};

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_restore_and_sign_out_on_the_real_keyring() {
    let Some(store) = secret_service_or_skip("sign_in_restore_and_sign_out_on_the_real_keyring")
    else {
        return;
    };
    let info = store.info();
    assert_eq!(info.backend, KeyringBackend::SecretService);
    assert!(info.persistent);
    assert!(info.warning.is_none());

    let backend = backend(BackendArgs::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let user = backend.demo_user();
    let first = manager(&backend, store.clone(), dir.path());
    let state = first
        .sign_in(&user.email, &Secret::new(user.password.clone()))
        .await
        .unwrap();
    assert_eq!(state.status, SessionStatus::SignedIn);
    assert_eq!(state.keyring.backend, KeyringBackend::SecretService);
    let key = first.keyring_key(&user.id);
    drop(first);

    // What is in the keyring, read through a separate connection.
    let reader = KeyringStore::new().unwrap();
    let value = reader.load(&key).unwrap().expect("an entry in the keyring");
    assert!(value.expose().len() <= MAX_STORED_BYTES);
    let saved = StoredSession::decode(&value).unwrap();
    assert_eq!(saved.user_id, user.id);

    // The next launch: a new keyring connection, a new manager.
    let store2: Arc<dyn TokenStore> = Arc::new(KeyringStore::new().unwrap());
    let second = manager(&backend, store2.clone(), dir.path());
    let restored = second.restore().await.unwrap();
    assert_eq!(restored.status, SessionStatus::SignedIn);
    assert_eq!(restored.user, state.user);
    let response = second
        .send(|http| {
            http.get(format!(
                "{}/rest/v1/calls?select=id&limit=1",
                backend.base_url()
            ))
        })
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    second.sign_out().await.unwrap();
    assert!(
        KeyringStore::new().unwrap().load(&key).unwrap().is_none(),
        "sign-out leaves no keyring entry"
    );
    backend.shutdown().await;
}

#[test]
fn the_keyring_store_keeps_the_trait_contract() {
    let Some(store) = secret_service_or_skip("the_keyring_store_keeps_the_trait_contract") else {
        return;
    };
    let key = format!("test.invalid/{}", std::process::id());
    assert!(store.load(&key).unwrap().is_none());
    store.save(&key, &Secret::new("one".into())).unwrap();
    store.save(&key, &Secret::new("two".into())).unwrap();
    assert_eq!(store.load(&key).unwrap().unwrap().expose(), "two");
    // Exactly the limit fits (UTF-8 bytes, not UTF-16 units).
    let big = "é".repeat(MAX_STORED_BYTES / 2);
    store.save(&key, &Secret::new(big.clone())).unwrap();
    assert_eq!(store.load(&key).unwrap().unwrap().expose(), &big);
    store.delete(&key).unwrap();
    store.delete(&key).unwrap();
    assert!(store.load(&key).unwrap().is_none());
}
