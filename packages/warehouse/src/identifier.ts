/** A ClickHouse name Sillage puts into SQL text itself (a database, table, column or setting). */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/

/** `<database>.<table>`, both identifiers. */
export const QUALIFIED_TABLE = /^[A-Za-z_][A-Za-z0-9_]{0,63}\.[A-Za-z_][A-Za-z0-9_]{0,63}$/
