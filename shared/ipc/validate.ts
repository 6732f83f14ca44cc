/**
 * Checking messages against the contract. A message that does not fit gets an error that
 * says which channel, which field, what was expected and what was received — never a throw
 * that could take an adapter down.
 */
import { z } from 'zod';
import { CHANNELS, EVENTS, type Channel, type ChannelResult, type EventName, type EventPayload } from './contract.js';

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

export function isChannel(name: unknown): name is Channel {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(CHANNELS, name);
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(EVENTS, name);
}

function received(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/** One sentence per problem: `at "edit.type": expected one of …; received …`. */
export function describeIssues(error: z.ZodError, root: unknown): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const where = issue.path.length > 0 ? `at "${issue.path.map(String).join('.')}"` : 'at the top level';
      // zod says "Invalid input: expected string, received number"; we say what was received ourselves.
      const expected = issue.message.replace(/^Invalid input: /, '').replace(/, received \w+$/, '');
      return `${where}: ${expected}; received ${received(valueAt(root, issue.path))}`;
    })
    .join('; ');
}

function check<T>(schema: z.ZodType<T>, value: unknown, what: string): Checked<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, message: `${what} does not fit the contract: ${describeIssues(parsed.error, value)}.` };
}

/** The arguments of a call, checked (and defaults filled in) before its handler runs. */
export function checkArgs(channel: unknown, args: unknown): Checked<{ channel: Channel; args: unknown }> {
  if (!isChannel(channel)) {
    return { ok: false, message: `Unknown channel ${received(channel)}; expected one of ${Object.keys(CHANNELS).join(', ')}.` };
  }
  const checked = check(CHANNELS[channel].args as z.ZodType<unknown>, args, `The argument of "${channel}"`);
  return checked.ok ? { ok: true, value: { channel, args: checked.value } } : checked;
}

/** A handler's result, checked before it leaves the host (a mismatch is the host's bug, said as such). */
export function checkResult<C extends Channel>(channel: C, result: unknown): Checked<ChannelResult<C>> {
  return check(CHANNELS[channel].result as unknown as z.ZodType<ChannelResult<C>>, result, `The result of "${channel}"`);
}

export function checkEvent<E extends EventName>(event: E, payload: unknown): Checked<EventPayload<E>> {
  return check(EVENTS[event] as unknown as z.ZodType<EventPayload<E>>, payload, `The event "${event}"`);
}

/**
 * Messages of the WebSocket bridge (serve mode). Electron's adapter carries the same calls
 * through ipcRenderer.invoke, so only this transport needs ids.
 */
export const wireMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('invoke'), id: z.number().int().nonnegative(), channel: z.string(), args: z.unknown() }),
  z.object({
    type: z.literal('reply'),
    id: z.number().int().nonnegative(),
    ok: z.boolean(),
    value: z.unknown().optional(),
    error: z.object({ message: z.string(), code: z.string() }).optional(),
  }),
  z.object({ type: z.literal('event'), event: z.string(), payload: z.unknown() }),
]);
export type WireMessage = z.infer<typeof wireMessage>;
