/**
 * The `strata` command line: parses arguments (node:util parseArgs), dispatches to a command,
 * writes help, and turns errors into one-paragraph messages and exit codes (see errors.ts).
 * Help is generated from the command specs, so it lists exactly what is implemented.
 */
import { strataVersion as version } from '../host/version.js';
import { parseArgs } from 'node:util';
import type { CommandIO, CommandSpec, OptionSpec } from './command.js';
import { plotCommand } from './commands/plot.js';
import { summaryCommand } from './commands/summary.js';
import { trainCommand } from './commands/train.js';
import { benchCommand } from './commands/bench.js';
import { devicesCommand } from './commands/devices.js';
import { convertCommand } from './commands/convert.js';
import { evaluateCommand } from './commands/evaluate.js';
import { predictCommand } from './commands/predict.js';
import { serveCommand } from './commands/serve.js';
import { runsCommand } from './commands/runs.js';
import { EXIT_OK, EXIT_USAGE, UsageError, describeError, errorStack } from './errors.js';

export const COMMANDS: readonly CommandSpec[] = [summaryCommand, plotCommand, trainCommand, evaluateCommand, predictCommand, convertCommand, benchCommand, devicesCommand, serveCommand, runsCommand];

/** Options every command takes. */
export const COMMON_OPTIONS: readonly OptionSpec[] = [
  { name: 'verbose', type: 'boolean', description: 'with an error, also print its stack trace; print what the model file logged (on stderr)' },
  { name: 'help', short: 'h', type: 'boolean', description: 'show help for the command' },
];

/** Options on their own, before or instead of a command. */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { name: 'help', short: 'h', type: 'boolean', description: 'show this help' },
  { name: 'version', type: 'boolean', description: 'print the version of strata' },
];

const WIDTH = 88;

function optionLabel(o: OptionSpec): string {
  const long = `--${o.name}${o.type === 'string' ? ` <${o.value ?? 'value'}>` : ''}`;
  return o.short ? `-${o.short}, ${long}` : `    ${long}`;
}

type Row = [indent: number, label: string, text: string];

/** Where the text column of a table starts: after the longest label, within reason. */
function column(rows: Row[]): number {
  return Math.min(Math.max(...rows.map(([indent, label]) => indent + label.length)) + 2, 36);
}

/** Labels (indented), then text wrapped to the width from column `start`. */
function table(rows: Row[], start: number): string[] {
  const lines: string[] = [];
  for (const [indent, label, text] of rows) {
    const wrapped = wrap(text, 0, WIDTH - start);
    const head = ' '.repeat(indent) + label;
    if (head.length + 2 > start) {
      lines.push(head);
      wrapped.forEach((l) => lines.push(' '.repeat(start) + l));
    } else {
      wrapped.forEach((l, i) => lines.push(i === 0 ? head.padEnd(start) + l : ' '.repeat(start) + l));
    }
  }
  return lines;
}

function wrap(text: string, indent = 0, width = WIDTH - indent): string[] {
  const lines: string[] = [];
  let line = '';
  for (const w of text.split(/\s+/)) {
    if (line && line.length + 1 + w.length > width) {
      lines.push(' '.repeat(indent) + line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(' '.repeat(indent) + line);
  return lines;
}

function usageLine(c: CommandSpec): string {
  return ['strata', c.name, ...c.arguments.map((a) => a.name), '[options]'].join(' ');
}

/** `strata --help`: every command with every option. */
export function mainHelp(): string {
  const commands: Row[] = [];
  for (const c of COMMANDS) {
    commands.push([2, [c.name, ...c.arguments.map((a) => a.name)].join(' '), c.summary]);
    commands.push(...c.options.map((o): Row => [6, optionLabel(o), o.description]));
  }
  commands.push([2, 'help [command]', 'show this help, or the help of one command']);
  const common: Row[] = COMMON_OPTIONS.map((o) => [2, optionLabel(o), o.description]);
  const global: Row[] = GLOBAL_OPTIONS.map((o) => [2, optionLabel(o), o.description]);
  // All sections share one text column.
  const start = column([...commands, ...common, ...global]);
  return [
    `strata ${version()}: inspect, draw, train and convert Keras-style models.`,
    '',
    'Usage:',
    '  strata <command> <model> [options]',
    '  strata help [command]',
    '',
    'Commands:',
    ...table(commands, start),
    '',
    'Options of every command:',
    ...table(common, start),
    '',
    'Options without a command:',
    ...table(global, start),
    '',
    ...wrap('Exit status: 0 on success; 1 when the model file cannot be read or evaluated (a shape error, an exception) or the picture cannot be written; 2 for a wrong command line.'),
    '',
  ].join('\n');
}

/** `strata help <command>`. */
export function commandHelp(c: CommandSpec): string {
  const args: Row[] = c.arguments.map((a) => [2, a.name, a.description]);
  const options: Row[] = [...c.options, ...COMMON_OPTIONS].map((o) => [2, optionLabel(o), o.description]);
  const start = column([...args, ...options]);
  const lines = [`Usage: ${usageLine(c)}`, '', ...wrap(c.description), ''];
  if (args.length > 0) lines.push('Arguments:', ...table(args, start), '');
  lines.push('Options:', ...table(options, start), '');
  if (c.examples.length > 0) lines.push('Examples:', ...c.examples.map((e) => `  ${e}`), '');
  return lines.join('\n');
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const keep = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = keep;
    }
  }
  return row[b.length]!;
}

function findCommand(name: string): CommandSpec {
  const command = COMMANDS.find((c) => c.name === name);
  if (command) return command;
  const near = COMMANDS.filter((c) => distance(c.name, name) <= 2).map((c) => c.name);
  const hint = near.length > 0 ? ` Did you mean "${near[0]}"?` : '';
  throw new UsageError(`unknown command "${name}".${hint} Commands: ${[...COMMANDS.map((c) => c.name), 'help'].join(', ')}.`);
}

/** Turns parseArgs' errors into ours: the option, the command, no advice about `--`. */
function parseError(error: unknown, command: CommandSpec): UsageError {
  const e = error as { code?: string; message?: string };
  const quoted = /'([^']+)'/.exec(e.message ?? '')?.[1];
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && quoted) {
    return new UsageError(`unknown option "${quoted}" for "strata ${command.name}".`, command.name);
  }
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && quoted) {
    const name = /--[\w-]+/.exec(quoted)?.[0] ?? quoted;
    return /argument missing/.test(e.message ?? '')
      ? new UsageError(`option "${name}" needs a value.`, command.name)
      : new UsageError(`option "${name}" takes no value.`, command.name);
  }
  return new UsageError(`${e.message ?? String(error)}`, command.name);
}

const defaultIO: CommandIO = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

/** Runs the command line `argv` (without `node` and the script); resolves to the exit code. */
export async function main(argv: string[], io: CommandIO = defaultIO): Promise<number> {
  let verbose = false;
  let file: string | undefined;
  try {
    const [first, ...rest] = argv;
    if (first === undefined) throw new UsageError('missing command.');
    if (first === '-h' || first === '--help') {
      if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}" after ${first}.`);
      io.stdout(mainHelp());
      return EXIT_OK;
    }
    if (first === '--version') {
      if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}" after --version.`);
      io.stdout(`${version()}\n`);
      return EXIT_OK;
    }
    if (first === 'help') {
      if (rest.length === 0) {
        io.stdout(mainHelp());
        return EXIT_OK;
      }
      if (rest.length > 1) throw new UsageError(`"strata help" takes one command name; received ${rest.length} arguments.`);
      if (rest[0] === 'help') {
        io.stdout(mainHelp());
        return EXIT_OK;
      }
      io.stdout(commandHelp(findCommand(rest[0]!)));
      return EXIT_OK;
    }
    if (first.startsWith('-')) throw new UsageError(`unknown option "${first}"; a command comes first.`);

    const command = findCommand(first);
    const specs = [...command.options, ...COMMON_OPTIONS];
    let parsed;
    try {
      parsed = parseArgs({
        args: rest,
        options: Object.fromEntries(
          specs.map((o) => [o.name, o.short ? { type: o.type, short: o.short } : { type: o.type }]),
        ),
        strict: true,
        allowPositionals: true,
        tokens: true,
      });
    } catch (error) {
      throw parseError(error, command);
    }
    const values = parsed.values as Record<string, string | boolean | undefined>;
    verbose = values.verbose === true;
    if (values.help) {
      io.stdout(commandHelp(command));
      return EXIT_OK;
    }
    const args = parsed.positionals;
    if (args.length < command.arguments.filter((a) => !a.optional).length) {
      throw new UsageError(
        `"strata ${command.name}" needs ${command.arguments.map((a) => a.name).join(' ')}; usage: ${usageLine(command)}`,
        command.name,
      );
    }
    if (args.length > command.arguments.length) {
      throw new UsageError(`unexpected argument "${args[command.arguments.length]}" for "strata ${command.name}".`, command.name);
    }
    if (command.modelFileArgument !== undefined) file = args[command.modelFileArgument];
    const order = parsed.tokens.flatMap((t) => (t.kind === 'option' ? [t.name] : []));
    return await command.run({ args, options: values, order, verbose, io });
  } catch (error) {
    const { message, code, internal } = describeError(error, { file });
    io.stderr(`${message}\n`);
    if (verbose && code !== EXIT_USAGE) io.stderr(`\n${errorStack(error)}\n`);
    else if (internal) io.stderr('Run again with --verbose for the stack trace.\n');
    return code;
  }
}
