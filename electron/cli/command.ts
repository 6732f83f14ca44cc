/** How a command describes itself: `main.ts` parses, dispatches and writes help from this alone. */

export interface OptionSpec {
  /** Long name, without the dashes. */
  name: string;
  short?: string;
  type: 'boolean' | 'string';
  /** Placeholder of a string option's value in help, e.g. `file.svg`. */
  value?: string;
  description: string;
}

export interface ArgumentSpec {
  /** As shown in usage, e.g. `<model.ts>`. */
  name: string;
  description: string;
  /** May be left out (`strata train --project …` names its model by option instead). */
  optional?: boolean;
}

export interface CommandIO {
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface CommandContext {
  /** The arguments, in order (all of them required: `main.ts` checks their number). */
  args: string[];
  /** Parsed options by long name; booleans are true when given. */
  options: Record<string, string | boolean | undefined>;
  /** Long names of the options given, in command-line order (the last of two contradicting flags wins). */
  order: string[];
  verbose: boolean;
  io: CommandIO;
}

export interface CommandSpec {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** A paragraph for `strata help <command>`. */
  description: string;
  arguments: ArgumentSpec[];
  options: OptionSpec[];
  examples: string[];
  /** Which argument is the model file, for naming it in errors. */
  modelFileArgument?: number;
  run(context: CommandContext): Promise<number>;
}
