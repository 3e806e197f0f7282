// snap's own version, as recorded in every manifest (read from package.json at build time
// would need a JSON import at run time; keeping one constant is simpler and checked by a test).
export const SNAP_VERSION = '0.1.0';
