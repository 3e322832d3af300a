//! The identities the emulator knows: in memory, and optionally in a SQLite file so that they survive a
//! restart.
//!
//! Every change goes to SQLite first and to memory after the commit returned, under one lock, so a
//! reply (201/204) is only sent for a change that is on disk. The file uses WAL with
//! `synchronous=FULL`: each commit is fsync'ed, so an acknowledged identity survives a killed process
//! and also a power loss. (`NORMAL` would survive a killed process but could lose the last commits on
//! a power loss; the emulator's load is tiny, so the fsync per change costs nothing that matters.)
//!
//! Revocation uses stamps, a clock in microseconds that never repeats or goes back within a process:
//! every token carries the stamp of its issue, every revocation records one, and a token is valid
//! while its stamp is greater than its identity's revocation stamp.

use crate::ids;
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

/// An identity, live or deleted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// `8:acs:<resource id>_<guid>`.
    pub id: String,
    /// The caller's own key for the identity (2025-03-02-preview), unique among live identities.
    pub custom_id: Option<String>,
    /// Creation time, unix milliseconds.
    pub created_ms: i64,
    /// Tokens with a stamp at or below this one are revoked.
    pub revoked_stamp: i64,
    /// When the last token was issued, unix milliseconds.
    pub last_token_ms: Option<i64>,
    /// Deleted identities are kept so that their tokens keep failing and their ids keep answering 404.
    pub deleted: bool,
}

/// What [`Store::get`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// A live identity.
    Live(Identity),
    /// An identity that was deleted.
    Deleted,
    /// No identity with that id.
    Missing,
}

/// Whether a token of an identity is still good.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenState {
    Valid,
    Revoked,
    Deleted,
    Unknown,
}

/// The result of a create.
#[derive(Clone, Debug)]
pub struct Created {
    pub identity: Identity,
    /// Stamp for the token issued with the identity, when one was asked for.
    pub token_stamp: Option<i64>,
    /// The identity already existed (same customId).
    pub existed: bool,
}

/// A failure to store a change.
#[derive(Debug)]
pub enum StoreError {
    /// SQLite refused (disk full, file removed, ...). The text never holds a secret.
    Sqlite(String),
    /// No randomness for a new id.
    Random,
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Sqlite(e) => write!(f, "sqlite: {e}"),
            StoreError::Random => f.write_str("no randomness for a new id"),
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sqlite(e.to_string())
    }
}

/// The identities, behind one lock.
pub struct Store {
    inner: Mutex<Inner>,
}

struct Inner {
    identities: HashMap<String, Identity>,
    by_custom_id: HashMap<String, String>,
    db: Option<Connection>,
    last_stamp: i64,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS identities (
    id TEXT PRIMARY KEY,
    custom_id TEXT,
    created_ms INTEGER NOT NULL,
    revoked_stamp INTEGER NOT NULL DEFAULT 0,
    last_token_ms INTEGER,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS identities_live_custom_id
    ON identities (custom_id) WHERE custom_id IS NOT NULL AND deleted = 0;
";

impl Store {
    /// A store that forgets everything when the process ends.
    pub fn in_memory() -> Store {
        Store {
            inner: Mutex::new(Inner {
                identities: HashMap::new(),
                by_custom_id: HashMap::new(),
                db: None,
                last_stamp: 0,
            }),
        }
    }

    /// Opens (or creates) a SQLite file and loads it. The file remembers the resource id it was made
    /// for, and refuses another one, since the ids it holds embed it.
    pub fn open(path: &Path, resource_id: &str) -> Result<Store, String> {
        let fail = |e: rusqlite::Error| format!("{}: {e}", path.display());
        let db = Connection::open(path).map_err(fail)?;
        // WAL with an exclusive lock: one emulator per file, no shared-memory file needed.
        db.pragma_update(None, "locking_mode", "EXCLUSIVE")
            .map_err(fail)?;
        let mode: String = db
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(fail)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(format!("{}: could not switch to WAL mode", path.display()));
        }
        db.pragma_update(None, "synchronous", "FULL")
            .map_err(fail)?;
        db.execute_batch(SCHEMA).map_err(fail)?;
        let stored: Option<String> = db
            .query_row(
                "SELECT value FROM meta WHERE key = 'resource_id'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(fail)?;
        match stored {
            Some(r) if !r.eq_ignore_ascii_case(resource_id) => {
                return Err(format!(
                    "{} holds the identities of resource {r}; start with --resource-id {r} or use another file",
                    path.display()
                ))
            }
            Some(_) => {}
            None => {
                db.execute(
                    "INSERT INTO meta (key, value) VALUES ('resource_id', ?1)",
                    [resource_id],
                )
                .map_err(fail)?;
            }
        }
        let mut identities = HashMap::new();
        let mut by_custom_id = HashMap::new();
        let mut last_stamp = 0;
        {
            let mut stmt = db
                .prepare("SELECT id, custom_id, created_ms, revoked_stamp, last_token_ms, deleted FROM identities")
                .map_err(fail)?;
            let rows = stmt
                .query_map([], |r| {
                    Ok(Identity {
                        id: r.get(0)?,
                        custom_id: r.get(1)?,
                        created_ms: r.get(2)?,
                        revoked_stamp: r.get(3)?,
                        last_token_ms: r.get(4)?,
                        deleted: r.get::<_, i64>(5)? != 0,
                    })
                })
                .map_err(fail)?;
            for row in rows {
                let identity = row.map_err(fail)?;
                last_stamp = last_stamp.max(identity.revoked_stamp);
                if let (false, Some(c)) = (identity.deleted, &identity.custom_id) {
                    by_custom_id.insert(c.clone(), identity.id.clone());
                }
                identities.insert(identity.id.clone(), identity);
            }
        }
        Ok(Store {
            inner: Mutex::new(Inner {
                identities,
                by_custom_id,
                db: Some(db),
                last_stamp,
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave a half-made change: memory is only touched after
        // the database write succeeded.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether changes are kept in a file.
    pub fn is_persistent(&self) -> bool {
        self.lock().db.is_some()
    }

    /// Number of live identities.
    pub fn live_count(&self) -> usize {
        self.lock()
            .identities
            .values()
            .filter(|i| !i.deleted)
            .count()
    }

    /// Creates an identity of `resource_id`, or, when `custom_id` names a live identity, returns that
    /// one. With `issue_token`, also records a token issue (and returns its stamp).
    pub fn create(
        &self,
        resource_id: &str,
        custom_id: Option<&str>,
        issue_token: bool,
        now_ms: i64,
    ) -> Result<Created, StoreError> {
        let mut inner = self.lock();
        if let Some(existing) = custom_id.and_then(|c| inner.by_custom_id.get(c)).cloned() {
            let token_stamp = if issue_token {
                Some(inner.record_issue(&existing, now_ms)?)
            } else {
                None
            };
            let identity = inner
                .identities
                .get(&existing)
                .cloned()
                .ok_or_else(|| StoreError::Sqlite("customId index out of step".into()))?;
            return Ok(Created {
                identity,
                token_stamp,
                existed: true,
            });
        }
        let id = ids::new_user_id(resource_id).map_err(|_| StoreError::Random)?;
        let stamp = issue_token.then(|| inner.next_stamp(now_ms));
        let identity = Identity {
            id: id.clone(),
            custom_id: custom_id.map(str::to_string),
            created_ms: now_ms,
            revoked_stamp: 0,
            last_token_ms: stamp.map(|_| now_ms),
            deleted: false,
        };
        if let Some(db) = &inner.db {
            db.execute(
                "INSERT INTO identities (id, custom_id, created_ms, revoked_stamp, last_token_ms, deleted) VALUES (?1, ?2, ?3, 0, ?4, 0)",
                params![identity.id, identity.custom_id, identity.created_ms, identity.last_token_ms],
            )?;
        }
        if let Some(c) = &identity.custom_id {
            inner.by_custom_id.insert(c.clone(), id.clone());
        }
        inner.identities.insert(id, identity.clone());
        Ok(Created {
            identity,
            token_stamp: stamp,
            existed: false,
        })
    }

    /// The identity with `id`.
    pub fn get(&self, id: &str) -> Lookup {
        match self.lock().identities.get(id) {
            Some(i) if i.deleted => Lookup::Deleted,
            Some(i) => Lookup::Live(i.clone()),
            None => Lookup::Missing,
        }
    }

    /// Records a token issue for a live identity and returns the token's stamp; `None` when the
    /// identity is missing or deleted.
    pub fn issue(&self, id: &str, now_ms: i64) -> Result<Option<i64>, StoreError> {
        let mut inner = self.lock();
        match inner.identities.get(id) {
            Some(i) if !i.deleted => inner.record_issue(id, now_ms).map(Some),
            _ => Ok(None),
        }
    }

    /// Revokes every token issued so far (or, with `valid_from_ms`, every token issued before that
    /// time). `false` when the identity is missing or deleted.
    pub fn revoke(
        &self,
        id: &str,
        valid_from_ms: Option<i64>,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut inner = self.lock();
        if !matches!(inner.identities.get(id), Some(i) if !i.deleted) {
            return Ok(false);
        }
        let stamp = match valid_from_ms {
            Some(ms) => ms.saturating_mul(1000).saturating_sub(1),
            None => inner.next_stamp(now_ms),
        };
        if let Some(db) = &inner.db {
            db.execute(
                "UPDATE identities SET revoked_stamp = ?1 WHERE id = ?2",
                params![stamp, id],
            )?;
        }
        if let Some(i) = inner.identities.get_mut(id) {
            i.revoked_stamp = stamp;
        }
        Ok(true)
    }

    /// Deletes an identity: its tokens are revoked, no new ones are issued, its customId is free
    /// again. `false` when it is missing or already deleted.
    pub fn delete(&self, id: &str, now_ms: i64) -> Result<bool, StoreError> {
        let mut inner = self.lock();
        let custom_id = match inner.identities.get(id) {
            Some(i) if !i.deleted => i.custom_id.clone(),
            _ => return Ok(false),
        };
        let stamp = inner.next_stamp(now_ms);
        if let Some(db) = &inner.db {
            db.execute(
                "UPDATE identities SET deleted = 1, revoked_stamp = ?1 WHERE id = ?2",
                params![stamp, id],
            )?;
        }
        if let Some(i) = inner.identities.get_mut(id) {
            i.deleted = true;
            i.revoked_stamp = stamp;
        }
        if let Some(c) = custom_id {
            inner.by_custom_id.remove(&c);
        }
        Ok(true)
    }

    /// Whether a token of `id` issued at `stamp` is still good.
    pub fn token_state(&self, id: &str, stamp: i64) -> TokenState {
        match self.lock().identities.get(id) {
            None => TokenState::Unknown,
            Some(i) if i.deleted => TokenState::Deleted,
            Some(i) if stamp <= i.revoked_stamp => TokenState::Revoked,
            Some(_) => TokenState::Valid,
        }
    }
}

impl Inner {
    fn next_stamp(&mut self, now_ms: i64) -> i64 {
        let stamp = now_ms.saturating_mul(1000).max(self.last_stamp + 1);
        self.last_stamp = stamp;
        stamp
    }

    fn record_issue(&mut self, id: &str, now_ms: i64) -> Result<i64, StoreError> {
        if let Some(db) = &self.db {
            db.execute(
                "UPDATE identities SET last_token_ms = ?1 WHERE id = ?2",
                params![now_ms, id],
            )?;
        }
        if let Some(i) = self.identities.get_mut(id) {
            i.last_token_ms = Some(now_ms);
        }
        Ok(self.next_stamp(now_ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RES: &str = "ac5e0000-0000-4000-8000-000000000001";

    fn temp_file(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("acs-emulator-store-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("data.sqlite")
    }

    #[test]
    fn revocation_and_deletion_invalidate_earlier_tokens_only() {
        let s = Store::in_memory();
        let c = s.create(RES, None, true, 1_000).unwrap();
        let id = c.identity.id.clone();
        let first = c.token_stamp.unwrap();
        let second = s.issue(&id, 1_000).unwrap().unwrap();
        assert!(
            second > first,
            "stamps never repeat, even in the same millisecond"
        );
        assert_eq!(s.token_state(&id, first), TokenState::Valid);
        assert!(s.revoke(&id, None, 1_000).unwrap());
        assert_eq!(s.token_state(&id, first), TokenState::Revoked);
        assert_eq!(s.token_state(&id, second), TokenState::Revoked);
        let third = s.issue(&id, 1_000).unwrap().unwrap();
        assert_eq!(s.token_state(&id, third), TokenState::Valid);
        assert!(s.delete(&id, 1_000).unwrap());
        assert_eq!(s.token_state(&id, third), TokenState::Deleted);
        assert_eq!(s.issue(&id, 1_000).unwrap(), None);
        assert!(!s.delete(&id, 1_000).unwrap());
        assert!(!s.revoke(&id, None, 1_000).unwrap());
        assert_eq!(s.get(&id), Lookup::Deleted);
        assert_eq!(s.get("8:acs:nope"), Lookup::Missing);
        assert_eq!(s.token_state("8:acs:nope", 1), TokenState::Unknown);
    }

    #[test]
    fn tokens_valid_from_revokes_tokens_issued_before_it() {
        let s = Store::in_memory();
        let id = s.create(RES, None, false, 0).unwrap().identity.id;
        let early = s.issue(&id, 10_000).unwrap().unwrap();
        let late = s.issue(&id, 20_000).unwrap().unwrap();
        assert!(s.revoke(&id, Some(15_000), 30_000).unwrap());
        assert_eq!(s.token_state(&id, early), TokenState::Revoked);
        assert_eq!(s.token_state(&id, late), TokenState::Valid);
    }

    #[test]
    fn custom_ids_are_idempotent_until_deleted() {
        let s = Store::in_memory();
        let a = s.create(RES, Some("alice"), false, 0).unwrap();
        let b = s.create(RES, Some("alice"), true, 5).unwrap();
        assert!(!a.existed);
        assert!(b.existed);
        assert_eq!(a.identity.id, b.identity.id);
        assert_eq!(b.identity.last_token_ms, Some(5));
        assert!(s.delete(&a.identity.id, 6).unwrap());
        let c = s.create(RES, Some("alice"), false, 7).unwrap();
        assert!(!c.existed);
        assert_ne!(c.identity.id, a.identity.id);
        assert_eq!(s.live_count(), 1);
    }

    #[test]
    fn a_file_keeps_identities_custom_ids_and_revocations() {
        let path = temp_file("reopen");
        let (id, stamp_before, deleted) = {
            let s = Store::open(&path, RES).unwrap();
            assert!(s.is_persistent());
            let c = s.create(RES, Some("bob"), true, 1_000).unwrap();
            let gone = s.create(RES, None, false, 1_000).unwrap().identity.id;
            assert!(s.delete(&gone, 1_000).unwrap());
            assert!(s.revoke(&c.identity.id, None, 2_000).unwrap());
            (c.identity.id, c.token_stamp.unwrap(), gone)
        };
        let s = Store::open(&path, RES).unwrap();
        assert_eq!(s.token_state(&id, stamp_before), TokenState::Revoked);
        assert_eq!(s.get(&deleted), Lookup::Deleted);
        let again = s.create(RES, Some("bob"), false, 3_000).unwrap();
        assert!(again.existed);
        assert_eq!(again.identity.id, id);
        assert_eq!(again.identity.last_token_ms, Some(1_000));
        // A token issued after the restart is newer than the revocation before it.
        let fresh = s.issue(&id, 2_000).unwrap().unwrap();
        assert_eq!(s.token_state(&id, fresh), TokenState::Valid);
        drop(s);
        let other = Store::open(&path, "ac5e0000-0000-4000-8000-000000000002");
        assert!(other.err().unwrap().contains("--resource-id"));
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }
}
