import type { CapacityModel } from './model.js';

const dollars = (n: number) => `$${n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2)}`;

/** The model as a Markdown table, with the ceilings this rate passes listed under it. */
export function renderModel(model: CapacityModel): string {
  const rows = model.lines.map((l) => `| ${l.component} | ${l.figure} | ${dollars(l.dollarsPerMonth)} |`);
  const ceilings = model.lines.filter((l) => l.ceiling).map((l) => `- ${l.component}: ${l.ceiling}`);
  return [
    `### ${model.rate.toLocaleString('en-US')} stored messages/s`,
    '',
    '| component | figure | per month |',
    '|---|---|---|',
    ...rows,
    `| **total** | | **${dollars(model.totalDollarsPerMonth)}** |`,
    '',
    ceilings.length ? `Ceilings at this rate:\n${ceilings.join('\n')}` : 'No ceiling binds at this rate.',
  ].join('\n');
}
