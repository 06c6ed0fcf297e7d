#[cfg(test)]
mod spike {
    use sqlx::Row;
    #[tokio::test]
    async fn dollar_placeholders_work_on_sqlite_through_any() {
        sqlx::any::install_default_drivers();
        let pool = sqlx::any::AnyPoolOptions::new().max_connections(1).connect("sqlite::memory:").await.unwrap();
        sqlx::query("CREATE TABLE t (a TEXT, b BIGINT, c TEXT NULL)").execute(&pool).await.unwrap();
        sqlx::query("INSERT INTO t (b, a, c) VALUES ($2, $1, $3)").bind("x").bind(7_i64).bind(None::<String>).execute(&pool).await.unwrap();
        let row = sqlx::query("SELECT a, b, c, (SELECT COUNT(*) FROM t) AS n FROM t WHERE b = $2 AND a = $1").bind("x").bind(7_i64).fetch_one(&pool).await.unwrap();
        assert_eq!(row.get::<String, _>("a"), "x");
        assert_eq!(row.get::<i64, _>("b"), 7);
        assert_eq!(row.get::<Option<String>, _>("c"), None);
        assert_eq!(row.get::<i64, _>("n"), 1);
        let row = sqlx::query("SELECT b FROM t WHERE (a, b) IN (VALUES ($1, $2), ($3, $4))").bind("x").bind(7_i64).bind("y").bind(8_i64).fetch_one(&pool).await.unwrap();
        assert_eq!(row.get::<i64, _>("b"), 7);
    }
}
