/**
 * What the studio knows about its host, loaded once at start: the host's mode and folders,
 * the layer catalog for the palette and inspector, and the notices shown to the person.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { ChannelResult, LayerClass } from '../../../shared/ipc/index.js';
import { strataApi } from './strata-api.js';

export type AppInfo = ChannelResult<'app.info'>;

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  text: string;
}

export const useAppStore = defineStore('app', () => {
  const info = ref<AppInfo | null>(null);
  const catalog = shallowRef<LayerClass[]>([]);
  const notices = ref<Notice[]>([]);
  let nextNoticeId = 0;

  const isElectron = computed(() => info.value?.mode === 'electron');

  async function load(): Promise<void> {
    const api = strataApi();
    const [hostInfo, layers] = await Promise.all([api.invoke('app.info', {}), api.invoke('layers.catalog', {})]);
    info.value = hostInfo;
    catalog.value = layers;
  }

  function layerClass(className: string): LayerClass | null {
    return catalog.value.find((c) => c.className === className) ?? null;
  }

  function notify(kind: Notice['kind'], text: string): void {
    notices.value.push({ id: nextNoticeId++, kind, text });
  }

  function dismiss(id: number): void {
    notices.value = notices.value.filter((n) => n.id !== id);
  }

  return { info, catalog, notices, isElectron, load, layerClass, notify, dismiss };
});

/** An error's message for a person, whatever was thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
