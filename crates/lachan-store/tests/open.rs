//! Opening file and in-memory databases.

use lachan_policy::{Category, Profile};
use lachan_store::{DATABASE_FILE, ListRecord, ORIGIN_FILE, Store};

fn list(name: &str) -> ListRecord {
    ListRecord {
        name: name.into(),
        source: "https://raw.githubusercontent.com/bigdargon/hostsVN/master/option/domain.txt"
            .into(),
        category: Category::Ads,
        subdomains: true,
        enabled: true,
        origin: ORIGIN_FILE.into(),
    }
}

#[tokio::test]
async fn migrations_apply_to_a_fresh_file_and_reopening_keeps_the_data() {
    let tmp = tempfile::tempdir().unwrap();
    let data_dir = tmp.path().join("var").join("lachan");

    let store = Store::open(&data_dir).await.unwrap();
    assert!(data_dir.join(DATABASE_FILE).is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&data_dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "data directory must be private");
    }
    store
        .sync_file_config(&[list("hostsvn")], &[Profile::default_child()], &[])
        .await
        .unwrap();
    drop(store);

    let reopened = Store::open(&data_dir).await.unwrap();
    assert_eq!(reopened.lists().await.unwrap(), vec![list("hostsvn")]);
    assert_eq!(
        reopened.profiles().await.unwrap(),
        vec![Profile::default_child()]
    );
    // WAL mode leaves its side file next to the database.
    assert!(data_dir.join(format!("{DATABASE_FILE}-wal")).exists());
}

#[cfg(unix)]
#[tokio::test]
async fn an_existing_directory_keeps_its_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o750)).unwrap();
    Store::open(tmp.path()).await.unwrap();
    assert!(tmp.path().join(DATABASE_FILE).is_file());
    let mode = std::fs::metadata(tmp.path()).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o750);
}

#[tokio::test]
async fn a_data_directory_under_a_file_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let err = Store::open(&file.join("data")).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("cannot create the data directory"),
        "{text}"
    );
    assert!(text.contains("choose another data directory"), "{text}");
}

#[tokio::test]
async fn in_memory_stores_are_private_and_migrated() {
    let a = Store::open_in_memory().await.unwrap();
    let b = Store::open_in_memory().await.unwrap();
    a.sync_file_config(&[list("hostsvn")], &[], &[])
        .await
        .unwrap();
    assert_eq!(a.lists().await.unwrap().len(), 1);
    assert!(b.lists().await.unwrap().is_empty());
}
