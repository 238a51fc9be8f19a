//! What the account operations (`setup`, `backfill`, reconcile) read from the store.

use std::collections::HashSet;

use super::Store;
use super::events::numbered;
use crate::Error;

/// Ids asked at once in one `IN (...)` list.
const CHUNK: usize = 100;

impl Store {
    /// Which of `ids` are stored events (any source, any outcome).
    pub async fn known_event_ids(&self, ids: &[String]) -> Result<HashSet<String>, Error> {
        let mut known = HashSet::new();
        for chunk in ids.chunks(CHUNK) {
            let sql = format!(
                "SELECT id FROM events WHERE id IN ({})",
                numbered(1, chunk.len())
            );
            let mut query = sqlx::query_as::<_, (String,)>(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                query = query.bind(id);
            }
            known.extend(
                query
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map(|(id,)| id),
            );
        }
        Ok(known)
    }

    /// The webhook endpoints (`we_...`) whose signing secret is kept in the database.
    pub async fn webhook_secret_endpoints(&self) -> Result<Vec<String>, Error> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT DISTINCT endpoint FROM webhook_secrets ORDER BY endpoint")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|(e,)| e).collect())
    }
}
