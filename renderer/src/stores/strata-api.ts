/**
 * The host's API as the stores reach it. The app connects first (connectStrata) and hands
 * the result here; tests hand in a fake.
 */
import type { StrataApi } from '../../../shared/ipc/index.js';

let current: StrataApi | null = null;

export function provideStrataApi(api: StrataApi): void {
  current = api;
}

export function strataApi(): StrataApi {
  if (!current) throw new Error('The studio is not connected to its host yet: provideStrataApi() must run before the stores are used.');
  return current;
}
