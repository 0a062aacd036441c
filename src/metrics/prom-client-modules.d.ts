// prom-client's own modules (prom-client-parts.ts), which its package types do not describe: each is
// typed there, at the one place it is imported.
declare module 'prom-client/lib/*' {
  const value: unknown;
  export default value;
}
