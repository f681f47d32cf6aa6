//! Helpers shared by the integration tests.

#![allow(dead_code, unused_macros, unused_imports)]

pub mod pg;

/// The database a service test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Database {
    /// The embedded default: a SQLite file under the data folder.
    Sqlite,
    /// A fresh database on the private PostgreSQL test server.
    Postgres,
}

impl Database {
    /// Points `config` at this database (SQLite is the configuration's own default).
    pub async fn configure(self, config: &mut vc_issuer::config::Config) {
        if self == Database::Postgres {
            config.database_url = Some(pg::database().await);
        }
    }
}

/// Runs each `async fn $name(db: Database)` as two tests, `$name::sqlite` and
/// `$name::postgres`, on a two-thread runtime.
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(crate::common::Database::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(crate::common::Database::Postgres).await;
            }
        }
    )*};
}
pub(crate) use on_both_databases;
