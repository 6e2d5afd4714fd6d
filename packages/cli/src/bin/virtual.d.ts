// Modules that only the command bundle's build resolves (tsup.config.ts, scriptPatches).

/** drivers-overlay's dist/mount-helper.js: one overlay mount, performed when evaluated. */
declare module '@cs/drivers-overlay/mount-helper' {}
