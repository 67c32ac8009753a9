/** Sent as `context.library` on every event; a test keeps it equal to package.json's version. */
export const SDK_NAME = '@sillage/sdk-node'
export const SDK_VERSION = '0.1.0'
