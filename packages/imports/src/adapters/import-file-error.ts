export type ImportFileErrorCode = 'SIL_IMPORT_FILE_ENCODING' | 'SIL_IMPORT_FILE_UNREADABLE'

/**
 * A file that cannot be read at all (nothing was imported past the rows done): not UTF-8, or not
 * the format it was read as. The code is in the message too, for the CLI, which prints messages.
 */
export class ImportFileError extends Error {
  constructor(
    readonly code: ImportFileErrorCode,
    file: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot import ${file} (${code}): ${detail}`, options)
    this.name = 'ImportFileError'
  }
}
