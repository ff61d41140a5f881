// Run in a fresh Node process: imports (and so initialises) one bundled handler and prints how long it took.
const started = performance.now();
const module = await import(process.argv[2]);
const elapsed = performance.now() - started;
const exportName = process.argv[3] ?? 'handler';
if (typeof module[exportName] !== 'function') throw new Error(`${process.argv[2]} exports no ${exportName}`);
process.stdout.write(JSON.stringify({ ms: elapsed }));
