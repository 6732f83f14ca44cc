/** A StrataApi whose channels answer from handlers the test supplies, recording every call. */
import type { Channel, ChannelArgs, ChannelParsedArgs, ChannelResult, Evaluation, Project, ProjectModel, StrataApi } from '../../../shared/ipc/index.js';

/** Handlers see arguments as the host's do: checked, defaults filled in (the fake trusts the stores to send them whole). */
type Handler<C extends Channel> = (args: ChannelParsedArgs<C>) => ChannelResult<C> | Promise<ChannelResult<C>>;
export type Handlers = { [C in Channel]?: Handler<C> };

export interface FakeApi extends StrataApi {
  calls: Array<{ channel: Channel; args: unknown }>;
  callsTo(channel: Channel): unknown[];
  handlers: Handlers;
}

export function fakeApi(handlers: Handlers = {}): FakeApi {
  const calls: FakeApi['calls'] = [];
  return {
    calls,
    handlers,
    callsTo: (channel) => calls.filter((c) => c.channel === channel).map((c) => c.args),
    async invoke<C extends Channel>(channel: C, args: ChannelArgs<C>): Promise<ChannelResult<C>> {
      calls.push({ channel, args });
      const handler = handlers[channel] as Handler<C> | undefined;
      if (!handler) throw new Error(`the fake host has no handler for "${channel}"`);
      return handler(args as ChannelParsedArgs<C>);
    },
    on: () => () => {},
  };
}

/** A promise the test settles by hand, to control the order replies arrive in. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

export function model(name: string, code: string): ProjectModel {
  return { name, code, layout: { positions: {}, expanded: [], rankdir: 'TB' } };
}

export function project(models: ProjectModel[], extra: Partial<Project> = {}): Project {
  return {
    dir: '/projects/demo',
    manifest: { name: 'Demo', formatVersion: 1, models: models.map((m) => m.name), datasets: [], defaults: {} },
    models,
    missing: [],
    recovery: null,
    ...extra,
  };
}

/** A valid evaluation whose graph has one node per layer name. */
export function okEvaluation(...layerNames: string[]): Evaluation {
  return {
    ok: true,
    config: {},
    graph: {
      nodes: layerNames.map((name) => ({
        id: name,
        name,
        className: 'Dense',
        kind: 'layer' as const,
        outputShape: '(None, 4)',
        inputShape: '(None, 4)',
        params: 20,
        calls: 1,
        isOutput: false,
        editable: true,
        options: {},
      })),
      edges: [],
    },
    summary: { name: 'm', rows: [], totalParams: 0, trainableParams: 0, nonTrainableParams: 0 },
    logs: [],
    millis: 1,
  };
}

export function failedEvaluation(message: string, line: number, layerName?: string): Evaluation {
  return {
    ok: false,
    diagnostics: [{ severity: 'error', kind: 'shape', message, line, column: 5, ...(layerName ? { layerName } : {}) }],
    logs: [],
    millis: 1,
  };
}

/** Lets pending promise callbacks run (without timers, so it works under fake timers). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}
