//! The target's tables, read from PostgreSQL's catalog, in an order where
//! every table comes after the tables its foreign keys name.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::TransferError;

pub const MIGRATIONS_TABLE: &str = "schema_migrations";
/// Filled by a migration (the change log's epoch), replaced by the source's.
pub const IDENTITY_TABLE: &str = "server_identity";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnType {
    Text,
    BigInt,
}

#[derive(Clone, Debug)]
pub struct Column {
    pub name: String,
    pub kind: ColumnType,
    /// `GENERATED ALWAYS AS IDENTITY`: inserted with its value, then the
    /// sequence is moved past the largest.
    pub identity: bool,
}

#[derive(Clone, Debug)]
pub struct Table {
    pub name: String,
    /// Insertable columns (generated ones are left to PostgreSQL).
    pub columns: Vec<Column>,
    pub primary_key: Vec<String>,
    /// Columns that name a row of the same table.
    pub self_references: BTreeSet<String>,
    pub has_identity: bool,
}

impl Table {
    /// Where the (single-column) primary key is among `columns`.
    pub fn key_index(&self, columns: &[Column]) -> Option<usize> {
        match self.primary_key.as_slice() {
            [key] => columns.iter().position(|c| &c.name == key),
            _ => None,
        }
    }
}

async fn pairs(conn: &mut AnyConnection, sql: &str) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query(AssertSqlSafe(sql.to_string()))
        .fetch_all(conn)
        .await?
        .iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect()
}

pub async fn tables_in_copy_order(conn: &mut AnyConnection) -> Result<Vec<Table>, TransferError> {
    let names: Vec<String> = sqlx::query(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1",
    )
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|row| row.try_get(0))
    .collect::<Result<_, _>>()?;
    let mut tables: BTreeMap<String, Table> = names
        .into_iter()
        .map(|name| {
            let table = Table {
                name: name.clone(),
                columns: Vec::new(),
                primary_key: Vec::new(),
                self_references: BTreeSet::new(),
                has_identity: false,
            };
            (name, table)
        })
        .collect();

    let columns = sqlx::query(
        "SELECT table_name::text, column_name::text, data_type::text, is_generated::text, \
                is_identity::text \
         FROM information_schema.columns WHERE table_schema = current_schema() \
         ORDER BY table_name, ordinal_position",
    )
    .fetch_all(&mut *conn)
    .await?;
    for row in columns {
        let (table, name, data_type, generated, identity): (
            String,
            String,
            String,
            String,
            String,
        ) = (
            row.try_get(0)?,
            row.try_get(1)?,
            row.try_get(2)?,
            row.try_get(3)?,
            row.try_get(4)?,
        );
        let Some(table) = tables.get_mut(&table) else {
            continue;
        };
        if generated == "ALWAYS" {
            continue;
        }
        let kind = match data_type.as_str() {
            "text" => ColumnType::Text,
            "bigint" => ColumnType::BigInt,
            other => {
                return Err(TransferError::Schema {
                    table: table.name.clone(),
                    column: name,
                    problem: format!("type {other} is not handled by migrate-db yet"),
                })
            }
        };
        let identity = identity == "YES";
        table.has_identity |= identity;
        table.columns.push(Column {
            name,
            kind,
            identity,
        });
    }

    let keys = pairs(
        conn,
        "SELECT tc.table_name::text, kcu.column_name::text \
         FROM information_schema.table_constraints tc \
         JOIN information_schema.key_column_usage kcu \
           ON tc.constraint_name = kcu.constraint_name AND tc.table_schema = kcu.table_schema \
         WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema() \
         ORDER BY tc.table_name, kcu.ordinal_position",
    )
    .await?;
    for (table, column) in keys {
        if let Some(table) = tables.get_mut(&table) {
            table.primary_key.push(column);
        }
    }

    let references = sqlx::query(
        "SELECT tc.table_name::text, ccu.table_name::text, kcu.column_name::text \
         FROM information_schema.table_constraints tc \
         JOIN information_schema.key_column_usage kcu \
           ON tc.constraint_name = kcu.constraint_name AND tc.table_schema = kcu.table_schema \
         JOIN information_schema.constraint_column_usage ccu \
           ON tc.constraint_name = ccu.constraint_name AND tc.table_schema = ccu.table_schema \
         WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema()",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut parents: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in references {
        let (child, parent, column): (String, String, String) =
            (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
        if child == parent {
            if let Some(table) = tables.get_mut(&child) {
                table.self_references.insert(column);
            }
        } else {
            parents.entry(child).or_default().insert(parent);
        }
    }
    for table in tables.values() {
        if !table.self_references.is_empty() && table.primary_key.len() != 1 {
            return Err(TransferError::Schema {
                table: table.name.clone(),
                column: String::new(),
                problem: "a table that names its own rows needs a one-column primary key".into(),
            });
        }
    }
    topological(tables, &parents)
}

/// Parents first; ties by name, so the order is the same on every run.
fn topological(
    mut tables: BTreeMap<String, Table>,
    parents: &BTreeMap<String, BTreeSet<String>>,
) -> Result<Vec<Table>, TransferError> {
    let mut ordered = Vec::new();
    let mut placed = BTreeSet::new();
    while !tables.is_empty() {
        let ready: Vec<String> = tables
            .keys()
            .filter(|name| {
                parents
                    .get(*name)
                    .is_none_or(|p| p.iter().all(|p| placed.contains(p)))
            })
            .cloned()
            .collect();
        if ready.is_empty() {
            let stuck = tables.keys().cloned().collect::<Vec<_>>().join(", ");
            return Err(TransferError::Schema {
                table: stuck,
                column: String::new(),
                problem: "foreign keys form a cycle".into(),
            });
        }
        for name in ready {
            if let Some(table) = tables.remove(&name) {
                placed.insert(name);
                ordered.push(table);
            }
        }
    }
    Ok(ordered)
}

/// The source's table must have every column the target will be filled
/// with, and no column the target would drop.
pub async fn check_source(
    source: &mut AnyConnection,
    table: &Table,
) -> Result<Vec<super::Column>, TransferError> {
    let present: BTreeSet<String> = sqlx::query(AssertSqlSafe(format!(
        "SELECT name FROM pragma_table_info('{}')",
        table.name
    )))
    .fetch_all(&mut *source)
    .await?
    .iter()
    .map(|row| row.try_get::<String, _>(0))
    .collect::<Result<_, _>>()?;
    if present.is_empty() {
        return Err(TransferError::MissingTable(table.name.clone()));
    }
    let wanted: BTreeSet<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
    for column in &table.columns {
        if !present.contains(&column.name) {
            return Err(TransferError::Schema {
                table: table.name.clone(),
                column: column.name.clone(),
                problem: "missing in the SQLite database".into(),
            });
        }
    }
    if let Some(extra) = present.iter().find(|c| !wanted.contains(c.as_str())) {
        return Err(TransferError::Schema {
            table: table.name.clone(),
            column: extra.clone(),
            problem: "exists in SQLite but not in PostgreSQL: its data would be lost".into(),
        });
    }
    Ok(table.columns.clone())
}
