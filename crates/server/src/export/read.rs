//! Reading an export's rows: one read transaction, each table in pages by
//! its key (keyset), each row one JSON object.

use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Row, Transaction};

use super::archive::Spool;
use super::entities::{self, Column, Entity, Kind};
use super::ExportError;
use crate::db::{Backend, Database};

/// Rows per page: a page is the most of a table held in memory.
const PAGE_ROWS: usize = 1000;

/// The database as of the start of the export.
pub struct Snapshot {
    tx: Transaction<'static, Any>,
}

/// A key value of the last row of a page.
enum KeyValue {
    Text(String),
    Int(i64),
}

impl Snapshot {
    pub async fn begin(db: &Database) -> Result<Self, ExportError> {
        let tx = match db.backend() {
            // In WAL mode a read transaction sees one snapshot until it ends.
            Backend::Sqlite => db.pool().begin().await?,
            Backend::Postgres => {
                db.pool()
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?
            }
        };
        Ok(Snapshot { tx })
    }

    pub async fn end(self) -> Result<(), ExportError> {
        self.tx.commit().await?;
        Ok(())
    }

    pub async fn schema_version(&mut self) -> Result<i64, ExportError> {
        let row = sqlx::query("SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations")
            .fetch_one(&mut *self.tx)
            .await?;
        Ok(row.try_get("version")?)
    }

    /// Writes the rows of `entity` (only `person`'s, when given) to `spool`.
    pub async fn table(
        &mut self,
        entity: &Entity,
        columns: &[Column],
        person: Option<&str>,
        spool: &mut Spool,
    ) -> Result<(), ExportError> {
        let names: Vec<&str> = columns.iter().map(|c| c.name).collect();
        let key_index: Vec<usize> = entity
            .key
            .iter()
            .map(|k| {
                names
                    .iter()
                    .position(|n| n == k)
                    .expect("an entity's key columns are among its columns")
            })
            .collect();
        let mut after: Option<Vec<KeyValue>> = None;
        loop {
            let sql = page_sql(entity, &names, person, after.is_some());
            let mut query = sqlx::query(AssertSqlSafe(sql));
            if let Some(person) = person {
                query = query.bind(person.to_string());
            }
            for value in after.iter().flatten() {
                query = match value {
                    KeyValue::Text(text) => query.bind(text.clone()),
                    KeyValue::Int(n) => query.bind(*n),
                };
            }
            let rows = query.fetch_all(&mut *self.tx).await?;
            for row in &rows {
                let object = to_json(entity, columns, row)?;
                let line = serde_json::to_vec(&object).map_err(std::io::Error::other)?;
                spool.line(&line).await?;
            }
            match rows.last() {
                Some(last) if rows.len() == PAGE_ROWS => {
                    after = Some(
                        key_index
                            .iter()
                            .map(|&i| key_value(entity, &columns[i], last, i))
                            .collect::<Result<_, _>>()?,
                    );
                }
                _ => return Ok(()),
            }
        }
    }

    /// The next page of distinct attachment files (content and thumbnail
    /// hashes) after `after`, in hash order; `None` when there are no more.
    pub async fn blobs(
        &mut self,
        person: Option<&str>,
        after: Option<&str>,
    ) -> Result<Option<Vec<String>>, ExportError> {
        let scope = match (person, entities::ATTACHMENTS.personal) {
            (Some(_), Some(filter)) => format!(" AND {filter}"),
            _ => String::new(),
        };
        let (after_clause, after_param) = match (after, person.is_some()) {
            (None, _) => (String::new(), None),
            (Some(after), false) => (" WHERE sha > $1".to_string(), Some(after)),
            (Some(after), true) => (" WHERE sha > $2".to_string(), Some(after)),
        };
        let sql = format!(
            "SELECT sha FROM (\
               SELECT sha256 AS sha FROM attachments WHERE 1 = 1{scope} \
               UNION SELECT thumb_sha256 AS sha FROM attachments \
                 WHERE thumb_sha256 IS NOT NULL{scope}\
             ) AS files{after_clause} ORDER BY sha LIMIT {PAGE_ROWS}"
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        if let Some(person) = person {
            query = query.bind(person.to_string());
        }
        if let Some(after) = after_param {
            query = query.bind(after.to_string());
        }
        let page: Vec<String> = query
            .fetch_all(&mut *self.tx)
            .await?
            .iter()
            .map(|row| row.try_get("sha"))
            .collect::<Result<_, _>>()?;
        Ok((!page.is_empty()).then_some(page))
    }
}

fn page_sql(entity: &Entity, names: &[&str], person: Option<&str>, paged: bool) -> String {
    let mut conditions = Vec::new();
    let mut next_param = 1;
    if person.is_some() {
        if let Some(filter) = entity.personal {
            conditions.push(filter.to_string());
        }
        next_param = 2;
    }
    if paged {
        let params: Vec<String> = (0..entity.key.len())
            .map(|i| format!("${}", next_param + i))
            .collect();
        conditions.push(format!(
            "({}) > ({})",
            entity.key.join(", "),
            params.join(", ")
        ));
    }
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    format!(
        "SELECT {} FROM {}{filter} ORDER BY {} LIMIT {PAGE_ROWS}",
        names.join(", "),
        entity.table,
        entity.key.join(", ")
    )
}

fn bad(entity: &Entity, column: &Column, problem: impl ToString) -> ExportError {
    ExportError::Value {
        table: entity.table,
        column: column.name,
        problem: problem.to_string(),
    }
}

fn key_value(
    entity: &Entity,
    column: &Column,
    row: &AnyRow,
    index: usize,
) -> Result<KeyValue, ExportError> {
    Ok(match column.kind {
        Kind::Int => KeyValue::Int(row.try_get(index).map_err(|e| bad(entity, column, e))?),
        Kind::Text | Kind::Json => {
            KeyValue::Text(row.try_get(index).map_err(|e| bad(entity, column, e))?)
        }
    })
}

fn to_json(
    entity: &Entity,
    columns: &[Column],
    row: &AnyRow,
) -> Result<serde_json::Map<String, serde_json::Value>, ExportError> {
    use serde_json::Value;
    let mut object = serde_json::Map::new();
    for (i, column) in columns.iter().enumerate() {
        let value = match column.kind {
            Kind::Text => row
                .try_get::<Option<String>, _>(i)
                .map_err(|e| bad(entity, column, e))?
                .map_or(Value::Null, Value::String),
            Kind::Int => row
                .try_get::<Option<i64>, _>(i)
                .map_err(|e| bad(entity, column, e))?
                .map_or(Value::Null, Value::from),
            Kind::Json => match row
                .try_get::<Option<String>, _>(i)
                .map_err(|e| bad(entity, column, e))?
            {
                None => Value::Null,
                Some(text) => serde_json::from_str(&text)
                    .map_err(|e| bad(entity, column, format!("not JSON: {e}")))?,
            },
        };
        object.insert(column.name.to_string(), value);
    }
    Ok(object)
}
