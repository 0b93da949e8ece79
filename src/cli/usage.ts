import type { CommandName, CommandSpec } from './args';
import { COMMANDS, GROUPS, isCommand } from './args';

const RUN = 'npm run --silent cli --';

function synopsis(name: string, spec: CommandSpec): string {
  const required = spec.required.map((flag) => `--${flag.name} ${flag.value}`);
  const optional = spec.optional.map((flag) => `[--${flag.name} ${flag.value}]`);
  return [name, ...required, ...optional].join(' ');
}

const FOOTER = `The database is DATABASE_URL when set, else the embedded one in DATA_DIR (default .data).
Results are one JSON document on stdout; errors and progress go to stderr.`;

/** The general usage: every command with its flags and result. */
export function usage(): string {
  const lines = [`usage: ${RUN} <command> [flags]`, '', 'commands (each prints one JSON document on stdout):'];
  for (const [name, spec] of Object.entries(COMMANDS)) {
    lines.push(`  ${synopsis(name, spec)}`, `      ${spec.summary.padEnd(46)} -> ${spec.result}`);
  }
  lines.push(
    '',
    'options:',
    '  --help, -h          help (also: help <command>, <command> --help)',
    '  --version, -V       the gateway version',
    '  --progress          progress on stderr even when it is not a terminal (--no-progress: none)',
    '',
    FOOTER,
  );
  return lines.join('\n');
}

function commandHelp(name: CommandName): string {
  const spec = COMMANDS[name];
  const flags = [...spec.required.map((flag) => ({ ...flag, required: true })), ...spec.optional.map((flag) => ({ ...flag, required: false }))];
  const lines = [`usage: ${RUN} ${synopsis(name, spec)}`, '', `${spec.summary[0].toUpperCase()}${spec.summary.slice(1)}.`, '', `prints: ${spec.result}`];
  if (flags.length > 0) {
    lines.push('', 'flags:');
    for (const flag of flags) lines.push(`  --${`${flag.name} ${flag.value}`.padEnd(34)} ${flag.help}${flag.required ? ' (required)' : ''}`);
  }
  lines.push('', FOOTER);
  return lines.join('\n');
}

function groupHelp(group: string): string {
  const lines = [`usage: ${RUN} ${group} <${GROUPS[group].join('|')}> [flags]`, '', 'commands:'];
  for (const sub of GROUPS[group]) {
    const name = `${group} ${sub}`;
    if (isCommand(name)) lines.push(`  ${synopsis(name, COMMANDS[name])}`, `      ${COMMANDS[name].summary}`);
  }
  lines.push('', `${RUN} ${group} <command> --help shows a command's flags.`);
  return lines.join('\n');
}

/** Help for a command (`key create`), a group (`key`), or everything; undefined for an unknown topic. */
export function helpFor(topic?: string): string | undefined {
  if (topic === undefined) return usage();
  if (isCommand(topic)) return commandHelp(topic);
  if (topic in GROUPS) return groupHelp(topic);
  return undefined;
}
