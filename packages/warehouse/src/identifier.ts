const NAME = '[A-Za-z_][A-Za-z0-9_]{0,63}'

/** A ClickHouse name Sillage puts into SQL text itself (a database, table, column or setting). */
export const IDENTIFIER = new RegExp(`^${NAME}$`)

/** `<database>.<table>`, both identifiers. */
export const QUALIFIED_TABLE = new RegExp(`^${NAME}\\.${NAME}$`)
