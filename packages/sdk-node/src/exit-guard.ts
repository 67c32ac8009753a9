/**
 * One `exit` listener for every open client (not one each): at exit nothing asynchronous can
 * run, so each client reports, synchronously, the events it could not deliver.
 */
const reporters = new Set<() => void>()

function onExit(): void {
  for (const report of reporters) report()
}

/** Registers `report` until the returned function is called. */
export function guardExit(report: () => void): () => void {
  if (reporters.size === 0) process.on('exit', onExit)
  reporters.add(report)
  return () => {
    reporters.delete(report)
    if (reporters.size === 0) process.off('exit', onExit)
  }
}
