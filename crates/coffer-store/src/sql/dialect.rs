//! Where the backends' SQL differs: a [`Dialect`] supplies the few pieces, and [`Sql`] writes
//! statements with them (see [`Statements`](super::Statements)).

/// The pieces of SQL in which the backends differ. The defaults are PostgreSQL's (and the
/// standard's) where there is one.
pub trait Dialect {
    /// Parameter `n` (from 1): `?1` or `$1`.
    fn param(&self, n: usize) -> String;

    /// `expr` as case-insensitive comparisons, keys and orderings see it, where `expr` is a
    /// column the schema compares case-insensitively (or a parameter compared with one):
    /// `lower(expr)`, which the unique indexes are on; SQLite's columns are `COLLATE NOCASE`
    /// and need nothing.
    fn fold(&self, expr: &str) -> String {
        format!("lower({expr})")
    }

    /// `expr` compared case-insensitively where its column is compared byte-wise (the audit
    /// log's): `lower(expr)` by default.
    fn fold_text(&self, expr: &str) -> String {
        format!("lower({expr})")
    }

    /// An `INSERT` of `rest` (`table (columns) VALUES (...)`) that does nothing when the row's
    /// key is taken.
    fn insert_ignore(&self, rest: &str) -> String {
        format!("INSERT INTO {rest} ON CONFLICT DO NOTHING")
    }

    /// What a query in a write appends to lock the rows it reads until commit (`FOR UPDATE`),
    /// or nothing where a writer holds the whole database.
    fn lock_rows(&self) -> &'static str {
        " FOR UPDATE"
    }

    /// The value of a `LIMIT` parameter that sets none: NULL by default.
    fn no_limit(&self) -> Option<i64> {
        None
    }

    /// Statements that end an import, after rows were written with their ids.
    fn after_import(&self) -> Vec<String> {
        Vec::new()
    }
}

/// Helpers for writing statements with a [`Dialect`].
pub(crate) struct Sql<'a>(pub(crate) &'a dyn Dialect);

impl Sql<'_> {
    /// Parameter `n`.
    pub(crate) fn p(&self, n: usize) -> String {
        self.0.param(n)
    }

    /// Parameters `1..=n`, comma-separated.
    pub(crate) fn ps(&self, n: usize) -> String {
        (1..=n).map(|i| self.p(i)).collect::<Vec<_>>().join(", ")
    }

    /// `col` equals parameter `n`, case-insensitively.
    pub(crate) fn ci(&self, col: &str, n: usize) -> String {
        format!("{} = {}", self.0.fold(col), self.0.fold(&self.p(n)))
    }

    /// `col` equals parameter `n`, case-insensitively, for a column compared byte-wise.
    pub(crate) fn ci_text(&self, col: &str, n: usize) -> String {
        format!("{} = {}", self.0.fold_text(col), self.0.fold_text(&self.p(n)))
    }

    /// `col` folded.
    pub(crate) fn fold(&self, col: &str) -> String {
        self.0.fold(col)
    }

    /// An ordering by `col`, case-insensitively, ties in stored case.
    pub(crate) fn order(&self, col: &str) -> String {
        let folded = self.0.fold(col);
        if folded == col {
            folded
        } else {
            format!("{folded}, {col}")
        }
    }

    /// Parameter `n`, of type `ty` also when NULL.
    pub(crate) fn typed(&self, n: usize, ty: &str) -> String {
        format!("CAST({} AS {ty})", self.p(n))
    }

    /// An insert of `rest` that does nothing when the row's key is taken.
    pub(crate) fn insert_ignore(&self, rest: &str) -> String {
        self.0.insert_ignore(rest)
    }

    /// The row-lock clause.
    pub(crate) fn lock(&self) -> &'static str {
        self.0.lock_rows()
    }
}
